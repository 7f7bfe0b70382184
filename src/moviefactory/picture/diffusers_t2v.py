"""`--picture diffusers --model PATH`: any local diffusers text-to-video pipeline folder.

The folder is loaded with `DiffusionPipeline.from_pretrained(path)` (its model_index.json names the class:
TextToVideoSDPipeline / ModelScope, AnimateDiffPipeline, CogVideoXPipeline, WanPipeline, LTXPipeline, ...).
A scene maps to the pipeline's call: prompt (+ the movie's look), frame count at the family's native frame
rate (rounded up to the frame counts the family accepts, then trimmed), size (rounded up to the family's
size multiple, then resized to the style's size), steps, guidance and a seeded CPU generator. The pipeline's
own scheduler is kept: video families pair with their own (often flow-matching) schedulers.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from moviefactory.errors import BackendError, ModelLoadError
from moviefactory.picture import Clip, ProgressFn

if TYPE_CHECKING:
    import numpy as np

    from moviefactory.config import Settings
    from moviefactory.spec import Movie, Scene


# class-name prefix -> (native fps, frames = a·k + b, size multiple); first match wins; default (8, 1, 0, 8)
FAMILIES: tuple[tuple[str, int, int, int, int], ...] = (
    ("CogVideoX", 8, 4, 1, 16),
    ("Wan", 16, 4, 1, 16),
    ("LTX", 24, 8, 1, 32),
    ("AnimateDiff", 8, 1, 0, 8),
    ("TextToVideoSD", 8, 1, 0, 8),
)
DEFAULT_FAMILY = ("", 8, 1, 0, 8)


def family_of(class_name: str) -> tuple[str, int, int, int, int]:
    for fam in FAMILIES:
        if class_name.startswith(fam[0]):
            return fam
    return DEFAULT_FAMILY


def valid_frame_count(n: int, a: int, b: int) -> int:
    """Smallest count >= n of the form a·k + b (k >= 1)."""
    k = max(1, math.ceil((n - b) / a))
    return a * k + b


def check_pipeline_folder(folder: str | Path) -> tuple[Path, dict[str, Any]]:
    """The folder and its model_index.json, or one ModelLoadError naming every missing part."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ModelLoadError(f"model folder {root} does not exist (expected a diffusers pipeline folder)")
    index_path = root / "model_index.json"
    if not index_path.is_file():
        raise ModelLoadError(
            f"model folder {root} is missing model_index.json (not a diffusers pipeline folder)"
        )
    try:
        index = json.loads(index_path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{index_path}: not valid JSON ({exc.msg})") from exc
    missing = [
        f"{name}/" for name, spec in index.items()
        if not name.startswith("_") and isinstance(spec, list) and spec and spec[0] is not None
        and not (root / name).is_dir()
    ]  # fmt: skip
    if missing:
        raise ModelLoadError(f"model folder {root} is incomplete: missing {', '.join(missing)}")
    return root, index


def to_uint8_frames(frames: Any) -> np.ndarray:
    """A pipeline's `.frames` (np (B, F, H, W, 3) float in [0, 1], torch (B, F, 3, H, W), or nested lists of
    PIL images) -> the first video as (F, H, W, 3) uint8."""
    import numpy as np

    if isinstance(frames, list | tuple):
        first = frames[0]
        if isinstance(first, list | tuple):  # [[PIL, ...]]: one list per video
            return np.stack([np.asarray(im.convert("RGB")) for im in first])
        if hasattr(first, "convert"):  # [PIL, ...]: one video
            return np.stack([np.asarray(im.convert("RGB")) for im in frames])
        frames = np.asarray(first)[None]
    if hasattr(frames, "detach"):  # torch (B, F, C, H, W)
        frames = frames.detach().float().cpu().numpy().transpose(0, 1, 3, 4, 2)
    arr = np.asarray(frames)
    if arr.ndim == 5:
        arr = arr[0]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise BackendError(f"diffusers pipeline returned frames of shape {arr.shape}; expected (F, H, W, 3)")
    if arr.dtype != np.uint8:
        arr = (np.clip(arr.astype(np.float32), 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return arr


class DiffusersBackend:
    """Any diffusers text-to-video folder; clips at the family's native frame rate."""

    name: ClassVar[str] = "diffusers"
    version: ClassVar[str] = "1"
    parallel: ClassVar[bool] = False

    def __init__(
        self, model: Path, *, steps: int = 30, guidance: float = 7.5, device: str | None = None,
        negative_prompt: str = "",
    ) -> None:  # fmt: skip
        self.model, index = check_pipeline_folder(model)
        self.class_name = str(index.get("_class_name", ""))
        _, self.fps, self.frame_a, self.frame_b, self.size_multiple = family_of(self.class_name)
        self.steps = steps
        self.guidance = guidance
        self.device = device
        self.negative_prompt = negative_prompt
        self.pipe: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> DiffusersBackend:
        if settings.model is None:
            raise ModelLoadError(
                "--picture diffusers needs --model PATH: a local diffusers text-to-video pipeline folder"
            )
        return cls(settings.model, steps=settings.steps, guidance=settings.guidance, device=settings.device)

    def prepare(self, movie: Movie) -> None:
        if self.pipe is not None:
            return
        import torch
        from diffusers import DiffusionPipeline

        dev = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.float32
        if dev.startswith("cuda"):
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        try:
            pipe = DiffusionPipeline.from_pretrained(self.model, torch_dtype=dtype, local_files_only=True)
        except (OSError, ValueError, KeyError, RuntimeError, AttributeError) as exc:
            raise ModelLoadError(f"model folder {self.model}: {str(exc).splitlines()[0]}") from exc
        pipe.to(dev)
        pipe.set_progress_bar_config(disable=True)
        self.pipe = pipe

    def identity(self) -> dict[str, Any]:
        weights = sorted(
            f"{p.relative_to(self.model)}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in self.model.rglob("*") if p.suffix in (".safetensors", ".bin", ".json") and p.is_file()
        )  # fmt: skip
        return {
            "backend": self.name, "version": self.version, "model": str(self.model.resolve()),
            "class": self.class_name, "files": weights, "steps": self.steps, "guidance": self.guidance,
            "negative_prompt": self.negative_prompt,
        }  # fmt: skip

    def render(self, movie: Movie, scene: Scene, out: Path, progress: ProgressFn | None = None) -> Clip:
        import numpy as np
        import torch
        from PIL import Image

        from moviefactory.media import write_video

        self.prepare(movie)
        pipe = self.pipe
        w, h = movie.style.width, movie.style.height
        n = max(1, round(scene.duration_s * self.fps))
        n_gen = valid_frame_count(n, self.frame_a, self.frame_b)
        m = self.size_multiple
        gw, gh = m * math.ceil(w / m), m * math.ceil(h / m)
        prompt = scene.prompt
        if movie.style.look and movie.style.look.lower() not in prompt.lower():
            prompt = f"{prompt}, {movie.style.look}"
        warnings: list[str] = []

        # map the scene onto whatever the pipeline's __call__ accepts
        params = inspect.signature(pipe.__call__).parameters
        kwargs: dict[str, Any] = {
            "prompt": prompt, "height": gh, "width": gw, "num_inference_steps": self.steps,
            "guidance_scale": self.guidance, "generator": torch.Generator("cpu").manual_seed(scene.seed),
            "output_type": "np",
        }  # fmt: skip
        if "num_frames" in params:
            kwargs["num_frames"] = n_gen
        elif "video_length" in params:
            kwargs["video_length"] = n_gen
        else:
            raise BackendError(
                f"{self.class_name} takes no num_frames argument: not a text-to-video pipeline"
            )
        if "negative_prompt" in params and self.negative_prompt:
            kwargs["negative_prompt"] = self.negative_prompt
        steps = self.steps
        if progress is not None and "callback_on_step_end" in params:

            def on_step_end(_pipe: Any, i: int, _t: Any, cb_kwargs: dict[str, Any]) -> dict[str, Any]:
                progress(min(i + 1, steps), steps)
                return cb_kwargs

            kwargs["callback_on_step_end"] = on_step_end
        elif progress is not None and "callback" in params:
            kwargs["callback"] = lambda i, _t, _lat: progress(min(i + 1, steps), steps)
            kwargs["callback_steps"] = 1
        kwargs = {k: v for k, v in kwargs.items() if k in params}

        with torch.inference_mode():
            result = pipe(**kwargs)
        frames = to_uint8_frames(result.frames)[:n]
        if frames.shape[0] < n:
            raise BackendError(f"{self.class_name} returned {frames.shape[0]} frames; {n} were asked for")
        if frames.shape[1:3] != (h, w):
            warnings.append(
                f"diffusers: generated at {frames.shape[2]}x{frames.shape[1]}, resized to {w}x{h}"
            )
            frames = np.stack(
                [np.asarray(Image.fromarray(f).resize((w, h), Image.Resampling.BICUBIC)) for f in frames]
            )
        write_video(frames, out, fps=self.fps, size=(w, h))
        return Clip(
            path=out,
            width=w,
            height=h,
            fps=float(self.fps),
            num_frames=n,
            backend=self.name,
            warnings=warnings,
        )
