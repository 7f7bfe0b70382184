"""The local web studio: a FastAPI app over the pipeline, a job queue and the movie folders in settings.out.

Routes (JSON unless named otherwise; every error is {"error": one line}):
    GET  /                                   the studio page (static/index.html); /favicon.ico
    GET  /api/options                        choices for the page (aspects, shots, cameras, writers, backends)
    POST /api/movies {text, seed?, scenes?, aspect?, writer?, picture?, model?, narration?,
                      burn_subtitles?, upscale?}  -> 202 job (make; other settings than the folder's: a new
                                             version folder <slug>-v2, never a silent resume)
    GET  /api/movies                         movie folders: title, state, duration, files, poster
    GET  /api/movies/{slug}                  one movie folder
    DELETE /api/movies/{slug}                the folder and everything in it (409 while a job uses it)
    GET  /api/movies/{slug}/script           script.json
    PUT  /api/movies/{slug}/script           validated, saved atomically (422 names the bad field)
    POST /api/movies/{slug}/render {scenes?} -> 202 job (render; listed scenes are re-rendered)
    GET  /api/movies/{slug}/poster.jpg       a frame of movie.mp4 (the gallery); scenes/{id}/thumb.jpg per clip
    GET  /api/movies/{slug}/{file}           movie.mp4 (Range), movie.srt, movie.vtt, report.html, images
    GET  /api/movies/{slug}/scenes/{id}/clip.mp4
    GET  /api/jobs, /api/jobs/{id}           with queue position and an estimate; POST /api/jobs/{id}/cancel;
                                             DELETE /api/jobs/{id} forgets a finished job (not its movie)
    PUT  /api/library/{effect|music}/{file}?title=&description=   raw audio bytes (Content-Length, at most
                                             UPLOAD_BYTES) -> 202 job that indexes it into the user's library
    GET  /api/library                        the files uploaded here

Access (see `Access`): every request's Host must be one the server was started for (DNS rebinding); off
loopback, every route needs the token (query `?token=` once, then an HttpOnly SameSite=Strict cookie, or
`Authorization: Bearer`). Mutating requests must be same-origin. Every response forbids framing; request
bodies are capped while they stream in. A slug is only ever a direct child of settings.out that holds a
MovieFactory manifest, and a file is served only when it is a regular file with one link whose real path
lies in its movie folder. Error messages quote at most a short prefix of what the client sent and never
show an absolute path.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import shutil
import stat
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Body, FastAPI, HTTPException, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException

from moviefactory.config import Settings
from moviefactory.errors import InputError, MovieFactoryError, WorkspaceError
from moviefactory.progress import Reporter
from moviefactory.spec import ASPECT_SIZES, MAX_SCENES, Camera, Mood, Movie, Shot, Transition, check_text
from moviefactory.web.jobs import Job, JobQueue, Runner
from moviefactory.workspace import MANIFEST, Paths, Workspace, atomic_output, atomic_write_json, slugify

log = logging.getLogger("moviefactory.web")

STATIC = FsPath(__file__).parent / "static"
MAX_SCRIPT_BYTES = 1 << 20  # a 60-scene script is ~60 KB; anything near 1 MB is not a script
MAX_BODY_BYTES = MAX_SCRIPT_BYTES  # every request body; checked while it streams in, before it is parsed
UPLOAD_BYTES = 64 << 20  # one sound file; a 5-minute 48 kHz stereo 16-bit WAV is ~55 MB
UPLOAD_RE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}\.(wav|flac|ogg|oga|opus|mp3|m4a|aac|aif|aiff)$", re.I
)
MAX_JOB_ID = 2**53  # ids are SQLite rowids; larger numbers are refused before they reach the database
QUOTE = 40  # characters of client input an error message may quote
SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
SCENE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")  # spec.Ident
# Files of a movie folder the studio serves, by name (no sub-folders, no hidden or temporary files).
FILE_RE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\.(mp4|srt|vtt|html|png|jpg|jpeg|webp|wav|json)$"
)
MEDIA_TYPES = {".mp4": "video/mp4", ".srt": "application/x-subrip", ".vtt": "text/vtt", ".html": "text/html",
               ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
               ".wav": "audio/wav", ".json": "application/json"}  # fmt: skip
HIDDEN = {MANIFEST}  # movie.json holds run settings; the studio has no use for it in the browser
# The report is our own HTML with user text in it: no scripts, no outside requests.
REPORT_CSP = (
    "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'"
)
# The page: our own files only; no framing by any page (clickjacking), no plugins, no base-URI tricks.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
TOKEN_COOKIE = "moviefactory_studio"  # + a digest of the token: cookies ignore ports, so two studios on one
# host (ports 8000 and 8001) would otherwise overwrite each other's cookie


def token_cookie(token: str) -> str:
    """The cookie name for a studio with `token` (the digest reveals nothing useful about the token)."""
    import hashlib

    return f"{TOKEN_COOKIE}_{hashlib.sha256(token.encode()).hexdigest()[:10]}"


STATUS = {InputError: 422, WorkspaceError: 409}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
SETTING_CHOICES = ("scenes", "aspect", "writer", "picture", "model", "narration", "burn_subtitles", "upscale")


def quote(text: str) -> str:
    """A client-supplied string for an error message: repr of at most QUOTE characters."""
    return repr(text[:QUOTE] + "…") if len(text) > QUOTE else repr(text)


@dataclass(frozen=True)
class Access:
    """Who may talk to the server. `hosts`: accepted Host header names (None: any, for tests); `token`:
    required on every route when set (a server bound off loopback)."""

    hosts: frozenset[str] | None = None
    token: str | None = None

    def host_ok(self, host_header: str) -> bool:
        return self.hosts is None or _hostname(host_header).lower() in self.hosts

    def token_ok(self, candidate: str | None) -> bool:
        return self.token is None or (
            candidate is not None and hmac.compare_digest(candidate.encode(), self.token.encode())
        )


# -- request bodies -----------------------------------------------------------------------------------------
JobId = Annotated[int, Path(ge=1, le=MAX_JOB_ID)]
SceneId = Annotated[str, StringConstraints(pattern=SCENE_RE.pattern, max_length=32)]
FolderPath = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class MakeBody(BaseModel):
    """A make request: the text, the seed, and the settings the page offers (None: the server's)."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(max_length=4000)]
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    scenes: Annotated[int, Field(ge=1, le=MAX_SCENES)] | None = None
    aspect: Literal["2.35:1", "16:9", "9:16", "1:1"] | None = None
    writer: Annotated[str, StringConstraints(max_length=40)] | None = None
    picture: Annotated[str, StringConstraints(max_length=40)] | None = None
    model: FolderPath | None = None  # a model folder on the server (moviefactory / diffusers backends)
    narration: bool | None = None
    burn_subtitles: bool | None = None
    upscale: FolderPath | None = None  # an SR model file on the server; None: resample


class RenderBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenes: Annotated[list[SceneId], Field(max_length=MAX_SCENES)] = []


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the {limit}-byte limit")


class BodyLimit:
    """ASGI middleware: refuse a body whose Content-Length is over the limit, and stop reading one that
    grows past it while streaming (chunked), so a huge upload costs at most `limit` bytes of memory. The
    body is read here, before the app sees the request, and handed on in one piece."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if str(scope.get("path", "")).startswith("/api/library/"):
            # an upload streams to disk in its route; the server delivers exactly Content-Length bytes
            if length is None or not length.isdigit() or int(length) > UPLOAD_BYTES:
                code, msg = (
                    (411, "an upload needs a Content-Length")
                    if length is None
                    else (413, BodyTooLarge(UPLOAD_BYTES).detail)
                )
                response = _secured(JSONResponse({"error": msg}, status_code=code))
                response.headers["Connection"] = "close"
                await response(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        too_large = length is not None and (not length.isdigit() or int(length) > self.limit)
        chunks: list[bytes] = []
        seen = 0
        while not too_large:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            too_large = seen > self.limit
            if not message.get("more_body", False):
                break
        if too_large:
            response = _secured(JSONResponse({"error": BodyTooLarge(self.limit).detail}, status_code=413))
            response.headers["Connection"] = "close"  # the rest of the body is never read
            await response(scope, receive, send)
            return
        body, sent = b"".join(chunks), False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the server's disconnect notice

        await self.app(scope, replay, send)


# -- the production runner ------------------------------------------------------------------------------------
class PipelineRunner:
    """Runs studio jobs through moviefactory.pipeline with the server's settings (in the job's child process,
    see `run_pipeline_job`).

    make: the server's settings with the job's choices (scenes, aspect, writer, backend …), into the job's
    folder. render: the folder's recorded settings (what made it), with the server's execution settings
    (where, how many workers, which device, the API key)."""

    EXECUTION = ("out", "executor", "workers", "retries", "device", "llm_api_key")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, job: Job, reporter: Reporter) -> dict[str, Any]:
        from moviefactory import pipeline

        p = job.params
        if job.kind == "make":
            settings = make_settings(self.settings, p)
            folder = FsPath(self.settings.out) / str(job.slug) if job.slug else None
            if settings.writer == "builtin" and not (folder and (folder / "script.json").is_file()):
                warm_up_builtin_writer(reporter)
            result = pipeline.make(p["text"], settings, seed=p["seed"], reporter=reporter, folder=folder)
        elif job.kind == "library":
            return self.index_upload(job, reporter)
        elif job.kind == "render":
            root = movie_dir(self.settings, p["folder"])
            settings = self.folder_settings(Workspace.open(root))
            result = pipeline.render(root, settings, scenes=tuple(p.get("scenes") or ()), reporter=reporter)
        else:
            raise InputError(f"unknown job kind {job.kind!r}")
        # names inside the folder only: the page never sees where the server keeps its files
        return {
            "slug": result.root.name,
            "duration_s": round(result.duration_s, 3),
            "rendered": result.rendered,
            "reused": result.reused,
            "warnings": result.warnings,
        }

    def index_upload(self, job: Job, reporter: Reporter) -> dict[str, Any]:
        """Index an uploaded sound into the user's library (the same index `moviefactory library add` fills)."""
        from moviefactory.sound.backend import default_library_dir
        from moviefactory.sound.embed import MiniLMText
        from moviefactory.sound.ingest import ingest
        from moviefactory.sound.library import Library

        p = job.params
        file = FsPath(self.settings.out) / ".studio" / "uploads" / p["kind"] / p["file"]
        reporter.start("library", f"indexing {p['file']}", 1)
        lib = Library.open(
            FsPath(self.settings.library).expanduser() if self.settings.library else default_library_dir()
        )
        text = MiniLMText()
        meta = {"kind": p["kind"], **{k: p[k] for k in ("title", "description") if p.get(k)}}
        report = ingest(
            lib, [file], text.encode_text, embedder=text.name, source="studio", overrides={file.name: meta}
        )
        if report.skipped:
            raise InputError(f"{p['file']}: {report.skipped[0][1]}")
        reporter.finish("library")
        return {"file": p["file"], "kind": p["kind"], "summary": report.summary(), "sounds": len(lib)}

    def folder_settings(self, ws: Workspace) -> Settings:
        from pydantic import ValidationError

        from moviefactory.spec import first_error

        base = {k: v for k, v in ws.manifest.settings.items() if k in Settings.model_fields}
        base.update({k: getattr(self.settings, k) for k in self.EXECUTION})
        try:
            return Settings(**base)
        except ValidationError as exc:
            raise InputError(f"{ws.root.name}/{MANIFEST} settings: {first_error(exc)}") from exc


