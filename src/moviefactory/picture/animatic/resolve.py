"""Words -> drawables: subject kinds, terrain families, motions and colours from the script's free text.

Keyword tables come first (deterministic, no model); `prepare()` adds an embedding fallback through
moviefactory.textembed for text no table knows. Everything here returns plain strings/tuples so a resolved
mapping pickles into worker processes.
"""

from __future__ import annotations

import colorsys
import re
import zlib

from moviefactory.picture.animatic.shapes import KINDS

RGB = tuple[int, int, int]

# kind -> keywords (whole words, plural "s" accepted). Order matters only when two tables hit one text: the
# earliest keyword position in the text wins, so "a robot dog" is a robot and "a dog robot" a dog.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "car": ("car", "automobile", "sedan", "coupe", "convertible", "jeep", "suv", "taxi", "cab", "racecar",
            "roadster", "hatchback", "limousine", "vehicle", "porsche", "ferrari", "mustang", "beetle"),
    "truck": ("truck", "lorry", "pickup", "van", "tanker", "tank", "tractor", "firetruck", "semi"),
    "bus": ("bus", "coach", "minibus", "tram", "streetcar", "trolley"),
    "train": ("train", "locomotive", "railway", "subway", "metro", "carriage"),
    "airplane": ("airplane", "aeroplane", "plane", "jet", "aircraft", "airliner", "biplane", "glider",
                 "seaplane", "airship", "zeppelin", "blimp"),
    "helicopter": ("helicopter", "chopper", "copter", "drone", "quadcopter"),
    "rocket": ("rocket", "missile", "shuttle", "firework"),
    "spaceship": ("spaceship", "spacecraft", "starship", "starfighter", "cruiser", "satellite"),
    "ufo": ("ufo", "saucer", "alien", "aliens"),
    "boat": ("boat", "sailboat", "yacht", "sailing", "canoe", "kayak", "raft", "dinghy", "rowboat", "sail"),
    "ship": ("ship", "steamer", "liner", "ferry", "tugboat", "freighter", "battleship", "galleon"),
    "submarine": ("submarine", "sub", "submersible", "bathyscaphe"),
    "bicycle": ("bicycle", "bike", "cyclist", "biker", "tricycle", "unicycle"),
    "motorcycle": ("motorcycle", "motorbike", "scooter", "moped", "chopper-bike"),
    "person": ("person", "man", "woman", "boy", "girl", "child", "kid", "people", "runner", "hero",
               "heroine", "detective", "knight", "wizard", "king", "queen", "prince", "princess", "soldier",
               "pirate-captain", "farmer", "dancer", "explorer", "traveler", "traveller", "stranger", "friend",
               "mother", "father", "grandmother", "grandfather", "teacher", "student", "chef", "girlfriend",
               "boyfriend", "human", "athlete", "hiker", "sailor", "pilot", "driver", "scientist", "doctor"),
    "astronaut": ("astronaut", "cosmonaut", "spaceman", "spacewoman", "spacesuit"),
    "robot": ("robot", "android", "cyborg", "mech", "droid", "automaton", "machine"),
    "horse": ("horse", "pony", "stallion", "mare", "foal", "unicorn", "donkey", "zebra", "deer", "stag"),
    "dog": ("dog", "puppy", "hound", "wolf", "fox", "retriever", "terrier", "poodle", "corgi", "labrador"),
    "cat": ("cat", "kitten", "kitty", "tiger", "lion", "leopard", "cheetah", "panther", "lynx"),
    "bird": ("bird", "eagle", "hawk", "falcon", "owl", "seagull", "gull", "crow", "raven", "sparrow",
             "parrot", "pigeon", "dove", "swan", "duck", "goose", "robin", "phoenix"),
    "fish": ("fish", "goldfish", "salmon", "trout", "tuna", "clownfish", "koi", "minnow"),
    "whale": ("whale", "orca", "dolphin", "porpoise"),
    "shark": ("shark", "barracuda"),
    "dragon": ("dragon", "wyvern", "drake", "griffin"),
    "tree": ("tree", "oak", "pine", "palm", "willow", "birch", "maple", "sapling"),
    "house": ("house", "home", "cottage", "cabin", "hut", "barn", "shop", "building", "farmhouse"),
    "castle": ("castle", "fortress", "palace", "citadel", "tower", "keep"),
    "lighthouse": ("lighthouse", "beacon"),
    "ball": ("ball", "football", "soccer", "basketball", "sphere", "orb", "marble", "bubble"),
    "balloon": ("balloon", "hot-air"),
    "butterfly": ("butterfly", "moth", "dragonfly", "fairy", "bee"),
    "dinosaur": ("dinosaur", "t-rex", "trex", "raptor", "velociraptor", "brontosaurus", "godzilla", "lizard"),
    "rabbit": ("rabbit", "bunny", "hare", "mouse", "squirrel", "hamster"),
    "jellyfish": ("jellyfish", "octopus", "squid"),
    "turtle": ("turtle", "tortoise"),
    "snowman": ("snowman", "snowwoman"),
    "windmill": ("windmill", "wind-turbine", "turbine"),
}  # fmt: skip

