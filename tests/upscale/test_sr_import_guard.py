"""spandrel (and torchvision under it) may be installed yet fail to import: a CUDA torchvision wheel beside a
CPU torch raises RuntimeError at import. The built-in loaders must still work then."""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from upscale_fixtures import textured_frames, tiny_rrdbnet

from moviefactory.upscale.sr import SuperResolution


class _BrokenTorchvision(importlib.abc.MetaPathFinder):
    """Import of spandrel behaves as with a mismatched torchvision wheel."""

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name.split(".")[0] in ("spandrel", "torchvision"):
            raise RuntimeError("operator torchvision::nms does not exist")
        return None


@pytest.fixture
def broken_spandrel() -> Iterator[None]:
    saved = {
        k: sys.modules.pop(k) for k in list(sys.modules) if k.split(".")[0] in ("spandrel", "torchvision")
    }
    finder = _BrokenTorchvision()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        sys.modules.update(saved)


def test_builtin_esrgan_loader_survives_a_broken_spandrel_import(
    tmp_path: Path, broken_spandrel: None
) -> None:
    with pytest.raises(RuntimeError, match="torchvision::nms"):
        import spandrel  # noqa: F401
    net = tiny_rrdbnet()
    path = tmp_path / "tiny.pth"
    torch.save({"params_ema": net.state_dict()}, path)
    sr = SuperResolution.from_pretrained(path, device="cpu", tile=0)
    assert sr.info.loader == "moviefactory"
    frames = textured_frames(1, 12, 16)
    out = sr.upscale_frames(frames)
    assert out.shape == (1, 48, 64, 3) and np.abs(out.astype(int)).sum() > 0
