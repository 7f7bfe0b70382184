"""The local web studio: a FastAPI app over the pipeline, a job queue and the movie folders in settings.out.

Routes (JSON unless named otherwise; every error is {"error": one line}):
    GET  /                                   the studio page (static/index.html)
    GET  /api/options                        enum choices for the page (aspects, shots, cameras)
    POST /api/movies {text, seed?, scenes?, aspect?}  -> 202 job (make)
    GET  /api/movies                         movie folders: title, state, duration, files
    GET  /api/movies/{slug}                  one movie folder
    GET  /api/movies/{slug}/script           script.json
    PUT  /api/movies/{slug}/script           validated, saved atomically (422 names the bad field)
    POST /api/movies/{slug}/render {scenes?} -> 202 job (render; listed scenes are re-rendered)
    GET  /api/movies/{slug}/{file}           movie.mp4 (Range), movie.srt, movie.vtt, report.html, images
    GET  /api/movies/{slug}/scenes/{id}/clip.mp4
    GET  /api/jobs, /api/jobs/{id}

A slug is only ever a direct child of settings.out that holds a MovieFactory manifest, so no request names a
file outside a movie folder. Mutating requests must be same-origin (a page on another site cannot start jobs
on this machine), and `trusted_hosts` rejects other Host headers (DNS rebinding) when the server is local.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from moviefactory.config import Settings
from moviefactory.errors import InputError, MovieFactoryError, WorkspaceError
from moviefactory.progress import Reporter
from moviefactory.spec import ASPECT_SIZES, MAX_SCENES, Camera, Movie, Shot, check_text
from moviefactory.web.jobs import Job, JobQueue, Runner
from moviefactory.workspace import MANIFEST, Workspace, slugify

log = logging.getLogger("moviefactory.web")

STATIC = Path(__file__).parent / "static"
MAX_SCRIPT_BYTES = 1 << 20  # a 60-scene script is ~60 KB; anything near 1 MB is not a script
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
REPORT_CSP = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'self' 'unsafe-inline'"
STATUS = {InputError: 422, WorkspaceError: 409}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


# -- request bodies -----------------------------------------------------------------------------------------
class MakeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    scenes: Annotated[int, Field(ge=1, le=MAX_SCENES)] | None = None
    aspect: Literal["2.35:1", "16:9", "9:16", "1:1"] | None = None


class RenderBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenes: Annotated[list[str], Field(max_length=MAX_SCENES)] = []


# -- the production runner ------------------------------------------------------------------------------------
class PipelineRunner:
    """Runs studio jobs through moviefactory.pipeline with the server's settings.

    make: the server's settings with the job's scenes/aspect. render: the folder's recorded settings (what
    made it), with the server's execution settings (where, how many workers, which device, the API key)."""

    EXECUTION = ("out", "executor", "workers", "retries", "device", "llm_api_key")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, job: Job, reporter: Reporter) -> dict[str, Any]:
        from moviefactory import pipeline

        p = job.params
        if job.kind == "make":
            upd = {k: p[k] for k in ("scenes", "aspect") if p.get(k) is not None}
            result = pipeline.make(
                p["text"], self.settings.model_copy(update=upd), seed=p["seed"], reporter=reporter
            )
        elif job.kind == "render":
            root = movie_dir(self.settings, p["folder"])
            settings = self.folder_settings(Workspace.open(root))
            result = pipeline.render(root, settings, scenes=tuple(p.get("scenes") or ()), reporter=reporter)
        else:
            raise InputError(f"unknown job kind {job.kind!r}")
        return {**result.to_json(), "slug": result.root.name}

    def folder_settings(self, ws: Workspace) -> Settings:
        from pydantic import ValidationError

        from moviefactory.spec import first_error

        base = {k: v for k, v in ws.manifest.get("settings", {}).items() if k in Settings.model_fields}
        base.update({k: getattr(self.settings, k) for k in self.EXECUTION})
        try:
            return Settings(**base)
        except ValidationError as exc:
            raise InputError(f"{ws.root.name}/{MANIFEST} settings: {first_error(exc)}") from exc


# -- movie folders ----------------------------------------------------------------------------------------------
class NotFound(InputError):
    """A movie, file or job the request names does not exist (404)."""


