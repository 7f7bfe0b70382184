"""Upscale throughput on CPU: super-resolution with and without tiling, against Lanczos resampling.

Model: an RRDBNet (the ESRGAN / Real-ESRGAN architecture, loaded through our production loader from a .pth
saved here) at a reduced width/depth so the run takes seconds on a laptop CPU; real Real-ESRGAN x4plus is
num_feat=64, num_block=23 (~100x the compute per pixel). Frames: 8 frames of 160x64 (a 2.5:1 generation at
about 1/5 size). Prints frames/s and ratios, median of `--repeats` runs.

    .venv/bin/python benchmarks/bench_upscale.py [--feat 16 --blocks 1 --repeats 3 --threads 1]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from moviefactory.upscale.resample import resize_frames
from moviefactory.upscale.sr import RRDBConfig, SuperResolution, _build_rrdbnet


def timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def child_peak_rss(path: Path, tile: int, width: int, height: int) -> None:
    """Run in a fresh process: upscale one frame and print the process's peak RSS in MB (whole process:
    torch alone peaks near 0.4 GB while importing, so only growth above that is visible)."""
    torch.set_num_threads(1)
    frame = np.random.default_rng(0).integers(0, 256, (1, height, width, 3), dtype=np.uint8)
    SuperResolution.from_pretrained(path, device="cpu", tile=tile, overlap=8, batch=1).upscale_frames(frame)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{peak / 1024:.0f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_peak_rss(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--feat", type=int, default=16)
    ap.add_argument("--blocks", type=int, default=1)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--width", type=int, default=160)
    ap.add_argument("--height", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = RRDBConfig(num_feat=a.feat, num_block=a.blocks, num_grow_ch=a.feat // 2)
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (a.frames, a.height, a.width, 3), dtype=np.uint8)
    n = len(frames)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rrdb.pth"
        torch.save(_build_rrdbnet(cfg).state_dict(), path)
        runs = {
            "untiled, batch 4": SuperResolution.from_pretrained(path, device="cpu", tile=0, batch=4),
            "untiled, batch 1": SuperResolution.from_pretrained(path, device="cpu", tile=0, batch=1),
            "tile 64 / overlap 8, batch 4": SuperResolution.from_pretrained(
                path, device="cpu", tile=64, overlap=8, batch=4
            ),
            "tile 32 / overlap 8, batch 4": SuperResolution.from_pretrained(
                path, device="cpu", tile=32, overlap=8, batch=4
            ),
        }
        out_size = (a.width * 4, a.height * 4)
        base = timed(lambda: resize_frames(frames, out_size), a.repeats)
        print(
            f"RRDBNet feat={a.feat} blocks={a.blocks} x4, {n} frames {a.width}x{a.height} -> {out_size[0]}x"
            f"{out_size[1]}, CPU threads={a.threads}, median of {a.repeats}"
        )
        print(f"{'lanczos resample (baseline)':32s} {n / base:8.1f} frames/s")
        ref = None
        for name, sr in runs.items():
            sr.upscale_frames(frames[:1])  # warm-up
            t = timed(lambda sr=sr: sr.upscale_frames(frames), a.repeats)
            if ref is None:
                ref = t
            print(
                f"{name:32s} {n / t:8.2f} frames/s   {ref / t:5.2f}x vs untiled   {base / t:7.4f}x vs lanczos"
            )

        # peak memory: one 768x320 frame -> 3072x1280, each configuration in a fresh process
        mw, mh = 768, 320  # the paper's generation size
        print(f"peak RSS, one {mw}x{mh} frame -> {mw * 4}x{mh * 4}, fresh process each:")
        for tile in (0, 128, 64):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path), str(tile), str(mw), str(mh)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            label = "untiled" if tile == 0 else f"tile {tile} / overlap 8"
            print(f"  {label:30s} peak RSS {out[0]:>5s} MB")


if __name__ == "__main__":
    main()
