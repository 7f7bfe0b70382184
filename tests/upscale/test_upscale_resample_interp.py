"""Resampling helpers (shared with compose) and frame-rate interpolation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from upscale_fixtures import textured_frames

from moviefactory import media
from moviefactory.errors import InputError, ModelLoadError
from moviefactory.upscale import fit_size, interpolate_clip, letterbox, resize_frames
from moviefactory.upscale.interpolate import source_positions


def test_fit_size_letterbox_and_pillarbox() -> None:
    assert fit_size(768, 320, 1536, 654) == (1536, 640)  # wider source: full width, bars above/below
    assert fit_size(432, 768, 1920, 1080) == (608, 1080)  # taller source: full height, pillarbox
    assert fit_size(512, 512, 512, 512) == (512, 512)
    w, h = fit_size(640, 480, 1001, 999)
    assert w % 2 == 0 and h % 2 == 0 and w <= 1001 and h <= 999
    with pytest.raises(InputError, match="out_w"):
        fit_size(10, 10, 0, 10)


def test_resize_frames_exact_size_and_content() -> None:
    frames = textured_frames(3, 32, 48)
    up = resize_frames(frames, (150, 97))
    assert up.shape == (3, 97, 150, 3) and up.dtype == np.uint8
    back = np.stack([np.asarray(Image.fromarray(f).resize((48, 32), Image.Resampling.BOX)) for f in up])
    assert np.abs(back.astype(int) - frames.astype(int)).mean() < 3
    assert resize_frames(frames, (48, 32)) is frames  # already on target: untouched
    boxed = letterbox(frames, (96, 96))
    assert boxed.shape == (3, 96, 96, 3) and boxed[:, :8].max() == 0 and boxed[:, -8:].max() == 0


def moving_square_clip(path: Path, n: int = 12) -> tuple[Path, int]:
    """A textured 20 px square moving 5 px per frame on grey, 8 fps (texture gives motion search a hold)."""
    rng = np.random.default_rng(0)
    tex = rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)
    frames = np.full((n, 64, 96, 3), 40, np.uint8)
    for i in range(n):
        frames[i, 20:40, 4 + 5 * i : 24 + 5 * i] = tex
    return media.write_video(frames, path, fps=8, size=(96, 64)), n


def centroids_x(frames: np.ndarray) -> np.ndarray:
    mask = np.abs(frames.astype(int) - 40).sum(axis=3) > 60
    return np.array([np.nonzero(m)[1].mean() for m in mask])


@pytest.mark.parametrize("fps", [16, 24])
def test_minterpolate_multiplies_frames_with_monotone_motion(tmp_path: Path, fps: int) -> None:
    src, n = moving_square_clip(tmp_path / "sq.mp4")
    out = interpolate_clip(src, tmp_path / f"sq{fps}.mp4", fps=fps)
    info = media.probe(out)
    k = fps // 8
    assert info.num_frames == n * k and float(info.fps) == fps
    cx = centroids_x(media.read_frames(out))
    moving = cx[: (n - 1) * k + 1]  # up to the last source frame; after it the last frame is held
    assert np.all(np.diff(moving) > 0), cx  # strictly forward: new in-between positions, not duplicates
    assert np.all(np.diff(cx) >= -0.5)
    assert abs(cx[k] - cx[0] - 5) < 1.5  # source frames stay where they were


def test_model_folder_interpolation(tmp_path: Path) -> None:
    """A RIFE-style TorchScript folder: a tiny stand-in network with the contract's signature."""

    class Blend(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gain = torch.nn.Parameter(torch.ones(1))

        def forward(self, img0: torch.Tensor, img1: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
            assert img0.shape[-1] % 32 == 0 and img0.shape[-2] % 32 == 0
            return self.gain * ((1 - timestep) * img0 + timestep * img1)

    folder = tmp_path / "rife"
    folder.mkdir()
    torch.jit.script(Blend()).save(str(folder / "model.pt"))
    (folder / "config.json").write_text(json.dumps({"format": "torchscript", "weights": "model.pt"}))
    frames = np.zeros((4, 40, 56, 3), np.uint8)
    frames[:, :, :] = (np.arange(4)[:, None, None, None] * 60).astype(np.uint8)  # brightness ramps 0..180
    src = media.write_video(frames, tmp_path / "ramp.mp4", fps=8, size=(56, 40))
    out = interpolate_clip(src, tmp_path / "ramp24.mp4", fps=24, model_dir=folder)
    got = media.read_frames(out).mean(axis=(1, 2, 3))
    assert len(got) == 12
    np.testing.assert_allclose(got[:10], np.arange(10) * 20, atol=3)  # thirds between the source frames
    assert source_positions(4, 8, 16, 2) == [(0, 0.0), (0, 0.5), (1, 0.0), (1, 0.0)]
    (folder / "config.json").write_text(json.dumps({"format": "onnx"}))
    with pytest.raises(ModelLoadError, match="torchscript"):
        interpolate_clip(src, tmp_path / "x.mp4", fps=24, model_dir=folder)
