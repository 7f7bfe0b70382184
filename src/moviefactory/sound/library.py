"""A sound library index: SQLite metadata plus a memory-mapped float16 embedding matrix beside it.

Folder layout:
    index.sqlite            items (one row per sound, `row` = its row in the matrix), skipped files, meta
    text-r<revision>.npy    (N, 384) float16 MiniLM embeddings of each item's text, L2-normalised
    audio-<model>-r<rev>.npy  optional (N, D) CLAP audio embeddings, computed on demand

Consistency: a change writes a new matrix under a new revision's name (temp file + rename), then commits
the SQLite transaction that points `meta.revision` at it, then deletes the old matrix. A crash at any point
leaves the previous revision whole, so the index is never half-written.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from moviefactory.errors import SoundError
from moviefactory.workspace import atomic_output, disk_full_error, hold_flock, sqlite_transaction

INDEX_FILE = "index.sqlite"
WRITE_LOCK = ".write.lock"  # held by whoever changes the index (ingest, first-use indexing)
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    row INTEGER NOT NULL UNIQUE,
    path TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    license TEXT NOT NULL,
    attribution TEXT NOT NULL,
    source TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL,
    duration_s REAL NOT NULL,
    loudness_lufs REAL NOT NULL,
    tempo_bpm REAL NOT NULL,
    mode TEXT NOT NULL,
    features TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_digest ON items(digest);
CREATE TABLE IF NOT EXISTS skipped (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, reason TEXT);
"""
_COLUMNS = [
    "path",
    "kind",
    "title",
    "description",
    "tags",
    "license",
    "attribution",
    "source",
    "size",
    "mtime_ns",
    "digest",
    "duration_s",
    "loudness_lufs",
    "tempo_bpm",
    "mode",
    "features",
]


@dataclass
class Item:
    """One indexed sound. `uid` is unique across libraries ("builtin:rain", "user:12")."""

    uid: str
    row: int
    path: Path
    kind: str  # "effect" | "music"
    title: str
    description: str
    tags: str
    license: str
    attribution: str
    source: str  # "builtin", or the library's name for user folders
    size: int = 0
    mtime_ns: int = 0
    digest: str = ""
    features: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """What text retrieval embeds."""
        return f"{self.title}. {self.description}. {self.tags}".strip()


@dataclass(frozen=True)
class Hit:
    item: Item
    score: float  # cosine similarity of the query to the item (text or cross-modal)


def top_k(
    matrix: np.ndarray, query: np.ndarray, k: int, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(indices, scores) of the k best rows of `matrix @ query`, best first; rows where mask is False are
    excluded. float16 matrices are scored by torch's half-precision kernel (fp32 accumulation, ~3x faster than
    numpy's float32 path, which has no fp16 BLAS); float32 ones by numpy."""
    n = len(matrix)
    if n == 0 or k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    if matrix.dtype == np.float16:
        import warnings

        import torch

        with warnings.catch_warnings():  # a read-only memmap: torch warns, and we never write through it
            warnings.simplefilter("ignore", UserWarning)
            m = torch.from_numpy(np.asarray(matrix))
        scores = (m @ torch.from_numpy(np.asarray(query, dtype=np.float16))).float().numpy()
    else:
        scores = np.asarray(matrix @ np.asarray(query, dtype=matrix.dtype), dtype=np.float32)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf).astype(np.float32)
    k = min(k, n)
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    idx = idx[np.isfinite(scores[idx])]
    return idx, scores[idx]


def atomic_save_npy(path: Path, array: np.ndarray) -> None:
    """np.save through the one atomic-write helper (temp + fsync + rename, 0644, full-disk message)."""
    with atomic_output(path, suffix=".npy", size_hint=int(array.nbytes) + 128) as tmp, tmp.open("wb") as f:
        np.save(f, array)
        f.flush()
        os.fsync(f.fileno())


def _connect(root: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(root / INDEX_FILE), isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    return conn


@dataclass
class Change:
    """One transaction against the index (built by ingest)."""

    add: list[tuple[Item, np.ndarray]] = field(default_factory=list)  # new items and their text vectors
    update: list[tuple[Item, np.ndarray]] = field(default_factory=list)  # same path, new content
    move: list[tuple[int, Path, int, int]] = field(default_factory=list)  # (id, new path, size, mtime_ns)
    remove: list[int] = field(default_factory=list)  # item ids
    skipped: list[tuple[Path, int, int, str]] = field(default_factory=list)  # (path, size, mtime_ns, reason)
    unskip: list[Path] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.add or self.update or self.move or self.remove or self.skipped or self.unskip)


