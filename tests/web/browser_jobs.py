"""Job functions the studio runs in its child processes during tests (worker.ProcessRunner targets).

`studio_job` follows the pipeline's contract at test speed: a make writes a script (`scenes` from the form,
default 2) into the job's folder; every run renders each scene whose inputs changed (or that was asked for)
into scenes/<id>/clip.mp4, a flat colour hashed from the prompt, frame by frame with progress, records it
with a cache key, then cuts movie.mp4 and movie.srt from the clips. `slow_job` renders nothing: it starts a
grandchild process (a stand-in for a scene worker), writes both pids to config["pids"] and sleeps, so tests
can cancel it or kill the server and check that the whole tree is gone.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from web_fixtures import tiny_movie

from moviefactory.media import write_video
from moviefactory.progress import Reporter
from moviefactory.spec import Movie, Scene
from moviefactory.web.jobs import Job
from moviefactory.workspace import RunReport, Slot, Workspace, cache_key

FPS = 8
SIZE = (96, 48)


def colour_of(prompt: str) -> tuple[int, int, int]:
    d = hashlib.sha256(prompt.encode()).digest()
    return (40 + d[0] % 200, 40 + d[1] % 200, 40 + d[2] % 200)


def studio_job(job: Job, reporter: Reporter, config: dict[str, Any]) -> dict[str, Any]:
    out = Path(config["out"])
    frame_s = float(config.get("frame_s", 0.05))  # seconds per rendered frame: progress a person can see
    # 1. script
    if job.kind == "make":
        reporter.start("script", "writing the script", 1)
        ws = Workspace.create(
            out / str(job.slug),
            request=job.params["text"],
            seed=job.params["seed"],
            settings={"scenes": job.params.get("scenes"), "aspect": job.params.get("aspect")},
        )
        if not ws.has_script():
            base = tiny_movie(job.params["text"])
            n = job.params.get("scenes") or 2
            scenes = [
                Scene(
                    id=f"s{i + 1:02d}",
                    prompt=f"shot {i + 1} of {job.params['text']}",
                    duration_s=1.0,
                    subtitle=f"line {i + 1}",
                )
                for i in range(n)
            ]
            ws.save_script(base.model_copy(update={"scenes": scenes, "characters": []}))
        reporter.finish("script")
    else:
        ws = Workspace.open(out / job.params["folder"])
    with ws:
        movie = ws.load_script()
        force = set(job.params.get("scenes") or ()) if job.kind == "render" else set()
        rendered = render_clips(ws, movie, force, reporter, frame_s)
        # 2. the cut
        reporter.start("compose", "composing", 1)
        frames = []
        for scene in movie.scenes:
            frames += [np.full((SIZE[1], SIZE[0], 3), colour_of(scene.prompt), np.uint8)] * round(
                scene.duration_s * FPS
            )
        write_video(frames, ws.path("movie.mp4"), fps=FPS, size=SIZE)
        ws.record(
            Slot.cut(),
            cache_key("cut", [s.prompt for s in movie.scenes]),
            duration_s=len(frames) / FPS,
            width=SIZE[0],
            height=SIZE[1],
        )
        srt, t = [], 0.0
        for i, scene in enumerate(movie.scenes):
            srt.append(f"{i + 1}\n{_ts(t)} --> {_ts(t + scene.duration_s)}\n{scene.subtitle or scene.id}\n")
            t += scene.duration_s
        ws.path("movie.srt").write_text("\n".join(srt), encoding="utf-8")
        ws.manifest.report = RunReport()
        ws.save_manifest()
        reporter.finish("compose")
    return {
        "slug": ws.root.name,
        "duration_s": t,
        "rendered": [*rendered, "movie.mp4"],
        "reused": [],
        "warnings": [],
    }


def render_clips(
    ws: Workspace, movie: Movie, force: set[str], reporter: Reporter, frame_s: float
) -> list[str]:
    todo = [s for s in movie.scenes if s.id in force or not ws.is_current(Slot.clip(s.id), _key(s))]
    reporter.start("picture", "picture (test colours)", len(todo))
    for i, scene in enumerate(todo):
        n = round(scene.duration_s * FPS)
        reporter.start(f"scene:{scene.id}", scene.id, n)
        for f in range(n):
            time.sleep(frame_s)
            reporter.update(f"scene:{scene.id}", f + 1, n)
        frames = [np.full((SIZE[1], SIZE[0], 3), colour_of(scene.prompt), np.uint8)] * n
        write_video(frames, ws.paths.clip(scene.id), fps=FPS, size=SIZE)
        ws.record(Slot.clip(scene.id), _key(scene), frames=n, fps=float(FPS), width=SIZE[0], height=SIZE[1])
        reporter.finish(f"scene:{scene.id}")
        reporter.update("picture", i + 1)
    reporter.finish("picture")
    return [ws.paths.rel(Slot.clip(s.id)) for s in todo]


def slow_job(job: Job, reporter: Reporter, config: dict[str, Any]) -> dict[str, Any]:
    if job.kind == "library":  # an upload: the real indexing is tested in test_web_library
        return {"file": job.params["file"], "kind": job.params["kind"]}
    reporter.start("script", "writing the script", 1)
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    Path(config["pids"]).write_text(json.dumps({"child": os.getpid(), "grandchild": grandchild.pid}))
    for i in range(1200):  # 120 s unless cancelled or killed
        time.sleep(0.1)
        if i % 10 == 0:
            reporter.note(f"still working ({i // 10} s)")
    return {"slug": job.slug, "duration_s": 0.0, "rendered": [], "reused": [], "warnings": []}


def _key(scene: Scene) -> str:
    return cache_key("test-clip", scene.prompt, scene.duration_s)


def _ts(t: float) -> str:
    ms = round(t * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"
