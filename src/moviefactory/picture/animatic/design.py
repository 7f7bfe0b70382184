"""A scene's words -> what the animatic draws: the set, the subjects and props, time, weather, staging.

The prompt is the source (issue 11): it is read with the same grammar as the built-in writer
(moviefactory.language), and the structured fields are used only where the prompt says nothing. Where they
disagree, the prompt wins and the disagreement is a note. Every noun the scene names is drawn as something
(a hand-drawn articulated figure where one exists for that very noun, else the best icon from the vendored
open libraries), or listed as unmatched: never a silent unrelated picture.

Runs in the main process (it may load MiniLM through the icon and set matchers); the result is plain data
that pickles into render workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from moviefactory import language as L
from moviefactory.picture.animatic import resolve
from moviefactory.picture.animatic.icons import IconLibrary, IconMatch
from moviefactory.picture.animatic.sets import SETS, find_set, find_set_by_words
from moviefactory.picture.animatic.shapes import BUILDS, KINDS

if TYPE_CHECKING:
    from moviefactory.spec import Character, Movie, Scene

# Below this an icon is not drawn for a noun (the icon library's own scale: 1.0 exact name, ~0.85 a name
# holding the noun, meaning-only matches at most 0.7).
ICON_MIN = 0.55
SURE = 0.85  # an icon this sure names the noun itself (exact name, alias or compound)
LIKELY = 0.7  # a character takes a looser icon only from here, or when the icon's name holds its noun
# A noun no icon names is drawn as the nearest hand-drawn kind when MiniLM puts it at least this close to the
# kind's description ("wildebeest" ~ horse 0.45); below, it is reported as not drawn.
KIND_MIN = 0.4
# A person's build (shapes.BUILDS) by meaning: the words' MiniLM cosine to each prototype. A build is drawn
# when the best is at least BUILD_MIN and ahead of every other age by BUILD_MARGIN ("grandmother" old-woman
# 0.74 vs woman 0.46); within an age, a sex is drawn only with SEX_MARGIN, else the neutral build (child)
# or the plain figure. Roles say little about sex ("sailor" woman 0.31 / man 0.28): plain figure.
BUILD_PROTOTYPES: dict[str, str] = {
    "man": "a man, an adult male", "woman": "a woman, an adult female", "child": "a child, a kid",
    "boy": "a young boy, a male child", "girl": "a young girl, a female child",
    "old-man": "an old man, a grandfather, an elderly male",
    "old-woman": "an old woman, a grandmother, an elderly female",
}  # fmt: skip
_AGE = {"man": "adult", "woman": "adult", "child": "young", "boy": "young", "girl": "young", "old-man": "old",
        "old-woman": "old"}  # fmt: skip
_OLD = frozenset(["old", "elderly", "aged", "aging", "ageing", "grey-haired", "gray-haired", "white-haired"])
BUILD_MIN = 0.45
BUILD_MARGIN = 0.05
SEX_MARGIN = 0.08  # "kid": boy 0.64 / girl 0.58 is a child; "grandson": boy 0.60 / girl 0.34 a boy
# Nouns for several people (or animals) at once: drawn as three figures of the member kind, holding what
# the compound names ("basketball team": players with a basketball).
COLLECTIVES = frozenset(["team", "crowd", "crew", "army", "band", "group", "family", "audience", "choir",
                         "orchestra", "squad", "troop", "gang", "class", "couple", "tribe", "villagers"])  # fmt: skip
# Verbs -> the animatic's motion, for staging (render.MOTION_SPEED keys). Common verbs of the field's
# requests; anything else keeps the subject's own way of moving.
VERB_MOTION: dict[str, str] = {
    "race": "racing", "chase": "chasing", "pursue": "chasing", "hunt": "chasing", "run": "running",
    "flee": "running", "escape": "running", "fly": "flying", "soar": "flying", "glide": "flying",
    "swim": "swimming", "dive": "swimming", "sail": "swimming", "float": "floating", "drift": "floating",
    "lose": "floating", "wash away": "receding", "fall": "falling", "sink": "falling", "drown": "falling",
    "rise": "rising", "launch": "rising", "erupt": "exploding", "explode": "exploding", "crash": "exploding",
    "jump": "jumping", "dance": "jumping", "play": "jumping", "approach": "approaching", "return": "approaching",
    "arrive": "approaching", "leave": "receding", "walk": "walking", "search": "walking", "explore": "walking",
    "wander": "walking", "travel": "walking", "carry": "walking", "deliver": "walking", "rescue": "approaching",
    "save": "approaching", "duel": "circling", "fight": "circling", "circle": "circling", "orbit": "circling",
    "drive": "speeding", "ride": "speeding", "speed": "speeding",
}  # fmt: skip
# Verbs whose object is in the doer's hands: a small thing is drawn held, not standing apart (_Draft.hands).
HOLD_VERBS = frozenset(["carry", "hold", "deliver", "give", "hand", "bring", "play", "eat", "throw", "wave",
                        "read", "lift", "drag", "pull", "fetch", "offer", "grab", "take", "kick", "swing",
                        "raise", "clutch", "hug"])  # fmt: skip
_VEHICLES = frozenset(["car", "truck", "bus", "train", "bicycle", "motorcycle", "boat", "ship", "submarine",
                       "airplane", "helicopter", "rocket", "spaceship", "ufo"])  # fmt: skip


def _can_hold(f: Figure) -> bool:
    """A walking figure (person builds, robot, astronaut, animals) can carry; vehicles and icons cannot."""
    return bool(f.kind) and f.kind not in _VEHICLES and KINDS[f.kind].place in ("ground", "water")


# Where something that is not a hand-drawn kind stands: by what it is (MiniLM category from the writer's
# vocabulary is not available here, so the set decides: in orbit everything floats, underwater swims).
_AIR_WORDS = frozenset(["bird", "bee", "butterfly", "balloon", "kite", "plane", "airplane", "dragon", "bat", "fairy", "ghost", "cloud", "drone", "satellite", "debris", "asteroid", "meteor", "comet", "star", "moon", "sun", "spaceship", "ufo", "angel", "owl", "eagle"])  # fmt: skip


@dataclass(frozen=True)
class Element:
    """One thing the scene draws, as drawn.json records it."""

    text: str  # the scene's words for it
    drawn_as: str  # "animatic:dog", "fluent-emoji-flat:cook", "game-icons:lighthouse", "set:sea"
    role: str  # subject | prop | set | effect
    score: float  # 0..1: how sure the match is


@dataclass(frozen=True)
class Figure:
    """A subject or prop to animate: a hand-drawn kind or an icon, with where it stands."""

    key: str  # character id, or "prop:<noun>"
    kind: str  # a shapes.KINDS name, or "" for an icon
    icon: tuple[str, str] | None  # (set, name)
    place: str  # ground | air | water | under | prop
    color: tuple[int, int, int]
    count: int = 1
    held: tuple[str, str] | None = None  # (set, name) of an icon the figure carries: what marks its role


@dataclass(frozen=True)
class Design:
    set_name: str
    time_of_day: str
    weather: str
    motion: str | None
    figures: tuple[Figure, ...]
    elements: tuple[Element, ...]
    unmatched: tuple[str, ...]
    notes: tuple[str, ...] = field(default=(), compare=False)
    extra_words: str = ""
    landmarks: tuple[tuple[str, str], ...] = ()  # (word, drawable) the place names beyond the set

    def drawn(self) -> dict[str, Any]:
        """The drawn.json document."""
        return {
            "elements": [
                {"text": e.text, "drawn_as": e.drawn_as, "role": e.role, "score": round(e.score, 3)}
                for e in self.elements
            ],
            "unmatched": list(self.unmatched),
        }


def _mentions(prompt: str, ch: Character) -> bool:
    words = set(re.findall(r"[a-z0-9]+", prompt.lower()))
    names = re.findall(r"[a-z0-9]+", f"{ch.name} {ch.kind}".lower())
    return any(w in words or w.rstrip("s") in words for w in names if len(w) > 2)


def _articulated(head: str) -> str | None:
    """The hand-drawn kind for this very noun (its kind name or a direct keyword), else None."""
    if head in KINDS and head not in ("tree", "house", "castle", "lighthouse"):
        return head
    hit = resolve.kind_by_keywords(head)
    if hit is None or hit in ("tree", "house", "castle", "lighthouse"):
        return None
    # generic people words keep the walking figure; a named role ("chef", "knight") is better as its icon
    if hit == "person" and head not in (
        "person",
        "man",
        "woman",
        "boy",
        "girl",
        "child",
        "kid",
        "people",
        "human",
    ):
        return None
    return hit


def _place_for(kind: str, head: str, set_kind: str) -> str:
    if kind:
        return KINDS[kind].place
    if set_kind == "orbit" or head in _AIR_WORDS:
        return "air"
    if set_kind == "underwater":
        return "under"
    return "ground"


def design_scene(movie: Movie, scene: Scene, lib: IconLibrary | None = None) -> Design:
    """Read the scene's prompt (and fields where it is silent) into a Design: time and weather, the set and
    what the place names beyond it, the characters, the other things the prompt names, the staging."""
    text = story_words(scene.prompt)
    reading = L.analyse(text) if L.is_english(text) else None
    d = _Draft(lib or IconLibrary.load())
    tod, weather = d.time_and_weather(scene, reading)
    # where things are: locative phrases (whatever role a verbless shot description leaves them in)
    places = [e for e in (reading.entities if reading else ()) if e.prep in L.LOCATIVE]
    set_hit = _find_place(places, scene.setting, text)
    set_name, marks = d.place(scene, set_hit, places, tod, weather, text)
    d.characters(movie, scene, text)
    if reading is not None:
        d.things(movie, scene, reading, places, set_name if set_hit is not None else None)
        d.hands(movie, scene, reading)
    elif text.strip():
        d.foreign(text)
    return Design(
        set_name=set_name,
        time_of_day=tod,
        weather=weather,
        motion=_staging(reading, d.elements, scene, text),
        figures=tuple(d.figures),
        elements=tuple(d.elements),
        unmatched=tuple(dict.fromkeys(d.unmatched)),
        notes=tuple(d.notes),
        extra_words=f"{text} {scene.action}",
        landmarks=marks,
    )


@dataclass
class _Draft:
    """What design_scene collects, step by step (the order of notes and unmatched words is the order read)."""

    lib: IconLibrary
    set_kind: str = "outdoor"
    figures: list[Figure] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def time_and_weather(self, scene: Scene, reading: L.Reading | None) -> tuple[str, str]:
        """The prompt's words, else the fields; a disagreement is a note."""
        tod, weather = scene.time_of_day.value, scene.weather.value
        if reading is not None and reading.times and reading.times[0] != tod:
            self.notes.append(
                f"time: the prompt says {reading.time_words[0]!r}, the field {tod!r}; drawn as the "
                "prompt says"
            )
            tod = reading.times[0]
        if reading is not None and reading.weathers and reading.weathers[0] != weather:
            self.notes.append(
                f"weather: the prompt says {reading.weather_words[0]!r}, the field {weather!r}; "
                "drawn as the prompt says"
            )
            weather = reading.weathers[0]
        return tod, weather

    def place(
        self,
        scene: Scene,
        hit: tuple[str, float] | None,
        places: list[L.Entity],
        tod: str,
        weather: str,
        text: str,
    ) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The set (open fields when no set matches, said), its pieces, effects and landmarks."""
        if hit is None:
            set_name, set_score = "meadow", 0.0
            self.unmatched.append(scene.setting or (places[0].text if places else "the place"))
            self.notes.append(
                f"place {scene.setting or 'of the prompt'!r}: no set matches; drawn as open fields"
            )
        else:
            set_name, set_score = hit
        self.set_kind = SETS[set_name].kind
        self.elements.append(
            Element(scene.setting or set_name.replace("-", " "), f"set:{set_name}", "set", set_score)
        )
        marks = landmarks(self.lib, set_name, places)
        pieces, effects = set_pieces(set_name, tod, weather, text, marks)
        self.elements += [Element(t, d, "set", 1.0) for t, d in pieces if d != f"set:{set_name}"]
        self.elements += [Element(fx, f"effect:{fx}", "effect", 1.0) for fx in effects]
        return set_name, marks

    def add(self, figure: tuple[Figure | None, Element | None], words: str | None) -> None:
        """A figure and its elements; where none was found, `words` go to unmatched (None: say nothing)."""
        fig, el = figure
        if fig is None or el is None:
            if words is not None:
                self.unmatched.append(words)
            return
        self.figures.append(fig)
        self.elements += _elements(fig, el)

    def characters(self, movie: Movie, scene: Scene, text: str) -> None:
        """The scene's characters the prompt still names (the prompt wins; the others are a note)."""
        for cid in scene.subjects:
            ch = movie.character(cid)
            if not _mentions(text, ch):
                self.notes.append(
                    f"character {cid!r} ({ch.name}) is in the scene's subjects but not in its "
                    "prompt; drawn as the prompt says (left out)"
                )
                continue
            kind = ch.kind or ch.name
            self.add(
                _figure(self.lib, cid, kind, ch.name, ch.color, self.set_kind, "subject", _count(ch.name)),
                ch.name,
            )

    def things(
        self, movie: Movie, scene: Scene, reading: L.Reading, places: list[L.Entity], set_name: str | None
    ) -> None:
        """The prompt's other nouns: props, unless the set, the sky or a character already draws them."""
        covered = {movie.character(c).kind for c in scene.subjects} | {
            movie.character(c).name for c in scene.subjects
        }
        for e in reading.entities:
            if e.noun in covered or e.text in covered or len(self.figures) >= 8:
                continue
            if e in places and (e.prep not in _BORNE_BY or find_set(e.text) is not None):
                # a place the set draws, or a path ("past the windows"); one no set knows that the subject is
                # on or in is a thing to draw ("on a broom", "in his rowboat")
                continue
            if {e.head, *e.text.lower().split()} & (_LIGHT | L.TIME_WORDS.keys() | L.WEATHER_WORDS.keys()):
                continue  # "in bright daylight", "in the rain": the sky and the grade draw these
            if any(e.noun in c or c.endswith(e.head) for c in covered if c):
                continue
            drawn_texts = {x.text for x in self.elements if x.role == "set"}
            # the words of the set's own name: an alias only names the place, it is not drawn ("sandcastle"
            # finds the beach; the beach draws no sandcastle)
            own = set(set_name.split("-")) if set_name else set()
            if e.noun == e.head and (e.head in drawn_texts or e.head in own):
                continue  # the set already draws it ("the sea" in a sea set, "forest" in the bamboo forest)
            self.add(
                _figure(
                    self.lib,
                    f"prop:{e.noun}",
                    e.noun,
                    e.text,
                    _colour_hex(e.colour),
                    self.set_kind,
                    "prop",
                    e.count,
                ),
                e.text,
            )

    def hands(self, movie: Movie, scene: Scene, reading: L.Reading) -> None:
        """Staging of what is carried: for a verb of holding ("delivers a letter", "plays the guitar", "carries
        a stick"), a small thing drawn as an icon goes into the doer's hands instead of standing apart."""
        names = {f.key: f.key.removeprefix("prop:") for f in self.figures}
        for cid in scene.subjects:
            if cid in names:
                ch = movie.character(cid)
                names[cid] = f"{ch.name} {ch.kind}".lower()
        for ev in reading.events:
            if ev.core not in HOLD_VERBS and ev.verb not in HOLD_VERBS:
                continue
            doer = next(
                (
                    i
                    for i, f in enumerate(self.figures)
                    for a in ev.agents
                    if a.split()[-1] in names[f.key].split() and _can_hold(f)
                ),
                None,
            )
            thing = next(
                (
                    i
                    for i, f in enumerate(self.figures)
                    for p in ev.patients
                    if f.key == f"prop:{p}" and f.icon is not None and f.count == 1
                ),
                None,
            )
            if doer is None or thing is None or doer == thing:
                continue
            self.figures[doer] = replace(self.figures[doer], held=self.figures[thing].icon)
            del self.figures[thing]

    def foreign(self, text: str) -> None:
        """Another language: its words that name an emoji (the place was matched by the set's aliases)."""
        named = self.lib.foreign_words(text)[:4]
        for term, english in named:
            fig = _figure(
                self.lib, f"prop:{english}", english, term, _colour_hex(english), self.set_kind, "prop", 1
            )
            if len(self.figures) < 8:
                self.add(fig, None)
        self.unmatched.append(text.strip())
        said = ", ".join(f"{t} = {en}" for t, en in named)
        self.notes.append(
            "the prompt is not English: drawn are its place and the words that name an emoji"
            + (f" ({said})" if said else " (none)")
            + "; the rest is not read"
        )


