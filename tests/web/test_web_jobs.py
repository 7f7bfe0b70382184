"""The studio's job queue: ordering, results and errors, progress records, and surviving a killed server."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from moviefactory.errors import InputError, WorkspaceError
from moviefactory.progress import Reporter
from moviefactory.web.jobs import MAX_ATTEMPTS, Job, JobQueue, JobReporter, read_jobs


def echo_runner(job: Job, reporter: Reporter) -> dict[str, Any]:
    """A tiny job: walks the stages the pipeline reports and returns its params."""
    reporter.start("script", "writing the script", 1)
    reporter.finish("script")
    reporter.start("picture", "picture (test)", 2)
    reporter.update("picture", 1)
    reporter.note("half way")
    reporter.update("picture", 2)
    reporter.finish("picture")
    return {"echo": job.params, "kind": job.kind}


def wait_for(cond: Any, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_submit_list_and_run_in_order(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "jobs.sqlite", echo_runner, start_worker=False) as q:
        a = q.submit("make", {"text": "first", "seed": 0}, slug="first-1")
        b = q.submit("render", {"folder": "first-1", "scenes": ["s01"]}, slug="first-1")
        assert (a.state, b.state) == ("queued", "queued")
        assert [j.id for j in q.list()] == [b.id, a.id]  # newest first
        assert q.latest_for("first-1").id == b.id  # both active: the newest

        assert q.claim_next().id == a.id  # oldest first
        assert q.latest_for("first-1").id == a.id  # a running job wins over a queued one
        q._set(a.id, state="queued")  # put it back to run it through run_next
        done = q.run_next()
        assert done is not None and done.id == a.id and done.state == "done"
        assert done.result == {"echo": {"text": "first", "seed": 0}, "kind": "make"}
        assert done.attempts == 2 and done.started is not None and done.finished >= done.started
        assert done.progress["fraction"] == 1.0
        assert done.progress["tasks"]["picture"] == {
            "label": "picture (test)",
            "completed": 2.0,
            "total": 2.0,
        }
        assert done.progress["notes"] == ["half way"]
        assert q.get(b.id).state == "queued"
        assert q.run_next().id == b.id
        assert q.run_next() is None
        assert q.get(12345) is None


def test_latest_for_prefers_the_active_job(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "jobs.sqlite", echo_runner, start_worker=False) as q:
        a = q.submit("make", {"text": "x", "seed": 0}, slug="x")
        q.run_next()
        assert q.latest_for("x").id == a.id and q.latest_for("x").state == "done"
        b = q.submit("render", {"folder": "x", "scenes": []}, slug="x")
        assert q.latest_for("x").id == b.id
        assert q.latest_for("nothing") is None


def test_identical_active_job_is_not_duplicated(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "jobs.sqlite", echo_runner, start_worker=False) as q:
        a = q.submit("render", {"folder": "m", "scenes": ["s01"]}, slug="m")
        assert (
            q.submit("render", {"scenes": ["s01"], "folder": "m"}, slug="m").id == a.id
        )  # key order ignored
        other = q.submit("render", {"folder": "m", "scenes": ["s02"]}, slug="m")
        assert other.id != a.id
        q.run_next()
        again = q.submit("render", {"folder": "m", "scenes": ["s01"]}, slug="m")  # the first one is done now
        assert again.id not in (a.id, other.id)


def test_errors_become_one_line_failures(tmp_path: Path) -> None:
    def runner(job: Job, reporter: Reporter) -> dict[str, Any]:
        reporter.start("picture", "picture", 4)
        reporter.update("picture", 1)
        if job.params["how"] == "input":
            raise InputError("scene s01: duration_s must be > 0, got -1")
        raise ValueError("boom\nsecond line of a long story")

    with JobQueue(tmp_path / "jobs.sqlite", runner, start_worker=False) as q:
        q.submit("make", {"how": "input"})
        q.submit("make", {"how": "bug"})
        first, second = q.run_next(), q.run_next()
    assert first.state == "failed" and first.error == "scene s01: duration_s must be > 0, got -1"
    assert first.result is None
    assert first.progress["tasks"]["picture"]["completed"] == 1.0  # progress up to the failure is kept
    assert second.state == "failed" and second.error == "internal error: ValueError: boom"


def test_worker_thread_runs_jobs_submitted_later(tmp_path: Path) -> None:
    seen: list[int] = []

    def runner(job: Job, reporter: Reporter) -> dict[str, Any]:
        seen.append(job.params["n"])
        return {"n": job.params["n"]}

    q = JobQueue(tmp_path / "jobs.sqlite", runner, poll_s=30.0)  # a long poll: submit must wake the worker
    try:
        ids = [q.submit("make", {"n": n}).id for n in range(3)]
        wait_for(lambda: all(q.get(i).state == "done" for i in ids), timeout=5)
        assert seen == [0, 1, 2]  # one at a time, oldest first
    finally:
        q.close()


def test_progress_is_visible_while_a_job_runs(tmp_path: Path) -> None:
    gate = threading.Event()

    def runner(job: Job, reporter: Reporter) -> dict[str, Any]:
        reporter.start("script", "script", 1)
        reporter.finish("script")
        reporter.start("picture", "picture (test)", 10)
        reporter.update("picture", 5)
        reporter.finish("ignored-unknown-key")
        gate.wait(5)
        return {}

    q = JobQueue(tmp_path / "jobs.sqlite", runner)
    try:
        job = q.submit("make", {})
        wait_for(lambda: q.get(job.id).progress.get("stage") == "picture")
        running = q.get(job.id)
        assert running.state == "running"
        # script (weight 1 of 20) is complete, picture (14 of 20) is at least started
        assert 1 / 20 <= running.progress["fraction"] <= (1 + 14 * 0.5) / 20 + 1e-9
        assert running.progress["label"] == "picture (test)"
        gate.set()
        wait_for(lambda: q.get(job.id).state == "done")
    finally:
        gate.set()
        q.close()


def test_job_reporter_fraction_is_monotonic_and_saves_are_throttled() -> None:
    saves: list[dict[str, Any]] = []
    rep = JobReporter(lambda p: saves.append(json.loads(json.dumps(p))), min_interval_s=60.0)
    fractions: list[float] = []
    rep.start("script", "script", 1)
    rep.finish("script")
    fractions.append(rep.progress["fraction"])
    rep.start("picture", "picture", 3)
    for s in ("s01", "s02", "s03"):
        rep.start(f"scene:{s}", s, 48)
        for frame in range(48):
            rep.update(f"scene:{s}", frame + 1)  # 144 per-frame updates: throttled, not saved one by one
            if (s, frame) == ("s01", 23):  # half of the first of three scenes: frames count, not only scenes
                assert rep.progress["fraction"] == pytest.approx((1 + 14 * 0.5 / 3) / 20, abs=1e-4)
        rep.finish(f"scene:{s}")
        rep.update("picture", int(s[-1]))
        fractions.append(rep.progress["fraction"])
    rep.finish("picture")
    rep.start("compose", "compose", 1)  # sound skipped (all current): counted as complete
    fractions.append(rep.progress["fraction"])
    rep.finish("compose")
    fractions.append(rep.progress["fraction"])
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert fractions[-2] == pytest.approx(18 / 20)
    assert len(saves) < 20  # only starts and finishes were saved (interval 60 s)
    assert saves[-1]["tasks"]["scene:s02"]["completed"] == 48.0
    for n in range(30):
        rep.note(f"note {n}")
    assert rep.progress["notes"][0] == "note 10" and len(rep.progress["notes"]) == JobReporter.NOTES


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from moviefactory.web.jobs import JobQueue

    def runner(job, reporter):
        reporter.start("picture", "picture", 2)
        reporter.update("picture", 1)
        Path(sys.argv[2]).write_text(str(job.id))  # tell the test we are mid-job
        time.sleep(120)  # a long render; the test kills us here
        return {}

    q = JobQueue(Path(sys.argv[1]), runner)
    q.submit("make", {"text": "survives a crash", "seed": 3}, slug="survives")
    time.sleep(120)
    """
)


