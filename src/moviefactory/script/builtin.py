"""The offline writer: one sentence -> a multi-scene story, using MiniLM to understand unseen words.

Steps (BuiltinWriter.write):
  1. read the request: split it into noun-phrase chunks with a small rule-based chunker (determiners,
     connectors, prepositions and verbs break chunks; the chunk's last word is its head), remember each
     chunk's preposition ("in a snowy forest") and the verb that follows it ("a Cessna races ...")
  2. match chunks by embedding against the tables (tables.py): subjects -> kinds, places -> settings;
     match the whole sentence against genres (plus cue words)
  3. plan the arc: establishing wide (sometimes), one close-up introduction per subject, rising action,
     the climax (subjects together when there are two or more), a wide resolution
  4. dress each beat: setting progression, monotone time of day, persistent weather, shot size and camera
     move (never the same pair twice in a row), action, sound-effect query, subtitle, narration
  5. title, logline, tone, characters (the user's words, colour from the text or a palette) -> Movie

Deterministic per (request, scenes, seed, style): one `random.Random(seed)` drives every choice, and all
iteration is over tuples/lists.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from moviefactory.errors import InputError
from moviefactory.script import tables as T
from moviefactory.spec import MAX_SCENES, Character, Movie, Scene, Style, Tone, check_text

if TYPE_CHECKING:
    from moviefactory.config import Settings

DEFAULT_SCENES = 10  # the paper's example movie has ten scenes
MAX_SUBJECTS = 4


def _words(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split()))


# -- the chunker's word classes (lower case) ------------------------------------------------------------
_DETERMINERS = _words("a an the this that these those my your his her its our their some any every each")
_PLURAL_DETS = _words("these those some many several few two three four five six seven eight nine ten")
_LOCATIVE = _words(
    "in on at through across along over under into inside near above below beneath around beside atop onto "
    "within underneath past toward towards beyond among amid throughout upon outside behind down up"
)
_CONNECTORS = _words(
    "and or but nor between versus vs with without against than while as who which whom whose where when then "
    "to of from by for about after before during until so because if like via plus"
)
_PRONOUNS = _words("i me we us you he him she it they them myself himself herself itself themselves")
_AUX = _words(
    "is are was were be been being am has have had do does did will would can could should may might must shall "
    "not no never there here"
)
_ADVERBS = _words(
    "very too so just really also finally suddenly slowly quickly away together again always almost even still "
    "soon once only then now far"
)
_LY_NOUNS = _words("family fly lily jelly belly ally holly bully rally butterfly dragonfly firefly")
_ING_NOUNS = _words(
    "king ring wing thing string spring evening morning building ceiling painting pudding sibling darling "
    "duckling swing sling viking"
)
_ED_NOUNS = _words("bed red sled shed seed weed need feed breed steed speed creed hundred")
# base verb -> its -ing form; other forms (-s, -es, -ed, irregular pasts) map back to the base
_VERBS_ING: dict[str, str] = {}
_DOUBLE = _words("run swim hit sit win spin stop drop skip dig get hug chat plan jog trot set shop rob grab")
_VERB_BASES = _words(
    "race chase fly drive run walk swim sail fight meet find discover explore search look see watch play dance "
    "sing jump climb fall escape hunt attack save rescue help follow lead travel cross ride build steal hide "
    "seek visit return leave go come get make take try learn lose win become grow wait sleep dream eat cook "
    "float drift glide soar dive crash launch roll bounce spin wander roam stroll hike paddle surf skate battle "
    "duel compete defeat protect guard carry bring love kiss hug cry laugh smile say tell speak talk call open "
    "close enter live die wake sit stand lie crawl sneak gallop trot graze hover zoom rush tumble slide glow "
    "shine burn erupt flood shake break fix paint draw read write feed hold lift push pull throw catch kick hit "
    "score pass chase hunt stalk prowl flee dash sprint leap hop skip dig dodge rob grab meet greet join "
    "outrun overtake circle orbit cruise speed land"
)
_IRREGULAR = {
    "flew": "fly",
    "drove": "drive",
    "ran": "run",
    "swam": "swim",
    "fought": "fight",
    "met": "meet",
    "found": "find",
    "saw": "see",
    "fell": "fall",
    "rode": "ride",
    "built": "build",
    "stole": "steal",
    "hid": "hide",
    "sought": "seek",
    "left": "leave",
    "went": "go",
    "came": "come",
    "got": "get",
    "made": "make",
    "took": "take",
    "lost": "lose",
    "won": "win",
    "became": "become",
    "grew": "grow",
    "slept": "sleep",
    "ate": "eat",
    "sang": "sing",
    "dove": "dive",
    "caught": "catch",
    "threw": "throw",
    "held": "hold",
    "brought": "bring",
    "stood": "stand",
    "sat": "sit",
    "woke": "wake",
    "broke": "break",
    "wrote": "write",
    "drew": "draw",
    "spun": "spin",
    "crept": "creep",
    "led": "lead",
    "fled": "flee",
    "outran": "outrun",
    "overtook": "overtake",
}


def _ing(base: str) -> str:
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")):
        return base[:-1] + "ing"
    if base in _DOUBLE:
        return base + base[-1] + "ing"
    return base + "ing"


def _verb_forms() -> dict[str, str]:
    """Every inflected form -> base."""
    forms: dict[str, str] = {}
    for b in _VERB_BASES:
        _VERBS_ING[b] = _ing(b)
        ed = (
            b + "d"
            if b.endswith("e")
            else (b[:-1] + "ied" if b.endswith("y") and b[-2] not in "aeiou" else b + "ed")
        )
        es = (
            b[:-1] + "ies"
            if b.endswith("y") and b[-2] not in "aeiou"
            else (b + "es" if b.endswith(("s", "sh", "ch", "x", "z", "o")) else b + "s")
        )
        for f in (b, es, ed, _VERBS_ING[b]):
            forms.setdefault(f, b)
    for past, b in _IRREGULAR.items():
        forms.setdefault(past, b)
        _VERBS_ING.setdefault(b, _ing(b))
    return forms


_VERB_FORMS = _verb_forms()
_ADJECTIVES = _words(
    "fast slow big small little tiny huge giant old young new happy sad lonely brave shy quick tall short long "
    "beautiful pretty ugly dark bright quiet loud wild cute funny strange magic magical mysterious ancient"
)
_NUMBER_WORDS = _words("one two three four five six seven eight nine ten dozen")
_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|\S", re.UNICODE)
_QUOTED_TITLE = re.compile(
    r"""(?:\b(?:called|titled|named|title)\s*:?\s*|^\s*)(?:"([^"]{2,120})"|“([^”]{2,120})”|«([^»]{2,120})»|„([^“”]{2,120})[“”])""",
    re.IGNORECASE,
)


