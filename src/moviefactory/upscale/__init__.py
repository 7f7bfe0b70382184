"""Upscale stage (finishing): resampling by default, super-resolution models, frame-rate interpolation.

The default upscale is Lanczos resampling inside compose's ffmpeg graph (nothing to do here). With
`--upscale PATH`, `upscale_clip` runs a super-resolution model over each scene clip; with `--fps F`,
`interpolate_clip` raises a clip's frame rate before composition. Heavy imports (torch, cv2) happen inside.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from moviefactory.errors import InputError
from moviefactory.upscale.resample import fit_size, letterbox, resize_frames

__all__ = ["fit_size", "interpolate_clip", "letterbox", "resize_frames", "upscale_clip"]


def upscale_clip(
    src: Path,
    out: Path,
    *,
    model_path: Path,
    target: tuple[int, int] | None,
    device: str | None,
    temporal: str = "flow",
    tile: int = 256,
    overlap: int = 16,
    batch: int = 4,
) -> Path:
    """Super-resolve every frame of `src` with the model at `model_path` and write `out` at src's fps.

    target: (width, height) the frames are resampled to (Lanczos) after SR when the model's scale does not
    land on it exactly; None keeps the model's output size. temporal: "flow" | "smooth" | "none" (see
    sr.TemporalStabilizer; ignored by video SR models). Frames stream through the model batch by batch, so
    memory holds one batch of upscaled frames, not the clip.
    """
    from moviefactory import media
    from moviefactory.upscale.sr import TEMPORAL_MODES, SuperResolution

    if temporal not in TEMPORAL_MODES:
        raise InputError(f"temporal must be one of {', '.join(TEMPORAL_MODES)}, got {temporal!r}")
    if target is not None and (target[0] <= 0 or target[1] <= 0 or target[0] % 2 or target[1] % 2):
        raise InputError(f"upscale target must be positive even (width, height), got {target}")
    src, out = Path(src), Path(out)
    model = SuperResolution.from_pretrained(
        model_path, device=device, tile=tile, overlap=overlap, batch=batch
    )
    info = media.probe(src)
    frames = media.read_frames(src)  # (F, H, W, 3) uint8, small: generation size
    h, w = frames.shape[1] * model.scale, frames.shape[2] * model.scale
    size = target or (w - w % 2, h - h % 2)

    def finished() -> Iterator[np.ndarray]:
        for f in model.iter_upscale(frames, temporal=temporal):
            yield resize_frames(f[None], size)[0]

    return media.write_video(finished(), out, fps=float(info.fps), size=size)


def interpolate_clip(src: Path, out: Path, *, fps: int, model_dir: Path | None = None) -> Path:
    """Raise `src` to `fps` by motion-compensated interpolation (ffmpeg minterpolate, or a RIFE-style
    TorchScript folder); `out` has exactly round(duration * fps) frames."""
    from moviefactory.upscale.interpolate import interpolate

    return interpolate(Path(src), Path(out), fps=fps, model_dir=model_dir)
