"""The studio's job queue: rows in SQLite, one worker thread, safe across server restarts.

One worker runs jobs one at a time: a run takes its movie folder's lock and all CPU cores (or the GPU), so
two runs at once would only slow each other down or collide on a folder. A job left "running" by a server
that died is queued again when the next server opens the database; the pipeline resumes in the same folder
and reuses every finished artifact, so a re-run repeats only the interrupted work. The database is guarded
by a lock file (flock, released by the OS when a process dies), so two live servers never share one queue and
"running" in the database always means "running in the process that holds the lock".
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from moviefactory.errors import MovieFactoryError
from moviefactory.progress import Reporter
from moviefactory.workspace import sqlite_transaction, try_flock

log = logging.getLogger("moviefactory.web")

JobKind = Literal["make", "render", "library"]
JobState = Literal["queued", "running", "done", "failed", "cancelled"]
ACTIVE: tuple[JobState, ...] = ("queued", "running")
FINISHED: tuple[JobState, ...] = ("done", "failed", "cancelled")
MAX_ATTEMPTS = 3  # a job that was interrupted this many times (e.g. it keeps killing the server) fails
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT NOT NULL,
    params    TEXT NOT NULL,          -- JSON: make {text, seed, settings…}; render {folder, scenes?}; library {kind, file, …}
    slug      TEXT,                   -- the movie folder's name under settings.out
    state     TEXT NOT NULL,          -- queued | running | done | failed | cancelled
    progress  TEXT NOT NULL DEFAULT '{}',
    result    TEXT,                   -- JSON: MakeResult.to_json() + slug
    error     TEXT,                   -- one line
    created   REAL NOT NULL,          -- unix seconds
    started   REAL,
    finished  REAL,
    attempts  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id);
"""


