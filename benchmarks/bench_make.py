"""`moviefactory make` end to end for a 10-scene movie with the embedded defaults: wall time, CPU time and the
whole process tree's peak RSS (workers and ffmpeg children included), and where every second goes.
Targets: <= 60 s and <= 2 GiB on 2 cores.

Each round uses a fresh, empty MOVIEFACTORY_HOME and runs, in this order:
- **first run**: `make` into a new folder with the empty home (the built-in sound library is synthesised);
- **warm**: `make` of the same request into another new folder with the now-filled home, so every artifact
  (script, clips, sounds, movie) is made again and only the home's caches are reused: a user's next movie;
- **resumed**: the warm command again, unchanged, into the same folder: every artifact is current and reused
  (nothing is rendered; what remains is the fixed cost plus the checks);
- **script only**: `moviefactory script` alone (interpreter, imports, MiniLM load, writer): the fixed cost.

The CLI runs in a small driver that swaps its progress display for a reporter that writes the time of every
stage start and finish (the pipeline's own progress events) to a JSON file, so each run is split into:
start-up (interpreter and imports, until the script stage starts), script (writer and its model loads),
the stages the pipeline reports (picture, sound, compose), the gaps between them (finishing, subtitles) and
the tail after the last stage (report, manifest, exit). The picture stage also gets its per-scene spans.

    .venv/bin/python benchmarks/bench_make.py [--runs 2] [--text "..."]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import RunStats, run_measured

# Runs `moviefactory <argv[2:]>` with a reporter that records (event, key, unix time) to argv[1].
DRIVER = r"""
import json, sys, time
events = [("process", "", time.time())]
from moviefactory import cli
events.append(("imported", "", time.time()))

class TimingReporter:
    def __enter__(self): return self
    def __exit__(self, *exc): pass
    def start(self, key, label, total): events.append(("start", key, time.time()))
    def update(self, key, completed, total=None): pass
    def finish(self, key): events.append(("finish", key, time.time()))
    def note(self, message): events.append(("note", message, time.time()))

if not hasattr(cli, "_reporter"):
    raise SystemExit("bench_make: cli._reporter is gone; update the benchmark's driver")
cli._reporter = lambda args: TimingReporter()
try:
    rc = cli.main(sys.argv[2:])
finally:
    events.append(("exit", "", time.time()))
    json.dump(events, open(sys.argv[1], "w"))
sys.exit(rc)
"""

STAGES = ("script", "picture", "sound", "compose")


def timed_run(cmd: list[str], env: dict[str, str], events_file: Path) -> tuple[RunStats, dict[str, float]]:
    """Run the driver; return the measured stats and the run split into named spans (seconds)."""
    t_launch = time.time()
    st = run_measured([sys.executable, "-c", DRIVER, str(events_file), *cmd], env=env)
    if st.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:2])} failed with exit code {st.returncode}")
    events = json.loads(events_file.read_text())
    return st, split(events, t_launch, t_launch + st.wall_s)


def split(events: list[tuple[str, str, float]], t_launch: float, t_end: float) -> dict[str, float]:
    """Consecutive spans covering launch..end: start-up, each stage, the gaps between stages, the tail."""
    starts = {k: t for e, k, t in events if e == "start"}
    finishes = {k: t for e, k, t in events if e == "finish"}
    spans: dict[str, float] = {}
    cursor, prev = t_launch, "start-up (interpreter, imports)"
    for stage in STAGES:
        if stage not in starts:
            continue  # a resumed run skips the stages whose artifacts are current
        spans[prev] = starts[stage] - cursor
        spans[stage] = finishes.get(stage, starts[stage]) - starts[stage]
        cursor, prev = finishes.get(stage, starts[stage]), f"after {stage}"
    spans[prev] = t_end - cursor
    scenes = [finishes[k] - starts[k] for k in starts if k.startswith("scene:") and k in finishes]
    if scenes:
        spans["  per scene (parallel, inside picture): median"] = statistics.median(scenes)
    return spans


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2, help="rounds, each with a fresh empty MOVIEFACTORY_HOME")
    ap.add_argument("--text", default="a race between a car and an airplane")
    args = ap.parse_args()
    rows: dict[str, list[tuple[RunStats, dict[str, float]]]] = {}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as d:
        for run in range(args.runs):
            loads.append(os.getloadavg()[0])
            home = Path(d) / f"home{run}"
            env = {**os.environ, "MOVIEFACTORY_HOME": str(home), "HF_HUB_OFFLINE": "1"}
            make = ["make", args.text, "--scenes", "10"]
            plan = [
                ("make, first run (empty home)", [*make, "--out", str(Path(d) / f"first{run}")]),
                ("make, warm (new folder)", [*make, "--out", str(Path(d) / f"warm{run}")]),
                ("make, resumed (same folder)", [*make, "--out", str(Path(d) / f"warm{run}")]),
                ("script only (fixed cost)", ["script", args.text, "--out", str(Path(d) / f"script{run}")]),
            ]
            for name, cmd in plan:
                rows.setdefault(name, []).append(timed_run(cmd, env, Path(d) / "events.json"))
    report(rows, loads)


def report(rows: dict[str, list[tuple[RunStats, dict[str, float]]]], loads: list[float]) -> None:
    print(
        f"10-scene movie, defaults (builtin writer, animatic, built-in sound, lanczos), {os.cpu_count()} cores; "
        f"median of {len(loads)} rounds; load average (1 min) at round starts: "
        f"{', '.join(f'{x:.1f}' for x in loads)}"
    )
    for name, runs in rows.items():
        wall = statistics.median(st.wall_s for st, _ in runs)
        cpu = statistics.median(st.cpu_s for st, _ in runs)
        rss = max(st.peak_rss_mb for st, _ in runs) / 1024
        print(f"  {name:<32} wall {wall:6.1f} s   CPU {cpu:6.1f} s   peak RSS (tree) {rss:5.2f} GiB")
        for span in runs[0][1]:
            vals = [spans.get(span, 0.0) for _, spans in runs]
            print(
                f"      {span:<48} {statistics.median(vals):6.2f} s  ({', '.join(f'{v:.2f}' for v in vals)})"
            )
    base = rows["script only (fixed cost)"]
    for name in ("make, first run (empty home)", "make, warm (new folder)", "make, resumed (same folder)"):
        r = [st.wall_s / b.wall_s for (st, _), (b, _) in zip(rows[name], base, strict=True)]
        print(
            f"  {name} / script only, wall: {statistics.median(r):.2f}x (rounds {', '.join(f'{x:.2f}' for x in r)})"
        )
    warm = statistics.median(st.wall_s for st, _ in rows["make, warm (new folder)"])
    peak = max(st.peak_rss_mb for st, _ in rows["make, warm (new folder)"])
    print(f"  warm make / 60 s target: {warm / 60:.2f}   peak / 2 GiB target: {peak / 2048:.2f}")


if __name__ == "__main__":
    main()
