"""Web studio test helpers: a real movie folder (workspace + hand-built script + a tiny encoded movie), built
at test time. No pipeline renders: jobs run small injected job functions."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from moviefactory.media import write_video
from moviefactory.spec import Character, Movie, Scene, Transition
from moviefactory.workspace import RunReport, Slot, Workspace, cache_key, slugify

REQUEST = "a race between a car and an airplane"
# Frame i of the tiny movie is filled with this colour (RGB), so a decoded download can be checked.
COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 220, 40)]


def tiny_movie(request: str = REQUEST) -> Movie:
    return Movie(
        request=request,
        title="Race of the Skies",
        logline="A red car and a small plane race along the coast.",
        characters=[Character(id="car", name="the red car", kind="car", color="#cc2222")],
        scenes=[
            Scene(
                id="s01",
                prompt="a red sports car on a coastal road at sunrise",
                duration_s=1.0,
                subjects=["car"],
                sound="engine roar",
                subtitle="Ready?",
            ),
            Scene(
                id="s02",
                prompt="a small plane banks over the sea",
                duration_s=1.5,
                transition_in=Transition.cut,
                subtitle="Go!",
            ),
        ],
    )


def write_tiny_mp4(path: Path, *, frames_per_colour: int = 4, size: tuple[int, int] = (64, 32)) -> Path:
    """len(COLOURS) * frames_per_colour frames at 8 fps, each a flat colour (H.264 keeps flat colours close)."""
    w, h = size
    frames = [np.full((h, w, 3), c, dtype=np.uint8) for c in COLOURS for _ in range(frames_per_colour)]
    return write_video(frames, path, fps=8, size=size)


def make_folder(
    out: Path, *, request: str = REQUEST, seed: int = 0, with_movie: bool = True, settings: dict | None = None
) -> Workspace:
    """A movie folder as the pipeline leaves it: manifest, script.json and (optionally) movie.mp4 + subtitles."""
    ws = Workspace.create(out / slugify(request, seed), request=request, seed=seed, settings=settings or {})
    ws.save_script(tiny_movie(request))
    if with_movie:
        write_tiny_mp4(ws.path("movie.mp4"))
        ws.record(Slot.cut(), cache_key("test", seed), duration_s=2.0, width=64, height=32)
        ws.manifest.report = RunReport(warnings=["sound: a test warning"])
        ws.save_manifest()
        ws.path("movie.srt").write_text(
            "1\n00:00:00,000 --> 00:00:01,000\nReady?\n\n2\n00:00:01,000 --> 00:00:02,500\nGo!\n"
        )
    return ws


class LiveStudio:
    """The studio app served by uvicorn on a free loopback port in a thread (a real HTTP server for the
    browser and for raw-socket tests). Use as a context manager; `.url` is its base URL."""

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        import socket

        import uvicorn

        with socket.socket() as s:
            s.bind((host, 0))
            self.port = int(s.getsockname()[1])
        self.host = host
        self.url = f"http://{host}:{self.port}"
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name="live-studio", daemon=True)

    def __enter__(self) -> LiveStudio:
        self.thread.start()
        end = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > end or not self.thread.is_alive():
                raise RuntimeError("the studio did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
