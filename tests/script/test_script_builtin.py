"""The offline writer: real MiniLM matching, real stories, valid scripts."""

from __future__ import annotations

import itertools

import pytest

from moviefactory.errors import InputError
from moviefactory.script import WRITERS
from moviefactory.script.builtin import BuiltinWriter, scene_seed
from moviefactory.spec import Movie, Style, TimeOfDay

RACE = "a race between a car and an airplane"
TOD_ORDER = list(TimeOfDay)
WIDE = {"wide", "extreme-wide"}
CLOSE = {"close-up", "medium-close-up", "extreme-close-up"}


@pytest.fixture(scope="module")
def w() -> BuiltinWriter:
    cls = WRITERS.get("builtin")
    from moviefactory.config import Settings

    writer = cls.from_settings(Settings())
    assert isinstance(writer, BuiltinWriter)
    return writer


@pytest.fixture(scope="module")
def race(w: BuiltinWriter) -> Movie:
    return w.write(RACE, scenes=None, seed=0, style=Style())


def check_grammar(movie: Movie) -> None:
    """Rules every builtin script keeps, whatever the request."""
    Movie.model_validate_json(movie.to_json())  # round-trips through script.json
    scenes = movie.scenes
    assert [s.id for s in scenes] == [f"s{i + 1:02d}" for i in range(len(scenes))]
    tods = [TOD_ORDER.index(s.time_of_day) for s in scenes]
    assert tods == sorted(tods), "time of day must only move forward"
    for prev, cur in itertools.pairwise(scenes):
        assert (prev.shot, prev.camera) != (cur.shot, cur.camera), f"{cur.id} repeats the previous framing"
    assert scenes[-1].shot.value in WIDE
    for s in scenes:
        assert "4K" in s.prompt and "high resolution" in s.prompt
        assert s.sound and s.subtitle and s.setting and s.action
        assert 1.5 <= s.duration_s <= 3.0
        assert 0 <= s.seed < 2**32
    assert movie.tone.music_query and movie.title and movie.logline
    for c in movie.characters:
        assert c.color.startswith("#") and len(c.color) == 7


def test_race_follows_the_papers_arc(race: Movie) -> None:
    check_grammar(race)
    assert race.writer == "builtin" and race.request == RACE and race.style == Style()
    assert len(race.scenes) == 10
    kinds = {c.kind: c.id for c in race.characters}
    assert set(kinds) == {"car", "airplane"}
    # each subject is introduced alone in a close-up within the first three scenes
    for cid in kinds.values():
        assert any(s.subjects == [cid] and s.shot.value == "close-up" for s in race.scenes[:3]), cid
    # the two meet in one shot, and the story ends wide
    assert any(set(s.subjects) == set(kinds.values()) for s in race.scenes[3:-1])
    assert race.scenes[-1].shot.value in WIDE
    assert race.tone.mood.value == "triumphant" and race.tone.tempo.value == "fast"
    assert len({s.weather for s in race.scenes}) == 1  # nothing in the sentence asks for a change of weather
    assert any(s.narration for s in race.scenes)
    assert sum(s.transition_in.value == "crossfade" for s in race.scenes) >= 8
    assert [s.seed for s in race.scenes] == [scene_seed(0, i) for i in range(10)]
    # concrete, subject-specific sound queries
    car_sounds = [s.sound for s in race.scenes if s.subjects == [kinds["car"]]]
    assert car_sounds and all(any(w in snd for w in ("car", "tires", "engine")) for snd in car_sounds)


def test_unseen_words_land_on_the_right_kinds(w: BuiltinWriter) -> None:
    movie = w.write("a Cessna races a Porsche", scenes=8, seed=3, style=Style())
    check_grammar(movie)
    by_kind = {c.kind: c for c in movie.characters}
    assert set(by_kind) == {"airplane", "car"}
    assert "Cessna" in by_kind["airplane"].name and "Porsche" in by_kind["car"].name
    assert any("Cessna" in s.prompt for s in movie.scenes) and any(
        "Porsche" in s.prompt for s in movie.scenes
    )
    assert movie.tone.mood.value == "triumphant"  # "races" makes it a race


def test_whale_and_submarine_go_underwater(w: BuiltinWriter) -> None:
    movie = w.write("a whale and a submarine", scenes=6, seed=0, style=Style())
    check_grammar(movie)
    assert {c.kind for c in movie.characters} == {"whale", "submarine"}
    assert all("underwater" in s.setting or "underwater" in s.prompt for s in movie.scenes)


