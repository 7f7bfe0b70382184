"""Studio jobs in child processes: a cancelled job or a dying server ends the whole render tree.

The server's worker thread starts one child per job (`python -m moviefactory.web.worker`) in its own session,
so the child, its scene pool and any helper processes share one process group. Cancel kills that group.
If the server dies (even SIGKILL), the child notices (parent-death signal on Linux, and a watchdog that
polls its parent id) and kills its group; the next server re-queues the job and the pipeline resumes.

Protocol: the parent writes one JSON object to the child's stdin:
    {"target": "package.module:function", "job": Job.to_json(), "config": {...}}
`function(job, reporter, config) -> dict` runs in the child. The child answers on stdout, one JSON per line:
    {"call": "start"|"update"|"finish"|"note", "args": [...]}   a Reporter call, replayed in the parent
    {"result": {...}}  or  {"error": "one line", "internal": bool}
Anything else the job prints goes to stderr, which is kept in `<log_dir>/job-<id>.log`.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from moviefactory.errors import MovieFactoryError
from moviefactory.progress import Reporter
from moviefactory.web.jobs import Job, JobCancelled

PARENT_ENV = "MOVIEFACTORY_STUDIO_PARENT"  # the server's pid: the child's watchdog compares getppid() to it


class ProcessRunner:
    """A job Runner that runs `target` in a child process per job (see the module docstring)."""

    def __init__(self, target: str, config: dict[str, Any], *, log_dir: Path) -> None:
        self.target = target
        self.config = config
        self.log_dir = Path(log_dir)
        self._procs: dict[int, subprocess.Popen[str]] = {}
        self._lock = threading.Lock()

    def __call__(self, job: Job, reporter: Reporter) -> dict[str, Any]:
        # 1. start the child in its own session (its process group is the render tree)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            PARENT_ENV: str(os.getpid()),
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        }
        with open(self.log_dir / f"job-{job.id}.log", "a", encoding="utf-8") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "moviefactory.web.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=env,
                start_new_session=True,
            )
        with self._lock:
            self._procs[job.id] = proc
        try:
            # 2. hand it the job, then replay its progress calls until it answers
            assert proc.stdin is not None and proc.stdout is not None
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(
                    json.dumps({"target": self.target, "job": job.to_json(), "config": self.config})
                )
                proc.stdin.close()
            answer = _replay(proc.stdout, reporter)
            code = proc.wait()
        finally:
            with self._lock:
                self._procs.pop(job.id, None)
            _kill_group(proc.pid)  # whatever the child left running (a pool worker) ends with it
        # 3. its answer, or why there is none
        if answer is not None and "result" in answer:
            return dict(answer["result"])
        if answer is not None and "error" in answer:
            raise MovieFactoryError(str(answer["error"]))
        if code < 0:
            raise JobCancelled(f"the render process was stopped (signal {-code})")
        raise MovieFactoryError(
            f"the render process exited with code {code} (see .studio/logs/job-{job.id}.log)"
        )

    def cancel(self, job_id: int) -> None:
        with self._lock:
            proc = self._procs.get(job_id)
        if proc is not None:
            _kill_group(proc.pid)

    def shutdown(self) -> None:
        """The server is stopping: end every render tree now (their jobs are resumed by the next server)."""
        with self._lock:
            pids = [p.pid for p in self._procs.values()]
        for pid in pids:
            _kill_group(pid)


def _replay(stdout: IO[str], reporter: Reporter) -> dict[str, Any] | None:
    calls: dict[str, Callable[..., None]] = {
        "start": reporter.start,
        "update": reporter.update,
        "finish": reporter.finish,
        "note": reporter.note,
    }
    for line in stdout:
        try:
            msg = json.loads(line)
        except ValueError:
            continue  # not ours: the child's stdout is reserved, but be lenient
        if "call" in msg and msg["call"] in calls:
            calls[msg["call"]](*msg.get("args", []))  # raises JobCancelled for an in-process cancel
        elif "result" in msg or "error" in msg:
            return dict(msg)
    return None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# -- the child -------------------------------------------------------------------------------------------------
class _PipeReporter:
    """A Reporter that forwards each call to the parent as one JSON line."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._lock = threading.Lock()

    def _send(self, call: str, *args: Any) -> None:
        with self._lock:
            self._out.write(json.dumps({"call": call, "args": list(args)}) + "\n")
            self._out.flush()

    def start(self, key: str, label: str, total: float) -> None:
        self._send("start", key, label, total)

    def update(self, key: str, completed: float, total: float | None = None) -> None:
        self._send("update", key, completed, total)

    def finish(self, key: str) -> None:
        self._send("finish", key)

    def note(self, message: str) -> None:
        self._send("note", message)


def _die_with_parent(parent: int) -> None:
    """End this process group when the server that started us is gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    signal.signal(signal.SIGTERM, lambda *_: os.killpg(os.getpgrp(), signal.SIGKILL))

    def watch() -> None:  # also where PR_SET_PDEATHSIG is missing, or the main thread sits in C code
        while os.getppid() == parent:
            time.sleep(0.2)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, name="studio-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the server died before the watch started
        os.killpg(os.getpgrp(), signal.SIGKILL)


def main() -> int:
    parent = int(os.environ.get(PARENT_ENV, "0") or 0)
    if parent:
        _die_with_parent(parent)
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints (a library's progress bar) go to the log, not into the protocol
    sys.stdout = sys.stderr
    request = json.loads(sys.stdin.read())
    module, _, name = request["target"].partition(":")
    try:
        func = getattr(importlib.import_module(module), name)
        job = Job(**{k: v for k, v in request["job"].items() if k in Job.__dataclass_fields__})
        result = func(job, _PipeReporter(out), request.get("config", {}))
        answer: dict[str, Any] = {"result": result}
    except MovieFactoryError as exc:
        answer = {"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__, "internal": False}
    except Exception as exc:  # one line for the job row; the traceback in the job's log
        import traceback

        traceback.print_exc()
        answer = {"error": f"internal error: {type(exc).__name__}: {exc}".splitlines()[0], "internal": True}
    out.write(json.dumps(answer) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
