"""The request's nouns, sorted: characters (beings, vehicles, things that act), props (things shown) and the
places where the story happens (as said, or implied by the nouns: "a sandcastle" -> a beach).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from moviefactory import language as L
from moviefactory.script import tables as T
from moviefactory.script.builtin.lexicon import (
    MAX_CHARACTERS,
    PREP_FOR_BEING,
    ROOM_WORDS,
    SAYABLE_PREPS,
    SPACE_SETTINGS,
)
from moviefactory.script.builtin.matching import Tables, a_force_or_place


@dataclass
class Cast:
    """One character: the user's words, what it is, how it moves and sounds."""

    id: str
    entity: L.Entity
    kind: T.Kind
    color: str
    cat: str = "being"  # being | vehicle | thing (a thing that acts)

    @property
    def name(self) -> str:
        e = self.entity
        name = f"{L.number_word(e.count)} {L.plural(e.noun)}" if 1 < e.count < 10 else e.text
        return f"{e.owner}'s {name}" if e.owner else name

    def np(self) -> str:
        """'the lighthouse keeper', 'the two robots', 'the little girl'."""
        return f"the {self.name}"


@dataclass
class Place:
    text: str  # the user's words, or the inferred setting's noun phrase
    at: str  # preposition for being there
    indoor: bool
    space: bool
    setting: T.Setting  # the nearest known setting (ambience sounds, tags)
    named: bool

    def phrase(self) -> str:
        return f"{self.at} {self.text}"


@dataclass
class Nouns:
    """The request's entities by role: characters, props, and those that say where (place entities)."""

    cast: list[Cast]
    props: list[L.Entity]
    where: list[L.Entity]

    def names(self, nouns: tuple[str, ...]) -> str:
        """The characters with these nouns as one phrase: 'the keeper', 'the car and the airplane'."""
        who = [c.np() for c in self.cast if c.entity.noun in nouns]
        if not who:
            who = [f"the {n}" for n in nouns]
        return who[0] if len(who) == 1 else ", ".join(who[:-1]) + " and " + who[-1]

    def everyone(self) -> str:
        """Every character as one phrase ('' without characters)."""
        return self.names(tuple(c.entity.noun for c in self.cast)) if self.cast else ""

    def things(self, nouns: tuple[str, ...]) -> str:
        """What an event is done to, each noun as the character or prop it names: 'the red balloon'."""
        out = []
        for noun in nouns:
            c = next((c for c in self.cast if c.entity.noun == noun), None)
            p = next((p for p in self.props if p.noun == noun), None)
            out.append(c.np() if c else f"the {p.text}" if p else f"the {noun}")
        return " and ".join(out)


def sort_nouns(r: L.Reading, tab: Tables, rng: random.Random) -> Nouns:
    """Characters (beings, vehicles, and things that act), props (things shown, not acting) and the entities
    that say where ("in a kitchen", "at a crowded fair", "across rooftops")."""
    actors = {a for e in r.events for a in e.agents}
    cats = tab.categories([e.head for e in r.entities])  # the head decides: a lighthouse *keeper*
    nouns = Nouns([], [], [])
    for e, (cat, score) in zip(r.entities, cats, strict=True):
        locative = e.prep in L.LOCATIVE and e.prep not in ("for", "with", "from", "by")
        # where, unless it clearly is a thing or a being
        placey = cat == "place" or score["place"] >= max(score["thing"], score["being"]) - 0.04
        if locative and placey and e.noun not in actors:
            nouns.where.append(e)
        elif cat in ("being", "vehicle") or (e.noun in actors and not a_force_or_place(e.head, score)):
            if len(nouns.cast) < MAX_CHARACTERS and e.role != "owner":
                kind, _ = tab.best_kind(e.noun)
                cid = _ident(e.head, {c.id for c in nouns.cast})
                nouns.cast.append(Cast(id=cid, entity=e, kind=kind, color="", cat=cat))
            else:
                nouns.props.append(e)
        else:
            nouns.props.append(e)
    _colour(nouns.cast, rng)
    return nouns