def _staging(reading: L.Reading | None, elements: list[Element], scene: Scene, text: str) -> str | None:
    """The motion of the first verb whose doer is drawn; else the action field's or the prompt's keywords."""
    drawn = [x.text.lower() for x in elements if x.role in ("subject", "prop")]
    elsewhere = False
    for ev in reading.events if reading else ():
        verb_motion = VERB_MOTION.get(ev.core) or VERB_MOTION.get(ev.verb)
        weather = any(
            a.split()[-1] in L.WEATHER_WORDS for a in ev.agents
        )  # the parser may pair it with someone
        if (
            verb_motion
            and ev.agents
            and (weather or not any(a in t or t.endswith(a.split()[-1]) for a in ev.agents for t in drawn))
        ):
            elsewhere = True  # "as snow falls past the windows": the snow falls, not the boy
            continue
        if verb_motion:
            return verb_motion
    return resolve.motion_by_keywords(scene.action) or (
        None if elsewhere else resolve.motion_by_keywords(text)
    )


def _colour_hex(words: str) -> str:
    """ "#rrggbb" of the colour word in `words` ("red balloon", "black cat"), else ""."""
    rgb = resolve.color_word(words) if words else None
    return "#{:02x}{:02x}{:02x}".format(*rgb) if rgb else ""


