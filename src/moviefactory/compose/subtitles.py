"""Subtitles: SRT and WebVTT from the script's timeline, and an ASS file for burning in with libass.

User text never enters an ffmpeg filter string: it goes into a subtitle file, and only that file's path
(a temp path we create, made of safe characters) enters the graph. Text is kept exactly as written in the
SRT/VTT; for ASS it is escaped so libass shows it literally (see `ass_escape`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from moviefactory.spec import Movie
from moviefactory.workspace import atomic_write_text

FONT_DIR = Path(__file__).with_name("fonts")
FONT_NAME = "DejaVu Sans"  # DejaVuSans.ttf is shipped (Bitstream Vera licence); covers Latin, Greek,
# Cyrillic, Hebrew and Arabic; libass shapes right-to-left text with HarfBuzz.
WORD_JOINER = "\u2060"  # invisible; breaks libass escape sequences such as "\n" or "\N" in user text


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
    blocks = [f"{i}\n{_ts(c.start_s, ',')} --> {_ts(c.end_s, ',')}\n{c.text}\n" for i, c in enumerate(items, 1)]
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


def to_ass(items: list[Cue], *, width: int, height: int) -> str:
    """An ASS script at the output resolution; font size ~5.5% of the height, white with a dark outline."""
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
        f"Dialogue: 0,{_ass_ts(c.start_s)},{_ass_ts(c.end_s)},Default,,0,0,0,,{ass_escape(c.text)}" for c in items
    ]
    return head + "\n".join(lines) + "\n"


def write_subtitles(movie: Movie, srt: Path, vtt: Path | None = None) -> list[Cue]:
    items = cues(movie)
    atomic_write_text(srt, to_srt(items))
    if vtt is not None:
        atomic_write_text(vtt, to_vtt(items))
    return items
