"""A movie's working folder: manifest, artifact paths, cache keys, atomic writes, locking.

Layout (see docs/design-notes.md; `Paths` is its one owner):
    movies/<slug>/movie.json       manifest (`Manifest`): request, settings, stage states, one record per artifact
    movies/<slug>/script.json      the editable script
    movies/<slug>/scenes/<id>/     clip.mp4 (+ clip_sr.mp4, clip_<fps>fps.mp4), effects.wav, narration.wav, drawn.json
    movies/<slug>/music.wav, movie.mp4, movie.srt, report.html

An artifact is current when its recorded cache key equals the key of the inputs that would make it now and
the file on disk still has the recorded size (`cached` is the one "is current -> make -> record" step). Every
file is written to a temporary name in the same folder and renamed into place, so a crash never leaves a
half-written artifact under a real name.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from moviefactory import __version__
from moviefactory.errors import DiskFullError, InputError, WorkspaceError
from moviefactory.spec import Movie, first_error

MANIFEST = "movie.json"
SCRIPT = "script.json"
LOCK = ".lock"
MANIFEST_KIND = "moviefactory-movie"
SCHEMA_VERSION = 2  # 1: a flat "artifacts" dict keyed by relative path; 2: typed records (`Manifest`)
TEMP_DIR_PREFIX = ".mf-tmp-"  # scratch folders inside a movie folder (see Workspace.temp_dir)


# -- atomic writes ------------------------------------------------------------------------------------
# Temporary names are recognisably ours: ".<stem>.part-<8 random>.<suffix>" beside the target (older versions
# wrote ".<stem>.<8 random>.<suffix>"). A run that holds a folder's lock deletes such leftovers of killed runs.
TEMP_INFIX = ".part-"
_TEMP_NAME = re.compile(r"^\.[^/]+\.(?:part-)?[A-Za-z0-9_]{8}(?:\.[A-Za-z0-9]+)?$")
LOW_SPACE_BYTES = 1 << 20  # below this much free space a failed write is taken to be a full disk


def is_temp_name(name: str) -> bool:
    """True for the names `atomic_output` writes before the rename (ours, safe to delete when unlocked)."""
    return bool(_TEMP_NAME.match(name))


def _publish(tmp: Path, target: Path) -> None:
    """The one rename that makes a write visible. Kept as its own function: the fault-injection tests hook
    it to kill the process tree right before or after every write point."""
    os.replace(tmp, target)


def free_bytes(path: Path) -> int:
    """Bytes this process may still write on the filesystem holding `path` (root may use reserved blocks)."""
    st = os.statvfs(path)
    return (st.f_bfree if os.geteuid() == 0 else st.f_bavail) * st.f_frsize


def mount_point(path: Path) -> Path:
    p = Path(os.path.abspath(path))
    while not os.path.ismount(p) and p.parent != p:
        p = p.parent
    return p


def disk_full_error(
    path: Path, *, need_bytes: int | None = None, written: int | None = None
) -> DiskFullError:
    """The one full-disk error: which file, which filesystem, what is free, how much it needs."""
    where = path if path.exists() else path.parent
    try:
        free: int | None = free_bytes(where)
    except OSError:
        free = None
    return DiskFullError(str(path), str(mount_point(where)), free, need_bytes, written)


def is_disk_full(exc: BaseException, where: Path) -> bool:
    """ENOSPC/EDQUOT anywhere in the cause chain, ffmpeg's or libsndfile's words for it, or (when the
    error says nothing useful, e.g. a broken pipe to an encoder that died) a filesystem that is full now."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, DiskFullError):
            return False  # already translated
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(e) or "Disk quota exceeded" in str(e):
            return True
        e = e.__cause__ or e.__context__
    try:
        return free_bytes(where) < LOW_SPACE_BYTES
    except OSError:
        return False


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str],
    *,
    suffix: str | None = None,
    allow_empty: bool = False,
    size_hint: int | None = None,
) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds.

    The temp name keeps the real suffix (ffmpeg picks the container from it). On error the temp is removed
    and `path` is left as it was. A failure caused by a full disk (however the writer reported it) becomes
    one DiskFullError naming the filesystem; `size_hint` (bytes) is the size the file is expected to reach.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.stem}{TEMP_INFIX}", suffix=suffix or target.suffix, dir=target.parent
        )
        os.close(fd)
    except OSError as exc:
        if is_disk_full(exc, target.parent if target.parent.exists() else Path(".")):
            raise disk_full_error(target, need_bytes=size_hint) from exc
        raise
    tmp_path = Path(tmp)
    try:
        os.chmod(tmp_path, 0o644)  # mkstemp makes 0600; artifacts are ordinary files others may read
        try:
            yield tmp_path
            if not tmp_path.exists() or (tmp_path.stat().st_size == 0 and not allow_empty):
                raise WorkspaceError(f"{target.name}: nothing was written")
            _publish(tmp_path, target)
        except Exception as exc:
            if is_disk_full(exc, target.parent):
                written = tmp_path.stat().st_size if tmp_path.exists() else 0
                raise disk_full_error(target, need_bytes=size_hint, written=written) from exc
            raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_output(path, allow_empty=True) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def try_flock(path: Path, *, busy: str) -> int:
    """Open `path` and take an exclusive, non-blocking flock on it; return the fd (keep it open to hold
    the lock). The OS drops the lock when the process dies, so a killed run never leaves a stale lock.
    Raises WorkspaceError(busy) when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            raise WorkspaceError(busy) from exc
        raise
    return fd


@contextlib.contextmanager
def hold_flock(path: Path) -> Iterator[None]:
    """Wait for an exclusive flock on `path` and hold it for the block (one-time work such as a first-use
    build: the second process waits, then finds the work done). Released by the OS if the holder dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last fd releases the lock