def movie_dir(settings: Settings, slug: str) -> Path:
    """The folder for `slug`: a direct child of settings.out holding a MovieFactory manifest, else InputError
    (404 at the API). Refuses '..', separators, absolute paths and links that leave settings.out."""
    out = Path(settings.out).resolve()
    root = out / slug
    if (not SLUG_RE.match(slug) or slug in (".", "..") or not root.is_dir() or root.resolve().parent != out
            or not (root / MANIFEST).is_file()):  # fmt: skip
        raise NotFound(f"no movie {slug!r} in {settings.out}")
    return root


def movie_info(root: Path, jobs: JobQueue) -> dict[str, Any]:
    ws = Workspace.open(root)
    man = ws.manifest
    info: dict[str, Any] = {"slug": root.name, "request": man.get("request", ""), "seed": man.get("seed"),
                            "title": man.get("request", root.name), "scenes": 0, "script_error": None}  # fmt: skip
    script_s: float | None = None
    if ws.has_script():
        try:
            movie = ws.load_script()
            info.update(title=movie.title, logline=movie.logline, scenes=len(movie.scenes))
            script_s = movie.total_duration_s()
        except MovieFactoryError as exc:
            info["script_error"] = str(exc)
    rec = ws.artifact("movie.mp4")
    has_movie = rec is not None and (root / "movie.mp4").is_file()
    stages = {k: v.get("state") for k, v in man.get("stages", {}).items()}
    job = jobs.latest_for(root.name)
    state: str
    if job is not None and job.state in ("queued", "running"):
        state = job.state
    elif "failed" in stages.values() or (job is not None and job.state == "failed"):
        state = "failed"
    elif has_movie:
        state = "done"
    elif "running" in stages.values():
        state = "interrupted"
    else:
        state = "scripted" if ws.has_script() else "new"
    info.update(
        state=state,
        has_movie=has_movie,
        duration_s=float(man.get("result", {}).get("duration_s") or 0.0) if has_movie else script_s,
        version=(rec or {}).get("sha256", "")[:12],  # changes with every new cut: cache-busts the player
        files={
            name: (root / name).is_file() for name in ("movie.mp4", "movie.srt", "movie.vtt", "report.html")
        },
        updated=man.get("updated", man.get("created")),
        job=job.to_json() if job is not None else None,
        warnings=man.get("result", {}).get("warnings", []),
    )
    return info


def srt_to_vtt(srt: str) -> str:
    """WebVTT from SRT: a header, and '.' instead of ',' in cue timings (cue text is left as it is)."""
    lines = [
        re.sub(r"(\d\d:\d\d:\d\d),(\d\d\d)", r"\1.\2", ln) if "-->" in ln else ln for ln in srt.splitlines()
    ]
    return "WEBVTT\n\n" + "\n".join(lines) + "\n"


