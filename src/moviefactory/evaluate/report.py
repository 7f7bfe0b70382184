"""The per-movie report: report.html in the movie folder, the page a user opens first.

Self-contained: one HTML file with inline CSS, every image a base64 JPEG data URI, no scripts, fonts or
remote assets (the only reference is the movie.mp4 beside it, for the player). Every piece of user or model
text goes through html.escape.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from moviefactory.errors import InputError
from moviefactory.spec import Movie
from moviefactory.workspace import ClipRecord, Manifest, Paths, WorkspaceError, load_manifest

THUMB_W = 320  # contact-sheet thumbnail width, pixels


@dataclass
class Loudness:
    integrated_lufs: float | None = None
    range_lu: float | None = None
    true_peak_dbtp: float | None = None
    source: str = ""  # "manifest" | "measured (ebur128)"


@dataclass
class SceneFacts:
    scene_id: str
    frames: list[str] = field(default_factory=list)  # data URIs: first, middle, last frame
    clip_duration_s: float | None = None
    clip_frames: int | None = None
    clip_size: str = ""
    backend: str = ""
    clipsim: float | None = None
    drawn: list[tuple[str, str, str]] = field(default_factory=list)  # drawn.json: (words, drawn as, role)
    unmatched: list[str] = field(default_factory=list)  # drawn.json: words the picture could not draw


def jpeg_data_uri(frame: np.ndarray, width: int = THUMB_W, quality: int = 85) -> str:
    """(H, W, 3) uint8 -> 'data:image/jpeg;base64,…' scaled to `width` pixels wide."""
    from PIL import Image

    img = Image.fromarray(frame)
    if img.width > width:
        img = img.resize((width, max(1, round(img.height * width / img.width))), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return default


def _fmt(v: float | None, spec: str, unit: str = "") -> str:
    return "—" if v is None else f"{format(v, spec)}{unit}"


def _scene_facts(root: Path, movie: Movie, manifest: Manifest, scorer: Any) -> list[SceneFacts]:
    """What each scene's record says, and three frames of its clip (read by seeking; the whole clip is
    decoded only to score CLIPSIM)."""

    paths = Paths(root)
    out = []
    for scene in movie.scenes:
        rec = manifest.scene(scene.id)
        facts = SceneFacts(scene.id, backend=rec.clip.backend if rec.clip else "")
        if rec.drawn is not None:
            facts.drawn = [(el.text, el.drawn_as, el.role) for el in rec.drawn.elements]
            facts.unmatched = list(rec.drawn.unmatched)
        clip = paths.clip(scene.id)
        if clip.is_file():
            try:
                frames, n, fps, (w, h) = _clip_frames(clip, rec.clip, every=scorer is not None)
            except Exception:  # a broken clip must not stop the report; it shows as missing
                frames = None
            if frames is not None:
                facts.clip_frames = n
                facts.clip_duration_s = n / fps if fps else None
                facts.clip_size = f"{w}×{h}"
                picks = sorted({0, n // 2, n - 1})
                facts.frames = [
                    jpeg_data_uri(frames[i if len(frames) == n else picks.index(i)]) for i in picks
                ]
                if scorer is not None:
                    facts.clipsim = scorer.clipsim(frames, scene.prompt)
        out.append(facts)
    return out


def _clip_frames(
    clip: Path, rec: ClipRecord | None, *, every: bool
) -> tuple[np.ndarray, int, float, tuple[int, int]]:
    """(frames, frame count, fps, (width, height)): every frame when `every`, else the first, middle and last
    only. The count and rate come from the clip's record when it describes this file (same size on disk)."""
    from moviefactory import media

    if rec is not None and rec.width and rec.height and clip.stat().st_size == rec.size and not every:
        n, fps, size = rec.frames, rec.fps, (rec.width, rec.height)
        return media.read_frames_at(clip, sorted({0, n // 2, n - 1})), n, fps, size
    frames = media.read_frames(clip)
    return frames, len(frames), float(media.probe(clip).fps), (frames.shape[2], frames.shape[1])


CSS = """
:root{--bg:#111418;--panel:#1a1f26;--line:#2a313b;--text:#e8ebef;--muted:#9aa4b2;--accent:#f2b84b;--bad:#ff7b72}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif;-webkit-font-smoothing:antialiased}
main{max-width:1100px;margin:0 auto;padding:48px 24px 80px}
h1{font-size:2.4rem;line-height:1.15;margin:0 0 .3em;letter-spacing:-.01em}
h2{font-size:1.05rem;text-transform:uppercase;letter-spacing:.12em;color:var(--muted);margin:3em 0 1em;
border-bottom:1px solid var(--line);padding-bottom:.5em}
.logline{font-size:1.2rem;color:var(--muted);max-width:60ch;margin:0 0 1.5em}
.request{color:var(--muted);font-style:italic}
video{width:100%;border-radius:10px;background:#000;margin:1em 0}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin:1.5em 0}
.fact{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.fact b{display:block;font-size:1.35rem;font-variant-numeric:tabular-nums}
.fact span{color:var(--muted);font-size:.85rem}
.scene{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:18px 20px;margin:0 0 16px}
.scene header{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
.sid{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;color:var(--accent);font-weight:600}
.tags{color:var(--muted);font-size:.9rem}
.prompt{margin:.5em 0 .8em}
.strip{display:grid;grid-template-columns:repeat(3,1fr);gap:6px}
.strip img{width:100%;border-radius:6px;display:block}
.strip .missing{aspect-ratio:2.35;display:flex;align-items:center;justify-content:center;border:1px dashed var(--line);
border-radius:6px;color:var(--bad);grid-column:1/-1}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:.9em 0 0;font-size:.92rem}
dt{color:var(--muted)}dd{margin:0}
table{width:100%;border-collapse:collapse;font-size:.93rem;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:500}
td.num,th.num{text-align:right}
.warn{color:var(--bad)}
footer{margin-top:4em;color:var(--muted);font-size:.85rem}
"""


def render_html(
    movie: Movie,
    manifest: Manifest,
    scenes: list[SceneFacts],
    loudness: Loudness,
    credits: list[dict[str, Any]],
    *,
    clip_name: str | None,
    has_movie: bool,
    icons: list[dict[str, Any]] | None = None,
) -> str:
    e = html.escape
    report = manifest.report
    sound = {sid: rec.effects.description for sid, rec in manifest.scenes.items() if rec.effects is not None}
    if manifest.music is not None:
        sound["music"] = manifest.music.description
    backends = report.backends if report is not None else {}
    warnings = report.warnings if report is not None else []
    duration = manifest.cut.duration_s if manifest.cut is not None else movie.total_duration_s()
    poster = next((f.frames[len(f.frames) // 2] for f in scenes if f.frames), "")
    st = movie.style
    parts: list[str] = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{e(movie.title)} — MovieFactory report</title><style>{CSS}</style></head><body><main>",
        f"<h1>{e(movie.title)}</h1>",
    ]
    if movie.logline:
        parts.append(f'<p class="logline">{e(movie.logline)}</p>')
    parts.append(f'<p class="request">Request: “{e(movie.request)}”</p>')
    if has_movie:
        poster_attr = f' poster="{poster}"' if poster else ""
        parts.append(f'<video controls preload="metadata" src="movie.mp4"{poster_attr}></video>')
    facts = [
        (f"{duration:.1f} s", "running time"),
        (str(len(movie.scenes)), "scenes"),
        (f"{st.output_width}×{st.output_height}", f"output, {e(st.aspect)} at {st.fps} fps"),
        (_fmt(loudness.integrated_lufs, ".1f", " LUFS"), "integrated loudness"),
        (_fmt(loudness.range_lu, ".1f", " LU"), "loudness range"),
        (_fmt(loudness.true_peak_dbtp, ".1f", " dBTP"), "true peak"),
    ]
    parts.append('<section class="facts">')
    parts += [f'<div class="fact"><b>{v}</b><span>{label}</span></div>' for v, label in facts]
    parts.append("</section>")
    if loudness.source:
        parts.append(f'<p class="tags">Loudness: {e(loudness.source)}.</p>')
    if warnings:
        parts.append(
            "<h2>Warnings</h2><ul>" + "".join(f'<li class="warn">{e(w)}</li>' for w in warnings) + "</ul>"
        )

    # the script, scene by scene, with the contact sheet
    parts.append("<h2>Scenes</h2>")
    for scene, f in zip(movie.scenes, scenes, strict=True):
        tags = " · ".join(
            e(x)
            for x in (
                scene.shot.value,
                scene.camera.value,
                f"{scene.duration_s:g} s",
                scene.transition_in.value,
            )
        )
        parts.append(
            f'<article class="scene" id="{e(scene.id)}"><header><span class="sid">{e(scene.id)}</span>'
        )
        parts.append(f'<span class="tags">{tags}</span></header><p class="prompt">{e(scene.prompt)}</p>')
        if f.frames:
            parts.append('<div class="strip">')
            parts += [
                f'<img src="{uri}" alt="{e(scene.id)} frame {i + 1}">' for i, uri in enumerate(f.frames)
            ]
            parts.append("</div>")
        else:
            parts.append('<div class="strip"><div class="missing">clip not rendered</div></div>')
        rows = [
            ("Subtitle", e(scene.subtitle) or "—"),
            ("Narration", e(scene.narration) or "—"),
            ("Sound asked", e(scene.sound) or "—"),
            ("Sound chosen", e(str(sound.get(scene.id, ""))) or "—"),
            ("Seed", str(scene.seed)),
            ("Backend", (e(f.backend) or e(str(backends.get("picture", "")))) if f.frames else "—"),
        ]
        if f.clip_frames is not None:
            rows.append(
                ("Clip", f"{f.clip_frames} frames · {f.clip_duration_s or 0:.2f} s · {e(f.clip_size)}")
            )
        if f.clipsim is not None:
            rows.append(("CLIPSIM", f"{f.clipsim:.4f}"))
        if f.drawn:
            rows.append(
                (
                    "Drawn",
                    "<br>".join(
                        f"{e(t)} → <code>{e(d)}</code> <span class=tags>{e(r)}</span>" for t, d, r in f.drawn
                    ),
                )
            )
        if f.unmatched:
            rows.append(("Not drawn", '<span class="warn">' + e(", ".join(f.unmatched)) + "</span>"))
        parts.append("<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl></article>")

    # durations table
    parts.append(
        "<h2>Timing</h2><table><tr><th>Scene</th><th class=num>Script (s)</th><th class=num>Clip (s)</th>"
    )
    parts.append(
        "<th class=num>Frames</th><th>Backend</th>" + ("<th class=num>CLIPSIM</th>" if clip_name else "")
    )
    parts.append("</tr>")
    for scene, f in zip(movie.scenes, scenes, strict=True):
        parts.append(
            f"<tr><td>{e(scene.id)}</td><td class=num>{scene.duration_s:.2f}</td>"
            f"<td class=num>{_fmt(f.clip_duration_s, '.2f')}</td><td class=num>{f.clip_frames or '—'}</td>"
            f"<td>{e(f.backend) or '—'}</td>"
            + (f"<td class=num>{_fmt(f.clipsim, '.4f')}</td>" if clip_name else "")
            + "</tr>"
        )
    scored = [f.clipsim for f in scenes if f.clipsim is not None]
    if clip_name and scored:
        parts.append(
            f'<tr><th colspan="5">Mean CLIPSIM ({e(clip_name)})</th><th class=num>{np.mean(scored):.4f}</th></tr>'
        )
    parts.append("</table>")

    # how it was made
    parts.append("<h2>How it was made</h2><dl>")
    made = [(k.capitalize(), str(v)) for k, v in backends.items()]
    made += [
        ("Seed", str(manifest.seed)),
        ("Writer", movie.writer or "—"),
        ("Music", str(sound.get("music", "")) or "—"),
        ("Tone", f"{movie.tone.mood.value}, {movie.tone.tempo.value}"),
    ]
    if clip_name:
        made.append(("CLIP model", clip_name))
    parts.append("".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in made) + "</dl>")

    # sound credits
    parts.append("<h2>Sound credits</h2>")
    if credits:
        parts.append("<table><tr><th>Title</th><th>Source</th><th>Licence</th><th>Attribution</th></tr>")
        for c in credits:
            cells = [e(str(c.get(k, "") or "—")) for k in ("title", "source", "license", "attribution")]
            parts.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
        parts.append("</table>")
    else:
        parts.append('<p class="tags">No credits recorded.</p>')
    if icons:
        parts.append("<h2>Icon credits</h2><table><tr><th>Icon</th><th>Author</th><th>Licence</th></tr>")
        for c in icons:
            name = f"{c.get('set', '')}:{c.get('name', '')}"
            lic = f'<a href="{e(str(c.get("url", "")))}">{e(str(c.get("license", "")))}</a>'
            parts.append(
                f"<tr><td><code>{e(name)}</code></td><td>{e(str(c.get('author', '')))}</td><td>{lic}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<footer>Made with MovieFactory. This page is self-contained: images are embedded.</footer>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def write_report(
    root: Path,
    *,
    clip_model: Path | None = None,
    movie: Movie | None = None,
    manifest: Manifest | None = None,
) -> Path:
    """Render report.html for the movie folder `root` (script.json required; everything else optional).
    The pipeline hands over the script and manifest it holds (`movie`, `manifest`); else they are read."""
    from moviefactory.workspace import atomic_write_text

    root = Path(root)
    paths = Paths(root)
    if movie is None:
        if not paths.script.is_file():
            raise InputError(f"{root} has no script.json; is it a movie folder?")
        movie = Movie.from_json(paths.script.read_text(encoding="utf-8"), source=str(paths.script))
    if manifest is None:
        try:
            manifest = load_manifest(root)
        except WorkspaceError:
            if paths.manifest.exists():
                raise  # a manifest that does not read is an error, not an empty page
            manifest = Manifest(
                request=movie.request, seed=0
            )  # a folder with a script only: nothing recorded
    # credits.json as written by sound.credits.write_credits: {"kind", "version", "sounds": [...]}
    data = _read_json(root / "credits.json", {})
    sounds = data.get("sounds", []) if isinstance(data, dict) else data
    credits = [c for c in sounds if isinstance(c, dict)] if isinstance(sounds, list) else []
    raw_icons = data.get("icons", []) if isinstance(data, dict) else []
    icons = [c for c in raw_icons if isinstance(c, dict)] if isinstance(raw_icons, list) else []

    scorer = None
    if clip_model is not None:
        from moviefactory.evaluate.clipsim import ClipScorer

        scorer = ClipScorer.from_pretrained(clip_model)
    scenes = _scene_facts(root, movie, manifest, scorer)

    ld = manifest.cut.loudness if manifest.cut is not None else None
    loudness = (
        Loudness(ld.integrated_lufs, ld.range_lu, ld.true_peak_dbtp, "manifest")
        if ld is not None
        else Loudness()
    )
    movie_file = Paths(root).cut
    if loudness.integrated_lufs is None and movie_file.is_file():
        from moviefactory.errors import ComposeError
        from moviefactory.media import measure_loudness

        try:
            m = measure_loudness(movie_file)
            loudness = Loudness(m.integrated_lufs, m.range_lu, m.true_peak_dbtp, "measured (ebur128)")
        except ComposeError:
            pass  # no audio stream: the report says loudness is unknown
    if loudness.integrated_lufs is None and not movie_file.is_file():
        loudness.source = ""

    page = render_html(
        movie,
        manifest,
        scenes,
        loudness,
        credits,
        clip_name=scorer.name if scorer is not None else None,
        has_movie=movie_file.is_file(),
        icons=icons,
    )
    out = paths.report
    atomic_write_text(out, page)
    return out
