"""The only place that knows the order: script -> picture -> (frame rate, upscale) -> sound -> compose -> report.

Every artifact has a cache key: a hash of the inputs that shaped it, the backend's identity and the seed.
A re-run skips what is current, so an edited scene re-renders that scene (clip, its effects) and the final
cut only. Scenes render independently (a local process pool, or Ray); a failed scene is retried alone and
reported, and every scene that succeeded is recorded before the error surfaces, so nothing is lost.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import sys
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from moviefactory import __version__
from moviefactory.config import Settings
from moviefactory.errors import DiskFullError, InputError, MovieFactoryError, SceneError
from moviefactory.picture import PICTURE, Clip, PictureBackend
from moviefactory.progress import NullReporter, Reporter
from moviefactory.script import WRITERS
from moviefactory.spec import Movie, Scene, Style, Transition, check_text
from moviefactory.workspace import Workspace, atomic_write_text, cache_key, slugify

COMPOSE_VERSION = "2"  # bump when the compose graph changes what it outputs (2: narration offset once)


@dataclass
class MakeResult:
    root: Path
    movie: Path
    subtitles: Path
    report: Path | None
    duration_s: float
    rendered: list[str] = field(default_factory=list)  # artifacts (re)made in this run
    reused: list[str] = field(default_factory=list)  # artifacts that were current
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "movie": str(self.movie),
            "folder": str(self.root),
            "subtitles": str(self.subtitles),
            "report": str(self.report) if self.report else None,
            "duration_s": round(self.duration_s, 3),
            "rendered": self.rendered,
            "reused": self.reused,
            "warnings": self.warnings,
        }


# -- script -----------------------------------------------------------------------------------------------
def movie_folder(settings: Settings, request: str, seed: int) -> Path:
    return Path(settings.out) / slugify(request, seed)


def write_script(request: str, settings: Settings, *, seed: int, reporter: Reporter | None = None,
                 rewrite: bool = False) -> Workspace:  # fmt: skip
    """Create (or reuse) the request's folder and make sure it has a valid script.json (`rewrite`: a new one)."""
    reporter = reporter or NullReporter()
    request = check_text(request, what="the request")
    WRITERS.get(settings.writer)
    ws = Workspace.create(movie_folder(settings, request, seed), request=request, seed=seed,
                          settings=settings.fingerprint())  # fmt: skip
    with ws:
        _ensure_script(ws, settings, reporter, rewrite=rewrite)
    return ws


def _ensure_script(ws: Workspace, settings: Settings, reporter: Reporter, *, rewrite: bool = False) -> Movie:
    if ws.has_script() and not rewrite:
        movie = ws.load_script()  # the user's (possibly edited) script wins over the writer
        made_by = movie.writer.split(":", 1)[0]
        if "writer" in settings.model_fields_set and made_by and made_by != settings.writer:
            raise InputError(f"{ws.script_path} was written by the {made_by} writer (and may hold your edits); "
                             f"pass --rewrite to replace it with a script by --writer {settings.writer}")  # fmt: skip
        return movie
    if ws.has_script():  # --rewrite: the old script stays beside the new one
        atomic_write_text(ws.path("script.prev.json"), ws.script_path.read_text(encoding="utf-8"))
    reporter.start("script", "writing the script", 1)
    style = Style.for_aspect(settings.aspect, fps=settings.fps, scale=settings.scale)
    writer = WRITERS.get(settings.writer).from_settings(settings)
    attach = getattr(writer, "attach", None)  # writers that talk to a model keep a transcript in the folder
    if callable(attach):
        attach(ws.root, reporter)
    movie = writer.write(ws.manifest["request"], scenes=settings.scenes, seed=ws.manifest["seed"], style=style)
    ws.save_script(movie)
    notices = [str(n) for n in getattr(writer, "notices", [])]  # what the writer could not use ("not used: ...")
    ws.record("script.json", cache_key(ws.manifest["request"], ws.manifest["seed"], settings.writer),
              writer=movie.writer, notices=notices)  # fmt: skip
    reporter.finish("script")
    return movie


def check_backends(settings: Settings, *, writer: bool = True) -> None:
    """Fail before any work when a chosen backend is unknown or its optional dependencies are missing."""
    from moviefactory.sound import SOUND

    if writer:
        WRITERS.get(settings.writer)
    PICTURE.get(settings.picture).from_settings(settings)  # cheap: checks --model/--adapters, loads nothing
    SOUND.get(settings.sound)


