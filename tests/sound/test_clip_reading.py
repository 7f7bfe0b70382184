"""The sound stage reads only what it needs from a clip: streamed ~64 px frames for motion, three seeked frames
for CLIP; the numbers are the same as from the whole decoded clip."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from moviefactory.errors import ComposeError
from moviefactory.media import read_frames, read_frames_at, write_video
from moviefactory.sound.video import analyze_frames, clip_features

W, H, N, FPS = 640, 272, 40, 24


@pytest.fixture(scope="module")
def moving_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A coloured square crossing a dark frame, with a white flash at frame 25 (a cut/flash event)."""
    rng = np.random.default_rng(0)
    frames = []
    for i in range(N):
        f = np.full((H, W, 3), 20, np.uint8) + rng.integers(0, 12, (H, W, 3), dtype=np.uint8)
        x = 10 + i * 14
        f[100:180, x : x + 80] = (220, 60, 30)
        if i == 25:
            f[:] = 250
        frames.append(f)
    return write_video(frames, tmp_path_factory.mktemp("clip") / "clip.mp4", fps=FPS, size=(W, H))


def test_streamed_features_equal_the_whole_clip_analysis(moving_clip: Path) -> None:
    whole = analyze_frames(read_frames(moving_clip), float(FPS))
    streamed = clip_features(moving_clip, fallback_fps=1.0)
    assert streamed.fps == whole.fps == FPS
    assert np.array_equal(streamed.motion, whole.motion) and np.array_equal(
        streamed.brightness, whole.brightness
    )
    assert streamed.events_s == whole.events_s and any(abs(t - 25 / FPS) < 0.05 for t in streamed.events_s)
    assert (streamed.dominant_rgb, streamed.dominant_hue) == (whole.dominant_rgb, whole.dominant_hue)
    assert len(streamed.motion) == N


def test_streamed_features_never_hold_the_whole_clip(moving_clip: Path) -> None:
    full = N * H * W * 3  # bytes of the decoded clip
    tracemalloc.start()
    try:
        clip_features(moving_clip, fallback_fps=1.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < full / 4, (peak, full)


def test_seeked_frames_are_the_decoded_frames(moving_clip: Path) -> None:
    every = read_frames(moving_clip)
    picks = [0, N // 2, N - 1, 25, 0]  # any order, repeats allowed
    assert np.array_equal(read_frames_at(moving_clip, picks), every[picks])
    with pytest.raises(ComposeError, match=f"no frame {N}"):
        read_frames_at(moving_clip, [N])
