"""Indexing user folders: formats, descriptions, broken files, incremental updates, atomicity."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from moviefactory.media import ffmpeg_exe
from moviefactory.sound.embed import MiniLMText
from moviefactory.sound.ingest import ingest
from moviefactory.sound.library import Library, top_k

RATE = 48_000


def tone(freq: float, seconds: float = 1.0, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    x = 0.3 * np.sin(2 * np.pi * freq * t) + noise * np.random.default_rng(seed).standard_normal(len(t))
    return np.stack([x, x], 1).astype(np.float32)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "sounds"
    (d / "sub").mkdir(parents=True)
    sf.write(str(d / "bell_ding.wav"), tone(880), RATE)
    sf.write(str(d / "sub" / "rumble.flac"), tone(60, noise=0.05), RATE)
    sf.write(str(d / "sub" / "hiss.ogg"), tone(5000, noise=0.2, seed=1), RATE)
    sf.write(str(d / "beep.mp3"), tone(1000, 1.5), RATE, format="MP3")
    subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:a",
            "aac",
            str(d / "sub" / "aac_tone.m4a"),
        ],
        check=True,
    )
    (d / "bell_ding.txt").write_text("a small brass bell dinging once", encoding="utf-8")
    (d / "sub" / "descriptions.csv").write_text(
        "file_name,caption_1,caption_2,tags,license,username\n"
        "rumble.flac,deep earthquake rumble,the ground shakes,earthquake,CC-BY-4.0,geo_user\n"
        "hiss.ogg,steam hissing from a pipe,,steam,CC0-1.0,\n",
        encoding="utf-8",
    )
    # broken files: zero length, truncated WAV, text named .wav, truncated FLAC, silent
    (d / "empty.wav").write_bytes(b"")
    good = (d / "bell_ding.wav").read_bytes()
    (d / "truncated.wav").write_bytes(good[: len(good) // 3])
    (d / "notaudio.wav").write_text("this is not audio at all " * 40, encoding="utf-8")
    flac = (d / "sub" / "rumble.flac").read_bytes()
    (d / "sub" / "cut.flac").write_bytes(flac[: len(flac) // 2])
    sf.write(str(d / "silence.wav"), np.zeros((RATE, 2), np.float32), RATE)
    return d


def _encode() -> MiniLMText:
    return MiniLMText()


def test_ingest_formats_descriptions_and_broken_files(tmp_path: Path, folder: Path) -> None:
    lib = Library.open(tmp_path / "index")
    text = _encode()
    report = ingest(lib, [folder], text.encode_text, embedder=text.name)
    names = {it.path.name: it for it in lib.items()}
    assert set(names) == {"bell_ding.wav", "rumble.flac", "hiss.ogg", "beep.mp3", "aac_tone.m4a"}
    assert report.added == 5 and len(report.skipped) == 5
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert reasons["empty.wav"] == "empty file"
    assert "truncated" in reasons["truncated.wav"]
    assert "truncated" in reasons["cut.flac"] or "decode" in reasons["cut.flac"]
    assert "decode" in reasons["notaudio.wav"] and reasons["silence.wav"] == "silent"
    assert names["bell_ding.wav"].description == "a small brass bell dinging once"
    rumble = names["rumble.flac"]
    assert rumble.description == "deep earthquake rumble; the ground shakes"
    assert (rumble.license, rumble.attribution, rumble.tags) == ("CC-BY-4.0", "geo_user", "earthquake")
    assert names["beep.mp3"].title == "beep" and names["beep.mp3"].license == "unknown"
    assert abs(names["aac_tone.m4a"].features["duration_s"] - 1.0) < 0.1
    assert names["rumble.flac"].features["centroid_hz"] < names["hiss.ogg"].features["centroid_hz"]
    # the matrix is aligned with the rows and searchable
    q = text.encode_text(["an earthquake shaking the ground"])[0]
    assert lib.search(q, k=1)[0].item.path.name == "rumble.flac"
    assert lib.matrix().dtype == np.float16 and lib.matrix().shape == (5, 384)


def test_incremental_reindex_moves_updates_and_deletions(tmp_path: Path, folder: Path) -> None:
    lib = Library.open(tmp_path / "index")
    text = _encode()
    ingest(lib, [folder], text.encode_text, embedder=text.name)
    rev1 = lib.revision
    vec_hiss = np.array(lib.matrix()[next(it.row for it in lib.items() if it.path.name == "hiss.ogg")])
    # nothing changed: nothing decoded, no new revision; broken files are still counted
    again = ingest(lib, [folder], text.encode_text, embedder=text.name)
    assert (again.added, again.unchanged, len(again.skipped), lib.revision) == (0, 5, 5, rev1)
    # move one, delete one, rewrite one, add one
    (folder / "moved").mkdir()
    shutil.move(folder / "sub" / "hiss.ogg", folder / "moved" / "steam.ogg")
    (folder / "beep.mp3").unlink()
    sf.write(str(folder / "bell_ding.wav"), tone(1760, 0.5), RATE)
    os.utime(folder / "bell_ding.wav", ns=(1, 10**18))
    sf.write(str(folder / "new_click.wav"), tone(3000, 0.3, noise=0.1), RATE)
    rep = ingest(lib, [folder], text.encode_text, embedder=text.name)
    assert (rep.moved, rep.removed, rep.updated, rep.added) == (1, 1, 1, 1)
    items = {it.path.name: it for it in lib.items()}
    assert "beep.mp3" not in items and "hiss.ogg" not in items
    steam = items["steam.ogg"]
    assert steam.description == "steam hissing from a pipe" and steam.license == "CC0-1.0"
    np.testing.assert_array_equal(lib.matrix()[steam.row], vec_hiss)  # the embedding travelled with the file
    assert items["bell_ding.wav"].features["duration_s"] == 0.5
    assert sorted(it.row for it in lib.items()) == list(range(len(lib))) == list(range(lib.matrix().shape[0]))
    assert len(list((tmp_path / "index").glob("text-r*.npy"))) == 1


def test_failed_ingest_leaves_the_index_untouched(tmp_path: Path, folder: Path) -> None:
    lib = Library.open(tmp_path / "index")
    text = _encode()
    ingest(lib, [folder], text.encode_text, embedder=text.name)
    before = (lib.revision, [it.path for it in lib.items()], np.array(lib.matrix()))
    sf.write(str(folder / "another.wav"), tone(500), RATE)

    def broken_encoder(texts: list[str]) -> np.ndarray:
        raise RuntimeError("encoder crashed")

    with pytest.raises(RuntimeError):
        ingest(lib, [folder], broken_encoder, embedder=text.name)
    reopened = Library.open(tmp_path / "index")
    assert reopened.revision == before[0] and [it.path for it in reopened.items()] == before[1]
    np.testing.assert_array_equal(reopened.matrix(), before[2])


def test_top_k_float16_matches_exact_float32() -> None:
    rng = np.random.default_rng(0)
    m = rng.standard_normal((5000, 64)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    q = m[123] + 0.01 * rng.standard_normal(64).astype(np.float32)
    idx16, s16 = top_k(m.astype(np.float16), q, 10)
    idx32, _ = top_k(m, q, 10)
    assert idx16[0] == idx32[0] == 123 and len(set(idx16) & set(idx32)) >= 9
    assert np.all(np.diff(s16) <= 0)
    mask = np.zeros(5000, bool)
    mask[:100] = True
    idx_m, _ = top_k(m, q, 10, mask)
    assert np.all(idx_m < 100)