def _find_place(places: list[L.Entity], setting: str, text: str) -> tuple[str, float] | None:
    """The set for the scene: a place word of the prompt, then of the setting field, then of the whole text
    (whole-word aliases before meaning, so "the slopes of an erupting volcano" is the volcano, not the sky
    "slopes" is nearest to); "under a clear sky" says what is overhead, not where the scene is."""
    candidates = [e.text for e in places if e.prep != "under"] + [setting, text]
    for c in candidates:
        if c and (name := find_set_by_words(c)) is not None:
            return name, 1.0
    for c in candidates:
        if c and (hit := find_set(c)) is not None:
            return hit
    overhead = [e.text for e in places if e.prep == "under"]
    return next((h for c in overhead if (h := find_set(c)) is not None), None)


def _set_words(set_name: str) -> set[str]:
    """The words a set draws by itself: its name's, its aliases' and its pieces' ("bamboo", "forest", ...)."""
    spec = SETS[set_name]
    return {w for a in (spec.name, *spec.aliases, *spec.pieces) for w in re.findall(r"[a-z]+", a.lower())}


def landmarks(lib: IconLibrary, set_name: str, places: list[L.Entity]) -> tuple[tuple[str, str], ...]:
    """What the place's words name that the set does not draw: "village" of "the small island village" on
    the island set, "castle" of "the castle kitchen", "lighthouse" of "a coastline by the lighthouse". Each
    is (word, "shape:<kind>") for a hand-drawn structure, else (word, icon) for an icon named by the word
    itself (score >= SURE) when the word is a place (sets.find_set knows it: not "the arms" of "safe in the
    arms of"); words for open country ("sea", "coast": no exact icon) are left to the set."""
    known = _set_words(set_name)
    out: dict[str, str] = {}
    for e in places:
        for word in (*e.compounds, e.head):
            w = word.lower()
            if w in known or w in out or not L.is_english(w):
                continue
            if w in KINDS and KINDS[w].place == "prop":
                out[w] = f"shape:{w}"
            elif find_set(w) is None:  # not a place ("safe in the arms of ...")
                continue
            elif (m := lib.find(w, min_score=SURE)) is not None:
                out[w] = m.drawn_as
    return tuple(out.items())[:3]


