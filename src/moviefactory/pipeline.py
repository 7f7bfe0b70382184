"""The only place that knows the order: script -> picture -> (frame rate, upscale) -> sound -> compose -> report.

Every artifact has a cache key: a hash of the inputs that shaped it, the backend's identity and the seed.
A re-run skips what is current, so an edited scene re-renders that scene (clip, its effects) and the final
cut only (`workspace.cached` is the one "is current -> make -> record" step). Scenes render independently
(`executor`: in this process, a local process pool, or Ray); a failed scene is retried alone and reported by
one policy whatever the executor, and every scene that succeeded is recorded before the error surfaces.
What a stage returns (a scene's clip, its key and frame rate: `Shot`) flows to the next stage unprobed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moviefactory import __version__
from moviefactory.config import Settings
from moviefactory.errors import DiskFullError, InputError, MovieFactoryError, SceneError
from moviefactory.executor import Outcome, OutcomePolicy, Task, executor_for, render_scenes
from moviefactory.picture import PICTURE
from moviefactory.progress import NullReporter, Reporter
from moviefactory.script import WRITERS
from moviefactory.spec import Movie, Scene, Style, Transition, check_text
from moviefactory.timing import AUDIO_RATE, frame_count
from moviefactory.workspace import (
    Drawn,
    R,
    RunReport,
    SceneRecord,
    Slot,
    TrackRecord,
    Workspace,
    atomic_write_text,
    cache_key,
    cached,
    slugify,
)

if TYPE_CHECKING:
    from moviefactory.sound import Credit, SoundTrack

# Bump when the compose graph changes what it outputs (2: narration offset once; 3: true peak -2 dBTP).
COMPOSE_VERSION = "3"


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


def write_script(
    request: str, settings: Settings, *, seed: int, reporter: Reporter | None = None, rewrite: bool = False
) -> Workspace:
    """Create (or reuse) the request's folder and make sure it has a valid script.json (`rewrite`: a new one)."""
    reporter = reporter or NullReporter()
    request = check_text(request, what="the request")
    WRITERS.get(settings.writer)
    ws = Workspace.create(
        movie_folder(settings, request, seed), request=request, seed=seed, settings=settings.fingerprint()
    )
    with ws:
        _ensure_script(ws, settings, reporter, rewrite=rewrite)
    return ws


def _ensure_script(ws: Workspace, settings: Settings, reporter: Reporter, *, rewrite: bool = False) -> Movie:
    if ws.has_script() and not rewrite:
        movie = ws.load_script()  # the user's (possibly edited) script wins over the writer
        made_by = movie.writer.split(":", 1)[0]
        if "writer" in settings.model_fields_set and made_by and made_by != settings.writer:
            raise InputError(
                f"{ws.script_path} was written by the {made_by} writer (and may hold your edits); "
                f"pass --rewrite to replace it with a script by --writer {settings.writer}"
            )
        return movie
    if ws.has_script():  # --rewrite: the old script stays beside the new one
        atomic_write_text(ws.paths.script_prev, ws.script_path.read_text(encoding="utf-8"))
    reporter.start("script", "writing the script", 1)
    style = Style.for_aspect(settings.aspect, fps=settings.fps, scale=settings.scale)
    writer = WRITERS.get(settings.writer).from_settings(settings)
    writer.attach(ws.root, reporter)  # writers that talk to a model keep a transcript in the folder
    movie = writer.write(ws.manifest.request, scenes=settings.scenes, seed=ws.manifest.seed, style=style)
    ws.save_script(movie)
    notices = [str(n) for n in writer.notices]  # what the writer could not use ("not used: ...")
    ws.record(
        Slot.script(),
        cache_key(ws.manifest.request, ws.manifest.seed, settings.writer),
        writer=movie.writer,
        notices=notices,
    )
    reporter.finish("script")
    return movie