@dataclass
class _Chunk:
    words: list[str]  # the user's tokens, original case
    det: str = ""  # determiner before it, lower case
    prep: str = ""  # locative preposition before it, lower case
    verb: str = ""  # base verb that follows it ("race")
    obj_of: int = -1  # index of the chunk whose verb this chunk is the object of

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def head(self) -> str:
        for w in reversed(self.words):
            if not w.isdigit():
                return w
        return self.words[-1]


@dataclass
class _Subject:
    id: str
    phrase: str  # the user's words: "red Porsche"
    name: str  # "the red Porsche"
    desc: str  # for prompts: "a red Porsche sports car"
    kind: T.Kind | None
    motion: T.MotionClass
    color: str
    verb: str = ""  # user's verb for it, -ing form ("racing")
    target: int = -1  # subject index its verb acts on


@dataclass
class _Place:
    name: str  # Scene.setting
    np: str
    move: str
    at: str
    tags: tuple[str, ...]
    ambience: tuple[str, ...]
    title: str  # for titles: "Coastal Road"


@dataclass
class _Beat:
    role: str  # establish | intro | rising | together | climax | resolution
    who: list[int] = field(default_factory=list)  # subject indices


def _chunk(text: str, kind_words: frozenset[str]) -> list[_Chunk]:
    """Noun-phrase chunks in order. Verbs are recognised only right after a noun (so "a race between" keeps
    "race" as a noun while "a Cessna races a Porsche" splits at "races")."""
    chunks: list[_Chunk] = []
    cur: list[str] = []
    det = prep = ""
    pending_obj = -1  # the chunk whose verb is waiting for an object

    def close() -> None:
        nonlocal cur, det, prep, pending_obj
        if cur:
            chunks.append(_Chunk(cur, det, prep, obj_of=pending_obj if not prep else -1))
            pending_obj = -1
        cur, det, prep = [], "", ""

    for tok in _TOKEN.findall(text):
        low = tok.lower()
        if not any(ch.isalnum() for ch in tok):  # punctuation, emoji, symbols
            close()
            pending_obj = -1
            continue
        if low in _DETERMINERS and not cur:
            det = low
            continue
        if low.endswith(("'s", "’s")) and len(low) > 2:  # possessive: "a robot's toy" -> "robot" | "toy"
            cur.append(tok[:-2])
            close()
            continue
        if low in _CONNECTORS or low in _PRONOUNS or low in _AUX:
            close()
            if low not in ("and", "or"):
                pending_obj = -1
            continue
        is_kind = low in kind_words or low.rstrip("s") in kind_words
        verb = _VERB_FORMS.get(low)
        if verb is None and cur and low not in kind_words:
            if low.endswith("ing") and len(low) > 5 and low not in _ING_NOUNS:
                verb = low  # unknown -ing after a noun: a verb ("a fox hunting")
            elif low.endswith("ed") and len(low) > 4 and low not in _ED_NOUNS:
                verb = low
        if verb is not None and cur and not is_kind:
            close()
            chunks[-1].verb = verb
            pending_obj = len(chunks) - 1
            continue
        if low in _LOCATIVE:
            keep = pending_obj
            close()
            pending_obj = keep if low in ("past", "around") else -1
            prep = low
            continue
        if low in _DETERMINERS:  # a second determiner starts a new phrase
            keep_prep = prep if not cur else ""
            close()
            det, prep = low, keep_prep
            continue
        if low in _ADVERBS or (cur and low.endswith("ly") and len(low) > 4 and low not in _LY_NOUNS):
            continue
        cur.append(tok)
    close()
    return [c for c in chunks if any(any(ch.isalpha() for ch in w) for w in c.words)]