# Prepositions of what carries the subject: "on a broom", "in his rowboat", "aboard the raft".
_BORNE_BY = frozenset(["on", "in", "inside", "aboard", "onto", "into", "upon", "atop"])
_LIGHT = frozenset(["light", "daylight", "sunlight", "moonlight", "starlight", "glow", "shade", "shadow", "hour",
                    "goldenhour", "golden-hour"])  # fmt: skip
# Words of the cinematographer, not of the story: a prompt's comma parts holding one are not drawn.
_CRAFT = frozenset(["shot", "camera", "close-up", "closeup", "4k", "8k", "resolution", "cinematic", "zoom", "pan", "panning", "tilt", "tilting", "dolly", "tracking", "aerial", "drone", "handheld", "locked-off", "lens", "bokeh", "render", "rendering", "quality", "detailed", "photorealistic", "hdr"])  # fmt: skip


def story_words(prompt: str) -> str:
    """The prompt less its framing: a leading "Wide shot:" and comma parts about the camera or quality."""
    head, sep, rest = prompt.partition(":")
    if sep and any(w in head.lower() for w in ("shot", "close-up", "closeup", "view")):
        prompt = rest
    first, *others = prompt.split(",")  # the story clause: "... with a last-second shot" is not camera talk
    parts = [first, *(p for p in others if not (set(re.findall(r"[a-z0-9-]+", p.lower())) & _CRAFT))]
    return ", ".join(p.strip() for p in parts if p.strip()) or prompt