def warm_up_builtin_writer(reporter: Reporter) -> None:
    """Load what the built-in writer needs (per-process caches) as visible steps: loading them is most of
    the script stage (~half a minute on a small CPU), which otherwise shows as one step at 0 %."""
    from moviefactory import language
    from moviefactory.textembed import text_embedder

    steps: list[tuple[str, Callable[[], object]]] = [
        ("loading the English language model", language.nlp),
        ("loading the MiniLM text embedding", lambda: text_embedder().encode(["warm up"])),
    ]
    for i, (label, load) in enumerate(steps):
        reporter.start("script", f"script ({i + 1}/3): {label}", 3)  # the bar never moves back (JobReporter)
        reporter.update("script", i)
        load()
    reporter.start("script", "script (3/3): writing the scenes", 3)
    reporter.update("script", 2)


def run_pipeline_job(job: Job, reporter: Reporter, config: dict[str, Any]) -> dict[str, Any]:
    """The child process's entry (worker.ProcessRunner target): the server's settings travel in `config`."""
    return PipelineRunner(Settings(**config["settings"]))(job, reporter)


def make_settings(server: Settings, params: dict[str, Any]) -> Settings:
    """The server's settings with a make job's choices (those the page set)."""
    from pydantic import ValidationError

    from moviefactory.spec import first_error

    upd = {k: params[k] for k in SETTING_CHOICES if params.get(k) is not None}
    try:
        return Settings(**{**server.model_dump(), **upd})
    except ValidationError as exc:
        raise InputError(f"settings: {first_error(exc)}") from exc


