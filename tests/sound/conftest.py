"""Shared fixtures for the sound tests: one rendered built-in library and one MiniLM per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from moviefactory.sound.backend import LibrarySound


@pytest.fixture(scope="session")
def sound_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MOVIEFACTORY_HOME with the built-in library rendered and indexed once for the session."""
    home = tmp_path_factory.mktemp("mfhome")
    LibrarySound(home=home, library=home / "user").libraries()
    return home


@pytest.fixture(scope="session")
def backend(sound_home: Path) -> LibrarySound:
    return LibrarySound(home=sound_home, library=sound_home / "user")
