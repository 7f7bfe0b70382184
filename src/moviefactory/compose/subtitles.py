"""Subtitles: SRT and WebVTT from the script's timeline, and an ASS file for burning in with libass.

User text never enters an ffmpeg filter string: it goes into a subtitle file, and only that file's path
(a temp path we create, made of safe characters) enters the graph. Text is kept exactly as written in the
SRT/VTT; for ASS it is escaped so libass shows it literally (see `ass_escape`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from moviefactory.spec import Movie
from moviefactory.workspace import atomic_write_text

FONT_DIR = Path(__file__).with_name("fonts")
FONT_NAME = "DejaVu Sans"  # DejaVuSans.ttf is shipped (Bitstream Vera licence); covers Latin, Greek,
# Cyrillic, Hebrew and Arabic; libass shapes right-to-left text with HarfBuzz.
WORD_JOINER = "\u2060"  # invisible; breaks libass escape sequences such as "\n" or "\N" in user text


@dataclass(frozen=True)
class Fallback:
    """A font for the scripts DejaVu Sans lacks. libass does not search a fonts folder for a glyph it
    misses (only a system provider such as fontconfig would, and a static ffmpeg may have none), so runs of
    these characters are set in the family explicitly with an `\\fn` override: a fallback chain we control."""

    family: str
    what: str  # for the warning when no file is found
    package: str  # the Debian package that provides it
    ranges: tuple[tuple[int, int], ...]  # inclusive code point ranges it is used for
    files: tuple[str, ...]  # where distributions install it


FALLBACKS = (
    Fallback("Noto Sans CJK SC", "Chinese, Japanese or Korean", "fonts-noto-cjk",
             ((0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x2FF0, 0x31FF), (0x3200, 0x33FF), (0x3400, 0x4DBF),
              (0x4E00, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F),
              (0xFF00, 0xFFEF), (0x20000, 0x2FA1F)),
             ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc")),
    Fallback("Symbola", "emoji", "fonts-symbola",
             ((0x1F000, 0x1FAFF), (0x2B00, 0x2BFF)),
             ("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
              "/usr/share/fonts/truetype/ancient-scripts/Symbola.ttf",
              "/usr/share/fonts/TTF/Symbola.ttf",
              "/usr/share/fonts/gdouros-symbola/Symbola.ttf")),
)  # fmt: skip
KEEP_RUN = {0x200D, 0xFE0E, 0xFE0F}  # joiners and variation selectors stay with the run they are in


@lru_cache(maxsize=1)
def fallback_files() -> dict[str, Path]:
    """family -> the font file found for it on this machine (MOVIEFACTORY_FONTS: extra folders to look in,
    separated by os.pathsep, searched for the same file names first)."""
    extra = [Path(d) for d in os.environ.get("MOVIEFACTORY_FONTS", "").split(os.pathsep) if d]
    found: dict[str, Path] = {}
    for fb in FALLBACKS:
        for f in [*(d / Path(f).name for d in extra for f in fb.files), *map(Path, fb.files)]:
            if f.is_file():
                found[fb.family] = f
                break
    return found


def _family_for(ch: str) -> str | None:
    cp = ord(ch)
    for fb in FALLBACKS:
        if any(lo <= cp <= hi for lo, hi in fb.ranges):
            return fb.family
    return None


def font_runs(text: str) -> list[tuple[str | None, str]]:
    """Split text into (fallback family or None for the main font, run) pieces, in order."""
    runs: list[tuple[str | None, str]] = []
    for ch in text:
        fam = runs[-1][0] if (ord(ch) in KEEP_RUN and runs) else _family_for(ch)
        if runs and runs[-1][0] == fam:
            runs[-1] = (fam, runs[-1][1] + ch)
        else:
            runs.append((fam, ch))
    return runs


def missing_fonts(texts: list[str], available: dict[str, Path] | None = None) -> list[str]:
    """Warnings for scripts in `texts` that no installed font covers (they would burn in as boxes)."""
    have = fallback_files() if available is None else available
    need = {fam for t in texts for fam, _ in font_runs(t) if fam is not None}
    return [
        f"subtitles use {fb.what} characters but no font for them is installed "
        f"(apt-get install {fb.package}); they burn in as boxes"
        for fb in FALLBACKS
        if fb.family in need and fb.family not in have
    ]


def ass_text(text: str, available: dict[str, Path] | None = None) -> str:
    """A cue's text for the ASS file: escaped, with runs in fallback families where a font exists."""
    have = fallback_files() if available is None else available
    out = []
    for fam, run in font_runs(text):
        if fam is not None and fam in have:
            out.append(f"{{\\fn{fam}}}{ass_escape(run)}{{\\fn{FONT_NAME}}}")
        else:
            out.append(ass_escape(run))
    return "".join(out)


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