@contextlib.contextmanager
def sqlite_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE (take the write lock up front, so two writers never deadlock mid-transaction),
    COMMIT on success, ROLLBACK on any exception: an index or queue is never left half-written."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- keys ---------------------------------------------------------------------------------------------
def cache_key(*parts: Any) -> str:
    """A stable hash of JSON-able parts (pydantic models are dumped in JSON mode)."""

    def norm(p: Any) -> Any:
        if hasattr(p, "model_dump"):
            return p.model_dump(mode="json")
        if isinstance(p, Path):
            return str(p)
        if isinstance(p, list | tuple):
            return [norm(x) for x in p]
        if isinstance(p, dict):
            return {str(k): norm(v) for k, v in p.items()}
        return p

    blob = json.dumps([norm(p) for p in parts], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:32]


def slugify(text: str, seed: int, max_words: int = 6) -> str:
    """Readable and unique per request+seed: 'a-race-between-a-car-and-an-4f2a91c3'."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", norm)[:max_words]
    stem = "-".join(words)[:48].strip("-") or "movie"
    digest = hashlib.sha256(f"{text}\0{seed}".encode()).hexdigest()[:8]
    return f"{stem}-{digest}"


# -- the layout ------------------------------------------------------------------------------------------
class Paths:
    """The one owner of a movie folder's layout: every stage, the report and the studio ask it for a path."""

    def __init__(self, root: Path, *, scenes: Path | None = None) -> None:
        self.root = Path(root)
        self._scenes = Path(scenes) if scenes is not None else self.root / "scenes"

    @classmethod
    def of_clip(cls, clip: Path) -> tuple[Paths, str]:
        """The folder and scene id a clip path (`scene(sid) / "clip.mp4"`) belongs to: for a backend that is
        handed only the path it writes and keeps a per-scene file beside it or reads a sibling scene's.
        A clip outside a movie folder (a Ray task's temporary folder, a test's) gets a layout rooted one level
        above its folder, whose sibling folders are the other scenes: nothing lands outside that level."""
        clip = Path(clip)
        folder = clip.parent
        if folder.parent.name == "scenes":
            return cls(folder.parent.parent), folder.name
        return cls(folder.parent, scenes=folder.parent), folder.name

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def script(self) -> Path:
        return self.root / SCRIPT

    @property
    def script_prev(self) -> Path:
        return self.root / "script.prev.json"

    @property
    def scenes(self) -> Path:
        return self._scenes

    def scene(self, scene_id: str) -> Path:
        return self.scenes / scene_id

    def clip(self, scene_id: str) -> Path:
        return self.scene(scene_id) / "clip.mp4"

    def upscaled(self, scene_id: str) -> Path:
        return self.scene(scene_id) / "clip_sr.mp4"

    def retimed(self, scene_id: str, fps: int) -> Path:
        return self.scene(scene_id) / f"clip_{fps}fps.mp4"

    def effects(self, scene_id: str) -> Path:
        return self.scene(scene_id) / "effects.wav"

    def narration(self, scene_id: str) -> Path:
        return self.scene(scene_id) / "narration.wav"

    def drawn(self, scene_id: str) -> Path:
        return self.scene(scene_id) / "drawn.json"

    def last_latent(self, scene_id: str) -> Path:
        return self.scene(scene_id) / "last_latent.npy"

    def last_frame(self, scene_id: str) -> Path:
        """An image-to-video scene's last frame at the generation size (the next scene may start from it)."""
        return self.scene(scene_id) / "last_frame.png"

    def character_image(self, character_id: str) -> Path:
        """A character's reference image (drawn once, conditions the key frames of its scenes)."""
        return self.root / "characters" / f"{character_id}.png"

    @property
    def music(self) -> Path:
        return self.root / "music.wav"

    @property
    def cut(self) -> Path:
        return self.root / "movie.mp4"

    @property
    def subtitles(self) -> tuple[Path, Path]:
        """(movie.srt, movie.vtt)"""
        return self.root / "movie.srt", self.root / "movie.vtt"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    def of(self, slot: Slot[Any]) -> Path:
        """The file an artifact slot names."""
        if slot.name == "script":
            return self.script
        if slot.name in ("music", "cut"):
            return self.music if slot.name == "music" else self.cut
        sid = slot.scene or ""
        if slot.name == "retimed":
            return self.retimed(sid, slot.fps or 0)
        by_name: dict[str, Callable[[str], Path]] = {
            "clip": self.clip,
            "upscaled": self.upscaled,
            "effects": self.effects,
            "narration": self.narration,
        }
        return by_name[slot.name](sid)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Paths) and (self.root, self.scenes) == (other.root, other.scenes)

    def __hash__(self) -> int:
        return hash((self.root, self.scenes))

    def rel(self, slot: Slot[Any]) -> str:
        """The slot's path relative to the folder, '/'-separated (what a run lists as rendered or reused)."""
        return self.of(slot).relative_to(self.root).as_posix()

    def slot_of(self, rel: str) -> Slot[Any] | None:
        """The slot a relative path names (schema 1 manifests keyed their records by path), or None."""
        for slot in (Slot.script(), Slot.music(), Slot.cut()):
            if rel == self.rel(slot):
                return slot
        m = re.fullmatch(r"scenes/([^/]+)/(clip|clip_sr|clip_(\d+)fps|effects|narration)\.(mp4|wav)", rel)
        if m is None:
            return None
        sid, stem, fps = m.group(1), m.group(2), m.group(3)
        if fps is not None:
            return Slot.retimed(sid, int(fps))
        by_stem: dict[str, Callable[[str], Slot[Any]]] = {
            "clip": Slot.clip,
            "clip_sr": Slot.upscaled,
            "effects": Slot.effects,
            "narration": Slot.narration,
        }
        found = by_stem[stem](sid)
        return found if self.rel(found) == rel else None


