"""The data that crosses stages: the movie script (script.json, schema version 1) and its parts.

Every bound here is part of the contract with writers: a hostile or broken LLM reply cannot make an
unbounded job, and an edited script.json that breaks a bound is refused before any work starts.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from moviefactory import timing
from moviefactory.errors import InputError

SCHEMA_VERSION: Literal[1] = 1
MAX_REQUEST_CHARS = 4000
MAX_SCENES = 60
MIN_SCENE_S = 0.5
MAX_SCENE_S = 30.0


def check_text(text: str, *, what: str = "text", max_chars: int = MAX_REQUEST_CHARS) -> str:
    """Reject empty, over-long or control-character text; return it stripped.

    Newlines and tabs are allowed (a request may be a paragraph); other C0/C1 controls are not, since they
    have no meaning in a subtitle and break terminals. Emoji and bidi marks (category Cf) are kept as is.
    """
    stripped = text.strip()
    if not stripped:
        raise InputError(f"{what} is empty")
    if len(stripped) > max_chars:
        raise InputError(f"{what} is {len(stripped)} characters long; the limit is {max_chars}")
    for ch in stripped:
        if ch not in "\n\t" and unicodedata.category(ch) == "Cc":
            raise InputError(f"{what} contains a control character (U+{ord(ch):04X})")
    return stripped


def _no_controls(value: str) -> str:
    for ch in value:
        if ch not in "\n\t" and unicodedata.category(ch) == "Cc":
            raise ValueError(f"control character U+{ord(ch):04X} is not allowed")
    return value


def _text(max_length: int, min_length: int = 0) -> Any:
    from pydantic import AfterValidator

    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_controls),
    ]


Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]


class Shot(str, Enum):
    """Shot size, widest to tightest: sets how much of the frame the subject fills."""

    extreme_wide = "extreme-wide"
    wide = "wide"
    full = "full"
    medium = "medium"
    medium_close_up = "medium-close-up"
    close_up = "close-up"
    extreme_close_up = "extreme-close-up"


class Camera(str, Enum):
    static = "static"
    pan_left = "pan-left"
    pan_right = "pan-right"
    tilt_up = "tilt-up"
    tilt_down = "tilt-down"
    zoom_in = "zoom-in"
    zoom_out = "zoom-out"
    dolly_in = "dolly-in"
    dolly_out = "dolly-out"
    tracking = "tracking"
    orbit = "orbit"
    aerial = "aerial"
    handheld = "handheld"


class Transition(str, Enum):
    """How a scene enters from the previous one. Values map to ffmpeg xfade transitions in compose/."""

    cut = "cut"
    crossfade = "crossfade"
    fade_black = "fade-black"
    fade_white = "fade-white"
    dissolve = "dissolve"
    wipe_left = "wipe-left"
    wipe_right = "wipe-right"
    slide_left = "slide-left"


class TimeOfDay(str, Enum):
    dawn = "dawn"
    sunrise = "sunrise"
    day = "day"
    golden_hour = "golden-hour"
    sunset = "sunset"
    dusk = "dusk"
    night = "night"


class Weather(str, Enum):
    clear = "clear"
    cloudy = "cloudy"
    rain = "rain"
    storm = "storm"
    snow = "snow"
    fog = "fog"
    wind = "wind"


class Mood(str, Enum):
    triumphant = "triumphant"
    tense = "tense"
    sad = "sad"
    joyful = "joyful"
    mysterious = "mysterious"
    calm = "calm"
    epic = "epic"
    playful = "playful"
    romantic = "romantic"
    dark = "dark"


class Tempo(str, Enum):
    slow = "slow"
    moderate = "moderate"
    fast = "fast"


Aspect = Literal["2.35:1", "16:9", "9:16", "1:1"]

# Generation size per aspect (multiples of 8 for the VAE; 768x320 is the paper's training size) and the
# default finishing scale. The output frame is letterboxed/pillarboxed to the exact aspect ratio.
ASPECT_SIZES: dict[str, tuple[int, int]] = {
    "2.35:1": (768, 320),
    "16:9": (768, 432),
    "9:16": (432, 768),
    "1:1": (512, 512),
}
ASPECT_RATIOS: dict[str, float] = {"2.35:1": 2.35, "16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False, validate_assignment=True)


class Character(_Model):
    """A recurring subject. `kind` is a plain noun ("car", "airplane") that picture backends map to what
    they can draw; `color` keeps the subject's look the same in every scene."""

    id: Ident
    name: _text(80, 1)  # type: ignore[valid-type]
    description: _text(300) = ""  # type: ignore[valid-type]
    kind: _text(40) = ""  # type: ignore[valid-type]
    color: Annotated[str, StringConstraints(pattern=r"^(#[0-9a-fA-F]{6})?$")] = ""


class Tone(_Model):
    """The whole movie's feel, used to choose the music (paper 2.3: the LLM summarises plot and tone)."""

    mood: Mood = Mood.epic
    tempo: Tempo = Tempo.moderate
    music_query: _text(200) = ""  # type: ignore[valid-type]