def cues(movie: Movie) -> list[Cue]:
    """One cue per scene with a subtitle (or, failing that, a narration line).

    A cue runs from the middle of the transition into its scene to the middle of the transition out, so
    neighbouring cues never overlap on screen."""
    timeline = movie.timeline()
    out: list[Cue] = []
    for i, (scene, slot) in enumerate(zip(movie.scenes, timeline, strict=True)):
        text = scene.subtitle or scene.narration
        if not text:
            continue
        start = slot.start_s + (Movie.overlap_s(scene) / 2 if i > 0 else 0.0)
        end = slot.end_s - (Movie.overlap_s(movie.scenes[i + 1]) / 2 if i + 1 < len(movie.scenes) else 0.0)
        out.append(Cue(start, end, text))
    return out


def _ts(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(items: list[Cue]) -> str:
    blocks = [
        f"{i}\n{_ts(c.start_s, ',')} --> {_ts(c.end_s, ',')}\n{c.text}\n" for i, c in enumerate(items, 1)
    ]
    return "\n".join(blocks)


def to_vtt(items: list[Cue]) -> str:
    body = "\n".join(f"{_ts(c.start_s, '.')} --> {_ts(c.end_s, '.')}\n{c.text}\n" for c in items)
    return "WEBVTT\n\n" + body


def ass_escape(text: str) -> str:
    r"""Make libass show `text` literally: a backslash gets a word joiner after it (so "\n" stays two
    visible characters), braces become the escapes \{ and \} (a bare brace would open an override block),
    and real line breaks become \N."""
    text = text.replace("\\", "\\" + WORD_JOINER)
    text = text.replace("{", "\\{").replace("}", "\\}")
    return text.replace("\r\n", "\n").replace("\n", "\\N")


def _ass_ts(seconds: float) -> str:
    cs = round(seconds * 100)
    h, cs = divmod(cs, 360_000)
    m, cs = divmod(cs, 6000)
    s, cs = divmod(cs, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{cs:02d}"


def to_ass(items: list[Cue], *, width: int, height: int, fonts: dict[str, Path] | None = None) -> str:
    """An ASS script at the output resolution; font size ~5.5% of the height, white with a dark outline.
    `fonts`: the fallback families available (default: those found on this machine)."""
    size = max(12, round(height * 0.055))
    margin = max(8, round(height * 0.06))
    head = (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nWrapStyle: 0\nScaledBorderAndShadow: yes\n\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
        "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
        "Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Default,{FONT_NAME},{size},&H00FFFFFF,&H000000FF,&H00101010,&H80000000,0,0,0,0,100,100,0,0,"
        f"1,{max(1, size // 14)},0,2,{margin},{margin},{margin},1\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    lines = [
        f"Dialogue: 0,{_ass_ts(c.start_s)},{_ass_ts(c.end_s)},Default,,0,0,0,,{ass_text(c.text, fonts)}"
        for c in items
    ]
    return head + "\n".join(lines) + "\n"


def write_subtitles(movie: Movie, srt: Path, vtt: Path | None = None) -> list[Cue]:
    items = cues(movie)
    atomic_write_text(srt, to_srt(items))
    if vtt is not None:
        atomic_write_text(vtt, to_vtt(items))
    return items
