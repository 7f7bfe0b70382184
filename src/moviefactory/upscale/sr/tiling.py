"""Tiled inference: a batch is cut into tiles of `tile` input pixels overlapping by `overlap`; tile outputs
are blended with linear feathering, so memory is bounded by the tile size, not the frame size."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def tile_grid(n: int, tile: int, overlap: int) -> tuple[list[int], int]:
    """Cover [0, n) with the fewest tiles of at most `tile` pixels overlapping by at least `overlap`.

    Returns (starts, size): all tiles have the same size, shrunk from `tile` so they spread evenly
    (80 px with tile 64 / overlap 8 -> two 44 px tiles, not 64 px tiles overlapping by 48)."""
    if n <= tile:
        return [0], n
    count = math.ceil((n - overlap) / (tile - overlap))
    size = math.ceil((n + (count - 1) * overlap) / count)
    return [min(i * (size - overlap), n - size) for i in range(count)], size


def _ramp(length: int, ramp: int, left: bool, right: bool) -> np.ndarray:
    """1-D feather weights: linear ramps of `ramp` samples at the sides that touch another tile."""
    w = np.ones(length, dtype=np.float32)
    if ramp > 0:
        r = (np.arange(ramp, dtype=np.float32) + 0.5) / ramp
        k = min(ramp, length)
        if left:
            w[:k] = np.minimum(w[:k], r[:k])
        if right:
            w[-k:] = np.minimum(w[-k:], r[:k][::-1])
    return w


def run_tiled(
    forward: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    *,
    scale: int,
    tile: int,
    overlap: int,
    device: torch.device,
    dtype: torch.dtype,
) -> torch.Tensor:
    """(B, 3, H, W) float32 [0, 1] on CPU -> (B, 3, sH, sW) float32 [0, 1] on CPU, tiled and feathered;
    `forward` runs on `device`/`dtype`. tile 0, or a frame within one tile, runs the frame whole."""
    import torch

    b, _, h, w = x.shape
    s, t = scale, tile
    if not t or (h <= t and w <= t):
        return forward(x.to(device, dtype)).float().clamp(0, 1).cpu()
    ys, th = tile_grid(h, t, overlap)
    xs, tw = tile_grid(w, t, overlap)
    acc = torch.zeros(b, 3, h * s, w * s, dtype=torch.float32)  # weighted sum of tile outputs
    wsum = torch.zeros(1, 1, h * s, w * s, dtype=torch.float32)
    ramp = overlap * s
    for y0 in ys:
        wy = _ramp(th * s, ramp, y0 > 0, y0 + th < h)
        for x0 in xs:
            wx = _ramp(tw * s, ramp, x0 > 0, x0 + tw < w)
            out = forward(x[:, :, y0 : y0 + th, x0 : x0 + tw].to(device, dtype)).float().clamp(0, 1).cpu()
            wt = torch.from_numpy(np.outer(wy, wx))[None, None]  # (1, 1, th*s, tw*s)
            acc[:, :, y0 * s : (y0 + th) * s, x0 * s : (x0 + tw) * s] += out * wt
            wsum[:, :, y0 * s : (y0 + th) * s, x0 * s : (x0 + tw) * s] += wt
    return acc / wsum
