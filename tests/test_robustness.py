"""Nothing a user does breaks a folder: first use, kills, full disks, missing files, odd paths.

The fast tests here exercise each defence directly (a dead folder, four processes creating one folder, script
files that are not scripts, a full filesystem under the atomic-write helper). The slow ones drive the real CLI
through tests/faults.py: SIGKILL of the whole process tree at recorded write points, ENOSPC at each stage,
four first uses at once, a killed parent with render workers, burned subtitles under hostile folder names.
"""

from __future__ import annotations

import contextlib
import errno
import json
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from faults import TINY, digest, hook_dir, leftovers, one_line_error, run_mf
from moviefactory.errors import DiskFullError, InputError, WorkspaceError
from moviefactory.media import write_video, write_wav
from moviefactory.workspace import MANIFEST, Workspace, atomic_output, atomic_write_text, is_temp_name

TEXT = "a cat chases a red ball"


# -- folders ------------------------------------------------------------------------------------------------
def test_a_folder_killed_before_its_first_manifest_is_finished_not_refused(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / ".lock").write_text("123")
    (root / ".movie.k3j4h5g6.json").write_text('{"half": ')  # an older version's temp name
    (root / ".movie.part-abcd1234.json").write_text("{")
    (root / ".write-test").write_bytes(b"")
    ws = Workspace.create(root, request="r", seed=0, settings={})
    assert ws.manifest.request == "r"
    assert sorted(p.name for p in root.iterdir()) == [".lock", MANIFEST]
    assert Workspace.open(root).manifest.seed == 0


def test_a_folder_with_anything_foreign_is_still_refused_and_untouched(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / ".movie.part-abcd1234.json").write_text("{")
    (root / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(WorkspaceError, match="not a MovieFactory folder"):
        Workspace.create(root, request="r", seed=0, settings={})
    assert sorted(p.name for p in root.iterdir()) == [".movie.part-abcd1234.json", "holiday.jpg"]


def test_taking_the_lock_sweeps_what_killed_runs_left(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "m", request="r", seed=0, settings={})
    scene = ws.path("scenes/s01")
    scene.mkdir(parents=True)
    keep = [ws.path("movie.mp4"), scene / "clip.mp4", ws.path("notes.txt")]
    for p in keep:
        p.write_bytes(b"x")
    junk = [
        ws.path(".movie.part-a1b2c3d4.mp4"),
        scene / ".clip.part-zzzzzzzz.mp4",
        ws.path(".movie.abcdefgh.json"),
    ]
    for p in junk:
        p.write_bytes(b"half")
    scratch = ws.path(".mf-tmp-compose-x1y2z3")
    (scratch / "fonts").mkdir(parents=True)
    with ws:
        pass
    assert all(p.exists() for p in keep)
    assert not any(p.exists() for p in junk) and not scratch.exists()


def _create(root: str, go: mp.synchronize.Event, q: mp.Queue) -> None:  # type: ignore[type-arg]
    go.wait(30)
    try:
        Workspace.create(Path(root), request="same request", seed=0, settings={})
        q.put("ok")
    except WorkspaceError as exc:
        q.put(str(exc))


@pytest.mark.slow
def test_four_processes_creating_one_folder_at_once(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    for trial in range(3):
        root = tmp_path / f"m{trial}"
        go, q = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_create, args=(str(root), go, q)) for _ in range(4)]
        for p in procs:
            p.start()
        time.sleep(0.5)  # let them all reach the barrier
        go.set()
        for p in procs:
            p.join(60)
        answers = [q.get(timeout=5) for _ in procs]
        # each either made/reused the folder or was told, correctly, that another run holds it
        assert all(a == "ok" or "in use by another MovieFactory run" in a for a in answers), answers
        assert "ok" in answers
        assert Workspace.open(root).manifest.request == "same request"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"schema_version": 1, "title": "caf\xe9"}', "not UTF-8 text"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply|invalid"),
        (None, "is a folder"),
    ],
    ids=["invalid-utf8", "deeply-nested", "a-folder"],
)
def test_a_script_that_is_not_a_script_is_an_input_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    ws = Workspace.create(tmp_path / "m", request="r", seed=0, settings={})
    if content is None:
        ws.script_path.mkdir()
    else:
        ws.script_path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        ws.load_script()
    assert "\n" not in str(info.value) and info.value.exit_code == 2


def test_an_unreadable_manifest_is_a_workspace_error(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "m", request="r", seed=0, settings={})
    (ws.root / MANIFEST).write_bytes(b'{"kind": "moviefactory-movie", "x": "\xff"}')
    with pytest.raises(WorkspaceError, match="unreadable manifest"):
        Workspace.open(ws.root)
    (ws.root / MANIFEST).write_text("[1, 2]")
    with pytest.raises(WorkspaceError, match="not a MovieFactory folder"):
        Workspace.open(ws.root)