def _count(name: str) -> int:
    first = name.lower().split()[0] if name.split() else ""
    return L.NUMBER_WORDS.get(first, 1)


def _figure(
    lib: IconLibrary, key: str, noun: str, words: str, color: str, set_kind: str, role: str, count: int
) -> tuple[Figure | None, Element | None]:
    """The drawable for one noun, in this order:
    1. the hand-drawn figure of this very noun (it walks, flies, rolls: "dog", "car");
    2. an icon named for the noun (score >= SURE: "lighthouse", "farmer", "sand castle");
    3. the hand-drawn figure the noun is a kind of by keyword ("puppy" -> dog), or for someone named by what
       they do ("keeper", "sailor") the walking figure;
    4. for a character, an icon whose name holds the noun or scores >= LIKELY, else the nearest hand-drawn
       figure by meaning (a samurai is a person, not the ninja icon at 0.61);
       for a prop, an icon by meaning (>= ICON_MIN); then the other of the two;
    else nothing: the caller reports the words as not drawn."""
    head = noun.lower().split()[-1] if noun.split() else noun
    in_water = any(w in words.lower() for w in ("drowning", "swimming", "sinking", "overboard"))
    if head in COLLECTIVES:
        return _people(key, noun, head, words, color, set_kind, role, lib, count=3, group=True)
    kind: str | None = head if head in KINDS and KINDS[head].place != "prop" else None
    score = 1.0
    match: IconMatch | None = None
    if kind is None:
        match = lib.find(noun, prefer="colour", min_score=ICON_MIN)
        if (match is None or match.score < SURE) and head != noun:
            match = lib.find(head, prefer="colour", min_score=ICON_MIN) or match
        if match is not None and match.score >= SURE:
            return _icon_figure(key, match, head, words, color, set_kind, role, count)
        kind = _articulated(head) or ("person" if L.is_agent_noun(head) else None) or person_build(noun)
        if (
            kind is None
            and match is not None
            and match.score < LIKELY
            and lib.is_person(match.set, match.name)
            and lib.accessory(head) is not None
        ):
            kind = "person"  # a samurai (nearest icon: ninja, 0.61): a figure with a samurai helmet
        score = 0.8
    named = match is not None and (head in match.name.split("-") or match.score >= LIKELY)
    if kind is None and role == "subject" and named and match is not None:  # pirate-captain, voodoo-doll
        return _icon_figure(key, match, head, words, color, set_kind, role, count)
    if kind is None and role == "subject":
        kind, score = _kind_by_meaning(noun)
    if kind is None and match is not None:
        return _icon_figure(key, match, head, words, color, set_kind, role, count)
    if kind is None:
        kind, score = _kind_by_meaning(noun)
    if kind is None:
        return None, None
    if kind in ("person", *BUILDS):
        return _people(
            key, noun, head, words, color, set_kind, role, lib, count, in_water=in_water, kind=kind
        )
    rgb = resolve.parse_hex(color) if color else resolve.color_from_id(key, kind)
    place = "water" if in_water and KINDS[kind].place == "ground" else _place_for(kind, head, set_kind)
    return Figure(key, kind, None, place, rgb, min(count, 3)), Element(words, f"animatic:{kind}", role, score)


