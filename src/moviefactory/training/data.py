"""Training data: WebVid-style CSV + video folder, or a plain folder of clip.mp4 + clip.txt, decoded with PyAV.

Every sample is tagged with its dataset's domain id (the row of the domain-aware norms it trains). Randomness
(which video, which start time, crop, flip, caption dropout) comes from a generator seeded by
(seed, sample position), so a run is reproducible whatever the number of loader workers, and a resumed run
draws exactly the samples an uninterrupted one would.

Videos that cannot be used are skipped and counted, never fatal: a missing file, one PyAV cannot open or
decode ("unreadable"), one without a video stream, or one shorter than the clip the stage needs
("too_short"). Only a data set in which nothing at all is readable stops a run.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from moviefactory.errors import InputError

SKIP_REASONS = ("missing", "missing_caption", "unreadable", "no_video", "too_short")
WEBVID_COLUMNS = ("videoid", "page_dir", "name")  # the columns we use; contentUrl and duration are optional
DEFAULT_DOMAIN = {"webvid": "webvid", "folder": "movie"}
MAX_ATTEMPTS = 16  # candidate videos tried for one sample position before giving up on it


# -- data sources --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataSource:
    """One data set: `kind` "webvid" (csv + video_dir) or "folder" (root); `domain` None = stage default."""

    kind: Literal["webvid", "folder"]
    root: Path  # the video folder
    csv: Path | None = None
    domain: str | None = None

    def resolved_domain(self, stage_default: str | None) -> str:
        """Explicit `@domain` > the stage's default domain > the kind's default."""
        return self.domain or stage_default or DEFAULT_DOMAIN[self.kind]

    def describe(self) -> str:
        where = f"{self.csv}:{self.root}" if self.csv else str(self.root)
        return f"{self.kind}:{where}" + (f"@{self.domain}" if self.domain else "")


def parse_data_spec(spec: str) -> DataSource:
    """`webvid:CSV:VIDEO_DIR[@domain]` or `folder:DIR[@domain]` -> DataSource (paths are checked to exist)."""
    body, _, domain = spec.rpartition("@") if "@" in spec else (spec, "", "")
    if "@" in spec and not re.fullmatch(r"[A-Za-z0-9_.-]+", domain):
        raise InputError(f"--data {spec!r}: domain after '@' must be a plain name, got {domain!r}")
    kind, _, rest = body.partition(":")
    if kind == "webvid":
        csv_s, sep, dir_s = rest.partition(":")
        if not sep or not csv_s or not dir_s:
            raise InputError(f"--data {spec!r}: expected webvid:CSV:VIDEO_DIR[@domain]")
        csv_path, root = Path(csv_s), Path(dir_s)
        if not csv_path.is_file():
            raise InputError(f"--data {spec!r}: CSV file {csv_path} does not exist")
        if not root.is_dir():
            raise InputError(f"--data {spec!r}: video folder {root} does not exist")
        return DataSource("webvid", root, csv_path, domain or None)
    if kind == "folder":
        if not rest:
            raise InputError(f"--data {spec!r}: expected folder:DIR[@domain]")
        root = Path(rest)
        if not root.is_dir():
            raise InputError(f"--data {spec!r}: folder {root} does not exist")
        return DataSource("folder", root, None, domain or None)
    raise InputError(f"--data {spec!r}: kind must be 'webvid' or 'folder', got {kind!r}")


# -- a compact string table ----------------------------------------------------------------------------
class _Strings:
    """Many strings in one UTF-8 blob + offsets: a 10M-row index stays a few arrays (no per-row objects
    that DataLoader workers would copy on refcount writes)."""

    def __init__(self, items: Sequence[str]) -> None:
        encoded = [s.encode("utf-8") for s in items]
        self._blob = b"".join(encoded)
        self._ends = (
            np.cumsum([len(b) for b in encoded], dtype=np.int64) if encoded else np.zeros(0, np.int64)
        )

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        start = int(self._ends[i - 1]) if i > 0 else 0
        return self._blob[start : int(self._ends[i])].decode("utf-8")


@dataclass
class SkipLog:
    """Unusable videos, counted once per file: reason -> count, plus a few example paths per reason."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set, repr=False)

    def add(self, path: str, reason: str) -> None:
        if path in self._seen:
            return
        self._seen.add(path)
        self.counts[reason] = self.counts.get(reason, 0) + 1
        ex = self.examples.setdefault(reason, [])
        if len(ex) < 5:
            ex.append(path)

    def merge(self, other: SkipLog) -> None:
        for reason, paths in other.examples.items():
            for path in paths:
                self.add(path, reason)
        for reason, n in other.counts.items():  # files beyond the examples kept: counts only
            extra = n - len(other.examples.get(reason, []))
            self.counts[reason] = self.counts.get(reason, 0) + max(extra, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def state_dict(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "examples": {k: list(v) for k, v in self.examples.items()},
            "seen": sorted(self._seen),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.counts = dict(state["counts"])
        self.examples = {k: list(v) for k, v in state["examples"].items()}
        self._seen = set(state["seen"])

    def summary(self) -> str:
        if not self.counts:
            return "no videos skipped"
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(self.counts.items()))
        return f"{self.total} videos skipped ({parts})"


# -- indexing ------------------------------------------------------------------------------------------
def _iso_duration_s(text: str) -> float | None:
    """WebVid's 'PT00H00M11S' -> 11.0; None when absent or unparseable."""
    m = re.fullmatch(r"P?T?(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", text.strip())
    if not text.strip() or not m or not any(m.groups()):
        return None
    h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return h * 3600 + mi * 60 + s


def _index_webvid(src: DataSource, min_duration_s: float, skips: SkipLog) -> tuple[list[str], list[str]]:
    """Rows whose video exists at <root>/<page_dir>/<videoid>.mp4 or <root>/<videoid>.mp4."""
    assert src.csv is not None
    listings: dict[str, set[str]] = {}

    def files_in(rel: str) -> set[str]:  # one directory listing per page_dir instead of one stat per row
        if rel not in listings:
            try:
                listings[rel] = set(os.listdir(src.root / rel))
            except OSError:
                listings[rel] = set()
        return listings[rel]

    paths: list[str] = []
    captions: list[str] = []
    with src.csv.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in WEBVID_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{src.csv}: WebVid CSV lacks column(s) {', '.join(missing)}")
        for row in reader:
            vid, page_dir = (row.get("videoid") or "").strip(), (row.get("page_dir") or "").strip()
            name = f"{vid}.mp4"
            if not vid or os.sep in vid or vid.startswith("."):
                skips.add(f"{src.csv}:{vid!r}", "missing")
                continue
            if page_dir and ".." not in Path(page_dir).parts and name in files_in(page_dir):
                path = src.root / page_dir / name
            elif name in files_in(""):
                path = src.root / name
            else:
                skips.add(str(src.root / page_dir / name), "missing")
                continue
            dur = _iso_duration_s(row.get("duration") or "")
            if dur is not None and dur < min_duration_s:
                skips.add(str(path), "too_short")
                continue
            paths.append(str(path))
            captions.append((row.get("name") or "").strip())
    return paths, captions


def _index_folder(src: DataSource, skips: SkipLog) -> tuple[list[str], list[str]]:
    """Every *.mp4 under root (recursively, sorted) with a same-stem .txt caption."""
    paths: list[str] = []
    captions: list[str] = []
    for mp4 in sorted(src.root.rglob("*.mp4")):
        txt = mp4.with_suffix(".txt")
        try:
            caption = txt.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            skips.add(str(mp4), "missing_caption")
            continue
        paths.append(str(mp4))
        captions.append(caption)
    return paths, captions


# -- decoding ------------------------------------------------------------------------------------------
class VideoSkip(Exception):
    """A video that cannot give the requested frames; `reason` is one of SKIP_REASONS."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def read_frames_at(
    path: str, num_frames: int, fps: float, rng: np.random.Generator, *, independent: bool = False
) -> np.ndarray:
    """Decode `num_frames` RGB frames (F, H, W, 3) uint8 with PyAV.

    Clip mode: frames at t0 + k/fps (k = 0..F-1, seconds, from presentation timestamps), t0 uniform over the
    start times that keep the whole clip inside the video; the frame shown at time t is the last one whose
    timestamp is <= t (a 24 fps source sampled at 8 fps keeps every third frame; a slower source repeats).
    Independent mode (`independent=True`): F frames at independent uniform times, sorted (stage 1 folds them
    into separate images). Raises VideoSkip for anything unusable.
    """
    import av

    try:
        container = av.open(path)
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise VideoSkip("unreadable", str(exc)) from exc
    try:
        with container:
            if not container.streams.video:
                raise VideoSkip("no_video")
            vs = container.streams.video[0]
            vs.thread_type = "AUTO"
            tb = float(vs.time_base) if vs.time_base else 0.0
            start0 = vs.start_time * tb if vs.start_time is not None else 0.0
            if vs.duration and tb:
                duration = vs.duration * tb
            elif container.duration:
                duration = container.duration / 1_000_000
            else:
                duration = 0.0
            rate = float(vs.average_rate) if vs.average_rate else 0.0
            frame_s = 1.0 / rate if rate > 0 else 0.0
            span = (num_frames - 1) / fps if not independent else 0.0
            last_start = duration - frame_s - span  # seconds; latest start that keeps the clip inside
            if duration > 0 and last_start < -1e-6:
                raise VideoSkip("too_short", f"{duration:.2f} s < {span + frame_s:.2f} s")
            hi = max(last_start, 0.0) if duration > 0 else 0.0
            if independent:
                targets = np.sort(rng.uniform(0.0, max(duration - frame_s, 0.0), size=num_frames))
            else:
                targets = rng.uniform(0.0, hi) + np.arange(num_frames) / fps
            if targets[0] > 1.0 and tb:  # seek to the keyframe before the first target (backward=True)
                container.seek(int((targets[0] + start0) / tb), stream=vs, backward=True)
            picked: list[np.ndarray | None] = [None] * num_frames
            last: Any = None
            k = 0
            for frame in container.decode(vs):
                t = (frame.time if frame.time is not None else 0.0) - start0
                while k < num_frames and t > targets[k] + 1e-6:
                    if last is None:  # seek landed after the target: cannot happen with backward seeks
                        last = frame
                    picked[k] = last.to_ndarray(format="rgb24")
                    k += 1
                if k >= num_frames:
                    break
                last = frame
            # targets at or after the last decoded frame are shown by it, when the clip still ends in time
            if k < num_frames and last is not None:
                t_last = (last.time or 0.0) - start0
                if targets[-1] - t_last > max(frame_s, 1.0 / fps) + 1e-6:
                    raise VideoSkip("too_short", f"decoded up to {t_last:.2f} s, need {targets[-1]:.2f} s")
                arr = last.to_ndarray(format="rgb24")
                while k < num_frames:
                    picked[k] = arr
                    k += 1
    except VideoSkip:
        raise
    except (av.FFmpegError, OSError, ValueError, EOFError, IndexError, UnicodeDecodeError) as exc:
        raise VideoSkip("unreadable", str(exc)) from exc
    if k < num_frames or any(p is None for p in picked):
        raise VideoSkip("unreadable", "no frames decoded")
    return np.stack([p for p in picked if p is not None])


def crop_flip_resize(frames: np.ndarray, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """(F, h, w, 3) uint8 -> (F, H, W, 3) uint8 at size (W, H): the largest W:H box at a random position,
    resized (bicubic), flipped left-right with p=0.5 — the same crop and flip for every frame of a clip."""
    from PIL import Image

    w_out, h_out = size
    _, h, w, _ = frames.shape
    scale = min(w / w_out, h / h_out)  # source pixels per output pixel for the largest box that fits
    bw, bh = w_out * scale, h_out * scale
    x0 = rng.uniform(0.0, w - bw)
    y0 = rng.uniform(0.0, h - bh)
    flip = bool(rng.random() < 0.5)
    out = np.empty((len(frames), h_out, w_out, 3), dtype=np.uint8)
    for i, f in enumerate(frames):
        img = Image.fromarray(f).resize(
            (w_out, h_out), Image.Resampling.BICUBIC, box=(x0, y0, x0 + bw, y0 + bh)
        )
        out[i] = np.asarray(img)[:, ::-1] if flip else np.asarray(img)
    return out


# -- the dataset ---------------------------------------------------------------------------------------
@dataclass
class Sample:
    """One training sample: pixels (F, 3, H, W) float32 in [-1, 1], its caption and domain id, plus the
    videos skipped on the way to it as (path, reason)."""

    pixels: Any  # torch.Tensor
    caption: str
    domain_id: int
    position: int
    skipped: list[tuple[str, str]]


class VideoDataset:
    """Map-style dataset over sample *positions* 0, 1, 2, ... (unbounded): position p is video
    perm_e[p mod N] of epoch e = p // N, with its own generator seeded by (seed, p). A video that fails is
    replaced by the next candidate of that generator (up to MAX_ATTEMPTS) and reported in `Sample.skipped`.

    `domains` maps domain names to ids; `stage_domain` (stage 2: "webvid", stage 3: "movie") is the default
    for sources without an explicit `@domain`.
    """

    def __init__(
        self,
        sources: Sequence[DataSource],
        *,
        domains: Sequence[str],
        size: tuple[int, int],
        num_frames: int,
        fps: float,
        independent_frames: bool = False,
        stage_domain: str | None = None,
        caption_dropout: float = 0.1,
        seed: int = 0,
    ) -> None:
        if not sources:
            raise InputError("no --data given")
        if num_frames < 1:
            raise InputError(f"--frames must be >= 1, got {num_frames}")
        if fps <= 0:
            raise InputError(f"--fps must be > 0, got {fps}")
        if not 0.0 <= caption_dropout <= 1.0:
            raise InputError(f"caption dropout must be in [0, 1], got {caption_dropout}")
        self.size = size
        self.num_frames = num_frames
        self.fps = fps
        self.independent_frames = independent_frames
        self.caption_dropout = caption_dropout
        self.seed = seed
        self.index_skips = SkipLog()
        min_duration = 0.0 if independent_frames else (num_frames - 1) / fps
        paths: list[str] = []
        captions: list[str] = []
        domain_ids: list[int] = []
        self.per_source: list[tuple[str, int]] = []
        for src in sources:
            domain = src.resolved_domain(stage_domain)
            if domain not in domains:
                raise InputError(f"--data {src.describe()}: domain {domain!r} is not one of {list(domains)}")
            if src.kind == "webvid":
                p, c = _index_webvid(src, min_duration, self.index_skips)
            else:
                p, c = _index_folder(src, self.index_skips)
            self.per_source.append((src.describe(), len(p)))
            paths += p
            captions += c
            domain_ids += [list(domains).index(domain)] * len(p)
        if not paths:
            raise InputError(f"no usable videos in --data ({self.index_skips.summary()})")
        self._paths = _Strings(paths)
        self._captions = _Strings(captions)
        self._domain_ids = np.asarray(domain_ids, dtype=np.int64)
        self._perm_cache: tuple[int, np.ndarray] | None = None
        self._bad: dict[int, str] = {}  # per-process memo: video index -> skip reason

    def __len__(self) -> int:
        """Number of indexed videos (one epoch); positions beyond it wrap into later epochs."""
        return len(self._paths)

    def _perm(self, epoch: int) -> np.ndarray:
        if self._perm_cache is None or self._perm_cache[0] != epoch:
            self._perm_cache = (
                epoch,
                np.random.default_rng([self.seed, epoch, 0x5EED]).permutation(len(self)),
            )
        return self._perm_cache[1]

    def __getitem__(self, position: int) -> Sample | None:
        import torch

        n = len(self)
        rng = np.random.default_rng([self.seed, int(position)])
        skipped: list[tuple[str, str]] = []
        idx = int(self._perm(position // n)[position % n])
        for _ in range(MAX_ATTEMPTS):
            path = self._paths[idx]
            if idx in self._bad:
                skipped.append((path, self._bad[idx]))
            else:
                try:
                    raw = read_frames_at(
                        path, self.num_frames, self.fps, rng, independent=self.independent_frames
                    )
                    frames = crop_flip_resize(raw, self.size, rng)
                except VideoSkip as skip:
                    self._bad[idx] = skip.reason
                    skipped.append((path, skip.reason))
                else:
                    caption = "" if rng.random() < self.caption_dropout else self._captions[idx]
                    pixels = torch.from_numpy(frames).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)
                    return Sample(pixels, caption, int(self._domain_ids[idx]), int(position), skipped)
            idx = int(rng.integers(n))  # another video, drawn from this position's generator
        return Sample(None, "", -1, int(position), skipped)


def collate(samples: list[Sample | None]) -> dict[str, Any]:
    """Stack the usable samples: pixels (B, F, 3, H, W), captions, domain_ids (B,), and every skip."""
    import torch

    good = [s for s in samples if s is not None and s.pixels is not None]
    skipped = [sk for s in samples if s is not None for sk in s.skipped]
    return {
        "pixels": torch.stack([s.pixels for s in good]) if good else None,
        "captions": [s.caption for s in good],
        "domain_ids": torch.tensor([s.domain_id for s in good], dtype=torch.long),
        "positions": [s.position for s in good],
        "skipped": skipped,
    }


class MicroBatches:
    """Batch sampler over sample positions: micro-batch m of process r holds positions
    ((m * world + r) * B, ... + B). Starting at micro-batch `start` resumes the exact stream."""

    def __init__(self, batch_size: int, *, start: int, stop: int, rank: int = 0, world: int = 1) -> None:
        self.batch_size, self.start, self.stop, self.rank, self.world = batch_size, start, stop, rank, world

    def __len__(self) -> int:
        return max(self.stop - self.start, 0)

    def __iter__(self) -> Iterator[list[int]]:
        for m in range(self.start, self.stop):
            base = (m * self.world + self.rank) * self.batch_size
            yield list(range(base, base + self.batch_size))
