"""Evaluation: FVD and CLIPSIM over sets of videos (the paper's Table 1), and the per-movie report.

This module imports only the standard library at the top (the CLI imports it at start-up); metric code
(torch, scipy, transformers) is imported when a metric runs.

Video sets:
- generated: a folder of videos with optional sidecar prompts (`clip.mp4` + `clip.txt`), a movie folder
  (script.json: scenes/<id>/clip.mp4 with each scene's prompt), or a folder of movie folders;
- real: a folder of videos, or a CSV with a `path` (or `video`/`file`) column, or WebVid's
  `videoid` + `page_dir` columns (videos at <csv folder>/<page_dir>/<videoid>.mp4), and an optional caption
  column (`caption`/`name`/`text`/`prompt`). Relative paths are relative to the CSV's folder.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from moviefactory.errors import InputError

VIDEO_SUFFIXES = (".mp4", ".webm", ".mkv", ".mov", ".avi", ".gif")


@dataclass(frozen=True)
class Sample:
    video: Path
    prompt: str = ""


@dataclass
class MethodScore:
    method: str
    videos: int
    fvd: float | None = None
    clipsim: float | None = None
    clipsim_videos: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class Evaluation:
    methods: list[MethodScore]
    real: str | None
    real_videos: int
    fvd_model: str | None
    clip_model: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        """A plain-text table like the paper's Table 1: Method | FVD↓ | CLIPSIM↑."""
        rows = [("Method", "FVD↓", "CLIPSIM↑")]
        for m in self.methods:
            rows.append(
                (
                    m.method,
                    "—" if m.fvd is None else f"{m.fvd:.2f}",
                    "—" if m.clipsim is None else f"{m.clipsim:.4f}",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        line = "-+-".join("-" * w for w in widths)
        out = []
        for i, r in enumerate(rows):
            out.append(
                " | ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(r))
            )
            if i == 0:
                out.append(line)
        notes = []
        if self.fvd_model:
            notes.append(
                f"FVD: I3D detector {self.fvd_model}, {self.real_videos} real videos from {self.real}"
            )
        if self.clip_model:
            notes.append(f"CLIPSIM: {self.clip_model}")
        return "\n".join(out + notes)


def _videos_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)


def _movie_samples(movie_dir: Path) -> list[Sample]:
    from moviefactory.spec import Movie
    from moviefactory.workspace import Paths

    movie = Movie.from_json((movie_dir / "script.json").read_text(encoding="utf-8"), source=str(movie_dir))
    out = []
    for s in movie.scenes:
        clip = Paths(movie_dir).clip(s.id)
        if clip.is_file():
            out.append(Sample(clip, s.prompt))
    return out


def collect_generated(folder: Path) -> list[Sample]:
    """Videos and prompts of a generated set (see the module docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"--generated {folder} is not a folder")
    if (folder / "script.json").is_file():
        samples = _movie_samples(folder)
    else:
        movies = sorted(p.parent for p in folder.glob("*/script.json"))
        if movies:
            samples = [s for m in movies for s in _movie_samples(m)]
        else:
            samples = []
            for v in _videos_in(folder):
                txt = v.with_suffix(".txt")
                samples.append(Sample(v, txt.read_text(encoding="utf-8").strip() if txt.is_file() else ""))
    if not samples:
        raise InputError(f"--generated {folder}: no videos found")
    return samples


def collect_real(source: Path) -> list[Sample]:
    """Videos of the reference set: a folder, or a CSV (see the module docstring)."""
    source = Path(source)
    if source.is_dir():
        samples = [Sample(v) for v in _videos_in(source)]
    elif source.is_file() and source.suffix.lower() == ".csv":
        samples = []
        with source.open(newline="", encoding="utf-8") as f:
            for i, row in enumerate(csv.DictReader(f)):
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                rel = row.get("path") or row.get("video") or row.get("file")
                if not rel and row.get("videoid"):
                    rel = str(Path(row.get("page_dir", "")) / f"{row['videoid']}.mp4")
                if not rel:
                    raise InputError(f"{source}: row {i + 2} has no path/video/file or videoid column value")
                p = Path(rel) if Path(rel).is_absolute() else source.parent / rel
                prompt = row.get("caption") or row.get("name") or row.get("text") or row.get("prompt") or ""
                if p.is_file():
                    samples.append(Sample(p, prompt))
    else:
        raise InputError(f"--real {source} is neither a folder nor a .csv file")
    if not samples:
        raise InputError(f"--real {source}: no videos found")
    return samples


def _even_frames(frames: Any, max_frames: int) -> Any:
    if len(frames) <= max_frames:
        return frames
    idx = [round(i * (len(frames) - 1) / (max_frames - 1)) for i in range(max_frames)]
    return frames[idx]


def evaluate(
    generated: Sequence[tuple[str, Sequence[Sample]]],
    *,
    real: Sequence[Sample] | None = None,
    real_name: str | None = None,
    fvd_model: Path | None = None,
    clip_model: Path | None = None,
    device: str | None = None,
    clip_frames: int = 16,
) -> Evaluation:
    """FVD (when fvd_model and real are given) and CLIPSIM (when clip_model is given) per method.

    CLIPSIM averages over up to `clip_frames` evenly spaced frames of each video that has a prompt, then over
    videos. Both metrics are computed only from local model files."""
    from moviefactory import media

    if fvd_model is None and clip_model is None:
        raise InputError("nothing to compute: give --fvd-model FILE (with --real) and/or --clip PATH")
    if fvd_model is not None and not real:
        raise InputError("FVD needs a reference set: give --real DIR|CSV")
    scores = [MethodScore(name, len(samples)) for name, samples in generated]

    real_stats = None
    if fvd_model is not None and real:
        from moviefactory.evaluate.fvd import FeatureStats, I3DFeatureExtractor

        extractor = I3DFeatureExtractor.from_pretrained(fvd_model, device=device)
        real_stats = FeatureStats.of(extractor.features(media.read_frames(s.video) for s in real))
        real_warnings = [f"real set: {w}" for w in extractor.warnings]
        for score, (_, samples) in zip(scores, generated, strict=True):
            extractor.warnings = []
            feats = extractor.features(media.read_frames(s.video) for s in samples)
            score.fvd = FeatureStats.of(feats).distance(real_stats)
            score.warnings += real_warnings + extractor.warnings

    clip_name = None
    if clip_model is not None:
        from moviefactory.evaluate.clipsim import ClipScorer

        scorer = ClipScorer.from_pretrained(clip_model, device=device)
        clip_name = scorer.name
        for score, (_, samples) in zip(scores, generated, strict=True):
            sims = [
                scorer.clipsim(_even_frames(media.read_frames(s.video), clip_frames), s.prompt)
                for s in samples
                if s.prompt
            ]
            score.clipsim_videos = len(sims)
            score.clipsim = sum(sims) / len(sims) if sims else None
            if len(sims) < len(samples):
                score.warnings.append(f"CLIPSIM: {len(samples) - len(sims)} video(s) have no prompt")
    return Evaluation(scores, real_name, len(real or []), str(fvd_model) if fvd_model else None, clip_name)


def write_json(evaluation: Evaluation, path: Path) -> None:
    from moviefactory.workspace import atomic_write_text

    atomic_write_text(path, json.dumps(evaluation.to_json(), indent=2, default=str) + "\n")
