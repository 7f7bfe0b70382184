"""End to end through the real CLI in subprocesses, with the embedded defaults (no GPU, no network, no weights).

One default movie is made once per module and examined; the other tests edit copies of it, kill a run of
the same request half-way and resume it, and feed the CLI bad input.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from moviefactory.media import measure_loudness, probe, read_audio
from moviefactory.spec import Movie

TEXT = "a race between a car and an airplane"
pytestmark = pytest.mark.slow


def mf(
    *args: str, env_home: Path, check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOVIEFACTORY_HOME": str(env_home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "moviefactory", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"moviefactory {args} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc


def frame_digests(path: Path) -> list[str]:
    with av.open(str(path)) as c:
        return [hashlib.md5(f.to_ndarray(format="rgb24").tobytes()).hexdigest() for f in c.decode(video=0)]


def middle_frames(path: Path, times: list[float]) -> list[np.ndarray]:
    """Decoded frames (downsampled 4x) nearest to the given times, in seconds."""
    out: list[np.ndarray] = []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        frames = [
            (float(f.pts * stream.time_base), f.to_ndarray(format="rgb24")[::4, ::4])
            for f in c.decode(video=0)
        ]
    for t in times:
        out.append(min(frames, key=lambda x: abs(x[0] - t))[1].astype(np.float32))
    return out


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def default_movie(tmp_path_factory: pytest.TempPathFactory, home: Path) -> dict[str, object]:
    out = tmp_path_factory.mktemp("movies")
    proc = mf("make", TEXT, "--out", str(out), "--json", env_home=home)
    return json.loads(proc.stdout)


def test_default_make_produces_a_checked_movie(default_movie: dict[str, object]) -> None:
    path = Path(str(default_movie["movie"]))
    folder = Path(str(default_movie["folder"]))
    movie = Movie.from_json((folder / "script.json").read_text(encoding="utf-8"))
    info = probe(path)
    fps = movie.style.fps
    # streams, duration = sum of scenes minus transition overlaps (+-1 frame), the requested aspect
    assert info.has_audio and info.audio_rate == 48000
    assert abs(info.num_frames - movie.total_duration_s() * fps) <= 1
    assert abs(info.width / info.height - 2.35) < 0.01
    # at least 5 visually distinct scenes: mid-scene frames differ across each boundary
    mids = middle_frames(path, [(e.start_s + e.end_s) / 2 for e in movie.timeline()])
    distinct = sum(float(np.abs(a - b).mean()) > 6.0 for a, b in itertools.pairwise(mids))
    assert len(movie.scenes) >= 5 and distinct >= 4
    # audio: not silent, on the loudness target
    audio = read_audio(path)
    assert float(np.sqrt((audio**2).mean())) > 0.01
    loud = measure_loudness(path)
    assert abs(loud.integrated_lufs + 16.0) <= 1.0 and loud.true_peak_dbtp <= -1.0
    # subtitles always written, and the report
    assert (folder / "movie.srt").read_text(encoding="utf-8").strip()
    credits = json.loads((folder / "credits.json").read_text())
    assert credits["kind"] == "moviefactory-credits" and credits["sounds"]


def test_edit_one_scene_rerenders_only_that_scene_and_the_cut(
    default_movie: dict[str, object], home: Path, tmp_path: Path
) -> None:
    src = Path(str(default_movie["folder"]))
    folder = tmp_path / src.name
    shutil.copytree(src, folder)
    before = json.loads((folder / "movie.json").read_text())
    data = json.loads((folder / "script.json").read_text())
    data["scenes"][2]["prompt"] = "a bright yellow hot air balloon drifting over a desert at noon, 4K"
    data["scenes"][2]["setting"] = "desert"
    (folder / "script.json").write_text(json.dumps(data, ensure_ascii=False, indent=2))
    sid = data["scenes"][2]["id"]
    res = json.loads(mf("render", str(folder), "--json", env_home=home).stdout)
    assert set(res["rendered"]) == {f"scenes/{sid}/clip.mp4", f"scenes/{sid}/effects.wav", "movie.mp4"}
    after = json.loads((folder / "movie.json").read_text())
    for other, recs in before["scenes"].items():
        for slot, rec in recs.items():
            if other != sid and slot != "drawn":
                assert after["scenes"][other][slot]["made"] == rec["made"], (other, slot)
                assert after["scenes"][other][slot]["sha256"] == rec["sha256"], (other, slot)
    assert after["scenes"][sid]["clip"]["sha256"] != before["scenes"][sid]["clip"]["sha256"]
    assert after["cut"]["sha256"] != before["cut"]["sha256"]
    # nothing changed -> nothing re-rendered
    again = json.loads(mf("render", str(folder), "--json", env_home=home).stdout)
    assert again["rendered"] == []
    # --scene forces one scene
    forced = json.loads(mf("render", str(folder), "--scene", "s01", "--json", env_home=home).stdout)
    assert "scenes/s01/clip.mp4" in forced["rendered"] and "scenes/s02/clip.mp4" not in forced["rendered"]


def test_killed_run_resumes_to_identical_movie(
    default_movie: dict[str, object], home: Path, tmp_path: Path
) -> None:
    """SIGKILL the whole process tree once two clips are recorded; the re-run finishes the same movie, and
    it matches the uninterrupted default run frame for frame (same text + seed -> same script and frames)."""
    out = tmp_path / "movies"
    env = {**os.environ, "MOVIEFACTORY_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moviefactory", "make", TEXT, "--out", str(out), "--quiet"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    killed = False
    while time.time() < deadline and proc.poll() is None:
        manifests = list(out.glob("*/movie.json"))
        if manifests:
            try:
                scenes = json.loads(manifests[0].read_text())["scenes"]
            except (json.JSONDecodeError, OSError, KeyError):
                scenes = {}
            if sum("clip" in rec for rec in scenes.values()) >= 2:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
                break
        time.sleep(0.05)
    proc.wait(60)
    assert killed, "the run finished before it could be killed"
    folder = next(out.iterdir())
    assert not (folder / "movie.mp4").exists()
    res = json.loads(mf("make", TEXT, "--out", str(out), "--json", env_home=home).stdout)
    assert any(r.endswith("clip.mp4") for r in res["reused"])  # the kill did not lose finished scenes
    ref = Path(str(default_movie["folder"]))
    assert (folder / "script.json").read_text() == (ref / "script.json").read_text()
    assert frame_digests(folder / "movie.mp4") == frame_digests(ref / "movie.mp4")


def test_different_seed_gives_a_different_script(home: Path, tmp_path: Path) -> None:
    a = json.loads(mf("script", TEXT, "--out", str(tmp_path), "--seed", "1", "--json", env_home=home).stdout)
    b = json.loads(mf("script", TEXT, "--out", str(tmp_path), "--seed", "2", "--json", env_home=home).stdout)
    ta, tb = Path(a["script"]).read_text(), Path(b["script"]).read_text()
    assert ta != tb
    Movie.from_json(ta), Movie.from_json(tb)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["make", ""], "empty"),
        (["make", "   "], "empty"),
        (["make", "x" * 4001], "limit is 4000"),
        (["make", "car\x1b[31m race"], "control character"),
        (["make", TEXT, "--scenes", "0"], "scenes"),
        (["make", TEXT, "--picture", "nope"], "unknown picture backend"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(
    args: list[str], fragment: str, home: Path, tmp_path: Path
) -> None:
    proc = mf(*args, "--out", str(tmp_path), env_home=home, check=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def test_bad_folders_and_edited_scripts(default_movie: dict[str, object], home: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"not ours")
    proc = mf("render", str(foreign), env_home=home, check=False)
    assert proc.returncode != 0 and "not a MovieFactory folder" in proc.stderr
    assert (foreign / "cat.jpg").read_bytes() == b"not ours"

    folder = tmp_path / "m"
    shutil.copytree(Path(str(default_movie["folder"])), folder)
    data = json.loads((folder / "script.json").read_text())
    data["scenes"][0]["duration_s"] = 500
    (folder / "script.json").write_text(json.dumps(data))
    size = (folder / "movie.mp4").stat().st_size
    proc = mf("render", str(folder), env_home=home, check=False)
    assert proc.returncode == 2 and "duration_s" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert (folder / "movie.mp4").stat().st_size == size  # nothing already rendered is lost

    (tmp_path / "file").write_text("x")
    proc = mf("script", TEXT, "--out", str(tmp_path / "file"), env_home=home, check=False)
    assert proc.returncode != 0 and "cannot write" in proc.stderr


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys; from moviefactory.cli import build_parser; build_parser().format_help(); "
        "print(sorted(m for m in ('torch', 'numpy', 'diffusers', 'transformers', 'pydantic', 'av') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
