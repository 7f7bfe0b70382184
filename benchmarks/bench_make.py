"""`moviefactory make` end to end for a 10-scene movie with the embedded defaults: wall time and the whole
process tree's peak RSS (workers included). Targets: <= 60 s and <= 2 GiB on 2 cores.

Run 1 uses an empty MOVIEFACTORY_HOME (the built-in sound library is synthesised then); the later runs reuse
it, as every run after a user's first does. Each run renders into a fresh folder (no artifact reuse).
As a baseline in the same run it also times the process's fixed cost: `moviefactory script` (interpreter,
imports, MiniLM load, writer) so the share of rendering is visible.

    .venv/bin/python benchmarks/bench_make.py [--runs 2] [--text "..."]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import run_measured


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--text", default="a race between a car and an airplane")
    args = ap.parse_args()
    exe = [sys.executable, "-m", "moviefactory"]
    with tempfile.TemporaryDirectory() as d:
        env = {**os.environ, "MOVIEFACTORY_HOME": str(Path(d) / "home"), "HF_HUB_OFFLINE": "1"}
        rows = []
        for run in range(args.runs):
            out = Path(d) / f"out{run}"
            st = run_measured([*exe, "make", args.text, "--out", str(out), "--scenes", "10", "--quiet"], env=env)
            if st.returncode != 0:
                raise SystemExit(f"make failed with exit code {st.returncode}")
            rows.append(("make (first run, library synthesised)" if run == 0 else "make (warm library)", st))
        base = run_measured([*exe, "script", args.text, "--out", str(Path(d) / "s"), "--quiet"], env=env)
        rows.append(("script only (fixed cost baseline)", base))
    print(f"10-scene movie, defaults (animatic, built-in sound, lanczos), {os.cpu_count()} cores")
    for name, st in rows:
        print(f"  {name:<40} wall {st.wall_s:6.1f} s   peak RSS (tree) {st.peak_rss_mb / 1024:5.2f} GiB")
    warm = rows[-2][1]
    print(f"  warm make / 60 s target: {warm.wall_s / 60:.2f}   peak / 2 GiB target: {warm.peak_rss_mb / 2048:.2f}")
    print(f"  rendering share of warm make: {1 - base.wall_s / warm.wall_s:.0%}")


if __name__ == "__main__":
    main()
