"""The set registry: the places people ask for, the words they use for them, and the effects each allows.

A set is what the animatic draws behind the subjects. `SETS` maps a plain place word (the set's name, also
its `drawn_as` "set:<name>") to a `SetSpec`: the aliases people write, one descriptive sentence for the
MiniLM fallback, what kind of space it is (outdoor under a sky, an interior with walls and a floor and no
sky, orbit with no ground, underwater), the rows where subjects stand, and its set pieces. `find_set` maps
free text to a set (whole-word aliases first, then meaning); `effects_for` says which animated effects a set
gets for a weather and the scene's words. Painting lives in world.py; this module is plain data and rules,
so a resolved set name pickles into worker processes and nothing here loads a model unless asked to.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

SetKind = Literal["outdoor", "interior", "orbit", "underwater"]

# Below this cosine a place is not drawn as its nearest set: the caller reports "could not draw place X".
MIN_MEANING = 0.45


@dataclass(frozen=True)
class SetSpec:
    name: str  # registry key and drawn_as "set:<name>": the plain place word ("sea", "bamboo-forest")
    kind: SetKind
    description: str  # one sentence for the MiniLM fallback (a sentence reads closer to free text)
    aliases: tuple[str, ...]  # place words, singular; multi-word aliases match as phrases
    rows: tuple[float, float, float] = (0.9, 0.68, 0.33)  # (ground, water, air) rows, fractions of H
    pieces: tuple[str, ...] = ()  # set pieces always drawn (text words; world.py paints or fetches them)
    effects: tuple[str, ...] = ()  # effects the place has in any weather (waves, lava, bubbles)
    specific: int = 1  # tie-break between aliases of equal length: a volcano beats an island beats a village


def _s(name: str, kind: SetKind, description: str, aliases: str, **kw: object) -> SetSpec:
    words = tuple(a.strip() for a in aliases.split(",") if a.strip())
    return SetSpec(name, kind, description, (name.replace("-", " "), *words), **kw)  # type: ignore[arg-type]


SETS: dict[str, SetSpec] = {s.name: s for s in [
    # -- water
    _s("sea", "outdoor", "the open sea with rolling waves under the sky, a lighthouse on the rocks",
       "ocean, open water, open sea, waves, wave, high seas, harbour, harbor, port, pier, lighthouse, seascape, "
       "海, 大海, mer, océan, mar, meer", rows=(0.92, 0.74, 0.32), pieces=("lighthouse", "rocks"),
       effects=("waves",), specific=1),
    _s("coast", "outdoor", "the coast by the sea with waves breaking on the shore",
       "coastal, seaside, shore, coastline, cliff, bay, seashore", rows=(0.92, 0.72, 0.33), effects=("waves",),
       specific=1),
    _s("beach", "outdoor", "a sandy beach with a tide line where the waves wash up",
       "sand beach, sandy beach, tide, tide line, seaside beach, sandcastle, sand castle, plage, 海滩, 沙滩",
       rows=(0.9, 0.7, 0.33), effects=("waves",), specific=2),
    _s("island", "outdoor", "a tropical island with palm trees in the sea",
       "tropical island, desert island, isle, atoll, lagoon, palm, palm tree, 岛", rows=(0.9, 0.8, 0.3),
       pieces=("palm-tree",), effects=("waves",), specific=2),
    _s("volcano", "outdoor", "a volcano erupting on an island, lava glowing",
       "volcanic island, volcanic, lava, eruption, crater, magma, 火山", rows=(0.9, 0.82, 0.3),
       pieces=("volcano",), effects=("lava", "waves"), specific=3),
    _s("lake", "outdoor", "a calm lake with reeds and hills around it",
       "pond, loch, reservoir, lakeside, lakeshore, river, riverbank, swamp, marsh, bog, wetland, 湖", rows=(0.92, 0.74, 0.33), specific=2),
    _s("underwater", "underwater", "under the sea, underwater ocean depths with coral and fish",
       "undersea, under the sea, under water, seabed, sea floor, seafloor, ocean floor, reef, coral reef, coral, "
       "deep sea, abyss, depths, deep ocean, aquarium, submerged, bottom of the sea, bottom of the ocean, "
        "ocean bottom, 海底, 水下",
       rows=(0.92, 0.5, 0.4), effects=("bubbles",), specific=2),
    # -- off the ground
    _s("orbit", "orbit", "outer space in orbit above the earth, stars and the planet's curved limb",
       "space, outer space, orbit, earth orbit, low earth orbit, space station, spacewalk, cosmos, galaxy, "
       "universe, starfield, nebula, interstellar, planet, asteroid belt, deep space, 太空, 宇宙, espace",
       rows=(0.72, 0.5, 0.45), specific=2),
    _s("space", "orbit", "deep space with planets, a ringed moon and stars", "moon surface, mars, alien planet",
       rows=(0.72, 0.5, 0.45), specific=1),
    _s("sky", "outdoor", "high in the sky among the clouds",
       "skies, cloud, clouds, above the clouds, air, airborne, heaven, stratosphere, 天空",
       rows=(0.9, 0.7, 0.45), specific=0),
    # -- interiors: walls and a floor, never a sky
    _s("room", "interior", "inside a room of a house, an indoor interior with a window and furniture",
       "interior, indoors, inside, living room, bedroom, apartment, home, house, cottage, farmhouse, "
       "attic, hallway, corridor, office, classroom, studio, empty house, haunted house, 房间, maison",
       rows=(0.9, 0.7, 0.35), specific=1),
    _s("kitchen", "interior", "a kitchen with counters, cupboards, a stove and pots",
       "cookhouse, bakery, canteen, scullery, galley, restaurant kitchen, cuisine, 厨房", rows=(0.9, 0.7, 0.35),
       pieces=("stove", "cupboard"), specific=3),
    _s("library", "interior", "a library with tall bookshelves full of books",
       "bookshop, bookstore, reading room, archive, bibliothèque, biblioteca, 图书馆",
       rows=(0.9, 0.7, 0.35), pieces=("bookshelf",), specific=3),
    _s("laboratory", "interior", "a science laboratory with benches, flasks and screens",
       "lab, science lab, workshop, observatory, 实验室", rows=(0.9, 0.7, 0.35), pieces=("flask",), specific=3),
    _s("factory", "interior", "an old factory with machines, pipes, girders and gears",
       "warehouse, mill, foundry, assembly line, workshop floor, hangar, garage, 工厂",
       rows=(0.9, 0.7, 0.35), pieces=("gear", "pipe"), specific=3),
    _s("castle-hall", "interior", "the great hall inside a medieval castle, stone walls, banners, a throne",
       "castle hall, great hall, throne room, throne, palace hall, dungeon, keep interior, ballroom, temple, "
       "church, cathedral", rows=(0.9, 0.7, 0.35), pieces=("banner", "pillar"), specific=3),
    _s("cave", "interior", "a dark cave with rocky walls and stalactites",
       "cavern, grotto, tunnel, underground, lair, den, 山洞", rows=(0.9, 0.7, 0.35),
       pieces=("stalactite",), specific=3),
    _s("stage", "interior", "a theatre stage with red curtains under a spotlight",
       "theatre, theater, spotlight, concert, opera, auditorium, ballet, cabaret, circus ring, 舞台",
       rows=(0.88, 0.7, 0.35), pieces=("curtain", "spotlight"), effects=("spotlight",), specific=3),
    _s("barn", "interior", "inside a wooden barn with hay bales", "henhouse, hen house, chicken coop, coop, stable, "
       "hayloft, shed", rows=(0.9, 0.7, 0.35), pieces=("hay",), specific=3),
    # -- built places outdoors
    _s("city", "outdoor", "a city street with buildings and a skyline",
       "street, city street, town, downtown, skyline, urban, avenue, alley, boulevard, metropolis, square, "
       "neighborhood, neighbourhood, market, building, burning building, 城市, 街道, ville, rue",
       rows=(0.9, 0.68, 0.33), specific=1),
    _s("rooftops", "outdoor", "rooftops of a city at night with chimneys and lit windows",
       "rooftop, roof, roofs, on the roof, over the rooftops, 屋顶", rows=(0.8, 0.68, 0.3),
       pieces=("chimney",), specific=3),
    _s("fair", "outdoor", "a fun fair with a ferris wheel, striped tents and a crowd",
       "funfair, fun fair, carnival, fairground, amusement park, theme park, ferris wheel, circus, festival, "
       "county fair, summer fair, 游乐园", rows=(0.9, 0.68, 0.3), pieces=("ferris-wheel", "tent", "crowd"),
       specific=3),
    _s("stadium", "outdoor", "a packed stadium with floodlights, stands and a pitch",
       "arena, sports ground, field of play, pitch, court, basketball court, football field, soccer field, "
       "racecourse, 体育场", rows=(0.9, 0.68, 0.3), pieces=("floodlight", "crowd"), specific=3),
    _s("village", "outdoor", "a small village of houses with roofs among fields",
       "hamlet, little town, settlement, huts, cottages, 村庄", rows=(0.9, 0.68, 0.33), pieces=("house",),
       specific=0),
    _s("mountain-village", "outdoor", "a snowy mountain village with chalets below the peaks",
       "snowy mountain village, mountain village, alpine village, ski village, chalet, 山村", rows=(0.9, 0.68, 0.3),
       pieces=("house",), specific=3),
    _s("castle", "outdoor", "a castle with towers and walls on a hill",
       "castle exterior, fortress, fort, citadel, palace, kingdom, medieval castle, château, 城堡",
       rows=(0.9, 0.68, 0.3), pieces=("castle",), specific=1),
    _s("road", "outdoor", "a road or highway through the countryside",
       "highway, freeway, motorway, racetrack, race track, track, speedway, route, lane, runway, bridge, circuit, "
       "coastal road, country road, 公路", rows=(0.88, 0.68, 0.33), specific=0),
    _s("zoo", "outdoor", "a zoo with enclosures, fences and trees", "safari park, wildlife park, menagerie, "
       "enclosure, 动物园", rows=(0.9, 0.68, 0.33), pieces=("fence",), specific=3),
    _s("farm", "outdoor", "a farm with a red barn, fences and fields of crops",
       "farmyard, ranch, farmland, countryside farm, cornfield, corn field, corn, wheat field, crops, orchard, 农场",
       rows=(0.9, 0.68, 0.33), pieces=("barn", "corn"), specific=2),
    _s("garden", "outdoor", "a garden with flowers, hedges and a lawn",
       "flower garden, flowerbed, backyard, yard, park, lawn, greenhouse, 花园", rows=(0.9, 0.68, 0.33),
       pieces=("flowers",), specific=2),
    # -- nature
    _s("meadow", "outdoor", "green grassy fields and meadows in the countryside",
       "field, fields, countryside, prairie, grassland, pasture, hill, hills, 草地",
       rows=(0.9, 0.68, 0.33), specific=0),
    _s("forest", "outdoor", "a forest of pine trees, woods",
       "woods, woodland, jungle, grove, trees, rainforest, clearing, pine forest, 森林", rows=(0.9, 0.68, 0.33),
       specific=1),
    _s("bamboo-forest", "outdoor", "a bamboo forest with tall green stalks", "bamboo, bamboo grove, 竹林, 竹子",
       rows=(0.9, 0.68, 0.33), pieces=("bamboo",), specific=3),
    _s("mountain", "outdoor", "rocky mountains and peaks", "mountains, alps, peak, summit, valley, highlands, "
       "ridge, mountain pass, cliffs, canyon, 山", rows=(0.9, 0.68, 0.3), specific=1),
    _s("snowy-mountain", "outdoor", "snow-capped mountains in winter", "snowy mountain, snowy peak, ski slope, "
       "glacier, winter mountain, 雪山", rows=(0.9, 0.68, 0.3), specific=2),
    _s("desert", "outdoor", "a hot sandy desert with dunes", "dune, dunes, sand, sahara, mesa, badlands, "
       "wasteland, oasis, 沙漠", rows=(0.9, 0.68, 0.33), specific=1),
    _s("savanna", "outdoor", "the african savanna, dry grass and acacia trees", "savannah, acacia, serengeti, "
       "safari, veld, 草原", rows=(0.9, 0.68, 0.33), pieces=("acacia",), specific=2),
    _s("arctic", "outdoor", "a frozen arctic landscape of ice and snow, the south pole",
       "antarctic, antarctica, south pole, north pole, polar, ice, ice floe, iceberg, tundra, frozen, "
       "snowfield, snow field, 南极, 北极", rows=(0.9, 0.68, 0.33), pieces=("iceberg",), specific=2),
]}  # fmt: skip

# The animatic's former terrain families, still accepted by build_world: family -> set.
FAMILY_SETS: dict[str, str] = {
    "space": "space", "underwater": "underwater", "interior": "room", "city": "city", "coast": "coast",
    "snowfield": "arctic", "desert": "desert", "mountains": "mountain", "forest": "forest", "sky": "sky",
    "field": "meadow",
}  # fmt: skip

# -- matching --------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


_KEEP_S = (
    "ss",
    "us",
    "is",
    "os",
    "ics",
    "ues",
)  # "grass", "circus", "oasis", "chaos", "physics": not plurals


@lru_cache(maxsize=4096)
def lemma(word: str) -> str:
    """A noun's singular, lower case ("libraries" -> "library", "beaches" -> "beach", "dunes" -> "dune").
    Rules, not lemminflect: that imports spaCy and torch, and sets are resolved in scene workers too."""
    w = word.lower().replace("’", "'")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(_KEEP_S):
        return w[:-1]
    return w


def _lemmas(text: str) -> list[str]:
    return [lemma(t) for t in _TOKEN.findall(text.replace("-", " "))]


@dataclass(frozen=True)
class _Alias:
    words: tuple[str, ...]
    set_name: str
    specific: int


def _alias_table() -> list[_Alias]:
    out = []
    for s in SETS.values():
        for a in s.aliases:
            out.append(_Alias(tuple(_lemmas(a)), s.name, s.specific))
    return out


_ALIASES = _alias_table()


def find_set_by_words(text: str) -> str | None:
    """The set whose alias occurs in `text` as whole (lemmatised) words. Several hits: the more specific set,
    then the longer alias, then the later one (English puts the head noun last: "castle kitchen")."""
    toks = _lemmas(text)
    best: tuple[int, int, int, str] | None = None
    for al in _ALIASES:
        n = len(al.words)
        if n == 0:
            continue
        if _CJK.search(al.words[0]):  # no spaces between words in these scripts: a substring is a word
            pos = text.find(al.words[0])
            hits = [pos] if pos >= 0 else []
        else:
            hits = [i for i in range(len(toks) - n + 1) if tuple(toks[i : i + n]) == al.words]
        for i in hits:
            key = (al.specific, n, i, al.set_name)
            if best is None or key[:3] > best[:3]:
                best = key
    return best[3] if best else None


def find_set(text: str, *, min_score: float = MIN_MEANING) -> tuple[str, float] | None:
    """(set name, score) for a place text: an alias match scores 1.0; otherwise the set whose description
    is nearest in meaning (MiniLM, loads the model), if its cosine is at least `min_score`; else None."""
    if not text.strip():
        return None
    hit = find_set_by_words(text)
    if hit is not None:
        return hit, 1.0
    from moviefactory.textembed import best_match

    names = list(SETS)
    i, score = best_match(text, [SETS[n].description for n in names])
    return (names[i], score) if score >= min_score else None


# -- effects ------------------------------------------------------------------------------------------------
EFFECTS = ("clouds", "rain", "snow", "fog", "lightning", "flash", "aurora", "lava", "debris", "waves", "spray",
           "bubbles", "dust", "spotlight", "murk", "beam")  # fmt: skip
_EFFECT_WORDS: dict[str, tuple[str, ...]] = {
    "aurora": ("aurora", "northern light", "southern light", "aurora borealis"),
    "fog": ("fog", "foggy", "mist", "misty", "haze", "hazy"),
    "lava": ("lava", "erupt", "erupts", "erupting", "eruption", "magma"),
    "debris": ("debris", "asteroid", "meteor", "meteorite", "space junk", "meteoroid"),
    "dust": ("dust", "dusty", "sandstorm", "sand storm", "dust storm"),
    "lightning": ("lightning", "thunder", "thunderstorm"),
    "rain": ("rain", "rainy", "raining", "downpour", "drizzle"),
    "snow": ("snow", "snowy", "snowing", "blizzard", "snowfall", "snowflake"),
    "bubbles": ("bubble",),
    "spray": ("spray", "huge wave", "big wave", "breaking wave"),
    "spotlight": ("spotlight", "spot light"),
    "beam": (
        "lighthouse",
        "beacon",
        "lighthouse keeper",
    ),  # the lamp's sweep (drawn where a lighthouse stands)
}
_WEATHER_EFFECTS: dict[str, tuple[str, ...]] = {
    "clear": ("clouds",), "cloudy": ("clouds",), "rain": ("clouds", "rain", "fog"),
    "storm": ("clouds", "rain", "lightning"), "snow": ("clouds", "snow", "fog"), "fog": ("fog",),
    "wind": ("clouds", "dust"),
}  # fmt: skip
# What each kind of space never shows, whatever the weather says.
_NEVER: dict[str, frozenset[str]] = {
    "interior": frozenset({"clouds", "rain", "snow", "lightning", "aurora", "debris", "spray", "waves", "bubbles",
                           "beam"}),
    "orbit": frozenset({"clouds", "rain", "snow", "fog", "lightning", "flash", "aurora", "dust", "waves", "spray",
                        "bubbles", "lava", "murk", "beam"}),
    "underwater": frozenset({"clouds", "rain", "snow", "lightning", "aurora", "dust", "debris", "spray", "fog",
                             "waves", "beam"}),
    "outdoor": frozenset({"bubbles", "debris", "murk"}),
}  # fmt: skip


def _words_in(text: str) -> set[str]:
    toks = _lemmas(text)
    out = {w for w in toks}
    out |= {f"{a} {b}" for a, b in itertools.pairwise(toks)}
    return out


def effects_for(set_name: str, weather: str, extra_words: str | list[str] = "") -> list[str]:
    """The animated effects of a scene, in drawing order. The weather and the scene's words (prompt, action)
    ask for effects; the kind of space decides which can appear: no rain, snow, clouds or lightning indoors,
    in orbit or underwater. Indoors a storm is a flash through the window; in orbit a storm is debris."""
    spec = SETS[set_name]
    text = extra_words if isinstance(extra_words, str) else " ".join(extra_words)
    words = _words_in(text)
    # the weather outside shows only outdoors; other spaces translate it below
    want: list[str] = list(_WEATHER_EFFECTS.get(weather, ("clouds",))) if spec.kind == "outdoor" else []
    want += [e for e, ws in _EFFECT_WORDS.items() if any(lemma(w) in words or w in words for w in ws)]
    want += list(spec.effects)
    if spec.kind == "interior" and ("lightning" in want or weather == "storm"):
        want.append("flash")
    if spec.kind == "orbit" and (weather == "storm" or "debris" in want):
        want.append("debris")
    if spec.kind == "underwater":
        want += ["bubbles"] + (["murk"] if weather in ("fog", "storm", "rain") or "fog" in want else [])
    if spec.name == "arctic" and weather == "clear":
        want.append("aurora")  # shown only at night (world.py): the polar sky's best-known sight
    if "waves" in want and weather in ("storm", "wind"):
        want = [e for e in want if e != "dust"] + ["spray"]  # wind over water raises spray, not dust
    never = _NEVER[spec.kind]
    return [e for e in EFFECTS if e in want and e not in never]