def make(request: str, settings: Settings, *, seed: int, reporter: Reporter | None = None,
         folder: Path | None = None, rewrite: bool = False) -> MakeResult:  # fmt: skip
    """The whole flow for a request; running it again resumes in the same folder. `folder` replaces the
    default <out>/<slug> (the studio's new version of a movie made again with other settings); `rewrite`
    replaces the folder's script with a new one from the chosen writer."""
    reporter = reporter or NullReporter()
    request = check_text(request, what="the request")
    check_backends(settings)
    ws = Workspace.create(folder or movie_folder(settings, request, seed), request=request, seed=seed,
                          settings=settings.fingerprint())  # fmt: skip
    with ws:
        _ensure_script(ws, settings, reporter, rewrite=rewrite)
        with _disk_need(ws, settings):
            return _render(ws, settings, reporter, force_scenes=())


def render(root: Path, settings: Settings, *, scenes: tuple[str, ...] = (), reporter: Reporter | None = None) -> MakeResult:
    """Rebuild a folder from its script.json, reusing every current artifact; `scenes` are re-rendered."""
    ws = Workspace.open(root)
    check_backends(settings, writer=False)
    with ws:
        movie = ws.load_script()
        for sid in scenes:
            movie.scene(sid)  # unknown ids fail before any work
        with _disk_need(ws, settings):
            return _render(ws, settings, reporter or NullReporter(), force_scenes=scenes)


# -- picture ----------------------------------------------------------------------------------------------
def picture_key(movie: Movie, scene: Scene, identity: dict[str, Any]) -> str:
    """What shapes a clip: the scene's visual fields, its characters, the style, the mood, the backend."""
    visual = scene.model_dump(mode="json", exclude={"sound", "narration", "subtitle", "transition_in", "transition_s"})
    chars = [movie.character(c).model_dump(mode="json") for c in scene.subjects]
    return cache_key("picture", visual, chars, movie.style, movie.tone.mood.value, identity)


def _render_scene_worker(
    backend: PictureBackend, movie: Movie, scene: Scene, out: Path, progress_q: Any | None
) -> Clip:
    """Runs in a worker process (or a Ray task): render one scene, reporting frames via a queue (the pool's,
    given to `_init_worker`, when `progress_q` is None)."""
    q = progress_q if progress_q is not None else _WORKER_QUEUE

    def progress(done: int, total: int) -> None:
        if q is not None:
            q.put((scene.id, done, total))

    return backend.render(movie, scene, out, progress)


_WORKER_QUEUE: Any = None  # in a pool worker: the progress queue handed over at start-up