# -- full disks -----------------------------------------------------------------------------------------------
def test_enospc_from_any_writer_becomes_one_disk_full_error(tmp_path: Path) -> None:
    target = tmp_path / "movie.mp4"
    target.write_bytes(b"old movie")
    with pytest.raises(DiskFullError) as info, atomic_output(target, size_hint=50_000_000) as tmp:
        tmp.write_bytes(b"x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")
    msg = str(info.value)
    assert msg.startswith("no space left on ") and str(target) in msg and "needs about 50.0 MB" in msg
    assert target.read_bytes() == b"old movie"
    assert [p.name for p in tmp_path.iterdir()] == ["movie.mp4"]


def test_an_encoder_that_says_only_conversion_failed_is_read_by_its_cause(tmp_path: Path) -> None:
    from moviefactory.errors import ComposeError

    with pytest.raises(DiskFullError), atomic_output(tmp_path / "movie.mp4") as tmp:
        tmp.write_bytes(b"x")
        raise ComposeError(
            "ffmpeg failed (228): av_interleaved_write_frame(): No space left on device | Conversion failed!"
        )
    with pytest.raises(ComposeError), atomic_output(tmp_path / "movie.mp4") as tmp:
        tmp.write_bytes(b"x")
        raise ComposeError("ffmpeg failed (1): Invalid argument")  # not a disk problem: unchanged


@contextlib.contextmanager
def small_tmpfs(where: Path, size: int) -> Iterator[Path]:
    """A tmpfs of `size` bytes at `where` (skips the test where mounting is not allowed)."""
    where.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, check=False)  # fmt: skip
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.decode(errors='replace').strip()[:80]})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_real_full_filesystem_for_wav_video_and_text_writers(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "small", 256 * 1024) as fs:
        (fs / "movie.json").write_text("old manifest")
        noise = np.random.default_rng(0).uniform(-0.5, 0.5, (48_000, 2))
        with pytest.raises(DiskFullError, match=f"no space left on {fs}"):
            write_wav(noise, fs / "effects.wav")  # libsndfile only says "System error."
        frames = np.random.default_rng(1).integers(0, 255, (48, 128, 256, 3), dtype=np.uint8)
        with pytest.raises(DiskFullError, match=f"no space left on {fs}"):
            # ffmpeg dies on the full disk; the writer sees only a broken pipe
            write_video(iter(frames), fs / "clip.mp4", fps=8, size=(256, 128), crf=0)
        with pytest.raises(DiskFullError, match=f"no space left on {fs}"):
            atomic_write_text(fs / "movie.json", "y" * 400_000)
        assert (fs / "movie.json").read_text() == "old manifest"
        assert sorted(p.name for p in fs.iterdir()) == ["movie.json"]  # no temp files left behind


def test_the_cli_reports_os_errors_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from moviefactory.cli import main

    folder = tmp_path / "m"
    Workspace.create(folder, request="r", seed=0, settings={})
    (folder / "script.json").write_bytes(b"\xff\xfe not json")
    code = main(["render", str(folder)])
    err = capsys.readouterr().err
    assert code == 2 and one_line_error(err) and "not UTF-8" in err


# -- subprocess suite (slow) ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def warm_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MOVIEFACTORY_HOME with the built-in sound library made (first use is tested on its own)."""
    home = tmp_path_factory.mktemp("home")
    run = run_mf(["library", "search", "rain"], home=home)
    assert run.code == 0, run.stderr
    return home


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, warm_home: Path) -> dict[str, object]:
    """An uninterrupted tiny movie, the folder right after its script was written (the seed for kill runs
    past the writer, which is the slow part), and the list of write points of the rest of the run."""
    tmp = tmp_path_factory.mktemp("ref")
    hook = hook_dir(tmp)
    script = run_mf(["script", TEXT, "--out", str(tmp / "seed"), *TINY], home=warm_home)
    assert script.code == 0, script.stderr
    seed = Path(json.loads(script.stdout)["folder"])
    # one run first, so that caches in the home (icon vectors, rasters) are made and every later run writes
    # exactly the same points in the same order
    warm = run_mf(["make", TEXT, "--out", str(tmp / "warm"), *TINY], home=warm_home)
    assert warm.code == 0, warm.stderr
    out = tmp / "out"
    shutil.copytree(seed.parent, out)
    run = run_mf(
        ["make", TEXT, "--out", str(out), *TINY], home=warm_home, hook=hook, fault="count", log=tmp / "log"
    )
    assert run.code == 0, run.stderr
    res = json.loads(run.stdout)
    return {
        "seed": seed.parent,
        "movie": digest(Path(res["movie"])),
        "points": run.points,
        "hook": hook,
        "tmp": tmp,
    }


