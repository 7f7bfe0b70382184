"""--script FILE: a plain-text scene list or a Fountain screenplay becomes script.json (no model involved)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moviefactory.cli import main
from moviefactory.errors import InputError
from moviefactory.script import WRITERS
from moviefactory.script.builtin import scene_seed
from moviefactory.script.crew_import import ImportWriter
from moviefactory.spec import Style

FOUNTAIN = """\
Title: The Last Lighthouse
Credit: written by
Author: A. Tester

EXT. ROCKY COAST - DUSK

Waves crash against the rocks below a white lighthouse. [[make it stormy]]

MARA (V.O.)
Every night for forty years, I kept the light.

INT. LANTERN ROOM - NIGHT

Mara, an old keeper in a yellow raincoat, winds the clockwork.

/* a cut scene
EXT. BEACH - DAY
*/

MARA
(quietly)
Not tonight.

TOM
It's the storm, Mara.

CUT TO:

EXT. SEA - CONTINUOUS

A small fishing boat rides a huge wave toward the light.

> DISSOLVE TO:

.UNDERWATER

Tom's lantern sinks slowly, still glowing.
"""


def test_plain_scene_list(tmp_path: Path) -> None:
    path_text = "Title: Race Day\n# a comment\n1. a red car waits at the start line\n\n- an airplane taxis, 4K\nScene 3: the flag drops\n"
    w = _writer(tmp_path, path_text, ".txt")
    movie = w.write("race day", scenes=None, seed=5, style=Style())
    assert movie.title == "Race Day" and movie.writer == "import:scenes.txt"
    assert [s.prompt for s in movie.scenes] == [
        "a red car waits at the start line, cinematic, 4K, high resolution",
        "an airplane taxis, 4K",
        "the flag drops, cinematic, 4K, high resolution",
    ]
    assert [s.seed for s in movie.scenes] == [scene_seed(5, i) for i in range(3)]
    assert all(s.duration_s == 2.0 for s in movie.scenes)
    with pytest.raises(InputError, match="has 3 shots but --scenes asks for 4"):
        w.write("race day", scenes=4, seed=5, style=Style())


def test_fountain_screenplay(tmp_path: Path) -> None:
    movie = _writer(tmp_path, FOUNTAIN, ".fountain").write(
        "the last lighthouse", scenes=None, seed=0, style=Style()
    )
    assert movie.title == "The Last Lighthouse"
    a, b, c, d, e = movie.scenes
    assert a.setting == "rocky coast" and a.time_of_day.value == "dusk" and "make it stormy" not in a.prompt
    assert a.narration == "Every night for forty years, I kept the light." and a.subtitle == a.narration
    assert b.setting == "lantern room" and b.time_of_day.value == "night" and b.subjects == ["mara"]
    assert b.subtitle == "Not tonight." and "quietly" not in b.subtitle
    # a line with no action of its own is a shot of its speaker
    assert (
        c.subtitle == "It's the storm, Mara."
        and c.subjects == ["tom"]
        and c.prompt.startswith("Tom speaking, lantern")
    )
    assert d.setting == "sea" and d.time_of_day.value == "night"  # CONTINUOUS keeps the time
    assert d.transition_in.value == "cut" and e.transition_in.value == "dissolve"
    assert (
        e.setting == "underwater" and e.subjects == ["tom"] and "beach" not in json.dumps(movie.model_dump())
    )
    assert [(ch.id, ch.name) for ch in movie.characters] == [("mara", "Mara"), ("tom", "Tom")]


def test_bad_files_fail_with_the_path(tmp_path: Path) -> None:
    for text, why in (
        ("", "no scenes found"),
        ("# only comments\n", "no scenes found"),
        ("\n".join(f"shot {i}" for i in range(61)), "61 shots"),
    ):
        path = tmp_path / "s.txt"
        path.write_text(text)
        with pytest.raises(InputError, match=why) as info:
            ImportWriter(path)
        assert str(path) in str(info.value)
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not UTF-8"):
        ImportWriter(path)
    with pytest.raises(InputError, match="cannot read"):
        ImportWriter(tmp_path / "missing.txt")
    assert WRITERS.get("import") is ImportWriter


def test_cli_script_flag_without_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "lighthouse.fountain"
    src.write_text(FOUNTAIN)
    assert main(["script", "--script", str(src), "--out", str(tmp_path / "movies"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    script = json.loads(Path(out["script"]).read_text())
    assert script["request"] == "The Last Lighthouse" and len(script["scenes"]) == 5
    assert script["writer"] == "import:lighthouse.fountain"
    assert main(["script", "--out", str(tmp_path / "movies")]) == 2
    assert "say what the movie is about" in capsys.readouterr().err


def _writer(folder: Path, text: str, suffix: str) -> ImportWriter:
    path = folder / f"scenes{suffix}"
    path.write_text(text)
    return ImportWriter(path)