def _init_worker(parent_pid: int, progress_q: Any) -> None:
    """Pool worker start-up: keep the progress queue, and die with the parent. A killed `make` or `serve`
    must not leave workers writing into a folder whose lock is gone (Linux: PR_SET_PDEATHSIG; elsewhere the
    pool's broken pipe stops them at their next task)."""
    global _WORKER_QUEUE
    _WORKER_QUEUE = progress_q
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _run_picture(ws: Workspace, movie: Movie, settings: Settings, reporter: Reporter, force: tuple[str, ...],
                 result: MakeResult) -> dict[str, Clip | Path]:  # fmt: skip
    backend_cls = PICTURE.get(settings.picture)
    backend = backend_cls.from_settings(settings)
    identity = backend.identity()
    clips: dict[str, Clip | Path] = {}
    todo: list[tuple[Scene, str, str]] = []
    # A backend that starts a scene from the previous scene's last frame (continuity) makes each clip
    # depend on its predecessor: chain the keys, so an edit re-renders the scenes that follow it too.
    chained = float(getattr(backend, "continuity", 0.0) or 0.0) > 0.0
    prev_key = ""
    for scene in movie.scenes:
        rel = f"scenes/{scene.id}/clip.mp4"
        key = picture_key(movie, scene, identity)
        if chained and prev_key and scene.transition_in is not Transition.cut:
            key = cache_key(key, prev_key)
        prev_key = key
        if scene.id not in force and ws.is_current(rel, key):
            clips[scene.id] = ws.path(rel)
            result.reused.append(rel)
        else:
            todo.append((scene, rel, key))
    if not todo:
        return clips
    reporter.start("picture", f"picture ({backend_cls.name})", len(todo))
    backend.prepare(movie)
    failures: dict[str, str] = {}
    attempts = {s.id: 0 for s, _, _ in todo}
    pending = list(todo)
    done_count = 0
    for s, _, _ in todo:
        reporter.start(f"scene:{s.id}", f"  {s.id}", max(1, round(s.duration_s * movie.style.fps)))

    def finished(scene: Scene, rel: str, key: str, clip: Clip, seconds: float) -> None:
        nonlocal done_count
        ws.record(rel, key, backend=f"{backend_cls.name} v{backend_cls.version}", seconds=round(seconds, 3),
                  frames=clip.num_frames, fps=clip.fps, warnings=clip.warnings)  # fmt: skip
        clips[scene.id] = clip
        result.rendered.append(rel)
        result.warnings += [f"scene {scene.id}: {w}" for w in clip.warnings]
        done_count += 1
        reporter.finish(f"scene:{scene.id}")
        reporter.update("picture", done_count)

    while pending:
        batch, pending = pending, []
        workers = settings.resolved_workers(cap=len(batch)) if backend_cls.parallel else 1
        if settings.executor == "ray":
            outcomes = _run_ray(backend, movie, batch, ws)
            for (scene, rel, key), (clip, err, secs) in zip(batch, outcomes, strict=True):
                if err is None and clip is not None:
                    finished(scene, rel, key, clip, secs)
                else:
                    _failed(scene, rel, key, err or "unknown error", attempts, failures, settings, pending, reporter)
        elif workers <= 1:
            for scene, rel, key in batch:
                t0 = time.perf_counter()
                try:
                    clip = backend.render(movie, scene, ws.path(rel), partial(_scene_progress, reporter, scene.id))
                except DiskFullError:
                    raise  # retrying cannot help, and every other scene would fail the same way
                except MovieFactoryError as exc:
                    _failed(scene, rel, key, str(exc), attempts, failures, settings, pending, reporter)
                    continue
                finished(scene, rel, key, clip, time.perf_counter() - t0)
        else:
            ctx = mp.get_context("spawn")  # fork after torch/MiniLM are loaded is unsafe; spawn is clean
            # A plain queue handed to each worker at start-up (not a Manager: its server process and
            # socket folder outlive a killed run); workers die with this process (_init_worker).
            q = ctx.Queue()
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                     initargs=(os.getpid(), q)) as pool:  # fmt: skip
                started: dict[Future[Clip], tuple[Scene, str, str, float]] = {}
                for scene, rel, key in batch:
                    fut = pool.submit(_render_scene_worker, backend, movie, scene, ws.path(rel), None)
                    started[fut] = (scene, rel, key, time.perf_counter())
                waiting = set(started)
                while waiting:
                    done, waiting = wait(waiting, timeout=0.1, return_when=FIRST_COMPLETED)
                    _drain(q, reporter)
                    for fut in done:
                        scene, rel, key, t0 = started[fut]
                        try:
                            clip = fut.result()
                        except DiskFullError:
                            raise
                        except Exception as exc:  # a worker's error of any kind fails only its scene
                            _failed(scene, rel, key, f"{type(exc).__name__}: {exc}", attempts, failures, settings,
                                    pending, reporter)  # fmt: skip
                            continue
                        finished(scene, rel, key, clip, time.perf_counter() - t0)
                _drain(q, reporter)
            q.close()
    reporter.finish("picture")
    if failures:
        sid, msg = next(iter(failures.items()))
        more = f" (and {len(failures) - 1} more scenes)" if len(failures) > 1 else ""
        ws.set_stage("picture", "failed", failures=failures)
        raise SceneError(sid, f"{msg}{more}; the other scenes are kept, run again to retry")
    return clips


def _scene_progress(reporter: Reporter, scene_id: str, done: int, total: int) -> None:
    reporter.update(f"scene:{scene_id}", done, total)


def _drain(q: Any, reporter: Reporter) -> None:
    while True:
        try:
            sid, d, t = q.get_nowait()
        except queue.Empty:
            return
        reporter.update(f"scene:{sid}", d, t)


