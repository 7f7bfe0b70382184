"""The animatic's sets at the paper's generation size (768x320), one core: what each set costs.

For every set in the registry, under a clear sky and in a storm: the precompute (build_set: painter, pieces,
effect textures, once per scene) and the steady-state per-frame cost of the set alone (World.paint: backdrop
+ parallax layers + "set" effects, then the "front" and "screen" effects). The per-frame cost is reported as
a share of the frame budget at 60 frames/s (16.7 ms), the animatic's floor for whole frames, and in CPU time
too (time.process_time: this process's own work, which a loaded shared machine does not inflate).

`--render` instead times whole frames (render_frames: set, subjects, camera, grade, grain) for
bench_animatic's four scenes in CPU time, best of 3: the before/after check for set changes that does not
depend on how loaded the machine is. Before = an older tree's src on PYTHONPATH (it needs no new API).

Run: .venv/bin/python benchmarks/bench_sets.py [--only sea,kitchen] [--render]
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def render_cpu() -> None:
    """render_frames steady state in CPU time for bench_animatic's four scenes (768x320, 24 fps, 2 s)."""
    from moviefactory.picture.animatic import plan_scene, render_frames
    from moviefactory.spec import Movie

    chars = [{"id": "car", "name": "the red car", "description": "a red sports car"},
             {"id": "plane", "name": "plane", "description": "a silver airplane"}]  # fmt: skip
    cases = {
        "coast road, tracking, clear": dict(setting="coastal road", camera="tracking", action="speeding",
                                            subjects=["car"], time_of_day="sunrise"),
        "desert race, static": dict(setting="desert highway", camera="static", action="racing side by side",
                                    subjects=["car", "plane"]),
        "city night rain, pan": dict(setting="city street", camera="pan-right", weather="rain", time_of_day="night",
                                     subjects=["car"], action="driving"),
        "mountains snow, zoom-in": dict(setting="mountains", camera="zoom-in", weather="snow", subjects=["plane"],
                                        action="flying"),
    }  # fmt: skip
    scenes = [dict(id=f"s{i}", prompt="x", duration_s=2.0, **c) for i, c in enumerate(cases.values())]
    movie = Movie.model_validate({"request": "bench", "title": "bench", "characters": chars, "scenes": scenes,
                                  "style": {"width": 768, "height": 320, "fps": 24}})  # fmt: skip
    rates = []
    for name, sc in zip(cases, movie.scenes, strict=True):
        plan = plan_scene(movie, sc)
        best = 0.0
        for _ in range(3):
            it = render_frames(plan)
            next(it)  # the set is built here: steady state starts after it
            c0 = time.process_time()
            n = sum(1 for _ in it)
            best = max(best, n / (time.process_time() - c0))
        rates.append(best)
        print(f"  {name:32s} {best:7.1f} frames/s (CPU time)")
    print(f"  mean {sum(rates) / len(rates):.1f} frames/s (CPU time)")


def main() -> None:
    import cv2

    cv2.setNumThreads(1)  # one core, as the benchmark target says
    if "--render" in sys.argv:
        render_cpu()
        return
    import numpy as np

    from moviefactory.picture.animatic.sets import SETS
    from moviefactory.picture.animatic.world import build_set

    W, H, fps, n = 768, 320, 24, 48
    names = list(SETS)
    if "--only" in sys.argv:
        names = sys.argv[sys.argv.index("--only") + 1].split(",")
    budget_ms = 1000 / 60
    print(f"sets benchmark: {W}x{H}, {n} frames per case, 1 core; per-frame cost vs the 60 frames/s budget")
    print(
        f"  {'set':18s} {'weather':8s} {'build ms':>9s} {'frame ms':>9s} {'cpu ms':>7s} {'of budget':>9s}  effects"
    )
    worst = (0.0, "")
    for name in names:
        for weather in ("clear", "storm"):
            t0 = time.perf_counter()
            world = build_set(name, "night", weather, W, H, np.random.default_rng(0))
            build_ms = 1000 * (time.perf_counter() - t0)
            frame = np.empty((H, W, 3), np.uint8)
            best_wall, best_cpu = float("inf"), float("inf")
            for _ in range(3):  # best of 3 passes: the machine is shared
                w0, c0 = time.perf_counter(), time.process_time()
                for fi in range(n):
                    t = fi / fps
                    world.paint(
                        frame, t, scroll=40.0 * t
                    )  # a slow tracking move: layers slice at new offsets
                    world.apply_effects(frame, t, "front")
                    world.apply_effects(frame, t, "screen")
                best_wall = min(best_wall, 1000 * (time.perf_counter() - w0) / n)
                best_cpu = min(best_cpu, 1000 * (time.process_time() - c0) / n)
            share = best_cpu / budget_ms
            worst = max(worst, (share, f"{name} {weather}"))
            fx = ",".join(dict.fromkeys(e.name for e in world.effects)) or "-"
            print(
                f"  {name:18s} {weather:8s} {build_ms:9.1f} {best_wall:9.2f} {best_cpu:7.2f} {share:8.0%}  {fx}"
            )
    print(f"  worst: {worst[1]} takes {worst[0]:.0%} of a 60 frames/s frame (CPU time)")


if __name__ == "__main__":
    main()