def _resume_matches(ref: dict[str, object], out: Path, home: Path) -> tuple[bool, str]:
    again = run_mf(["make", TEXT, "--out", str(out), *TINY], home=home)
    if again.code != 0:
        return False, again.stderr.strip()[-300:]
    res = json.loads(again.stdout)
    folder = Path(res["folder"])
    if digest(Path(res["movie"])) != ref["movie"]:
        return False, "movie differs from the uninterrupted run"
    if leftovers(folder):
        return False, f"leftovers: {leftovers(folder)}"
    return True, ""


KILL_AT = ("movie.json", "clip.mp4", "effects.wav", "music.wav", "CREDITS.txt", "movie.mp4", "report.html")


def _kill_points(points: list[dict[str, object]]) -> list[tuple[str, int]]:
    """The first write of each kind of file in KILL_AT, before its rename, and the very last write after
    its rename (benchmarks/bench_robustness.py kills at every point)."""
    chosen: dict[str, int] = {}
    for p in points:
        name = Path(str(p["target"])).name
        if name in KILL_AT:
            chosen.setdefault(name, int(str(p["n"])))
    return [("kill", n) for n in sorted(chosen.values())] + [("killafter", len(points))]


@pytest.mark.slow
def test_sigkill_at_write_points_then_resume_gives_the_same_movie(
    reference: dict[str, object], warm_home: Path, tmp_path: Path
) -> None:
    points = reference["points"]
    assert isinstance(points, list) and len(points) > 10
    failures = []
    for mode, n in _kill_points(points):
        out = tmp_path / f"{mode}{n}"
        shutil.copytree(Path(str(reference["seed"])), out)
        killed = run_mf(
            ["make", TEXT, "--out", str(out), *TINY],
            home=warm_home,
            hook=Path(str(reference["hook"])),
            fault=f"{mode}:{n}",
            log=tmp_path / "log",
        )
        assert killed.code == -signal.SIGKILL, (mode, n, killed.stderr[-300:])
        ok, why = _resume_matches(reference, out, warm_home)
        if not ok:
            failures.append(f"{mode} at {n} ({Path(str(points[n - 1]['target'])).name}): {why}")
    assert not failures, failures


@pytest.mark.slow
def test_sigkill_before_the_first_manifest_leaves_a_folder_the_next_run_finishes(
    warm_home: Path, tmp_path: Path
) -> None:
    hook = hook_dir(tmp_path)
    killed = run_mf(
        ["script", TEXT, "--out", str(tmp_path / "out"), *TINY],
        home=warm_home,
        hook=hook,
        fault="kill:1",
        log=tmp_path / "log",
    )
    assert killed.code == -signal.SIGKILL
    (folder,) = (tmp_path / "out").iterdir()
    assert not (folder / MANIFEST).exists() and any(is_temp_name(p.name) for p in folder.iterdir())
    again = run_mf(["script", TEXT, "--out", str(tmp_path / "out"), *TINY], home=warm_home)
    assert again.code == 0, again.stderr
    assert (folder / "script.json").exists() and not leftovers(folder)


