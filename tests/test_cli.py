"""The command line's edges: the version's one owner, a command whose optional package is missing, and an
import failure in our own code (a bug, never a silently missing command)."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import moviefactory
from moviefactory import cli


def _cli(prelude: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """`moviefactory ARGV` in a fresh interpreter after `prelude` ran (e.g. to make a package missing)."""
    code = f"import sys; {prelude}; from moviefactory.cli import main; sys.exit(main({list(argv)!r}))"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )


def test_version_has_one_owner() -> None:
    # pyproject reads the version from the package (setuptools dynamic attr): the installed metadata and
    # `--version` say what moviefactory/__init__.py says
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "moviefactory.__version__"}
    assert metadata.version("moviefactory") == moviefactory.__version__
    run = _cli("pass", "--version")
    assert run.returncode == 0 and run.stdout.strip() == f"moviefactory {moviefactory.__version__}"


def test_extras_come_from_the_package_metadata() -> None:
    assert cli._extra_for("diffusers") == "diffusion"
    assert cli._extra_for("transformers") == "diffusion"
    assert cli._extra_for("fastapi") == "web"
    assert cli._extra_for("ray") == "ray"
    assert cli._extra_for("numpy") is None  # core: a missing one is a broken install, no extra brings it


def test_missing_optional_package_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    # `dev tiny-model` imports diffusers when it runs; without it the command still exists and says what to do
    run = _cli("sys.modules['diffusers'] = None", "dev", "tiny-model", str(tmp_path / "tiny"))
    assert run.returncode == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines == [
        "moviefactory: error: moviefactory dev needs diffusers, which is not installed; "
        "install it with: pip install 'moviefactory[diffusion]'"
    ]
    assert not (tmp_path / "tiny").exists()


def test_a_missing_module_of_our_own_is_an_internal_error_not_advice() -> None:
    run = _cli("sys.modules['moviefactory.spec'] = None", "schema")
    assert run.returncode == 1
    assert "internal error: ModuleNotFoundError" in run.stderr and "moviefactory.spec" in run.stderr
    assert "install" not in run.stderr
    # with MOVIEFACTORY_DEBUG the traceback is there to read
    code = "import os, sys; os.environ['MOVIEFACTORY_DEBUG'] = '1'; sys.modules['moviefactory.spec'] = None"
    run = _cli(code, "schema")
    assert run.returncode != 0 and "Traceback" in run.stderr


def test_a_command_module_that_fails_to_import_is_not_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    # before: any ImportError dropped the command group and `moviefactory` just lacked the command
    monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "moviefactory.no_such_cli"))
    with pytest.raises(ModuleNotFoundError, match=r"moviefactory\.no_such_cli"):
        cli.build_parser()


def test_every_command_group_registers() -> None:
    commands = set(cli.build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert {"make", "script", "render", "library", "train", "evaluate", "dev", "serve"} <= commands
