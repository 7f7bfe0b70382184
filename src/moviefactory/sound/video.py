"""What the sound stage reads from a generated clip: motion energy over time, cuts and flashes,
brightness and dominant colour. Cheap by design: frames are decoded once, and each is kept only subsampled to
~64 px (`clip_features` never holds the full-size clip: ~530 MB of RGB for 30 s at 1536x640)."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class VisualFeatures:
    fps: float
    duration_s: float
    motion: np.ndarray  # (F,) mean absolute luma change to the previous frame, 0..1 (motion[0] = motion[1])
    brightness: np.ndarray  # (F,) mean luma 0..1
    events_s: list[float]  # times of cuts (large whole-frame change) and flashes (brightness jumps)
    dominant_rgb: tuple[int, int, int]
    dominant_hue: str  # "red" | "orange" | ... | "grey"

    @property
    def peak_s(self) -> float:
        """Strongest sync point: the first cut/flash if any, else the motion maximum (smoothed)."""
        if self.events_s:
            return self.events_s[0]
        if len(self.motion) < 3:
            return 0.0
        sm = np.convolve(self.motion, np.ones(3) / 3, mode="same")
        return float(np.argmax(sm) / self.fps)

    def motion_at(self, rate_hz: float, n: int) -> np.ndarray:
        """Motion resampled to `n` points at `rate_hz` (linear interpolation, held at the ends)."""
        t = np.arange(n) / rate_hz
        return np.interp(t, np.arange(len(self.motion)) / self.fps, self.motion)


_HUES = ["red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta"]


def subsample_step(height: int, width: int) -> int:
    """The pixel stride that brings a frame down to about 64 px on its longer side."""
    return max(1, height // 64, width // 64)


def analyze_frames(frames: np.ndarray, fps: float) -> VisualFeatures:
    """frames: (F, H, W, 3) uint8 RGB."""
    step = subsample_step(frames.shape[1], frames.shape[2])
    return analyze_small(frames[:, ::step, ::step], fps)


def clip_features(path: Path, *, fallback_fps: float) -> VisualFeatures:
    """`analyze_frames` of a clip file, streamed: each frame is decoded, subsampled and dropped, so memory
    holds only the ~64 px frames. The frame rate is the stream's (`fallback_fps` when it states none)."""
    import av

    from moviefactory.errors import ComposeError

    smalls: list[np.ndarray] = []
    with av.open(str(path)) as c:
        if not c.streams.video:
            raise ComposeError(f"{path}: no video stream")
        rate = c.streams.video[0].average_rate
        for fr in c.decode(video=0):
            rgb = fr.to_ndarray(format="rgb24")
            step = subsample_step(rgb.shape[0], rgb.shape[1])
            smalls.append(np.ascontiguousarray(rgb[::step, ::step]))
    if not smalls:
        raise ComposeError(f"{path}: no frames decoded")
    return analyze_small(np.stack(smalls), float(rate) if rate else fallback_fps)


def analyze_small(frames: np.ndarray, fps: float) -> VisualFeatures:
    """frames: (F, h, w, 3) uint8 RGB, already subsampled (`subsample_step`)."""
    small = frames.astype(np.float32) / 255.0  # (F, h, w, 3)
    luma = small @ np.array([0.299, 0.587, 0.114], np.float32)  # (F, h, w)
    bright = luma.mean(axis=(1, 2))
    diff = np.abs(np.diff(luma, axis=0)).mean(axis=(1, 2)) if len(luma) > 1 else np.zeros(0)
    motion = np.concatenate([diff[:1], diff]) if len(diff) else np.zeros(len(luma))
    events: list[float] = []
    if len(diff) > 2:
        med = float(np.median(diff)) + 1e-4
        jumps = np.abs(np.diff(bright))
        for i in range(len(diff)):
            if diff[i] > max(6 * med, 0.12) or jumps[i] > 0.2:
                t = (i + 1) / fps
                if not events or t - events[-1] > 0.25:
                    events.append(round(t, 4))
    # dominant colour: the mean of the most common hue bin among saturated pixels
    px = small.reshape(-1, 3)
    mx, mn = px.max(axis=1), px.min(axis=1)
    sat = (mx - mn) / (mx + 1e-6)
    colorful = px[(sat > 0.25) & (mx > 0.15)]
    if len(colorful) < 0.05 * len(px):
        rgb = px.mean(axis=0)
        hue_name = "grey"
    else:
        hues = np.array([colorsys.rgb_to_hsv(*p)[0] for p in colorful[:: max(1, len(colorful) // 2000)]])
        bins = np.floor(((hues + 1 / 16) % 1.0) * 8).astype(int)
        top = int(np.bincount(bins, minlength=8).argmax())
        hue_name = _HUES[top]
        rgb = colorful[:: max(1, len(colorful) // 2000)][bins == top].mean(axis=0)
    return VisualFeatures(
        fps=float(fps),
        duration_s=len(frames) / float(fps),
        motion=motion,
        brightness=bright,
        events_s=events,
        dominant_rgb=tuple(round(c * 255) for c in rgb),  # type: ignore[arg-type]
        dominant_hue=hue_name,
    )