def _failed(scene: Scene, rel: str, key: str, message: str, attempts: dict[str, int], failures: dict[str, str],
            settings: Settings, pending: list[tuple[Scene, str, str]], reporter: Reporter) -> None:  # fmt: skip
    attempts[scene.id] += 1
    if attempts[scene.id] <= settings.retries:
        reporter.note(f"scene {scene.id} failed ({message}); retrying")
        pending.append((scene, rel, key))
    else:
        failures[scene.id] = message


def _run_ray(backend: PictureBackend, movie: Movie, batch: list[tuple[Scene, str, str]], ws: Workspace
             ) -> list[tuple[Clip | None, str | None, float]]:  # fmt: skip
    """Scale-out on Ray: one task per scene. The clip comes back as bytes, so workers on other machines need
    no shared filesystem; the driver writes it into the workspace atomically. RAY_ADDRESS picks the cluster."""
    try:
        import ray
    except ImportError as exc:
        raise MovieFactoryError("--executor ray needs Ray: pip install 'moviefactory[ray]'") from exc
    from moviefactory.workspace import atomic_output

    ray.init(ignore_reinit_error=True, log_to_driver=False)
    gpus = 1 if not type(backend).parallel else 0

    @ray.remote(num_gpus=gpus, max_retries=0)
    def task(b: PictureBackend, m: Movie, s: Scene) -> tuple[bytes, Clip, float]:
        import tempfile

        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as d:
            clip = b.render(m, s, Path(d) / "clip.mp4", None)
            return clip.path.read_bytes(), clip, time.perf_counter() - t0

    refs = [task.remote(backend, movie, s) for s, _, _ in batch]
    out: list[tuple[Clip | None, str | None, float]] = []
    for (_scene, rel, _key), ref in zip(batch, refs, strict=True):
        try:
            data, clip, secs = ray.get(ref)
        except Exception as exc:  # a task failure fails only its scene
            out.append((None, f"{type(exc).__name__}: {exc}", 0.0))
            continue
        with atomic_output(ws.path(rel)) as tmp:
            tmp.write_bytes(data)
        out.append((Clip(ws.path(rel), clip.width, clip.height, clip.fps, clip.num_frames, clip.backend,
                         clip.warnings), None, secs))  # fmt: skip
    return out


# -- finishing: frame rate and super-resolution ---------------------------------------------------------
def _finish_clips(ws: Workspace, movie: Movie, settings: Settings, clips: dict[str, Clip | Path],
                  reporter: Reporter, result: MakeResult) -> list[Path]:  # fmt: skip
    from moviefactory.media import probe

    out: list[Path] = []
    for scene in movie.scenes:
        src_rel = f"scenes/{scene.id}/clip.mp4"
        src_key = ws.manifest["artifacts"][src_rel]["key"]
        path = ws.path(src_rel)
        fps = probe(path).fps
        if settings.upscale:
            from moviefactory.upscale import upscale_clip

            rel = f"scenes/{scene.id}/clip_sr.mp4"
            key = cache_key("sr", src_key, str(settings.upscale), movie.style.output_width, movie.style.output_height)
            if not ws.is_current(rel, key):
                reporter.note(f"upscaling {scene.id}")
                upscale_clip(path, ws.path(rel), model_path=Path(settings.upscale),
                             target=None, device=settings.device)  # fmt: skip
                ws.record(rel, key, source=src_rel)
                result.rendered.append(rel)
            path, src_key, src_rel = ws.path(rel), key, rel
        if abs(float(fps) - movie.style.fps) > 1e-3:
            from moviefactory.upscale import interpolate_clip

            rel = f"scenes/{scene.id}/clip_{movie.style.fps}fps.mp4"
            key = cache_key("fps", src_key, movie.style.fps)
            if not ws.is_current(rel, key):
                reporter.note(f"interpolating {scene.id} {float(fps):g} -> {movie.style.fps} fps")
                interpolate_clip(path, ws.path(rel), fps=movie.style.fps)
                ws.record(rel, key, source=src_rel)
                result.rendered.append(rel)
            path = ws.path(rel)
        out.append(path)
    return out


