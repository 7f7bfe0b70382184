"""Bring your own script: a plain-text scene list or a Fountain screenplay -> a validated Movie (`--script FILE`).

Plain text: one scene per non-empty line ("#" lines are comments; "1.", "-", "Scene 3:" labels are dropped); an
optional first line "Title: …".

Fountain (https://fountain.io, the subset a short film uses): the title page's Title; scene headings (INT./EXT./
EST./I/E or a forced ".HEADING") give the setting and time of day of the shots under them; each action paragraph
is one shot (about 2 s) whose prompt is the paragraph; dialogue after a shot becomes its subtitle, and a voice
over (V.O.) or off-screen (O.S.) line its narration; speaking characters form the character bank and are the
subjects of the shots that name them or where they speak; CUT TO: / DISSOLVE TO: / FADE OUT. set the next shot's
transition. Notes [[…]], boneyard /* … */, sections (#), synopses (=) and page breaks (===) are skipped.

The file is read, never executed or sent anywhere; its text only reaches the script's fields, each within the
schema's limits (longer text is cut at a word with "…", never rejected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from moviefactory.errors import InputError
from moviefactory.script import Writer
from moviefactory.script.builtin import scene_seed
from moviefactory.script.llm import errors_line
from moviefactory.spec import MAX_SCENES, Movie, Style, check_text

MAX_FILE_BYTES = 2_000_000  # a feature screenplay is ~200 kB; anything far larger is not a screenplay
_HEADING = re.compile(r"^(?:\.(?!\.)|(?:int|ext|est|int\.?/ext|i/e)[. ])", re.IGNORECASE)
_TRANSITION = re.compile(r"^(?:>(?!.*<$)\s*.*|[A-Z0-9 .'’-]+TO:|FADE OUT\.?|FADE TO BLACK\.?|FADE IN:?)$")
_CUE_EXT = re.compile(r"\s*\((?:V\.?O\.?|O\.?S\.?|O\.?C\.?|CONT'?D|CONT’D)\)", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:(?:scene|shot)\s*\d+\s*[:.)-]|\d+\s*[.)]|[-*•])\s*", re.IGNORECASE)
_TIMES = {"day": "day", "night": "night", "dawn": "dawn", "dusk": "dusk", "morning": "sunrise",
          "sunrise": "sunrise", "evening": "dusk", "sunset": "sunset", "twilight": "dusk", "noon": "day",
          "afternoon": "day", "midnight": "night", "golden hour": "golden-hour"}  # fmt: skip
_TRANSITIONS = {"cut": "cut", "smash": "cut", "match": "cut", "jump": "cut", "dissolve": "dissolve",
                "fade to black": "fade-black", "fade out": "fade-black", "fade to white": "fade-white"}  # fmt: skip


@dataclass
class _Shot:
    prompt: str
    setting: str = ""
    time: str = ""
    speakers: list[str] = field(default_factory=list)
    subtitle: str = ""
    narration: str = ""
    transition: str = ""


def read_script_file(path: Path) -> tuple[str, list[_Shot]]:
    """(title, shots) of a scene list or Fountain file; InputError with the path for what cannot be used."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(
                f"--script {path}: {path.stat().st_size} bytes is not a screenplay (at most 2 MB)"
            )
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"--script {path}: cannot read it ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"--script {path}: not UTF-8 text") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    fountain = path.suffix.lower() == ".fountain" or any(_HEADING.match(ln.strip()) for ln in lines)
    title, shots = _fountain(text) if fountain else _plain(lines)
    if not shots:
        raise InputError(f"--script {path}: no scenes found (one scene per line, or a Fountain screenplay)")
    if len(shots) > MAX_SCENES:
        raise InputError(f"--script {path}: {len(shots)} shots; a movie takes at most {MAX_SCENES}")
    return title or path.stem.replace("_", " ").replace("-", " ").strip() or "Untitled", shots


def _plain(lines: list[str]) -> tuple[str, list[_Shot]]:
    title = ""
    shots: list[_Shot] = []
    for ln in lines:
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        if not shots and not title and s.lower().startswith("title:"):
            title = s[6:].strip()
            continue
        s = _LABEL.sub("", s).strip()
        if s:
            shots.append(_Shot(prompt=s))
    return title, shots


