"""Studio jobs in child processes: progress comes back, errors are one line, cancel ends the whole process
tree, and a server killed with SIGKILL leaves no renderer behind; its job resumes in the next server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from browser_jobs import colour_of
from web_fixtures import make_folder

from moviefactory.media import read_frames
from moviefactory.progress import Reporter
from moviefactory.web.jobs import Job, JobQueue, read_jobs
from moviefactory.web.worker import ProcessRunner
from moviefactory.workspace import Workspace

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="process groups and /proc: Linux"
)


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a reaper (a container's pid 1 may never reap)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def wait_for(cond: Any, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.05)


def runner(tmp_path: Path, target: str, **config: Any) -> ProcessRunner:
    return ProcessRunner(f"browser_jobs:{target}", config, log_dir=tmp_path / "logs")


def test_a_job_runs_in_a_child_and_reports_progress(tmp_path: Path) -> None:
    out = tmp_path / "movies"
    r = runner(tmp_path, "studio_job", out=str(out), frame_s=0.0)
    with JobQueue(tmp_path / "jobs.sqlite", r, start_worker=False) as q:
        job = q.submit("make", {"text": "two kites", "seed": 3, "scenes": 3}, slug="two-kites")
        done = q.run_next()
        assert done is not None and done.state == "done", done.error if done else None
        assert done.result is not None and done.result["slug"] == "two-kites"
        tasks = done.progress["tasks"]
        assert tasks["picture"]["completed"] == tasks["picture"]["total"] == 3
        assert tasks["scene:s02"] == {"label": "s02", "completed": 8.0, "total": 8.0}  # 1 s at 8 fps
        assert done.progress["fraction"] == 1.0 and job.id == done.id
    ws = Workspace.open(out / "two-kites")
    movie = ws.load_script()
    frames = read_frames(ws.path("scenes/s02/clip.mp4"))
    assert abs(frames[3].reshape(-1, 3).mean(0) - colour_of(movie.scenes[1].prompt)).max() < 8


def test_errors_come_back_as_one_line(tmp_path: Path) -> None:
    r = runner(tmp_path, "studio_job", out=str(tmp_path / "movies"))
    with JobQueue(tmp_path / "jobs.sqlite", r, start_worker=False) as q:
        q.submit("render", {"folder": "missing", "scenes": []}, slug="missing")
        failed = q.run_next()
        assert failed is not None and failed.state == "failed"
        assert failed.error is not None and "\n" not in failed.error and "missing" in failed.error
    bad = ProcessRunner("browser_jobs:no_such_function", {}, log_dir=tmp_path / "logs")
    with JobQueue(tmp_path / "jobs2.sqlite", bad, start_worker=False) as q:
        q.submit("make", {"text": "x", "seed": 0}, slug="x")
        failed = q.run_next()
        assert failed is not None and failed.error == (
            "internal error: AttributeError: module 'browser_jobs' has no attribute 'no_such_function'"
        )
    assert "Traceback" in (tmp_path / "logs" / "job-1.log").read_text()  # the details stay in the log


def test_cancel_ends_the_running_job_and_its_process_tree(tmp_path: Path) -> None:
    pids_file = tmp_path / "pids.json"
    r = runner(tmp_path, "slow_job", pids=str(pids_file))
    with JobQueue(tmp_path / "jobs.sqlite", r, start_worker=True, poll_s=0.1) as q:
        job = q.submit("make", {"text": "slow", "seed": 0}, slug="slow")
        wait_for(pids_file.exists)
        pids = json.loads(pids_file.read_text())
        assert alive(pids["child"]) and alive(pids["grandchild"])
        assert q.get(job.id).state == "running"  # type: ignore[union-attr]
        t0 = time.monotonic()
        assert q.cancel(job.id).cancel_requested  # type: ignore[union-attr]
        wait_for(lambda: q.get(job.id).state == "cancelled")  # type: ignore[union-attr]
        assert time.monotonic() - t0 < 5
        wait_for(lambda: not alive(pids["child"]) and not alive(pids["grandchild"]), timeout=5)
        assert "cancelled" in (q.get(job.id).error or "")  # type: ignore[union-attr]


SERVER = """
import sys, time
from pathlib import Path
from moviefactory.web.jobs import JobQueue
from moviefactory.web.worker import ProcessRunner
tmp = Path(sys.argv[1])
r = ProcessRunner("browser_jobs:slow_job", {"pids": str(tmp / "pids.json")}, log_dir=tmp / "logs")
q = JobQueue(tmp / "jobs.sqlite", r, start_worker=True, poll_s=0.1)
if not q.requeued:
    q.submit("make", {"text": "slow", "seed": 0}, slug="slow")