# -- sound --------------------------------------------------------------------------------------------------
def _run_sound(ws: Workspace, movie: Movie, settings: Settings, reporter: Reporter, result: MakeResult
               ) -> tuple[list[Path | None], list[Path | None], Path | None]:  # fmt: skip
    from moviefactory.sound import SOUND, Credit
    from moviefactory.sound.credits import write_credits

    backend_cls = SOUND.get(settings.sound)
    backend = backend_cls.from_settings(settings)
    ident = backend.identity()
    effects: list[Path | None] = []
    narration: list[Path | None] = []
    uses: list[tuple[str, list[Credit]]] = []  # (where used, credits), from the records so reuse still credits
    descriptions: dict[str, str] = dict(ws.manifest.get("result", {}).get("sound", {}))
    reporter.start("sound", f"sound ({backend_cls.name})", len(movie.scenes) + 1)
    for i, scene in enumerate(movie.scenes):
        clip_rel = f"scenes/{scene.id}/clip.mp4"
        clip_key = ws.manifest["artifacts"][clip_rel]["key"]
        rel = f"scenes/{scene.id}/effects.wav"
        key = cache_key("effects", scene.sound, scene.action, scene.prompt, scene.duration_s, clip_key, ident)
        if not ws.is_current(rel, key):
            track = backend.effects(movie, scene, ws.path(clip_rel), ws.path(rel))
            ws.record(rel, key, description=track.description, credits=[c.__dict__ for c in track.credits])
            result.rendered.append(rel)
            result.warnings += track.warnings
        else:
            result.reused.append(rel)
        rec = ws.artifact(rel) or {}
        descriptions[scene.id] = rec.get("description", "")
        uses.append((scene.id, [Credit(**c) for c in rec.get("credits", [])]))
        effects.append(ws.path(rel))

        nar: Path | None = None
        if scene.narration and settings.narration:
            rel = f"scenes/{scene.id}/narration.wav"
            key = cache_key("narration", scene.narration, ident)
            if ws.is_current(rel, key):
                nar = ws.path(rel)
                result.reused.append(rel)
            else:
                track_n = backend.narration(movie, scene, ws.path(rel))
                if track_n is not None:
                    ws.record(rel, key, description=track_n.description,
                              credits=[c.__dict__ for c in track_n.credits])  # fmt: skip
                    result.rendered.append(rel)
                    nar = ws.path(rel)
                    result.warnings += track_n.warnings
        if nar is not None:
            uses.append((scene.id, [Credit(**c) for c in (ws.artifact(f"scenes/{scene.id}/narration.wav") or {})
                                    .get("credits", [])]))  # fmt: skip
        narration.append(nar)
        reporter.update("sound", i + 1)
    result.warnings += list(getattr(backend, "notices", []))
    rel = "music.wav"
    key = cache_key("music", movie.tone, round(movie.total_duration_s(), 3), ident)
    if not ws.is_current(rel, key):
        track = backend.music(movie, ws.path(rel))
        ws.record(rel, key, description=track.description, credits=[c.__dict__ for c in track.credits])
        result.rendered.append(rel)
        result.warnings += track.warnings
    else:
        result.reused.append(rel)
    rec = ws.artifact(rel) or {}
    descriptions["music"] = rec.get("description", "")
    uses.append(("music", [Credit(**c) for c in rec.get("credits", [])]))
    write_credits(ws.root, uses)
    reporter.finish("sound")
    ws.manifest.setdefault("result", {})["sound"] = descriptions
    return effects, narration, ws.path(rel)


