"""Shared fixtures: small synthetic media built at test time (no network, no weights)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

# Keep library caches (synthesised sound library, etc.) inside the test session, never in the user's home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Tiny tensors: one intra-op thread is faster than two fighting over 2 cores (torch reads this at import).
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def mf_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("mf-home")
    os.environ["MOVIEFACTORY_HOME"] = str(home)
    return home


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
