"""Content identity of model weights, for cache keys: what the bytes are, not where they lie.

A key built from a model's path keeps serving artifacts made by the old weights after a new checkpoint is
copied over the file, and re-renders everything when the same file is moved. So keys hold the sha256 of the
weights instead (`weights_id`). Hashing costs about a second per few hundred MB, so each file's digest is
remembered by (resolved path, size, mtime_ns) in $MOVIEFACTORY_HOME/cache/digests.json: a file is hashed again
only when one of the three changes, and an unchanged 64 MB .pth costs one stat per run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from pathlib import Path

from moviefactory.errors import MovieFactoryError
from moviefactory.home import home_dir
from moviefactory.workspace import atomic_write_json, file_digest

DIGESTS_FILE = "cache/digests.json"  # under the home: {resolved path: [size, mtime_ns, digest]}

_lock = threading.Lock()
_memo: dict[str, tuple[int, int, str]] = {}  # this process's view of the file, read once


def _store() -> Path:
    return home_dir() / DIGESTS_FILE


def _load_store() -> dict[str, tuple[int, int, str]]:
    try:
        raw = json.loads(_store().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no cache yet, or a damaged one: digests are recomputed, never trusted blindly
    if not isinstance(raw, dict):
        return {}
    out: dict[str, tuple[int, int, str]] = {}
    for k, v in raw.items():
        if isinstance(v, list) and len(v) == 3 and isinstance(v[0], int) and isinstance(v[1], int):
            out[str(k)] = (v[0], v[1], str(v[2]))
    return out


def file_sha256(path: Path) -> str:
    """The digest of one file (workspace.file_digest), computed once per (resolved path, size, mtime_ns)."""
    real = path.resolve()
    st = real.stat()
    stamp = (st.st_size, st.st_mtime_ns)
    with _lock:
        if not _memo:
            _memo.update(_load_store())
        hit = _memo.get(str(real))
        if hit is not None and hit[:2] == stamp:
            return hit[2]
    digest = file_digest(real)
    with _lock:
        store = _load_store()  # merge with what other processes wrote meanwhile
        store[str(real)] = (*stamp, digest)
        _memo.update(store)
        # A cache only: a read-only or full home costs a re-hash next run, not a failed render.
        with contextlib.suppress(OSError, MovieFactoryError):
            atomic_write_json(_store(), {k: list(v) for k, v in store.items()})
    return digest


def weights_id(path: Path) -> str:
    """The content identity of a model file, or of a model folder (every file in it, hidden ones aside,
    with its relative path: renaming a tokenizer file changes the model too)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        h = hashlib.sha256()
        for p in files:
            h.update(f"{p.relative_to(path).as_posix()}\0{file_sha256(p)}\n".encode())
        return h.hexdigest()[:32]
    return file_sha256(path)
