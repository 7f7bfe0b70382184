"""The per-user cache root: $MOVIEFACTORY_HOME, by default ~/.cache/moviefactory.

It holds what is rebuilt on demand and shared by every movie: the synthesised built-in sound library, rendered
icons, the digests of model weights. The one owner of where that root is; stages import it from here (a stage
may not import another stage)."""

from __future__ import annotations

import os
from pathlib import Path


def home_dir() -> Path:
    env = os.environ.get("MOVIEFACTORY_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "moviefactory"
