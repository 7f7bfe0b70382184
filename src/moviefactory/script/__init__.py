"""Script stage: the user's text -> a validated `Movie` (script.json).

A writer subclasses `Writer`: `from_settings(settings)` and `write(request, *, scenes, seed, style) -> Movie`;
what it can do beyond that (`notices`, `attach`) has a default here, so the pipeline never probes with getattr.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from moviefactory.registry import Registry

if TYPE_CHECKING:
    from moviefactory.config import Settings
    from moviefactory.progress import Reporter
    from moviefactory.spec import Movie, Style


class Writer(ABC):
    name: str
    # what the last `write` could not use ("not used: ..."), for the CLI and the report
    notices: Sequence[str] = ()

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> Writer: ...

    @abstractmethod
    def write(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        """Return a valid Movie for `request`. Deterministic for (request, scenes, seed, style)."""

    def attach(self, folder: Path | None, reporter: Reporter | None = None) -> None:  # noqa: B027
        """Writers that talk to a model keep a transcript in the movie folder and stream progress to
        `reporter`; the others need neither (this default does nothing)."""


WRITERS: Registry[type[Writer]] = Registry("script")
WRITERS.add("builtin", "moviefactory.script.builtin:BuiltinWriter", summary="offline story writer (MiniLM)")
WRITERS.add("llm", "moviefactory.script.llm:LLMWriter", summary="any OpenAI-compatible chat endpoint")
WRITERS.add(
    "import",
    "moviefactory.script.crew_import:ImportWriter",
    summary="your own scene list or Fountain screenplay (--script FILE)",
)
WRITERS.add(
    "crew",
    "moviefactory.script.crew:CrewWriter",
    summary="staged crew on an OpenAI-compatible model: outline, cast, shots, critique",
)