# -- the manifest ----------------------------------------------------------------------------------------
class Record(BaseModel):
    """One file a stage made: the key of the inputs it was made from, and what it was when recorded."""

    model_config = ConfigDict(extra="forbid")
    key: str  # cache_key of the inputs (32 hex)
    size: int  # bytes; a different size on disk means the file was replaced or cut short
    sha256: str  # file_digest (32 hex): names the file's version (the studio cache-busts with it)
    made: float  # unix time


R = TypeVar("R", bound="Record")


class ScriptRecord(Record):
    writer: str = ""
    notices: list[str] = []  # what the writer could not use ("not used: ...")


class ClipRecord(Record):
    backend: str = ""  # "<name> v<version>"
    seconds: float = 0.0  # render wall time
    frames: int
    fps: float  # the backend's frame rate (the pipeline retimes to the movie's)
    width: int | None = None  # None in schema 1 records
    height: int | None = None
    warnings: list[str] = []


class DerivedRecord(Record):
    """A clip made from another file (super-resolution, retiming)."""

    source: str  # the relative path of the file it was made from


class CreditRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    source: str
    license: str
    attribution: str = ""


class TrackRecord(Record):
    description: str = ""  # what was chosen, for the report
    credits: list[CreditRecord] = []


class LoudnessRecord(BaseModel):
    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float


