"""Compose 10 clips + per-scene effects + music: our single ffmpeg graph vs moviepy (the approach of
MoneyPrinterTurbo and most peers). Same ffmpeg binary (imageio-ffmpeg), same inputs, median of N runs.

moviepy lives in its own virtual environment (benchmarks/.venv-moviepy, created on first run), because it
pins Pillow < 12; it is never a dependency of the product.

    .venv/bin/python benchmarks/bench_compose.py [--fps 24] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _measure import run_measured

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
video.write_videofile(spec["out"], fps=spec["fps"], codec="libx264", audio_codec="aac", preset="veryfast",
                      logger=None, threads=2)
"""


def ensure_moviepy() -> Path:
    py = MOVIEPY_VENV / "bin" / "python"
    if not py.exists():
        venv.create(MOVIEPY_VENV, with_pip=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "moviepy==2.2.1", "numpy"], check=True)
    return py


def make_inputs(tmp: Path, fps: int) -> dict[str, object]:
    from moviefactory.media import AUDIO_RATE, write_video, write_wav

    rng = np.random.default_rng(0)
    clips, effects = [], []
    for i in range(10):
        base = rng.integers(30, 220, 3)
        frames = []
        for f in range(2 * fps):  # a moving gradient so the encoder has real work
            x = np.linspace(0, 1, 768)[None, :, None]
            img = (base * (0.6 + 0.4 * np.sin(6 * x + f / fps * 3))).clip(0, 255)
            frames.append(np.broadcast_to(img, (320, 768, 3)).astype(np.uint8))
        clips.append(str(write_video(frames, tmp / f"c{i}.mp4", fps=fps, size=(768, 320))))
        effects.append(str(write_wav(0.1 * rng.standard_normal((2 * AUDIO_RATE, 2)), tmp / f"e{i}.wav")))
    t = np.arange(20 * AUDIO_RATE) / AUDIO_RATE
    music = write_wav(np.stack([0.2 * np.sin(2 * np.pi * 220 * t)] * 2, 1), tmp / "music.wav")
    return {"clips": clips, "effects": effects, "music": str(music), "fps": fps, "w": 1536, "h": 640, "xfade": 0.5}


OURS_SCRIPT = r"""
import json, sys
from pathlib import Path
from moviefactory.compose import ComposeInputs, compose
from moviefactory.spec import Movie, Scene, Style
spec = json.load(open(sys.argv[1]))
scenes = [Scene(id=f"s{i:02d}", prompt="p", duration_s=2.0, transition_s=spec["xfade"]) for i in range(10)]
style = Style(width=768, height=320, fps=spec["fps"], output_width=spec["w"], output_height=spec["h"])
movie = Movie(request="bench", title="bench", scenes=scenes, style=style)
paths = [Path(p) for p in spec["clips"]]
compose(ComposeInputs(movie, paths, [Path(p) for p in spec["effects"]], [None] * 10, Path(spec["music"])),
        Path(spec["out"]))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    moviepy_py = ensure_moviepy()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        spec = make_inputs(tmp, args.fps)
        results: dict[str, list[tuple[float, float]]] = {"moviefactory": [], "moviepy": []}
        for run in range(args.runs):
            for name, py, script in (("moviefactory", sys.executable, OURS_SCRIPT),
                                     ("moviepy", str(moviepy_py), MOVIEPY_SCRIPT)):  # fmt: skip
                s = {**spec, "out": str(tmp / f"{name}{run}.mp4")}
                (tmp / "spec.json").write_text(json.dumps(s))
                (tmp / "script.py").write_text(script)
                st = run_measured([py, str(tmp / "script.py"), str(tmp / "spec.json")])
                if st.returncode != 0:
                    raise SystemExit(f"{name} failed (rc {st.returncode})")
                results[name].append((st.wall_s, st.peak_rss_mb))
    med = {k: (statistics.median(w for w, _ in v), max(r for _, r in v)) for k, v in results.items()}
    print(f"compose 10 x 2 s clips 768x320 -> 1536x640 @ {args.fps} fps, crossfades, effects, music; "
          f"median of {args.runs}")  # fmt: skip
    for k, (w, r) in med.items():
        print(f"  {k:<13} wall {w:6.2f} s   peak RSS (process tree) {r:7.0f} MB")
    ratio = med["moviepy"][0] / med["moviefactory"][0]
    print(f"  speed-up: {ratio:.2f}x  (target >= 5x)   memory ratio: {med['moviepy'][1] / med['moviefactory'][1]:.2f}x")


if __name__ == "__main__":
    main()
