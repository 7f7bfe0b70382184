"""`moviefactory library add/search` through the registered argparse handlers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from moviefactory.errors import InputError
from moviefactory.sound import cli


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="moviefactory")
    cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_library_add_then_search_json(
    sound_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOVIEFACTORY_HOME", str(sound_home))
    folder = tmp_path / "my sounds"
    folder.mkdir()
    t = np.arange(48_000) / 48_000
    sf.write(str(folder / "laser_sword_hum.wav"), 0.3 * np.sin(2 * np.pi * 120 * t), 48_000)
    (folder / "laser_sword_hum.json").write_text(
        json.dumps({"description": "a laser sword humming and swinging", "license": "CC0-1.0"})
    )
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00")
    index = tmp_path / "index"
    args = parse(["library", "add", str(folder), "--library", str(index)])
    assert args.func(args) == 0
    out, err = capsys.readouterr()
    assert "added 1" in out and "skipped 1" in out and "broken.wav" in err

    args = parse(
        [
            "library",
            "search",
            "a humming light saber",
            "--kind",
            "effect",
            "-k",
            "3",
            "--json",
            "--library",
            str(index),
        ]
    )
    assert args.func(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert (
        len(rows) == 3 and rows[0]["path"].endswith("laser_sword_hum.wav") and rows[0]["license"] == "CC0-1.0"
    )
    assert rows[0]["score"] >= rows[1]["score"] >= rows[2]["score"]
    assert any(r["source"] == "builtin" for r in rows)  # the built-in library is searched alongside

    args = parse(["library", "search", "relaxing music", "--kind", "music", "-k", "2"])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].lstrip().startswith("1")


def test_library_cli_rejects_bad_input(tmp_path: Path) -> None:
    args = parse(["library", "add", str(tmp_path / "nope")])
    with pytest.raises(InputError, match="no such file"):
        args.func(args)
    args = parse(["library", "search", "rain", "-k", "0"])
    with pytest.raises(InputError, match="-k"):
        args.func(args)