class CutRecord(Record):
    duration_s: float
    width: int
    height: int
    loudness: LoudnessRecord | None = None


class DrawnElement(BaseModel):
    """One thing the animatic drew (its drawn.json); the animatic may add fields, kept as they are."""

    model_config = ConfigDict(extra="allow")
    text: str = ""
    drawn_as: str = ""
    role: str = ""


class Drawn(BaseModel):
    model_config = ConfigDict(extra="allow")
    elements: list[DrawnElement] = []
    unmatched: list[str] = []  # words of the prompt the picture could not draw


class SceneRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clip: ClipRecord | None = None
    upscaled: DerivedRecord | None = None
    retimed: DerivedRecord | None = None
    effects: TrackRecord | None = None
    narration: TrackRecord | None = None
    drawn: Drawn | None = None  # what the picture shows (backends that say so: the animatic)


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["running", "done", "failed"]
    at: float
    failures: dict[str, str] = {}  # scene id -> why (state "failed")


class RunReport(BaseModel):
    """What the last complete run says about itself (the report and the studio show it)."""

    model_config = ConfigDict(extra="forbid")
    warnings: list[str] = []
    backends: dict[str, str] = {}  # stage -> backend
    moviefactory_version: str = ""
    seconds: float = 0.0  # wall time of picture..compose


class Manifest(BaseModel):
    """movie.json. Loaded by the pipeline, the report and the studio alike (`load_manifest`)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["moviefactory-movie"] = "moviefactory-movie"
    schema_version: Literal[2] = 2  # SCHEMA_VERSION
    moviefactory_version: str = __version__
    request: str
    seed: int
    settings: dict[str, Any] = {}  # Settings.fingerprint() of the run that made the folder
    created: float = Field(default_factory=time.time)
    updated: float | None = None
    script: ScriptRecord | None = None
    scenes: dict[str, SceneRecord] = {}  # scene id -> its records, in script order
    music: TrackRecord | None = None
    cut: CutRecord | None = None  # movie.mp4
    report: RunReport | None = None
    stages: dict[str, Stage] = {}

    def get(self, slot: Slot[R]) -> R | None:
        holder: BaseModel = self if slot.scene is None else self.scenes.get(slot.scene, SceneRecord())
        rec = getattr(holder, slot.name)
        return rec if isinstance(rec, slot.record) else None

    def put(self, slot: Slot[R], rec: R) -> None:
        holder: BaseModel = self if slot.scene is None else self.scenes.setdefault(slot.scene, SceneRecord())
        setattr(holder, slot.name, rec)

    def scene(self, scene_id: str) -> SceneRecord:
        return self.scenes.get(scene_id) or SceneRecord()

    def artifact_bytes(self) -> int:
        """Bytes of every recorded artifact (what a run has already written)."""
        recs: list[Record | None] = [self.script, self.music, self.cut]
        for sc in self.scenes.values():
            recs += [sc.clip, sc.upscaled, sc.retimed, sc.effects, sc.narration]
        return sum(r.size for r in recs if r is not None)

    def to_json(self) -> str:
        return (
            json.dumps(
                self.model_dump(mode="json", exclude_none=True), indent=2, sort_keys=True, ensure_ascii=False
            )
            + "\n"
        )


SlotName = Literal["script", "clip", "upscaled", "retimed", "effects", "narration", "music", "cut"]


@dataclass(frozen=True)
class Slot(Generic[R]):
    """Where an artifact's record lives in the manifest (and, through `Paths.of`, its file)."""

    name: SlotName
    record: type[R]
    scene: str | None = None  # per-scene slots
    fps: int | None = None  # "retimed": the frame rate, part of the file name

    @staticmethod
    def script() -> Slot[ScriptRecord]:
        return Slot("script", ScriptRecord)

    @staticmethod
    def clip(scene_id: str) -> Slot[ClipRecord]:
        return Slot("clip", ClipRecord, scene_id)

    @staticmethod
    def upscaled(scene_id: str) -> Slot[DerivedRecord]:
        return Slot("upscaled", DerivedRecord, scene_id)

    @staticmethod
    def retimed(scene_id: str, fps: int) -> Slot[DerivedRecord]:
        return Slot("retimed", DerivedRecord, scene_id, fps)

    @staticmethod
    def effects(scene_id: str) -> Slot[TrackRecord]:
        return Slot("effects", TrackRecord, scene_id)

    @staticmethod
    def narration(scene_id: str) -> Slot[TrackRecord]:
        return Slot("narration", TrackRecord, scene_id)

    @staticmethod
    def music() -> Slot[TrackRecord]:
        return Slot("music", TrackRecord)

    @staticmethod
    def cut() -> Slot[CutRecord]:
        return Slot("cut", CutRecord)


