"""Reading requests as a person would (moviefactory.language): a real parse of tricky sentences."""

from __future__ import annotations

import pytest

from moviefactory import language as L


def nouns(r: L.Reading, role: str | None = None) -> list[str]:
    return [e.noun for e in r.entities if role is None or e.role == role]


def event(r: L.Reading, core: str) -> L.Event:
    return next(e for e in r.events if e.core == core or e.verb == core)


# (request, subjects that act, (core verb, its doers, what it is done to), place heads, times, weathers)
CASES: list[tuple[str, set[str], tuple[str, tuple[str, ...], tuple[str, ...]], set[str], set[str], set[str]]] = [
    ("a detective chases a thief across rooftops in the rain", {"detective"},
     ("chase", ("detective",), ("thief",)), {"rooftop"}, set(), {"rain"}),
    ("a haunted doll moves by itself in an empty house during a thunderstorm", {"doll"},
     ("move", ("doll",), ()), {"house"}, set(), {"storm"}),
    ("a clumsy penguin tries to learn to fly at the south pole", {"penguin"},
     ("fly", ("penguin",), ()), {"pole"}, set(), set()),
    ("a ballerina dances alone on an empty stage under a spotlight", {"ballerina"},
     ("dance", ("ballerina",), ()), {"stage"}, set(), set()),
    ("a lighthouse keeper rescues a drowning sailor during a storm", {"lighthouse keeper"},
     ("rescue", ("lighthouse keeper",), ("sailor",)), set(), set(), {"storm"}),
    ("a kid builds a sandcastle that the tide washes away", {"kid", "tide"},
     ("wash away", ("tide",), ("sandcastle",)), set(), set(), set()),
    ("a conductor who drives a steam train through a snowy night", {"conductor"},
     ("drive", ("conductor",), ("steam train",)), set(), {"night"}, {"snow"}),
    ("a grandmother teaches her grandson to bake bread in a cozy farmhouse kitchen on a winter morning",
     {"grandmother"}, ("bake", ("grandmother",), ("bread",)), {"kitchen"}, {"sunrise"}, set()),
    ("a fox steals eggs from a henhouse and a farmer chases it through a cornfield", {"fox", "farmer"},
     ("chase", ("farmer",), ("fox",)), {"cornfield"}, set(), set()),
    ("a tiny mouse saves a lion caught in a hunter's net in the savanna", {"mouse"},
     ("save", ("mouse",), ("lion",)), {"savanna"}, set(), set()),
    ("a little girl loses her red balloon at a crowded summer fair", {"girl"},
     ("lose", ("girl",), ("balloon",)), {"fair"}, set(), set()),
    ("a dragon and a knight become friends in a snowy mountain village", {"dragon", "knight"},
     ("become", ("dragon", "knight"), ()), {"village"}, set(), {"snow"}),
    ("two robots fall in love in an abandoned factory", {"robot"},
     ("fall in love", ("robot",), ()), {"factory"}, set(), set()),
    ("a samurai duels a ninja in a bamboo forest at night", {"samurai"},
     ("duel", ("samurai",), ("ninja",)), {"forest"}, {"night"}, set()),
    ("a firefighter carries a child out of a burning building at night", {"firefighter"},
     ("carry", ("firefighter",), ("child",)), set(), {"night"}, set()),
    ("an old fisherman catches a giant fish from his rowboat on a calm lake at dawn", {"fisherman"},
     ("catch", ("fisherman",), ("fish",)), {"lake"}, {"dawn"}, set()),
    ("pirates search for buried treasure on a tropical island", {"pirate"},
     ("search", ("pirate",), ()), {"island"}, set(), set()),
    ("a hot air balloon drifts over a desert at sunrise", {"hot air balloon"},
     ("drift", ("hot air balloon",), ()), {"desert"}, {"sunrise"}, set()),
    ("a boy and his dog play fetch, then a storm comes and they hide in a barn", {"boy", "dog"},
     ("hide", ("boy", "dog"), ()), {"barn"}, set(), {"storm"}),
    ("a basketball team wins the championship with a last-second shot in a packed stadium",
     {"basketball team"}, ("win", ("basketball team",), ("championship",)), {"stadium"}, set(), set()),
    ("an astronaut repairs a satellite while a storm of space debris approaches", {"astronaut"},
     ("repair", ("astronaut",), ("satellite",)), set(), set(), {"storm"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "agents", "ev", "places", "times", "weathers"), CASES, ids=[c[0][:40] for c in CASES]
)
def test_parses_tricky_sentences(
    text: str,
    agents: set[str],
    ev: tuple[str, tuple[str, ...], tuple[str, ...]],
    places: set[str],
    times: set[str],
    weathers: set[str],
) -> None:
    r = L.analyse(text)
    assert r.english
    assert agents <= set(nouns(r, "agent")), nouns(r)
    core, doers, done_to = ev
    e = event(r, core)
    assert set(doers) <= set(e.agents) and set(done_to) <= set(e.patients), e
    place_nouns = {x.head for x in r.entities if x.prep in L.LOCATIVE}
    assert places <= place_nouns, place_nouns
    assert set(r.times) == times and set(r.weathers) == weathers
    verbs = {v.core for v in r.events} | {v.verb for v in r.events}
    assert not ({n.split()[-1] for n in nouns(r)} & (verbs - {"race"})), "a verb was read as a thing"


def test_a_list_of_six_keeps_every_member_in_order() -> None:
    r = L.analyse(
        "a wizard, an elf, a dwarf, a hobbit, a troll and a talking horse search for a lost golden crown"
    )
    assert nouns(r)[:6] == ["wizard", "elf", "dwarf", "hobbit", "troll", "horse"]
    e = event(r, "search")
    assert set(e.agents) >= {"wizard", "hobbit", "troll", "horse"}
    assert any(t == "for a lost golden crown" for t, _ in e.extras)


def test_possessive_makes_the_owned_the_subject_and_the_owner_a_mention() -> None:
    r = L.analyse("a lighthouse keeper's dog waits for a fishing boat returning through fog at dusk")
    dog = r.entity("dog")
    assert dog is not None and dog.role == "agent" and dog.owner == "lighthouse keeper"
    assert event(r, "wait").agents == ("dog",)
    assert event(r, "return").agents == ("fishing boat",)
    assert r.times == ("dusk",) and r.weathers == ("fog",)


def test_clauses_keep_the_order_written() -> None:
    r = L.analyse("a kid builds a sandcastle that the tide washes away")
    assert [e.core for e in r.events] == ["build", "wash away"]
    assert "washes away" in r.events[1].text


def test_a_quoted_title_and_the_movie_frame_are_set_apart() -> None:
    r = L.analyse('a movie called "The Last Train" about a conductor who drives a steam train')
    assert r.title == "The Last Train" and r.body.startswith("a conductor")
    assert "movie" not in nouns(r)


def test_colour_count_and_modifiers() -> None:
    r = L.analyse("a woman in a neon-green jacket and two clumsy robots skate through a neon city")
    jacket = r.entity("jacket")
    assert jacket is not None and jacket.colour == "neon green"
    robots = r.entity("robot")
    assert robots is not None and robots.count == 2 and "clumsy" in robots.modifiers


def test_a_noun_names_the_event_when_there_is_no_verb() -> None:
    r = L.analyse("a race between a car and an airplane")
    (e,) = r.events
    assert e.noun_event and e.verb == "race" and set(e.agents) == {"car", "airplane"}
    assert set(nouns(r)) == {"car", "airplane"}  # the race is what happens, not who


def test_seasons_walk_and_other_languages_are_not_guessed() -> None:
    assert L.analyse("a bee visits flowers in a garden through the four seasons").seasons == L.SEASONS
    for text in ("un vieux chat noir explore une bibliothèque abandonnée", "一只熊猫在竹林里吃竹子"):
        r = L.analyse(text)
        assert not r.english and r.entities == () and r.events == ()
    assert L.analyse("a Cessna races a Porsche").english  # names are not foreign words


def test_inflection_helpers() -> None:
    assert L.inflect_verb("wash away", "VBZ") == "washes away"
    assert L.inflect_verb("carry", "VBZ") == "carries"
    assert L.plural("robot") == "robots" and L.article("old fisherman") == "an old fisherman"