class Library:
    """One index folder. Open with `Library.open(folder, name=...)`; read with `items()` / `search()`."""

    def __init__(self, root: Path, name: str, conn: sqlite3.Connection) -> None:
        self.root = root
        self.name = name
        self._conn = conn
        self._items: list[Item] | None = None
        self._matrix: np.ndarray | None = None
        self._writers = 0  # depth of `exclusive()` blocks held by this object
        self.missing: list[Path] = []  # indexed files found gone at search time (skipped, reported once)

    @classmethod
    def open(cls, root: Path, *, name: str = "user", create: bool = True) -> Library:
        root = Path(root).expanduser()
        if not (root / INDEX_FILE).exists() and not create:
            raise SoundError(f"{root} holds no sound library index ({INDEX_FILE})")
        try:
            root.mkdir(parents=True, exist_ok=True)
            try:
                # Serialised with every other opener and writer: switching a new database to WAL does not
                # wait for a busy one ("database is locked" when four first uses start together).
                with hold_flock(root / WRITE_LOCK):
                    conn = _connect(root)
            except OSError:  # no lock file possible (a read-only folder): nothing else can be creating it
                conn = _connect(root)
        except (OSError, sqlite3.Error) as exc:
            raise SoundError(f"cannot open sound library {root}: {exc}") from exc
        return cls(root, name, conn)

    def close(self) -> None:
        self._conn.close()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[Library]:
        """Hold the index's writer lock (waiting for another writer) and see its latest state: reading what
        to change and applying it happen under one lock, so two `library add` runs or two first uses never
        both insert the same file. Re-entrant within this object."""
        if self._writers:
            self._writers += 1
            try:
                yield self
            finally:
                self._writers -= 1
            return
        with hold_flock(self.root / WRITE_LOCK):
            self._writers = 1
            self._items, self._matrix = None, None
            try:
                yield self
            finally:
                self._writers = 0

    # -- reading -------------------------------------------------------------------------------------
    def meta(self, key: str, default: str = "") -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else default

    @property
    def revision(self) -> int:
        return int(self.meta("revision", "0"))

    @property
    def embedder(self) -> str:
        return self.meta("embedder")

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def items(self) -> list[Item]:
        """All items ordered by matrix row (cached until the next change)."""
        if self._items is None:
            cur = self._conn.execute(f"SELECT id, row, {', '.join(_COLUMNS)} FROM items ORDER BY row")
            out = []
            for r in cur.fetchall():
                d = dict(zip(["id", "row", *_COLUMNS], r, strict=True))
                out.append(
                    Item(
                        uid=f"{self.name}:{d['id']}",
                        row=d["row"],
                        path=Path(d["path"]),
                        kind=d["kind"],
                        title=d["title"],
                        description=d["description"],
                        tags=d["tags"],
                        license=d["license"],
                        attribution=d["attribution"],
                        source=d["source"],
                        size=d["size"],
                        mtime_ns=d["mtime_ns"],
                        digest=d["digest"],
                        features=json.loads(d["features"]),
                    )
                )
            self._items = out
        return self._items

    def skipped(self) -> dict[Path, tuple[int, int, str]]:
        rows = self._conn.execute("SELECT path, size, mtime_ns, reason FROM skipped").fetchall()
        return {Path(p): (s, m, r) for p, s, m, r in rows}

    def matrix_path(self, revision: int | None = None) -> Path:
        return self.root / f"text-r{self.revision if revision is None else revision}.npy"

    def matrix(self) -> np.ndarray:
        """(N, D) float16 text embeddings, memory-mapped, row i = item with row i."""
        if self._matrix is None:
            if len(self) == 0:
                self._matrix = np.zeros((0, int(self.meta("dim", "384"))), np.float16)
            else:
                try:
                    self._matrix = np.load(self.matrix_path(), mmap_mode="r")
                except (OSError, ValueError) as exc:
                    raise SoundError(f"{self.matrix_path()}: unreadable embedding matrix ({exc})") from exc
                if len(self._matrix) != len(self):
                    raise SoundError(
                        f"{self.root}: matrix has {len(self._matrix)} rows for {len(self)} items"
                    )
        return self._matrix

    def search(self, query: np.ndarray, *, k: int = 10, kind: str | None = None) -> list[Hit]:
        """Top-k items by cosine similarity of their text embedding to `query` (a unit vector)."""
        items = self.items()
        mask = None if kind is None else np.array([it.kind == kind for it in items], dtype=bool)
        while True:
            idx, scores = top_k(self.matrix(), query, k, mask)
            gone = [i for i in idx if not items[i].path.is_file()]
            if not gone:
                return [Hit(items[i], float(s)) for i, s in zip(idx, scores, strict=True)]
            # A file deleted or moved since `library add`: skip it (the next match takes its place) and
            # report it; `library add` drops it from the index for good.
            mask = np.ones(len(items), dtype=bool) if mask is None else mask.copy()
            for i in gone:
                mask[i] = False
                if items[i].path not in self.missing:
                    self.missing.append(items[i].path)

    # -- writing -------------------------------------------------------------------------------------
    def _transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return sqlite_transaction(self._conn)

    def apply(self, change: Change, *, embedder: str, dim: int) -> int:
        """Apply one change atomically; returns the new revision (unchanged when there was nothing to do)."""
        if change.empty():
            return self.revision
        if self.embedder and self.embedder != embedder and len(self):
            raise SoundError(
                f"{self.root} was indexed with {self.embedder}, not {embedder}; use a new --library"
            )
        try:
            with self.exclusive():
                new_rev = self._apply(change, dim=dim, embedder=embedder)
        except sqlite3.OperationalError as exc:
            if "disk is full" in str(exc) or "disk I/O error" in str(exc):
                raise disk_full_error(self.root / INDEX_FILE) from exc
            raise SoundError(f"sound library {self.root}: {exc}") from exc
        return new_rev

    def _apply(self, change: Change, *, dim: int, embedder: str) -> int:
        with self._transaction() as db:
            new_rev = self.revision + 1
            self._items, self._matrix = None, None
            old = np.asarray(self.matrix(), dtype=np.float16) if len(self) else np.zeros((0, dim), np.float16)
            removed = set(change.remove)
            for iid in removed:
                db.execute("DELETE FROM items WHERE id=?", (iid,))
            for iid, path, size, mtime in change.move:
                db.execute(
                    "UPDATE items SET path=?, size=?, mtime_ns=? WHERE id=?", (str(path), size, mtime, iid)
                )
            updated_vecs: dict[int, np.ndarray] = {}
            for item, vec in change.update:
                db.execute(
                    f"UPDATE items SET {', '.join(c + '=?' for c in _COLUMNS)} WHERE path=?",
                    (*self._values(item), str(item.path)),
                )
                rid = db.execute("SELECT id FROM items WHERE path=?", (str(item.path),)).fetchone()[0]
                updated_vecs[int(rid)] = vec
            # compact rows: survivors keep their order, new items go to the end
            survivors = db.execute("SELECT id, row FROM items ORDER BY row").fetchall()
            rows: list[np.ndarray] = []
            db.execute("UPDATE items SET row = -row - 1")  # free the row numbers (UNIQUE) before renumbering
            for new_row, (iid, old_row) in enumerate(survivors):
                rows.append(updated_vecs.get(iid, old[old_row]))
                db.execute("UPDATE items SET row=? WHERE id=?", (new_row, iid))
            for item, vec in change.add:
                db.execute(
                    f"INSERT INTO items (row, {', '.join(_COLUMNS)}) VALUES (?, {', '.join('?' * len(_COLUMNS))})",
                    (len(rows), *self._values(item)),
                )
                rows.append(vec)
            for path, size, mtime, reason in change.skipped:
                db.execute(
                    "INSERT OR REPLACE INTO skipped VALUES (?, ?, ?, ?)", (str(path), size, mtime, reason)
                )
            for path in change.unskip:
                db.execute("DELETE FROM skipped WHERE path=?", (str(path),))
            matrix = np.stack(rows).astype(np.float16) if rows else np.zeros((0, dim), np.float16)
            # the new matrix is in place under its own name before the commit points at it
            atomic_save_npy(self.matrix_path(new_rev), matrix)
            for key, value in (("revision", str(new_rev)), ("embedder", embedder), ("dim", str(dim))):
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        self._items, self._matrix = None, None
        for stale in self.root.glob("*-r*.npy"):
            if not stale.name.endswith(f"-r{new_rev}.npy"):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
        return new_rev

    @staticmethod
    def _values(item: Item) -> tuple[Any, ...]:
        f = item.features
        return (
            str(item.path),
            item.kind,
            item.title,
            item.description,
            item.tags,
            item.license,
            item.attribution,
            item.source,
            item.size,
            item.mtime_ns,
            item.digest,
            float(f.get("duration_s", 0.0)),
            float(f.get("loudness_lufs", -70.0)),
            float(f.get("tempo_bpm", 0.0)),
            str(f.get("mode", "")),
            json.dumps(f, sort_keys=True),
        )

    # -- cross-modal embeddings (CLAP audio), cached per revision ------------------------------------
    def audio_matrix(self, model_name: str, encode: Any, batch: int = 8) -> np.ndarray:
        """(N, D) float32 audio embeddings from `encode(list[Path]) -> (B, D)`, cached as
        audio-<model>-r<revision>.npy (recomputed when the library changes)."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_name)[:64]
        path = self.root / f"audio-{safe}-r{self.revision}.npy"
        if path.exists():
            return np.load(path, mmap_mode="r")
        paths = [it.path for it in self.items()]
        parts = [np.asarray(encode(paths[i : i + batch]), np.float32) for i in range(0, len(paths), batch)]
        mat = np.concatenate(parts) if parts else np.zeros((0, 1), np.float32)
        atomic_save_npy(path, mat)
        return mat


def merge_hits(hit_lists: Sequence[list[Hit]], k: int) -> list[Hit]:
    """Best k over several libraries (scores are comparable: same embedder, cosine)."""
    allhits = [h for hits in hit_lists for h in hits]
    allhits.sort(key=lambda h: (-h.score, h.item.uid))
    return allhits[:k]
