"""The animatic's icon library: ~5,700 drawables from two vendored Iconify sets, found by name or meaning.

    game-icons         4,133 one-colour silhouettes (CC BY 3.0, GameIcons): set pieces, props, creatures
    fluent-emoji-flat  1,593 colour emoji (MIT, Microsoft), default skin tone only: characters and props

The data lives in `icondata/<set>.json.gz` (a subset of the Iconify JSON format, written by
scripts/update_icons.py from `npm pack`), so lookup and rendering need neither npm nor the network.

    lib = IconLibrary.load()                       # cached per process
    m = lib.find("sand castle", prefer="silhouette")   # IconMatch("game-icons", "sand-castle", 1.0)
    rgba = lib.raster(m.set, m.name, 120, tint=(200, 40, 40))   # (120, w, 4) uint8, straight alpha

`find` tries, in order: the exact name (lemmatised: "flowers" -> flower; "sandcastle" ~ "sand-castle"), a name
holding every word of the phrase, the phrase without its leading modifiers ("red balloon" -> balloon), a
name whose words hold the head noun, then MiniLM meaning over all names. Only the last step loads the text
model, so `raster` (and exact lookups) work in scene worker processes without it. Rasters are cached in
memory and as PNGs under $MOVIEFACTORY_HOME/icons/<data digest>/.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moviefactory.errors import InputError
from moviefactory.home import home_dir

DATA_DIR = Path(__file__).with_name("icondata")
SILHOUETTE = "game-icons"
COLOUR = "fluent-emoji-flat"
SETS = (SILHOUETTE, COLOUR)
PREFER = {"colour": (COLOUR, SILHOUETTE), "silhouette": (SILHOUETTE, COLOUR), "any": (SILHOUETTE, COLOUR)}
MAX_HEIGHT_PX = 4096
_PROBE_PX = 256  # first render, used only to find the drawn bounding box (1/256 of the icon's box)

# Ranking (find). Word scores: exact name 1.0, whole phrase inside a name 0.85-0.95, phrase without its
# leading modifiers 0.85, the text's head as the name's head 0.6-0.85, as a modifier 0.5-0.6.
PREFER_BONUS = (
    0.05  # ranking only: a preferred set wins a tie or a near tie, never over a clearly better name
)
PLURAL_PENALTY = 0.03  # a name matched only through its plural ("balloons" for "balloon") ranks just below
SYMBOLIC_PENALTY = 0.1  # a name that draws a token of the thing (see _SYMBOLIC)
COMPOUND_HALF = 0.7  # the head half of a split closed compound ("policeman" -> man): no better than meaning
SEMANTIC_MARGIN = 0.05  # MiniLM cosine of two unrelated short names is ~0.3-0.5, of synonyms 0.6-0.9
SEMANTIC_MAX = 0.7  # meaning alone never outranks a name that holds the text's head noun as its own head
SEMANTIC_NUDGE = 0.2  # weight of meaning between names the words rank alike (mounted-knight vs chess-knight)
MODIFIER_NUDGE = 0.5  # ... and for names that hold the text's noun as a modifier (coffee-cup vs wizard-staff)
LOOKALIKE_PENALTY = 0.1  # meaning of a name word that only starts with the text's word (crow -> crowbar)
SEMANTIC_MAX_PIECES = 4  # a word the tokenizer splits this finely is unknown to MiniLM ("zzxqv": 5 pieces)
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")  # kana and CJK ideographs: no spaces
_MEMORY_RASTERS = 512  # in-memory LRU of rendered RGBA arrays (~100 KB each at 160 px)

ACCESSORY_COSINE = 0.7  # an unnamed thing marks a role only this close in meaning (fisherman ~ fishing 0.76)
# Names holding one of these draw a person, not a thing a person holds or wears (accessory()).
# _PERSON_PREFIXES also mark a person as a name's first word ("woman-cook", "man-pilot").
_PERSON_PREFIXES = frozenset({"person", "people", "man", "woman", "men", "women", "boy", "girl", "child"})
_PEOPLE_WORDS = _PERSON_PREFIXES | frozenset({
    "children", "kid", "baby", "player", "players", "family", "couple", "face", "head", "bust", "silhouette",
    "profile", "human", "king", "queen", "prince", "princess", "captain", "chief", "ninja", "mage", "elf", "fairy",
    "vampire", "zombie", "genie", "troll", "merperson", "female", "male", "eyes", "eye", "hand", "hands", "fist",
})  # fmt: skip
# Words that say which of several things a phrase means but are not themselves drawn.
_DETERMINERS = frozenset({
    "a", "an", "the", "some", "any", "his", "her", "its", "their", "my", "your", "our", "this", "that", "these",
    "those", "one", "two", "three", "four", "five", "several", "many", "few",
})  # fmt: skip
# A name ending in one of these draws the thing named before it ("fox-head" is a fox, "dragon-face" a dragon).
_DEPICTS = frozenset({"head", "face", "bust", "mask", "silhouette"})
# A name holding one of these draws a token or sign of the thing, not the thing ("chess-knight", "card-queen"):
# such a name ranks below a plain kind of it ("mounted-knight") unless the text asks for the token.
_SYMBOLIC = frozenset({
    "chess", "card", "rank", "badge", "emblem", "symbol", "sign", "flag", "coin", "token", "logo", "button",
    "stamp", "tattoo", "trophy", "medal", "statue",
})  # fmt: skip
# First halves of closed compounds that are not modifiers of the second ("underwater" is not a water).
_PARTICLES = frozenset(
    {"under", "over", "out", "off", "back", "down", "through", "with", "after", "fore", "up"}
)
_IRREGULAR = {
    "mice": "mouse", "geese": "goose", "children": "child", "people": "person", "feet": "foot",
    "teeth": "tooth", "women": "woman", "men": "man", "oxen": "ox", "lice": "louse", "dice": "die",
}  # fmt: skip


@dataclass(frozen=True)
class IconMatch:
    set: str  # "game-icons" | "fluent-emoji-flat"
    name: str  # e.g. "lighthouse", "sand-castle"
    score: float  # 0..1; 1.0 for an exact name match

    @property
    def drawn_as(self) -> str:
        return f"{self.set}:{self.name}"


@dataclass(frozen=True)
class _Entry:
    set: str
    name: str
    words: tuple[str, ...]  # lemmatised words of the name


def _singulars(word: str) -> list[str]:
    """Candidate singular forms of an English word, most likely first (the vocabulary picks one)."""
    out = [_IRREGULAR[word]] if word in _IRREGULAR else []
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("ves"):
        out += [word[:-3] + "f", word[:-3] + "fe"]
    if word.endswith("men"):
        out.append(word[:-3] + "man")
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        out.append(word[:-1])
    return out


class IconLibrary:
    """All icons of both sets with a word index; `load()` gives the process-wide instance."""

    _instance: IconLibrary | None = None
    _lock = threading.Lock()

    def __init__(self, sets: dict[str, dict[str, Any]], digest: str) -> None:
        self.sets = sets
        self.digest = digest  # of the vendored data files: part of every disk cache key
        self._names: dict[str, set[str]] = {s: set(d["icons"]) | set(d["aliases"]) for s, d in sets.items()}
        self.vocab: frozenset[str] = frozenset(
            w for names in self._names.values() for n in names for w in n.split("-")
        )
        self.entries: list[_Entry] = [
            _Entry(s, n, tuple(self.lemma(w) for w in n.split("-")))
            for s in SETS
            for n in sorted(self._names[s])
        ]
        # lemmatised compound key ("sandcastle") -> entries; word -> entries holding it
        self._index = {e: i for i, e in enumerate(self.entries)}  # row of each entry in name_vectors()
        self._by_key: dict[str, list[_Entry]] = {}
        self._by_word: dict[str, list[_Entry]] = {}
        for e in self.entries:
            self._by_key.setdefault("".join(e.words), []).append(e)
            for w in set(e.words):
                self._by_word.setdefault(w, []).append(e)
        self._rasters: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
        self._raster_lock = threading.Lock()
        self._name_vectors: np.ndarray | None = None  # (len(entries), 384) float32, L2-normalised
        self._vectors_lock = threading.Lock()
        self.renders = 0  # SVG renders done by this instance (cache misses), for tests and benchmarks
        self._terms: dict[str, str] | None = None  # other languages' emoji names -> English (foreign_words)

    # -- loading ----------------------------------------------------------------------------------------------
    @classmethod
    def load(cls) -> IconLibrary:
        with cls._lock:
            if cls._instance is None:
                h = hashlib.sha256()
                sets = {}
                for s in SETS:
                    raw = (DATA_DIR / f"{s}.json.gz").read_bytes()
                    h.update(raw)
                    sets[s] = json.loads(gzip.decompress(raw))
                cls._instance = cls(sets, h.hexdigest()[:16])
            return cls._instance

    def cache_dir(self) -> Path:
        return home_dir() / "icons" / self.digest

    def lemma(self, word: str) -> str:
        """The singular of `word` where that is a word of some icon name ("flowers" -> flower, though
        "flowers" is a name too), else `word`."""
        return next((c for c in _singulars(word) if c in self.vocab), word)

    def has(self, set: str, name: str) -> bool:
        return set in self._names and name in self._names[set]

    # -- lookup -----------------------------------------------------------------------------------------------
    def _words(self, text: str) -> tuple[list[str], list[str], set[int]]:
        """(words for names, words for meaning, positions of compound halves). Lemmatised, leading articles
        dropped. For names, a closed compound no name holds is split where both halves are name words
        ("rowboat" -> row boat, "henhouse" -> hen house; "sandcastle" then still meets sand-castle); the
        position of each second half is returned. Meaning reads the words as typed."""
        typed = [self.lemma(w) for w in re.findall(r"[a-z0-9]+", text.lower().replace("'s", ""))]
        while typed and typed[0] in _DETERMINERS and len(typed) > 1:
            typed = typed[1:]
        out: list[str] = []
        halves: set[int] = set()
        for w in typed:
            splits = [(w[:k], self.lemma(w[k:])) for k in range(3, len(w) - 2)] if w not in self.vocab else []
            parts = [(a, b) for a, b in splits if a in self.vocab and b in self.vocab and a not in _PARTICLES]
            if parts:  # the longest head: "firetruck" -> fire truck
                halves.add(len(out) + 1)
                out += list(parts[0])
            else:
                out.append(w)
        return out, typed, halves

    def _lexical(
        self, words: list[str], raw: str, halves: set[int]
    ) -> tuple[dict[_Entry, float], dict[_Entry, float]]:
        """Entries matched by name: ({entry: score 0..1}, {entry: weight of meaning when ordering it}).
        `words`: the text's lemmatised words; `raw`: its letters and digits as typed ("waves")."""
        found: dict[_Entry, float] = {}
        nudge: dict[_Entry, float] = {}

        def add(entries: Iterable[_Entry], score: float, weight: float = SEMANTIC_NUDGE) -> None:
            for e in entries:
                # matched only through its plural: "balloons" is a bunch, "balloon" was asked
                plural = e.name.split("-") != [*e.words] and e.name.replace("-", "") != raw
                s = score - PLURAL_PENALTY * plural
                if s > found.get(e, 0.0):
                    found[e], nudge[e] = s, weight

        if not words:
            return found, nudge
        n = len(words)
        add(self._by_key.get("".join(words), []), 1.0)  # "sand castle", "sandcastle", "flowers"
        head = words[-1]
        for e in self._by_word.get(head, []):
            m = len(e.words)
            if n > 1 and _contains(e.words, words):  # "treasure chest" -> open-treasure-chest
                add([e], 0.85 + 0.1 * n / m)
                continue
            share = len(set(words) & set(e.words)) / len(set(words) | set(e.words))  # 1: the same words
            token = SYMBOLIC_PENALTY if (_SYMBOLIC & set(e.words)) - set(words) else 0.0
            if e.words[-1] == head or (m > 1 and e.words[-2] == head and e.words[-1] in _DEPICTS):
                # the name's own head noun: mounted-knight is a knight (but a starfish is no fish)
                top = COMPOUND_HALF if n - 1 in halves else 1.0
                add([e], min(top, 0.6 + 0.25 * share - token))
            else:
                # a modifier: wizard-staff is a staff, but a coffee-cup is what "coffee" shows; meaning decides
                add([e], 0.5 + 0.1 * share - token, MODIFIER_NUDGE)
        # without leading modifiers: "red balloon" -> balloon, "hot air balloon" -> air-balloon; half a closed
        # compound counts less (a policeman is more than a man)
        for i in range(1, n):
            top = COMPOUND_HALF if i in halves else 0.85
            add(self._by_key.get("".join(words[i:]), []), top - 0.1 * (i - 1) / n)
        return found, nudge

    def _rank(self, cands: dict[_Entry, float], prefer: str) -> tuple[_Entry, float] | None:
        if not cands:
            return None
        order = PREFER[prefer]

        def key(item: tuple[_Entry, float]) -> tuple[float, int, int, int, str]:
            e, s = item
            bonus = PREFER_BONUS if (prefer != "any" and e.set == order[0]) else 0.0
            # among equals: a modifier many names share marks a family of variants (chess-knight, card-king,
            # baby-bottle), a rare one a kind of the thing itself (mounted-knight, wine-bottle)
            family = sum(len(self._by_word.get(w, ())) for w in e.words[:-1])
            return (-round(s + bonus, 4), order.index(e.set), family, len(e.name), e.name)

        return min(cands.items(), key=key)

    def find(self, text: str, *, prefer: str = "any", min_score: float = 0.5) -> IconMatch | None:
        return self.find_all([text], prefer=prefer, min_score=min_score)[0]

    def find_all(
        self, texts: list[str], *, prefer: str = "any", min_score: float = 0.5
    ) -> list[IconMatch | None]:
        """The best icon for each text (a noun or short noun phrase), or None below `min_score`.

        Names matched exactly (score >= 0.85) are answered without the text model. The rest are compared by
        MiniLM meaning with every icon name in one batch: a name that shares no word with the text scores its
        cosine less SEMANTIC_MARGIN (at most SEMANTIC_MAX, below any exact name); one that does keeps its
        word score, nudged by (cosine - 0.7) x SEMANTIC_NUDGE (MODIFIER_NUDGE for modifier names). Words
        MiniLM's tokenizer cannot read (SEMANTIC_MAX_PIECES or more pieces, e.g. "blorfquax") are left out
        of the meaning query, so nonsense finds nothing. Deterministic: ties go by set order, then names.
        """
        if prefer not in PREFER:
            raise InputError(f"prefer must be one of {sorted(PREFER)}, got {prefer!r}")
        if not 0.0 <= min_score <= 1.0:
            raise InputError(f"min_score must be within 0..1, got {min_score}")
        queries = [self._words(t) for t in texts]
        words = [q[0] for q in queries]
        lexical = [
            self._lexical(q[0], "".join(re.findall(r"[a-z0-9]+", t.lower())), q[2])
            for q, t in zip(queries, texts, strict=True)
        ]
        found = [f for f, _ in lexical]
        need = [i for i, c in enumerate(found) if max(c.values(), default=0.0) < 0.85 and words[i]]
        if need:
            from moviefactory.textembed import text_embedder

            emb = text_embedder()
            known = {
                i: [w for w in queries[i][1] if len(emb.model.tokenizer.tokenize(w)) < SEMANTIC_MAX_PIECES]
                for i in need
            }
            need = [i for i in need if known[i]]
            vecs = self.name_vectors()
            qvecs = emb.encode([" ".join(known[i]) for i in need])  # (len(need), 384)
            sims = qvecs @ vecs.T  # (len(need), entries): cosine
            for row, i in enumerate(need):
                named = {e: self._index[e] for e in found[i]}
                for e, j in named.items():  # meaning orders names of the same word standing
                    found[i][e] += lexical[i][1][e] * (float(sims[row, j]) - 0.7)
                for j in np.argsort(-sims[row], kind="stable")[:20]:  # names sharing no word: meaning alone
                    e = self.entries[int(j)]
                    if e not in named:
                        # MiniLM reads "crowbar" as crow+bar: a longer word that starts with the text's word
                        # is a different word, not a kind of it
                        lookalike = any(v != w and v.startswith(w) for v in e.words for w in known[i])
                        sem = float(sims[row, j]) - SEMANTIC_MARGIN - LOOKALIKE_PENALTY * lookalike
                        found[i][e] = min(SEMANTIC_MAX, sem)
        out: list[IconMatch | None] = []
        for cands in found:
            best = self._rank(cands, prefer)
            if best is None or best[1] < min_score:
                out.append(None)
            else:
                out.append(IconMatch(best[0].set, best[0].name, round(min(best[1], 1.0), 4)))
        return out

    def accessory(self, role: str, *, min_cosine: float = ACCESSORY_COSINE) -> IconMatch | None:
        """A thing that marks someone as `role` (one noun: "samurai" -> samurai-helmet, "fisherman" ->
        fishing), never a picture of a person: a name holding the role word as a modifier ("ballerina-shoes",
        "pirate-hat"; score 0.8, the nearest in meaning among several), else the thing nearest in meaning when
        its MiniLM cosine is at least `min_cosine` (score = cosine). None when nothing is that clear: a
        figure is better left plain than handed a torpedo for a sailor."""
        from moviefactory import language as L

        word = self.lemma(role.lower().strip())
        if not word or not L.is_english(word):
            return None

        def thing(e: _Entry) -> bool:
            return not self._person(e) and _head(e) != word

        named = [e for e in self._by_word.get(word, []) if thing(e)]
        from moviefactory.textembed import text_embedder

        q = text_embedder().encode([word])[0]  # (384,)
        vecs = self.name_vectors()
        if named:
            best = max(named, key=lambda e: (float(vecs[self._index[e]] @ q), e.set == SILHOUETTE, e.name))
            return IconMatch(best.set, best.name, 0.8)
        sims = vecs @ q  # (entries,)
        for j in np.argsort(-sims, kind="stable")[:40]:
            e = self.entries[int(j)]
            if float(sims[j]) < min_cosine:
                break
            if thing(e) and not any(v != word and v.startswith(word) for v in e.words):
                return IconMatch(e.set, e.name, round(float(sims[j]), 4))
        return None

    def foreign_words(self, text: str) -> list[tuple[str, str]]:
        """(words as written, English name) for each emoji name of another language in `text`, in order:
        "un vieux chat noir" -> [("chat noir", "black cat")], "一只熊猫在竹林里" -> [("熊猫", "panda")]. The
        names are the CLDR labels of 26 locales (icondata/words.json.gz); the English name finds the icon.
        Longest match first; scripts written without spaces (Chinese, Japanese) are scanned by character."""
        terms = self._foreign_terms()
        low = text.lower()
        found: list[tuple[str, str]] = []
        for run in _CJK_RUN.findall(low):
            i = 0
            while i < len(run):
                n = next((n for n in range(min(8, len(run) - i), 0, -1) if run[i : i + n] in terms), 0)
                if n:
                    found.append((run[i : i + n], terms[run[i : i + n]]))
                i += max(n, 1)
        toks = re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", _CJK_RUN.sub(" ", low))
        i = 0
        while i < len(toks):
            for n in (3, 2, 1):
                phrase = " ".join(toks[i : i + n])
                forms = [phrase, phrase[:-1]] if phrase.endswith("s") and len(phrase) > 4 else [phrase]
                hit = next((f for f in forms if len(f) >= 3 and f in terms), None)
                if hit is not None:
                    found.append((phrase, terms[hit]))
                    i += n
                    break
            else:
                i += 1
        return list(dict.fromkeys(found))

    def _foreign_terms(self) -> dict[str, str]:
        if self._terms is None:
            path = DATA_DIR / "words.json.gz"
            self._terms = json.loads(gzip.decompress(path.read_bytes()))["terms"] if path.exists() else {}
        return self._terms

    def is_person(self, set: str, name: str) -> bool:
        """Does the icon draw someone (a person, a role: "ninja", "woman-cook", "lucky-fisherman")?"""
        return self._person(_Entry(set, name, tuple(self.lemma(w) for w in name.split("-"))))

    @staticmethod
    def _person(e: _Entry) -> bool:
        from moviefactory import language as L

        head = _head(e)
        people = head in _PEOPLE_WORDS or e.words[0] in _PERSON_PREFIXES  # woman-cook, man-pilot
        return people or L.is_agent_noun(head)

    def name_texts(self) -> list[str]:
        """What MiniLM embeds for each entry, in entry order: the name's words ("sand castle")."""
        return [" ".join(e.name.split("-")) for e in self.entries]

    def name_vectors(self) -> np.ndarray:
        """(len(entries), 384) float32 MiniLM vectors of all icon names, L2-normalised.

        From the package (`icondata/name-vectors.npy`, int8, written by scripts/update_icons.py) when it was
        made from these names with this model; else computed once (25-90 s on 2 cores) and cached under
        $MOVIEFACTORY_HOME/icons/<digest>/.
        """
        with self._vectors_lock:
            if self._name_vectors is None:
                from moviefactory.textembed import MODEL_NAME

                vecs = _shipped_vectors(self.name_texts(), MODEL_NAME)
                if vecs is None:
                    vecs = self._computed_vectors(MODEL_NAME)
                self._name_vectors = vecs
            return self._name_vectors

    def _computed_vectors(self, model: str) -> np.ndarray:
        from moviefactory.textembed import text_embedder
        from moviefactory.workspace import atomic_output

        path = self.cache_dir() / f"names-{_texts_digest(self.name_texts(), model)}.npy"
        with contextlib.suppress(OSError, ValueError):
            vecs = np.load(path)
            if vecs.shape == (len(self.entries), 384):
                return vecs.astype(np.float32)
        vecs = text_embedder().encode(self.name_texts())
        with atomic_output(path) as tmp, tmp.open("wb") as f:
            np.save(f, vecs)
        return vecs.astype(np.float32)

    # -- drawing ----------------------------------------------------------------------------------------------
    def raster(
        self, set: str, name: str, height_px: int, tint: tuple[int, int, int] | None = None
    ) -> np.ndarray:
        """(height_px, w, 4) uint8 RGBA, straight alpha, trimmed to the drawn box, aspect kept.

        Silhouettes are drawn in `tint` (default black); colour emoji keep their colours. The untinted
        render is cached on disk (PNG); the tinted array in memory. Returns a new array each call.
        """
        if not self.has(set, name):
            raise InputError(f"no icon {set}:{name}")
        if not 1 <= int(height_px) <= MAX_HEIGHT_PX:
            raise InputError(f"icon height must be 1..{MAX_HEIGHT_PX} px, got {height_px}")
        if tint is not None and (len(tint) != 3 or not all(0 <= int(c) <= 255 for c in tint)):
            raise InputError(f"tint must be three 0..255 values, got {tint!r}")
        height_px = int(height_px)
        tinted = set == SILHOUETTE and tint is not None
        key = (set, name, height_px, tuple(int(c) for c in tint) if tinted and tint else None)
        with self._raster_lock:
            hit = self._rasters.get(key)
            if hit is not None:
                self._rasters.move_to_end(key)
                return hit.copy()
        base = self._base_raster(set, name, height_px)
        if tinted and tint is not None:
            base = base.copy()
            base[..., :3] = np.asarray(tint, np.uint8)  # one colour: the alpha channel is the shape
        with self._raster_lock:
            self._rasters[key] = base
            while len(self._rasters) > _MEMORY_RASTERS:
                self._rasters.popitem(last=False)
        return base.copy()

    def _base_raster(self, set: str, name: str, height_px: int) -> np.ndarray:
        import cv2

        path = self.cache_dir() / "raster" / set / f"{name}-{height_px}.png"
        if path.exists():
            bgra = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if bgra is not None and bgra.ndim == 3 and bgra.shape[2] == 4 and bgra.shape[0] == height_px:
                return np.ascontiguousarray(cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGBA))
        rgba = self._render(set, name, height_px)
        from moviefactory.workspace import atomic_output

        with atomic_output(path) as tmp:
            ok, png = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
            if not ok:
                raise InputError(f"{set}:{name}: could not encode the raster as PNG")
            tmp.write_bytes(png.tobytes())
        return rgba

    def _icon(self, set: str, name: str) -> tuple[str, tuple[float, float, float, float], dict[str, Any]]:
        """(SVG body, viewBox (left, top, width, height) in icon units, alias transforms)."""
        data = self.sets[set]
        alias: dict[str, Any] = {}
        if name in data["aliases"]:
            alias = data["aliases"][name]
            name = alias["parent"]
        icon = data["icons"][name]
        box = tuple(
            float(icon.get(k, alias.get(k, d)))
            for k, d in (("left", 0), ("top", 0), ("width", data["width"]), ("height", data["height"]))
        )
        return icon["body"], box, alias  # type: ignore[return-value]

    def _render(self, set: str, name: str, height_px: int) -> np.ndarray:
        """Render with resvg in two passes: a probe finds the drawn box, then that box fills `height_px`."""
        body, (x0, y0, w, h), alias = self._icon(set, name)
        if alias.get("rotate"):
            raise InputError(f"{set}:{name}: rotated aliases are not supported")
        probe = _svg_rgba(body, (x0, y0, w, h), _PROBE_PX * w / max(w, h), _PROBE_PX * h / max(w, h))
        ys, xs = np.nonzero(probe[..., 3])
        if len(ys) == 0:
            raise InputError(f"{set}:{name}: the icon draws nothing")
        sx, sy = w / probe.shape[1], h / probe.shape[0]  # icon units per probe pixel
        # drawn box in icon units, one probe pixel of margin (anti-aliased edges the probe may have missed)
        bx0, by0 = x0 + (xs.min() - 1) * sx, y0 + (ys.min() - 1) * sy
        bw, bh = (xs.max() - xs.min() + 3) * sx, (ys.max() - ys.min() + 3) * sy
        scale = height_px / bh
        out = _svg_rgba(body, (bx0, by0, bw, bh), max(1.0, bw * scale), height_px)
        out = _trim(out)
        if out.shape[0] != height_px:  # the margin held a transparent row: stretch by < 1 %
            out = _resize_rgba(out, height_px)
        if alias.get("hFlip"):
            out = out[:, ::-1]
        if alias.get("vFlip"):
            out = out[::-1]
        self.renders += 1
        return np.ascontiguousarray(out)

    # -- credits ----------------------------------------------------------------------------------------------
    def credit(self, set: str, name: str) -> dict[str, str]:
        """{"set", "name", "title", "author", "license", "url"}: url is the licence's."""
        if not self.has(set, name):
            raise InputError(f"no icon {set}:{name}")
        info = self.sets[set]["info"]
        return {
            "set": set,
            "name": name,
            "title": name.replace("-", " "),
            "author": f"{info['author']['name']} ({info['author']['url']})",
            "license": info["license"]["title"],
            "url": info["license"]["url"],
        }