def _people(
    key: str,
    noun: str,
    head: str,
    words: str,
    color: str,
    set_kind: str,
    role: str,
    lib: IconLibrary,
    count: int,
    *,
    group: bool = False,
    in_water: bool = False,
    kind: str = "person",
) -> tuple[Figure, Element]:
    """A walking figure for someone: the build their words say (an old woman, a boy), holding what marks their
    role ("samurai" -> samurai-helmet) or, for a group, what the group is named for ("basketball team" ->
    basketball). drawn_as names the build, then the role or group only when something on screen shows it:
    "animatic:old-woman", "animatic:person-samurai", "animatic:person-team"; a role nothing marks stays a plain
    figure ("animatic:person" for a sailor) rather than a claim the frame cannot back."""
    build = kind if kind in BUILDS else (person_build(words) or person_build(noun))
    held, label = None, ""
    if group:
        mods = noun.split()[:-1]
        match = lib.find(" ".join(mods), min_score=SURE) if mods else None
        held, label = match, head
    elif head not in BUILDS and head not in _PLAIN_PEOPLE:
        held = lib.accessory(head)
        label = head if held is not None else ""
    shape = build or "person"
    rgb = resolve.parse_hex(color) if color else resolve.color_from_id(key, shape)
    place = "water" if in_water else _place_for(shape, head, set_kind)
    fig = Figure(key, shape, None, place, rgb, min(count, 3), (held.set, held.name) if held else None)
    drawn = f"animatic:{shape}" + (f"-{label}" if label else "")
    return fig, Element(words, drawn, role, held.score if held is not None else 0.8)