time.sleep(600)
"""


def test_a_killed_server_leaves_no_renderer_and_its_job_resumes(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    server = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SERVER), str(tmp_path)], env=env)
    try:
        wait_for(lambda: (tmp_path / "pids.json").exists())
        pids = json.loads((tmp_path / "pids.json").read_text())
        assert alive(pids["child"]) and alive(pids["grandchild"])
        server.send_signal(signal.SIGKILL)  # no clean-up code runs in the server
        server.wait(10)
        wait_for(lambda: not alive(pids["child"]) and not alive(pids["grandchild"]), timeout=5)
    finally:
        if server.poll() is None:
            server.kill()
    [job] = read_jobs(tmp_path / "jobs.sqlite")
    assert job.state == "running" and job.attempts == 1  # as the dead server left it

    def quick(job: Job, reporter: Reporter) -> dict[str, Any]:
        return {"slug": job.slug}

    with JobQueue(tmp_path / "jobs.sqlite", quick, start_worker=False) as q:
        assert q.requeued == [job.id]
        assert q.get(job.id).to_json()["resumed"] is False  # type: ignore[union-attr]  # not yet running again
        done = q.run_next()
        assert done is not None and done.state == "done" and done.attempts == 2
        assert done.to_json()["resumed"] is True  # the page says "resumed after restart (attempt 2)"


def test_the_pipeline_runner_target_makes_a_real_movie_folder_layout(tmp_path: Path) -> None:
    """run_pipeline_job gets the server's settings through the child's stdin and answers with names only."""
    from moviefactory.config import Settings

    out = tmp_path / "movies"
    ws = make_folder(out, settings=Settings(out=out).fingerprint())
    r = ProcessRunner(
        "moviefactory.web.app:run_pipeline_job",
        {"settings": {**Settings(out=out).model_dump(mode="json"), "picture": "no-such-backend"}},
        log_dir=tmp_path / "logs",
    )
    with JobQueue(tmp_path / "jobs.sqlite", r, start_worker=False) as q:
        q.submit("make", {"text": ws.manifest.request, "seed": 0}, slug=ws.root.name)
        failed = q.run_next()
    assert failed is not None and failed.state == "failed"
    assert failed.error is not None and "no-such-backend" in failed.error and "\n" not in failed.error


def test_a_stopping_server_ends_the_render_and_leaves_the_job_to_resume(tmp_path: Path) -> None:
    pids_file = tmp_path / "pids.json"
    q = JobQueue(tmp_path / "jobs.sqlite", runner(tmp_path, "slow_job", pids=str(pids_file)), poll_s=0.1)
    job = q.submit("make", {"text": "slow", "seed": 0}, slug="slow")
    wait_for(pids_file.exists)
    pids = json.loads(pids_file.read_text())
    t0 = time.monotonic()
    q.close()  # what the app's lifespan does on Ctrl-C
    assert time.monotonic() - t0 < 5
    wait_for(lambda: not alive(pids["child"]) and not alive(pids["grandchild"]), timeout=5)
    [row] = read_jobs(tmp_path / "jobs.sqlite")
    assert row.id == job.id and row.state == "running" and row.error is None  # not failed, not cancelled
    with JobQueue(tmp_path / "jobs.sqlite", lambda j, r: {}, start_worker=False) as again:
        assert again.requeued == [job.id]