def check_backends(settings: Settings, *, writer: bool = True) -> None:
    """Fail before any work when a chosen backend is unknown or its optional dependencies are missing."""
    from moviefactory.sound import SOUND

    if writer:
        WRITERS.get(settings.writer)
    PICTURE.get(settings.picture).from_settings(settings)  # cheap: checks --model/--adapters, loads nothing
    SOUND.get(settings.sound)


def make(
    request: str,
    settings: Settings,
    *,
    seed: int,
    reporter: Reporter | None = None,
    folder: Path | None = None,
    rewrite: bool = False,
) -> MakeResult:
    """The whole flow for a request; running it again resumes in the same folder. `folder` replaces the
    default <out>/<slug> (the studio's new version of a movie made again with other settings); `rewrite`
    replaces the folder's script with a new one from the chosen writer."""
    reporter = reporter or NullReporter()
    request = check_text(request, what="the request")
    check_backends(settings)
    ws = Workspace.create(
        folder or movie_folder(settings, request, seed),
        request=request,
        seed=seed,
        settings=settings.fingerprint(),
    )
    with ws:
        movie = _ensure_script(ws, settings, reporter, rewrite=rewrite)
        with _disk_need(ws, settings):
            return _render(ws, movie, settings, reporter, force_scenes=())


def render(
    root: Path, settings: Settings, *, scenes: tuple[str, ...] = (), reporter: Reporter | None = None
) -> MakeResult:
    """Rebuild a folder from its script.json, reusing every current artifact; `scenes` are re-rendered."""
    ws = Workspace.open(root)
    check_backends(settings, writer=False)
    with ws:
        movie = ws.load_script()
        for sid in scenes:
            movie.scene(sid)  # unknown ids fail before any work
        with _disk_need(ws, settings):
            return _render(ws, movie, settings, reporter or NullReporter(), force_scenes=scenes)


# -- picture ----------------------------------------------------------------------------------------------
def picture_key(movie: Movie, scene: Scene, identity: dict[str, Any]) -> str:
    """What shapes a clip: the scene's visual fields, its characters, the style, the mood, the backend."""
    visual = scene.model_dump(
        mode="json", exclude={"sound", "narration", "subtitle", "transition_in", "transition_s"}
    )
    chars = [movie.character(c).model_dump(mode="json") for c in scene.subjects]
    return cache_key("picture", visual, chars, movie.style, movie.tone.mood.value, identity)


@dataclass(frozen=True)
class Shot:
    """A scene's picture as the next stage takes it: the file, the key it was made from, its frame rate."""

    path: Path
    rel: str
    key: str
    fps: float