class _Tables:
    """Table embeddings, computed once per process."""

    def __init__(self) -> None:
        from moviefactory.textembed import text_embedder

        self.emb = text_embedder()
        rows: list[str] = []
        self.kind_row: list[int] = []
        for i, k in enumerate(T.KINDS):
            for word in (k.name, *k.aliases):
                rows.append(f"a photo of a {word}")
                self.kind_row.append(i)
        self.kind_vecs = self.emb.encode(rows)
        srows: list[str] = []
        self.setting_row: list[int] = []
        for i, s in enumerate(T.SETTINGS):
            for text in (s.name, s.desc):
                srows.append(f"a photo of {text}")
                self.setting_row.append(i)
        self.setting_vecs = self.emb.encode(srows)
        self.genre_vecs = self.emb.encode([g.desc for g in T.GENRES])
        sounds = [x for k in T.KINDS for x in k.sounds] + [x for st in T.SETTINGS for x in st.ambience]
        self.emb.encode(
            sounds + [x for g in T.GENRES for x in g.extra_sound] + list(T.WEATHER_SOUND.values())
        )
        self.kind_words = frozenset(w for k in T.KINDS for w in (k.name, *k.aliases) if " " not in w)

    def best_kind(self, text: str) -> tuple[int, float]:
        sims = self.kind_vecs @ self.emb.encode([f"a photo of a {text}"])[0]
        j = int(np.argmax(sims))
        return self.kind_row[j], float(sims[j])

    def setting_scores(self, text: str) -> np.ndarray:
        """(len(SETTINGS),) best cosine per setting."""
        sims = self.setting_vecs @ self.emb.encode([f"a photo of {text}"])[0]
        out = np.full(len(T.SETTINGS), -1.0, np.float32)
        for j, i in enumerate(self.setting_row):
            out[i] = max(out[i], sims[j])
        return out

    def genre_scores(self, sentence: str) -> np.ndarray:
        return self.genre_vecs @ self.emb.encode([sentence])[0]

    def closest(self, query: str, candidates: list[str]) -> int:
        sims = self.emb.encode(candidates) @ self.emb.encode([query])[0]
        return int(np.argmax(sims))


def _kind_named(name: str) -> T.Kind:
    return next(k for k in T.KINDS if k.name == name)


def _genre_named(name: str) -> T.Genre:
    return next(g for g in T.GENRES if g.name == name)


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    return _Tables()


# Subject thresholds (cosine, "a photo of a ..." template), measured on MiniLM: known kinds score 0.8-1.0,
# brand and unseen nouns 0.6-0.85 ("Cessna" 0.84 airplane), abstract nouns 0.5-0.65 (filtered by EVENT_WORDS).
_KIND_MIN = 0.55
_SETTING_MIN = 0.5


def _clip(text: str, limit: int) -> str:
    """Shorten at a word boundary to at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return (cut or text[:limit]).rstrip(" ,;:")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _article(phrase: str, plural: bool) -> str:
    first = phrase[:1]
    if plural or not first.isascii() or not first.isalpha():
        return phrase
    return ("an " if first.lower() in "aeiou" else "a ") + phrase


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:24].strip("-")


def scene_seed(seed: int, index: int) -> int:
    """A scene's seed, 0..2**32-1, from the movie seed and the scene's position."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{index}".encode()).digest()[:4], "big")


