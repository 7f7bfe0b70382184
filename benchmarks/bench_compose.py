"""Compose N clips + per-scene effects + music: our single ffmpeg graph vs moviepy (the approach of
MoneyPrinterTurbo and most peers), and vs the physical limit: one plain ffmpeg encode of the very frames
our compose wrote (decoded once to raw yuv420p in /dev/shm, untimed) at the same x264 settings (veryfast,
CRF 18, high profile). Same ffmpeg binary (imageio-ffmpeg), same inputs; the three contenders run
interleaved in every round (ours, moviepy, plain encode), so machine load hits all of them alike, and the
ratios are taken per round; the medians are reported.

moviepy lives in its own virtual environment (benchmarks/.venv-moviepy, created on first run), because it
pins Pillow < 12; it is never a dependency of the product.

    .venv/bin/python benchmarks/bench_compose.py [--fps 24] [--runs 3] [--scenes 10] [--size 1536x640]
        [--moviepy-crf 18,default]
    .venv/bin/python benchmarks/bench_compose.py --scenes 3 --size 3072x1280   # the paper's output size

`--moviepy-crf` lists the moviepy variants: 18 encodes with our x264 settings (CRF 18, high profile: the fair
comparison); "default" keeps moviepy's own (x264's CRF 23, a cheaper encode: what the earlier results used).
Besides wall time, each run's CPU time (user + system, the whole process tree) is reported: on a shared
machine it is what load inflates least.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _measure import RunStats, run_measured

HERE = Path(__file__).parent
MOVIEPY_VENV = HERE / ".venv-moviepy"

MOVIEPY_SCRIPT = r"""
import json, sys
from moviepy import VideoFileClip, AudioFileClip, CompositeVideoClip, CompositeAudioClip, vfx, afx
spec = json.load(open(sys.argv[1]))
X = spec["xfade"]
clips, t = [], 0.0
for i, c in enumerate(spec["clips"]):
    v = VideoFileClip(c).resized((spec["w"], spec["h"])).with_start(t)
    if i:
        v = v.with_effects([vfx.CrossFadeIn(X)])
    a = AudioFileClip(spec["effects"][i]).with_start(t)
    v = v.with_audio(a)
    clips.append(v)
    t += v.duration - X
video = CompositeVideoClip(clips, size=(spec["w"], spec["h"]))
music = AudioFileClip(spec["music"]).with_duration(video.duration).with_effects([afx.MultiplyVolume(0.5)])
video = video.with_audio(CompositeAudioClip([video.audio, music]))
# crf None: moviepy's own default (x264's CRF 23); a number: the same x264 settings as ours (CRF, high profile)
params = None if spec["crf"] is None else ["-crf", str(spec["crf"]), "-profile:v", "high"]
video.write_videofile(spec["out"], fps=spec["fps"], codec="libx264", audio_codec="aac", preset="veryfast",
                      logger=None, threads=2, ffmpeg_params=params)
"""


def ensure_moviepy() -> Path:
    py = MOVIEPY_VENV / "bin" / "python"
    if not py.exists():
        venv.create(MOVIEPY_VENV, with_pip=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "moviepy==2.2.1", "numpy"], check=True)
    return py


def make_inputs(tmp: Path, fps: int, scenes: int, size: tuple[int, int]) -> dict[str, object]:
    from moviefactory.media import AUDIO_RATE, write_video, write_wav

    rng = np.random.default_rng(0)
    clips, effects = [], []
    for i in range(scenes):
        base = rng.integers(30, 220, 3)
        frames = []
        for f in range(2 * fps):  # a moving gradient so the encoder has real work
            x = np.linspace(0, 1, 768)[None, :, None]
            img = (base * (0.6 + 0.4 * np.sin(6 * x + f / fps * 3))).clip(0, 255)
            frames.append(np.broadcast_to(img, (320, 768, 3)).astype(np.uint8))
        clips.append(str(write_video(frames, tmp / f"c{i}.mp4", fps=fps, size=(768, 320))))
        effects.append(str(write_wav(0.1 * rng.standard_normal((2 * AUDIO_RATE, 2)), tmp / f"e{i}.wav")))
    t = np.arange(2 * scenes * AUDIO_RATE) / AUDIO_RATE
    music = write_wav(np.stack([0.2 * np.sin(2 * np.pi * 220 * t)] * 2, 1), tmp / "music.wav")
    return {
        "clips": clips,
        "effects": effects,
        "music": str(music),
        "fps": fps,
        "w": size[0],
        "h": size[1],
        "xfade": 0.5,
    }


OURS_SCRIPT = r"""
import json, sys
from pathlib import Path
from moviefactory.compose import ComposeInputs, compose
from moviefactory.spec import Movie, Scene, Style
spec = json.load(open(sys.argv[1]))
n = len(spec["clips"])
scenes = [Scene(id=f"s{i:02d}", prompt="p", duration_s=2.0, transition_s=spec["xfade"]) for i in range(n)]
style = Style(width=768, height=320, fps=spec["fps"], output_width=spec["w"], output_height=spec["h"])
movie = Movie(request="bench", title="bench", scenes=scenes, style=style)
paths = [Path(p) for p in spec["clips"]]
compose(ComposeInputs(movie, paths, [Path(p) for p in spec["effects"]], [None] * n, Path(spec["music"])),
        Path(spec["out"]))