def _fountain(text: str) -> tuple[str, list[_Shot]]:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)  # boneyard
    text = re.sub(r"\[\[.*?\]\]", "", text, flags=re.DOTALL)  # notes
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text)]
    title = ""
    if blocks and re.match(r"^[A-Za-z ]+:", blocks[0]) and not _HEADING.match(blocks[0]):
        meta = _title_page(blocks.pop(0))
        title = meta.get("title", "")
    shots: list[_Shot] = []
    setting, time, pending = "", "", ""
    for block in blocks:
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if not lines or lines[0].startswith(("#", "=")):
            continue  # section, synopsis, page break
        first = lines[0]
        if _HEADING.match(first) and len(lines) == 1:
            setting, new_time = _heading(first)
            time = new_time or time
            continue
        if len(lines) == 1 and _TRANSITION.match(
            first.lstrip(">").strip() if first.startswith(">") else first
        ):
            pending = _transition(first)
            continue
        cue = first.lstrip("@")
        if len(lines) > 1 and (first.startswith("@") or (cue.upper() == cue and re.search(r"[A-Z]", cue))):
            name = _CUE_EXT.sub("", cue).replace("^", "").strip()
            speech = " ".join(ln for ln in lines[1:] if not (ln.startswith("(") and ln.endswith(")")))
            voice_over = bool(re.search(r"\((?:V\.?O\.?|O\.?S\.?|O\.?C\.?)\)", cue, re.IGNORECASE))
            if not shots or shots[-1].subtitle or shots[-1].narration:  # a line with no action before it
                shots.append(
                    _Shot(
                        prompt=f"{name.title()} speaking" + (f", {setting}" if setting else ""),
                        setting=setting,
                        time=time,
                        transition=pending,
                    )
                )
                pending = ""
            shot = shots[-1]
            shot.speakers.append(name)
            if voice_over:
                shot.narration = speech
            shot.subtitle = speech if not voice_over else shot.subtitle or speech
            continue
        action = " ".join(ln.lstrip("!") for ln in lines).replace("_", "").replace("*", "")
        shots.append(_Shot(prompt=action, setting=setting, time=time, transition=pending))
        pending = ""
    return title, shots


def _title_page(block: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    key = ""
    for ln in block.split("\n"):
        m = re.match(r"^([A-Za-z ]+):\s*(.*)$", ln)
        if m:
            key = m.group(1).strip().lower()
            meta[key] = m.group(2).strip()
        elif key:
            meta[key] = (meta[key] + " " + ln.strip()).strip()
    return meta


def _heading(line: str) -> tuple[str, str]:
    """'EXT. DESERT ROAD - NIGHT' -> ('desert road', 'night'); an unknown time keeps the previous one ('')."""
    body = re.sub(r"^\.|^(?:int\.?/ext|i/e|int|ext|est)[. ]\s*", "", line, flags=re.IGNORECASE).strip()
    body = re.sub(r"\s*#[^#]*#\s*$", "", body)  # scene number
    place, _, when = body.rpartition(" - ") if " - " in body else (body, "", "")
    return place.strip().lower(), _TIMES.get(when.strip().lower(), "")


def _transition(line: str) -> str:
    low = line.lstrip(">").strip().lower()
    for words, value in _TRANSITIONS.items():
        if words in low:
            return value
    return "crossfade"


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


class ImportWriter(Writer):
    """The writer behind `--script FILE`: the file is the script; no model, deterministic."""

    name = "import"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.title, self.shots = read_script_file(self.path)  # bad files fail before any work

    @classmethod
    def from_settings(cls, settings: Any) -> ImportWriter:
        if not getattr(settings, "script_file", None):
            raise InputError("--writer import needs --script FILE (a scene list or a Fountain screenplay)")
        return cls(settings.script_file)

    def write(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        request = check_text(request, what="request")
        if scenes is not None and scenes != len(self.shots):
            raise InputError(
                f"--script {self.path} has {len(self.shots)} shots but --scenes asks for {scenes}"
            )
        speakers = list(dict.fromkeys(n for s in self.shots for n in s.speakers))
        ids: dict[str, str] = {}
        for i, n in enumerate(speakers):
            cid = re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-")[:28] or "c"
            ids[n] = cid if cid not in ids.values() else f"{cid}-{i + 1}"  # "DR. LEE" and "DR LEE" stay apart
        characters = [{"id": ids[n], "name": _cut(n.title(), 80)} for n in speakers][:16]
        known = {c["id"] for c in characters}
        out_scenes = []
        time = "day"
        for i, shot in enumerate(self.shots):
            time = shot.time or time
            look = "" if "4k" in shot.prompt.lower() else f", {style.look}"
            named = [n for n in speakers if re.search(rf"\b{re.escape(n)}\b", shot.prompt, re.IGNORECASE)]
            subjects = [ids[n] for n in dict.fromkeys([*named, *shot.speakers]) if ids[n] in known][:8]
            scene: dict[str, Any] = {
                "id": f"s{i + 1:02d}",
                "prompt": _cut(shot.prompt, 1000 - len(look)) + look,
                "duration_s": 2.0,
                "subjects": subjects,
                "setting": _cut(shot.setting, 120),
                "time_of_day": time,
                "action": _cut(shot.prompt.split(".")[0], 120),
                "sound": _cut(shot.prompt.split(".")[0], 200),
                "subtitle": _cut(shot.subtitle, 300),
                "narration": _cut(shot.narration, 500),
                "seed": scene_seed(seed, i),
            }
            if shot.transition:
                scene["transition_in"] = shot.transition
                scene["transition_s"] = 0.0 if shot.transition == "cut" else 0.5
            out_scenes.append(scene)
        data = {
            "request": request,
            "title": _cut(self.title, 120),
            "characters": characters,
            "scenes": out_scenes,
            "style": style.model_dump(mode="json"),
            "writer": f"import:{_cut(self.path.name, 70)}",
        }
        try:
            return Movie.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"--script {self.path}: {errors_line(exc, limit=2)}") from exc


def title_of(path: Path) -> str:
    """The title a script file gives itself (title page, "Title:" line, or the file name): the request text
    when `make --script FILE` is run without one."""
    return read_script_file(path)[0]