def _tmpfs_size_failing_at(points: list[dict[str, object]], n: int) -> int:
    """A tmpfs size (bytes) at which write point n runs out of room half-way: every file's latest version
    before n in 4 KiB pages, plus the old version of n's target, plus half of n's new size."""
    page = 4096
    live: dict[str, int] = {}
    for p in points[: n - 1]:
        live[str(p["target"])] = -(-int(str(p["size"])) // page) * page
    new = int(str(points[n - 1]["size"]))
    return sum(live.values()) + 2 * page + max(page, (new // 2) // page * page)


@pytest.mark.slow
def test_a_full_disk_at_each_stage_is_one_line_and_resumable(
    reference: dict[str, object], warm_home: Path, tmp_path: Path
) -> None:
    points = reference["points"]
    assert isinstance(points, list)
    stages: dict[str, int | None] = {
        "clip.mp4": None,
        "effects.wav": None,
        "music.wav": None,
        "movie.mp4": None,
    }
    for p in points:
        name = Path(str(p["target"])).name
        if name in stages and stages[name] is None:
            stages[name] = int(str(p["n"]))
    for name, n in stages.items():
        assert n is not None
        fs = tmp_path / f"fs-{name}"
        size = _tmpfs_size_failing_at(points, n) + 64 * 1024  # the seed folder's own files and folders
        with small_tmpfs(fs, size):
            shutil.copytree(Path(str(reference["seed"])), fs, dirs_exist_ok=True)
            full = run_mf(["make", TEXT, "--out", str(fs), *TINY], home=warm_home)
            assert full.code == 3 and one_line_error(full.stderr), (name, full.code, full.stderr[-500:])
            assert f"no space left on {fs}" in full.stderr and "needs about" in full.stderr, full.stderr
            subprocess.run(["mount", "-o", "remount,size=200m", str(fs)], check=True)
            ok, why = _resume_matches(reference, fs, warm_home)
            assert ok, (name, why)


@pytest.mark.slow
def test_a_report_that_cannot_be_written_is_a_warning(
    reference: dict[str, object], warm_home: Path, tmp_path: Path
) -> None:
    points = reference["points"]
    assert isinstance(points, list)
    (n,) = [int(str(p["n"])) for p in points if Path(str(p["target"])).name == "report.html"]
    out = tmp_path / "out"
    shutil.copytree(Path(str(reference["seed"])), out)
    run = run_mf(
        ["make", TEXT, "--out", str(out), *TINY],
        home=warm_home,
        hook=Path(str(reference["hook"])),
        fault=f"enospc:{n}",
        log=tmp_path / "log",
    )
    assert run.code == 0, run.stderr
    res = json.loads(run.stdout)
    assert res["report"] is None and any(w.startswith("report: no space left on") for w in res["warnings"])
    assert digest(Path(res["movie"])) == reference["movie"]


@pytest.mark.slow
def test_a_first_use_killed_mid_render_then_four_first_uses_at_once(tmp_path: Path) -> None:
    """SIGKILL while the built-in library is being synthesised, then four processes start on that home at
    the same moment: all four succeed (one renders and indexes, three wait and find it done), and the killed
    render's half-made folder is gone."""
    import sys

    home = tmp_path / "home"
    env = {**os.environ, "MOVIEFACTORY_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "moviefactory", "library", "search", "thunder", "--kind", "effect"]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 300
    while time.time() < deadline and not list((home / "sound").glob(".builtin-*/effect/*.flac")):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert [p for p in (home / "sound").glob(".builtin-*") if p.is_dir()], (
        "the kill came too late to test anything"
    )
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=900) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [e[-400:] for _, e in outs]
    assert len({o for o, _ in outs}) == 1  # all four see the same library
    assert not [p.name for p in (home / "sound").glob(".builtin-*") if p.is_dir()]


@pytest.mark.slow
def test_render_workers_die_with_a_killed_parent(
    reference: dict[str, object], warm_home: Path, tmp_path: Path
) -> None:
    import sys

    out = tmp_path / "out"
    shutil.copytree(Path(str(reference["seed"])), out)
    args = ["make", TEXT, "--out", str(out), *TINY[:-3], "--workers", "2"]
    env = {**os.environ, "MOVIEFACTORY_HOME": str(warm_home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moviefactory", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    children: set[int] = set()
    deadline = time.time() + 300
    while time.time() < deadline and len(children) < 2:
        children = _children(proc.pid)
        time.sleep(0.1)
    assert len(children) >= 2, "no workers started"
    os.kill(proc.pid, signal.SIGKILL)  # the parent alone, as a killed `serve` or `make` would be
    proc.wait()
    time.sleep(2.0)
    alive = [pid for pid in children if _alive(pid)]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not alive, f"workers outlived their parent: {alive}"


def _children(pid: int) -> set[int]:
    """Pool workers of `pid` (spawned interpreters running spawn_main; not the resource tracker)."""
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
            if int(fields[1]) == pid and b"spawn_main" in cmdline:
                kids.add(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["t:mp it's back\\slash a,b[c];d"])
def test_burned_subtitles_under_hostile_folder_names(
    reference: dict[str, object], warm_home: Path, tmp_path: Path, name: str
) -> None:
    weird = tmp_path / name
    tmpdir = weird / "tmp"
    tmpdir.mkdir(parents=True)
    out = weird / "movies"
    shutil.copytree(Path(str(reference["seed"])), out)
    run = run_mf(
        ["make", TEXT, "--out", str(out), *TINY, "--burn-subtitles"],
        home=warm_home,
        env={"TMPDIR": str(tmpdir)},
    )
    assert run.code == 0, run.stderr[-500:]
    assert not list(tmpdir.iterdir()) or all(p.name.startswith("torchinductor") for p in tmpdir.iterdir())
    res = json.loads(run.stdout)
    assert not leftovers(Path(res["folder"]))
    assert digest(Path(res["movie"])) != reference["movie"]  # the subtitles are in the picture
