"""Dressing the beats as scenes: the place, the time as said (no drift), seasons in order, weather that fits
the place (no sky indoors), shot and camera (never the same pair twice in a row), a sound line from what the
scene shows, subtitle and narration; then the title, logline, tone and characters of the movie.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from moviefactory import language as L
from moviefactory.script import tables as T
from moviefactory.script.builtin.chunking import Cast, Nouns, Place, describe, kind_word
from moviefactory.script.builtin.lexicon import INDOOR_WEATHER, WEATHER_NOUN, cap, clip
from moviefactory.script.builtin.matching import tables
from moviefactory.script.builtin.story import Beat, event_text
from moviefactory.spec import Character, Movie, Scene, Style, Tone


def scene_seed(seed: int, index: int) -> int:
    """A scene's seed, 0..2**32-1, from the movie seed and the scene's position."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{index}".encode()).digest()[:4], "big")


@dataclass
class _Story:
    """What every scene of one movie is dressed from."""

    r: L.Reading
    nouns: Nouns
    places: list[Place]
    genre: T.Genre
    n: int  # scenes
    seed: int  # the movie's seed (scene seeds derive from it)
    style: Style
    rng: random.Random  # the writer's one generator: choices are drawn in scene order


@dataclass
class _Shot:
    """One scene's circumstances: where, when, weather and framing."""

    place: Place | None
    tod: str  # spec.TimeOfDay value
    season: str  # "" or one of language.SEASONS
    weather: str  # spec.Weather value
    shot: str
    camera: str


def dress(
    r: L.Reading,
    nouns: Nouns,
    places: list[Place],
    beats: list[Beat],
    genre: T.Genre,
    seed: int,
    style: Style,
    rng: random.Random,
    writer: str,
) -> Movie:
    """The movie: one scene per beat (len(beats) == n), then the sound lines, title, logline and tone."""
    story = _Story(r, nouns, places, genre, len(beats), seed, style, rng)
    tods = _times(r, genre, story.n, rng)
    seasons = (
        _spread(list(r.seasons), story.n)
        if len(r.seasons) > 1
        else [r.seasons[0] if r.seasons else ""] * story.n
    )
    out: list[Scene] = []
    prev = ("", "")
    sound_jobs: list[tuple[list[str], str]] = []
    for i, beat in enumerate(beats):
        frame = _circumstances(story, i, beat, tods[i], seasons[i], prev)
        prev = (frame.shot, frame.camera)
        out.append(_scene(story, i, beat, frame))
        sound_jobs.append(_sound(beat, nouns.cast, frame.place, frame.weather))
    tab = tables()
    for scene, (candidates, query) in zip(out, sound_jobs, strict=True):
        scene.sound = clip(
            candidates[tab.closest(query, candidates)] if len(candidates) > 1 else candidates[0], 200
        )
    title = r.title or _title(r, nouns, places)
    logline = cap(_logline_core(r, nouns)) + (f", {places[0].phrase()}" if places else "") + "."
    characters = [
        Character(
            id=c.id,
            name=clip(c.name, 80),
            description=clip(describe(c), 300),
            kind=clip(kind_word(c), 40),
            color=c.color,
        )
        for c in nouns.cast
    ]
    return Movie(
        request=r.request,
        title=clip(title, 120),
        logline=clip(logline, 500),
        tone=Tone(mood=genre.mood, tempo=genre.tempo, music_query=rng.choice(genre.music)),  # type: ignore[arg-type]
        style=style,
        characters=characters,
        scenes=out,
        writer=writer,
    )


