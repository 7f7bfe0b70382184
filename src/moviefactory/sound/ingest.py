"""Indexing folders of audio into a Library: decode, measure, describe, embed; incremental.

A file is decoded (soundfile, or ffmpeg for what libsndfile cannot read, e.g. m4a), checked (empty,
truncated, undecodable, non-finite or silent files are skipped with a reason and counted), measured
(`features.analyze`) and described from, in order of preference: a sidecar `<name>.json` / `<name>.txt`
(or `<stem>.json` / `<stem>.txt`), a row of any `*.csv` in the file's folder or its parents up to the
added root (Freesound / Clotho / AudioCaps / FSD50K style columns), or the file name.

Re-adding is incremental: unchanged files (same size and mtime) are not decoded again; a file that
vanished but whose content (sha256) appears under a new path is a move (its embedding is kept); files that
vanished for good are removed from the index.
"""

from __future__ import annotations

import csv
import json
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from moviefactory.errors import SoundError
from moviefactory.sound.library import Change, Item, Library
from moviefactory.workspace import file_digest

AUDIO_SUFFIXES = {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".aif", ".aiff"}
MIN_DURATION_S = 0.05
MUSIC_WORDS = re.compile(r"\b(music|song|score|soundtrack|melody|bed|loop|tune|track)\b", re.I)


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    revision: int = 0

    @property
    def warnings(self) -> list[str]:
        return [f"skipped {p}: {r}" for p, r in self.skipped]

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, moved {self.moved}, removed {self.removed}, "
            f"unchanged {self.unchanged}, skipped {len(self.skipped)} (index revision {self.revision})"
        )


# -- decoding --------------------------------------------------------------------------------------------
def _wav_truncated(path: Path) -> bool:
    """True when a RIFF/WAVE file's data chunk claims more bytes than the file holds (libsndfile would
    silently return the shorter audio)."""
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return False
        size = path.stat().st_size
        pos = 12
        while pos + 8 <= size:
            f.seek(pos)
            cid, clen = struct.unpack("<4sI", f.read(8))
            if cid == b"data":
                return pos + 8 + clen > size and clen != 0xFFFFFFFF
            pos += 8 + clen + (clen & 1)
    return True  # no data chunk at all


def decode(path: Path) -> tuple[np.ndarray, int]:
    """(samples (N, C) float32, rate) or SoundError naming why the file is unusable."""
    import soundfile as sf

    if path.stat().st_size == 0:
        raise SoundError("empty file")
    if path.suffix.lower() in (".wav", ".wave") and _wav_truncated(path):
        raise SoundError("truncated WAV (data chunk runs past the end of the file)")
    try:
        info = sf.info(str(path))
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        if info.frames > 0 and len(data) < 0.98 * info.frames:
            raise SoundError(f"truncated: decoded {len(data)} of {info.frames} frames")
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        if path.suffix.lower() not in (".m4a", ".aac", ".opus", ".mp3"):
            raise SoundError(f"cannot decode ({str(exc).strip()[:80]})") from exc
        from moviefactory.errors import ComposeError
        from moviefactory.media import read_audio
        from moviefactory.timing import AUDIO_RATE

        try:
            data, rate = read_audio(path, rate=AUDIO_RATE, channels=2), AUDIO_RATE
        except ComposeError as exc2:
            raise SoundError("cannot decode with ffmpeg") from exc2
    if len(data) < MIN_DURATION_S * rate:
        raise SoundError(f"too short ({len(data) / max(rate, 1):.3f} s)")
    if not np.isfinite(data).all():
        raise SoundError("contains NaN or infinite samples")
    if float(np.max(np.abs(data))) < 1e-5:
        raise SoundError("silent")
    return data, int(rate)


# -- descriptions ----------------------------------------------------------------------------------------
_FILE_COLS = ("file", "filename", "file_name", "fname", "path", "name", "youtube_id", "id")
_DESC_COLS = ("description", "caption", "captions", "text", "title")
_LICENSE_COLS = ("license", "licence", "license_url")
_ATTR_COLS = ("attribution", "author", "username", "artist", "creator", "uploader")


def _pick(row: dict[str, str], cols: Iterable[str]) -> str:
    for c in cols:
        v = (row.get(c) or "").strip()
        if v:
            return v
    return ""