# -- movie folders ----------------------------------------------------------------------------------------------
class NotFound(InputError):
    """A movie, file or job the request names does not exist (404)."""


class Conflict(WorkspaceError):
    """The request collides with a job or a run (409)."""


def movie_dir(settings: Settings, slug: str) -> FsPath:
    """The folder for `slug`: a direct child of settings.out holding a MovieFactory manifest, else InputError
    (404 at the API). Refuses '..', separators, absolute paths and links that leave settings.out."""
    out = FsPath(settings.out).resolve()
    root = out / slug
    if (
        not SLUG_RE.match(slug)
        or slug in (".", "..")
        or not root.is_dir()
        or root.resolve().parent != out
        or not (root / MANIFEST).is_file()
    ):
        raise NotFound(f"no movie {quote(slug)}")
    return root


def make_folder_slug(settings: Settings, text: str, seed: int, fingerprint: dict[str, Any]) -> str:
    """Where a make goes: the request's folder when it is new or was made with these settings (a resume),
    else the first `<slug>-vN` that is new or matches (a new version, never a silent no-op)."""
    base = slugify(text, seed)
    out = FsPath(settings.out)
    for n in range(1, 1000):
        slug = base if n == 1 else f"{base}-v{n}"
        try:
            man = Workspace.open(out / slug).manifest
        except WorkspaceError:
            if (out / slug).exists():
                continue  # something else sits there: not ours to write into
            return slug
        if man.request == text and man.seed == seed and man.settings == fingerprint:
            return slug
    raise Conflict(f"too many versions of {quote(base)}")


