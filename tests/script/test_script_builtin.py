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
        assert s.sound and s.subtitle and s.action
        assert 1.5 <= s.duration_s <= 3.0
        assert 0 <= s.seed < 2**32
    assert movie.tone.music_query and movie.title and movie.logline
    for c in movie.characters:
        assert c.color == "" or (c.color.startswith("#") and len(c.color) == 7)


def prompts(movie: Movie) -> str:
    return " ".join(s.prompt for s in movie.scenes).lower()


def test_race_follows_the_papers_arc(race: Movie) -> None:
    check_grammar(race)
    assert race.writer == "builtin" and race.request == RACE and race.style == Style()
    assert len(race.scenes) == 10
    kinds = {c.kind: c.id for c in race.characters}
    assert set(kinds) == {"car", "airplane"}
    # each subject is introduced alone in a close shot within the first three scenes
    for cid in kinds.values():
        assert any(s.subjects == [cid] and s.shot.value in CLOSE for s in race.scenes[:3]), cid
    # the two race in one shot, and the story ends wide
    assert any(set(s.subjects) == set(kinds.values()) and "race" in s.prompt for s in race.scenes[3:-1])
    assert race.scenes[-1].shot.value in WIDE
    assert race.tone.mood.value == "triumphant" and race.tone.tempo.value == "fast"
    assert len({s.weather for s in race.scenes}) == 1  # nothing in the sentence asks for a change of weather
    assert any(s.narration for s in race.scenes)
    assert sum(s.transition_in.value == "crossfade" for s in race.scenes) >= 8
    assert [s.seed for s in race.scenes] == [scene_seed(0, i) for i in range(10)]
    # no colour was asked for, and the two are of different kinds: no invented colours
    assert all(c.color == "" for c in race.characters)
    car_sounds = [s.sound for s in race.scenes if s.subjects == [kinds["car"]]]
    assert car_sounds and all(any(w in snd for w in ("car", "tires", "engine")) for snd in car_sounds)


def test_brand_names_land_on_the_right_kinds(w: BuiltinWriter) -> None:
    movie = w.write("a Cessna races a Porsche", scenes=8, seed=3, style=Style())
    check_grammar(movie)
    by_kind = {c.kind: c for c in movie.characters}
    assert set(by_kind) == {"airplane", "car"}
    assert by_kind["airplane"].name == "Cessna" and by_kind["car"].name == "Porsche"
    assert "Cessna races the Porsche" in " ".join(s.prompt for s in movie.scenes)
    assert movie.tone.mood.value == "triumphant"  # "races" makes it a race


def test_whale_and_submarine_go_underwater(w: BuiltinWriter) -> None:
    movie = w.write("a whale and a submarine", scenes=6, seed=0, style=Style())
    check_grammar(movie)
    assert {c.kind for c in movie.characters} == {"whale", "submarine"}
    assert all("underwater" in s.setting or "underwater" in s.prompt for s in movie.scenes)
    assert all("sky" not in s.prompt for s in movie.scenes)  # no sky under water


def test_place_colour_time_and_weather_as_said(w: BuiltinWriter) -> None:
    movie = w.write("a red fox hunting in a snowy forest at dusk", scenes=6, seed=0, style=Style())
    check_grammar(movie)
    (fox,) = movie.characters
    assert fox.kind == "fox" and fox.name == "red fox" and fox.color == "#c8102e"
    assert all(s.setting == "the snowy forest" for s in movie.scenes)
    assert {s.time_of_day.value for s in movie.scenes} == {"dusk"}  # "at dusk" stays dusk
    assert all("at dusk" in s.prompt for s in movie.scenes)
    assert {s.weather.value for s in movie.scenes} == {"snow"}
    assert any("hunting" in s.prompt for s in movie.scenes)  # the user's own verb is used


def test_two_of_a_kind_keep_their_own_colours(w: BuiltinWriter) -> None:
    movie = w.write("a red car and a blue car", scenes=5, seed=0, style=Style())
    check_grammar(movie)
    assert [(c.id, c.name, c.color) for c in movie.characters] == [
        ("car", "red car", "#c8102e"),
        ("car-2", "blue car", "#1f5fbf"),
    ]


def test_two_alike_without_colours_are_told_apart(w: BuiltinWriter) -> None:
    movie = w.write("a knight duels another knight on a bridge", scenes=5, seed=0, style=Style())
    colors = [c.color for c in movie.characters if c.kind.endswith("knight")]
    assert len(colors) == 2 and all(colors) and colors[0] != colors[1]


def test_the_requests_own_event_is_the_turning_point(w: BuiltinWriter) -> None:
    cases = {
        "a little girl loses her red balloon at a crowded summer fair": ("loses", "float"),
        "a kid builds a sandcastle that the tide washes away": ("washes away", "washed away"),
        "a lighthouse keeper rescues a drowning sailor during a storm": ("rescues", "safe"),
        "a volcano erupts near a small island village": ("erupts", "lava"),
    }
    for text, (verb, consequence) in cases.items():
        movie = w.write(text, scenes=None, seed=0, style=Style())
        check_grammar(movie)
        staged = [i for i, s in enumerate(movie.scenes) if verb in s.prompt]
        assert staged, f"{text}: the event {verb!r} is never staged"
        after = [i for i, s in enumerate(movie.scenes) if consequence in s.prompt.lower()]
        assert after and max(after) > min(staged), f"{text}: no consequence after the event"
        assert not any(f in prompts(movie) for f in ("just another day", "small moments")), "filler"