def _circumstances(story: _Story, i: int, beat: Beat, tod: str, season: str, prev: tuple[str, str]) -> _Shot:
    """Scene i's place (places walk in order), weather (none in space) and framing."""
    places = story.places
    place = places[min(len(places) - 1, i * len(places) // max(1, story.n))] if places else None
    weather = story.r.weathers[0] if story.r.weathers else ""
    w = weather or ("snow" if season == "winter" else "clear")
    if place is not None and place.space:
        w = "clear"  # no weather in space
    shot, camera = _framing(beat, story.nouns.cast, prev, story.rng, last=i == story.n - 1)
    return _Shot(place, tod, season, w, shot, camera)


def _scene(story: _Story, i: int, beat: Beat, s: _Shot) -> Scene:
    """One scene: the prompt ("Full shot: <what it shows> <where>, <season>, <time>, <sky>, <camera>, <look>"),
    subtitle and narration, duration and transition."""
    r, n, genre = story.r, story.n, story.genre
    core = beat.text
    where = s.place.phrase() if s.place is not None else ""
    time_bits = _when(r, s.tod)
    season_bit = f"in {s.season}" if s.season and s.season not in core else ""
    shot_phrase = cap(T.SHOT_PHRASE[s.shot].removesuffix(" of"))
    if beat.role == "establish":
        shot_phrase = shot_phrase.replace(" shot", " establishing shot")
    bits = (
        f"{shot_phrase}: {core} {where}".strip(),
        season_bit,
        time_bits,
        _sky(s.weather, s.place, r),
        T.CAMERA_PHRASE[s.camera],
        story.style.look,
    )
    prompt = ", ".join(p for p in bits if p)
    subtitle = cap(core) + "." if beat.role in ("action", "peak", "after", "intro") else ""
    narration = ""
    if i == 0 and n >= 3:
        narration = cap(f"{time_bits + ', ' if time_bits else ''}{where}, {_logline_core(r, story.nouns)}.")
    elif i == n - 1 and n >= 3 and beat.event is not None:
        narration = cap(event_text(beat.event, story.nouns, "after")) + "."
    duration = 2.0
    if beat.role == "establish":
        duration = story.rng.choice((2.5, 3.0))
    elif beat.role in ("peak", "resolution") and n > 1:
        duration = 3.0 if genre.tempo == "slow" else 2.5
    fade = genre.fades and beat.role == "peak" and n >= 5
    return Scene(
        id=f"s{i + 1:02d}",
        prompt=clip(prompt, 1000),
        duration_s=duration,
        shot=s.shot,  # type: ignore[arg-type]
        camera=s.camera,  # type: ignore[arg-type]
        subjects=list(dict.fromkeys(beat.who))[:8],
        setting=clip(s.place.text if s.place else "", 120),
        time_of_day=s.tod,  # type: ignore[arg-type]
        weather=s.weather,  # type: ignore[arg-type]
        action=clip(core, 120),
        narration=clip(narration, 500),
        subtitle=clip(narration or subtitle or cap(core) + ".", 300),
        transition_in="fade-black" if fade else "crossfade",  # type: ignore[arg-type]
        transition_s=0.8 if fade else 0.5,
        seed=scene_seed(story.seed, i),
    )


def _spread(items: list[str], n: int) -> list[str]:
    """n values walking through items in order (each gets a fair share of the scenes)."""
    return [items[min(len(items) - 1, i * len(items) // n)] for i in range(n)]


def _times(r: L.Reading, genre: T.Genre, n: int, rng: random.Random) -> list[str]:
    """As said, and kept (no drift); several times walk in the order written; none: the genre's path."""
    if r.times:
        return _spread(list(r.times), n) if len(r.times) > 1 else [r.times[0]] * n
    return _spread(list(rng.choice(genre.tod_paths)), n)


def _when(r: L.Reading, tod: str) -> str:
    """The time as the user said it ("at dusk", "on a winter morning"), else the time of day's own phrase."""
    for w in r.time_words:
        if L.TIME_WORDS.get(w.split()[-1]) == tod:
            day_part = w.split()[-1] in ("morning", "evening", "afternoon", "day")
            return f"{'on a' if ' ' in w else 'at'} {w}" if day_part else f"at {w}"
    return T.TOD_PHRASE[tod]


def _sky(weather: str, place: Place | None, r: L.Reading) -> str:
    """The weather phrase: through the windows indoors, none in space or underwater, else as said."""
    said = r.weather_words[0] if r.weather_words else ""
    if place is not None and place.indoor:
        return INDOOR_WEATHER.get(weather, "")
    if place is not None and (place.space or "underwater" in place.setting.tags):
        return ""
    if said and weather != "clear":
        noun = WEATHER_NOUN.get(said, said)
        return f"in the {noun}" if noun in ("rain", "snow", "fog", "mist", "wind") else f"during a {noun}"
    return T.WEATHER_PHRASE.get(weather, "")


# Per beat role: (shot sizes, camera moves); None = the moves that suit the first character in the frame.
_FRAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "establish": (("extreme-wide", "wide"), ("aerial", "pan-right", "pan-left", "dolly-in", "tilt-down")),
    "intro": (("close-up", "medium-close-up"), None),
    "setup": (("medium", "full", "wide"), None),
    "action": (("medium", "full", "wide", "medium-close-up"), None),
    "detail": (("close-up", "medium-close-up", "medium"), None),
    "moment": (("medium", "full", "wide", "close-up"), None),
    "peak": (("close-up", "medium-close-up"), None),  # a peak with several in the frame: _PEAK_TOGETHER
    "after": (("medium", "full"), ("dolly-out", "static", "pan-left")),
    "resolution": (("wide", "extreme-wide"), ("dolly-out", "zoom-out", "tilt-up", "aerial", "pan-left")),
}
_PEAK_TOGETHER = ("full", "medium", "close-up")


def _framing(
    beat: Beat, cast: list[Cast], prev: tuple[str, str], rng: random.Random, *, last: bool = False
) -> tuple[str, str]:
    """Shot size and camera move: wide to open and close, close-ups to introduce; never the same pair
    twice in a row."""
    first = next((c for c in cast if c.id in beat.who), None)
    moving = T.CLASSES[first.kind.cls].cameras if first else ("pan-right", "dolly-in", "static", "tilt-up")
    shots, own_cams = _FRAMES[beat.role]
    cams = moving if own_cams is None else own_cams
    if beat.role == "peak" and len(beat.who) > 1:
        shots = _PEAK_TOGETHER
    if last:  # the movie ends wide, whatever the beat
        shots = ("wide", "extreme-wide")
    shot = rng.choice(list(shots))
    cam_opts = [c for c in cams if (shot, c) != prev and c != prev[1]] or [
        c for c in cams if (shot, c) != prev
    ]
    return shot, rng.choice(cam_opts or list(cams))


def _sound(beat: Beat, cast: list[Cast], place: Place | None, weather: str) -> tuple[list[str], str]:
    """(candidate sound lines, what the scene shows): weather first where it is heard, then the place's
    ambience, then the characters' own sounds; the closest in meaning to the scene wins."""
    cands: list[str] = []
    if weather in T.WEATHER_SOUND:
        cands.append(T.WEATHER_SOUND[weather])
    if place is not None:
        cands.extend(place.setting.ambience)
    for c in cast:
        if c.id in beat.who:
            cands.extend(c.kind.sounds)
    if weather in ("storm", "rain") and place is not None and not place.indoor and cands:
        return [f"{T.WEATHER_SOUND[weather]}, {place.setting.ambience[0]}"], ""
    return (cands or ["quiet room tone"]), beat.text


def _logline_core(r: L.Reading, nouns: Nouns) -> str:
    """The first three events as written ("the keeper rescues the sailor; then ..."), else who is in it."""
    if r.events:
        return "; then ".join(event_text(e, nouns, "act") for e in r.events[:3])
    return nouns.everyone() if nouns.cast else r.body


def _title(r: L.Reading, nouns: Nouns, places: list[Place]) -> str:
    """A title that names the request: 'The Keeper and the Storm', 'The Girl and the Balloon'."""

    def t(word: str) -> str:
        return " ".join(x.capitalize() for x in word.split())

    heads = [c.entity.head for c in nouns.cast]
    weather_said = r.weather_words[0] if r.weather_words else ""
    second = heads[1] if len(heads) > 1 else (nouns.props[0].head if nouns.props else weather_said)
    if heads and second:
        if second in L.WEATHER_WORDS:  # "stormy" -> "Storm"; a weather word without a value stays ""
            second = L.WEATHER_WORDS.get(second, "") and second.rstrip("y")
        return f"The {t(heads[0])} and the {t(second)}"
    if heads:
        of = f" of {t(places[0].text.split()[-1])}" if places and places[0].named else ""
        return f"The {t(heads[0])}{of}"
    return cap(clip(r.body, 60))


# A request the parser cannot read: (shot, camera) for the first scene, four to cycle through, the last.
_VERBATIM_PLAN = (
    ("extreme-wide", "aerial"),
    ("wide", "pan-right"),
    ("medium", "dolly-in"),
    ("close-up", "static"),
    ("full", "tracking"),
    ("wide", "dolly-out"),
)


def verbatim(r: L.Reading, n: int, seed: int, style: Style, rng: random.Random, writer: str) -> Movie:
    """A request the parser cannot read, kept in the user's words: shots vary, the words stay."""
    genre = next(g for g in T.GENRES if g.name == "everyday life")
    plan = _VERBATIM_PLAN
    out = []
    for i in range(n):
        shot, cam = plan[0] if i == 0 else plan[-1] if i == n - 1 and n > 1 else plan[1 + (i - 1) % 4]
        prompt = f"{T.SHOT_PHRASE[shot]} {r.body}, {T.CAMERA_PHRASE[cam]}, {style.look}"
        out.append(
            Scene(
                id=f"s{i + 1:02d}",
                prompt=clip(prompt, 1000),
                shot=shot,  # type: ignore[arg-type]
                camera=cam,  # type: ignore[arg-type]
                setting="",
                action=clip(r.body, 120),
                sound="quiet ambience",
                subtitle=clip(r.body, 300),
                seed=scene_seed(seed, i),
            )
        )
    return Movie(
        request=r.request,
        title=clip(r.title or r.body, 120),
        logline=clip(r.body, 500),
        tone=Tone(mood=genre.mood, tempo=genre.tempo, music_query=rng.choice(genre.music)),  # type: ignore[arg-type]
        style=style,
        characters=[],
        scenes=out,
        writer=writer,
    )