# Words for people that name no role: the figure alone draws them.
_PLAIN_PEOPLE = frozenset(["person", "people", "human", "kid", "adult", "someone", "somebody", "everyone",
                           "youngster", "toddler", "baby", "teenager", "teen"])  # fmt: skip


@lru_cache(maxsize=1024)
def person_build(words: str) -> str | None:
    """The shapes.BUILDS name for a person described by `words` ("grandmother" -> old-woman, "kid" -> child,
    "little girl" -> girl), or None when the words do not say (most roles: "sailor", "conductor")."""
    text = re.sub(r"^(the|a|an|his|her|their|its|my|our|your)\s+", "", words.lower().strip())
    if text.replace(" ", "-") in BUILDS:  # "old woman"
        return text.replace(" ", "-")
    if not text or not L.is_english(text):
        return None
    from moviefactory.textembed import text_embedder

    words_ = set(text.split())
    if words_ & _OLD and not words_ & set(BUILDS):  # "an old fisherman": old, sex by meaning or not at all
        lean = person_build(text.split()[-1])
        return (
            lean
            if lean in ("old-man", "old-woman", "man", "woman") and lean.startswith("old")
            else ({"man": "old-man", "woman": "old-woman"}.get(lean or "", "old-person"))
        )
    emb = text_embedder()
    names = list(BUILD_PROTOTYPES)
    sims = emb.encode(list(BUILD_PROTOTYPES.values())) @ emb.encode([f"a {text}"])[0]  # (7,) cosines
    score = dict(zip(names, (float(x) for x in sims), strict=True))
    best = max(names, key=lambda n: score[n])
    other_age = max((score[n] for n in names if _AGE[n] != _AGE[best]), default=0.0)
    if score[best] < BUILD_MIN or score[best] - other_age < BUILD_MARGIN:
        return None
    male, female = {"young": ("boy", "girl"), "adult": ("man", "woman"), "old": ("old-man", "old-woman")}[
        _AGE[best]
    ]
    if abs(score[male] - score[female]) < SEX_MARGIN:
        return "child" if _AGE[best] == "young" else None
    return male if score[male] > score[female] else female


