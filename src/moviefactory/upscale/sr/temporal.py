"""Temporal stabilisation: per-frame SR flickers; blend each upscaled frame with the previous result, warped
by dense optical flow, only where the low-resolution frames agree after warping."""

from __future__ import annotations

from typing import Literal

import numpy as np

from moviefactory.errors import InputError

TemporalMode = Literal["flow", "smooth", "none"]
TEMPORAL_MODES: tuple[str, ...] = ("flow", "smooth", "none")


class TemporalStabilizer:
    """Blend each upscaled frame with the previous output to suppress per-frame SR flicker.

    out_t = (1 - a) * sr_t + a * warp(out_{t-1}), a = strength * exp(-(err / sigma)^2) per pixel, where err
    is the mean absolute difference (0..255) between the current low-res frame and the previous one warped
    the same way: where the warp is wrong (occlusion, fast motion) the blend switches itself off.
    mode "flow" warps with Farneback optical flow computed on the low-res frames (cheap) and scaled up;
    "smooth" does not warp (static regions only); "none" passes frames through.
    """

    def __init__(self, mode: str = "flow", *, strength: float = 0.5, sigma: float = 12.0) -> None:
        if mode not in TEMPORAL_MODES:
            raise InputError(f"temporal must be one of {', '.join(TEMPORAL_MODES)}, got {mode!r}")
        if not 0.0 <= strength < 1.0:
            raise InputError(f"temporal strength must be in [0, 1), got {strength}")
        self.mode, self.strength, self.sigma = mode, strength, sigma
        self._prev_lr: np.ndarray | None = None  # (H, W, 3) float32
        self._prev_out: np.ndarray | None = None  # (sH, sW, 3) float32

    def __call__(self, lr: np.ndarray, sr: np.ndarray) -> np.ndarray:
        """lr (H, W, 3) uint8, sr (sH, sW, 3) uint8 -> (sH, sW, 3) uint8."""
        if self.mode == "none":
            return sr
        import cv2

        lr_f, sr_f = lr.astype(np.float32), sr.astype(np.float32)
        if self._prev_lr is None or self._prev_out is None or self._prev_lr.shape != lr_f.shape:
            self._prev_lr, self._prev_out = lr_f, sr_f
            return sr
        sh, sw = sr.shape[:2]
        if self.mode == "flow":
            cur_g = cv2.cvtColor(lr, cv2.COLOR_RGB2GRAY)
            prev_g = cv2.cvtColor(self._prev_lr.astype(np.uint8), cv2.COLOR_RGB2GRAY)
            # flow[y, x] = d such that cur(x) ≈ prev(x + d), in low-res pixels
            flow = cv2.calcOpticalFlowFarneback(cur_g, prev_g, None, 0.5, 3, 15, 3, 5, 1.2, 0)  # type: ignore[call-overload]
            h, w = lr.shape[:2]
            gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
            prev_lr_w = cv2.remap(
                self._prev_lr,
                gx + flow[..., 0],
                gy + flow[..., 1],
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
            up = cv2.resize(flow, (sw, sh), interpolation=cv2.INTER_LINEAR) * np.float32(sw / w)
            hy, hx = np.mgrid[0:sh, 0:sw].astype(np.float32)
            prev_out_w = cv2.remap(
                self._prev_out,
                hx + up[..., 0],
                hy + up[..., 1],
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
        else:
            prev_lr_w, prev_out_w = self._prev_lr, self._prev_out
        err = np.abs(lr_f - prev_lr_w).mean(axis=2)  # (H, W), 0..255
        alpha = self.strength * np.exp(-((err / self.sigma) ** 2))
        alpha = cv2.resize(alpha, (sw, sh), interpolation=cv2.INTER_LINEAR)[..., None]
        out = (1.0 - alpha) * sr_f + alpha * prev_out_w
        self._prev_lr, self._prev_out = lr_f, out
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
