"""The super-resolution cache key names the model by the digest of its weights: the same file moved (or
renamed) reuses the upscaled clips; other weights at the same path re-render them."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from moviefactory import pipeline
from moviefactory.config import Settings
from moviefactory.media import read_frames
from moviefactory.spec import Movie, Scene, Style
from moviefactory.upscale.sr import RRDBConfig, _build_rrdbnet
from moviefactory.workspace import Workspace

pytestmark = pytest.mark.slow  # renders a one-scene movie three times

SR = "scenes/s01/clip_sr.mp4"


def save_tiny_esrgan(path: Path, seed: int) -> Path:
    torch.manual_seed(seed)
    net = _build_rrdbnet(RRDBConfig(num_feat=8, num_block=1, num_grow_ch=4))
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"params_ema": net.state_dict()}, path)
    return path


def test_moved_weights_reuse_and_new_weights_rerender(tmp_path: Path, mf_home: Path) -> None:
    style = Style(aspect="2.35:1", width=96, height=40, fps=8, output_width=96, output_height=40)
    scene = Scene(
        id="s01", prompt="a red car on a coastal road", setting="coastal road", seed=1, duration_s=1.0
    )
    ws = Workspace.create(tmp_path / "m", request="test", seed=0, settings={})
    ws.save_script(Movie(request="test", title="t", scenes=[scene], style=style))

    def render(model: Path) -> pipeline.MakeResult:
        return pipeline.render(
            ws.root, Settings(out=tmp_path, narration=False, upscale=str(model), workers=1)
        )

    first = save_tiny_esrgan(tmp_path / "a" / "x4.pth", seed=0)
    assert SR in render(first).rendered
    before = read_frames(ws.root / SR)

    moved = tmp_path / "elsewhere" / "renamed.pth"
    moved.parent.mkdir()
    shutil.move(first, moved)
    assert SR not in render(moved).rendered  # same bytes: the upscaled clip is current

    save_tiny_esrgan(moved, seed=1)  # another checkpoint at the same path
    assert SR in render(moved).rendered
    after = read_frames(ws.root / SR)
    assert before.shape == after.shape and np.abs(before.astype(int) - after.astype(int)).mean() > 1.0
