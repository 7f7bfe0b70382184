"""Animatic speed at the paper's generation size (768x320), one core.

Measures (1) frame generation alone (render_frames, steady state after the per-scene set is built),
(2) end to end through AnimaticBackend.render (includes the set, and x264 encoding via the bundled ffmpeg),
and compares against a baseline in the same run: a naive renderer that rebuilds the set every frame.
Peak RSS of this process is reported (resource.getrusage; ffmpeg runs in a child process, reported too).

Run: .venv/bin/python benchmarks/bench_animatic.py
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    import cv2

    cv2.setNumThreads(1)  # one core, as the benchmark target says
    import numpy as np

    from moviefactory.picture.animatic import AnimaticBackend, plan_scene, render_frames
    from moviefactory.picture.animatic.world import build_world
    from moviefactory.spec import Movie

    W, H, fps, dur = 768, 320, 24, 4.0
    chars = [{"id": "car", "name": "the red car", "description": "a red sports car"},
             {"id": "plane", "name": "plane", "description": "a silver airplane"}]  # fmt: skip
    cases = {
        "coast road, tracking, clear": dict(setting="coastal road", camera="tracking", action="speeding",
                                            subjects=["car"], time_of_day="sunrise"),
        "desert race, static": dict(setting="desert highway", camera="static", action="racing side by side",
                                    subjects=["car", "plane"]),
        "city night rain, pan": dict(setting="city street", camera="pan-right", weather="rain",
                                     time_of_day="night", subjects=["car"], action="driving"),
        "mountains snow, zoom-in": dict(setting="mountains", camera="zoom-in", weather="snow", subjects=["plane"],
                                        action="flying"),
    }  # fmt: skip
    scenes = [dict(id=f"s{i}", prompt="x", duration_s=dur, **c) for i, c in enumerate(cases.values())]
    movie = Movie.model_validate(
        {
            "request": "bench",
            "title": "bench",
            "characters": chars,
            "scenes": scenes,
            "style": {"width": W, "height": H, "fps": fps},
        }
    )
    print(f"animatic benchmark: {W}x{H}, {fps} fps, {dur:.0f} s scenes, 1 core")
    gen_rates = []
    for name, sc in zip(cases, movie.scenes, strict=True):
        plan = plan_scene(movie, sc)
        t0 = time.perf_counter()
        it = render_frames(plan)
        next(it)  # includes building the set
        t1 = time.perf_counter()
        n = 1 + sum(1 for _ in it)
        t2 = time.perf_counter()
        rate = (n - 1) / (t2 - t1)
        gen_rates.append(rate)
        print(f"  {name:36s} set {1000 * (t1 - t0):6.1f} ms   frames {rate:7.1f} frames/s")
    # the default path: each scene drawn from its prompt (design_scene runs once per scene in the main process,
    # as in AnimaticBackend.prepare; only frame generation is timed)
    from moviefactory.picture.animatic.design import design_scene

    prompts = {
        "grandmother+grandson, village dusk": "a grandmother walks with her grandson through a snowy mountain "
                                              "village at dusk",
        "samurai (held icon) vs ninja, night": "a samurai duels a ninja in a bamboo forest at night",
        "volcano, island village landmark": "a volcano erupts near a small island village",
        "fisherman, lake fog": "an old fisherman rows a boat across a calm lake in the fog",
    }  # fmt: skip
    pm = Movie.model_validate(
        {
            "request": "bench",
            "title": "bench",
            "style": {"width": W, "height": H, "fps": fps},
            "scenes": [dict(id=f"p{i}", prompt=t, duration_s=dur) for i, t in enumerate(prompts.values())],
        }
    )
    for name, sc in zip(prompts, pm.scenes, strict=True):
        plan = plan_scene(pm, sc, design=design_scene(pm, sc))
        it = render_frames(plan)
        next(it)
        t1 = time.perf_counter()
        n = 1 + sum(1 for _ in it)
        rate = (n - 1) / (time.perf_counter() - t1)
        gen_rates.append(rate)
        print(f"  {name:36s} frames {rate:7.1f} frames/s  (from the prompt)")
    # baseline: rebuild the set every frame (what the per-scene precompute saves)
    plan = plan_scene(movie, movie.scenes[0])
    t0 = time.perf_counter()
    nb = 6
    for i in range(nb):
        build_world(plan.family, plan.road, plan.time_of_day, plan.weather, W, H, np.random.default_rng(i))
    base_rate = nb / (time.perf_counter() - t0)
    print(f"  baseline (rebuild set per frame, set only): {base_rate:.1f} frames/s")
    mean_gen = sum(gen_rates) / len(gen_rates)
    print(f"  frame generation mean {mean_gen:.1f} frames/s = {mean_gen / base_rate:.1f}x the baseline")
    backend = AnimaticBackend()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        total = 0
        for sc in movie.scenes:
            clip = backend.render(movie, sc, Path(tmp) / f"{sc.id}.mp4")
            total += clip.num_frames
        dt = time.perf_counter() - t0
    print(
        f"  end to end (set + frames + x264 encode): {total / dt:.1f} frames/s ({total} frames, {dt:.2f} s)"
    )
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak RSS: python {self_rss:.0f} MB, ffmpeg child {child_rss:.0f} MB")


if __name__ == "__main__":
    main()
