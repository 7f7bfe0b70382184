"""The offline writer: one sentence -> a multi-scene story that is the request's own.

Steps (BuiltinWriter.write):
  1. read the request with a real parse (moviefactory.language: spaCy): characters with their modifiers,
     each event with who does it to whom, places, time, season and weather, in the order written
  2. understand the nouns with MiniLM: which are beings or vehicles (characters), places, things (props) or
     forces (weather, tide, lava); the nearest known setting for a place that is implied, not named
     ("a sandcastle" -> a beach, "a drowning sailor" -> the sea)
  3. stage the story: an establishing shot, one introduction per main character, then every event in the
     order written, each as a beat (setup -> action), the last event as the turning point (build-up, peak,
     consequence), and a wide resolution. Filler lines only for a request with no event at all.
  4. dress each beat: the place as said, the time as said (no drift), seasons walked through in order,
     weather that fits the place (no sky indoors), shot and camera (never the same pair twice in a row),
     a sound line from what the scene shows, subtitle and narration
  5. title, logline, tone (MiniLM genre), characters (the user's words; a colour only where the user gave one
     or two characters of one kind must be told apart); every content word not used is a notice

Deterministic per (request, scenes, seed, style): one `random.Random(seed)` drives every choice.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from moviefactory import language as L
from moviefactory.errors import InputError
from moviefactory.script import tables as T
from moviefactory.spec import MAX_SCENES, Character, Movie, Scene, Style, Tone, check_text

if TYPE_CHECKING:
    from moviefactory.config import Settings

DEFAULT_SCENES = 10  # the paper's example movie has ten scenes
MAX_CHARACTERS = 8  # spec.Scene.subjects holds at most 8

# What a noun names, decided by meaning (MiniLM): the category whose example words are nearest (mean of the
# three best cosines, a few-shot prototype classifier). Grammar decides the rest (who acts, what is "in").
CATEGORIES: dict[str, tuple[str, ...]] = {
    "being": ("man", "woman", "child", "old man", "dog", "cat", "bird", "horse", "fish", "king", "soldier",
              "teacher", "monster", "robot", "dragon", "insect", "worker", "animal", "team", "family", "crowd",
              "army"),
    "vehicle": ("car", "boat", "ship", "airplane", "train", "bus", "bicycle", "rocket", "truck", "submarine",
                "helicopter", "spaceship", "tractor", "motorcycle"),
    "place": ("kitchen", "forest", "city", "beach", "room", "house", "field", "mountain", "stage", "stadium",
              "cave", "island", "desert", "street", "garden", "village", "library", "factory", "lake", "sea",
              "bridge", "farm", "park", "market", "school", "castle", "tower"),
    "thing": ("box", "ball", "cup", "book", "key", "crown", "bread", "egg", "net", "hat", "sword", "flower",
              "lamp", "chair", "coin", "letter", "toy", "cake", "rope", "bottle", "trophy", "map"),
    "force": ("storm", "fire", "tide", "wave", "lava", "wind", "flood", "avalanche", "eruption", "lightning",
              "earthquake", "tornado"),
}  # fmt: skip
# Staging for common verbs: the peak moment and the consequence, so the turning point is shown as it
# happens ("loses" -> the balloon slips away and floats off). {A} doers, {P} what it is done to.
STAGING: dict[str, tuple[str, str]] = {
    "lose": ("{P} slipping out of reach of {A}", "{P} floating away into the distance as {A} watches"),
    "wash away": ("{A} reaching {P}", "{P} washed away by {A}, only smooth sand left"),
    "rescue": ("{A} pulling {P} out of danger", "{P} safe at last beside {A}"),
    "save": ("{A} freeing {P} at the last moment", "{P} safe and free beside {A}"),
    "chase": ("{A} closing in on {P}", "{A} and {P} breathless as the chase ends"),
    "race": ("{AP} neck and neck", "{AP} racing for the finish line, one edging ahead"),
    "fight": ("{AP} clashing", "{A} standing victorious over {P}"),
    "duel": ("{AP} clashing swords", "{AP} facing each other as the duel ends"),
    "steal": ("{A} snatching {P}", "{A} running off with {P}"),
    "build": ("{A} finishing {P}", "{A} proudly looking at {P}"),
    "fall": ("{A} falling", "{A} on the ground"),
    "fall in love": ("{A} falling in love, hearts rising", "{A} in love, side by side"),
    "fly": ("{A} lifting off to fly", "{A} flying high at last"),
    "erupt": ("{A} erupting, lava bursting into the sky", "lava glowing down the slopes of {A}"),
    "drown": ("{A} sinking under the waves", "{A} pulled from the water"),
    "float": ("{A} floating upward", "{A} floating far away"),
    "drift": ("{A} drifting on the wind", "{A} drifting far away"),
    "win": ("{A} making the winning move", "{A} celebrating the victory as the crowd cheers"),
    "catch": ("{A} catching {P} at last", "{A} holding up {P}"),
    "carry": ("{A} carrying {P} to safety", "{P} safe in the arms of {A}"),
    "search": ("{A} searching every corner", "{A} finding what they were looking for"),
    "find": ("{A} finding {P}", "{A} holding {P}, amazed"),
    "repair": ("{A} fixing {P}", "{P} working again, repaired by {A}"),
    "cook": ("{A} cooking {P}, steam rising", "{P} served and ready"),
    "bake": ("{A} baking {P}, the oven glowing", "fresh {P} out of the oven"),
    "eat": ("{A} eating {P}", "{A} full and content"),
    "sleep": ("{A} falling asleep", "{A} sleeping peacefully"),
    "dance": ("{A} dancing, spinning gracefully", "{A} taking a bow after the dance"),
    "wait": ("{A} waiting and watching", "{A} greeting what it waited for"),
    "return": ("{A} returning, coming into view", "{A} home at last"),
    "explore": ("{A} exploring deeper", "{A} discovering something new"),
    "escape": ("{A} escaping at the last second", "{A} free at last"),
    "hug": ("{A} hugging {P}", "{AP} together"),
    "become friends": ("{A} becoming friends", "{A} together as friends"),
    "become": ("{A} becoming {C}", "{A} together as {C}"),
    "teach": ("{A} teaching {P}", "{P} proud of what they learned from {A}"),
    "visit": ("{A} visiting {P}", "{A} leaving {P} behind"),
    "approach": ("{A} approaching, coming closer", "{A} arriving"),
    "move": ("{A} moving by itself", "{A} still again"),
    "dig": ("{A} digging deeper", "{A} unearthing what was buried"),
    "deliver": ("{A} delivering {P}", "{P} delivered"),
    "play": ("{A} playing {P}", "{A} resting after playing"),
    "swim": ("{A} swimming hard", "{A} reaching the shore"),
    "climb": ("{A} climbing to the top", "{A} at the top, looking out"),
}
# Interiors have no sky: weather is heard and seen through windows, never falls in the room.
_INDOOR_WEATHER = {
    "rain": "as rain streaks the windows", "storm": "as a thunderstorm flashes at the windows",
    "snow": "as snow falls past the windows", "fog": "with fog pressing at the windows",
    "wind": "as wind rattles the windows", "cloudy": "", "clear": "",
}  # fmt: skip
_SPACE_SETTINGS = frozenset({"outer space", "orbit"})
_ROOM_WORDS = frozenset(["kitchen", "room", "hall", "library", "laboratory", "lab", "factory", "house", "interior", "museum", "cellar", "attic", "bedroom", "classroom", "office", "shop", "store", "theater", "theatre", "stage", "barn", "henhouse", "cabin"])  # fmt: skip


def _clip(text: str, limit: int) -> str:
    """Shorten at a word boundary to at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return (cut or text[:limit]).rstrip(" ,;:")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def scene_seed(seed: int, index: int) -> int:
    """A scene's seed, 0..2**32-1, from the movie seed and the scene's position."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{index}".encode()).digest()[:4], "big")


class _Tables:
    """Table embeddings, computed once per process."""

    def __init__(self) -> None:
        from moviefactory.textembed import text_embedder

        self.emb = text_embedder()
        self.cat_names = list(CATEGORIES)
        self.cat_vecs = [self.emb.encode([f"a {w}" for w in CATEGORIES[c]]) for c in self.cat_names]
        rows: list[str] = []
        self.kind_row: list[int] = []
        for i, k in enumerate(T.KINDS):
            for word in (k.name, *k.aliases):
                rows.append(f"a photo of a {word}")
                self.kind_row.append(i)
        self.kind_vecs = self.emb.encode(rows)
        self.setting_vecs = self.emb.encode([f"a photo of {s.desc}" for s in T.SETTINGS])
        self.genre_vecs = self.emb.encode([g.desc for g in T.GENRES])

    def categories(self, nouns: list[str]) -> list[tuple[str, dict[str, float]]]:
        """Per noun: the nearest category and every category's score (mean of its three best cosines)."""
        if not nouns:
            return []
        q = self.emb.encode([f"a {n}" for n in nouns])
        scores = np.stack([np.sort(q @ v.T, axis=1)[:, -3:].mean(axis=1) for v in self.cat_vecs], axis=1)
        return [(self.cat_names[int(np.argmax(r))], dict(zip(self.cat_names, map(float, r), strict=True)))
                for r in scores]  # fmt: skip

    def best_kind(self, text: str) -> tuple[T.Kind, float]:
        sims = self.kind_vecs @ self.emb.encode([f"a photo of a {text}"])[0]
        j = int(np.argmax(sims))
        return T.KINDS[self.kind_row[j]], float(sims[j])

    def best_setting(self, text: str) -> tuple[T.Setting, float]:
        sims = self.setting_vecs @ self.emb.encode([f"a photo of {text}"])[0]
        j = int(np.argmax(sims))
        return T.SETTINGS[j], float(sims[j])

    def genre(self, sentence: str, words: set[str]) -> T.Genre:
        scores = self.genre_vecs @ self.emb.encode([sentence])[0]
        for i, g in enumerate(T.GENRES):
            if words & set(g.cues):
                scores[i] += 0.25
        return T.GENRES[int(np.argmax(scores))]

    def closest(self, query: str, candidates: list[str]) -> int:
        sims = self.emb.encode(candidates) @ self.emb.encode([query])[0]
        return int(np.argmax(sims))


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    return _Tables()


