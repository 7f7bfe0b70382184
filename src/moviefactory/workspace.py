"""A movie's working folder: manifest, artifact paths, cache keys, atomic writes, locking.

Layout (see docs/design-notes.md):
    movies/<slug>/movie.json       manifest: request, settings, stage states, artifact cache keys
    movies/<slug>/script.json      the editable script
    movies/<slug>/scenes/<id>/     clip.mp4, effects.wav, narration.wav, meta.json
    movies/<slug>/music.wav, movie.mp4, movie.srt, report.html

An artifact is current when its recorded cache key equals the key of the inputs that would make it now and
the file on disk still has the recorded size. Every file is written to a temporary name in the same folder
and renamed into place, so a crash never leaves a half-written artifact under a real name.
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from moviefactory import __version__
from moviefactory.errors import DiskFullError, InputError, WorkspaceError
from moviefactory.spec import Movie

MANIFEST = "movie.json"
SCRIPT = "script.json"
LOCK = ".lock"
MANIFEST_KIND = "moviefactory-movie"
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
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}{TEMP_INFIX}", suffix=suffix or target.suffix,
                                   dir=target.parent)  # fmt: skip
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


# -- the folder ---------------------------------------------------------------------------------------
class Workspace:
    """One movie folder. Use `Workspace.create` for a new one, `Workspace.open` for an existing one."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
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
        ws = cls(root, {})
        ws._lock_fd = fd
        try:
            if (root / MANIFEST).exists():
                ws.manifest = cls.open(root).manifest
                if ws.manifest.get("request") != request or ws.manifest.get("seed") != seed:
                    raise WorkspaceError(f"{root} holds another movie; choose another --out")
                return ws
            if _foreign_entries(root):  # something appeared between the first look and the lock
                raise WorkspaceError(f"{root} exists and is not a MovieFactory folder")
            ws.sweep()
            ws.manifest = {
                "kind": MANIFEST_KIND,
                "schema_version": 1,
                "moviefactory_version": __version__,
                "request": request,
                "seed": seed,
                "settings": settings,
                "created": time.time(),
                "artifacts": {},
                "stages": {},
            }
            ws.save_manifest()
            return ws
        finally:
            ws.unlock()

    @classmethod
    def open(cls, root: Path) -> Workspace:
        root = Path(root)
        path = root / MANIFEST
        if not root.is_dir():
            raise WorkspaceError(f"{root} is not a folder")
        if not path.exists():
            raise WorkspaceError(f"{root} is not a MovieFactory folder (no {MANIFEST})")
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON or bad UTF-8
            raise WorkspaceError(f"{path}: unreadable manifest ({_short(exc)})") from exc
        if not isinstance(manifest, dict) or manifest.get("kind") != MANIFEST_KIND:
            raise WorkspaceError(f"{root} is not a MovieFactory folder")
        manifest.setdefault("artifacts", {})
        manifest.setdefault("stages", {})
        return cls(root, manifest)

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
        scenes = self.root / "scenes"
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
        return self.root / SCRIPT

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

    # paths
    def scene_dir(self, scene_id: str) -> Path:
        d = self.root / "scenes" / scene_id
        d.mkdir(parents=True, exist_ok=True)
        return d

    def path(self, rel: str) -> Path:
        return self.root / rel

    # manifest
    def save_manifest(self) -> None:
        self.manifest["updated"] = time.time()
        atomic_write_json(self.root / MANIFEST, self.manifest)

    def is_current(self, rel: str, key: str) -> bool:
        rec = self.manifest["artifacts"].get(rel)
        p = self.root / rel
        return bool(rec and rec.get("key") == key and p.exists() and p.stat().st_size == rec.get("size"))

    def record(self, rel: str, key: str, **meta: Any) -> None:
        """Note that the file at `rel` (already atomically in place) was made from inputs hashing to `key`."""
        p = self.root / rel
        self.manifest["artifacts"][rel] = {
            "key": key,
            "size": p.stat().st_size,
            "sha256": file_digest(p),
            "made": time.time(),
            **meta,
        }
        self.save_manifest()

    def artifact(self, rel: str) -> dict[str, Any] | None:
        rec: dict[str, Any] | None = self.manifest["artifacts"].get(rel)
        return rec

    def set_stage(self, stage: str, state: str, **info: Any) -> None:
        self.manifest["stages"][stage] = {"state": state, "at": time.time(), **info}
        self.save_manifest()


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