def _run_picture(
    ws: Workspace,
    movie: Movie,
    settings: Settings,
    reporter: Reporter,
    force: tuple[str, ...],
    result: MakeResult,
) -> dict[str, Shot]:
    backend_cls = PICTURE.get(settings.picture)
    backend = backend_cls.from_settings(settings)
    identity = backend.identity()
    shots: dict[str, Shot] = {}
    keys: dict[str, str] = {}
    todo: list[Task] = []
    # A backend that starts a scene from the previous scene's last frame (continuity) makes each clip
    # depend on its predecessor: chain the keys, so an edit re-renders the scenes that follow it too.
    chained = backend.continuity > 0.0
    prev_key = ""
    for scene in movie.scenes:
        slot = Slot.clip(scene.id)
        key = picture_key(movie, scene, identity)
        if chained and prev_key and scene.transition_in is not Transition.cut:
            key = cache_key(key, prev_key)
        prev_key = keys[scene.id] = key
        rec = ws.artifact(slot)
        if scene.id not in force and rec is not None and ws.is_current(slot, key):
            shots[scene.id] = Shot(ws.paths.of(slot), ws.paths.rel(slot), key, rec.fps)
            result.reused.append(ws.paths.rel(slot))
        else:
            todo.append(Task(scene, ws.paths.of(slot)))
    if not todo:
        return shots
    reporter.start("picture", f"picture ({backend_cls.name})", len(todo))
    backend.prepare(movie)
    for t in todo:
        reporter.start(
            f"scene:{t.scene.id}", f"  {t.scene.id}", frame_count(t.scene.duration_s, movie.style.fps)
        )

    def done(out: Outcome) -> None:
        scene, clip, slot = out.task.scene, out.clip, Slot.clip(out.task.scene.id)
        assert clip is not None  # render_scenes calls `done` for clips only
        ws.manifest.scenes.setdefault(scene.id, SceneRecord()).drawn = _drawn(ws, scene.id)
        ws.record(
            slot,
            keys[scene.id],
            backend=f"{backend_cls.name} v{backend_cls.version}",
            seconds=round(out.seconds, 3),
            frames=clip.num_frames,
            fps=clip.fps,
            width=clip.width,
            height=clip.height,
            warnings=clip.warnings,
        )
        shots[scene.id] = Shot(clip.path, ws.paths.rel(slot), keys[scene.id], clip.fps)
        result.rendered.append(ws.paths.rel(slot))
        result.warnings += [f"scene {scene.id}: {w}" for w in clip.warnings]
        reporter.finish(f"scene:{scene.id}")
        reporter.update("picture", sum(t.scene.id in shots for t in todo))

    workers = settings.resolved_workers(cap=len(todo)) if backend_cls.parallel else 1
    failures = render_scenes(
        executor_for(settings.executor, workers),
        backend,
        movie,
        todo,
        OutcomePolicy(retries=settings.retries),
        done=done,
        note=reporter.note,
        progress=lambda sid, d, t: reporter.update(f"scene:{sid}", d, t),
    )
    reporter.finish("picture")
    if failures:
        sid, msg = next(iter(failures.items()))
        more = f" (and {len(failures) - 1} more scenes)" if len(failures) > 1 else ""
        ws.set_stage("picture", "failed", failures=failures)
        raise SceneError(sid, f"{msg}{more}; the other scenes are kept, run again to retry")
    return shots


def _drawn(ws: Workspace, scene_id: str) -> Drawn | None:
    """What a backend that says so (the animatic) drew, from the drawn.json it wrote beside the clip."""
    try:
        return Drawn.model_validate_json(ws.paths.drawn(scene_id).read_bytes())
    except (OSError, ValueError):
        return None


# -- finishing: frame rate and super-resolution ---------------------------------------------------------
def _finish_clips(
    ws: Workspace,
    movie: Movie,
    settings: Settings,
    shots: dict[str, Shot],
    reporter: Reporter,
    result: MakeResult,
) -> list[Shot]:
    """Each scene's clip at the movie's size (super-resolution when --upscale) and frame rate (interpolated
    when the backend renders at another), from what the picture stage returned: no file is probed again."""
    out: list[Shot] = []
    for scene in movie.scenes:
        shot = shots[scene.id]
        if settings.upscale:
            from moviefactory.upscale import upscale_clip
            from moviefactory.weights import weights_id

            sr = Slot.upscaled(scene.id)
            # the model by the digest of its weights, not its path: another checkpoint at the same path
            # re-renders, the same file moved does not (weights.py caches the digest by size and mtime)
            model_id = weights_id(Path(settings.upscale))
            key = cache_key("sr", shot.key, model_id, movie.style.output_width, movie.style.output_height)

            def make_sr(path: Path, src: Shot = shot, sid: str = scene.id) -> dict[str, Any]:
                reporter.note(f"upscaling {sid}")
                upscale_clip(
                    src.path,
                    path,
                    model_path=Path(settings.upscale or ""),
                    target=None,
                    device=settings.device,
                )
                return {"source": src.rel}

            _step(ws, sr, key, make_sr, result, listed_when_reused=False)
            shot = Shot(ws.paths.of(sr), ws.paths.rel(sr), key, shot.fps)
        if abs(shot.fps - movie.style.fps) > 1e-3:
            from moviefactory.upscale import interpolate_clip

            rt = Slot.retimed(scene.id, movie.style.fps)
            key = cache_key("fps", shot.key, movie.style.fps)

            def make_rt(path: Path, src: Shot = shot, sid: str = scene.id) -> dict[str, Any]:
                reporter.note(f"interpolating {sid} {src.fps:g} -> {movie.style.fps} fps")
                interpolate_clip(src.path, path, fps=movie.style.fps)
                return {"source": src.rel}

            _step(ws, rt, key, make_rt, result, listed_when_reused=False)
            shot = Shot(ws.paths.of(rt), ws.paths.rel(rt), key, float(movie.style.fps))
        out.append(shot)
    return out