def _head(e: _Entry) -> str:
    """The word a name draws: its last, or the one before a _DEPICTS word ("fox-head" draws a fox)."""
    return e.words[-2] if len(e.words) > 1 and e.words[-1] in _DEPICTS else e.words[-1]


def _contains(seq: tuple[str, ...], sub: list[str]) -> bool:
    n = len(sub)
    return any(list(seq[i : i + n]) == sub for i in range(len(seq) - n + 1))


def _svg_rgba(body: str, box: tuple[float, float, float, float], width: float, height: float) -> np.ndarray:
    """(height, width, 4) uint8 RGBA of an Iconify body drawn with viewBox `box` (left, top, w, h)."""
    import cv2
    import resvg_py

    x0, y0, w, h = box
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="{x0:.4f} {y0:.4f} {w:.4f} {h:.4f}" width="{width:.3f}" height="{height:.3f}" '
        f'preserveAspectRatio="none">{body}</svg>'
    )
    png = resvg_py.svg_to_bytes(
        svg_string=svg, width=max(1, round(width)), height=max(1, round(height)), skip_system_fonts=True
    )
    bgra = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    if bgra is None or bgra.ndim == 2 or bgra.shape[2] != 4:
        raise InputError("resvg returned an image without alpha")
    return cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGBA)