# Short descriptions for the embedding fallback: a sentence reads closer to free text than a bare noun.
KIND_DESCRIPTIONS: dict[str, str] = {
    "car": "a car, an automobile driving on the road",
    "truck": "a truck, a heavy road vehicle hauling cargo",
    "bus": "a bus or tram carrying passengers",
    "train": "a train, a locomotive on railway tracks",
    "airplane": "an airplane, a flying aircraft with wings",
    "helicopter": "a helicopter or drone hovering",
    "rocket": "a rocket launching into space",
    "spaceship": "a spaceship, a science-fiction starship",
    "ufo": "a flying saucer, an alien craft",
    "boat": "a small boat sailing on the water",
    "ship": "a large ship on the ocean",
    "submarine": "a submarine diving under the sea",
    "bicycle": "a bicycle ridden by a cyclist",
    "motorcycle": "a motorcycle, a motorbike with a rider",
    "person": "a person, a human being, a man or a woman",
    "astronaut": "an astronaut in a spacesuit",
    "robot": "a robot, a machine that walks like a person",
    "horse": "a horse or another large hoofed animal",
    "dog": "a dog or another four-legged furry pet",
    "cat": "a cat or another feline, a big cat",
    "bird": "a bird with wings and feathers",
    "fish": "a small fish swimming in water",
    "whale": "a whale, a huge sea mammal",
    "shark": "a shark, a predator fish of the sea",
    "dragon": "a dragon, a mythical winged beast breathing fire",
    "tree": "a tree or a plant",
    "house": "a house, a home, a building",
    "castle": "a castle, a fortress with towers",
    "lighthouse": "a lighthouse on the coast",
    "ball": "a ball, a round toy",
    "balloon": "a hot-air balloon floating in the sky",
    "butterfly": "a butterfly or a small flying insect",
    "dinosaur": "a dinosaur, a prehistoric reptile",
    "rabbit": "a rabbit or another small rodent",
    "jellyfish": "a jellyfish or an octopus, a soft sea creature",
    "turtle": "a turtle or tortoise with a shell",
    "snowman": "a snowman made of snow",
    "windmill": "a windmill or wind turbine",
}

