"""Resampling: the default finishing step, and the pure functions compose reuses for letterboxing.

Inside a normal run the compose stage resamples in its own ffmpeg graph (`scale=W:H:flags=lanczos`), so
frames are encoded once. These functions are for resampling outside compose: a super-resolution result
that does not land exactly on the target size, reports, metrics.
"""

from __future__ import annotations

import numpy as np

from moviefactory.errors import InputError
from moviefactory.media import fit_size


def resize_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resample (F, H, W, 3) uint8 frames to `size` = (width, height) with Lanczos (a = 3).

    Returns (F, height, width, 3) uint8. Frames already at the size are returned unchanged (a copy-free
    no-op), so calling this on SR output that landed exactly on target costs nothing.
    """
    from PIL import Image

    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise InputError(
            f"resize_frames: expected (F, H, W, 3) uint8 frames, got {frames.shape} {frames.dtype}"
        )
    w, h = size
    if w <= 0 or h <= 0:
        raise InputError(f"resize_frames: size must be positive, got {size}")
    if frames.shape[1:3] == (h, w):
        return frames
    out = np.empty((frames.shape[0], h, w, 3), dtype=np.uint8)
    for i, f in enumerate(frames):
        out[i] = np.asarray(Image.fromarray(f).resize((w, h), Image.Resampling.LANCZOS))
    return out


def letterbox(
    frames: np.ndarray, size: tuple[int, int], *, color: tuple[int, int, int] = (0, 0, 0)
) -> np.ndarray:
    """Fit (F, H, W, 3) uint8 frames into `size` = (width, height): Lanczos to `fit_size`, then centre on
    bars of `color`. Returns (F, height, width, 3) uint8."""
    out_w, out_h = size
    cw, ch = fit_size(frames.shape[2], frames.shape[1], out_w, out_h)
    content = resize_frames(frames, (cw, ch))
    out = np.empty((frames.shape[0], out_h, out_w, 3), dtype=np.uint8)
    out[:] = np.asarray(color, dtype=np.uint8)
    y0, x0 = (out_h - ch) // 2, (out_w - cw) // 2
    out[:, y0 : y0 + ch, x0 : x0 + cw] = content
    return out
