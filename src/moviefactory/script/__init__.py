"""Script stage: the user's text -> a validated `Movie` (script.json).

A writer is a class with `from_settings(settings)` and `write(request, *, scenes, seed, style) -> Movie`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from moviefactory.registry import Registry

if TYPE_CHECKING:
    from moviefactory.config import Settings
    from moviefactory.spec import Movie, Style


class Writer(Protocol):
    name: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Writer: ...

    def write(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        """Return a valid Movie for `request`. Deterministic for (request, scenes, seed, style)."""
        ...


WRITERS: Registry[type[Writer]] = Registry("script")
WRITERS.add("builtin", "moviefactory.script.builtin:BuiltinWriter", summary="offline story writer (MiniLM)")
WRITERS.add("llm", "moviefactory.script.llm:LLMWriter", summary="any OpenAI-compatible chat endpoint")
WRITERS.add("import", "moviefactory.script.crew_import:ImportWriter",
            summary="your own scene list or Fountain screenplay (--script FILE)")  # fmt: skip
WRITERS.add("crew", "moviefactory.script.crew:CrewWriter",
            summary="staged crew on an OpenAI-compatible model: outline, cast, shots, critique")  # fmt: skip
