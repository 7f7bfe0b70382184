"""Fixtures for the evaluate tests: the tiny models are built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from evaluate_fixtures import colour_frames, tiny_clip_folder, tiny_i3d_file

from moviefactory import media


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_clip_folder(tmp_path_factory.mktemp("clip") / "tiny-clip")


@pytest.fixture(scope="session")
def tiny_i3d(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_i3d_file(tmp_path_factory.mktemp("i3d") / "i3d_torchscript.pt")


@pytest.fixture
def colour_video_dir(tmp_path: Path) -> Path:
    """A 'generated' folder: red and blue clips with sidecar prompts."""
    d = tmp_path / "generated"
    d.mkdir()
    for i, (c, prompt) in enumerate([("red", "a red car on a road"), ("blue", "a blue airplane in the sky")]):
        media.write_video(colour_frames(c, 8, 32, seed=i), d / f"{c}.mp4", fps=8, size=(32, 32))
        (d / f"{c}.txt").write_text(prompt, encoding="utf-8")
    return d