def movie_info(root: FsPath, jobs: JobQueue) -> dict[str, Any]:
    ws = Workspace.open(root)
    man = ws.manifest
    info: dict[str, Any] = {
        "slug": root.name,
        "request": man.request,
        "seed": man.seed,
        "title": man.request or root.name,
        "scenes": 0,
        "script_error": None,
    }
    script_s: float | None = None
    if ws.has_script():
        try:
            movie = ws.load_script()
            info.update(title=movie.title, logline=movie.logline, scenes=len(movie.scenes))
            script_s = movie.total_duration_s()
        except MovieFactoryError as exc:
            info["script_error"] = str(exc)
    rec = man.cut
    has_movie = rec is not None and ws.paths.cut.is_file()
    stages = {k: v.state for k, v in man.stages.items()}
    job = jobs.latest_for(root.name)
    state: str
    if job is not None and job.state in ("queued", "running"):
        state = job.state
    elif "failed" in stages.values() or (job is not None and job.state == "failed"):
        state = "failed"
    elif has_movie:
        state = "done"
    elif "running" in stages.values() or (job is not None and job.state == "cancelled"):
        state = "interrupted"
    else:
        state = "scripted" if ws.has_script() else "new"
    settings = man.settings
    info.update(
        state=state,
        has_movie=has_movie,
        duration_s=rec.duration_s if rec is not None and has_movie else script_s,
        version=rec.sha256[:12]
        if rec is not None
        else "",  # changes with every new cut: cache-busts the player
        files={
            name: (root / name).is_file() for name in ("movie.mp4", "movie.srt", "movie.vtt", "report.html")
        },
        clips={sid: sc.clip.sha256[:12] for sid, sc in man.scenes.items() if sc.clip is not None},
        settings={k: settings.get(k) for k in SETTING_CHOICES if k in settings},
        updated=man.updated or man.created,
        job=jobs.annotate([job])[0].to_json() if job is not None else None,
        warnings=man.report.warnings if man.report is not None else [],
    )
    return info


def srt_to_vtt(srt: str) -> str:
    """WebVTT from SRT: a header, and '.' instead of ',' in cue timings (cue text is left as it is)."""
    lines = [
        re.sub(r"(\d\d:\d\d:\d\d),(\d\d\d)", r"\1.\2", ln) if "-->" in ln else ln for ln in srt.splitlines()
    ]
    return "WEBVTT\n\n" + "\n".join(lines) + "\n"


def still(video: FsPath, root: FsPath, cache: FsPath, *, at_s: float, width: int = 320) -> FsPath:
    """A JPEG of `video` at `at_s` seconds (width px wide), made once per version of the video and kept in
    the studio's cache folder (not in the movie folder, which a render may hold locked)."""
    from moviefactory.media import run_ffmpeg

    st = served_file(video, root)
    key = (
        f"{root.name}--{video.relative_to(root).as_posix().replace('/', '--')}--{st.st_size}-{st.st_mtime_ns}"
    )
    target = cache / f"{key}.jpg"
    if not target.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        for old in cache.glob(f"{root.name}--{video.relative_to(root).as_posix().replace('/', '--')}--*.jpg"):
            old.unlink(missing_ok=True)  # earlier versions of this video
        with atomic_output(target) as tmp:
            run_ffmpeg(
                [
                    "-ss",
                    f"{at_s:.3f}",
                    "-i",
                    str(video),
                    "-frames:v",
                    "1",
                    "-vf",
                    f"scale={width}:-2",
                    "-q:v",
                    "4",
                    str(tmp),
                ],
                what="poster",
                timeout=30,
            )
    return target