def read_csv_descriptions(path: Path) -> dict[str, dict[str, str]]:
    """Rows of a descriptions CSV keyed by file name and by stem (lower case)."""
    out: dict[str, dict[str, str]] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            for raw in reader:
                row = {(k or "").strip().lower(): (v or "") for k, v in raw.items() if isinstance(v, str)}
                key = _pick(row, _FILE_COLS)
                if not key:
                    continue
                captions = [
                    row[c].strip() for c in sorted(row) if re.fullmatch(r"caption_?\d+", c) and row[c].strip()
                ]
                desc = _pick(row, _DESC_COLS) or "; ".join(captions)
                meta = {
                    "description": desc,
                    "tags": (row.get("tags") or row.get("labels") or "").replace(",", " ").strip(),
                    "license": _pick(row, _LICENSE_COLS),
                    "attribution": _pick(row, _ATTR_COLS),
                    "kind": (row.get("kind") or "").strip().lower(),
                    "title": (row.get("title") or "").strip(),
                }
                name = Path(key).name.lower()
                out[name] = meta
                out.setdefault(Path(name).stem, meta)
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return out


def describe(path: Path, csv_rows: dict[str, dict[str, str]]) -> dict[str, str]:
    """title/description/tags/license/attribution/kind for one file (sidecar > CSV > file name)."""
    meta: dict[str, str] = {}
    for side in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
        if side.is_file():
            try:
                data: Any = json.loads(side.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    meta = {
                        k: str(v) if not isinstance(v, list) else " ".join(map(str, v))
                        for k, v in data.items()
                    }
                    meta["description"] = meta.get("description") or meta.get("caption", "")
                    meta["attribution"] = meta.get("attribution") or meta.get("author", "")
                    meta["license"] = meta.get("license") or meta.get("licence", "")
                    break
            except (OSError, json.JSONDecodeError, UnicodeDecodeError):
                pass
    if not meta:
        for side in (path.with_name(path.name + ".txt"), path.with_suffix(".txt")):
            if side.is_file():
                try:
                    meta = {"description": side.read_text(encoding="utf-8").strip()[:1000]}
                    break
                except (OSError, UnicodeDecodeError):
                    pass
    if not meta.get("description"):
        meta = {
            **csv_rows.get(path.name.lower(), csv_rows.get(path.stem.lower(), {})),
            **{k: v for k, v in meta.items() if v},
        }
    words = " ".join(re.findall(r"[A-Za-z]+", path.stem)).lower()
    return {
        "title": (meta.get("title") or words or path.stem)[:200],
        "description": (meta.get("description") or words or path.stem)[:1000],
        "tags": (meta.get("tags") or "")[:500],
        "license": (meta.get("license") or "unknown")[:200],
        "attribution": (meta.get("attribution") or "")[:300],
        "kind": (meta.get("kind") or "").lower(),
    }


def guess_kind(declared: str, path: Path, text: str, features: dict[str, Any]) -> str:
    if declared in ("effect", "music"):
        return declared
    if any(MUSIC_WORDS.search(p) for p in path.parts[-3:-1]) or MUSIC_WORDS.search(text):
        return "music"
    tonal = features.get("flatness", 1.0) < 0.05 and features.get("key_confidence", 0.0) > 0.6
    rhythmic = features.get("tempo_confidence", 0.0) > 0.4
    return "music" if features.get("duration_s", 0.0) >= 20.0 and tonal and rhythmic else "effect"


def scan(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(audio file, the root it was found under) pairs in sorted order, and warnings for bad paths.

    Symlinked folders are followed (sample packs are often linked in); a link back into a folder already
    being walked (a loop) and a broken link are skipped with a warning. A file reached twice through links
    is listed once."""
    found: dict[Path, Path] = {}
    reals: set[Path] = set()
    warnings: list[str] = []
    for p in paths:
        p = Path(p).expanduser().resolve()
        if p.is_file():
            if p not in reals:
                reals.add(p)
                found[p] = p.parent
        elif p.is_dir():
            _walk(p, p, frozenset(), found, reals, warnings)
        else:
            warnings.append(f"{p}: no such file or folder")
    return sorted(found.items()), warnings


def _walk(
    folder: Path,
    root: Path,
    above: frozenset[Path],
    found: dict[Path, Path],
    reals: set[Path],
    warnings: list[str],
) -> None:
    """Depth-first over `folder`; `above` holds the real paths of the folders on the current path."""
    above = above | {folder.resolve()}
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        warnings.append(f"{folder}: cannot list ({exc.strerror or exc})")
        return
    for e in entries:
        if e.name.startswith("."):
            continue
        try:
            real = e.resolve(strict=True)
        except (OSError, RuntimeError):  # RuntimeError: a link that resolves to itself
            warnings.append(f"{e}: broken or looping symlink, skipped")
            continue
        if e.is_dir():
            if real in above:
                warnings.append(f"{e}: symlink loop (points back to {real}), skipped")
            else:
                _walk(e, root, above, found, reals, warnings)
        elif e.is_file() and e.suffix.lower() in AUDIO_SUFFIXES and real not in reals:
            reals.add(real)
            found[e] = root


def _csv_rows_for(
    file: Path, root: Path, cache: dict[Path, dict[str, dict[str, str]]]
) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    folder = file.parent
    chain = []
    while True:
        chain.append(folder)
        if folder == root or folder.parent == folder or root not in folder.parents:
            break
        folder = folder.parent
    for d in reversed(chain):  # nearer CSVs win
        if d not in cache:
            merged: dict[str, dict[str, str]] = {}
            for c in sorted(d.glob("*.csv")):
                merged.update(read_csv_descriptions(c))
            cache[d] = merged
        rows.update(cache[d])
    return rows


def ingest(
    library: Library,
    paths: Iterable[Path],
    encode: Callable[[list[str]], np.ndarray],
    *,
    embedder: str,
    source: str | None = None,
    overrides: dict[str, dict[str, str]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Index the audio files under `paths` into `library` (one transaction). `encode` embeds texts to
    unit vectors (N, D); `overrides` maps a file name to description fields that win over everything.
    Runs under the library's writer lock: what to change is read and applied by one writer at a time."""
    with library.exclusive():
        return _ingest(
            library, paths, encode, embedder=embedder, source=source, overrides=overrides, progress=progress
        )


def _ingest(
    library: Library,
    paths: Iterable[Path],
    encode: Callable[[list[str]], np.ndarray],
    *,
    embedder: str,
    source: str | None,
    overrides: dict[str, dict[str, str]] | None,
    progress: Callable[[str], None] | None,
) -> IngestReport:
    from moviefactory.sound.features import analyze

    report = IngestReport()
    files, bad = scan(paths)
    for w in bad:
        where, _, why = w.partition(": ")
        report.skipped.append((where, why))
    known = {it.path: it for it in library.items()}
    skipped_before = library.skipped()
    change = Change()
    fresh: list[tuple[Item, bool]] = []  # (item, is_update)
    csv_cache: dict[Path, dict[str, dict[str, str]]] = {}
    seen_digests: dict[str, Item] = {}
    vanished: dict[str, list[Item]] = {}  # digest -> indexed items whose file is gone (copies share a digest)
    for p, it in known.items():
        if not p.is_file():
            vanished.setdefault(it.digest, []).append(it)
    for file, root in files:
        try:
            st = file.stat()
        except OSError as exc:  # deleted or made unreadable while we were scanning
            report.skipped.append((str(file), exc.strerror or str(exc)))
            continue
        old = known.get(file)
        if old is not None and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
            report.unchanged += 1
            continue
        prev_skip = skipped_before.get(file)
        if prev_skip is not None and prev_skip[0] == st.st_size and prev_skip[1] == st.st_mtime_ns:
            report.skipped.append((str(file), prev_skip[2]))
            continue
        dg = file_digest(file)
        if old is None and vanished.get(dg) and dg not in seen_digests:
            moved = vanished[dg].pop()
            change.move.append((int(moved.uid.split(":")[1]), file, st.st_size, st.st_mtime_ns))
            report.moved += 1
            continue
        try:
            samples, rate = decode(file)
        except SoundError as exc:
            change.skipped.append((file, st.st_size, st.st_mtime_ns, str(exc)))
            report.skipped.append((str(file), str(exc)))
            continue
        if prev_skip is not None:
            change.unskip.append(file)
        feats = analyze(samples, rate).to_dict()
        meta = describe(file, _csv_rows_for(file, root, csv_cache))
        if overrides and file.name in overrides:
            meta.update(overrides[file.name])
        text = f"{meta['title']} {meta['description']} {meta['tags']}"
        item = Item(
            uid="",
            row=-1,
            path=file,
            kind=guess_kind(meta["kind"], file, text, feats),
            title=meta["title"],
            description=meta["description"],
            tags=meta["tags"],
            license=meta["license"],
            attribution=meta["attribution"] or file.name,
            source=source or library.name,
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            digest=dg,
            features=feats,
        )
        seen_digests[dg] = item
        fresh.append((item, old is not None))
        if progress:
            progress(str(file))
    # files that vanished and were not found elsewhere leave the index
    moved_ids = {m[0] for m in change.move}
    for it in (it for group in vanished.values() for it in group):
        iid = int(it.uid.split(":")[1])
        if iid not in moved_ids:
            change.remove.append(iid)
    report.removed = len(change.remove)
    if fresh:
        vecs = np.asarray(encode([it.text() for it, _ in fresh]), dtype=np.float32)
        for (it, is_update), v in zip(fresh, vecs, strict=True):
            (change.update if is_update else change.add).append((it, v))
    report.added = len(change.add)
    report.updated = len(change.update)
    dim = int(vecs.shape[1]) if fresh else int(library.meta("dim", "384"))
    report.revision = library.apply(change, embedder=embedder, dim=dim)
    return report