def _elements(fig: Figure, el: Element) -> list[Element]:
    """A figure's drawn.json elements: itself, and what it carries."""
    if fig.held is None:
        return [el]
    held = Element(
        f"{el.text}: {fig.held[1].replace('-', ' ')}", f"{fig.held[0]}:{fig.held[1]}", "prop", el.score
    )
    return [el, held]


def _icon_figure(
    key: str, match: IconMatch, head: str, words: str, color: str, set_kind: str, role: str, count: int
) -> tuple[Figure, Element]:
    rgb = resolve.parse_hex(color) if color else resolve.color_from_id(key, head)
    fig = Figure(key, "", (match.set, match.name), _place_for("", head, set_kind), rgb, min(count, 3))
    return fig, Element(words, match.drawn_as, role, float(match.score))


def _kind_by_meaning(noun: str) -> tuple[str | None, float]:
    """The hand-drawn kind nearest in meaning (MiniLM over the kinds' descriptions), if at least KIND_MIN."""
    if not L.is_english(noun):
        return None, 0.0
    from moviefactory.textembed import best_match

    names = list(resolve.KIND_DESCRIPTIONS)
    i, score = best_match(f"a {noun}", [resolve.KIND_DESCRIPTIONS[k] for k in names])
    return (names[i], score) if score >= KIND_MIN else (None, score)


def set_pieces(
    set_name: str, tod: str, weather: str, words: str, marks: tuple[tuple[str, str], ...] = ()
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """((text, drawn_as) of the set's pieces, the effects' names): the set built once at a thumbnail size
    (what it holds does not depend on the frame size), so drawn.json lists what the frame shows."""
    import numpy as np

    from moviefactory.picture.animatic.world import build_set

    world = build_set(
        set_name, tod, weather, 192, 80, np.random.default_rng(0), extra_words=words, landmarks=marks
    )
    return tuple(world.pieces), tuple(world.effect_names)
