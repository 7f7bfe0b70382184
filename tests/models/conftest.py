"""Fixtures for the video model tests: one tiny SD2-shaped folder per session, built from config."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_sd2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random SD2 folder in diffusers layout (unet/, vae/, text_encoder/, tokenizer/, scheduler/)."""
    from moviefactory.models.tiny import build_tiny_sd2

    return build_tiny_sd2(tmp_path_factory.mktemp("tiny-sd2") / "sd2", seed=0)


@pytest.fixture(autouse=True)
def _one_torch_thread() -> object:
    """Tiny models on a shared machine: one intra-op thread is several times faster than spinning threads
    that compete with other processes (measured 6.1 s -> 0.4 s for one forward test under load)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