def served_file(path: FsPath, root: FsPath) -> os.stat_result:
    """The stat of `path` when the studio may send it, else NotFound: a regular file (not a link) with one
    hard link (a second link could be a file from elsewhere), whose real path lies inside `root`."""
    rel = path.relative_to(root).as_posix()
    try:
        st = os.lstat(path)
    except OSError:
        raise NotFound(f"{root.name}/{quote(rel)} does not exist (yet)") from None
    real = FsPath(os.path.realpath(path))
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or FsPath(os.path.realpath(root)) not in real.parents:
        raise NotFound(f"{root.name}/{quote(rel)} is not served")
    return st


# -- the app ------------------------------------------------------------------------------------------------------
def create_app(
    settings: Settings,
    *,
    jobs_db: FsPath | None = None,
    start_worker: bool = True,
    runner: Runner | None = None,
    trusted_hosts: Sequence[str] | None = None,
    token: str | None = None,
) -> FastAPI:
    """The studio app for the movies in settings.out.

    jobs_db defaults to <out>/.studio/jobs.sqlite. The job worker starts with the app's lifespan (uvicorn,
    or `with TestClient(app)`) when start_worker is true. `runner` replaces the pipeline (tests inject a
    small job function); by default each job runs the pipeline in its own child process (worker.py).
    `trusted_hosts`, when given, are the only Host header names accepted; `token`, when given, is required
    on every route (see the module docstring)."""
    from moviefactory.web.worker import ProcessRunner

    # 1. the queue: opening it re-queues jobs a dead server left running
    out = FsPath(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    studio = out / ".studio"
    if runner is None:
        runner = ProcessRunner(
            "moviefactory.web.app:run_pipeline_job",
            {"settings": settings.model_dump(mode="json")},
            log_dir=studio / "logs",
        )
    jobs = JobQueue(jobs_db or studio / "jobs.sqlite", runner, start_worker=False)
    access = Access(frozenset(h.lower() for h in trusted_hosts) if trusted_hosts is not None else None, token)
    cookie_name = token_cookie(token) if token else TOKEN_COOKIE
    hide = [str(p) for p in sorted({str(out.resolve()), str(out.absolute())}, key=len, reverse=True)]

    def scrub(message: str) -> str:
        """One line, with the server's own paths replaced by the movies folder's name."""
        line = (message.splitlines() or [""])[0]
        for prefix in hide:
            line = line.replace(prefix, out.name)
        return line[:500]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_worker:
            jobs.start()
        try:
            yield
        finally:
            jobs.close()

    app = FastAPI(
        title="MovieFactory studio", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.state.jobs = jobs
    app.state.access = access

    # 2. errors: one JSON line, never a traceback, never a server path
    @app.exception_handler(MovieFactoryError)
    async def _mf_error(request: Request, exc: MovieFactoryError) -> JSONResponse:
        code = (
            404
            if isinstance(exc, NotFound)
            else next((c for t, c in STATUS.items() if isinstance(exc, t)), 500)
        )
        return JSONResponse({"error": scrub(str(exc))}, status_code=code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        err = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = ".".join(str(p)[:QUOTE] for p in err.get("loc", ()) if p != "body") or "body"
        return JSONResponse({"error": scrub(f"{loc}: {err.get('msg', 'invalid')}"[:300])}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": scrub(str(exc.detail))}, status_code=exc.status_code, headers=exc.headers
        )

    @app.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Response:
        # a. the Host the browser thinks it talks to must be ours (DNS rebinding)
        host = request.headers.get("host", "")
        if not access.host_ok(host):
            return _secured(
                JSONResponse({"error": f"host {quote(host)} is not served here"}, status_code=400)
            )
        # b. the token, off loopback: cookie, bearer header, or ?token= once (then the cookie)
        offered = request.query_params.get("token")
        auth = request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        fresh = access.token is not None and offered is not None and access.token_ok(offered)
        if not (fresh or access.token_ok(request.cookies.get(cookie_name)) or access.token_ok(bearer)):
            if request.url.path == "/" and request.method in ("GET", "HEAD"):
                return _secured(HTMLResponse(LOGIN_PAGE, status_code=401))
            return _secured(
                JSONResponse(
                    {"error": "a token is required: open the link `moviefactory serve` printed"},
                    status_code=401,
                )
            )
        # c. writes only from our own page (CSRF)
        origin = request.headers.get("origin")
        if request.method not in ("GET", "HEAD", "OPTIONS") and (
            (origin and urlsplit(origin).netloc != host)
            or request.headers.get("sec-fetch-site") == "cross-site"
        ):
            return _secured(JSONResponse({"error": "cross-origin requests are not allowed"}, status_code=403))
        try:
            response: Response = await call_next(request)
        except Exception as exc:  # the last line of defence: one line to the client, the traceback to the log
            log.exception("request failed: %s %s", request.method, request.url.path)
            response = JSONResponse(
                {"error": scrub(f"internal error: {type(exc).__name__}")}, status_code=500
            )
        if fresh:
            response.set_cookie(cookie_name, str(offered), httponly=True, samesite="strict", path="/")
        return _secured(response)

    app.add_middleware(BodyLimit)  # outside the guard: a body is capped before anything reads it

    # 3. the page
    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(
            STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"}
        )

    @app.api_route("/favicon.ico", methods=["GET", "HEAD"], include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/options")
    def options() -> dict[str, Any]:
        from moviefactory.picture import PICTURE
        from moviefactory.script import WRITERS

        return {
            "aspects": list(ASPECT_SIZES),
            "shots": [s.value for s in Shot],
            "cameras": [c.value for c in Camera],
            "moods": [m.value for m in Mood],
            "transitions": [t.value for t in Transition],
            "writers": WRITERS.names(),
            "pictures": PICTURE.names(),
            "defaults": {
                "aspect": settings.aspect,
                "scenes": settings.scenes,
                "seed": 0,
                "writer": settings.writer,
                "picture": settings.picture,
                "narration": settings.narration,
                "burn_subtitles": settings.burn_subtitles,
            },
            "max_scenes": MAX_SCENES,
            "token_required": access.token is not None,
        }

    # 4. jobs
    @app.get("/api/jobs")
    def list_jobs(limit: int = 30) -> dict[str, Any]:
        found = jobs.annotate(jobs.list(limit=max(1, min(limit, 200))))
        return {"jobs": [_public_job(j, scrub) for j in found]}

    @app.get("/api/jobs/{job_id}")
    def get_job(job_id: JobId) -> dict[str, Any]:
        job = jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        return _public_job(jobs.annotate([job])[0], scrub)

    @app.post("/api/jobs/{job_id}/cancel")
    def cancel_job(job_id: JobId) -> dict[str, Any]:
        job = jobs.cancel(job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        if job.state in ("done", "failed"):
            raise Conflict(f"job {job_id} has already finished ({job.state})")
        return _public_job(job, scrub)

    @app.delete("/api/jobs/{job_id}")
    def delete_job(job_id: JobId) -> dict[str, Any]:
        job = jobs.delete(job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        if job.state in ("queued", "running"):
            raise Conflict(f"job {job_id} is {job.state}; cancel it first")
        return {"deleted": job_id}

    # 5. movies
    @app.post("/api/movies", status_code=202)
    def make_movie(body: MakeBody) -> dict[str, Any]:
        from moviefactory.picture import PICTURE
        from moviefactory.script import WRITERS

        text = check_text(body.text, what="the request")
        params: dict[str, Any] = {
            "text": text,
            "seed": body.seed,
            "scenes": body.scenes,
            "aspect": body.aspect,
        }
        params.update(
            {k: getattr(body, k) for k in SETTING_CHOICES if k not in params and getattr(body, k) is not None}
        )
        job_settings = make_settings(settings, params)
        # unknown names fail now (422); a backend whose extra is missing fails in its job with the install hint
        for key, registry in (("writer", WRITERS), ("picture", PICTURE)):
            if getattr(job_settings, key) not in registry.names():
                raise InputError(
                    f"{key}: {quote(getattr(job_settings, key))} is not one of {', '.join(registry.names())}"
                )
        for key in ("model", "upscale"):
            value = getattr(job_settings, key)
            if params.get(key) and value is not None and not FsPath(str(value)).exists():
                raise InputError(f"{key}: {quote(str(params[key]))} does not exist on the server")
        slug = make_folder_slug(settings, text, body.seed, job_settings.fingerprint())
        return _public_job(jobs.annotate([jobs.submit("make", params, slug=slug)])[0], scrub)

    @app.get("/api/movies")
    def list_movies() -> dict[str, Any]:
        found = []
        for child in sorted(out.iterdir()) if out.is_dir() else []:
            try:
                found.append(movie_info(movie_dir(settings, child.name), jobs))
            except MovieFactoryError:
                continue  # not a movie folder (or an unreadable one): not listed
        found.sort(key=lambda m: m.get("updated") or 0, reverse=True)
        return {"movies": [_public_movie(m, scrub) for m in found]}

    @app.get("/api/movies/{slug}")
    def get_movie(slug: str) -> dict[str, Any]:
        return _public_movie(movie_info(movie_dir(settings, slug), jobs), scrub)

    @app.delete("/api/movies/{slug}")
    def delete_movie(slug: str) -> dict[str, Any]:
        root = movie_dir(settings, slug)
        if jobs.active_for(root.name):
            raise Conflict(f"{root.name} has a queued or running job; cancel it first")
        trash = studio / "trash" / f"{root.name}-{time.time_ns()}"
        trash.parent.mkdir(parents=True, exist_ok=True)
        with Workspace.open(root):  # 409 while a command-line run holds the folder
            os.rename(root, trash)  # one step: the movie is gone from the list at once, never half-deleted
        shutil.rmtree(trash, ignore_errors=True)
        for old in (studio / "stills").glob(f"{root.name}--*.jpg"):
            old.unlink(missing_ok=True)
        return {"deleted": root.name}

    @app.get("/api/movies/{slug}/script")
    def get_script(slug: str) -> JSONResponse:
        movie = Workspace.open(movie_dir(settings, slug)).load_script()
        return JSONResponse(movie.model_dump(mode="json"))

    @app.put("/api/movies/{slug}/script")
    async def put_script(slug: str, request: Request) -> dict[str, Any]:
        ws = Workspace.open(movie_dir(settings, slug))
        raw = await request.body()  # at most MAX_BODY_BYTES: BodyLimit stops a longer one as it streams
        if len(raw) > MAX_SCRIPT_BYTES:
            raise InputError(f"the script is {len(raw)} bytes; the limit is {MAX_SCRIPT_BYTES}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("script.json: not UTF-8 text") from exc
        movie = Movie.from_json(text, source="script.json")  # InputError (422) names the bad field
        with ws:  # a render holds the lock while it reads the script: 409 instead of a change mid-run
            ws.save_script(movie)
        return {"saved": True, "scenes": len(movie.scenes), "duration_s": round(movie.total_duration_s(), 3)}

    @app.post("/api/movies/{slug}/render", status_code=202)
    def render_movie(slug: str, body: Annotated[RenderBody | None, Body()] = None) -> dict[str, Any]:
        root = movie_dir(settings, slug)
        scenes = list(dict.fromkeys((body or RenderBody()).scenes))
        movie = Workspace.open(root).load_script()  # an invalid script fails now (422), not in the queue
        for sid in scenes:
            movie.scene(sid)
        job = jobs.submit("render", {"folder": root.name, "scenes": scenes}, slug=root.name)
        return _public_job(jobs.annotate([job])[0], scrub)

    @app.put("/api/library/{kind}/{name}", status_code=202)
    async def upload_sound(
        kind: Literal["effect", "music"],
        name: str,
        request: Request,
        title: Annotated[str, StringConstraints(max_length=200)] = "",
        description: Annotated[str, StringConstraints(max_length=1000)] = "",
    ) -> dict[str, Any]:
        if not UPLOAD_RE.match(name):
            raise InputError(
                f"{quote(name)}: a sound file name (letters, digits, ' _.-') with an audio suffix"
            )
        meta = {
            k: check_text(v, what=k) if v.strip() else ""
            for k, v in (("title", title), ("description", description))
        }
        target = studio / "uploads" / kind / name
        size = 0
        with atomic_output(target) as tmp, open(tmp, "wb") as fh:
            async for chunk in request.stream():
                size += len(chunk)
                if size > UPLOAD_BYTES:  # BodyLimit checked Content-Length; this guards the stream itself
                    raise BodyTooLarge(UPLOAD_BYTES)
                fh.write(chunk)
            if size == 0:
                raise InputError(f"{quote(name)} is empty")
        # the library reads <file>.json beside a sound (ingest.describe): what the user said it sounds like
        atomic_write_json(
            target.with_name(target.name + ".json"), {**meta, "kind": kind, "source": "studio upload"}
        )
        return _public_job(
            jobs.annotate([jobs.submit("library", {"kind": kind, "file": name, **meta})])[0], scrub
        )

    @app.get("/api/library")
    def list_uploads() -> dict[str, Any]:
        found = []
        for kind in ("effect", "music"):
            folder = studio / "uploads" / kind
            for f in sorted(folder.iterdir()) if folder.is_dir() else []:
                if UPLOAD_RE.match(f.name) and f.is_file():
                    side = f.with_name(f.name + ".json")
                    try:
                        meta = json.loads(side.read_text(encoding="utf-8")) if side.is_file() else {}
                    except (OSError, ValueError):
                        meta = {}
                    found.append(
                        {
                            "kind": kind,
                            "file": f.name,
                            "bytes": f.stat().st_size,
                            "title": str(meta.get("title", "")),
                            "description": str(meta.get("description", "")),
                        }
                    )
        return {"sounds": found}

    @app.api_route("/api/movies/{slug}/poster.jpg", methods=["GET", "HEAD"])
    def poster(slug: str) -> FileResponse:
        root = movie_dir(settings, slug)
        return _image(still(Paths(root).cut, root, studio / "stills", at_s=1.0))

    @app.api_route("/api/movies/{slug}/scenes/{scene_id}/thumb.jpg", methods=["GET", "HEAD"])
    def scene_thumb(slug: str, scene_id: SceneId) -> FileResponse:
        root = movie_dir(settings, slug)
        return _image(still(Paths(root).clip(scene_id), root, studio / "stills", at_s=0.4))

    @app.api_route("/api/movies/{slug}/scenes/{scene_id}/clip.mp4", methods=["GET", "HEAD"])
    def scene_clip(slug: str, scene_id: str) -> FileResponse:
        root = movie_dir(settings, slug)
        if not SCENE_RE.match(scene_id):
            raise NotFound(f"no scene {quote(scene_id)}")
        return _file(Paths(root).clip(scene_id), root)

    @app.api_route("/api/movies/{slug}/{name}", methods=["GET", "HEAD"])
    def movie_file(slug: str, name: str) -> Response:
        root = movie_dir(settings, slug)
        if not FILE_RE.match(name) or name in HIDDEN:
            raise NotFound(f"{root.name}/{quote(name)} is not served")
        path = root / name
        if name == "movie.vtt" and not path.exists() and (root / "movie.srt").exists():
            served_file(root / "movie.srt", root)
            vtt = srt_to_vtt((root / "movie.srt").read_text(encoding="utf-8"))
            return PlainTextResponse(vtt, media_type="text/vtt")
        return _file(path, root)

    return app


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MovieFactory studio</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font: 16px system-ui, sans-serif; background: #111317; color: #e6e8ec; padding: 2rem">
<h1>MovieFactory studio</h1><p>This studio needs its access token. Open the link that
<code>moviefactory serve</code> printed when it started (it ends in <code>?token=…</code>).</p></body></html>
"""


def _secured(response: Response) -> Response:
    """Headers every response carries: no framing (clickjacking), no sniffing, no referrer, same-origin only."""
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # the ?token= URL never leaks to a linked page
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _public_job(job: Job, scrub: Callable[[str], str]) -> dict[str, Any]:
    data = job.to_json()
    if data.get("error"):
        data["error"] = scrub(data["error"])
    return data


def _public_movie(info: dict[str, Any], scrub: Callable[[str], str]) -> dict[str, Any]:
    if info.get("script_error"):
        info["script_error"] = scrub(info["script_error"])
    if info.get("job") and info["job"].get("error"):
        info["job"]["error"] = scrub(info["job"]["error"])
    info["warnings"] = [scrub(str(w)) for w in info.get("warnings") or []]
    s = info.get("settings") or {}
    for key in ("model", "upscale"):  # a server path: only its last part
        if s.get(key):
            s[key] = FsPath(str(s[key])).name
    return info


def _file(path: FsPath, root: FsPath) -> FileResponse:
    """A file the studio may send (see served_file); Starlette answers Range requests: the player can seek."""
    served_file(path, root)
    headers = {"Cache-Control": "no-cache"}
    if path.suffix == ".html":
        headers["Content-Security-Policy"] = REPORT_CSP
    return FileResponse(
        path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"), headers=headers
    )


def _image(path: FsPath) -> FileResponse:
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "no-cache"})


def _hostname(host_header: str) -> str:
    """'localhost:8000' -> 'localhost', '[::1]:8000' -> '[::1]'."""
    if host_header.startswith("["):
        return host_header.split("]")[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header