TERRAIN_WORDS: dict[str, tuple[str, ...]] = {
    "space": ("space", "orbit", "galaxy", "cosmos", "planet", "moon", "mars", "asteroid", "nebula", "stars",
              "starfield", "universe", "spaceship", "station", "interstellar"),
    "underwater": ("underwater", "undersea", "seabed", "seafloor", "reef", "coral", "deep", "ocean floor",
                   "abyss", "aquarium", "submerged"),
    "interior": ("room", "kitchen", "bedroom", "office", "hall", "hallway", "interior", "inside", "indoors",
                 "living", "library", "classroom", "studio", "lab", "laboratory", "garage", "cafe", "bar",
                 "restaurant", "apartment", "corridor", "attic", "basement", "museum", "shop", "store"),
    "city": ("city", "town", "street", "downtown", "skyline", "urban", "village", "avenue", "rooftop",
             "rooftops", "square", "metropolis", "alley", "neighborhood", "neighbourhood", "market"),
    "coast": ("coast", "coastal", "sea", "ocean", "beach", "shore", "seaside", "harbor", "harbour", "bay",
              "lake", "river", "island", "port", "pier", "waves", "lagoon", "cliff", "cliffs"),
    "snowfield": ("snowfield", "snowfields", "snow", "snowy", "arctic", "antarctic", "tundra", "glacier", "ice", "icy", "frozen",
                  "polar", "winter"),
    "desert": ("desert", "dune", "dunes", "sand", "sahara", "canyon", "mesa", "badlands", "savanna",
               "savannah", "wasteland"),
    "mountains": ("mountain", "mountains", "alps", "peak", "peaks", "summit", "valley", "hills", "highlands",
                  "ridge", "pass", "volcano"),
    "forest": ("forest", "woods", "woodland", "jungle", "grove", "trees", "rainforest", "park", "garden",
               "orchard", "clearing"),
    "sky": ("sky", "skies", "clouds", "air", "airborne", "heaven", "above", "aerial", "stratosphere"),
    "field": ("field", "meadow", "farm", "countryside", "prairie", "grassland", "plain", "plains", "pasture",
              "lawn", "hill", "farmland"),
    "road": ("road", "highway", "freeway", "motorway", "racetrack", "track", "speedway", "route", "lane",
             "runway", "bridge", "circuit", "race"),
}  # fmt: skip
TERRAINS: tuple[str, ...] = tuple(TERRAIN_WORDS)
TERRAIN_DESCRIPTIONS: dict[str, str] = {
    "space": "outer space with stars and planets",
    "underwater": "under the sea, underwater ocean depths",
    "interior": "inside a room, an indoor interior",
    "city": "a city street with buildings and a skyline",
    "coast": "the coast by the sea with beach and waves",
    "snowfield": "a snowy frozen landscape with ice",
    "desert": "a hot sandy desert with dunes",
    "mountains": "rocky mountains and peaks",
    "forest": "a forest of trees, woods",
    "sky": "high in the sky among the clouds",
    "field": "green grassy fields and meadows in the countryside",
    "road": "a road or highway for driving",
}
# A backdrop family that can carry a road in the foreground ("coastal road", "desert highway").
ROAD_BACKDROPS = ("coast", "desert", "forest", "mountains", "city", "snowfield", "field")

