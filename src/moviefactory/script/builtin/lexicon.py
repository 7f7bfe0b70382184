"""The writer's own words: noun categories by example, verb staging, weather seen from indoors, room nouns.

Plain data and two text helpers; what these words mean to MiniLM is computed in `matching`.
"""

from __future__ import annotations

DEFAULT_SCENES = 10  # the paper's example movie has ten scenes
MAX_CHARACTERS = 8  # spec.Scene.subjects holds at most 8

# What a noun names, decided by meaning (MiniLM): the category whose example words are nearest (mean of the
# three best cosines, a few-shot prototype classifier). Grammar decides the rest (who acts, what is "in").
# (The word lists below stay filled to the line: one word a line would read as a hundred lines.)
# fmt: off
CATEGORIES: dict[str, tuple[str, ...]] = {
    "being": (
        "man", "woman", "child", "old man", "dog", "cat", "bird", "horse", "fish", "king", "soldier", "teacher",
        "monster", "robot", "dragon", "insect", "worker", "animal", "team", "family", "crowd", "army",
    ),
    "vehicle": (
        "car", "boat", "ship", "airplane", "train", "bus", "bicycle", "rocket", "truck", "submarine",
        "helicopter", "spaceship", "tractor", "motorcycle",
    ),
    "place": (
        "kitchen", "forest", "city", "beach", "room", "house", "field", "mountain", "stage", "stadium", "cave",
        "island", "desert", "street", "garden", "village", "library", "factory", "lake", "sea", "bridge",
        "farm", "park", "market", "school", "castle", "tower",
    ),
    "thing": (
        "box", "ball", "cup", "book", "key", "crown", "bread", "egg", "net", "hat", "sword", "flower", "lamp",
        "chair", "coin", "letter", "toy", "cake", "rope", "bottle", "trophy", "map",
    ),
    "force": (
        "storm", "fire", "tide", "wave", "lava", "wind", "flood", "avalanche", "eruption", "lightning",
        "earthquake", "tornado",
    ),
}
# fmt: on

# Staging for common verbs: the peak moment and the consequence, so the turning point is shown as it
# happens ("loses" -> the balloon slips away and floats off). {A} doers, {P} what it is done to,
# {AP} both, {C} the verb's complement ("become friends").
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
INDOOR_WEATHER = {
    "rain": "as rain streaks the windows",
    "storm": "as a thunderstorm flashes at the windows",
    "snow": "as snow falls past the windows",
    "fog": "with fog pressing at the windows",
    "wind": "as wind rattles the windows",
    "cloudy": "",
    "clear": "",
}
# A weather adjective as said ("rainy") -> the noun a prompt uses ("in the rain", "during a storm").
WEATHER_NOUN = {
    "rainy": "rain",
    "snowy": "snow",
    "foggy": "fog",
    "stormy": "storm",
    "misty": "mist",
    "windy": "wind",
    "cloudy": "clouds",
}
SPACE_SETTINGS = frozenset({"outer space", "orbit"})
# fmt: off
ROOM_WORDS = frozenset(
    [
        "kitchen", "room", "hall", "library", "laboratory", "lab", "factory", "house", "interior", "museum",
        "cellar", "attic", "bedroom", "classroom", "office", "shop", "store", "theater", "theatre", "stage",
        "barn", "henhouse", "cabin",
    ]
)
# fmt: on
# Prepositions a place phrase may keep as the user said them; others take the setting's own ("on a beach").
SAYABLE_PREPS = ("in", "on", "at", "near", "over", "under", "across", "through", "along", "inside", "outside")
# How a place was introduced -> the preposition for being there ("out of the cave" -> "at the cave").
PREP_FOR_BEING = {"out of": "at", "off": "at", "from": "at", "inside of": "inside"}


def clip(text: str, limit: int) -> str:
    """Shorten at a word boundary to at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return (cut or text[:limit]).rstrip(" ,;:")


def cap(text: str) -> str:
    """The first letter upper-cased, the rest as written."""
    return text[:1].upper() + text[1:] if text else text