@dataclass
class Job:
    id: int
    kind: JobKind
    params: dict[str, Any]
    slug: str | None
    state: JobState
    progress: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str | None = None
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    attempts: int = 0
    # Filled by JobQueue.annotate for the page (not stored): place in the queue (1 = next) and the expected
    # seconds until this job finishes, from the durations of recent jobs of the same kind (None: no history).
    position: int | None = None
    eta_s: float | None = None
    cancel_requested: bool = False

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        return cls(
            id=row["id"],
            kind=row["kind"],
            params=json.loads(row["params"]),
            slug=row["slug"],
            state=row["state"],
            progress=json.loads(row["progress"] or "{}"),
            result=json.loads(row["result"]) if row["result"] else None,
            error=row["error"],
            created=row["created"],
            started=row["started"],
            finished=row["finished"],
            attempts=row["attempts"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "params": self.params,
            "slug": self.slug,
            "state": self.state,
            "progress": self.progress,
            "result": self.result,
            "error": self.error,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "attempts": self.attempts,
            # claimed more than once: an earlier server stopped while it ran, and this run resumes it
            "resumed": self.attempts > 1,
            "position": self.position,
            "eta_s": self.eta_s,
            "cancel_requested": self.cancel_requested,
        }


# A runner does the work of one job and returns its JSON result; it raises MovieFactoryError for failures
# a user can act on. The production runner (worker.ProcessRunner) runs each job in a child process, so a
# cancel or a dying server ends the whole render tree. A runner with a `cancel(job_id)` method is told when
# a running job is cancelled; any runner's reporter raises JobCancelled at its next progress call.
Runner = Callable[[Job, Reporter], dict[str, Any]]


class JobCancelled(MovieFactoryError):
    """The user cancelled the job while it ran."""


class JobReporter:
    """A `progress.Reporter` that keeps a job's progress as a JSON dict and hands it to `save`.

    progress = {"stage": key of the latest stage, "label": its label, "fraction": 0..1 for the whole run,
                "tasks": {key: {"label", "completed", "total"}}, "notes": [last NOTES messages]}
    The overall fraction weighs the pipeline's stages by their usual share of a run's time; stages before
    the latest one count as complete (a stage whose artifacts were all current never starts). Saves are
    throttled to one per `min_interval_s` except on start/finish/note and stage steps, so the per-frame
    updates of each scene stay cheap.
    """

    STAGE_WEIGHTS: tuple[tuple[str, float], ...] = (("script", 1.0), ("picture", 14.0), ("sound", 3.0),
                                                    ("compose", 2.0))  # fmt: skip
    NOTES = 20

    def __init__(
        self,
        save: Callable[[dict[str, Any]], None],
        *,
        min_interval_s: float = 0.25,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        self._save = save
        self._cancelled = cancelled
        self._min_interval_s = min_interval_s
        self._last_save = 0.0
        self._stages = dict(self.STAGE_WEIGHTS)
        self.progress: dict[str, Any] = {
            "stage": None,
            "label": "",
            "fraction": 0.0,
            "tasks": {},
            "notes": [],
        }

    def start(self, key: str, label: str, total: float) -> None:
        self._check()
        self.progress["tasks"][key] = {"label": label.strip(), "completed": 0.0, "total": float(total)}
        if key in self._stages:
            self.progress["stage"], self.progress["label"] = key, label.strip()
        self._flush(force=True)

    def update(self, key: str, completed: float, total: float | None = None) -> None:
        self._check()
        task = self.progress["tasks"].get(key)
        if task is None:
            return
        task["completed"] = float(completed)
        if total is not None:
            task["total"] = float(total)
        self._flush(force=key in self._stages)  # stage steps are few; per-frame scene updates are throttled

    def finish(self, key: str) -> None:
        task = self.progress["tasks"].get(key)
        if task is not None:
            task["completed"] = task["total"] = max(task["total"], 1.0)
        self._flush(force=True)

    def note(self, message: str) -> None:
        self._check()
        self.progress["notes"] = [*self.progress["notes"], message][-self.NOTES :]
        self._flush(force=True)

    def _check(self) -> None:
        if self._cancelled():
            raise JobCancelled("cancelled")

    def _fraction(self) -> float:
        stage = self.progress["stage"]
        if stage is None:
            return 0.0
        names = [name for name, _ in self.STAGE_WEIGHTS]
        total = sum(w for _, w in self.STAGE_WEIGHTS)
        done = sum(w for name, w in self.STAGE_WEIGHTS[: names.index(stage)])
        tasks = self.progress["tasks"]
        part = _part(tasks[stage])
        scenes = [_part(t) for k, t in tasks.items() if k.startswith("scene:")]
        if stage == "picture" and scenes:  # frames rendered so far, not only finished scenes
            part = max(part, sum(scenes) / max(tasks[stage]["total"], len(scenes)))
        return round((done + self._stages[stage] * part) / total, 4)

    def _flush(self, *, force: bool = False) -> None:
        # never backwards within a run: a stage that restarts a task (the script after its warm-up steps)
        # must not make the bar jump back
        self.progress["fraction"] = max(self.progress["fraction"], self._fraction())
        now = time.monotonic()
        if force or now - self._last_save >= self._min_interval_s:
            self._last_save = now
            self._save(self.progress)


def _part(task: dict[str, float]) -> float:
    return min(1.0, task["completed"] / task["total"]) if task["total"] > 0 else 0.0


JobList = list[Job]  # (JobQueue has a method named `list`)


class JobQueue:
    """Jobs in `db` (SQLite); `runner` does each job's work on one worker thread.

    Opening the queue takes the database's lock (WorkspaceError if another server holds it) and puts jobs
    left "running" by a dead server back in the queue. `start_worker=False` opens the queue without running
    anything (the web app starts the worker with its lifespan; tests drive `run_next` themselves).
    """

    def __init__(self, db: Path, runner: Runner, *, start_worker: bool = True, poll_s: float = 2.0) -> None:
        self.db = Path(db)
        self.runner = runner
        self.poll_s = poll_s
        self.db.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd: int | None = self._take_lock()
        self._mutex = threading.Lock()  # one connection, shared by the request threads and the worker
        self._conn = sqlite3.connect(self.db, check_same_thread=False, isolation_level=None, timeout=10)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)
        self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._cancel: set[int] = set()  # running jobs the user cancelled (the runner is stopping them)
        self._running: int | None = None
        self._thread: threading.Thread | None = None
        self.requeued = self._requeue_interrupted()
        if start_worker:
            self.start()

    # -- lifecycle -----------------------------------------------------------------------------------------
    def _take_lock(self) -> int:
        return try_flock(
            self.db.with_name(self.db.name + ".lock"),
            busy=f"{self.db} is in use by another `moviefactory serve`",
        )

    def _requeue_interrupted(self) -> list[int]:
        """Jobs marked running belong to a dead server (we hold the lock): queue them again, or fail them
        once they were interrupted MAX_ATTEMPTS times."""
        with self._tx() as c:
            rows = c.execute("SELECT id, attempts FROM jobs WHERE state = 'running'").fetchall()
            again = [r["id"] for r in rows if r["attempts"] < MAX_ATTEMPTS]
            for r in rows:
                if r["attempts"] >= MAX_ATTEMPTS:
                    c.execute(
                        "UPDATE jobs SET state='failed', finished=?, error=? WHERE id=?",
                        (
                            time.time(),
                            f"interrupted {r['attempts']} times (the server stopped while it ran); "
                            "not retried",
                            r["id"],
                        ),
                    )
            c.executemany("UPDATE jobs SET state='queued' WHERE id=?", [(i,) for i in again])
        if again:
            log.info("re-queued jobs interrupted by a previous server: %s", again)
        return again

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._work, name="moviefactory-jobs", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 2.0) -> None:
        """Stop taking jobs. A job still running after `timeout` keeps its thread (a render cannot be
        interrupted safely); the process exits around it and the next server re-queues it."""
        self._stop.set()
        self._wake.set()
        stop = getattr(self.runner, "shutdown", None)
        if stop is not None:  # a child-process runner ends its render tree; the job is resumed next start
            stop()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return  # keep the database and its lock for the running job until the process exits
        with self._mutex:
            self._conn.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def __enter__(self) -> JobQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._mutex, sqlite_transaction(self._conn) as conn:
            yield conn

    # -- queries -------------------------------------------------------------------------------------------
    def submit(self, kind: JobKind, params: dict[str, Any], *, slug: str | None = None) -> Job:
        """Queue a job; an identical job (same kind, params and folder) still queued or running is returned
        instead of a duplicate, so a double click does not render twice."""
        blob = json.dumps(params, sort_keys=True)
        with self._tx() as c:
            row = c.execute(
                "SELECT * FROM jobs WHERE kind=? AND params=? AND slug IS ? AND state IN (?, ?) "
                "ORDER BY id LIMIT 1",
                (kind, blob, slug, *ACTIVE),
            ).fetchone()
            if row is None:
                cur = c.execute(
                    "INSERT INTO jobs (kind, params, slug, state, created) VALUES (?, ?, ?, 'queued', ?)",
                    (kind, blob, slug, time.time()),
                )
                row = c.execute("SELECT * FROM jobs WHERE id=?", (cur.lastrowid,)).fetchone()
        self._wake.set()
        return Job.from_row(row)

    def get(self, job_id: int) -> Job | None:
        with self._mutex:
            row = self._conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        return Job.from_row(row) if row else None

    def list(self, *, limit: int = 50) -> list[Job]:
        """Newest first."""
        with self._mutex:
            rows = self._conn.execute("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [Job.from_row(r) for r in rows]

    def active_for(self, slug: str) -> JobList:
        with self._mutex:
            rows = self._conn.execute(
                "SELECT * FROM jobs WHERE slug=? AND state IN (?, ?) ORDER BY id", (slug, *ACTIVE)
            ).fetchall()
        return [Job.from_row(r) for r in rows]

    def annotate(self, jobs: JobList) -> JobList:
        """Fill each job's queue position, ETA and cancel flag (see Job)."""
        with self._mutex:
            queued = [
                r["id"] for r in self._conn.execute("SELECT id FROM jobs WHERE state='queued' ORDER BY id")
            ]
            running = self._conn.execute("SELECT * FROM jobs WHERE state='running' LIMIT 1").fetchone()
            past = self._conn.execute(
                "SELECT kind, finished - started AS secs FROM jobs WHERE state='done' "
                "AND started IS NOT NULL ORDER BY id DESC LIMIT 40"
            ).fetchall()
        typical: dict[str, float] = {}
        for kind in ("make", "render"):
            secs = sorted(r["secs"] for r in past if r["kind"] == kind)
            if secs:
                typical[kind] = secs[len(secs) // 2]  # the median: one odd job does not move it much
        kinds = {j.id: j.kind for j in jobs}
        with self._mutex:
            for jid in queued:
                if jid not in kinds:
                    row = self._conn.execute("SELECT kind FROM jobs WHERE id=?", (jid,)).fetchone()
                    kinds[jid] = row["kind"] if row else "make"
        # seconds until the running job ends, then each queued job's typical length in order
        clock: float | None = 0.0
        if running is not None:
            t = typical.get(running["kind"])
            clock = None if t is None else max(0.0, t - (time.time() - (running["started"] or time.time())))
        ends: dict[int, float | None] = {}
        for jid in queued:
            t = typical.get(kinds[jid])
            clock = None if clock is None or t is None else clock + t
            ends[jid] = clock
        for job in jobs:
            job.cancel_requested = job.id in self._cancel
            if job.state == "queued":
                job.position = queued.index(job.id) + 1 if job.id in queued else None
                eta = ends.get(job.id)
                job.eta_s = None if eta is None else round(eta, 1)
            elif job.state == "running" and job.kind in typical:
                job.eta_s = round(
                    max(0.0, typical[job.kind] - (time.time() - (job.started or time.time()))), 1
                )
        return jobs

    def cancel(self, job_id: int) -> Job | None:
        """Cancel a queued job at once, or ask the runner to stop a running one (its row turns 'cancelled'
        when the runner has stopped). A finished job is returned unchanged; None when there is no such job."""
        with self._tx() as c:
            row = c.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
            if row is None:
                return None
            if row["state"] == "queued":
                c.execute(
                    "UPDATE jobs SET state='cancelled', finished=?, error=? WHERE id=?",
                    (time.time(), "cancelled before it started", job_id),
                )
            elif row["state"] == "running":
                self._cancel.add(job_id)
        if row["state"] == "running":
            stop = getattr(self.runner, "cancel", None)
            if stop is not None:
                stop(job_id)
        job = self.get(job_id)
        return self.annotate([job])[0] if job is not None else None

    def delete(self, job_id: int) -> Job | None:
        """Forget a finished job (its movie folder stays). An active job is returned unchanged (cancel it
        first); None when there is no such job."""
        with self._tx() as c:
            row = c.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
            if row is not None and row["state"] in FINISHED:
                c.execute("DELETE FROM jobs WHERE id=?", (job_id,))
        return Job.from_row(row) if row is not None else None

    def latest_for(self, slug: str) -> Job | None:
        """The folder's running job, else its newest queued job, else its newest job."""
        with self._mutex:
            row = self._conn.execute(
                "SELECT * FROM jobs WHERE slug=? ORDER BY state = 'running' DESC, state = 'queued' DESC, id DESC LIMIT 1",
                (slug,),
            ).fetchone()
        return Job.from_row(row) if row else None

    # -- running -------------------------------------------------------------------------------------------
    def claim_next(self) -> Job | None:
        """Mark the oldest queued job running and return it (None when the queue is empty)."""
        with self._tx() as c:
            row = c.execute("SELECT id FROM jobs WHERE state='queued' ORDER BY id LIMIT 1").fetchone()
            if row is None:
                return None
            c.execute(
                "UPDATE jobs SET state='running', started=?, finished=NULL, error=NULL, progress='{}', "
                "attempts=attempts+1 WHERE id=?",
                (time.time(), row["id"]),
            )
            job = Job.from_row(c.execute("SELECT * FROM jobs WHERE id=?", (row["id"],)).fetchone())
        return job

    def run_next(self) -> Job | None:
        """Claim and run one job on the calling thread; returns it finished (None when nothing was queued)."""
        job = self.claim_next()
        if job is None:
            return None
        self._running = job.id
        reporter = JobReporter(
            lambda p: self._set(job.id, progress=json.dumps(p)), cancelled=lambda: job.id in self._cancel
        )
        reporter.start("job", "starting", 1)  # the page shows movement from the first second
        try:
            result = self.runner(job, reporter)
        except MovieFactoryError as exc:
            if job.id in self._cancel:
                self._end(
                    job.id,
                    "cancelled",
                    reporter.progress,
                    error="cancelled while it ran; finished scenes are kept",
                )
            elif self._stop.is_set():  # the server is stopping and ended the run: the next server resumes it
                self._running = None
                return self.get(job.id)
            else:
                self._end(job.id, "failed", reporter.progress, error=str(exc))
        except Exception as exc:  # a bug must not kill the worker: one line here, the traceback in the log
            log.exception("job %s failed", job.id)
            self._end(
                job.id, "failed", reporter.progress, error=f"internal error: {type(exc).__name__}: {exc}"
            )
        else:
            reporter.progress["fraction"] = 1.0
            self._end(job.id, "done", reporter.progress, result=result)
        self._cancel.discard(job.id)
        self._running = None
        done = self.get(job.id)
        assert done is not None
        return done

    def _set(self, job_id: int, **cols: Any) -> None:
        names = ", ".join(f"{k}=?" for k in cols)
        with self._mutex:
            self._conn.execute(f"UPDATE jobs SET {names} WHERE id=?", (*cols.values(), job_id))

    def _end(
        self,
        job_id: int,
        state: JobState,
        progress: dict[str, Any],
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        self._set(
            job_id,
            state=state,
            progress=json.dumps(progress),
            finished=time.time(),
            result=json.dumps(result) if result is not None else None,
            error=error.splitlines()[0] if error else None,
        )

    def _work(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before looking, so a submit from now on wakes the wait below
            try:
                job = self.run_next()
            except sqlite3.Error:  # the database went away (closing): stop quietly
                log.exception("job queue database error")
                return
            if job is None:
                self._wake.wait(self.poll_s)


def read_jobs(db: Path) -> list[Job]:
    """All jobs in `db`, oldest first, read without taking the server's lock (for tools and tests)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [Job.from_row(r) for r in conn.execute("SELECT * FROM jobs ORDER BY id").fetchall()]
    finally:
        conn.close()
