"""The sound library under things users do: delete a file after `library add`, link folders (and loops),
run two `library add` at once, name a file with a newline."""

from __future__ import annotations

import multiprocessing as mp
import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from moviefactory.sound.backend import LibrarySound, _credit
from moviefactory.sound.embed import MiniLMText
from moviefactory.sound.ingest import ingest, scan
from moviefactory.sound.library import Library
from moviefactory.spec import Movie, Scene, Style

RATE = 48_000


def _noise(seconds: float, seed: int) -> np.ndarray:
    x = 0.2 * np.random.default_rng(seed).standard_normal(int(seconds * RATE))
    return np.stack([x, x], 1).astype(np.float32)


def _sound(folder: Path, name: str, description: str, seed: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    sf.write(str(path), _noise(1.0, seed), RATE)
    path.with_suffix(".txt").write_text(description, encoding="utf-8")
    return path


def _index(lib_dir: Path, *folders: Path) -> object:
    text = MiniLMText()
    lib = Library.open(lib_dir)
    try:
        return ingest(lib, list(folders), text.encode_text, embedder=text.name)
    finally:
        lib.close()


def test_a_sound_deleted_after_library_add_is_skipped_for_the_next_match(
    sound_home: Path, tmp_path: Path
) -> None:
    sounds = tmp_path / "sounds"
    best = _sound(sounds, "kazoo_solo.wav", "a kazoo buzzing a wobbly solo", 1)
    second = _sound(sounds, "kazoo_duet.wav", "two kazoos buzzing together in a duet", 2)
    _index(tmp_path / "user", sounds)
    backend = LibrarySound(home=sound_home, library=tmp_path / "user")
    assert backend.search("a kazoo buzzing a wobbly solo", kind="effect", k=1)[0].item.path == best
    best.unlink()
    scene = Scene(id="s01", prompt="a clown on stage", duration_s=1.5, sound="a kazoo buzzing a wobbly solo")
    movie = Movie(request="r", title="t", scenes=[scene], style=Style.for_aspect("16:9", fps=8, scale=1))
    track = backend.effects(movie, scene, tmp_path / "no-clip.mp4", tmp_path / "fx.wav")
    assert track.credits[0].source == str(second)  # the next match took its place
    assert any(str(best) in w and "gone" in w for w in track.warnings)
    # `library add` again drops the vanished file from the index for good
    report = _index(tmp_path / "user", sounds)
    assert report.removed == 1  # type: ignore[attr-defined]
    lib = Library.open(tmp_path / "user", create=False)
    assert [it.path for it in lib.items()] == [second]
    lib.close()


def test_linked_folders_are_followed_and_a_symlink_loop_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "sounds"
    _sound(root / "a", "door.wav", "a door closing", 3)
    elsewhere = _sound(tmp_path / "pack", "bird.wav", "a bird singing", 4)
    (root / "a" / "loop").symlink_to(root)  # points back up: would recurse forever
    (root / "pack").symlink_to(tmp_path / "pack")  # a linked sample pack
    (root / "pack-again").symlink_to(tmp_path / "pack")  # the same files through a second link
    (root / "broken").symlink_to(tmp_path / "nowhere")
    files, warnings = scan([root])
    names = sorted(f.name for f, _ in files)
    assert names == ["bird.wav", "door.wav"]  # each file once
    assert any("symlink loop" in w and "loop" in w for w in warnings)
    assert any("broken" in w for w in warnings)
    report = _index(tmp_path / "lib", root)
    assert report.added == 2  # type: ignore[attr-defined]
    assert any("symlink loop" in why for _, why in report.skipped)  # type: ignore[attr-defined]
    assert elsewhere.exists()


def test_index_files_are_readable_like_every_other_file(tmp_path: Path) -> None:
    _sound(tmp_path / "s", "bell.wav", "a bell", 5)
    _index(tmp_path / "lib", tmp_path / "s")
    for p in (tmp_path / "lib").glob("*.npy"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o644, p


def test_credits_stay_one_line_per_field() -> None:
    from moviefactory.sound.library import Item

    item = Item(uid="user:1", row=0, path=Path("/s/evil\nname.wav"), kind="effect", title="line1\nline2",
                description="", tags="", license="CC0\r", attribution="me\x00", source="user")  # fmt: skip
    c = _credit(item)
    for field in (c.title, c.source, c.license, c.attribution):
        assert field.isprintable(), field
    assert c.source == "/s/evil\\nname.wav"


def _ingest_in_child(lib_dir: str, folder: str, go: object, q: object) -> None:
    go.wait(60)  # type: ignore[attr-defined]
    try:
        rep = _index(Path(lib_dir), Path(folder))
        q.put(("ok", rep.added))  # type: ignore[attr-defined]
    except Exception as exc:  # reported to the test, which fails on it
        q.put((type(exc).__name__, str(exc)))  # type: ignore[attr-defined]


@pytest.mark.slow
def test_two_library_adds_of_one_folder_at_once(tmp_path: Path) -> None:
    for i in range(4):
        _sound(tmp_path / "s", f"tone{i}.wav", f"sound number {i}", 10 + i)
    ctx = mp.get_context("spawn")
    go, q = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_ingest_in_child, args=(str(tmp_path / "lib"), str(tmp_path / "s"), go, q))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(300)
    results = sorted(q.get(timeout=5) for _ in procs)
    assert results == [("ok", 0), ("ok", 4)], results  # one indexed, the other found it done
    lib = Library.open(tmp_path / "lib", create=False)
    assert len(lib) == 4
    lib.close()