def _step(
    ws: Workspace,
    slot: Slot[R],
    key: str,
    make: Callable[[Path], Mapping[str, Any] | None],
    result: MakeResult,
    *,
    listed_when_reused: bool = True,
) -> R | None:
    """`cached`, with the run's account of what it made and reused."""
    got = cached(ws, slot, key, make)
    if got.made and got.record is not None:
        result.rendered.append(ws.paths.rel(slot))
    elif not got.made and listed_when_reused:
        result.reused.append(ws.paths.rel(slot))
    return got.record


# -- sound --------------------------------------------------------------------------------------------------
def _track_meta(track: SoundTrack, result: MakeResult) -> dict[str, Any]:
    result.warnings += track.warnings
    return {"description": track.description, "credits": [c.__dict__ for c in track.credits]}


def _credits(rec: TrackRecord | None) -> list[Credit]:
    from moviefactory.sound import Credit

    return [Credit(**c.model_dump()) for c in rec.credits] if rec is not None else []


def _run_sound(
    ws: Workspace,
    movie: Movie,
    settings: Settings,
    reporter: Reporter,
    shots: dict[str, Shot],
    result: MakeResult,
) -> tuple[list[Path | None], list[Path | None], Path]:
    from moviefactory.sound import SOUND
    from moviefactory.sound.credits import write_credits

    backend_cls = SOUND.get(settings.sound)
    backend = backend_cls.from_settings(settings)
    ident = backend.identity()
    effects: list[Path | None] = []
    narration: list[Path | None] = []
    uses: list[
        tuple[str, list[Credit]]
    ] = []  # (where used, credits), from the records so reuse still credits
    reporter.start("sound", f"sound ({backend_cls.name})", len(movie.scenes) + 1)
    for i, scene in enumerate(movie.scenes):
        fx = Slot.effects(scene.id)
        key = cache_key(
            "effects", scene.sound, scene.action, scene.prompt, scene.duration_s, shots[scene.id].key, ident
        )

        def make_fx(p: Path, sc: Scene = scene) -> dict[str, Any]:
            return _track_meta(backend.effects(movie, sc, ws.paths.clip(sc.id), p), result)

        rec = _step(ws, fx, key, make_fx, result)
        uses.append((scene.id, _credits(rec)))
        effects.append(ws.paths.of(fx))

        nar: Path | None = None
        if scene.narration and settings.narration:
            ns = Slot.narration(scene.id)

            def make_nar(p: Path, sc: Scene = scene) -> dict[str, Any] | None:
                track = backend.narration(movie, sc, p)
                return _track_meta(track, result) if track is not None else None

            nrec = _step(ws, ns, cache_key("narration", scene.narration, ident), make_nar, result)
            if nrec is not None:
                nar = ws.paths.of(ns)
                uses.append((scene.id, _credits(nrec)))
        narration.append(nar)
        reporter.update("sound", i + 1)
    result.warnings += list(backend.notices)
    key = cache_key("music", movie.tone, round(movie.total_duration_s(), 3), ident)
    mrec = _step(ws, Slot.music(), key, lambda p: _track_meta(backend.music(movie, p), result), result)
    uses.append(("music", _credits(mrec)))
    write_credits(ws.root, uses)
    reporter.finish("sound")
    return effects, narration, ws.paths.music