def migrate(data: dict[str, Any], paths: Paths) -> dict[str, Any]:
    """Bring a manifest's JSON to the current schema. Schema 1 (a flat "artifacts" dict keyed by relative
    path, the run summary as "result") becomes typed records; a record this version cannot place is dropped
    (its artifact is made again when needed), and drawn.json files beside clips become the scenes' "drawn"."""
    version = data.get("schema_version", 1)
    if version == SCHEMA_VERSION:
        return data
    if version != 1:
        raise WorkspaceError(
            f"{paths.manifest}: schema version {version!r} is not one this MovieFactory "
            f"reads (1-{SCHEMA_VERSION}); a newer version made it?"
        )
    keep = ("kind", "moviefactory_version", "request", "seed", "settings", "created", "updated")
    out: dict[str, Any] = {k: data[k] for k in keep if k in data}
    out["schema_version"] = SCHEMA_VERSION
    scenes: dict[str, dict[str, Any]] = {}
    artifacts = data.get("artifacts")
    for rel, rec in (artifacts if isinstance(artifacts, dict) else {}).items():
        slot = paths.slot_of(str(rel))
        if slot is None or not isinstance(rec, dict):
            continue
        rec = {k: v for k, v in rec.items() if k in slot.record.model_fields}
        if slot.scene is None:
            out[slot.name] = rec
        else:
            scenes.setdefault(slot.scene, {})[slot.name] = rec
    for sid, rec in scenes.items():
        with contextlib.suppress(OSError, ValueError):
            rec["drawn"] = json.loads(paths.drawn(sid).read_text(encoding="utf-8"))
    out["scenes"] = scenes
    result = data.get("result")
    if isinstance(result, dict):
        out["report"] = {k: result[k] for k in RunReport.model_fields if k in result}
    stages = data.get("stages")
    if isinstance(stages, dict):
        out["stages"] = {
            k: {f: v[f] for f in Stage.model_fields if f in v}
            for k, v in stages.items()
            if isinstance(v, dict)
        }
    return out


