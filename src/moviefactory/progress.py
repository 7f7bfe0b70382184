"""Progress reporting: one small protocol; rich bars on stderr for the CLI, nothing for --quiet/--json,
job records for the web studio. Stages never print."""

from __future__ import annotations

from typing import Any, Protocol


class Reporter(Protocol):
    def start(self, key: str, label: str, total: float) -> None: ...

    def update(self, key: str, completed: float, total: float | None = None) -> None: ...

    def finish(self, key: str) -> None: ...

    def note(self, message: str) -> None: ...


class NullReporter:
    def __enter__(self) -> NullReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def start(self, key: str, label: str, total: float) -> None:
        pass

    def update(self, key: str, completed: float, total: float | None = None) -> None:
        pass

    def finish(self, key: str) -> None:
        pass

    def note(self, message: str) -> None:
        pass


class RichReporter:
    """Per-stage and per-scene bars on stderr. Use as a context manager."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self._progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichReporter:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def start(self, key: str, label: str, total: float) -> None:
        if key in self._tasks:
            self._progress.reset(self._tasks[key], total=total, description=label)
        else:
            self._tasks[key] = self._progress.add_task(label, total=total)

    def update(self, key: str, completed: float, total: float | None = None) -> None:
        if key in self._tasks:
            self._progress.update(self._tasks[key], completed=completed, total=total)

    def finish(self, key: str) -> None:
        if key in self._tasks:
            task = self._tasks[key]
            self._progress.update(task, completed=self._progress.tasks[task].total or 1)

    def note(self, message: str) -> None:
        from rich.markup import escape

        self._progress.console.print(f"[dim]{escape(message)}[/dim]", highlight=False)