MOTION_WORDS: dict[str, tuple[str, ...]] = {
    "racing": ("side by side", "neck and neck", "racing", "race", "races", "raced", "compete", "competing"),
    "chasing": ("chase", "chases", "chasing", "chased", "pursue", "pursues", "pursuing", "follow", "follows",
                "following", "hunts", "hunting"),
    "exploding": ("explode", "explodes", "exploding", "explosion", "blast", "blows up", "burst", "bursts",
                  "detonate", "detonates", "erupts", "erupting", "shatters"),
    "falling": ("fall", "falls", "falling", "fell", "drop", "drops", "dropping", "plummet", "plummets",
                "plummeting", "tumble", "tumbles", "tumbling", "crash", "crashes", "crashing", "sinking",
                "sinks", "descends", "descending", "dives", "diving"),
    "rising": ("launch", "launches", "launching", "lift off", "lifts off", "take off", "takes off",
               "taking off", "rise", "rises", "rising", "ascend", "ascends", "ascending", "climb", "climbs",
               "climbing", "soaring upward", "blasts off"),
    "circling": ("circle", "circles", "circling", "orbit", "orbits", "orbiting", "loop", "loops", "spiral",
                 "spirals", "spinning", "spins", "swirl"),
    "jumping": ("jump", "jumps", "jumping", "leap", "leaps", "leaping", "hop", "hops", "hopping", "bounce",
                "bounces", "bouncing", "skipping"),
    "speeding": ("speed", "speeds", "speeding", "drive", "drives", "driving", "rush", "rushes", "rushing",
                 "zoom", "zooms", "zooming", "dash", "dashes", "dashing", "race past", "roar", "roars",
                 "roaring", "accelerate", "accelerates", "accelerating", "cruise", "cruises", "cruising",
                 "ride", "rides", "riding", "rolls", "rolling"),
    "running": ("run", "runs", "running", "sprint", "sprints", "sprinting", "gallop", "gallops",
                "galloping", "jog", "jogs", "jogging", "flee", "flees", "fleeing", "charge", "charges",
                "charging", "escape", "escapes", "escaping"),
    "flying": ("fly", "flies", "flying", "flew", "soar", "soars", "soaring", "glide", "glides", "gliding",
               "flap", "flaps", "flapping", "swoop", "swoops", "swooping", "flight", "airborne"),
    "swimming": ("swim", "swims", "swimming", "paddle", "paddles", "paddling", "sail", "sails", "sailing"),
    "floating": ("float", "floats", "floating", "drift", "drifts", "drifting", "hover", "hovers", "hovering",
                 "bob", "bobs", "bobbing", "levitate", "levitates", "weightless"),
    "walking": ("walk", "walks", "walking", "stroll", "strolls", "strolling", "wander", "wanders",
                "wandering", "march", "marches", "marching", "trot", "trots", "trotting", "stride", "crawl",
                "crawls", "crawling", "roam", "roams"),
    "approaching": ("approach", "approaches", "approaching", "toward the camera", "towards the camera",
                    "comes closer", "coming closer", "arrives", "arriving"),
    "receding": ("away", "recede", "recedes", "receding", "leaves", "leaving", "departs", "departing",
                 "disappears into"),
    "idle": ("stand", "stands", "standing", "wait", "waits", "waiting", "sit", "sits", "sitting", "watch",
             "watches", "watching", "look", "looks", "looking", "rest", "rests", "resting", "sleep",
             "sleeps", "sleeping", "still", "idle", "stares", "parked"),
}  # fmt: skip
MOTIONS: tuple[str, ...] = tuple(MOTION_WORDS)

LEFTWARD = ("right to left", "to the left", "leftward", "leftwards", "westward", "moving left", "heads left")

COLOR_WORDS: dict[str, RGB] = {
    "red": (200, 40, 40), "crimson": (180, 20, 50), "scarlet": (220, 40, 30), "maroon": (120, 25, 35),
    "burgundy": (120, 20, 45), "orange": (240, 130, 30), "amber": (240, 170, 30), "yellow": (240, 205, 40),
    "gold": (225, 180, 60), "golden": (225, 180, 60), "lime": (150, 210, 60), "green": (50, 150, 70),
    "emerald": (30, 150, 90), "olive": (110, 120, 50), "teal": (30, 130, 130), "turquoise": (50, 200, 190),
    "cyan": (40, 200, 220), "aqua": (60, 210, 210), "blue": (40, 90, 210), "navy": (30, 40, 110),
    "azure": (60, 140, 230), "indigo": (70, 50, 150), "purple": (130, 60, 170), "violet": (150, 80, 200),
    "lavender": (180, 160, 220), "magenta": (210, 50, 170), "pink": (240, 130, 170), "rose": (220, 90, 120),
    "brown": (120, 75, 45), "chestnut": (140, 70, 40), "tan": (200, 160, 110), "beige": (215, 195, 160),
    "bronze": (170, 110, 50), "copper": (185, 100, 55), "white": (240, 240, 236), "ivory": (240, 235, 215),
    "cream": (240, 230, 200), "silver": (190, 195, 205), "grey": (130, 132, 138), "gray": (130, 132, 138),
    "black": (38, 38, 44), "charcoal": (60, 62, 68), "ebony": (40, 35, 35),
}  # fmt: skip

