"""Fixtures for the training tests: one tiny SD2 folder and a few generated clips per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

CLIP_SIZE = (48, 32)  # (W, H): larger than the 32x16 training size, so crops really move


def moving_square_frames(n: int, size: tuple[int, int] = CLIP_SIZE, seed: int = 0) -> list[np.ndarray]:
    """A coloured square sliding right over a flat background; frame i's background gray level is
    40 + 8*i (capped), so a decoded frame tells which source frame it was."""
    w, h = size
    colour = np.random.default_rng(seed).integers(120, 255, 3).astype(np.uint8)
    frames = []
    for i in range(n):
        a = np.full((h, w, 3), min(40 + 8 * i, 250), np.uint8)
        x = (2 * i) % (w - 8)
        a[h // 4 : h // 4 + 8, x : x + 8] = colour
        frames.append(a)
    return frames


def write_clip(
    path: Path, n: int, *, fps: float = 8, caption: str | None = "a square slides", seed: int = 0
) -> Path:
    from moviefactory.media import write_video

    write_video(moving_square_frames(n, seed=seed), path, fps=fps, size=CLIP_SIZE)
    if caption is not None:
        path.with_suffix(".txt").write_text(caption)
    return path


@pytest.fixture(scope="session")
def make_clip() -> object:
    """write_clip(path, n, *, fps=8, caption=..., seed=0): a generated moving-square clip (+ caption)."""
    return write_clip


@pytest.fixture(scope="session")
def tiny_sd2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from moviefactory.models.tiny import build_tiny_sd2

    return build_tiny_sd2(tmp_path_factory.mktemp("tiny-sd2") / "sd2", seed=0)


@pytest.fixture(scope="session")
def clip_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three 3-second clips at 8 fps with captions (the 'movie' folder form)."""
    root = tmp_path_factory.mktemp("clips")
    for k in range(3):
        write_clip(root / f"clip{k}.mp4", 24, caption=f"square number {k} slides right", seed=k)
    return root


@pytest.fixture(autouse=True)
def _training_env() -> Iterator[None]:
    """One torch thread (tiny models on a shared machine run several times faster than with competing
    threads), and a fresh accelerate state per test (its singletons keep the first mixed precision)."""
    import torch
    from accelerate.state import AcceleratorState, GradientState

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
