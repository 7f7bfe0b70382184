"""Web studio fixtures: a settings.out holding one real movie folder (see web_fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from web_fixtures import make_folder

from moviefactory.config import Settings
from moviefactory.workspace import Workspace


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(out=tmp_path / "movies")


@pytest.fixture
def folder(settings: Settings) -> Workspace:
    return make_folder(Path(settings.out))


@pytest.fixture
def folder_factory(settings: Settings) -> Callable[..., Workspace]:
    return lambda **kw: make_folder(Path(settings.out), **kw)