def load_manifest(root: Path) -> Manifest:
    """The folder's manifest, migrated to the current schema; WorkspaceError naming the first bad field."""
    paths = Paths(root)
    try:
        data = json.loads(paths.manifest.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WorkspaceError(f"{root} is not a MovieFactory folder (no {MANIFEST})") from exc
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON or bad UTF-8
        raise WorkspaceError(f"{paths.manifest}: unreadable manifest ({_short(exc)})") from exc
    if not isinstance(data, dict) or data.get("kind") != MANIFEST_KIND:
        raise WorkspaceError(f"{root} is not a MovieFactory folder")
    try:
        return Manifest.model_validate(migrate(data, paths))
    except ValidationError as exc:
        raise WorkspaceError(f"{paths.manifest}: invalid manifest: {first_error(exc)}") from exc


# -- the folder ---------------------------------------------------------------------------------------
class Workspace:
    """One movie folder. Use `Workspace.create` for a new one, `Workspace.open` for an existing one."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = root
        self.paths = Paths(root)
        self.manifest = manifest
        self._lock_fd: int | None = None

    # construction
    @classmethod
    def create(cls, root: Path, *, request: str, seed: int, settings: dict[str, Any]) -> Workspace:
        """Make a new folder, or reuse it when it is already this request's folder (resume).

        The folder is ours from its first entry: the lock file comes first (taken before anything else, so
        two runs starting together get "in use", not a wrong verdict), then the manifest, atomically. A folder
        holding nothing but our own leftovers (a run killed before its first manifest) is finished, not
        refused."""
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise WorkspaceError(f"{root} exists and is not a folder")
        if root.is_dir() and not (root / MANIFEST).exists() and _foreign_entries(root):
            raise WorkspaceError(f"{root} exists and is not a MovieFactory folder")
        try:
            root.mkdir(parents=True, exist_ok=True)
            fd = try_flock(root / LOCK, busy=f"{root} is in use by another MovieFactory run")
        except OSError as exc:
            raise WorkspaceError(f"cannot write to {root}: {exc.strerror or exc}") from exc
        ws = cls(root, Manifest(request=request, seed=seed, settings=settings))
        ws._lock_fd = fd
        try:
            if (root / MANIFEST).exists():
                ws.manifest = cls.open(root).manifest
                if ws.manifest.request != request or ws.manifest.seed != seed:
                    raise WorkspaceError(f"{root} holds another movie; choose another --out")
                return ws
            if _foreign_entries(root):  # something appeared between the first look and the lock
                raise WorkspaceError(f"{root} exists and is not a MovieFactory folder")
            ws.sweep()
            ws.save_manifest()
            return ws
        finally:
            ws.unlock()

    @classmethod
    def open(cls, root: Path) -> Workspace:
        root = Path(root)
        if not root.is_dir():
            raise WorkspaceError(f"{root} is not a folder")
        return cls(root, load_manifest(root))

    # locking
    def lock(self) -> None:
        """Take the folder's lock; a second run on the same folder fails at once instead of racing. Then
        delete what killed runs left behind (their temp files), which only the lock holder may do.

        flock is released by the OS when the process dies, so a SIGKILLed run never leaves a stale lock."""
        if self._lock_fd is not None:
            return
        fd = try_flock(self.root / LOCK, busy=f"{self.root} is in use by another MovieFactory run")
        # the pid is for people; the flock is the lock (and must hold on a full disk too)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd
        self.sweep()

    def sweep(self) -> list[Path]:
        """Delete temp files and temp folders of killed runs (ours by name) in the folder and its scene
        folders; call only while holding the lock. Returns what was removed."""
        removed: list[Path] = []
        scenes = self.paths.scenes
        dirs = [self.root, *(sorted(p for p in scenes.iterdir() if p.is_dir()) if scenes.is_dir() else [])]
        for d in dirs:
            for entry in d.iterdir():
                if entry.name == ".write-test" or (is_temp_name(entry.name) and entry.is_file()):
                    with contextlib.suppress(FileNotFoundError):
                        entry.unlink()
                    removed.append(entry)
                elif entry.name.startswith(TEMP_DIR_PREFIX) and entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry)
        return removed

    def temp_dir(self, what: str) -> Path:
        """A scratch folder inside the movie folder (not in TMPDIR: a killed run's leftovers are found and
        removed by the next run's `sweep`, and large scratch files land on the disk the movie goes to)."""
        return Path(tempfile.mkdtemp(prefix=f"{TEMP_DIR_PREFIX}{what}-", dir=self.root))

    def unlock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Workspace:
        self.lock()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unlock()

    # script
    @property
    def script_path(self) -> Path:
        return self.paths.script

    def has_script(self) -> bool:
        return self.script_path.exists()

    def load_script(self) -> Movie:
        path = self.script_path
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError as exc:
            raise InputError(f"{path} is missing; run `moviefactory script` first") from exc
        except IsADirectoryError as exc:
            raise InputError(f"{path} is a folder, not a script file") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from exc
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        try:
            return Movie.from_json(text, source=str(path))
        except RecursionError as exc:  # the JSON parser's recursion limit: absurdly deep nesting
            raise InputError(f"{path}: JSON nested too deeply to be a script") from exc

    def save_script(self, movie: Movie) -> None:
        atomic_write_text(self.script_path, movie.to_json())

    def path(self, rel: str) -> Path:
        """A file in the folder by its relative path (the manifest's artifacts: `paths` and `Slot`s)."""
        return self.root / rel

    # manifest
    def save_manifest(self) -> None:
        self.manifest.updated = time.time()
        atomic_write_text(self.paths.manifest, self.manifest.to_json())

    def is_current(self, slot: Slot[Any], key: str) -> bool:
        rec = self.manifest.get(slot)
        p = self.paths.of(slot)
        return bool(rec is not None and rec.key == key and p.exists() and p.stat().st_size == rec.size)

    def record(self, slot: Slot[R], key: str, **meta: Any) -> R:
        """Note that the file at `slot` (already atomically in place) was made from inputs hashing to `key`;
        `meta` are the slot's record fields (validated: a misspelt field is an error, not a silent key)."""
        p = self.paths.of(slot)
        rec = slot.record(key=key, size=p.stat().st_size, sha256=file_digest(p), made=time.time(), **meta)
        self.manifest.put(slot, rec)
        self.save_manifest()
        return rec

    def artifact(self, slot: Slot[R]) -> R | None:
        return self.manifest.get(slot)

    def set_stage(
        self,
        stage: str,
        state: Literal["running", "done", "failed"],
        failures: Mapping[str, str] | None = None,
    ) -> None:
        self.manifest.stages[stage] = Stage(state=state, at=time.time(), failures=dict(failures or {}))
        self.save_manifest()


@dataclass(frozen=True)
class Cached(Generic[R]):
    record: R | None  # None: `make` made nothing (a narration without a TTS engine)
    made: bool  # False: the recorded artifact was current and reused


def cached(
    ws: Workspace,
    slot: Slot[R],
    key: str,
    make: Callable[[Path], Mapping[str, Any] | None],
    *,
    force: bool = False,
) -> Cached[R]:
    """The one "is current -> make -> record" step. When the artifact at `slot` was made from inputs hashing
    to `key` and is intact (and not `force`d), its record is returned as it is. Otherwise `make(path)` writes
    the file (atomically) and returns the record's fields besides key/size/sha256/made, or None when it made
    nothing (then nothing is recorded)."""
    if not force and ws.is_current(slot, key):
        return Cached(ws.artifact(slot), made=False)
    meta = make(ws.paths.of(slot))
    if meta is None:
        return Cached(None, made=True)
    return Cached(ws.record(slot, key, **meta), made=True)


def _foreign_entries(root: Path) -> list[str]:
    """Names in `root` that a MovieFactory run would not have made before its first manifest (the lock,
    temp files, scratch folders, an empty scenes folder): a folder with any of these is someone else's."""
    ours = {LOCK, ".write-test"}
    out = []
    for entry in root.iterdir():
        name = entry.name
        if name in ours or is_temp_name(name) or name.startswith(TEMP_DIR_PREFIX):
            continue
        if name == "scenes" and entry.is_dir() and not any(entry.iterdir()):
            continue
        out.append(name)
    return out


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