# -- all stages -----------------------------------------------------------------------------------------------
def _render(
    ws: Workspace, movie: Movie, settings: Settings, reporter: Reporter, *, force_scenes: tuple[str, ...]
) -> MakeResult:
    """Every stage after the script, for `movie` (the folder's script.json, read once by the caller)."""
    from moviefactory.compose import ComposeInputs, compose, write_subtitles

    srt, vtt = ws.paths.subtitles
    result = MakeResult(
        root=ws.root, movie=ws.paths.cut, subtitles=srt, report=None, duration_s=movie.total_duration_s()
    )
    script_rec = ws.manifest.script
    result.warnings += [f"script: {n}" for n in (script_rec.notices if script_rec else [])]
    t0 = time.perf_counter()
    ws.set_stage("picture", "running")
    shots = _run_picture(ws, movie, settings, reporter, force_scenes, result)
    ws.set_stage("picture", "done")
    finished = _finish_clips(ws, movie, settings, shots, reporter, result)
    ws.set_stage("sound", "running")
    effects, narration, music = _run_sound(ws, movie, settings, reporter, shots, result)
    ws.set_stage("sound", "done")

    # Subtitles are always written; the movie is rebuilt when any input artifact or the script changed.
    write_subtitles(movie, srt, vtt)
    man = ws.manifest
    inputs: list[str | None] = [f.key for f in finished]
    inputs += [
        rec.key if rec is not None else None
        for rec in (
            *(man.scene(s.id).effects for s in movie.scenes),
            *(man.scene(s.id).narration if p else None for s, p in zip(movie.scenes, narration, strict=True)),
            man.music,
        )
    ]
    key = cache_key("compose", COMPOSE_VERSION, movie, inputs, settings.burn_subtitles)

    def make_cut(path: Path) -> dict[str, Any]:
        reporter.start("compose", "composing (ffmpeg)", 1)
        ws.set_stage("compose", "running")
        res = compose(
            ComposeInputs(movie, [f.path for f in finished], effects, narration, music),
            path,
            burn_subtitles=settings.burn_subtitles,
            scratch=ws.root,
        )
        result.warnings += res.warnings
        loud = res.loudness.__dict__ if res.loudness else None
        return {"duration_s": res.duration_s, "width": res.width, "height": res.height, "loudness": loud}

    cut = cached(ws, Slot.cut(), key, make_cut)
    if cut.made:
        ws.set_stage("compose", "done")
        result.rendered.append(ws.paths.rel(Slot.cut()))
        reporter.finish("compose")
    else:
        result.reused.append(ws.paths.rel(Slot.cut()))
    result.duration_s = cut.record.duration_s if cut.record is not None else result.duration_s
    man.report = RunReport(
        warnings=result.warnings,
        backends={
            "writer": movie.writer,
            "picture": settings.picture,
            "sound": settings.sound,
            "upscale": str(settings.upscale) if settings.upscale else "lanczos resample (ffmpeg)",
        },
        moviefactory_version=__version__,
        seconds=round(time.perf_counter() - t0, 3),
    )
    ws.save_manifest()
    result.report = _write_report(ws, movie, settings, result)
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
    wav = AUDIO_RATE * 2 * 4  # bytes per second of a float32 stereo WAV
    clip_px = st.width * st.height * st.fps * 0.15  # bytes per second of a generation-size clip
    out_px = st.output_width * st.output_height * st.fps
    need = sum(d * (clip_px + wav) for d in (s.duration_s for s in movie.scenes))
    need += sum(s.duration_s * wav for s in movie.scenes if s.narration) + total * wav  # narration, music
    need += 2 * total * out_px * 0.05  # movie.mp4 (+ its temp while the old one still exists)
    if settings.upscale:
        need += total * out_px * 0.15
    have = ws.manifest.artifact_bytes()
    return max(int(1.25 * need) - have, 1_000_000)


def _write_report(ws: Workspace, movie: Movie, settings: Settings, result: MakeResult) -> Path | None:
    from moviefactory.evaluate.report import write_report

    try:
        return write_report(ws.root, clip_model=settings.clip_model, movie=movie, manifest=ws.manifest)
    except (MovieFactoryError, OSError) as exc:  # the movie is made; a report problem is a warning
        result.warnings.append(f"report: {exc}")
        return None
