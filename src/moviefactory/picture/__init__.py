"""Picture stage: one Scene -> one clip (an MP4 of the scene's exact duration).

A backend subclasses `PictureBackend`: `from_settings(settings)`, `prepare(movie)` (runs once in the main
process: load models, resolve characters), `identity()` (what enters the cache key besides the scene) and
`render(...)`. Backends with `parallel = True` are pickled after `prepare` and render scenes in worker
processes. What a backend can do beyond that is a typed attribute of the base class (`continuity`), so the
pipeline reads it as a declared fact, never by probing with getattr.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from moviefactory.registry import Registry

if TYPE_CHECKING:
    from moviefactory.config import Settings
    from moviefactory.spec import Movie, Scene

# progress(done, total): called by backends as frames or denoising steps complete
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class Clip:
    path: Path
    width: int
    height: int
    fps: float
    num_frames: int
    backend: str
    warnings: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.fps


class PictureBackend(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    parallel: ClassVar[bool]
    # 0: every scene renders on its own. > 0: a scene starts from the previous scene's last frame (across
    # anything but a hard cut), so its clip depends on its predecessor and the pipeline chains their keys.
    continuity: float = 0.0

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> PictureBackend: ...

    @abstractmethod
    def prepare(self, movie: Movie) -> None: ...

    @abstractmethod
    def identity(self) -> dict[str, Any]: ...

    @abstractmethod
    def render(self, movie: Movie, scene: Scene, out: Path, progress: ProgressFn | None = None) -> Clip:
        """Write `out` (H.264 MP4, movie.style.width x height) covering scene.duration_s at the backend's
        frame rate (round(duration_s * fps) frames) and return its Clip."""
        ...


PICTURE: Registry[type[PictureBackend]] = Registry("picture")
PICTURE.add("animatic", "moviefactory.picture.animatic:AnimaticBackend", summary="offline procedural previz")
PICTURE.add(
    "moviefactory",
    "moviefactory.picture.moviefactory:MovieFactoryBackend",
    extra="diffusion",
    summary="the paper's SD2 + adapters + temporal layers",
)
PICTURE.add(
    "diffusers",
    "moviefactory.picture.diffusers_t2v:DiffusersBackend",
    extra="diffusion",
    summary="any local diffusers text-to-video pipeline folder",
)