def test_a_job_left_running_by_a_killed_server_is_requeued(tmp_path: Path) -> None:
    db, marker = tmp_path / "jobs.sqlite", tmp_path / "started"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(marker)], env=env)
    try:
        wait_for(marker.exists, timeout=30)
        job_id = int(marker.read_text())
        # while that server lives, nobody else may open its queue (it would steal a running job)
        with pytest.raises(WorkspaceError, match="in use by another"):
            JobQueue(db, echo_runner, start_worker=False)
        [row] = read_jobs(db)
        assert row.state == "running" and row.progress["tasks"]["picture"]["completed"] == 1.0
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)

    with JobQueue(db, echo_runner, start_worker=False) as q:
        assert q.requeued == [job_id]
        job = q.get(job_id)
        assert job.state == "queued" and job.attempts == 1
        done = q.run_next()
        assert done.id == job_id and done.state == "done" and done.attempts == 2
        assert done.result["echo"] == {"text": "survives a crash", "seed": 3}


def test_a_job_that_keeps_killing_the_server_fails(tmp_path: Path) -> None:
    db = tmp_path / "jobs.sqlite"
    with JobQueue(db, echo_runner, start_worker=False) as q:
        job = q.submit("make", {"text": "x"})
    with sqlite3.connect(db) as c:  # as a server dying mid-job for the third time leaves it
        c.execute("UPDATE jobs SET state='running', attempts=? WHERE id=?", (MAX_ATTEMPTS, job.id))
    with JobQueue(db, echo_runner, start_worker=False) as q:
        assert q.requeued == []
        failed = q.get(job.id)
        assert failed.state == "failed" and f"interrupted {MAX_ATTEMPTS} times" in failed.error
        assert q.run_next() is None


