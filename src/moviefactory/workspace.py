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
import sqlite3
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from moviefactory import __version__
from moviefactory.errors import InputError, WorkspaceError
from moviefactory.spec import Movie

MANIFEST = "movie.json"
SCRIPT = "script.json"
LOCK = ".lock"
MANIFEST_KIND = "moviefactory-movie"


# -- atomic writes ------------------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str], *, suffix: str | None = None, allow_empty: bool = False
) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds.

    The temp name keeps the real suffix (ffmpeg picks the container from it). On error the temp is removed
    and `path` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix or target.suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o644)  # mkstemp makes 0600; artifacts are ordinary files others may read
    try:
        yield tmp_path
        if not tmp_path.exists() or (tmp_path.stat().st_size == 0 and not allow_empty):
            raise WorkspaceError(f"{target.name}: nothing was written")
        os.replace(tmp_path, target)
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
        """Make a new folder, or reuse it when it is already this request's folder (resume)."""
        root = Path(root)
        if root.exists():
            if (root / MANIFEST).exists():
                ws = cls.open(root)
                if ws.manifest.get("request") != request or ws.manifest.get("seed") != seed:
                    raise WorkspaceError(f"{root} holds another movie; choose another --out")
                return ws
            if not root.is_dir() or any(root.iterdir()):
                raise WorkspaceError(f"{root} exists and is not a MovieFactory folder")
        try:
            root.mkdir(parents=True, exist_ok=True)
            probe = root / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise WorkspaceError(f"cannot write to {root}: {exc.strerror or exc}") from exc
        manifest = {
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
        ws = cls(root, manifest)
        ws.save_manifest()
        return ws

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
        except (OSError, json.JSONDecodeError) as exc:
            raise WorkspaceError(f"{path}: unreadable manifest ({exc})") from exc
        if manifest.get("kind") != MANIFEST_KIND:
            raise WorkspaceError(f"{root} is not a MovieFactory folder")
        return cls(root, manifest)

    # locking
    def lock(self) -> None:
        """Take the folder's lock; a second run on the same folder fails at once instead of racing.

        flock is released by the OS when the process dies, so a SIGKILLed run never leaves a stale lock."""
        fd = try_flock(self.root / LOCK, busy=f"{self.root} is in use by another MovieFactory run")
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

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
        try:
            text = self.script_path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise InputError(f"{self.script_path} is missing; run `moviefactory script` first") from exc
        return Movie.from_json(text, source=str(self.script_path))

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