class BuiltinWriter:
    name = "builtin"

    @classmethod
    def from_settings(cls, settings: Settings) -> BuiltinWriter:
        return cls()

    def write(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        # 1. check inputs
        request = check_text(request, what="request")
        n = DEFAULT_SCENES if scenes is None else scenes
        if not 1 <= n <= MAX_SCENES:
            raise InputError(f"scenes must be between 1 and {MAX_SCENES}, got {n}")
        rng = random.Random(seed)
        tab = _tables()

        # 2. read the request
        title_match = _QUOTED_TITLE.search(request)
        quoted_title = next((g for g in title_match.groups() if g), "") if title_match else ""
        analysis = request.replace(title_match.group(0), " , ") if title_match else request
        words_low = [w.lower() for w in _TOKEN.findall(analysis) if any(ch.isalnum() for ch in w)]
        chunks = _chunk(analysis, tab.kind_words)
        subjects, place_chunks = self._subjects(chunks, tab, rng)
        letters = [ch for ch in analysis if ch.isalpha()]
        latin = sum(ch.isascii() for ch in letters) >= 0.5 * max(1, len(letters))
        # MiniLM reads English: for text mostly in other scripts the genre scores are noise, so stay neutral
        genre = self._genre(analysis, words_low, chunks, tab) if latin else _genre_named("everyday life")
        places = self._places(analysis, place_chunks, subjects, genre, n, tab, rng)

        # 3. plan the arc
        beats = self._plan(n, len(subjects), genre, rng)

        # 4. time of day, weather (continuous across the movie)
        tod_path = next((T.TOD_CUES[w] for w in words_low if w in T.TOD_CUES), None) or rng.choice(
            genre.tod_paths
        )
        tods = [tod_path[min(len(tod_path) - 1, i * len(tod_path) // n)] for i in range(n)]
        weather = next((T.WEATHER_CUES[w] for w in words_low if w in T.WEATHER_CUES), "")
        sheltered = all(not ({"ground", "air", "water"} & set(p.tags)) for p in places)
        weather = weather or next(
            (s.weather for s in T.SETTINGS if s.name == places[0].name and s.weather), ""
        )
        weather = "clear" if sheltered else (weather or rng.choice(genre.weathers))
        weathers = [weather] * n
        if weather == "storm" and n >= 4:  # a storm builds (overcast first) and passes in the last scene
            weathers = ["cloudy" if i < n // 3 or i == n - 1 else "storm" for i in range(n)]

        # 5. dress each beat as a scene
        out: list[Scene] = []
        prev: tuple[str, str] = ("", "")
        used_actions: dict[tuple[int, str], list[str]] = {}
        body = [i for i, b in enumerate(beats) if b.role not in ("establish", "resolution")]
        sound_jobs: list[
            tuple[list[str], str]
        ] = []  # (candidate queries, what happens): matched in one batch
        for i, beat in enumerate(beats):
            place = places[
                min(
                    len(places) - 1,
                    (body.index(i) * len(places) // max(len(body), 1))
                    if i in body
                    else (0 if beat.role == "establish" else len(places) - 1),
                )
            ]
            shot, camera = self._framing(beat, subjects, prev, rng)
            prev = (shot, camera)
            action, prompt_core = self._action(beat, shot, subjects, place, genre, rng, used_actions)
            prompt = ", ".join(
                p
                for p in (
                    f"{T.SHOT_PHRASE[shot].replace(' shot of', ' establishing shot of') if beat.role == 'establish' else T.SHOT_PHRASE[shot]} {prompt_core}",
                    self._light(tods[i], place),
                    self._sky(weathers[i], tods[i], place),
                    T.CAMERA_PHRASE[camera],
                    style.look,
                )
                if p
            )
            sound_jobs.append(self._sound(beat, subjects, place, weathers[i], genre, action))
            subtitle = self._subtitle(beat, subjects, genre, rng)
            narration = ""
            if beat.role == "establish" or (i == 0 and n >= 3):
                narration = self._fill(rng.choice(genre.narr_open), subjects, place, tods[0])
            elif beat.role == "resolution" and n >= 3:
                narration = self._fill(rng.choice(genre.narr_end), subjects, place, tods[-1])
            duration = 2.0
            if beat.role == "establish":
                duration = rng.choice((2.5, 3.0))
            elif beat.role in ("climax", "resolution") and n > 1:
                duration = 3.0 if genre.tempo == "slow" else 2.5
            act_break = beat.role == "climax" or (
                i > 0 and beat.role == "rising" and beats[i - 1].role == "intro"
            )
            fade = genre.fades and act_break and n >= 5
            out.append(Scene(
                id=f"s{i + 1:02d}",
                prompt=_clip(prompt, 1000),
                duration_s=duration,
                shot=shot,  # type: ignore[arg-type]
                camera=camera,  # type: ignore[arg-type]
                subjects=[subjects[j].id for j in beat.who],
                setting=_clip(place.name, 120),
                time_of_day=tods[i],  # type: ignore[arg-type]
                weather=weathers[i],  # type: ignore[arg-type]
                action=_clip(action, 120),
                narration=_clip(narration, 500),
                subtitle=_clip(narration or subtitle, 300),
                transition_in="fade-black" if fade else "crossfade",  # type: ignore[arg-type]
                transition_s=0.8 if fade else 0.5,
                seed=scene_seed(seed, i),
            ))  # fmt: skip

        tab.emb.encode([q for _c, q in sound_jobs if q])  # one batch: encode() memoises per text
        for scene, (candidates, query) in zip(out, sound_jobs, strict=True):
            scene.sound = _clip(candidates[tab.closest(query, candidates)] if query else candidates[0], 200)

        # 6. the movie
        names = self._names(subjects)
        title = quoted_title or self._title(genre, subjects, places[0], rng)
        hook = f"{_cap(names)}: {genre.hook}" if subjects else _cap(genre.hook)
        when = (
            f"from {tods[0].replace('-', ' ')} to {tods[-1].replace('-', ' ')}"
            if tods[0] != tods[-1]
            else T.TOD_PHRASE[tods[0]]
        )
        logline = f"{hook}, {places[0].at} {places[0].np}, {when}."
        return Movie(
            request=request,
            title=_clip(title, 120),
            logline=_clip(logline, 500),
            tone=Tone(mood=genre.mood, tempo=genre.tempo, music_query=rng.choice(genre.music)),  # type: ignore[arg-type]
            style=style,
            characters=[
                Character(id=s.id, name=_clip(s.name, 80), description=_clip(s.desc, 300),
                          kind=s.kind.name if s.kind else "", color=s.color)
                for s in subjects
            ],
            scenes=out,
            writer=self.name,
        )  # fmt: skip

    # -- reading ------------------------------------------------------------------------------------------
    def _subjects(
        self, chunks: list[_Chunk], tab: _Tables, rng: random.Random
    ) -> tuple[list[_Subject], list[_Chunk]]:
        """Chunks that are subjects (matched to kinds) and chunks that name places."""
        found: list[tuple[int, _Chunk, T.Kind | None]] = []  # (chunk index, chunk, kind)
        tab.emb.encode(  # one batch for every text the matching below asks about (memoised per text)
            [
                t
                for c in chunks
                for t in (f"a photo of a {c.text}", f"a photo of a {c.head}", f"a photo of {c.text}")
            ]
        )
        places: list[_Chunk] = []
        for ci, ch in enumerate(chunks):
            head = ch.head.lower()
            if ch.prep:
                places.append(ch)
                continue
            if head in T.EVENT_WORDS or head.rstrip("s") in T.EVENT_WORDS:
                continue
            if len(head) < 3 or head in T.COLORS or head in _ADJECTIVES:  # "red", "fast", "b": not things
                continue
            k_full, s_full = tab.best_kind(ch.text)
            k_head, s_head = tab.best_kind(ch.head) if len(ch.words) > 1 else (k_full, s_full)
            kind_i, score = (k_head, s_head) if s_head >= _KIND_MIN else (k_full, s_full)
            setting = float(tab.setting_scores(ch.text).max())
            proper = ch.words[0][:1].isupper() and not ch.det  # a name: "Alice", "Captain Nemo"
            if score >= _KIND_MIN and score >= setting - 0.03:
                found.append((ci, ch, T.KINDS[kind_i]))
            elif setting >= 0.7:
                places.append(ch)
            elif proper and ch.words[0].isascii() and head not in T.EVENT_WORDS:
                found.append((ci, ch, _kind_named("person")))
        if not found:  # nothing recognisable: keep the user's first phrase as an unknown subject
            first = next((c for c in chunks if not c.prep and c.head.lower() not in T.EVENT_WORDS), None)
            if first is not None:
                kind_i, score = tab.best_kind(first.text)
                known = score >= 0.5 and first.text.isascii()  # MiniLM cannot read other scripts
                found.append((chunks.index(first), first, T.KINDS[kind_i] if known else None))
        # merge repeated mentions ("a dog ... the dog"), keep at most MAX_SUBJECTS
        uniq: list[tuple[int, _Chunk, T.Kind | None]] = []
        for item in found:
            if all(item[1].text.lower() != u[1].text.lower() for u in uniq):
                uniq.append(item)
        uniq = uniq[:MAX_SUBJECTS]

        palette = list(T.PALETTE)
        rng.shuffle(palette)
        subjects: list[_Subject] = []
        ids: list[str] = []
        for _ci, ch, kind in uniq:
            base = kind.name if kind else (_slug(ch.head) or "subject")
            sid, k = base, 2
            while sid in ids:
                sid, k = f"{base}-{k}", k + 1
            ids.append(sid)
            phrase = _clip(ch.text, 70)
            low_words = [w.lower() for w in ch.words]
            color = next((T.COLORS[w] for w in low_words if w in T.COLORS), "")
            plural = (
                ch.det in _PLURAL_DETS
                or low_words[0] in _NUMBER_WORDS
                or low_words[0].isdigit()
                or (ch.head.lower().endswith("s") and not ch.head.lower().endswith(("ss", "us", "is")))
            )
            desc = phrase
            if (
                kind
                and kind.proper
                and ch.head[:1].isupper()
                and not any(w in " ".join(low_words) for w in (kind.name, *kind.aliases))
            ):
                desc = f"{phrase} {kind.proper}"  # a brand or a name: say what it is ("Cessna airplane")
            proper_name = ch.words[0][:1].isupper() and ch.det == "" and chunks.index(ch) > 0
            # a name ("Luna"), or words in a script without articles, stand alone; others get "the"/"my"
            name = phrase if (proper_name or not ch.words[0][:1].isascii()) else f"the {phrase}"
            if ch.det in ("my", "your", "his", "her", "our", "their"):
                name = f"{ch.det} {phrase}"
            subjects.append(
                _Subject(
                    sid,
                    phrase,
                    name,
                    _article(desc, plural),
                    kind,
                    T.CLASSES[kind.cls if kind else "thing"],
                    color,
                )
            )
        for s in subjects:  # colours: from the text, else a distinct palette pick, named in the description
            if not s.color:
                s.color = next(c for c in palette if c not in [x.color for x in subjects])
                if (
                    s.kind is not None
                ):  # the user's words stay whole: "a Cessna airplane" -> "a red Cessna airplane"
                    plural = not s.desc.startswith(("a ", "an "))
                    bare = s.desc if plural else s.desc.split(" ", 1)[1]
                    look = (f"{bare} in {T.PALETTE[s.color]}" if s.kind.cls == "humanoid"
                            else f"{T.PALETTE[s.color]} {bare}")  # fmt: skip
                    s.desc = _article(look, plural)
        # the user's verbs: "a Cessna races a Porsche" -> Cessna racing (the Porsche)
        chunk_of = [ch for _ci, ch, _k in uniq]
        for si, ch in enumerate(chunk_of):
            if ch.verb:
                s = subjects[si]
                s.verb = _VERBS_ING.get(ch.verb, ch.verb)
                ci = chunks.index(ch)
                s.target = next((j for j, c2 in enumerate(chunk_of) if c2.obj_of == ci), -1)
                obj = next((c2 for c2 in chunks if c2.obj_of == ci and c2 not in chunk_of), None)
                if (
                    s.target < 0 and obj is not None and obj not in places
                ):  # "saying goodbye", "reading a book"
                    s.verb = _clip(f"{s.verb} {obj.det + ' ' if obj.det else ''}{obj.text}", 60)
        return subjects, places

    def _genre(self, text: str, words: list[str], chunks: list[_Chunk], tab: _Tables) -> T.Genre:
        scores = tab.genre_scores(text).astype(np.float64)
        low = " ".join(words)
        for gi, g in enumerate(T.GENRES):
            hits = sum(1 for c in g.cues if (c in words if " " not in c else f" {c} " in f" {low} "))
            scores[gi] += 0.2 * min(hits, 2)
            # the sentence's own verbs say what happens ("a knight fights a dragon" is a battle)
            scores[gi] += 0.3 * any(
                c.verb in g.cues or _VERBS_ING.get(c.verb, "") in g.cues for c in chunks if c.verb
            )
        if float(scores.max()) < 0.25:  # nothing fits clearly: an ordinary story beats a wrong genre
            return _genre_named("everyday life")
        return T.GENRES[int(np.argmax(scores))]

    def _places(
        self,
        text: str,
        place_chunks: list[_Chunk],
        subjects: list[_Subject],
        genre: T.Genre,
        n: int,
        tab: _Tables,
        rng: random.Random,
    ) -> list[_Place]:
        """The story's settings in order (a progression of 1-3 places)."""
        by_name = {s.name: s for s in T.SETTINGS}
        # explicit: "in a snowy forest", "on Mars" -> that place, in the user's words, for the whole movie
        for ch in sorted(place_chunks, key=lambda c: not c.prep):  # "in the garden" before a bare "Luna"
            scores = tab.setting_scores(ch.text)
            si = int(np.argmax(scores))
            if scores[si] >= _SETTING_MIN:
                st = T.SETTINGS[si]
                np_ = f"{ch.det} {ch.text}" if ch.det else ch.text
                prep = ch.prep or st.at
                return [
                    _Place(
                        _clip(ch.text, 120),
                        np_,
                        prep,
                        prep,
                        st.tags,
                        st.ambience,
                        " ".join(_cap(w) for w in ch.words),
                    )
                ]
        # chosen: fits every subject's habitat, the sentence, the genre and the subjects' favourite places
        sent = tab.setting_scores(text)
        for s in subjects:  # the subjects' own words hint at places too ("lighthouse keeper", "pirate")
            sent = np.maximum(sent, tab.setting_scores(s.phrase) - 0.1)
        best_i, best = 0, -1e9
        for i, st in enumerate(T.SETTINGS):
            fit = sum(1 for s in subjects if s.kind and set(s.kind.habitats) & set(st.tags))
            score = 2.0 * fit + 0.6 * float(sent[i]) + 0.25 * (st.name in genre.settings)
            score += 0.15 * sum(1 for s in subjects if s.kind and st.name in s.kind.prefers)
            score += rng.uniform(0.0, 0.12)  # different seeds, different places among close candidates
            if score > best:
                best_i, best = i, score
        chain = [T.SETTINGS[best_i]]
        want = 1 if n <= 4 else (2 if n <= 8 else 3)
        related = list(chain[0].related)
        rng.shuffle(related)
        for name in related:
            nxt = by_name.get(name)
            if nxt is None or len(chain) >= want:
                continue
            if all(not s.kind or set(s.kind.habitats) & set(nxt.tags) for s in subjects):
                chain.append(nxt)
        return [
            _Place(s.name, s.np, s.move, s.at, s.tags, s.ambience, " ".join(_cap(w) for w in s.name.split()))
            for s in chain
        ]

    # -- planning -----------------------------------------------------------------------------------------
    def _plan(self, n: int, k: int, genre: T.Genre, rng: random.Random) -> list[_Beat]:
        everyone = list(range(k))
        if n == 1:
            return [_Beat("resolution", everyone)]
        m = n - 1  # everything before the resolution
        establish = m >= 5 and rng.random() < genre.establish
        m -= int(establish)
        intros = min(k, m - 1) if m >= 2 else min(k, m)
        climax = 1 if m - intros >= 1 else 0
        rising = m - intros - climax
        beats = [_Beat("establish")] if establish else []
        beats += [_Beat("intro", [i]) for i in range(intros)]
        start = (intros % k if intros else rng.randrange(k)) if k else 0  # the next rising beat follows the
        # last introduction with another subject
        together_at = (2 * rising) // 3 if k >= 2 and rising >= 3 else -1
        for r in range(rising):
            if r == together_at:
                beats.append(_Beat("together", everyone[:2] if k == 2 else rng.sample(everyone, 2)))
            else:
                beats.append(_Beat("rising", [(start + r) % k] if k else []))
        if climax:
            beats.append(_Beat("together", everyone) if k >= 2 else _Beat("climax", everyone))
            beats[-1].role = "climax"
        beats.append(_Beat("resolution", everyone))
        return beats

    def _framing(
        self, beat: _Beat, subjects: list[_Subject], prev: tuple[str, str], rng: random.Random
    ) -> tuple[str, str]:
        """Shot size and camera move: wide to open and close, close-ups to introduce; never the same pair
        twice in a row, and the camera move changes from scene to scene where the options allow."""
        moving = (
            subjects[beat.who[0]].motion.cameras
            if beat.who
            else ("pan-right", "dolly-in", "static", "tilt-up")
        )
        shots, cams = {
            "establish": (
                ("extreme-wide", "wide"),
                ("aerial", "pan-right", "pan-left", "dolly-in", "tilt-down"),
            ),
            "intro": (("close-up",), moving),
            "rising": (("medium", "full", "wide", "medium-close-up", "close-up"), moving),
            "together": (("wide", "full", "medium"), moving),
            "climax": (
                ("full", "medium", "wide")
                if len(beat.who) > 1
                else ("close-up", "medium-close-up", "extreme-close-up"),
                moving,
            ),
            "resolution": (
                ("wide", "extreme-wide"),
                ("dolly-out", "zoom-out", "tilt-up", "aerial", "pan-left"),
            ),
        }[beat.role]
        shot_opts = [s for s in shots if s != prev[0]] or list(shots)
        if beat.role == "intro":
            shot_opts = list(shots)
        shot = rng.choice(shot_opts)
        cam_opts = [c for c in cams if c != prev[1]] or [c for c in cams if (shot, c) != prev]
        return shot, rng.choice(cam_opts)

    # -- writing ------------------------------------------------------------------------------------------
    @staticmethod
    def _place_phrase(subject: _Subject | None, place: _Place) -> str:
        tags = place.tags
        mode = subject.motion.mode if subject else "still"
        if mode == "still":
            return f"{place.at} {place.np}"
        if mode == "air" and "air" in tags and ("ground" in tags or "water" in tags):
            return f"high above {place.np}"
        if mode == "space" and "space" not in tags:
            return f"rising above {place.np}"
        if mode == "water" and "water" not in tags:
            return (
                f"beneath the surface above {place.np}" if "underwater" in tags else f"{place.at} {place.np}"
            )
        if mode == "underwater" and "underwater" not in tags and "water" in tags:
            return f"beneath the surface of {place.np}"
        return f"{place.move} {place.np}"

    def _action(
        self,
        beat: _Beat,
        shot: str,
        subjects: list[_Subject],
        place: _Place,
        genre: T.Genre,
        rng: random.Random,
        used: dict[tuple[int, str], list[str]],
    ) -> tuple[str, str]:
        """(Scene.action, the prompt's subject-and-action phrase)."""

        def pick(si: int, pool: str, options: tuple[str, ...]) -> str:
            bag = used.setdefault((si, pool), [])
            last = used.setdefault((si, "last"), [""])
            if not bag:  # a shuffled cycle: no action repeats before all were used, nor twice in a row
                bag.extend(options)
                rng.shuffle(bag)
                if len(bag) > 1 and bag[-1] == last[0]:
                    bag.insert(0, bag.pop())
            last[0] = bag.pop()
            return last[0]

        who = [subjects[j] for j in beat.who]
        if not who and beat.role not in ("establish", "resolution"):  # a place without subjects
            options: tuple[str, ...]
            if shot in ("close-up", "medium-close-up", "extreme-close-up"):
                options = ("the quiet details of", "fine textures of", "light playing across")
            elif "indoor" in place.tags and "ground" not in place.tags:
                options = ("light shifting slowly across", "shadows lengthening across", "the stillness of")
            else:
                options = ("light shifting slowly across", "clouds drifting over", "a gentle breeze moving through",
                           "the vast expanse of")  # fmt: skip
            detail = rng.choice(options)
            return detail, f"{detail} {place.np}"
        if beat.role == "resolution":
            ends = tuple(t for t in genre.resolution if ("{b}" not in t) and (subjects or "{a}" not in t))
            tmpl = rng.choice(ends or ("the last light {place}",))
            return self._render(tmpl, who or subjects, place, genre, still=True)
        if beat.role == "establish":
            text = (
                f"{rng.choice(('the vast expanse of', 'a sweeping view of', 'the stillness of'))} {place.np}"
            )
            return "establishing the scene", text
        if beat.role in ("together", "climax") and len(who) >= 2:
            a = who[0]
            if a.verb and a.target >= 0 and subjects[a.target] in who and rng.random() < 0.6:
                tmpl = "{a} " + a.verb + " {b} {place}"  # the user's own verb
            else:
                tmpl = rng.choice(genre.together)
            return self._render(tmpl, who, place, genre)
        s = who[0]
        si = beat.who[0]
        if beat.role == "climax":
            return self._render(rng.choice(genre.climax), who, place, genre)
        if beat.role == "intro":
            verb = s.verb if s.verb and s.target < 0 else ""
            act = (verb + " {place}") if verb else pick(si, "intro", s.motion.intro)
        else:
            own = (
                (s.verb + " {place}",) if s.verb and s.target < 0 else ()
            )  # the user's verb stays in the mix
            act = pick(si, genre.energy, getattr(s.motion, genre.energy) + own)
        phrase = act.replace("{place}", self._place_phrase(s, place))
        return act.replace(" {place}", ""), f"{s.desc} {phrase}"

    def _render(
        self, tmpl: str, who: list[_Subject], place: _Place, genre: T.Genre, still: bool = False
    ) -> tuple[str, str]:
        a = who[0] if who else None
        b = who[1] if len(who) > 1 else None
        everyone = " and ".join(s.desc for s in who) if who else "the landscape"
        prompt = tmpl.format(
            a=a.desc if a else "the landscape",
            b=b.desc if b else "",
            all=everyone,
            place=self._place_phrase(None if still else a, place),
            np=place.np,
        )
        short = tmpl.replace(" {place}", "").format(
            a=a.name if a else "the landscape",
            b=b.name if b else "",
            all=self._names(who) or "the landscape",
            np=place.np,
            place="",
        )
        return short.strip(), prompt

    @staticmethod
    def _light(tod: str, place: _Place) -> str:
        if "underwater" in place.tags:
            return {
                "day": "in shafts of sunlight from above",
                "golden-hour": "in warm filtered light",
                "night": "lit by glowing bioluminescence",
            }.get(tod, "in soft blue light")
        if place.tags == ("space",):
            return "lit by a distant sun" if tod != "night" else "against a field of stars"
        if "indoor" in place.tags and "ground" not in place.tags:
            return {
                "night": "in warm lamplight",
                "dawn": "in early morning light",
                "sunrise": "in early morning light",
                "day": "in soft daylight from a window",
            }.get(tod, "in warm evening light through the window")
        return T.TOD_PHRASE[tod]

    @staticmethod
    def _sky(weather: str, tod: str, place: _Place) -> str:
        if not ({"ground", "air", "water"} & set(place.tags)):
            return ""
        if weather == "clear" and tod == "night":
            return "under a starry sky"
        return T.WEATHER_PHRASE[weather]

    def _sound(
        self,
        beat: _Beat,
        subjects: list[_Subject],
        place: _Place,
        weather: str,
        genre: T.Genre,
        action: str,
    ) -> tuple[list[str], str]:
        """Concrete sound-effect queries for the scene and the text to match them against ("" when the
        first candidate is the answer); the best match is the scene's sound."""
        who = [subjects[j] for j in beat.who]
        candidates: list[str] = []
        for s in who:
            if s.kind:
                candidates += s.kind.sounds
        if beat.role == "resolution" and genre.extra_sound:
            candidates = list(genre.extra_sound)
        if beat.role in ("establish", "resolution") or not candidates:
            candidates += place.ambience
            if weather in T.WEATHER_SOUND:
                candidates.append(T.WEATHER_SOUND[weather])
        if beat.role == "climax":
            candidates += genre.extra_sound
        if beat.role == "establish":
            return [candidates[-1] if weather in T.WEATHER_SOUND else place.ambience[0]], ""
        kinds = " and ".join(s.kind.name for s in who if s.kind)
        return candidates, f"{kinds} {action}".strip()

    def _subtitle(self, beat: _Beat, subjects: list[_Subject], genre: T.Genre, rng: random.Random) -> str:
        who = [subjects[j] for j in beat.who]
        pool = {
            "intro": genre.sub_intro,
            "rising": genre.sub_rising,
            "together": genre.sub_together,
            "climax": genre.sub_together if len(who) > 1 else genre.sub_rising,
            "resolution": genre.sub_end,
        }.get(beat.role, genre.sub_end)
        if not who:
            pool = tuple(t for t in pool if "{A}" not in t) or ("...",)
        return _cap(rng.choice(pool).format(A=who[0].name if who else "", names=self._names(who)))

    def _fill(self, tmpl: str, subjects: list[_Subject], place: _Place, tod: str) -> str:
        names = self._names(subjects) or "the world"
        return _cap(tmpl.format(When=T.TOD_WORD[tod], names=names, np=place.np, at=place.at))

    @staticmethod
    def _names(who: list[_Subject]) -> str:
        names = [s.name for s in who]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""

    def _title(self, genre: T.Genre, subjects: list[_Subject], place: _Place, rng: random.Random) -> str:
        def bare(s: _Subject) -> str:
            the = "the " if s.name.startswith("the ") else ""
            return the + " ".join(_cap(w) for w in s.phrase.split())

        options = [
            t for t in genre.titles if ("{B}" not in t or len(subjects) >= 2) and ("{A}" not in t or subjects)
        ]
        tmpl = rng.choice(options or ["{Np}"])
        return _cap(
            tmpl.format(
                A=bare(subjects[0]) if subjects else "",
                B=bare(subjects[1]) if len(subjects) > 1 else "",
                Np=place.title,
            )
        )
