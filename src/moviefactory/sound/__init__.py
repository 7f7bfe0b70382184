"""Sound stage: per-scene effects, the movie's music bed, narration. All outputs are 48 kHz stereo WAVs
of exact length (effects/narration: the scene's duration; music: the movie's total duration)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from moviefactory.registry import Registry

if TYPE_CHECKING:
    from moviefactory.config import Settings
    from moviefactory.spec import Movie, Scene


@dataclass(frozen=True)
class Credit:
    title: str
    source: str  # file name or library id
    license: str
    attribution: str = ""


@dataclass(frozen=True)
class SoundTrack:
    path: Path
    duration_s: float
    description: str  # what was chosen, for the report ("rain on a tin roof (builtin), score 0.71")
    credits: list[Credit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class SoundBackend(ABC):
    """A backend subclasses this; what it can do beyond the methods is a typed attribute here."""

    name: ClassVar[str]
    version: ClassVar[str]
    # fallbacks the backend took during the run (no TTS engine, no clip model, ...), reported once per run
    notices: Sequence[str] = ()

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> SoundBackend: ...

    @abstractmethod
    def identity(self) -> dict[str, Any]: ...

    @abstractmethod
    def effects(self, movie: Movie, scene: Scene, clip: Path, out: Path) -> SoundTrack: ...

    @abstractmethod
    def music(self, movie: Movie, out: Path) -> SoundTrack: ...

    @abstractmethod
    def narration(self, movie: Movie, scene: Scene, out: Path) -> SoundTrack | None:
        """None when the scene has no narration or no TTS engine is installed (then the reason is a
        warning the pipeline reports; the line still goes to the subtitles)."""
        ...


SOUND: Registry[type[SoundBackend]] = Registry("sound")
SOUND.add("library", "moviefactory.sound.backend:LibrarySound", summary="retrieval from the sound library")