def _colour(cast: list[Cast], rng: random.Random) -> None:
    """A colour only where the user gave one, or to tell apart two characters of one kind."""
    palette = list(T.PALETTE)
    rng.shuffle(palette)
    heads = [c.entity.head for c in cast]
    for c in cast:
        if c.entity.colour:
            word = c.entity.colour.split()[-1]
            c.color = T.COLORS.get(word, "")
        elif heads.count(c.entity.head) > 1:
            c.color = palette.pop()


def places(r: L.Reading, nouns: Nouns, tab: Tables) -> list[Place]:
    """Named places as said, in order; where none is named where the story happens, the place the nouns
    imply (nearest known setting by meaning of the whole request)."""
    out = [_named_place(e, tab) for e in nouns.where]
    comp_places = _compound_places(nouns.cast, tab)
    if not any(p.named and p.at != "near" for p in out):
        out.append(_implied_place(r, nouns, comp_places, tab))
    elif comp_places:
        first = out[0]
        if comp_places[0] not in first.text:
            first.text = f"{first.text} by the {comp_places[0]}"
    return out


def _named_place(e: L.Entity, tab: Tables) -> Place:
    """A place the user named, with the preposition they used where a prompt can keep it."""
    setting, _ = tab.best_setting(e.noun)
    indoor = e.head in ROOM_WORDS or "indoor" in setting.tags
    said = PREP_FOR_BEING.get(e.prep, e.prep)
    at = "inside" if indoor and said in ("in", "inside") else (said if said in SAYABLE_PREPS else setting.at)
    text = f"{'the' if e.prep else 'a'} {e.text}"
    return Place(text, at, indoor, setting.name in SPACE_SETTINGS, setting, True)


def _compound_places(cast: list[Cast], tab: Tables) -> list[str]:
    """Compounds that name a place ("a lighthouse keeper('s dog)") say where a character belongs."""
    found: list[str] = []
    for c in cast:
        for w in (*c.entity.compounds, *c.entity.owner.split()[:-1]):
            _setting, score = tab.best_setting(w)
            if score > 0.6 or (score > 0.5 and tab.categories([w])[0][0] == "place"):
                found.append(w)
    return found


def _implied_place(r: L.Reading, nouns: Nouns, comp_places: list[str], tab: Tables) -> Place:
    """The place the nouns imply: the best of the whole request and each noun alone ("a sandcastle")."""
    cast_nouns = {c.entity.noun for c in nouns.cast}
    texts = [r.body, *(e.noun for e in r.entities if e not in nouns.where and e.noun not in cast_nouns)]
    setting, _score = max((tab.best_setting(t) for t in texts), key=lambda x: x[1])
    indoor = "indoor" in setting.tags
    text = setting.np
    wet = any(w.startswith(("drown", "swim", "sink", "sail", "dive", "surf")) for w in r.content)
    if wet and not any(x in text for x in ("sea", "ocean", "water", "lake", "river")):
        text = f"{text} by the sea"
    if comp_places and comp_places[0] not in text:
        text = f"{text} by the {comp_places[0]}"
    return Place(text, setting.at, indoor, setting.name in SPACE_SETTINGS, setting, False)


def kind_word(c: Cast) -> str:
    """The character's plain noun for picture backends: its own noun, or for a name or brand ("Cessna",
    "Porsche") the nearest known kind by meaning."""
    return c.entity.noun if L.known_word(c.entity.head) else c.kind.name


def describe(c: Cast) -> str:
    """The character's description: the user's words, and whom it belongs to."""
    e = c.entity
    bits = [e.text]
    if e.owner:
        bits.append(f"belongs to the {e.owner}")
    return ", ".join(bits)


def _ident(word: str, taken: set[str]) -> str:
    """A character id from its noun ("car", then "car-2"), within spec.Ident's pattern."""
    base = re.sub(r"[^a-z0-9]+", "-", word.lower()).strip("-")[:28] or "c"
    if not base[0].isalnum():
        base = "c" + base
    cid, k = base, 2
    while cid in taken:
        cid, k = f"{base}-{k}", k + 1
    return cid