def _trim(rgba: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(rgba[..., 3])
    return rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _resize_rgba(rgba: np.ndarray, height: int) -> np.ndarray:
    """Resize premultiplied (so transparent pixels' colour does not bleed into edges), back to straight."""
    import cv2

    width = max(1, round(rgba.shape[1] * height / rgba.shape[0]))
    a = rgba[..., 3:].astype(np.float32) / 255.0
    pm = np.concatenate([rgba[..., :3].astype(np.float32) * a, a * 255.0], axis=2)
    pm = cv2.resize(pm, (width, height), interpolation=cv2.INTER_AREA)
    alpha = pm[..., 3:] / 255.0
    rgb = np.where(alpha > 0, pm[..., :3] / np.maximum(alpha, 1e-6), 0.0)
    return np.clip(np.concatenate([rgb, pm[..., 3:]], axis=2) + 0.5, 0, 255).astype(np.uint8)


VECTORS_FILE = "name-vectors.npy"  # (N, 384) int8, with name-vectors.json: {"texts", "model", "scale"}


def _texts_digest(texts: list[str], model: str) -> str:
    return hashlib.sha256(json.dumps([model, texts]).encode("utf-8")).hexdigest()[:16]


def _shipped_vectors(texts: list[str], model: str) -> np.ndarray | None:
    """The packaged vectors if they were made from exactly `texts` with `model`, else None."""
    try:
        meta = json.loads((DATA_DIR / "name-vectors.json").read_text(encoding="utf-8"))
        q = np.load(DATA_DIR / VECTORS_FILE)
    except (OSError, ValueError):
        return None
    if meta.get("texts") != _texts_digest(texts, model) or q.shape != (len(texts), 384):
        return None
    vecs = q.astype(np.float32) * float(meta["scale"])
    return vecs / np.maximum(
        np.linalg.norm(vecs, axis=1, keepdims=True), 1e-8
    )  # int8 steps: back to unit length


def quantise_vectors(vecs: np.ndarray, texts: list[str], model: str) -> tuple[np.ndarray, dict[str, Any]]:
    """(int8 array, metadata) for packaging: one scale for all (|component| <= ~0.4 in unit 384-d vectors,
    so a step is ~0.003 and a cosine moves by < 0.01)."""
    scale = float(np.abs(vecs).max()) / 127.0
    q = np.clip(np.round(vecs / scale), -127, 127).astype(np.int8)
    return q, {"texts": _texts_digest(texts, model), "model": model, "scale": scale, "count": len(texts)}


def write_credits(used: Iterable[str], folder: Path) -> list[dict[str, str]]:
    """Record the icons a movie draws (`drawn_as` strings, e.g. "game-icons:lighthouse") in the movie's
    credits.json ("icons" section) and CREDITS.txt, keeping the sound stage's section. Pass every icon the
    movie uses: the icon section is replaced, so an icon no scene draws any more leaves the credits.
    Duplicates are merged, order is first use. Returns the entries written."""
    from moviefactory.credits import write_section

    lib = IconLibrary.load()
    entries: dict[str, dict[str, str]] = {}
    for drawn in used:
        set, sep, name = drawn.partition(":")
        if not sep:
            raise InputError(f"an icon is named set:name, got {drawn!r}")
        entries.setdefault(drawn, lib.credit(set, name))
    lines = [f"{e['set']}:{e['name']} - {e['author']} ({e['license']}, {e['url']})" for e in entries.values()]
    write_section(Path(folder), "icons", list(entries.values()), "\n".join(["Icon credits", "", *lines]))
    return list(entries.values())
