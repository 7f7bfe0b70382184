"""Fixtures for the upscale tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from upscale_fixtures import textured_frames

from moviefactory import media


@pytest.fixture
def clip8(tmp_path: Path) -> Path:
    """A 2 s, 8 fps, 48x32 textured clip."""
    frames = textured_frames(16, 32, 48)
    return media.write_video(frames, tmp_path / "in.mp4", fps=8, size=(48, 32))
