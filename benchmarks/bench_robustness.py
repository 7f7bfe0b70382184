"""The full fault sweep behind tests/test_robustness.py (which runs a representative subset of it).

A tiny movie (2 scenes, 8 fps, scale 1, one worker) is made once with every write point logged. Then:
- kill points: for every write point, SIGKILL of the whole process tree just before its rename (and after the
  last rename); the same `make` is run again and its movie compared byte for byte with the uninterrupted one,
  and the folder checked for leftovers;
- ENOSPC points: ENOSPC raised at every write point (a patched write), plus a real small tmpfs filling up
  inside each stage's big file where mounting is allowed; each must end in one `moviefactory: error:` line
  (or, for the report, a warning), and a run with room again must give the identical movie;
- four first uses at once on an empty MOVIEFACTORY_HOME.

Runs past the script writer start from a copy of the folder as it was right after the script was written
(the writer is the slow part, and the points before it are run from an empty folder).

    .venv/bin/python benchmarks/bench_robustness.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from faults import TINY, digest, hook_dir, leftovers, one_line_error, run_mf

TEXT = "a cat chases a red ball"


def _resume(out: Path, home: Path, ref_movie: str) -> str | None:
    again = run_mf(["make", TEXT, "--out", str(out), *TINY], home=home)
    if again.code != 0:
        return f"re-run failed: {again.stderr.strip()[-200:]}"
    res = json.loads(again.stdout)
    if digest(Path(res["movie"])) != ref_movie:
        return "movie differs"
    left = leftovers(Path(res["folder"]))
    return f"leftovers {left}" if left else None


def _mount(fs: Path, size: int) -> bool:
    fs.mkdir(parents=True, exist_ok=True)
    cmd = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(fs)]
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="only each target's first write point")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-robust-"))
    home = tmp / "home"
    t0 = time.time()
    assert run_mf(["library", "search", "rain"], home=home).code == 0
    hook = hook_dir(tmp)
    script = run_mf(["script", TEXT, "--out", str(tmp / "seed"), *TINY], home=home)
    assert script.code == 0, script.stderr
    seed = Path(json.loads(script.stdout)["folder"]).parent
    # a first run makes the caches in the home (icon vectors, rasters), so every later run writes the same
    # points in the same order
    assert run_mf(["make", TEXT, "--out", str(tmp / "warm"), *TINY], home=home).code == 0
    ref_out = tmp / "ref"
    shutil.copytree(seed, ref_out)
    ref = run_mf(
        ["make", TEXT, "--out", str(ref_out), *TINY], home=home, hook=hook, fault="count", log=tmp / "log"
    )
    assert ref.code == 0, ref.stderr
    ref_movie = digest(Path(json.loads(ref.stdout)["movie"]))
    points = ref.points
    names = [Path(str(p["target"])).name for p in points]
    chosen = list(range(1, len(points) + 1))
    if args.quick:
        chosen = sorted({names.index(n) + 1 for n in set(names)})
    print(f"{len(points)} write points after the script: {', '.join(names)}", flush=True)

    # 1. kills before the writer's script exists: from an empty folder
    kill_ok, kill_total, bad = 0, 0, []
    for n in (1, 2):
        out = tmp / f"k-early{n}"
        killed = run_mf(
            ["make", TEXT, "--out", str(out), *TINY],
            home=home,
            hook=hook,
            fault=f"kill:{n}",
            log=tmp / "klog",
        )
        kill_total += 1
        why = None if killed.code == -signal.SIGKILL else f"not killed ({killed.code})"
        why = why or _resume(out, home, ref_movie)
        kill_ok += why is None
        if why:
            bad.append(f"early kill {n}: {why}")
    # 2. kills at every write point after the script (before the rename), and after the last rename
    for mode, n in [*(("kill", n) for n in chosen), ("killafter", len(points))]:
        out = tmp / f"k{mode}{n}"
        shutil.copytree(seed, out)
        killed = run_mf(
            ["make", TEXT, "--out", str(out), *TINY],
            home=home,
            hook=hook,
            fault=f"{mode}:{n}",
            log=tmp / "klog",
        )
        kill_total += 1
        why = None if killed.code == -signal.SIGKILL else f"not killed ({killed.code})"
        why = why or _resume(out, home, ref_movie)
        kill_ok += why is None
        if why:
            bad.append(f"{mode} {n} ({names[n - 1]}): {why}")
        print(f"  {mode} at {n:2d} {names[n - 1]:<14} {'ok' if why is None else why}", flush=True)
        shutil.rmtree(out, ignore_errors=True)

    # 3. ENOSPC at every write point (patched write)
    nospc_ok, nospc_total = 0, 0
    for n in chosen:
        out = tmp / f"e{n}"
        shutil.copytree(seed, out)
        run = run_mf(
            ["make", TEXT, "--out", str(out), *TINY],
            home=home,
            hook=hook,
            fault=f"enospc:{n}",
            log=tmp / "elog",
        )
        nospc_total += 1
        if names[n - 1] == "report.html":  # the movie is made: a warning, exit 0
            good = run.code == 0 and any(
                w.startswith("report: no space") for w in json.loads(run.stdout)["warnings"]
            )
        else:
            good = run.code == 3 and one_line_error(run.stderr) and "no space left on" in run.stderr
        why = None if good else f"exit {run.code}: {run.stderr.strip()[-200:]}"
        why = why or _resume(out, home, ref_movie)
        nospc_ok += why is None
        if why:
            bad.append(f"enospc {n} ({names[n - 1]}): {why}")
        print(f"  enospc at {n:2d} {names[n - 1]:<14} {'ok' if why is None else why}", flush=True)
        shutil.rmtree(out, ignore_errors=True)

    # 4. a real full tmpfs inside each stage's big file
    tmpfs_ok, tmpfs_total = 0, 0
    for stage in ("clip.mp4", "effects.wav", "music.wav", "movie.mp4"):
        n = names.index(stage) + 1
        live: dict[str, int] = {}
        for p in points[: n - 1]:
            live[str(p["target"])] = -(-int(str(p["size"])) // 4096) * 4096
        size = sum(live.values()) + 8192 + int(str(points[n - 1]["size"])) // 2 + 64 * 1024
        fs = tmp / f"fs-{stage}"
        if not _mount(fs, size):
            print("  (tmpfs: cannot mount here; skipped)")
            break
        try:
            shutil.copytree(seed, fs, dirs_exist_ok=True)
            run = run_mf(["make", TEXT, "--out", str(fs), *TINY], home=home)
            tmpfs_total += 1
            good = run.code == 3 and one_line_error(run.stderr) and "needs about" in run.stderr
            why = None if good else f"exit {run.code}: {run.stderr.strip()[-300:]}"
            print(f"  tmpfs {size // 1024} KiB during {stage}: {run.stderr.strip()[:160]}", flush=True)
            subprocess.run(["mount", "-o", "remount,size=200m", str(fs)], check=True)
            why = why or _resume(fs, home, ref_movie)
            tmpfs_ok += why is None
            if why:
                bad.append(f"tmpfs {stage}: {why}")
        finally:
            subprocess.run(["umount", "-l", str(fs)], check=False)

    # 5. four first uses at once on an empty home
    fresh = tmp / "fresh-home"
    env = {**os.environ, "MOVIEFACTORY_HOME": str(fresh), "HF_HUB_OFFLINE": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "moviefactory", "library", "search", "thunder"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    codes = [p.wait(timeout=1800) for p in procs]
    first_ok = sum(c == 0 for c in codes)

    print()
    print(f"kill points: {kill_ok}/{kill_total} resume identical, no leftovers")
    print(
        f"ENOSPC points: {nospc_ok}/{nospc_total} one-line error (report: warning), nothing corrupted "
        f"(re-run identical)"
    )
    print(
        f"ENOSPC on a real tmpfs: {tmpfs_ok}/{tmpfs_total} stages one-line error with the need, re-run identical"
    )
    print(f"parallel first use: {first_ok}/4 processes succeeded")
    print(f"wall: {time.time() - t0:.0f} s")
    for b in bad:
        print("FAILED:", b)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if bad or first_ok != 4 else 0


if __name__ == "__main__":
    raise SystemExit(main())