# -- all stages -----------------------------------------------------------------------------------------------
def _render(ws: Workspace, settings: Settings, reporter: Reporter, *, force_scenes: tuple[str, ...]) -> MakeResult:
    from moviefactory.compose import ComposeInputs, compose, write_subtitles

    movie = ws.load_script()
    result = MakeResult(root=ws.root, movie=ws.path("movie.mp4"), subtitles=ws.path("movie.srt"), report=None,
                        duration_s=movie.total_duration_s())  # fmt: skip
    script_rec = ws.artifact("script.json") or {}
    result.warnings += [f"script: {n}" for n in script_rec.get("notices", []) if isinstance(n, str)]
    t0 = time.perf_counter()
    ws.set_stage("picture", "running")
    clips = _run_picture(ws, movie, settings, reporter, force_scenes, result)
    ws.set_stage("picture", "done")
    finished = _finish_clips(ws, movie, settings, clips, reporter, result)
    ws.set_stage("sound", "running")
    effects, narration, music = _run_sound(ws, movie, settings, reporter, result)
    ws.set_stage("sound", "done")

    # Subtitles are always written; the movie is rebuilt when any input artifact or the script changed.
    write_subtitles(movie, ws.path("movie.srt"), ws.path("movie.vtt"))
    inputs = [ws.manifest["artifacts"].get(str(p.relative_to(ws.root)), {}).get("key") for p in finished]
    inputs += [ws.manifest["artifacts"].get(str(p.relative_to(ws.root)), {}).get("key") if p else None
               for p in (*effects, *narration, music)]  # fmt: skip
    key = cache_key("compose", COMPOSE_VERSION, movie, inputs, settings.burn_subtitles)
    if not ws.is_current("movie.mp4", key):
        reporter.start("compose", "composing (ffmpeg)", 1)
        ws.set_stage("compose", "running")
        res = compose(ComposeInputs(movie, finished, effects, narration, music), ws.path("movie.mp4"),
                      burn_subtitles=settings.burn_subtitles, scratch=ws.root)  # fmt: skip
        loud = res.loudness.__dict__ if res.loudness else None
        ws.record("movie.mp4", key, duration_s=res.duration_s, width=res.width, height=res.height, loudness=loud)
        ws.set_stage("compose", "done")
        result.rendered.append("movie.mp4")
        result.warnings += res.warnings
        reporter.finish("compose")
    else:
        result.reused.append("movie.mp4")
    rec = ws.artifact("movie.mp4") or {}
    result.duration_s = float(rec.get("duration_s", result.duration_s))
    ws.manifest["result"] = {
        **ws.manifest.get("result", {}),
        "duration_s": result.duration_s,
        "loudness": rec.get("loudness"),
        "warnings": result.warnings,
        "backends": {"writer": movie.writer, "picture": settings.picture, "sound": settings.sound,
                     "upscale": str(settings.upscale) if settings.upscale else "lanczos resample (ffmpeg)"},
        "moviefactory_version": __version__,
        "seconds": round(time.perf_counter() - t0, 3),
    }  # fmt: skip
    ws.save_manifest()
    result.report = _write_report(ws, settings, result)
    return result


@contextlib.contextmanager
def _disk_need(ws: Workspace, settings: Settings) -> Iterator[None]:
    """A full disk anywhere in the run becomes one error that also says about how much the rest needs."""
    try:
        yield
    except DiskFullError as exc:
        try:
            need = _bytes_needed(ws, ws.load_script(), settings)
        except MovieFactoryError:
            raise exc from None
        raise exc.with_need(need) from exc


def _bytes_needed(ws: Workspace, movie: Movie, settings: Settings) -> int:
    """About how many bytes the folder still needs to finish: every artifact's typical size at this
    movie's size (bytes per pixel-frame measured on the default animatic at CRF 12 / 18, WAV float32
    stereo 48 kHz), with one extra movie-sized temp file, minus what is already recorded."""
    st, total = movie.style, movie.total_duration_s()
    wav = 48_000 * 2 * 4  # bytes per second of a float32 stereo WAV
    clip_px = st.width * st.height * st.fps * 0.15  # bytes per second of a generation-size clip
    out_px = st.output_width * st.output_height * st.fps
    need = sum(d * (clip_px + wav) for d in (s.duration_s for s in movie.scenes))
    need += sum(s.duration_s * wav for s in movie.scenes if s.narration) + total * wav  # narration, music
    need += 2 * total * out_px * 0.05  # movie.mp4 (+ its temp while the old one still exists)
    if settings.upscale:
        need += total * out_px * 0.15
    have = sum(int(r.get("size", 0)) for r in ws.manifest.get("artifacts", {}).values())
    return max(int(1.25 * need) - have, 1_000_000)


def _write_report(ws: Workspace, settings: Settings, result: MakeResult) -> Path | None:
    try:
        from moviefactory.evaluate.report import write_report
    except ImportError:
        return None
    try:
        return write_report(ws.root, clip_model=settings.clip_model)
    except (MovieFactoryError, OSError) as exc:  # the movie is made; a report problem is a warning
        result.warnings.append(f"report: {exc}")
        return None