def test_queue_position_and_estimate_come_from_recent_runs(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "jobs.sqlite", echo_runner, start_worker=False) as q:
        first = q.submit("make", {"text": "a", "seed": 0}, slug="a")
        assert q.annotate([first])[0].eta_s is None  # no history: no made-up number
        q.run_next()
        # history: make jobs take 40 s and 60 s (median 60 of two: the upper one), render 10 s
        for kind, secs in (("make", 40.0), ("make", 60.0), ("render", 10.0)):
            j = q.submit(kind, {"text": kind, "seed": int(secs)}, slug=kind)
            q._set(j.id, state="done", started=1000.0, finished=1000.0 + secs)
        q._set(first.id, state="failed")  # only finished-done jobs count
        running = q.submit("make", {"text": "now", "seed": 1}, slug="now")
        q.claim_next()
        q._set(running.id, started=time.time() - 20)  # 20 s into a ~60 s run
        r = q.submit("render", {"folder": "x", "scenes": []}, slug="x")
        m = q.submit("make", {"text": "later", "seed": 2}, slug="later")
        now, ren, mk = q.annotate([q.get(running.id), q.get(r.id), q.get(m.id)])  # type: ignore[list-item]
        assert now.position is None and now.eta_s == pytest.approx(40, abs=2)
        assert ren.position == 1 and ren.eta_s == pytest.approx(50, abs=2)  # 40 left + 10
        assert mk.position == 2 and mk.eta_s == pytest.approx(110, abs=2)  # + 60


def test_cancel_reaches_an_in_process_runner_at_its_next_progress_call(tmp_path: Path) -> None:
    started = threading.Event()

    def runner(job: Job, reporter: Reporter) -> dict[str, Any]:
        reporter.start("picture", "picture", 100)
        started.set()
        for i in range(1000):
            time.sleep(0.01)
            reporter.update("picture", i)
        return {}

    with JobQueue(tmp_path / "jobs.sqlite", runner, poll_s=0.1) as q:
        job = q.submit("make", {"text": "x", "seed": 0}, slug="x")
        assert started.wait(10)
        assert q.cancel(job.id).cancel_requested  # type: ignore[union-attr]
        wait_for(lambda: q.get(job.id).state == "cancelled")  # type: ignore[union-attr]
        assert q.get(job.id).progress["tasks"]["picture"]["completed"] < 999  # type: ignore[union-attr]


def test_a_restarted_task_does_not_move_the_bar_back() -> None:
    rep = JobReporter(lambda p: None)
    rep.start("script", "script: loading", 3)
    rep.update("script", 2)
    warm = rep.progress["fraction"]
    assert warm == pytest.approx(2 / 3 / 20, abs=1e-4)
    rep.start("script", "writing the script", 1)  # the pipeline's own script step starts from 0
    assert rep.progress["fraction"] == warm
    rep.finish("script")
    assert rep.progress["fraction"] == pytest.approx(1 / 20)