def test_clauses_become_beats_in_order(w: BuiltinWriter) -> None:
    movie = w.write(
        "a boy and his dog play fetch, then a storm comes and they hide in a barn",
        scenes=10,
        seed=0,
        style=Style(),
    )
    check_grammar(movie)
    first = {
        v: min(i for i, s in enumerate(movie.scenes) if v in s.prompt) for v in ("play", "comes", "hide")
    }
    assert first["play"] < first["comes"] < first["hide"]
    assert {c.kind for c in movie.characters} >= {"boy", "dog"}


def test_places_inferred_from_the_nouns_and_no_sky_indoors(w: BuiltinWriter) -> None:
    beach = w.write("a kid builds a sandcastle", scenes=4, seed=0, style=Style())
    assert all("beach" in s.prompt for s in beach.scenes)
    kitchen = w.write(
        "a chef cooks a feast for a king in a castle kitchen during a thunderstorm",
        scenes=6,
        seed=0,
        style=Style(),
    )
    for s in kitchen.scenes:
        assert "kitchen" in s.prompt and "sky" not in s.prompt and "windows" in s.prompt
    space = w.write(
        "an astronaut repairs a satellite in orbit during a storm", scenes=4, seed=0, style=Style()
    )
    assert all(s.weather.value == "clear" and "rain" not in s.prompt for s in space.scenes)


def test_seasons_walk_through_in_order(w: BuiltinWriter) -> None:
    movie = w.write(
        "a bee visits flowers in a garden through the four seasons", scenes=8, seed=0, style=Style()
    )
    seen = [
        next((x for x in ("spring", "summer", "autumn", "winter") if f"in {x}" in s.prompt), "")
        for s in movie.scenes
    ]
    assert [x for x in dict.fromkeys(seen) if x] == ["spring", "summer", "autumn", "winter"]
    assert all(s.weather.value == "snow" for s, x in zip(movie.scenes, seen, strict=True) if x == "winter")
    assert all(s.weather.value != "snow" for s, x in zip(movie.scenes, seen, strict=True) if x == "spring")


def test_many_characters_and_no_verb_becomes_a_character(w: BuiltinWriter) -> None:
    text = "a wizard, an elf, a dwarf, a hobbit, a troll and a talking horse search for a lost golden crown"
    movie = w.write(text, scenes=12, seed=0, style=Style())
    check_grammar(movie)
    assert [c.kind for c in movie.characters][:6] == ["wizard", "elf", "dwarf", "hobbit", "troll", "horse"]
    assert "crown" in prompts(movie)
    for text in (
        "a penguin tries to learn to fly",
        "a car drives through a city",
        "an astronaut repairs a robot",
    ):
        names = {c.name.split()[-1] for c in w.write(text, scenes=5, seed=0, style=Style()).characters}
        assert not names & {"tries", "learn", "fly", "drives", "repairs"}, names


def test_agreement_and_a_title_that_names_the_request(w: BuiltinWriter) -> None:
    movie = w.write("two robots fall in love in an abandoned factory", scenes=6, seed=0, style=Style())
    text = " ".join(s.prompt for s in movie.scenes)
    assert "two robots fall in love" in text and "robots falls" not in text
    assert "Robot" in movie.title
    keeper = w.write(
        "a lighthouse keeper rescues a drowning sailor during a storm", scenes=6, seed=0, style=Style()
    )
    assert keeper.title == "The Keeper and the Sailor"


def test_words_not_used_are_listed(w: BuiltinWriter) -> None:
    w.write("a red car and a blue car", scenes=5, seed=0, style=Style())
    assert w.notices == []
    w.write("the sound of silence", scenes=3, seed=0, style=Style())
    assert not any("not used" in n for n in w.notices)
    w.write("un vieux chat noir explore une bibliothèque", scenes=3, seed=0, style=Style())
    assert any("reads only English" in n and "--writer llm" in n for n in w.notices)


def test_other_languages_are_kept_in_the_users_words(w: BuiltinWriter) -> None:
    text = "一只熊猫在竹林里吃竹子，然后在雨中睡着了"
    movie = w.write(text, scenes=4, seed=0, style=Style())
    check_grammar(movie)
    assert all(text in s.prompt for s in movie.scenes) and movie.characters == []


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
    if n >= 3:
        assert "race" in prompts(movie)  # the event survives short movies


def test_request_without_subjects(w: BuiltinWriter) -> None:
    movie = w.write("the sound of silence", scenes=4, seed=0, style=Style())
    check_grammar(movie)
    assert movie.characters == [] and all(s.subjects == [] for s in movie.scenes)
    assert "sound of silence" in prompts(movie)


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
        assert all(x.lower() in text.lower() for x in words.split()), (
            f"name {c.name!r} must be the user's words"
        )
        assert any(words in s.prompt for s in movie.scenes)
    lines = [s.subtitle for s in movie.scenes] + [movie.title, movie.logline]
    if (
        movie.characters
    ):  # subtitles quote the user's words unchanged (only a leading "the" may be capitalised)
        words = movie.characters[0].name.removeprefix("the ")
        assert any(words.lower() in line.lower() for line in lines)


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
