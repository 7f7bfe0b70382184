"""Fault injection for the robustness suite (tests/test_robustness.py) and benchmarks/bench_robustness.py.

`moviefactory` runs in a subprocess, in a session of its own (so "the whole tree" is one process group), with
a `sitecustomize.py` on PYTHONPATH that wraps `moviefactory.workspace._publish`, the one rename every atomic
write ends in. Every process of the tree (pool workers too) logs each write point to a shared file, and at the
chosen point the hook either SIGKILLs the whole group (before or after the rename) or raises ENOSPC.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HOOK = r"""
import os
_spec = os.environ.get("MF_FAULT")
if _spec:
    import errno, fcntl, json, signal
    import moviefactory.workspace as _w

    _orig = _w._publish
    _mode, _, _k = _spec.partition(":")
    _k = int(_k or 0)

    def _publish(tmp, target):
        with open(os.environ["MF_FAULT_LOG"], "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0)
            n = sum(1 for _ in f) + 1
            f.write(json.dumps({"n": n, "target": str(target), "size": os.path.getsize(tmp)}) + "\n")
            f.flush()
        if n == _k and _mode == "kill":
            os.killpg(0, signal.SIGKILL)
        if n == _k and _mode == "enospc":
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
        _orig(tmp, target)
        if n == _k and _mode == "killafter":
            os.killpg(0, signal.SIGKILL)

    _w._publish = _publish
"""

TINY = ["--scenes", "2", "--fps", "8", "--scale", "1", "--workers", "1", "--json"]


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    points: list[dict[str, object]]


def hook_dir(tmp: Path) -> Path:
    d = tmp / "hook"
    d.mkdir(parents=True, exist_ok=True)
    (d / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    return d


def run_mf(
    args: list[str],
    *,
    home: Path,
    hook: Path | None = None,
    fault: str | None = None,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> Run:
    """`python -m moviefactory ARGS` in its own session; with `fault` ("count", "kill:K", "killafter:K",
    "enospc:K") the hook acts at write point K. Returns the exit code, output and the logged points."""
    e = {**os.environ, "MOVIEFACTORY_HOME": str(home), "HF_HUB_OFFLINE": "1", **(env or {})}
    e.pop("MOVIEFACTORY_DEBUG", None)
    if hook is not None and fault is not None and log is not None:
        e["PYTHONPATH"] = os.pathsep.join([str(hook), *filter(None, [e.get("PYTHONPATH")])])
        e["MF_FAULT"], e["MF_FAULT_LOG"] = fault, str(log)
        log.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "moviefactory", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=e,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    # a killed group may still be exiting; wait until no process of it is left
    for _ in range(100):
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    points = []
    if log is not None and log.exists():
        points = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return Run(proc.returncode, out, err, points)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    """Names in a movie folder that a finished run should not leave: temp files and scratch folders."""
    from moviefactory.workspace import TEMP_DIR_PREFIX, is_temp_name

    bad = []
    for p in folder.rglob("*"):
        if is_temp_name(p.name) or p.name.startswith(TEMP_DIR_PREFIX) or p.name == ".write-test":
            bad.append(str(p.relative_to(folder)))
    return bad


def one_line_error(stderr: str) -> bool:
    """The CLI's contract for a failure: one `moviefactory: error: ...` line, no traceback."""
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return len(lines) == 1 and lines[0].startswith("moviefactory: error: ") and "Traceback" not in stderr