class Style(_Model):
    aspect: Aspect = "2.35:1"
    width: Annotated[int, Field(ge=16, le=2048, multiple_of=8)] = 768  # generation size, pixels
    height: Annotated[int, Field(ge=16, le=2048, multiple_of=8)] = 320
    fps: Annotated[int, Field(ge=1, le=60)] = (
        24  # output frame rate; backends may render lower and interpolate
    )
    look: _text(200) = "cinematic, 4K, high resolution"  # type: ignore[valid-type]
    output_width: Annotated[int, Field(ge=16, le=8192, multiple_of=2)] = 1536
    output_height: Annotated[int, Field(ge=16, le=8192, multiple_of=2)] = 654

    @classmethod
    def for_aspect(cls, aspect: str, *, fps: int = 24, scale: int = 2, **extra: Any) -> Style:
        """Default sizes for an aspect: generation size from ASPECT_SIZES, output = scale x that width,
        with the height chosen so that output_width/output_height is the exact aspect (even pixels)."""
        if aspect not in ASPECT_SIZES:
            raise InputError(f"aspect must be one of {', '.join(ASPECT_SIZES)}, got {aspect!r}")
        w, h = ASPECT_SIZES[aspect]
        ratio = ASPECT_RATIOS[aspect]
        out_w, out_h = w * scale, h * scale
        if out_w / out_h > ratio:  # content wider than the frame: letterbox (add height)
            out_h = 2 * round(out_w / ratio / 2)
        else:  # content taller: pillarbox (add width)
            out_w = 2 * round(out_h * ratio / 2)
        return cls(
            aspect=cast(Aspect, aspect),
            width=w,
            height=h,
            fps=fps,
            output_width=out_w,
            output_height=out_h,
            **extra,
        )


class Scene(_Model):
    id: Ident
    prompt: _text(1000, 1)  # type: ignore[valid-type]
    duration_s: Annotated[float, Field(ge=MIN_SCENE_S, le=MAX_SCENE_S)] = 2.0
    shot: Shot = Shot.medium
    camera: Camera = Camera.static
    subjects: Annotated[list[Ident], Field(max_length=8)] = []
    setting: _text(120) = ""  # type: ignore[valid-type]
    time_of_day: TimeOfDay = TimeOfDay.day
    weather: Weather = Weather.clear
    action: _text(120) = ""  # type: ignore[valid-type]
    sound: _text(200) = ""  # type: ignore[valid-type]  # sound-effect query for retrieval
    narration: _text(500) = ""  # type: ignore[valid-type]  # spoken by TTS when an engine is present
    subtitle: _text(300) = ""  # type: ignore[valid-type]
    transition_in: Transition = Transition.crossfade
    transition_s: Annotated[float, Field(ge=0.0, le=2.0)] = 0.5  # overlap with the previous scene, seconds
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


class Movie(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    request: _text(MAX_REQUEST_CHARS, 1)  # type: ignore[valid-type]
    title: _text(120, 1)  # type: ignore[valid-type]
    logline: _text(500) = ""  # type: ignore[valid-type]
    tone: Tone = Tone()
    style: Style = Style()
    characters: Annotated[list[Character], Field(max_length=16)] = []
    scenes: Annotated[list[Scene], Field(min_length=1, max_length=MAX_SCENES)]
    writer: _text(80) = ""  # type: ignore[valid-type]  # which writer made it (informational)

    @model_validator(mode="after")
    def _check_references(self) -> Movie:
        ids = [s.id for s in self.scenes]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"scene ids must be unique; repeated: {', '.join(sorted(dup))}")
        char_ids = {c.id for c in self.characters}
        if len(char_ids) != len(self.characters):
            raise ValueError("character ids must be unique")
        for s in self.scenes:
            unknown = [x for x in s.subjects if x not in char_ids]
            if unknown:
                raise ValueError(f"scene {s.id}: subjects {unknown} are not character ids")
        for prev, cur in zip(self.scenes, self.scenes[1:], strict=False):
            if self.overlap_s(cur) >= min(prev.duration_s, cur.duration_s):
                raise ValueError(
                    f"scene {cur.id}: transition_s {cur.transition_s} must be shorter than both neighbouring "
                    "scenes"
                )
        return self

    # -- timeline -------------------------------------------------------------------------------------
    @staticmethod
    def overlap_s(scene: Scene) -> float:
        """Seconds this scene overlaps the previous one (0 for a cut; the rule is `timing.overlap_s`)."""
        return timing.overlap_s(scene.transition_s, cut=scene.transition_in is Transition.cut)

    def timeline(self) -> list[TimelineEntry]:
        """Where each scene sits in the finished movie, in seconds (transitions overlap neighbours;
        the arithmetic is `timing.scene_spans`)."""
        durations = [s.duration_s for s in self.scenes]
        spans = timing.scene_spans(durations, [self.overlap_s(s) for s in self.scenes])
        return [
            TimelineEntry(scene_id=s.id, index=i, start_s=start, end_s=end)
            for i, (s, (start, end)) in enumerate(zip(self.scenes, spans, strict=True))
        ]

    def total_duration_s(self) -> float:
        return self.timeline()[-1].end_s

    def character(self, char_id: str) -> Character:
        for c in self.characters:
            if c.id == char_id:
                return c
        raise KeyError(char_id)

    def scene(self, scene_id: str) -> Scene:
        for s in self.scenes:
            if s.id == scene_id:
                return s
        raise InputError(f"no scene {scene_id!r}; scenes are {', '.join(s.id for s in self.scenes)}")

    # -- io -------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str = "script.json") -> Movie:
        """Parse and validate; a schema violation becomes one InputError line naming the field."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{source}: {first_error(exc)}") from exc


@dataclass(frozen=True)
class TimelineEntry:
    scene_id: str
    index: int
    start_s: float
    end_s: float


def first_error(exc: ValidationError) -> str:
    """The first validation error as one line: 'scenes.2.duration_s: Input should be ... (got 99)'."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(root)"
    got = err.get("input")
    got_s = "" if isinstance(got, dict | list) else f" (got {str(got)[:60]!r})"
    return f"{loc}: {err['msg']}{got_s}" + (
        f" [+{len(exc.errors()) - 1} more]" if len(exc.errors()) > 1 else ""
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema writers are asked to follow (also `moviefactory schema`)."""
    return Movie.model_json_schema()