# -- the app ------------------------------------------------------------------------------------------------------
def create_app(
    settings: Settings,
    *,
    jobs_db: Path | None = None,
    start_worker: bool = True,
    runner: Runner | None = None,
    trusted_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """The studio app for the movies in settings.out.

    jobs_db defaults to <out>/.studio/jobs.sqlite. The job worker starts with the app's lifespan (uvicorn,
    or `with TestClient(app)`) when start_worker is true. `runner` replaces the pipeline (tests inject a
    small job function). `trusted_hosts`, when given, are the only Host header values accepted."""
    # 1. the queue: opening it re-queues jobs a dead server left running
    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = JobQueue(
        jobs_db or out / ".studio" / "jobs.sqlite", runner or PipelineRunner(settings), start_worker=False
    )

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

    # 2. errors: one JSON line, never a traceback
    @app.exception_handler(MovieFactoryError)
    async def _mf_error(request: Request, exc: MovieFactoryError) -> JSONResponse:
        code = (
            404
            if isinstance(exc, NotFound)
            else next((c for t, c in STATUS.items() if isinstance(exc, t)), 500)
        )
        return JSONResponse({"error": str(exc)}, status_code=code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        err = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        return JSONResponse({"error": f"{loc}: {err.get('msg', 'invalid')}"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Response:
        host = request.headers.get("host", "")
        if trusted_hosts is not None and _hostname(host) not in trusted_hosts:
            return JSONResponse({"error": f"host {host!r} is not served here"}, status_code=400)
        origin = request.headers.get("origin")
        if request.method not in ("GET", "HEAD", "OPTIONS") and origin and urlsplit(origin).netloc != host:
            return JSONResponse({"error": "cross-origin requests are not allowed"}, status_code=403)
        try:
            response: Response = await call_next(request)
        except Exception as exc:  # the last line of defence: one line to the client, the traceback to the log
            log.exception("request failed: %s %s", request.method, request.url.path)
            return JSONResponse({"error": f"internal error: {type(exc).__name__}: {exc}"}, status_code=500)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    # 3. the page
    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(
            STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"}
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/options")
    def options() -> dict[str, Any]:
        return {
            "aspects": list(ASPECT_SIZES),
            "shots": [s.value for s in Shot],
            "cameras": [c.value for c in Camera],
            "defaults": {"aspect": settings.aspect, "scenes": settings.scenes, "seed": 0},
            "max_scenes": MAX_SCENES,
        }

    # 4. jobs
    @app.get("/api/jobs")
    def list_jobs(limit: int = 30) -> dict[str, Any]:
        return {"jobs": [j.to_json() for j in jobs.list(limit=max(1, min(limit, 200)))]}

    @app.get("/api/jobs/{job_id}")
    def get_job(job_id: int) -> dict[str, Any]:
        job = jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        return job.to_json()

    # 5. movies
    @app.post("/api/movies", status_code=202)
    def make_movie(body: MakeBody) -> dict[str, Any]:
        text = check_text(body.text, what="the request")
        params = {"text": text, "seed": body.seed, "scenes": body.scenes, "aspect": body.aspect}
        return jobs.submit("make", params, slug=slugify(text, body.seed)).to_json()

    @app.get("/api/movies")
    def list_movies() -> dict[str, Any]:
        found = []
        for child in sorted(out.iterdir()) if out.is_dir() else []:
            try:
                found.append(movie_info(movie_dir(settings, child.name), jobs))
            except MovieFactoryError:
                continue  # not a movie folder (or an unreadable one): not listed
        found.sort(key=lambda m: m.get("updated") or 0, reverse=True)
        return {"out": str(out), "movies": found}

    @app.get("/api/movies/{slug}")
    def get_movie(slug: str) -> dict[str, Any]:
        return movie_info(movie_dir(settings, slug), jobs)

    @app.get("/api/movies/{slug}/script")
    def get_script(slug: str) -> JSONResponse:
        movie = Workspace.open(movie_dir(settings, slug)).load_script()
        return JSONResponse(movie.model_dump(mode="json"))

    @app.put("/api/movies/{slug}/script")
    async def put_script(slug: str, request: Request) -> dict[str, Any]:
        ws = Workspace.open(movie_dir(settings, slug))
        raw = await request.body()
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
        return jobs.submit("render", {"folder": root.name, "scenes": scenes}, slug=root.name).to_json()

    @app.api_route("/api/movies/{slug}/scenes/{scene_id}/clip.mp4", methods=["GET", "HEAD"])
    def scene_clip(slug: str, scene_id: str) -> FileResponse:
        root = movie_dir(settings, slug)
        if not SCENE_RE.match(scene_id):
            raise NotFound(f"no scene {scene_id!r}")
        return _file(root / "scenes" / scene_id / "clip.mp4", root)

    @app.api_route("/api/movies/{slug}/{name}", methods=["GET", "HEAD"])
    def movie_file(slug: str, name: str) -> Response:
        root = movie_dir(settings, slug)
        if not FILE_RE.match(name) or name in HIDDEN:
            raise NotFound(f"{slug}/{name} is not served")
        path = root / name
        if name == "movie.vtt" and not path.is_file() and (root / "movie.srt").is_file():
            vtt = srt_to_vtt((root / "movie.srt").read_text(encoding="utf-8"))
            return PlainTextResponse(vtt, media_type="text/vtt")
        return _file(path, root)

    return app


def _file(path: Path, root: Path) -> FileResponse:
    """A regular file inside `root` (Starlette answers Range requests: the player can seek)."""
    rel = path.relative_to(root)
    if not path.is_file():
        raise NotFound(f"{root.name}/{rel} does not exist (yet)")
    if root.resolve() not in path.resolve().parents:  # a link that leaves the movie folder
        raise NotFound(f"{root.name}/{rel} is not served")
    headers = {"Cache-Control": "no-cache"}
    if path.suffix == ".html":
        headers["Content-Security-Policy"] = REPORT_CSP
    return FileResponse(
        path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"), headers=headers
    )


def _hostname(host_header: str) -> str:
    """'localhost:8000' -> 'localhost', '[::1]:8000' -> '[::1]'."""
    if host_header.startswith("["):
        return host_header.split("]")[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header
