"""The animatic draws what the words say: the prompt is the source (picture/animatic/design.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from moviefactory.picture.animatic.backend import AnimaticBackend
from moviefactory.picture.animatic.design import design_scene, person_build, story_words
from moviefactory.picture.animatic.render import plan_scene, render_frames
from moviefactory.picture.animatic.sets import SETS
from moviefactory.picture.animatic.shapes import KINDS, rasterise
from moviefactory.spec import Movie

W, H, FPS = 128, 56, 8


def movie(prompt: str, *, chars: list[dict[str, Any]] | None = None, **scene: Any) -> Movie:
    return Movie.model_validate(
        {
            "request": prompt,
            "title": "T",
            "style": {"width": W, "height": H, "fps": FPS},
            "characters": chars or [],
            "scenes": [{"id": "s01", "prompt": prompt, "duration_s": 1.0, "transition_in": "cut", **scene}],
        }
    )


def frames(m: Movie) -> np.ndarray:
    d = design_scene(m, m.scenes[0])
    return np.stack(list(render_frames(plan_scene(m, m.scenes[0], design=d, grain=0.0))))


def drawn_as(m: Movie) -> set[str]:
    return {e.drawn_as for e in design_scene(m, m.scenes[0]).elements}


def test_the_camera_words_are_not_story_words() -> None:
    p = "Wide shot: the lighthouse keeper rescues the sailor by the sea, at night, camera panning left, cinematic, 4K"
    assert story_words(p) == "the lighthouse keeper rescues the sailor by the sea, at night"


def test_an_edited_prompt_changes_the_picture_and_wins_over_the_fields() -> None:
    before = movie("a dog runs through a sunny forest", time_of_day="day", weather="clear", setting="forest")
    edited = movie(
        "a storm breaks over the lighthouse at night, huge waves, lightning",
        time_of_day="day",
        weather="clear",
        setting="forest",
    )
    d = design_scene(edited, edited.scenes[0])
    assert d.set_name in ("sea", "coast") and d.time_of_day == "night" and d.weather == "storm"
    assert any("prompt says" in n for n in d.notes)  # the disagreement with the fields is reported
    assert any(e.drawn_as.endswith("lighthouse") for e in d.elements)
    a, b = frames(before), frames(edited)
    assert a.shape == b.shape and np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() > 20
    assert b.mean() < a.mean()  # night and storm are darker than a sunny day


def test_nouns_become_figures_and_icons_by_name() -> None:
    m = movie("a farmer chases a fox through a cornfield with a lantern")
    got = drawn_as(m)
    assert "fluent-emoji-flat:farmer" in got and "fluent-emoji-flat:fox" in got
    assert any(x.endswith("lantern") for x in got)
    assert "set:farm" in got or any(x.startswith("set:corn") for x in got)
    people = movie("a lighthouse keeper pulls a drowning sailor out of the sea")
    d = design_scene(people, people.scenes[0])
    keeper = next(f for f in d.figures if "keeper" in f.key)
    sailor = next(f for f in d.figures if "sailor" in f.key)
    assert keeper.kind == "person" and sailor.kind == "person" and sailor.place == "water"


def test_what_cannot_be_drawn_is_reported_not_replaced() -> None:
    m = movie("a dog and a qwxzv play with a zzkrat in a meadow")
    d = design_scene(m, m.scenes[0])
    assert {"qwxzv", "zzkrat"} <= set(d.unmatched)
    assert {e.drawn_as for e in d.elements if e.role in ("subject", "prop")} == {"animatic:dog"}
    foreign = movie("un vieux chat noir explore une bibliothèque abandonnée")
    fd = design_scene(foreign, foreign.scenes[0])
    assert fd.set_name == "library" and fd.unmatched and any("not English" in n for n in fd.notes)


@pytest.mark.parametrize(
    ("prompt", "kind"),
    [
        ("a chef cooks a feast in a castle kitchen during a thunderstorm", "interior"),
        ("an astronaut repairs a satellite in orbit during a rainstorm", "orbit"),
    ],
)
def test_no_rain_indoors_or_in_space(prompt: str, kind: str) -> None:
    m = movie(prompt)
    d = design_scene(m, m.scenes[0])
    assert SETS[d.set_name].kind == kind
    effects = {e.drawn_as for e in d.elements if e.role == "effect"}
    assert not effects & {"effect:rain", "effect:snow", "effect:clouds"}


def test_drawn_json_lists_what_the_frame_shows_and_credits_each_icon(tmp_path: Path) -> None:
    m = movie("a farmer carries a lantern to a lighthouse by the sea")
    b = AnimaticBackend()
    b.prepare(m)
    scene_dir = tmp_path / "movie" / "scenes" / "s01"
    clip = b.render(m, m.scenes[0], scene_dir / "clip.mp4")
    drawn = json.loads((scene_dir / "drawn.json").read_text())
    d = b.designs["s01"]
    figures = [e for e in drawn["elements"] if e["role"] in ("subject", "prop")]
    assert len(figures) == len(d.figures) >= 2
    # every figure is in the frame: each one's own mask is non-empty in the middle frame
    plan = plan_scene(m, m.scenes[0], design=d, grain=0.0)
    _, mask = list(render_frames(plan, with_mask=True))[clip.num_frames // 2]
    assert (mask > 0).mean() > 0.01
    icons = [
        e["drawn_as"]
        for e in drawn["elements"]
        if e["drawn_as"].split(":")[0] in ("game-icons", "fluent-emoji-flat")
    ]
    credits = json.loads((tmp_path / "movie" / "credits.json").read_text())["icons"]
    assert icons and {f"{c['set']}:{c['name']}" for c in credits} >= set(icons)
    assert all(c["license"] for c in credits)
    assert "Icon credits" in (tmp_path / "movie" / "CREDITS.txt").read_text()


def test_same_words_same_design_and_frames() -> None:
    m = movie("a samurai duels a ninja in a bamboo forest at night")
    assert design_scene(m, m.scenes[0]) == design_scene(m, m.scenes[0])
    assert np.array_equal(frames(m), frames(m))


@pytest.mark.parametrize(
    ("words", "build"),
    [
        ("grandmother", "old-woman"),
        ("grandson", "boy"),
        ("kid", "child"),
        ("little girl", "girl"),
        ("old woman", "old-woman"),
        ("sailor", None),
        ("conductor", None),
    ],
)
def test_a_person_is_drawn_with_the_build_the_words_say(words: str, build: str | None) -> None:
    assert person_build(words) == build


def test_people_builds_are_distinct_figures() -> None:
    # a child is shorter than an adult beside it; an old woman's silhouette is not the plain figure's
    m = movie("a grandmother walks with her grandson in a meadow")
    d = design_scene(m, m.scenes[0])
    assert {f.kind for f in d.figures} == {"old-woman", "boy"}
    assert {"animatic:old-woman", "animatic:boy"} <= drawn_as(m)
    plain = rasterise("person", (90, 90, 200), 96, 2, 4, False).rgba[..., 3] > 128
    old = rasterise("old-woman", (90, 90, 200), 96, 2, 4, False).rgba[..., 3] > 128
    assert plain.shape != old.shape or (plain != old).mean() > 0.02
    assert KINDS["boy"].scale < KINDS["old-woman"].scale


def test_a_role_is_shown_by_what_the_figure_carries_and_only_then_named() -> None:
    m = movie("a samurai walks through a bamboo forest")
    d = design_scene(m, m.scenes[0])
    samurai = next(f for f in d.figures if "samurai" in f.key)
    assert samurai.kind in ("person", "man") and samurai.held == ("game-icons", "samurai-helmet")
    got = drawn_as(m)
    assert any(x.startswith("animatic:") and x.endswith("-samurai") for x in got)
    assert "game-icons:samurai-helmet" in got  # the carried icon is listed (and so credited)
    # the helmet is on screen: frames with it differ from the same plan without it, near the figure
    plan = plan_scene(m, m.scenes[0], design=d, grain=0.0)
    bare = replace(plan, subjects=tuple(replace(s, held=None) for s in plan.subjects))
    a = next(iter(render_frames(plan)))
    b = next(iter(render_frames(bare)))
    assert np.abs(a.astype(np.int16) - b.astype(np.int16)).max() > 60
    # a sailor has nothing that marks the role: a plain figure, not named a sailor
    s = movie("a sailor walks along the coast")
    assert "animatic:person" in drawn_as(s) and not any(x.endswith("-sailor") for x in drawn_as(s))


def test_a_team_is_several_people_with_what_the_team_plays() -> None:
    m = movie("a basketball team celebrates in a packed stadium")
    d = design_scene(m, m.scenes[0])
    team = next(f for f in d.figures if "team" in f.key)
    assert (
        team.count == 3 and team.kind == "person" and team.held is not None and "basketball" in team.held[1]
    )
    assert "animatic:person-team" in drawn_as(m)


@pytest.mark.parametrize(
    ("prompt", "set_name", "mark"),
    [
        ("a volcano erupts near a small island village", "island", "village"),
        ("a chef cooks in a medieval castle kitchen", "kitchen", "castle"),
        ("a dog waits on a rocky coastline by the lighthouse", "coast", "lighthouse"),
    ],
)
def test_what_the_place_names_beyond_the_set_is_drawn(prompt: str, set_name: str, mark: str) -> None:
    m = movie(prompt)
    d = design_scene(m, m.scenes[0])
    assert d.set_name == set_name and mark in {w for w, _ in d.landmarks}
    assert any(e.role == "set" and e.text == mark for e in d.elements)  # drawn.json says so
    plan = plan_scene(m, m.scenes[0], design=d, grain=0.0)
    a = next(iter(render_frames(plan)))
    b = next(iter(render_frames(replace(plan, landmarks=()))))
    assert np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() > 0.5


def test_under_the_sky_is_not_the_place_and_the_weather_does_not_move_the_subject() -> None:
    m = movie("Wide shot: the team scores with a last-second shot in the packed stadium, under a clear sky")
    assert design_scene(m, m.scenes[0]).set_name == "stadium"
    snow = movie("the boy inside the cozy kitchen, as snow falls past the windows")
    assert design_scene(snow, snow.scenes[0]).motion != "falling"
    # the parser pairs "snow" with the grandson as the doers of "falls": the weather still moves no one
    paired = movie(
        "the grandson watching as the grandmother bakes bread in the kitchen, as snow falls past the windows"
    )
    assert design_scene(paired, paired.scenes[0]).motion != "falling"


@pytest.mark.parametrize(
    ("prompt", "set_name", "drawn"),
    [
        ("un vieux chat noir explore une bibliothèque abandonnée pendant la nuit", "library", "animatic:cat"),
        ("一只熊猫在竹林里吃竹子，然后在雨中睡着了", "bamboo-forest", "fluent-emoji-flat:panda"),
        ("un perro persigue a un gato", "", "animatic:dog"),
    ],
)
def test_another_language_is_drawn_from_its_emoji_names(prompt: str, set_name: str, drawn: str) -> None:
    m = movie(prompt)
    d = design_scene(m, m.scenes[0])
    assert drawn in drawn_as(m) and (not set_name or d.set_name == set_name)
    assert any("not English" in n and "=" in n for n in d.notes)  # what was read is said


def test_a_black_cat_in_french_is_black() -> None:
    m = movie("un chat noir dort")
    cat = next(f for f in design_scene(m, m.scenes[0]).figures if f.kind == "cat")
    assert max(cat.color) < 80


@pytest.mark.parametrize(
    ("prompt", "doer", "thing"),
    [
        ("a boy plays the guitar on the stage", "boy", "guitar"),
        ("the dog carries a stick across the meadow", "dog", "stick"),
    ],
)
def test_what_is_carried_is_in_the_doers_hands(prompt: str, doer: str, thing: str) -> None:
    m = movie(prompt)
    d = design_scene(m, m.scenes[0])
    holder = next(f for f in d.figures if f.kind == doer)
    assert holder.held is not None and thing in holder.held[1]
    assert not any(f.icon == holder.held for f in d.figures)  # held, not also standing apart
    assert any(
        e.drawn_as == f"{holder.held[0]}:{holder.held[1]}" for e in d.elements
    )  # and listed (credited)


def test_the_set_is_not_drawn_again_but_what_names_it_is() -> None:
    # spaCy reads this verbless shot as "bamboo" (in) + "forest": the forest is the set's own name
    forest = movie("Extreme wide establishing shot: the samurai and the ninja in the bamboo forest, at night")
    assert not any(
        e.role == "prop" and "forest" in e.text for e in design_scene(forest, forest.scenes[0]).elements
    )
    beach = movie("a kid builds a sandcastle on a sandy beach")  # "sandcastle" finds the beach; still drawn
    d = design_scene(beach, beach.scenes[0])
    assert d.set_name == "beach" and any(e.drawn_as.endswith("sand-castle") for e in d.elements)


def test_what_carries_the_subject_is_drawn_but_a_path_is_not() -> None:
    broom = movie("a witch flies on a broom under the stars")
    assert any(e.drawn_as.endswith("broom") for e in design_scene(broom, broom.scenes[0]).elements)
    snow = movie("the boy inside the cozy kitchen, as snow falls past the windows")
    assert not any(
        "window" in e.text for e in design_scene(snow, snow.scenes[0]).elements if e.role == "prop"
    )
