"""Where scenes render (in this process, a local process pool, Ray) and one policy for what a failure means.

An `Executor` runs a batch of render tasks and yields one `Outcome` per task, in any order, never raising for
a scene's failure: the error travels in the outcome. `render_scenes` alone applies the `OutcomePolicy` to
every outcome, so which errors are retried, how often, and how a scene failure reads do not depend on the
executor or the worker count (before, the pool retried any exception and the serial path only
MovieFactoryError, and the two worded failures differently).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

from moviefactory.errors import BackendError, InputError, MovieFactoryError, SceneError, WorkspaceError
from moviefactory.picture import Clip, PictureBackend
from moviefactory.spec import Movie, Scene

# progress(scene id, frames done, frames total)
SceneProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Task:
    scene: Scene
    out: Path  # where the clip goes (the driver's path; a remote worker writes elsewhere and sends bytes)


@dataclass(frozen=True)
class Outcome:
    task: Task
    clip: Clip | None  # None when the scene failed
    error: BaseException | None  # what the render raised (in the worker), else None
    seconds: float  # wall time of the render


Verdict = Literal["fatal", "retry", "failed"]


@dataclass(frozen=True)
class OutcomePolicy:
    """What a scene's error means, the same for every executor.

    - fatal (the run stops at once, the error surfaces as it is): WorkspaceError, including DiskFullError;
      every other scene would fail the same way, and retrying cannot help;
    - failed at once (no retry; the other scenes go on): InputError and BackendError: the same inputs or the
      same model fail again;
    - retried up to `retries` extra attempts, then failed: any other error, a backend's SceneError or an
      unexpected exception (out of memory, a dead worker), which may not happen again.
    A failure reads "<message>" for a MovieFactoryError and "<ExceptionType>: <message>" for anything else.
    """

    retries: int = 1

    def judge(self, error: BaseException, attempts: int) -> Verdict:
        """`attempts`: how many times the scene has failed, this failure included."""
        if isinstance(error, WorkspaceError):
            return "fatal"
        if isinstance(error, InputError | BackendError):
            return "failed"
        return "retry" if attempts <= self.retries else "failed"

    @staticmethod
    def message(error: BaseException) -> str:
        if isinstance(error, SceneError):
            return error.message
        if isinstance(error, MovieFactoryError):
            return str(error)
        return f"{type(error).__name__}: {error}"


class Executor(ABC):
    """Renders a batch of scenes with a prepared backend; yields an Outcome per task as each finishes."""

    @abstractmethod
    def run(
        self, backend: PictureBackend, movie: Movie, tasks: list[Task], progress: SceneProgress
    ) -> Generator[Outcome, None, None]: ...


def _timed(
    backend: PictureBackend, movie: Movie, task: Task, out: Path, progress: Callable[[int, int], None] | None
) -> tuple[Clip | None, BaseException | None, float]:
    t0 = time.perf_counter()
    try:
        clip: Clip | None = backend.render(movie, task.scene, out, progress)
        error: BaseException | None = None
    except Exception as exc:  # the policy decides what it means; KeyboardInterrupt still stops the run
        clip, error = None, exc
    return clip, error, time.perf_counter() - t0


class SerialExecutor(Executor):
    """One scene after another in this process (a GPU backend, or --workers 1)."""

    def run(
        self, backend: PictureBackend, movie: Movie, tasks: list[Task], progress: SceneProgress
    ) -> Generator[Outcome, None, None]:
        for task in tasks:
            clip, error, secs = _timed(backend, movie, task, task.out, partial(progress, task.scene.id))
            yield Outcome(task, clip, error, secs)


_WORKER_QUEUE: Any = None  # in a pool worker: the progress queue handed over at start-up


def _init_worker(parent_pid: int, progress_q: Any) -> None:
    """Pool worker start-up: keep the progress queue, and die with the parent. A killed `make` or `serve`
    must not leave workers writing into a folder whose lock is gone (Linux: PR_SET_PDEATHSIG; elsewhere the
    pool's broken pipe stops them at their next task)."""
    global _WORKER_QUEUE
    _WORKER_QUEUE = progress_q
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _pool_task(
    backend: PictureBackend, movie: Movie, task: Task
) -> tuple[Clip | None, BaseException | None, float]:
    """Runs in a pool worker: render one scene, reporting frames through the queue given at start-up. The
    error comes back as a value (not raised), so the driver sees the backend's exception, not the pool's."""
    q = _WORKER_QUEUE

    def progress(done: int, total: int) -> None:
        if q is not None:
            q.put((task.scene.id, done, total))

    return _timed(backend, movie, task, task.out, progress)


class PoolExecutor(Executor):
    """Scenes in `workers` spawned processes on this machine (backends with `parallel = True`)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def run(
        self, backend: PictureBackend, movie: Movie, tasks: list[Task], progress: SceneProgress
    ) -> Generator[Outcome, None, None]:
        ctx = mp.get_context("spawn")  # fork after torch/MiniLM are loaded is unsafe; spawn is clean
        # A plain queue handed to each worker at start-up (not a Manager: its server process and socket folder
        # outlive a killed run); workers die with this process (_init_worker).
        q = ctx.Queue()
        try:
            with ProcessPoolExecutor(
                max_workers=self.workers, mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(), q)
            ) as pool:
                started: dict[
                    Future[tuple[Clip | None, BaseException | None, float]], tuple[Task, float]
                ] = {}
                for task in tasks:
                    started[pool.submit(_pool_task, backend, movie, task)] = (task, time.perf_counter())
                waiting = set(started)
                while waiting:
                    done, waiting = wait(waiting, timeout=0.1, return_when=FIRST_COMPLETED)
                    _drain(q, progress)
                    for fut in done:
                        task, t0 = started[fut]
                        try:
                            clip, error, secs = fut.result()
                        except (
                            Exception
                        ) as exc:  # the worker itself died (BrokenProcessPool) or could not pickle
                            clip, error, secs = None, exc, time.perf_counter() - t0
                        yield Outcome(task, clip, error, secs)
                _drain(q, progress)
        finally:
            q.close()


def _drain(q: Any, progress: SceneProgress) -> None:
    while True:
        try:
            sid, d, t = q.get_nowait()
        except queue.Empty:
            return
        progress(sid, d, t)


class RayExecutor(Executor):
    """Scale-out on Ray: one task per scene. The clip comes back as bytes, so workers on other machines need
    no shared filesystem; the driver writes it into the workspace atomically. RAY_ADDRESS picks the cluster."""

    def run(
        self, backend: PictureBackend, movie: Movie, tasks: list[Task], progress: SceneProgress
    ) -> Generator[Outcome, None, None]:
        try:
            import ray
        except ImportError as exc:
            raise BackendError("--executor ray needs Ray: pip install 'moviefactory[ray]'") from exc
        from moviefactory.workspace import atomic_output

        ray.init(ignore_reinit_error=True, log_to_driver=False)
        gpus = 1 if not type(backend).parallel else 0

        @ray.remote(num_gpus=gpus, max_retries=0)
        def remote(
            b: PictureBackend, m: Movie, t: Task
        ) -> tuple[bytes | None, Clip | None, BaseException | None, float]:
            with tempfile.TemporaryDirectory() as d:
                clip, error, secs = _timed(b, m, t, Path(d) / "clip.mp4", None)
                return (clip.path.read_bytes() if clip is not None else None), clip, error, secs

        refs = [remote.remote(backend, movie, t) for t in tasks]
        for task, ref in zip(tasks, refs, strict=True):
            try:
                data, clip, error, secs = ray.get(ref)
            except (
                ray.exceptions.RayTaskError
            ) as exc:  # the task raised outside the render (it wraps the cause)
                yield Outcome(task, None, exc.cause if isinstance(exc.cause, BaseException) else exc, 0.0)
                continue
            except Exception as exc:  # the task itself failed (a dead worker, a lost node)
                yield Outcome(task, None, exc, 0.0)
                continue
            if clip is None or data is None:
                yield Outcome(task, None, error, secs)
                continue
            with atomic_output(task.out) as tmp:
                tmp.write_bytes(data)
            local = Clip(
                task.out, clip.width, clip.height, clip.fps, clip.num_frames, clip.backend, clip.warnings
            )
            yield Outcome(task, local, None, secs)


def executor_for(kind: str, workers: int) -> Executor:
    """settings.executor ("local" | "ray") and the worker count already capped for the backend and batch."""
    if kind == "ray":
        return RayExecutor()
    return SerialExecutor() if workers <= 1 else PoolExecutor(workers)


def render_scenes(
    executor: Executor,
    backend: PictureBackend,
    movie: Movie,
    tasks: list[Task],
    policy: OutcomePolicy,
    *,
    progress: SceneProgress,
    done: Callable[[Outcome], None],
    note: Callable[[str], None],
) -> dict[str, str]:
    """Render every task, retrying by the policy; `done` is called for each clip as it arrives (so each is
    recorded before any error surfaces). Returns scene id -> failure message for the scenes that failed; a
    fatal error is raised at once (after the executor has stopped)."""
    attempts = {t.scene.id: 0 for t in tasks}
    failures: dict[str, str] = {}
    pending = list(tasks)
    while pending:
        batch, pending = pending, []
        with contextlib.closing(executor.run(backend, movie, batch, progress)) as outcomes:
            for out in outcomes:
                if out.error is None and out.clip is not None:
                    done(out)
                    continue
                error = out.error or SceneError(out.task.scene.id, "the backend returned no clip")
                sid = out.task.scene.id
                attempts[sid] += 1
                verdict = policy.judge(error, attempts[sid])
                if verdict == "fatal":
                    raise error
                if verdict == "retry":
                    note(f"scene {sid} failed ({policy.message(error)}); retrying")
                    pending.append(out.task)
                else:
                    failures[sid] = policy.message(error)
    return failures