def test_setting_colour_time_and_weather_from_the_text(w: BuiltinWriter) -> None:
    movie = w.write("a red fox hunting in a snowy forest at night", scenes=6, seed=0, style=Style())
    check_grammar(movie)
    (fox,) = movie.characters
    assert fox.kind == "fox" and fox.name == "the red fox" and fox.color == "#c8102e"
    assert all(s.setting == "snowy forest" for s in movie.scenes)
    assert {s.time_of_day.value for s in movie.scenes} == {"night"}
    assert {s.weather.value for s in movie.scenes} == {"snow"}
    assert any("hunting" in s.prompt for s in movie.scenes)  # the user's own verb is used


def test_two_of_a_kind_keep_their_own_colours(w: BuiltinWriter) -> None:
    movie = w.write("a red car and a blue car", scenes=5, seed=0, style=Style())
    check_grammar(movie)
    assert [(c.id, c.color) for c in movie.characters] == [("car", "#c8102e"), ("car-2", "#1f5fbf")]


def test_same_seed_same_script_other_seed_other_script(w: BuiltinWriter, race: Movie) -> None:
    again = w.write(RACE, scenes=None, seed=0, style=Style())
    assert again.to_json() == race.to_json()
    others = [w.write(RACE, scenes=None, seed=s, style=Style()) for s in (1, 2)]
    for other in others:
        check_grammar(other)
        assert other.to_json() != race.to_json()
        assert [s.prompt for s in other.scenes] != [s.prompt for s in race.scenes]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 17, 60])
def test_scene_count_is_honoured(w: BuiltinWriter, n: int) -> None:
    movie = w.write(RACE, scenes=n, seed=n, style=Style.for_aspect("9:16"))
    assert len(movie.scenes) == n
    check_grammar(movie)
    assert movie.style == Style.for_aspect("9:16")


def test_request_without_subjects(w: BuiltinWriter) -> None:
    movie = w.write("the sound of silence", scenes=4, seed=0, style=Style())
    check_grammar(movie)
    assert movie.characters == [] and all(s.subjects == [] for s in movie.scenes)


HOSTILE = [
    'a "fast" car: [red] {a} {b} {place} \\ 100% %s %d -- and a plane!!! 🚗✈️',
    "a robot's <script>alert(1)</script> & a dog; DROP TABLE movies;",
    "سيارة حمراء تتسابق مع طائرة",
    "מכונית אדומה מתחרה במטוס",
    "a dragon 🐉 and a knight ⚔️ in a castle\u200f at dawn\n\twith tabs",
    "🚗🚗🚗",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_gives_valid_scripts_with_the_users_characters_intact(
    w: BuiltinWriter, text: str
) -> None:
    movie = w.write(text, scenes=6, seed=0, style=Style())
    check_grammar(movie)
    assert movie.request == text.strip()
    for c in movie.characters:
        words = c.name.removeprefix("the ").removeprefix("my ")
        assert words in text, f"name {c.name!r} must be the user's own words"
        assert any(words in s.prompt for s in movie.scenes)
    lines = [s.subtitle for s in movie.scenes] + [movie.title, movie.logline]
    if (
        movie.characters
    ):  # subtitles quote the user's words unchanged (only a leading "the" may be capitalised)
        words = movie.characters[0].name.removeprefix("the ")
        assert any(words in line for line in lines)


def test_quoted_title_is_kept_exactly(w: BuiltinWriter) -> None:
    title = "Ünï: [x] \\ 100% {a} 🚗 שלום سيارة"
    movie = w.write(f'a movie called "{title}" about a red car', scenes=4, seed=0, style=Style())
    check_grammar(movie)
    assert movie.title == title
    assert [c.kind for c in movie.characters] == ["car"]


@pytest.mark.parametrize("bad", ["", "   \n\t ", "a car\x00", "a car\x1b[31m", "x" * 4001])
def test_bad_requests_raise_input_error(w: BuiltinWriter, bad: str) -> None:
    with pytest.raises(InputError):
        w.write(bad, scenes=3, seed=0, style=Style())


@pytest.mark.parametrize("n", [0, 61])
def test_bad_scene_counts_raise_input_error(w: BuiltinWriter, n: int) -> None:
    with pytest.raises(InputError, match="scenes"):
        w.write(RACE, scenes=n, seed=0, style=Style())