# A noun is a character when it is a being or a vehicle by meaning at or above this cosine margin, or when
# it does something in the request (a haunted doll that moves); measured on MiniLM with the descriptions above.
_WEAK_CATEGORY = 0.2


@dataclass
class _Cast:
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
class _Place:
    text: str  # the user's words, or the inferred setting's noun phrase
    at: str  # preposition for being there
    indoor: bool
    space: bool
    setting: T.Setting  # the nearest known setting (ambience sounds, tags)
    named: bool

    def phrase(self) -> str:
        return f"{self.at} {self.text}"


@dataclass
class _Beat:
    role: str  # establish | intro | setup | action | peak | after | resolution | moment
    text: str  # what the scene shows (the prompt's core), in the request's words
    who: tuple[str, ...]  # character ids in the frame
    event: L.Event | None = None


class BuiltinWriter:
    name = "builtin"

    def __init__(self) -> None:
        self.notices: list[str] = []  # what the writer could not use, for the CLI and the report

    @classmethod
    def from_settings(cls, settings: Settings) -> BuiltinWriter:
        return cls()

    def write(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        request = check_text(request, what="request")
        n = DEFAULT_SCENES if scenes is None else scenes
        if not 1 <= n <= MAX_SCENES:
            raise InputError(f"scenes must be between 1 and {MAX_SCENES}, got {n}")
        rng = random.Random(seed)
        reading = L.analyse(request)
        self.notices = []
        if not reading.english:
            self.notices.append("the built-in writer reads only English: your words are kept as they are; "
                                "--writer llm translates")  # fmt: skip
            return self._verbatim(reading, n, seed, style, rng)
        tab = _tables()
        cast, props = self._cast(reading, tab, rng)
        places = self._places(reading, cast, props, tab)
        genre = tab.genre(reading.body, {w.lower() for w in re.findall(r"\w+", reading.body)})
        beats = self._beats(reading, cast, props, places, n, genre)
        movie = self._dress(reading, cast, props, places, beats, genre, n, seed, style, rng)
        self._check_unused(reading, movie)
        return movie

    # -- reading ------------------------------------------------------------------------------------------
    def _cast(self, r: L.Reading, tab: _Tables, rng: random.Random) -> tuple[list[_Cast], list[L.Entity]]:
        """Characters (beings, vehicles, and things that act) and props (things shown, not acting)."""
        actors = {a for e in r.events for a in e.agents}
        cats = tab.categories([e.head for e in r.entities])  # the head decides: a lighthouse *keeper*
        cast: list[_Cast] = []
        props: list[L.Entity] = []
        self._place_entities: list[L.Entity] = []
        for e, (cat, score) in zip(r.entities, cats, strict=True):
            locative = e.prep in L.LOCATIVE and e.prep not in ("for", "with", "from", "by")
            # "in a kitchen", "at a crowded fair", "across rooftops": where, unless it clearly is a thing or a being
            placey = cat == "place" or score["place"] >= max(score["thing"], score["being"]) - 0.04
            if locative and placey and e.noun not in actors:
                self._place_entities.append(e)
            elif cat in ("being", "vehicle") or (e.noun in actors and not _a_force_or_place(e.head, score)):
                if len(cast) < MAX_CHARACTERS and e.role != "owner":
                    kind, _ = tab.best_kind(e.noun)
                    cid = _ident(e.head, {c.id for c in cast})
                    cast.append(_Cast(id=cid, entity=e, kind=kind, color="", cat=cat))
                else:
                    props.append(e)
            else:
                props.append(e)
        # a colour only where the user gave one, or to tell apart two characters of one kind
        palette = list(T.PALETTE)
        rng.shuffle(palette)
        heads = [c.entity.head for c in cast]
        for c in cast:
            if c.entity.colour:
                word = c.entity.colour.split()[-1]
                c.color = T.COLORS.get(word, "")
            elif heads.count(c.entity.head) > 1:
                c.color = palette.pop()
        return cast, props

    def _places(self, r: L.Reading, cast: list[_Cast], props: list[L.Entity], tab: _Tables) -> list[_Place]:
        """Named places as said, in order; where none is named where the story happens, the place the nouns
        imply (nearest known setting by meaning of the whole request)."""
        out: list[_Place] = []
        for e in self._place_entities:
            setting, _ = tab.best_setting(e.noun)
            indoor = e.head in _ROOM_WORDS or "indoor" in setting.tags
            said = {"out of": "at", "off": "at", "from": "at", "inside of": "inside"}.get(e.prep, e.prep)
            sayable = (
                "in",
                "on",
                "at",
                "near",
                "over",
                "under",
                "across",
                "through",
                "along",
                "inside",
                "outside",
            )
            at = (
                "inside" if indoor and said in ("in", "inside") else (said if said in sayable else setting.at)
            )
            out.append(_Place(f"{'the' if e.prep else 'a'} {e.text}", at, indoor, setting.name in _SPACE_SETTINGS,
                              setting, True))  # fmt: skip
        # compounds that name a place ("a lighthouse keeper") say where a character belongs
        comp_places: list[str] = []
        for c in cast:
            for w in (*c.entity.compounds, *c.entity.owner.split()[:-1]):  # "a lighthouse keeper('s dog)"
                _setting, score = tab.best_setting(w)
                if score > 0.6 or (score > 0.5 and tab.categories([w])[0][0] == "place"):
                    comp_places.append(w)
        if not any(p.named and p.at != "near" for p in out):
            # the place the nouns imply: the best of the whole request and each noun alone ("a sandcastle")
            cast_nouns = {c.entity.noun for c in cast}
            texts = [
                r.body,
                *(e.noun for e in r.entities if e not in self._place_entities and e.noun not in cast_nouns),
            ]
            setting, _score = max((tab.best_setting(t) for t in texts), key=lambda x: x[1])
            indoor = "indoor" in setting.tags
            text = setting.np
            wet = any(w.startswith(("drown", "swim", "sink", "sail", "dive", "surf")) for w in r.content)
            if wet and not any(x in text for x in ("sea", "ocean", "water", "lake", "river")):
                text = f"{text} by the sea"
            if comp_places and comp_places[0] not in text:
                text = f"{text} by the {comp_places[0]}"
            out.append(_Place(text, setting.at, indoor, setting.name in _SPACE_SETTINGS, setting, False))
        elif comp_places:
            first = out[0]
            if comp_places[0] not in first.text:
                first.text = f"{first.text} by the {comp_places[0]}"
        return out

    # -- the story ----------------------------------------------------------------------------------------
    def _names(self, cast: list[_Cast], nouns: tuple[str, ...]) -> str:
        who = [c.np() for c in cast if c.entity.noun in nouns]
        if not who:
            who = [f"the {n}" for n in nouns]
        return who[0] if len(who) == 1 else ", ".join(who[:-1]) + " and " + who[-1]

    def _thing_np(self, cast: list[_Cast], props: list[L.Entity], nouns: tuple[str, ...]) -> str:
        out = []
        for noun in nouns:
            c = next((c for c in cast if c.entity.noun == noun), None)
            p = next((p for p in props if p.noun == noun), None)
            out.append(c.np() if c else f"the {p.text}" if p else f"the {noun}")
        return " and ".join(out)

    def _event_text(self, e: L.Event, cast: list[_Cast], props: list[L.Entity], form: str) -> str:
        """One event as a clause: form 'act' (as written: 'the keeper rescues the drowning sailor'),
        'setup', 'peak' or 'after' (from STAGING, else generic)."""
        a = self._names(cast, e.agents) if e.agents else ""
        p = self._thing_np(cast, props, e.patients) if e.patients else ""
        plural = len(e.agents) > 1 or any(c.entity.plural for c in cast if c.entity.noun in e.agents)
        if form == "act":
            verb = e.text if not plural else self._plural_verb(e)
            if e.passive:  # "the lion caught in a hunter's net"
                return f"{p} {verb}{self._extras(e)}".strip()
            rest = f" {p}" if p and p.split(" ", 1)[-1] not in verb else ""
            comp = f" {e.complement}" if e.complement and e.complement not in verb else ""
            return f"{a} {verb}{rest}{comp}{self._extras(e)}".strip()
        if form == "setup":
            comp = f" {e.complement}" if e.complement else ""
            obj = f" {p}" if p else ""
            return f"{a}, about to {e.verb}{obj}{comp}".strip(" ,")
        key = next((k for k in (e.core, e.verb, f"{e.verb} {e.complement}".strip()) if k in STAGING), "")
        if key:
            tmpl = STAGING[key][0 if form == "peak" else 1]
            ap = self._names(cast, (*e.agents, *e.patients)) if e.agents or e.patients else "everyone"
            return tmpl.format(A=a or "everyone", P=p or "it", AP=ap, C=e.complement or "one").strip()
        if form == "peak":
            return f"{a} {L.inflect_verb(e.core, 'VBG')}{' ' + p if p else ''}, the decisive moment".strip()
        if p:
            return f"{p} {L.inflect_verb(e.core, 'VBN')} by {a}".strip() if a else p
        return f"{a} after {L.inflect_verb(e.core, 'VBG')}".strip()

    def _extras(self, e: L.Event) -> str:
        """The verb's prepositional phrases as written, less the ones naming the scene's place."""
        places = {p.noun for p in self._place_entities}
        return "".join(f" {text}" for text, noun in e.extras if noun not in places)

    @staticmethod
    def _plural_verb(e: L.Event) -> str:
        first, _, rest = e.text.partition(" ")
        base = L.inflect_verb(e.verb.split(" ")[0], "VBP")
        return f"{base} {rest}".strip() if first.endswith("s") else e.text

    def _beats(self, r: L.Reading, cast: list[_Cast], props: list[L.Entity], places: list[_Place],
               n: int, genre: T.Genre) -> list[_Beat]:  # fmt: skip
        """Establish, introduce, every event in order (the last sequential one is the turning point: setup,
        action, peak, consequence), resolve; fitted to n scenes, never dropping an event while there is room."""
        everyone = tuple(c.id for c in cast)
        ids = {c.entity.noun: c.id for c in cast}
        events = list(r.events)
        all_names = self._names(cast, tuple(c.entity.noun for c in cast)) if cast else ""
        shown = next((f"the {e.text}" for e in r.entities if e not in self._place_entities), "the scene")
        establish = _Beat("establish", all_names or shown, everyone)
        intros = [_Beat("intro", c.np(), (c.id,)) for c in cast]
        turning = next((e for e in reversed(events) if not e.simultaneous), events[-1] if events else None)
        body: list[_Beat] = []
        extras: list[_Beat] = []
        # background (while ..., a lion caught in ...) and earlier events come before the turning point
        ordered = [e for e in events if e is not turning] + ([turning] if turning is not None else [])
        for e in ordered:
            who = tuple(ids[x] for x in (*e.agents, *e.patients) if x in ids) or everyone
            if e is turning:
                body += [_Beat("setup", self._event_text(e, cast, props, "setup"), who, e),
                         _Beat("action", self._event_text(e, cast, props, "act"), who, e),
                         _Beat("peak", self._event_text(e, cast, props, "peak"), who, e)]  # fmt: skip
            else:
                body.append(_Beat("action", self._event_text(e, cast, props, "act"), who, e))
                if not e.passive:
                    body.append(_Beat("detail", self._event_text(e, cast, props, "peak"), who, e))
        if turning is not None:
            resolution = _Beat(
                "resolution", self._event_text(turning, cast, props, "after"), everyone, turning
            )
            # coverage for long movies: the others' reactions, the props, the moment again from closer
            for c in cast:
                if c.cat == "being" and c.entity.noun not in (*turning.agents, *turning.patients):
                    extras.append(
                        _Beat(
                            "action",
                            f"{c.np()} watching as {self._event_text(turning, cast, props, 'act')}",
                            (c.id,),
                            turning,
                        )
                    )
            for pr in props:
                extras.append(_Beat("intro", f"the {pr.text}", (), turning))
        else:  # a request with no event: the genre's moments with the user's characters (filler is for this)
            if cast:
                names = [c.np() for c in cast]
                fill = {"a": names[0], "b": names[-1], "all": all_names, "place": ""}
                lines = [*genre.together, *genre.climax] if len(names) > 1 else [*genre.climax]
                body = [_Beat("moment", " ".join(t.format(**fill).split()), everyone) for t in lines[:3]]
                resolution = _Beat(
                    "resolution", " ".join(genre.resolution[0].format(**fill).split()), everyone
                )
            else:  # nothing to cast: the request itself is what the scenes show, in the user's words
                body = [_Beat("moment", r.body, ())]
                resolution = _Beat("resolution", r.body, ())
        return _fit(establish, intros, body, extras, resolution, n)

    # -- dressing -----------------------------------------------------------------------------------------
    def _dress(self, r: L.Reading, cast: list[_Cast], props: list[L.Entity], places: list[_Place],
               beats: list[_Beat], genre: T.Genre, n: int, seed: int, style: Style,
               rng: random.Random) -> Movie:  # fmt: skip
        tods = self._times(r, genre, n, rng)
        seasons = (
            _spread(list(r.seasons), n) if len(r.seasons) > 1 else [r.seasons[0] if r.seasons else ""] * n
        )
        weather = r.weathers[0] if r.weathers else ""
        out: list[Scene] = []
        prev = ("", "")
        sound_jobs: list[tuple[list[str], str]] = []
        for i, beat in enumerate(beats):
            place = places[min(len(places) - 1, i * len(places) // max(1, n))] if places else None
            season = seasons[i]
            w = weather or ("snow" if season == "winter" else "clear")
            if place is not None and place.space:
                w = "clear"  # no weather in space
            shot, camera = self._framing(beat, cast, prev, rng, last=i == n - 1)
            prev = (shot, camera)
            core = beat.text
            where = place.phrase() if place is not None else ""
            time_bits = self._when(r, tods[i])
            sky = self._sky(w, place, r)
            season_bit = f"in {season}" if season and season not in core else ""
            shot_phrase = _cap(T.SHOT_PHRASE[shot].removesuffix(" of"))
            if beat.role == "establish":
                shot_phrase = shot_phrase.replace(" shot", " establishing shot")
            prompt = ", ".join(p for p in (f"{shot_phrase}: {core} {where}".strip(), season_bit, time_bits, sky,
                                           T.CAMERA_PHRASE[camera], style.look) if p)  # fmt: skip
            sound_jobs.append(self._sound(beat, cast, place, w))
            subtitle = _cap(core) + "." if beat.role in ("action", "peak", "after", "intro") else ""
            narration = ""
            if i == 0 and n >= 3:
                narration = _cap(
                    f"{time_bits + ', ' if time_bits else ''}{where}, {self._logline_core(r, cast, props)}."
                )
            elif i == n - 1 and n >= 3 and beat.event is not None:
                narration = _cap(self._event_text(beat.event, cast, props, "after")) + "."
            duration = 2.0
            if beat.role == "establish":
                duration = rng.choice((2.5, 3.0))
            elif beat.role in ("peak", "resolution") and n > 1:
                duration = 3.0 if genre.tempo == "slow" else 2.5
            fade = genre.fades and beat.role == "peak" and n >= 5
            out.append(Scene(
                id=f"s{i + 1:02d}", prompt=_clip(prompt, 1000), duration_s=duration, shot=shot,  # type: ignore[arg-type]
                camera=camera,  # type: ignore[arg-type]
                subjects=list(dict.fromkeys(beat.who))[:8], setting=_clip(place.text if place else "", 120),
                time_of_day=tods[i],  # type: ignore[arg-type]
                weather=w,  # type: ignore[arg-type]
                action=_clip(core, 120), narration=_clip(narration, 500),
                subtitle=_clip(narration or subtitle or _cap(core) + ".", 300),
                transition_in="fade-black" if fade else "crossfade",  # type: ignore[arg-type]
                transition_s=0.8 if fade else 0.5, seed=scene_seed(seed, i),
            ))  # fmt: skip
        tab = _tables()
        for scene, (candidates, query) in zip(out, sound_jobs, strict=True):
            scene.sound = _clip(
                candidates[tab.closest(query, candidates)] if len(candidates) > 1 else candidates[0], 200
            )
        title = r.title or self._title(r, cast, props, places)
        logline = (
            _cap(self._logline_core(r, cast, props)) + (f", {places[0].phrase()}" if places else "") + "."
        )
        return Movie(
            request=r.request, title=_clip(title, 120), logline=_clip(logline, 500),
            tone=Tone(mood=genre.mood, tempo=genre.tempo, music_query=rng.choice(genre.music)),  # type: ignore[arg-type]
            style=style,
            characters=[Character(id=c.id, name=_clip(c.name, 80), description=_clip(_describe(c), 300),
                                  kind=_clip(_kind_word(c), 40), color=c.color) for c in cast],
            scenes=out, writer=self.name,
        )  # fmt: skip

    def _times(self, r: L.Reading, genre: T.Genre, n: int, rng: random.Random) -> list[str]:
        """As said, and kept (no drift); several times walk in the order written; none: the genre's path."""
        if r.times:
            return _spread(list(r.times), n) if len(r.times) > 1 else [r.times[0]] * n
        path = rng.choice(genre.tod_paths)
        return [path[min(len(path) - 1, i * len(path) // n)] for i in range(n)]

    @staticmethod
    def _when(r: L.Reading, tod: str) -> str:
        for w in r.time_words:
            if L.TIME_WORDS.get(w.split()[-1]) == tod:
                return (
                    f"{'on a' if ' ' in w else 'at'} {w}"
                    if w.split()[-1] in ("morning", "evening", "afternoon", "day")
                    else f"at {w}"
                )
        return T.TOD_PHRASE[tod]

    @staticmethod
    def _sky(weather: str, place: _Place | None, r: L.Reading) -> str:
        said = r.weather_words[0] if r.weather_words else ""
        if place is not None and place.indoor:
            return _INDOOR_WEATHER.get(weather, "")
        if place is not None and (place.space or "underwater" in place.setting.tags):
            return ""
        if said and weather != "clear":
            noun = {"rainy": "rain", "snowy": "snow", "foggy": "fog", "stormy": "storm", "misty": "mist",
                    "windy": "wind", "cloudy": "clouds"}.get(said, said)  # fmt: skip
            return f"in the {noun}" if noun in ("rain", "snow", "fog", "mist", "wind") else f"during a {noun}"
        return T.WEATHER_PHRASE.get(weather, "")

    def _framing(
        self, beat: _Beat, cast: list[_Cast], prev: tuple[str, str], rng: random.Random, *, last: bool = False
    ) -> tuple[str, str]:
        """Shot size and camera move: wide to open and close, close-ups to introduce; never the same pair
        twice in a row."""
        first = next((c for c in cast if c.id in beat.who), None)
        moving = (
            T.CLASSES[first.kind.cls].cameras if first else ("pan-right", "dolly-in", "static", "tilt-up")
        )
        shots, cams = {
            "establish": (("extreme-wide", "wide"), ("aerial", "pan-right", "pan-left", "dolly-in", "tilt-down")),
            "intro": (("close-up", "medium-close-up"), moving),
            "setup": (("medium", "full", "wide"), moving),
            "action": (("medium", "full", "wide", "medium-close-up"), moving),
            "detail": (("close-up", "medium-close-up", "medium"), moving),
            "moment": (("medium", "full", "wide", "close-up"), moving),
            "peak": (("full", "medium", "close-up") if len(beat.who) > 1 else ("close-up", "medium-close-up"), moving),
            "after": (("medium", "full"), ("dolly-out", "static", "pan-left")),
            "resolution": (("wide", "extreme-wide"), ("dolly-out", "zoom-out", "tilt-up", "aerial", "pan-left")),
        }[beat.role]  # fmt: skip
        if last:  # the movie ends wide, whatever the beat
            shots = ("wide", "extreme-wide")
        shot = rng.choice(list(shots))
        cam_opts = [c for c in cams if (shot, c) != prev and c != prev[1]] or [
            c for c in cams if (shot, c) != prev
        ]
        return shot, rng.choice(cam_opts or list(cams))

    def _sound(
        self, beat: _Beat, cast: list[_Cast], place: _Place | None, weather: str
    ) -> tuple[list[str], str]:
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

    def _logline_core(self, r: L.Reading, cast: list[_Cast], props: list[L.Entity]) -> str:
        if r.events:
            return "; then ".join(self._event_text(e, cast, props, "act") for e in r.events[:3])
        return self._names(cast, tuple(c.entity.noun for c in cast)) if cast else r.body

    def _title(self, r: L.Reading, cast: list[_Cast], props: list[L.Entity], places: list[_Place]) -> str:
        """A title that names the request: 'The Keeper and the Storm', 'The Girl and the Balloon'."""

        def t(word: str) -> str:
            return " ".join(x.capitalize() for x in word.split())

        heads = [c.entity.head for c in cast]
        second = (heads[1] if len(heads) > 1 else (props[0].head if props else
                  (r.weather_words[0] if r.weather_words else "")))  # fmt: skip
        if heads and second:
            return f"The {t(heads[0])} and the {t(L.WEATHER_WORDS.get(second, '') and second.rstrip('y') if second in L.WEATHER_WORDS else second)}"
        if heads:
            return f"The {t(heads[0])}" + (
                f" of {t(places[0].text.split()[-1])}" if places and places[0].named else ""
            )
        return _cap(_clip(r.body, 60))

    def _check_unused(self, r: L.Reading, movie: Movie) -> None:
        text = L.normalise(" ".join(s.prompt for s in movie.scenes))
        words = set(text.split())
        missing = [w for w in r.content if not any(x.startswith(w[: max(3, len(w) - 2)]) for x in words)]
        if missing:
            self.notices.append("not used: " + ", ".join(f"'{w}'" for w in missing))

    def _verbatim(self, r: L.Reading, n: int, seed: int, style: Style, rng: random.Random) -> Movie:
        """A request the parser cannot read, kept in the user's words: shots vary, the words stay."""
        genre = next(g for g in T.GENRES if g.name == "everyday life")
        plan = ("extreme-wide", "aerial"), ("wide", "pan-right"), ("medium", "dolly-in"), ("close-up", "static"), \
            ("full", "tracking"), ("wide", "dolly-out")  # fmt: skip
        out = []
        for i in range(n):
            shot, cam = plan[0] if i == 0 else plan[-1] if i == n - 1 and n > 1 else plan[1 + (i - 1) % 4]
            prompt = f"{T.SHOT_PHRASE[shot]} {r.body}, {T.CAMERA_PHRASE[cam]}, {style.look}"
            out.append(Scene(id=f"s{i + 1:02d}", prompt=_clip(prompt, 1000), shot=shot, camera=cam,  # type: ignore[arg-type]
                             setting="", action=_clip(r.body, 120), sound="quiet ambience",
                             subtitle=_clip(r.body, 300), seed=scene_seed(seed, i)))  # fmt: skip
        return Movie(request=r.request, title=_clip(r.title or r.body, 120), logline=_clip(r.body, 500),
                     tone=Tone(mood=genre.mood, tempo=genre.tempo, music_query=rng.choice(genre.music)),  # type: ignore[arg-type]
                     style=style, characters=[], scenes=out, writer=self.name)  # fmt: skip


def _a_force_or_place(head: str, score: dict[str, float]) -> bool:
    """A subject that is a force of nature or a place (a volcano erupts, the tide washes away), not a
    character: that category clearly above being-ness (with the agent-noun boost)."""
    being = score["being"] + (0.15 if L.is_agent_noun(head) else 0.0)
    other = max(score["force"], score["place"])
    return other > being + 0.1 and other >= max(score.values())


def _kind_word(c: _Cast) -> str:
    """The character's plain noun for picture backends: its own noun, or for a name or brand ("Cessna",
    "Porsche") the nearest known kind by meaning."""
    return c.entity.noun if L.known_word(c.entity.head) else c.kind.name


def _ident(word: str, taken: set[str]) -> str:
    """A character id from its noun ("car", then "car-2"), within spec.Ident's pattern."""
    base = re.sub(r"[^a-z0-9]+", "-", word.lower()).strip("-")[:28] or "c"
    if not base[0].isalnum():
        base = "c" + base
    cid, k = base, 2
    while cid in taken:
        cid, k = f"{base}-{k}", k + 1
    return cid


def _describe(c: _Cast) -> str:
    e = c.entity
    bits = [e.text]
    if e.owner:
        bits.append(f"belongs to the {e.owner}")
    return ", ".join(bits)


def _spread(items: list[str], n: int) -> list[str]:
    """n values walking through items in order (each gets a fair share of the scenes)."""
    return [items[min(len(items) - 1, i * len(items) // n)] for i in range(n)]


def _fit(establish: _Beat, intros: list[_Beat], body: list[_Beat], extras: list[_Beat], resolution: _Beat,
         n: int) -> list[_Beat]:  # fmt: skip
    """Exactly n beats in story order. Room goes first to the events (every action beat, then the turning
    point's peak and setup), then the resolution, the establishing shot, the introductions, and coverage."""
    if n == 1:
        return [next((b for b in body if b.role in ("action", "moment")), body[0] if body else resolution)]
    if len(body) + 1 >= n:
        rank = ("action", "moment", "peak", "setup", "detail")
        order = sorted(range(len(body)), key=lambda i: (rank.index(body[i].role), i))
        keep = sorted(order[: n - 1])
        return [body[i] for i in keep] + [resolution]
    room = n - len(body) - 1
    front = [establish, *intros][:room]
    room -= len(front)
    cover = (extras * (1 + room // max(1, len(extras))))[:room] if extras else []
    middle = list(body)
    # coverage goes just before the turning point's peak (reactions build it up), else before the end
    at = next((i for i, b in enumerate(middle) if b.role == "peak"), len(middle))
    middle[at:at] = cover
    out = [*front, *middle, resolution]
    while len(out) < n:  # still short (no extras): hold on the action from another angle
        i = next((k for k, b in enumerate(out) if b.role in ("action", "moment")), 0)
        out.insert(i + 1, _Beat(out[i].role, out[i].text, out[i].who, out[i].event))
    return out