# Natural hue ranges (degrees) for kinds where an arbitrary colour looks wrong; others use any hue.
_KIND_HUES: dict[str, tuple[float, float, float, float]] = {
    # kind: (hue_lo, hue_hi, saturation, value)
    "tree": (90, 140, 0.55, 0.6), "horse": (20, 35, 0.6, 0.55), "dog": (25, 40, 0.5, 0.7),
    "cat": (20, 40, 0.55, 0.75), "whale": (200, 220, 0.35, 0.55), "shark": (200, 215, 0.2, 0.6),
    "lighthouse": (0, 10, 0.75, 0.8), "castle": (30, 45, 0.12, 0.7), "house": (0, 40, 0.45, 0.75),
    "astronaut": (0, 360, 0.0, 0.93), "snowman": (0, 360, 0.0, 0.96), "dragon": (90, 150, 0.6, 0.55),
    "dinosaur": (80, 130, 0.5, 0.5), "windmill": (20, 35, 0.35, 0.65), "turtle": (90, 130, 0.5, 0.5),
}  # fmt: skip


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9'\- ]+", " ", text.lower()) + " "


def _first_hit(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    """The table key whose keyword occurs earliest in `text` (whole words; a trailing s/es is accepted)."""
    t = _words(text)
    best: tuple[int, int, str] | None = None
    for order, (key, words) in enumerate(table.items()):
        for w in words:
            m = re.search(rf"(?<![a-z0-9]){re.escape(w)}(?:s|es)?(?![a-z0-9])", t)
            if m and (best is None or (m.start(), order) < best[:2]):
                best = (m.start(), order, key)
    return best[2] if best else None


def kind_by_keywords(*texts: str) -> str | None:
    """The silhouette kind named in the first text that names one (kind field, then name, description)."""
    for text in texts:
        if not text:
            continue
        if text.strip().lower() in KINDS:
            return text.strip().lower()
        hit = _first_hit(text, KIND_WORDS)
        if hit:
            return hit
    return None


def terrain_by_keywords(text: str) -> tuple[str, bool] | None:
    """(family, has_road) for a setting text, or None when no keyword matches."""
    if not text:
        return None
    t = _words(text)
    hits: list[tuple[int, int, str]] = []
    for order, (fam, words) in enumerate(TERRAIN_WORDS.items()):
        for w in words:
            m = re.search(rf"(?<![a-z0-9]){re.escape(w)}(?:s|es)?(?![a-z0-9])", t)
            if m:
                hits.append((order, m.start(), fam))
                break
    if not hits:
        return None
    fams = [h[2] for h in sorted(hits)]  # table order = priority (space beats "stars", interior beats city)
    road = "road" in fams
    backdrop = next((f for f in fams if f != "road"), None)
    if road and backdrop is not None and backdrop not in ROAD_BACKDROPS:
        return backdrop, False
    if backdrop is None:
        return "field", True
    return backdrop, road


def motion_by_keywords(action: str) -> str | None:
    return _first_hit(action, MOTION_WORDS) if action else None


def is_leftward(action: str) -> bool:
    t = _words(action)
    return any(f" {w} " in t or f" {w}" in t for w in LEFTWARD)


def color_word(*texts: str) -> RGB | None:
    for text in texts:
        t = _words(text)
        best: tuple[int, RGB] | None = None
        for word, rgb in COLOR_WORDS.items():
            m = re.search(rf"(?<![a-z]){word}(?![a-z])", t)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), rgb)
        if best:
            return best[1]
    return None


def color_from_id(char_id: str, kind: str) -> RGB:
    """A pleasant deterministic colour from the id (crc32, not Python's salted hash)."""
    h = zlib.crc32(char_id.encode("utf-8"))
    lo, hi, s, v = _KIND_HUES.get(kind, (0.0, 360.0, 0.68, 0.85))
    hue = lo + (h % 1000) / 1000.0 * (hi - lo)
    r, g, b = colorsys.hsv_to_rgb((hue % 360) / 360.0, s, v)
    return int(r * 255), int(g * 255), int(b * 255)


def parse_hex(color: str) -> RGB:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
