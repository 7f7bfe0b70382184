"""The story: every event of the request as beats in the order written, the last sequential one as the
turning point (setup, action, peak, consequence), fitted to the number of scenes.
"""

from __future__ import annotations

from dataclasses import dataclass

from moviefactory import language as L
from moviefactory.script import tables as T
from moviefactory.script.builtin.chunking import Nouns
from moviefactory.script.builtin.lexicon import STAGING


@dataclass
class Beat:
    role: str  # establish | intro | setup | action | detail | peak | after | resolution | moment
    text: str  # what the scene shows (the prompt's core), in the request's words
    who: tuple[str, ...]  # character ids in the frame
    event: L.Event | None = None


def event_text(e: L.Event, nouns: Nouns, form: str) -> str:
    """One event as a clause: form 'act' (as written: 'the keeper rescues the drowning sailor'),
    'setup', 'peak' or 'after' (from STAGING, else generic)."""
    a = nouns.names(e.agents) if e.agents else ""
    p = nouns.things(e.patients) if e.patients else ""
    if form == "act":
        return _as_written(e, nouns, a, p)
    if form == "setup":
        comp = f" {e.complement}" if e.complement else ""
        obj = f" {p}" if p else ""
        return f"{a}, about to {e.verb}{obj}{comp}".strip(" ,")
    key = next((k for k in (e.core, e.verb, f"{e.verb} {e.complement}".strip()) if k in STAGING), "")
    if key:
        tmpl = STAGING[key][0 if form == "peak" else 1]
        ap = nouns.names((*e.agents, *e.patients)) if e.agents or e.patients else "everyone"
        return tmpl.format(A=a or "everyone", P=p or "it", AP=ap, C=e.complement or "one").strip()
    if form == "peak":
        return f"{a} {L.inflect_verb(e.core, 'VBG')}{' ' + p if p else ''}, the decisive moment".strip()
    if p:
        return f"{p} {L.inflect_verb(e.core, 'VBN')} by {a}".strip() if a else p
    return f"{a} after {L.inflect_verb(e.core, 'VBG')}".strip()


def _as_written(e: L.Event, nouns: Nouns, a: str, p: str) -> str:
    """The event in the request's own words, the verb agreeing with plural doers."""
    plural = len(e.agents) > 1 or any(c.entity.plural for c in nouns.cast if c.entity.noun in e.agents)
    verb = e.text if not plural else _plural_verb(e)
    # the verb's prepositional phrases as written, less the ones naming the scene's place
    where = {p.noun for p in nouns.where}
    extras = "".join(f" {text}" for text, noun in e.extras if noun not in where)
    if e.passive:  # "the lion caught in a hunter's net"
        return f"{p} {verb}{extras}".strip()
    rest = f" {p}" if p and p.split(" ", 1)[-1] not in verb else ""
    comp = f" {e.complement}" if e.complement and e.complement not in verb else ""
    return f"{a} {verb}{rest}{comp}{extras}".strip()


def _plural_verb(e: L.Event) -> str:
    first, _, rest = e.text.partition(" ")
    base = L.inflect_verb(e.verb.split(" ")[0], "VBP")
    return f"{base} {rest}".strip() if first.endswith("s") else e.text


def beats(r: L.Reading, nouns: Nouns, n: int, genre: T.Genre) -> list[Beat]:
    """Establish, introduce, every event in order (the last sequential one is the turning point: setup,
    action, peak, consequence), resolve; fitted to n scenes, never dropping an event while there is room."""
    cast = nouns.cast
    everyone = tuple(c.id for c in cast)
    shown = next((f"the {e.text}" for e in r.entities if e not in nouns.where), "the scene")
    establish = Beat("establish", nouns.everyone() or shown, everyone)
    intros = [Beat("intro", c.np(), (c.id,)) for c in cast]
    events = list(r.events)
    turning = next((e for e in reversed(events) if not e.simultaneous), events[-1] if events else None)
    if turning is None:
        body, resolution = _moments(r, nouns, genre)
        return fit(establish, intros, body, [], resolution, n)
    # background (while ..., a lion caught in ...) and earlier events come before the turning point
    body = []
    for e in [e for e in events if e is not turning]:
        body += _event_beats(e, nouns, turning=False)
    body += _event_beats(turning, nouns, turning=True)
    resolution = Beat("resolution", event_text(turning, nouns, "after"), everyone, turning)
    return fit(establish, intros, body, _coverage(turning, nouns), resolution, n)


def _event_beats(e: L.Event, nouns: Nouns, *, turning: bool) -> list[Beat]:
    """The turning point as setup, action and peak; any other event as its action and (active) its detail."""
    ids = {c.entity.noun: c.id for c in nouns.cast}
    who = tuple(ids[x] for x in (*e.agents, *e.patients) if x in ids) or tuple(c.id for c in nouns.cast)
    if turning:
        return [
            Beat("setup", event_text(e, nouns, "setup"), who, e),
            Beat("action", event_text(e, nouns, "act"), who, e),
            Beat("peak", event_text(e, nouns, "peak"), who, e),
        ]
    out = [Beat("action", event_text(e, nouns, "act"), who, e)]
    if not e.passive:
        out.append(Beat("detail", event_text(e, nouns, "peak"), who, e))
    return out


def _coverage(turning: L.Event, nouns: Nouns) -> list[Beat]:
    """Coverage for long movies: the others' reactions, the props, the moment again from closer."""
    extras: list[Beat] = []
    for c in nouns.cast:
        if c.cat == "being" and c.entity.noun not in (*turning.agents, *turning.patients):
            text = f"{c.np()} watching as {event_text(turning, nouns, 'act')}"
            extras.append(Beat("action", text, (c.id,), turning))
    for pr in nouns.props:
        extras.append(Beat("intro", f"the {pr.text}", (), turning))
    return extras


def _moments(r: L.Reading, nouns: Nouns, genre: T.Genre) -> tuple[list[Beat], Beat]:
    """A request with no event: the genre's moments with the user's characters (filler is for this);
    nothing to cast: the request itself is what the scenes show, in the user's words."""
    everyone = tuple(c.id for c in nouns.cast)
    if not nouns.cast:
        return [Beat("moment", r.body, ())], Beat("resolution", r.body, ())
    names = [c.np() for c in nouns.cast]
    fill = {"a": names[0], "b": names[-1], "all": nouns.everyone(), "place": ""}
    lines = [*genre.together, *genre.climax] if len(names) > 1 else [*genre.climax]
    body = [Beat("moment", " ".join(t.format(**fill).split()), everyone) for t in lines[:3]]
    return body, Beat("resolution", " ".join(genre.resolution[0].format(**fill).split()), everyone)


def fit(
    establish: Beat, intros: list[Beat], body: list[Beat], extras: list[Beat], resolution: Beat, n: int
) -> list[Beat]:
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
        out.insert(i + 1, Beat(out[i].role, out[i].text, out[i].who, out[i].event))
    return out