"""


def plain_encode_cmd(raw: Path, spec: dict[str, object], out: Path) -> list[str]:
    """The physical limit: x264 alone on the final frames (raw yuv420p from page cache), compose's settings."""
    from moviefactory.media import ffmpeg_exe

    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        f"{spec['w']}x{spec['h']}",
        "-r",
        str(spec["fps"]),
        "-i",
        str(raw),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "18",
        "-pix_fmt",
        "yuv420p",
        "-profile:v",
        "high",
        "-an",
        "-movflags",
        "+faststart",
        str(out),
    ]


def decode_raw(movie: Path, raw: Path) -> None:
    from moviefactory.media import ffmpeg_exe

    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-v", "error", "-i", str(movie), "-map", "0:v",
           "-f", "rawvideo", "-pix_fmt", "yuv420p", str(raw)]  # fmt: skip
    subprocess.run(cmd, check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scenes", type=int, default=10)
    ap.add_argument("--size", default="1536x640", help="output WxH; the clips are 768x320")
    ap.add_argument(
        "--moviepy-crf", default="18,default", help="moviepy variants: CRF numbers and/or 'default'"
    )
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    assert len(size) == 2
    crfs = [None if c == "default" else int(c) for c in args.moviepy_crf.split(",")]
    moviepy_py = ensure_moviepy()
    movpy = {f"moviepy crf {c or 'default'}": c for c in crfs}
    results: dict[str, list[RunStats]] = {k: [] for k in ("moviefactory", *movpy, "plain encode")}
    loads: list[float] = []
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory(dir=shm) as rawdir:
        tmp = Path(d)
        spec = make_inputs(tmp, args.fps, args.scenes, (size[0], size[1]))
        raw = Path(rawdir) / "frames.yuv"
        for run in range(args.runs):
            loads.append(os.getloadavg()[0])
            contenders: list[tuple[str, str, str, int | None]] = [
                ("moviefactory", sys.executable, OURS_SCRIPT, None)
            ]
            contenders += [(name, str(moviepy_py), MOVIEPY_SCRIPT, crf) for name, crf in movpy.items()]
            for name, py, script, crf in contenders:
                s = {**spec, "out": str(tmp / f"{name.replace(' ', '-')}-{run}.mp4"), "crf": crf}
                (tmp / "spec.json").write_text(json.dumps(s))
                (tmp / "script.py").write_text(script)
                results[name].append(
                    checked(name, run_measured([py, str(tmp / "script.py"), str(tmp / "spec.json")]))
                )
            if run == 0:
                decode_raw(tmp / "moviefactory-0.mp4", raw)  # the frames our compose wrote, untimed
            st = run_measured(plain_encode_cmd(raw, spec, tmp / f"plain{run}.mp4"))
            results["plain encode"].append(checked("plain encode", st))
    report(args, results, loads)


def checked(name: str, st: RunStats) -> RunStats:
    if st.returncode != 0:
        raise SystemExit(f"{name} failed (rc {st.returncode})")
    return st


def report(args: argparse.Namespace, results: dict[str, list[RunStats]], loads: list[float]) -> None:
    """Medians per contender, and ratios taken within each round (then their median)."""
    seconds = 2.0 * args.scenes - 0.5 * (args.scenes - 1)
    print(
        f"compose {args.scenes} x 2 s clips 768x320 -> {args.size} @ {args.fps} fps ({seconds:g} s of movie), "
        f"crossfades, effects, music; median of {args.runs} interleaved rounds; "
        f"load average (1 min) at round starts: {', '.join(f'{x:.1f}' for x in loads)}"
    )
    for k, v in results.items():
        wall = statistics.median(st.wall_s for st in v)
        cpu = statistics.median(st.cpu_s for st in v)
        rss = max(st.peak_rss_mb for st in v)
        print(f"  {k:<20} wall {wall:7.2f} s   CPU {cpu:7.2f} s   peak RSS (tree) {rss:6.0f} MB")
    ours = results["moviefactory"]

    def ratios(name: str, what: str, invert: bool = False) -> str:
        r = [getattr(o, what) / getattr(t, what) for o, t in zip(ours, results[name], strict=True)]
        r = [1 / x for x in r] if invert else r
        return f"{statistics.median(r):.2f}x (rounds {', '.join(f'{x:.2f}' for x in r)})"

    plain = results["plain encode"]
    for name in results:
        if name.startswith("moviepy"):
            ceiling = statistics.median(
                m.wall_s / p.wall_s for m, p in zip(results[name], plain, strict=True)
            )
            rss = max(st.peak_rss_mb for st in results[name]) / max(st.peak_rss_mb for st in ours)
            print(
                f"  speed-up vs {name}: wall {ratios(name, 'wall_s', True)}, CPU {ratios(name, 'cpu_s', True)}"
            )
            print(
                f"    target >= 5x; ceiling (moviepy / plain encode, wall) {ceiling:.2f}x; memory ratio {rss:.2f}x"
            )
    print(
        f"  compose / plain encode: wall {ratios('plain encode', 'wall_s')}, CPU {ratios('plain encode', 'cpu_s')}"
    )
    print("    target <= 1.3x")


if __name__ == "__main__":
    main()
