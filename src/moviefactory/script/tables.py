"""The built-in writer's knowledge: subject kinds, settings, genres (arcs), actions and sounds.

Plain data, matched by meaning with MiniLM (builtin/matching.py embeds every `desc`/alias once per process), so
words the tables never list still land on the nearest entry ("Cessna" -> airplane, "on Mars" -> alien planet).

Template placeholders (filled by the built-in writer, script/builtin/):
  {a} {b}      subject phrases ("the red Porsche"), {all} every subject joined with "and"
  {place}      the setting as a prepositional phrase fitted to how the subject moves ("along a coastal road",
               "high above a coastal road", "beneath the surface of the open ocean")
  {np}         the setting's bare noun phrase ("a winding coastal road")
  {A} {B}      names as used in subtitles ("The Porsche"), {names} all names joined with "and"
"""

from __future__ import annotations

from dataclasses import dataclass

# fmt: off
# Setting tags: what can exist there. A kind is at home in a setting when their tags meet.
#   ground: a land surface  air: open sky above it  water: a water surface  underwater  space  indoor


@dataclass(frozen=True)
class Kind:
    name: str  # the plain noun picture backends draw ("car")
    cls: str  # key into CLASSES: how it moves, which actions fit
    aliases: tuple[str, ...] = ()  # other plain words matched by embedding
    habitats: tuple[str, ...] = ("ground",)  # setting tags it can be in
    sounds: tuple[str, ...] = ()  # concrete sound-effect queries, calm first, loudest last
    prefers: tuple[str, ...] = ()  # setting names that suit it best
    proper: str = ""  # what to append after a brand name ("Porsche" -> "Porsche sports car")


@dataclass(frozen=True)
class MotionClass:
    mode: str  # ground | air | space | water | underwater | still: picks the setting's preposition
    intro: tuple[str, ...]
    calm: tuple[str, ...]
    energetic: tuple[str, ...]
    cameras: tuple[str, ...]  # camera moves that suit the subject (tracking needs something that moves)


@dataclass(frozen=True)
class Setting:
    name: str
    desc: str  # what it is, for embedding
    np: str  # noun phrase used in prompts
    move: str  # preposition for moving through it ("along")
    at: str  # preposition for being in it ("on")
    tags: tuple[str, ...]
    ambience: tuple[str, ...]
    related: tuple[str, ...] = ()  # where a story may move on to (progression)
    weather: str = ""  # a weather the place implies ("snow")


@dataclass(frozen=True)
class Genre:
    name: str
    desc: str
    cues: tuple[str, ...]  # words that point straight at it
    mood: str
    tempo: str
    energy: str  # calm | energetic: which class actions the rising scenes use
    music: tuple[str, ...]
    tod_paths: tuple[tuple[str, ...], ...]  # time-of-day progressions (each monotone)
    weathers: tuple[str, ...]
    settings: tuple[str, ...]  # preferred setting names
    together: tuple[str, ...]  # two or more subjects in one scene; {a} {b} {all} {place}
    climax: tuple[str, ...]  # one subject's peak moment; {a} {place}
    resolution: tuple[str, ...]  # the last, wide scene; may name no subject (a prop: the checkered flag)
    sub_intro: tuple[str, ...]  # subtitle lines; {A} is the subject's name, {names} all of them
    sub_rising: tuple[str, ...]
    sub_together: tuple[str, ...]
    sub_end: tuple[str, ...]
    narr_open: tuple[str, ...]  # narration; {names} {np} {when}
    narr_end: tuple[str, ...]
    titles: tuple[str, ...]  # {A} {B} {Np} (setting's noun, capitalised) {Name} (first subject)
    hook: str  # logline ending
    establish: float = 0.5  # chance of an establishing wide shot first (when there are >= 6 scenes)
    fades: bool = False  # act breaks fade through black
    extra_sound: tuple[str, ...] = ()  # genre sounds for the climax/resolution


CLASSES: dict[str, MotionClass] = {
    "vehicle": MotionClass(
        "ground",
        intro=("speeding {place}", "gleaming in the light as it rolls {place}", "revving its engine {place}"),
        calm=("cruising {place}", "winding its way {place}", "rolling steadily {place}", "turning a gentle bend {place}"),
        energetic=(
            "drifting around a hairpin turn {place}", "kicking up dust as it accelerates {place}",
            "overtaking at full throttle {place}", "swerving through a tight bend {place}",
            "leaping over a crest {place}",
        ),
        cameras=("tracking", "pan-right", "pan-left", "aerial", "handheld", "dolly-in"),
    ),
    "aircraft": MotionClass(
        "air",
        intro=("soaring through the sky {place}", "gliding into view {place}", "banking gracefully {place}"),
        calm=("cruising steadily {place}", "drifting past soft clouds {place}", "circling slowly {place}"),
        energetic=(
            "diving steeply {place}", "skimming low and fast {place}", "rolling into a sharp barrel roll {place}",
            "threading through a narrow gap {place}", "pulling up into a steep climb {place}",
        ),
        cameras=("tracking", "aerial", "pan-right", "pan-left", "orbit", "tilt-up"),
    ),
    "spacecraft": MotionClass(
        "space",
        intro=("drifting silently {place}", "rising on a column of fire {place}", "gliding into view {place}"),
        calm=("coasting gently {place}", "turning slowly {place}", "floating past distant stars {place}"),
        energetic=(
            "blasting forward with engines blazing {place}", "weaving through tumbling asteroids {place}",
            "accelerating into a streak of light {place}", "firing its thrusters hard {place}",
        ),
        cameras=("tracking", "orbit", "dolly-in", "pan-right", "tilt-up", "zoom-out"),
    ),
    "vessel": MotionClass(
        "water",
        intro=("cutting through the waves {place}", "sailing into view {place}", "bobbing on the swell {place}"),
        calm=("gliding over calm water {place}", "drifting with the current {place}", "sailing steadily {place}"),
        energetic=(
            "crashing through towering waves {place}", "racing ahead with spray flying {place}",
            "heeling hard into the wind {place}", "turning sharply in a burst of foam {place}",
        ),
        cameras=("tracking", "aerial", "pan-left", "pan-right", "orbit", "dolly-in"),
    ),
    "submersible": MotionClass(
        "underwater",
        intro=("emerging from the blue {place}", "gliding silently {place}", "sweeping its lights {place}"),
        calm=("drifting slowly {place}", "hovering quietly {place}", "descending gently {place}"),
        energetic=(
            "diving fast {place}", "banking hard between rocks {place}", "surging forward in a cloud of bubbles {place}",
        ),
        cameras=("tracking", "dolly-in", "pan-right", "orbit", "tilt-down", "static"),
    ),
    "humanoid": MotionClass(
        "ground",
        intro=("looking ahead with determination {place}", "stepping into the light {place}", "standing still {place}"),
        calm=("walking slowly {place}", "pausing to look around {place}", "smiling softly {place}", "exploring curiously {place}",
              "kneeling to look closer {place}"),
        energetic=(
            "running at full speed {place}", "leaping over an obstacle {place}", "climbing hand over hand {place}",
            "spinning around in surprise {place}",
        ),
        cameras=("dolly-in", "tracking", "handheld", "orbit", "static", "pan-right"),
    ),
    "quadruped": MotionClass(
        "ground",
        intro=("lifting its head alertly {place}", "trotting into view {place}", "sniffing the air {place}"),
        calm=("wandering slowly {place}", "resting quietly {place}", "padding softly {place}", "pausing to listen {place}",
              "stretching lazily {place}"),
        energetic=(
            "galloping at full speed {place}", "bounding over a fallen log {place}", "leaping high {place}",
            "sprinting in a blur of motion {place}",
        ),
        cameras=("tracking", "dolly-in", "handheld", "pan-left", "orbit", "static"),
    ),
    "flyer": MotionClass(
        "air",
        intro=("spreading its wings {place}", "soaring into view {place}", "gliding on the wind {place}"),
        calm=("circling lazily {place}", "hovering on the breeze {place}", "gliding slowly {place}", "perching for a moment {place}"),
        energetic=("diving in a steep swoop {place}", "beating its wings hard {place}", "twisting through the air {place}"),
        cameras=("tracking", "aerial", "tilt-up", "pan-right", "orbit", "static"),
    ),
    "swimmer": MotionClass(
        "underwater",
        intro=("gliding gracefully {place}", "emerging from the deep blue {place}", "turning slowly {place}"),
        calm=("drifting with the current {place}", "swimming lazily {place}", "circling gently {place}",
              "rising slowly toward the light {place}"),
        energetic=("darting fast {place}", "surging upward in a spiral {place}", "twisting sharply {place}"),
        cameras=("tracking", "orbit", "dolly-in", "pan-left", "tilt-up", "static"),
    ),
    "fixture": MotionClass(
        "still",
        intro=("standing tall {place}", "catching the first light {place}", "revealed in fine detail {place}"),
        calm=("standing quietly {place}", "bathed in soft light {place}", "casting long shadows {place}"),
        energetic=("buffeted by the wind {place}", "lit by flashes of light {place}", "shaking as the ground trembles {place}"),
        cameras=("dolly-in", "tilt-up", "orbit", "pan-right", "static", "zoom-out"),
    ),
    "floater": MotionClass(
        "air",
        intro=("rising gently {place}", "drifting into view {place}", "swaying on the breeze {place}"),
        calm=("floating slowly {place}", "drifting with the wind {place}", "hanging still {place}"),
        energetic=("tugged wildly by a gust {place}", "spinning in the wind {place}", "soaring suddenly higher {place}"),
        cameras=("tilt-up", "tracking", "pan-right", "static", "orbit", "aerial"),
    ),
    "toy": MotionClass(
        "ground",
        intro=("resting in fine detail {place}", "rolling into view {place}", "catching the light {place}"),
        calm=("rolling slowly {place}", "coming to rest {place}", "bouncing softly {place}"),
        energetic=("bouncing high {place}", "flying through the air {place}", "spinning fast {place}"),
        cameras=("tracking", "static", "dolly-in", "pan-left", "handheld", "tilt-down"),
    ),
    "thing": MotionClass(  # a subject the tables do not know: neutral verbs only
        "ground",
        intro=("appearing in fine detail {place}", "revealed in soft light {place}", "coming into view {place}"),
        calm=("resting quietly {place}", "moving slowly {place}", "seen from a new angle {place}"),
        energetic=("moving fast {place}", "caught in a burst of motion {place}", "rushing forward {place}"),
        cameras=("dolly-in", "orbit", "static", "pan-right", "tracking", "zoom-in"),
    ),
}

_V = ("ground",)
KINDS: tuple[Kind, ...] = (
    Kind("car", "vehicle", ("automobile", "sports car", "race car"), _V,
         ("car engine idling", "sports car engine roaring past", "tires screeching around a corner"),
         ("coastal road", "mountain road", "city street", "race track"), "sports car"),
    Kind("truck", "vehicle", ("lorry", "pickup truck"), _V,
         ("truck engine rumbling", "heavy truck driving past", "truck air horn blast"), ("desert", "city street"), "truck"),
    Kind("bus", "vehicle", ("coach",), _V, ("bus engine idling", "bus driving past", "bus air brakes hissing"),
         ("city street",), "bus"),
    Kind("train", "vehicle", ("locomotive", "steam train"), _V,
         ("train wheels clacking on rails", "train passing by", "train horn blaring"), ("meadow", "mountains"), "train"),
    Kind("motorcycle", "vehicle", ("motorbike",), _V,
         ("motorcycle engine idling", "motorcycle speeding past", "motorcycle revving hard"),
         ("mountain road", "city street", "desert"), "motorcycle"),
    Kind("bicycle", "vehicle", ("bike",), _V,
         ("bicycle chain ticking", "bicycle riding past on gravel", "bicycle bell ringing"),
         ("village", "meadow", "city street"), "bicycle"),
    Kind("airplane", "aircraft", ("plane", "aircraft", "jet", "propeller plane"), ("air",),
         ("propeller plane droning overhead", "airplane engine hum", "jet airplane flyby whoosh"),
         ("sky", "canyon", "coastal road"), "airplane"),
    Kind("helicopter", "aircraft", ("chopper",), ("air",),
         ("distant helicopter hovering", "helicopter rotor chopping", "helicopter flying fast overhead"),
         ("city street", "mountains"), "helicopter"),
    Kind("rocket", "spacecraft", ("missile",), ("space", "air"),
         ("low rocket rumble", "rocket engine roaring", "rocket launch blast"), ("outer space", "desert"), "rocket"),
    Kind("spaceship", "spacecraft", ("spacecraft", "starship", "flying saucer"), ("space", "air"),
         ("spaceship engine hum", "sci-fi spaceship flyby", "spaceship thrusters firing"),
         ("outer space", "alien planet"), "spaceship"),
    Kind("boat", "vessel", ("sailboat", "speedboat", "canoe", "yacht"), ("water",),
         ("water lapping against a boat", "boat motor running", "speedboat engine roaring over waves"),
         ("ocean", "river"), "boat"),
    Kind("ship", "vessel", ("pirate ship", "ocean liner", "sailing ship"), ("water",),
         ("wooden ship creaking", "ship sailing through waves", "ship horn blowing"), ("ocean", "harbor"), "ship"),
    Kind("submarine", "submersible", ("submersible",), ("underwater",),
         ("submarine sonar ping", "submarine engine hum underwater", "submarine ballast bubbles rushing"),
         ("underwater reef", "deep trench"), "submarine"),
    Kind("person", "humanoid", ("man", "woman", "people", "traveler", "old man", "worker", "keeper", "farmer"),
         ("ground", "indoor"), ("footsteps on gravel", "person breathing", "person running footsteps"),
         ("village", "city street", "forest")),
    Kind("child", "humanoid", ("kid", "boy", "girl", "little girl", "little boy"), ("ground", "indoor"),
         ("small footsteps", "child laughing", "child running footsteps"), ("meadow", "village", "living room")),
    Kind("astronaut", "humanoid", ("spaceman", "cosmonaut"), ("space",),
         ("astronaut breathing in a helmet", "radio static and beeps", "spacesuit thrusters hissing"),
         ("alien planet", "moon surface", "outer space")),
    Kind("robot", "humanoid", ("android", "machine", "cyborg"), ("ground", "indoor", "space"),
         ("robot servos whirring", "robot footsteps clanking", "robot powering up"), ("city street", "living room")),
    Kind("knight", "humanoid", ("warrior", "soldier", "swordsman"), _V,
         ("armor clanking", "sword drawn from a sheath", "swords clashing"), ("castle", "forest")),
    Kind("wizard", "humanoid", ("witch", "sorcerer", "magician", "mage"), ("ground", "indoor"),
         ("magic shimmer", "magical sparkle chime", "magic spell blast"), ("castle", "forest")),
    Kind("princess", "humanoid", ("prince", "queen", "king"), ("ground", "indoor"),
         ("dress rustling", "soft footsteps on stone", "running footsteps on stone"), ("castle", "village")),
    Kind("pirate", "humanoid", ("sailor", "captain"), ("ground", "water"),
         ("wooden deck creaking", "footsteps on a wooden deck", "cutlass clash"), ("harbor", "beach")),
    Kind("detective", "humanoid", ("spy", "investigator", "thief", "burglar"), ("ground", "indoor"),
         ("footsteps on wet pavement", "door creaking open", "running footsteps echoing"), ("city street",)),
    Kind("diver", "humanoid", ("scuba diver", "swimmer"), ("underwater", "water"),
         ("scuba breathing bubbles", "underwater bubbles", "diver kicking hard underwater"), ("underwater reef",)),
    Kind("horse", "quadruped", ("pony", "stallion"), _V,
         ("horse snorting", "horse hooves trotting", "horse galloping"), ("meadow", "desert")),
    Kind("dog", "quadruped", ("puppy", "hound"), ("ground", "indoor"),
         ("dog panting", "dog barking", "dog running on grass"), ("meadow", "city street")),
    Kind("cat", "quadruped", ("kitten",), ("ground", "indoor"),
         ("cat purring", "cat meowing", "cat hissing"), ("living room", "village")),
    Kind("fox", "quadruped", ("red fox",), _V, ("leaves rustling", "fox yelping", "animal running through leaves"),
         ("forest", "snowfield")),
    Kind("wolf", "quadruped", ("wolves",), _V, ("wolf growling", "wolf howling", "wolf pack running"),
         ("forest", "snowfield")),
    Kind("lion", "quadruped", ("tiger", "leopard", "cheetah", "big cat"), _V,
         ("lion breathing", "lion roaring", "big cat charging"), ("desert", "meadow")),
    Kind("bear", "quadruped", ("polar bear",), _V, ("bear grunting", "bear roaring", "bear charging"),
         ("forest", "snowfield")),
    Kind("deer", "quadruped", ("elk", "reindeer", "moose"), _V,
         ("twigs snapping", "deer bleating", "hooves running through a forest"), ("forest", "meadow")),
    Kind("rabbit", "quadruped", ("bunny", "hare", "mouse", "squirrel"), _V,
         ("grass rustling", "small animal scurrying", "small animal running through grass"), ("meadow", "forest")),
    Kind("elephant", "quadruped", ("mammoth",), _V,
         ("elephant rumbling", "elephant trumpeting", "elephant stampede"), ("desert", "jungle")),
    Kind("dinosaur", "quadruped", ("t-rex", "tyrannosaurus", "monster"), _V,
         ("dinosaur breathing", "dinosaur roar", "giant footsteps shaking the ground"), ("jungle", "volcano")),
    Kind("unicorn", "quadruped", ("pegasus",), _V,
         ("magical chime", "horse hooves trotting", "horse galloping with magic sparkle"), ("forest", "meadow")),
    Kind("bird", "flyer", ("sparrow", "seagull", "parrot", "songbird"), ("air",),
         ("bird chirping", "wings flapping", "flock of birds taking off"), ("forest", "sky")),
    Kind("eagle", "flyer", ("hawk", "falcon"), ("air",), ("wind whistling", "eagle screech", "wings beating hard"),
         ("mountains", "canyon")),
    Kind("owl", "flyer", ("bat",), ("air",), ("owl hooting", "soft wing flaps", "owl screech"), ("forest",)),
    Kind("butterfly", "flyer", ("bee", "dragonfly", "moth"), ("air",),
         ("gentle breeze", "insect buzzing", "buzzing wings"), ("meadow", "garden")),
    Kind("dragon", "flyer", ("wyvern",), ("air", "ground"),
         ("dragon breathing", "dragon roar", "dragon breathing fire"), ("castle", "mountains")),
    Kind("fish", "swimmer", ("goldfish", "clownfish"), ("underwater",),
         ("underwater bubbles", "gentle underwater current", "fish splashing"), ("underwater reef",)),
    Kind("whale", "swimmer", ("humpback whale", "orca"), ("underwater", "water"),
         ("whale song", "whale breathing at the surface", "whale breaching splash"), ("underwater reef", "ocean")),
    Kind("shark", "swimmer", (), ("underwater",),
         ("muffled underwater current", "underwater whoosh", "fast underwater rush"), ("underwater reef",)),
    Kind("dolphin", "swimmer", ("porpoise",), ("underwater", "water"),
         ("dolphin clicks", "dolphin chirping", "dolphin splashing"), ("ocean", "underwater reef")),
    Kind("turtle", "swimmer", ("sea turtle", "tortoise"), ("underwater", "ground"),
         ("gentle underwater current", "bubbles rising", "water splashing"), ("underwater reef", "beach")),
    Kind("octopus", "swimmer", ("squid", "jellyfish"), ("underwater",),
         ("underwater bubbles", "squishy underwater movement", "ink jet whoosh underwater"), ("underwater reef",)),
    Kind("tree", "fixture", ("oak", "pine"), _V, ("leaves rustling in the wind", "branches creaking", "wind howling through branches"),
         ("forest", "meadow")),
    Kind("flower", "fixture", ("rose", "plant", "blossom"), ("ground", "indoor"),
         ("gentle breeze", "bees buzzing softly", "wind gust"), ("garden", "meadow")),
    Kind("house", "fixture", ("home", "cottage", "cabin", "building"), _V,
         ("house creaking", "wind around a house", "door slamming"), ("village", "meadow")),
    Kind("castle", "fixture", ("palace", "fortress", "tower"), _V,
         ("wind around stone walls", "castle bell tolling", "castle gate slamming"), ("castle", "mountains")),
    Kind("lighthouse", "fixture", ("beacon",), _V,
         ("waves against rocks", "foghorn blowing", "storm waves crashing on rocks"), ("rocky coast", "beach")),
    Kind("ball", "toy", ("football", "soccer ball", "basketball", "toy"), ("ground", "indoor"),
         ("ball rolling", "ball bouncing", "ball kicked hard"), ("stadium", "meadow")),
    Kind("balloon", "floater", ("hot air balloon", "balloons"), ("air", "ground"),
         ("soft wind", "balloon burner whoosh", "balloon rubber squeak"), ("sky", "meadow")),
    Kind("kite", "floater", (), ("air",), ("kite fluttering", "kite string humming in wind", "strong wind gust"),
         ("beach", "meadow")),
)

SETTINGS: tuple[Setting, ...] = (
    Setting("coastal road", "a winding road along the sea coast with cliffs", "a winding coastal road", "along", "on",
            ("ground", "air"), ("ocean waves and wind along the coast",), ("mountain road", "canyon", "beach")),
    Setting("mountain road", "a mountain pass road with hairpin turns", "a mountain road full of hairpin turns",
            "up", "on", ("ground", "air"), ("mountain wind",), ("canyon", "coastal road", "mountains")),
    Setting("city street", "a street in a big city with tall buildings", "a wide city street", "down", "on",
            ("ground", "air"), ("city traffic ambience",), ("harbor", "rooftops")),
    Setting("rooftops", "city rooftops and skyline", "the city rooftops", "across", "on", ("ground", "air"),
            ("city night ambience with distant sirens",), ("city street",)),
    Setting("desert", "a hot sandy desert with dunes", "the open desert", "across", "in", ("ground", "air"),
            ("desert wind over sand",), ("canyon", "desert highway")),
    Setting("desert highway", "a straight highway through the desert", "a sun-baked desert highway", "along", "on",
            ("ground", "air"), ("desert wind over sand",), ("desert", "canyon")),
    Setting("race track", "a motor racing circuit", "a race track", "around", "on", ("ground", "air"),
            ("race track ambience",), ("city street",)),
    Setting("canyon", "a deep narrow rock canyon", "a narrow red-rock canyon", "through", "in", ("ground", "air"),
            ("wind echoing through a canyon",), ("desert", "mountain road")),
    Setting("forest", "a dense green forest of tall trees", "a dense forest", "through", "in", ("ground", "air"),
            ("birdsong and rustling leaves in a forest",), ("river", "mountains", "village")),
    Setting("jungle", "a tropical rainforest jungle", "a steaming jungle", "through", "in", ("ground", "air"),
            ("jungle birds and insects",), ("river", "volcano")),
    Setting("mountains", "high snow-capped mountains and peaks", "snow-capped mountains", "across", "in",
            ("ground", "air"), ("mountain wind",), ("snowfield", "forest")),
    Setting("snowfield", "a frozen arctic snowfield of ice and snow", "a vast snowfield", "across", "on",
            ("ground", "air"), ("cold wind over snow",), ("mountains",), "snow"),
    Setting("meadow", "green countryside fields and meadows", "a green countryside meadow", "across", "in",
            ("ground", "air"), ("birdsong in a meadow",), ("village", "forest", "river")),
    Setting("garden", "a blooming garden or park", "a blooming garden", "through", "in", ("ground", "air"),
            ("birdsong and bees in a garden",), ("meadow", "house interior")),
    Setting("village", "a small quiet village with cottages", "a quiet village", "through", "in", ("ground", "air"),
            ("village ambience with distant bells",), ("meadow", "castle")),
    Setting("castle", "a medieval stone castle", "an ancient castle", "around", "at", ("ground", "air"),
            ("wind around stone castle walls",), ("village", "forest")),
    Setting("beach", "a sandy beach by the sea", "a sandy beach", "along", "on", ("ground", "air", "water"),
            ("gentle waves on a beach",), ("ocean", "coastal road")),
    Setting("rocky coast", "a rocky coastline with a lighthouse, cliffs and crashing waves", "a rocky coastline", "along", "on",
            ("ground", "air", "water"), ("waves crashing on rocks",), ("ocean", "beach")),
    Setting("ocean", "the open sea ocean surface with waves", "the open ocean", "across", "on", ("water", "air"),
            ("ocean waves",), ("beach", "harbor")),
    Setting("river", "a river or lake with calm water", "a winding river", "along", "on", ("water", "air", "ground"),
            ("flowing river water",), ("forest", "meadow")),
    Setting("harbor", "a harbor port with docks", "an old harbor", "through", "in", ("water", "ground", "air"),
            ("harbor ambience with gulls and creaking boats",), ("ocean", "city street")),
    Setting("sky", "high in the sky above the clouds", "the open sky above the clouds", "through", "in", ("air",),
            ("wind rushing at altitude",), ("mountains", "ocean")),
    Setting("underwater reef", "under the sea, a colorful coral reef underwater", "an underwater coral reef", "over",
            "on", ("underwater",), ("underwater bubbles and muffled currents",), ("kelp forest", "deep trench")),
    Setting("kelp forest", "an underwater kelp forest in the sea", "an underwater kelp forest", "through", "in",
            ("underwater",), ("underwater bubbles and muffled currents",), ("underwater reef", "deep trench")),
    Setting("deep trench", "the deep dark ocean floor underwater", "a deep underwater trench", "above", "in",
            ("underwater",), ("deep underwater rumble",), ("underwater reef", "kelp forest")),
    Setting("outer space", "outer space among stars and planets", "outer space among the stars", "through", "in",
            ("space",), ("deep space drone hum",), ("orbit", "alien planet")),
    Setting("orbit", "orbit high above the planet Earth", "orbit high above the Earth", "through", "in", ("space",),
            ("deep space drone hum",), ("outer space", "moon surface")),
    Setting("alien planet", "the surface of an alien planet like Mars", "the rocky surface of an alien planet",
            "across", "on", ("space", "ground"), ("eerie alien wind",), ("outer space",)),
    Setting("moon surface", "the grey dusty surface of the moon", "the dusty surface of the moon", "across", "on",
            ("space", "ground"), ("silent space hum",), ("orbit",)),
    Setting("volcano", "an erupting volcano with lava", "the slopes of an erupting volcano", "across", "on",
            ("ground", "air"), ("rumbling volcano and hissing lava",), ("jungle",)),
    Setting("cave", "a dark cave underground", "a dark cave", "through", "in", ("ground", "indoor"),
            ("dripping water echoing in a cave",), ("forest", "mountains")),
    Setting("living room", "a cozy room inside a house", "a cozy living room", "across", "in", ("indoor",),
            ("quiet room tone with a ticking clock",), ("kitchen",)),
    Setting("kitchen", "a warm home kitchen", "a warm kitchen", "across", "in", ("indoor",),
            ("kitchen ambience with a simmering pot",), ("living room",)),
    Setting("house interior", "inside an old house with corridors", "a dim old hallway", "along", "in", ("indoor",),
            ("old house creaking",), ("living room",)),
    Setting("museum", "a grand museum hall or bank vault", "a grand museum hall", "through", "in", ("indoor",),
            ("echoing hall ambience",), ("rooftops",)),
    Setting("stadium", "an empty sports stadium field", "an empty stadium pitch", "across", "on", ("ground", "air"),
            ("stadium ambience echo",), ()),
)

_TOD_DAY = (("sunrise", "day", "golden-hour"), ("day", "golden-hour", "sunset"), ("dawn", "sunrise", "day"),
            ("day",), ("day", "golden-hour"))
_TOD_DARK = (("dusk", "night"), ("night",), ("sunset", "dusk", "night"))

GENRES: tuple[Genre, ...] = (
    Genre(
        "race", "a race, a speed competition between rivals to reach the finish line first",
        ("race", "races", "racing", "raced", "versus", "vs", "competition", "rally", "grand prix"),
        "triumphant", "fast", "energetic",
        ("driving orchestral action with pounding drums", "high-energy rock race anthem"),
        _TOD_DAY[:3], ("clear",), ("coastal road", "mountain road", "canyon", "desert highway", "race track"),
        ("{a} and {b} racing side by side {place}", "{a} and {b} neck and neck {place}",
         "{a} edging past {b} {place}"),
        ("{a} surging toward the finish line {place}", "{a} pushing to the limit {place}"),
        ("a checkered flag waving in victory {place}", "{a} crossing the finish line as a checkered flag waves {place}"),
        ("{A} is ready to race.", "Here comes {A}.", "{A} takes the start."),
        ("{A} pulls ahead!", "{A} won't give up.", "Faster and faster!"),
        ("Neck and neck!", "Side by side!", "Nobody backs down."),
        ("Victory!", "What a race.", "The race is won."),
        ("{When}, {at} {np}, a race begins between {names}.", "Two rivals. One finish line."),
        ("Only one can cross the line first.", "And the race is won."),
        ("{A} vs. {B}", "The Great Race", "Race of the {Np}"), "a race to the finish line", 0.4, False,
        ("race finish cheering", "triumphant fanfare"),
    ),
    Genre(
        "chase", "a chase, one pursues another who tries to escape",
        ("chase", "chases", "chasing", "chased", "pursuit", "pursues", "escape", "escapes", "hunt", "hunts"),
        "tense", "fast", "energetic", ("tense pulsing chase music with fast percussion",),
        _TOD_DAY[:2] + _TOD_DARK[:1], ("clear", "cloudy"), ("city street", "forest", "canyon", "rooftops"),
        ("{a} chasing {b} {place}", "{b} narrowly escaping {a} {place}", "{a} closing in on {b} {place}"),
        ("{a} making a desperate leap {place}", "{a} swerving at the last second {place}"),
        ("{a} coming to a stop as the dust settles {place}", "the dust settling {place} as the chase ends"),
        ("{A} is on the move.", "There goes {A}.", "{A} is watching."),
        ("Faster!", "{A} won't stop.", "Closer and closer."), ("Almost caught!", "Not this time."),
        ("The chase is over.", "Finally, quiet."),
        ("{When}, {names} are about to collide.", "It starts with a single move."),
        ("When the dust settles, only silence remains.",), ("The Chase", "Catch {B}", "Run, {A}"),
        "a breathless chase", 0.4, False, ("whoosh of passing speed",),
    ),
    Genre(
        "journey", "a long journey or road trip travelling far to a destination",
        ("journey", "trip", "travel", "travels", "voyage", "road", "quest", "across", "home"),
        "epic", "moderate", "calm", ("sweeping orchestral adventure theme",),
        _TOD_DAY[:3], ("clear", "cloudy"), ("mountain road", "desert", "forest", "meadow", "coastal road"),
        ("{a} and {b} travelling together {place}", "{a} following {b} {place}"),
        ("{a} reaching the top of a ridge {place}", "{a} pushing on against the wind {place}"),
        ("{all} arriving at last as the view opens up {place}", "the road stretching toward the horizon {place}"),
        ("{A} sets out.", "Meet {A}.", "{A} begins the journey."), ("The road goes on.", "{A} keeps going.", "Further still."),
        ("Together now.", "Side by side."), ("Home at last.", "The journey ends here.", "Made it."),
        ("{When}, {names} set out on a long journey.", "Every journey starts with one step."),
        ("The destination was worth every mile.",), ("The Long Road", "{A}'s Journey", "Across the {Np}"),
        "a journey far from home", 0.7,
    ),
    Genre(
        "discovery", "exploring and discovering something new, curiosity and wonder",
        ("discover", "discovers", "finds", "find", "explore", "explores", "exploring", "treasure", "secret"),
        "mysterious", "moderate", "calm", ("curious wondrous orchestral music with soft bells",),
        _TOD_DAY[:3], ("clear", "fog"), ("forest", "cave", "jungle", "alien planet"),
        ("{a} and {b} exploring together {place}", "{a} showing {b} the way {place}"),
        ("{a} uncovering a glowing treasure {place}", "{a} gazing in wonder at a hidden secret {place}"),
        ("a hidden wonder glowing softly {place}", "{all} gazing at the discovery {place}"),
        ("Meet {A}.", "{A} is curious.", "{A} looks around."), ("What is that?", "{A} looks closer.", "A clue!"),
        ("Together they search.",), ("A wonder, found.", "The secret is out.", "Amazing."),
        ("{When}, {names} are about to find something wonderful.", "Some places keep secrets."),
        ("Some secrets are worth the search.",), ("The Hidden {Np}", "{A} and the Secret", "Discovery"),
        "the search for something hidden", 0.6,
    ),
    Genre(
        "battle", "a battle or fight, two enemies clash in combat",
        ("battle", "fight", "fights", "fighting", "war", "attack", "attacks", "duel", "versus", "against", "clash"),
        "epic", "fast", "energetic", ("epic battle orchestra with war drums and choir",),
        _TOD_DAY[1:2] + _TOD_DARK[2:3], ("cloudy", "storm"), ("castle", "mountains", "canyon", "volcano"),
        ("{a} and {b} clashing {place}", "{a} charging at {b} {place}", "{b} striking back at {a} {place}"),
        ("{a} rising for a final strike {place}", "{a} standing firm against the odds {place}"),
        ("smoke drifting over a quiet battlefield {place}", "{a} standing victorious {place}"),
        ("{A} is ready.", "{A} steps forward.", "Here is {A}."), ("Strike!", "{A} attacks!", "Hold the line!"),
        ("The clash begins.", "Face to face."), ("It is over.", "Victory.", "Peace returns."),
        ("{When}, {names} meet {at} {np}.", "There will be a battle."),
        ("When the smoke clears, one stands.",), ("{A} vs. {B}", "Battle of the {Np}", "The Last Stand"),
        "a clash that decides everything", 0.6, True, ("battle drums", "sword clash"),
    ),
    Genre(
        "romance", "a love story, two in love meet and fall for each other",
        ("love", "loves", "romance", "romantic", "date", "kiss", "wedding", "fall in love"),
        "romantic", "slow", "calm", ("warm romantic piano and strings",),
        (("day", "golden-hour", "sunset"), ("golden-hour", "sunset"), ("sunset", "dusk", "night")),
        ("clear",), ("beach", "garden", "village", "meadow"),
        ("{a} and {b} meeting for the first time {place}", "{a} and {b} walking side by side {place}",
         "{a} and {b} sharing a quiet moment {place}"),
        ("{a} smiling softly {place}", "{a} turning back with a hopeful look {place}"),
        ("{all} together in the last light {place}", "warm light fading {place}"),
        ("This is {A}.", "{A} waits.", "{A} dreams."), ("A glance.", "{A} smiles.", "Could it be?"),
        ("Together at last.", "Side by side."), ("Forever.", "Love stays.", "The end."),
        ("{When}, {names} are about to meet.", "Some meetings change everything."),
        ("Some stories never really end.",), ("{A} and {B}", "Love and the {Np}", "Golden Hour"),
        "a love that grows", 0.6, True,
    ),
    Genre(
        "mystery", "a mystery in the dark, secrets, clues and something hidden",
        ("mystery", "mysterious", "secret", "strange", "haunted", "ghost", "clue", "detective", "shadow"),
        "mysterious", "slow", "calm", ("dark mysterious ambient music with low strings",),
        _TOD_DARK, ("fog", "rain"), ("house interior", "city street", "forest", "cave"),
        ("{a} watching {b} from the shadows {place}", "{a} and {b} face to face {place}"),
        ("{a} finding a glowing clue {place}", "{a} freezing at a sudden sound {place}"),
        ("fog rolling slowly {place}", "{a} stepping into a beam of light {place}"),
        ("Who is {A}?", "{A} is listening.", "{A} waits in the dark."), ("What was that?", "Look closer.", "Someone is here."),
        ("Face to face.", "Not alone."), ("The truth is out.", "The mystery is solved.", "Silence."),
        ("{When}, something is not quite right.", "Nobody knew what waited {at} {np}."),
        ("Some mysteries are better left alone.",), ("The Secret of the {Np}", "Shadows", "Who is {A}?"),
        "a mystery hidden in the dark", 0.8, True,
    ),
    Genre(
        "nature documentary", "a nature documentary about wild animals and landscapes",
        ("wildlife", "nature", "wild", "animals", "documentary", "migration", "life of"),
        "calm", "slow", "calm", ("gentle nature documentary orchestra",),
        _TOD_DAY[:3], ("clear", "cloudy"), ("forest", "meadow", "snowfield", "jungle", "ocean"),
        ("{a} and {b} sharing {np}", "{a} watching {b} from a distance {place}"),
        ("{a} in a moment of pure grace {place}", "{a} moving with perfect balance {place}"),
        ("the landscape at peace {place}", "{all} at rest {place}"),
        ("This is {A}.", "Meet {A}.", "{A} wakes up."), ("Life goes on.", "{A} searches for food.", "Every day counts."),
        ("Two lives meet.",), ("Nature at peace.", "The day ends.", "Life continues."),
        ("{When}, {np} wakes up.", "Here, {at} {np}, life finds a way."), ("And so the cycle continues.",),
        ("The {Np}", "Wild {Np}", "A Day with {A}"), "life in the wild", 0.8,
    ),
    Genre(
        "space adventure", "a space adventure among stars, planets and rockets",
        ("space", "galaxy", "planet", "stars", "mars", "moon", "orbit", "alien", "rocket", "spaceship"),
        "epic", "moderate", "energetic", ("sweeping sci-fi synth and orchestra",),
        (("night",),), ("clear",), ("outer space", "orbit", "alien planet", "moon surface"),
        ("{a} and {b} together under alien skies {place}", "{a} meeting {b} {place}"),
        ("{a} blasting toward a glowing planet {place}", "{a} making a daring escape {place}"),
        ("a planet glowing on the horizon {place}", "{all} drifting toward a distant sun {place}"),
        ("{A} is ready.", "Meet {A}.", "{A} lifts off."), ("Into the unknown.", "Further out.", "{A} pushes on."),
        ("Not alone out here.",), ("Home among the stars.", "A new world.", "The stars await."),
        ("Far from home, {names} drift through {np}.", "Out among the stars, anything can happen."),
        ("The universe is wide, and we have only begun.",), ("Beyond the Stars", "{A} in Orbit", "Voyage of {A}"),
        "an adventure among the stars", 0.7,
    ),
    Genre(
        "underwater", "an underwater adventure in the deep sea with sea creatures",
        ("underwater", "sea", "ocean", "deep", "reef", "dive", "diving", "submarine", "whale", "fish"),
        "calm", "slow", "calm", ("dreamy ambient underwater music",),
        (("day",), ("day", "golden-hour")), ("clear",), ("underwater reef", "kelp forest", "deep trench"),
        ("{a} and {b} gliding side by side {place}", "{a} circling around {b} {place}"),
        ("{a} rising toward the shimmering surface {place}", "{a} diving into the dark blue {place}"),
        ("sunbeams shimmering through the water {place}", "{all} drifting together into the blue {place}"),
        ("Meet {A}.", "{A} glides by.", "This is {A}."), ("Deeper.", "{A} explores.", "So much to see."),
        ("Friends in the deep.", "Side by side."), ("Peace in the deep.", "The ocean sleeps.", "The end."),
        ("{When}, deep beneath the waves, {names} meet.", "The ocean hides a quiet world."),
        ("The deep keeps its secrets.",), ("Deep Blue", "{A} and {B}", "Beneath the Waves"),
        "a quiet world beneath the waves", 0.7,
    ),
    Genre(
        "disaster", "a natural disaster, storm, flood, earthquake or eruption, survival",
        ("storm", "hurricane", "tornado", "flood", "earthquake", "volcano", "eruption", "disaster", "tsunami",
         "survive", "survives"),
        "tense", "fast", "energetic", ("tense dramatic orchestral music with rumbling drums",),
        (("day", "golden-hour", "sunset"), ("day", "dusk")), ("storm",), ("village", "rocky coast", "volcano", "city street"),
        ("{a} and {b} sheltering together {place}", "{a} helping {b} to safety {place}"),
        ("{a} holding on against the storm {place}", "{a} bracing as the ground shakes {place}"),
        ("calm returning after the storm {place}", "{all} standing in the clearing light {place}"),
        ("Meet {A}.", "{A} senses danger.", "Something is coming."), ("Hold on!", "It's getting worse.", "Run!"),
        ("Together they hold on.",), ("The storm has passed.", "Calm again.", "They survived."),
        ("{When}, the sky begins to darken over {np}.", "Nobody saw it coming."),
        ("After the storm, a new day begins.",), ("The Storm", "Survive the {Np}", "After the Storm"),
        "a fight to survive", 0.7, True, ("thunder rumbling", "heavy rain and wind"),
    ),
    Genre(
        "sports", "a sports game or match, a team playing ball and scoring",
        ("match", "game", "soccer", "football", "basketball", "tennis", "goal", "score", "scores", "play", "plays"),
        "triumphant", "fast", "energetic", ("uplifting sports anthem with drums",),
        (("day", "golden-hour"), ("golden-hour", "sunset")), ("clear",), ("stadium", "meadow"),
        ("{a} and {b} going head to head {place}", "{a} passing to {b} {place}"),
        ("{a} scoring in a perfect moment {place}", "{a} making a spectacular leap {place}"),
        ("{a} celebrating the win {place}", "the stadium lights shining {place}"),
        ("Here is {A}.", "{A} warms up.", "{A} is ready."), ("Go!", "{A} goes for it!", "Almost!"),
        ("Head to head.",), ("Victory!", "What a game.", "Champions."),
        ("{When}, {at} {np}, the big game begins.", "It all comes down to this."), ("A game to remember.",),
        ("The Big Game", "{A} Scores", "Match Point"), "one big game", 0.5, False, ("stadium crowd cheering",),
    ),
    Genre(
        "heist", "a heist, thieves plan and steal treasure from a vault",
        ("heist", "steal", "steals", "stealing", "rob", "robbery", "vault", "thief", "thieves", "diamond"),
        "tense", "moderate", "energetic", ("cool suspenseful heist jazz with bass",),
        _TOD_DARK[:2], ("clear", "rain"), ("museum", "rooftops", "city street"),
        ("{a} and {b} slipping past the guards' lights {place}", "{a} signalling to {b} {place}"),
        ("{a} reaching for a glittering diamond {place}", "{a} dodging a sweeping laser beam {place}"),
        ("{all} vanishing into the night {place}", "an empty display case glinting {place}"),
        ("Meet {A}.", "{A} has a plan.", "{A} is ready."), ("Quiet now.", "Careful...", "Almost there."),
        ("Together, silently.",), ("Gone without a trace.", "Perfect.", "The job is done."),
        ("{When}, {names} have one night to pull it off.", "The plan is simple. The job is not."),
        ("By morning, nobody will know.",), ("The {Np} Job", "{A}'s Heist", "One Night Only"),
        "one perfect heist", 0.6, True,
    ),
    Genre(
        "fairy tale", "a magical fairy tale with a princess, enchantment and a castle",
        ("magic", "magical", "fairy", "princess", "dragon", "knight", "kingdom", "wizard", "enchanted", "once upon"),
        "playful", "moderate", "calm", ("whimsical fairy-tale orchestra with celesta",),
        _TOD_DAY[:3], ("clear",), ("castle", "forest", "village", "meadow"),
        ("{a} and {b} meeting in a shower of sparkles {place}", "{a} leading {b} {place}"),
        ("{a} glowing with a magical light {place}", "{a} casting a shimmering spell {place}"),
        ("a magical glow settling {place}", "{all} together in the last light {place}"),
        ("Once upon a time, there was {A}.", "Meet {A}.", "{A} dreams."), ("Magic is near.", "{A} is brave.", "Then..."),
        ("Together at last.",), ("Happily ever after.", "The end.", "And so it was."),
        ("Once upon a time, {names} lived near {np}.", "Long ago, in a faraway land..."),
        ("And they lived happily ever after.",), ("{A} and {B}", "The Enchanted {Np}", "Once Upon a Time"),
        "a magical tale", 0.7,
    ),
    Genre(
        "everyday life", "an ordinary everyday story of daily life: a family, a home, a walk in the park, children playing",
        ("morning", "home", "family", "breakfast", "day", "walk", "walks", "everyday", "cooking", "plays"),
        "joyful", "moderate", "calm", ("light cheerful acoustic guitar music",),
        _TOD_DAY, ("clear", "cloudy"), ("living room", "kitchen", "village", "garden", "city street"),
        ("{a} and {b} spending time together {place}", "{a} greeting {b} {place}"),
        ("{a} laughing happily {place}", "{a} enjoying a perfect moment {place}"),
        ("the day winding down {place}", "{all} resting together {place}"),
        ("Meet {A}.", "This is {A}.", "Good morning, {A}."), ("A little moment.", "{A} smiles.", "Just another day."),
        ("Together.",), ("A good day.", "The end.", "Until tomorrow."),
        ("{When}, a new day begins for {names}.", "It is just an ordinary day."), ("Small moments make a life.",),
        ("A Day with {A}", "Ordinary Days", "Ordinary {Np}"), "an ordinary day", 0.5,
    ),
    Genre(
        "melancholy", "a sad story of loss, loneliness and farewell",
        ("sad", "lonely", "alone", "lost", "loss", "goodbye", "farewell", "grief", "crying", "tears", "last", "forgotten"),
        "sad", "slow", "calm", ("sad slow piano with soft strings",),
        (("golden-hour", "sunset", "dusk"), ("day",), ("dusk", "night")), ("cloudy", "rain", "fog"),
        ("meadow", "village", "rocky coast", "living room"),
        ("{a} and {b} sitting in silence {place}", "{a} watching {b} walk away {place}"),
        ("{a} standing alone {place}", "{a} looking back one last time {place}"),
        ("an empty place in fading light {place}", "{a} alone as the light fades {place}"),
        ("This is {A}.", "{A} waits.", "{A} remembers."), ("So quiet.", "{A} is alone.", "Time passes."),
        ("One last moment.",), ("Goodbye.", "It's over.", "Remember."),
        ("{When}, {names} remember what was lost.", "Some things never come back."),
        ("But memories stay.",), ("Goodbye, {A}", "The Last {Np}", "Alone"), "a quiet farewell", 0.7, True,
    ),
    Genre(
        "playful", "a funny playful comedy: kids and pets playing, silly cute antics, games and toys",
        ("funny", "silly", "cute", "comedy", "play", "plays", "playing", "dance", "dances", "dancing", "party", "kite", "toy"),
        "playful", "fast", "energetic", ("bouncy playful pizzicato and ukulele",),
        _TOD_DAY, ("clear",), ("meadow", "living room", "garden", "beach"),
        ("{a} and {b} playing together {place}", "{a} surprising {b} {place}", "{a} and {b} tumbling over {place}"),
        ("{a} doing a silly little dance {place}", "{a} bouncing with joy {place}"),
        ("{all} taking a happy bow {place}", "a cheerful finish {place}"),
        ("Hi, {A}!", "Meet {A}.", "Here comes {A}!"), ("Oops!", "Wheee!", "{A} has an idea."),
        ("Best friends!", "Together!"), ("Ta-da!", "The end!", "What fun."),
        ("{When}, {names} are up to something.", "It was supposed to be a normal day."), ("And that was that!",),
        ("{A} and {B}", "{Np} Fun", "{A}'s Big Day"), "a silly, happy adventure", 0.4,
    ),
)

# Words in a request that name times and weathers (matched on whole lower-case words).
TOD_CUES: dict[str, tuple[str, ...]] = {
    "dawn": ("dawn", "sunrise", "day"), "sunrise": ("dawn", "sunrise", "day"), "morning": ("sunrise", "day"),
    "noon": ("day",), "afternoon": ("day", "golden-hour"), "daytime": ("day",),
    "sunset": ("golden-hour", "sunset", "dusk"), "evening": ("sunset", "dusk"), "dusk": ("sunset", "dusk", "night"),
    "twilight": ("dusk",), "night": ("night",), "midnight": ("night",), "nighttime": ("night",),
    "moonlight": ("night",), "moonlit": ("night",),
}
WEATHER_CUES: dict[str, str] = {
    "storm": "storm", "stormy": "storm", "thunder": "storm", "thunderstorm": "storm", "lightning": "storm",
    "hurricane": "storm", "tornado": "storm", "rain": "rain", "rainy": "rain", "raining": "rain",
    "snow": "snow", "snowy": "snow", "snowing": "snow", "blizzard": "snow", "winter": "snow",
    "fog": "fog", "foggy": "fog", "mist": "fog", "misty": "fog", "wind": "wind", "windy": "wind",
    "cloud": "cloudy", "cloudy": "cloudy", "overcast": "cloudy", "grey": "cloudy",
}

TOD_PHRASE = {
    "dawn": "at dawn", "sunrise": "at sunrise", "day": "in bright daylight", "golden-hour": "in warm golden-hour light",
    "sunset": "at sunset", "dusk": "at dusk", "night": "at night",
}
TOD_WORD = {  # for narration: "{When}, ..."
    "dawn": "At dawn", "sunrise": "At sunrise", "day": "One bright day", "golden-hour": "Late one afternoon",
    "sunset": "At sunset", "dusk": "At dusk", "night": "One night",
}
WEATHER_PHRASE = {
    "clear": "under a clear sky", "cloudy": "under an overcast sky", "rain": "in pouring rain",
    "storm": "in a raging storm with lightning", "snow": "in falling snow", "fog": "in drifting fog",
    "wind": "in strong wind",
}
WEATHER_SOUND = {"rain": "steady rain falling", "storm": "thunder and heavy rain", "snow": "soft wind in snow",
                 "wind": "strong wind gusts", "fog": "distant foghorn in fog"}

SHOT_PHRASE = {
    "extreme-wide": "extreme wide shot of", "wide": "wide shot of", "full": "full shot of",
    "medium": "medium shot of", "medium-close-up": "medium close-up of", "close-up": "close-up of",
    "extreme-close-up": "extreme close-up of",
}
CAMERA_PHRASE = {
    "static": "steady locked-off camera", "pan-left": "camera panning left", "pan-right": "camera panning right",
    "tilt-up": "camera tilting up", "tilt-down": "camera tilting down", "zoom-in": "slow zoom in",
    "zoom-out": "slow zoom out", "dolly-in": "camera slowly pushing in", "dolly-out": "camera pulling back",
    "tracking": "tracking shot", "orbit": "camera orbiting", "aerial": "aerial drone shot", "handheld": "handheld camera",
}

# Colour adjectives -> hex; the adjective stays in the user's words, the hex keeps the look across scenes.
COLORS: dict[str, str] = {
    "red": "#c8102e", "crimson": "#a4161a", "scarlet": "#d62718", "blue": "#1f5fbf", "navy": "#1b2a49",
    "green": "#2e8b3a", "yellow": "#f2c230", "orange": "#f07f19", "purple": "#7b3fa0", "violet": "#8f5bd6",
    "pink": "#f06fa4", "white": "#f2f2f2", "black": "#1a1a1a", "silver": "#b8bcc2", "gold": "#d4a52a",
    "golden": "#d4a52a", "grey": "#7f8389", "gray": "#7f8389", "brown": "#7a4b2a", "teal": "#1e8c8c",
    "turquoise": "#2ec4b6", "cyan": "#2bb8d9",
}
# Distinct, saturated picks for subjects without a colour word (chosen per seed, never repeated in a movie).
PALETTE: dict[str, str] = {
    "#d1342f": "red", "#2f6fd1": "blue", "#f2b134": "yellow", "#2fa35a": "green", "#8e44ad": "purple",
    "#e67e22": "orange", "#16a0a0": "teal", "#f06fa4": "pink", "#efefef": "white", "#34495e": "dark grey",
}

# Narrative nouns: they name what happens, not who is in it ("a race between ..." has no subject "race").
_EVENTS = (
    "story tale movie film video clip scene race races battle battles journey adventure chase fight war trip quest "
    "mission search rescue escape heist mystery dream memory love friendship life day days time night morning "
    "evening afternoon sunset sunrise dawn dusk noon midnight world game match competition contest duel "
    "documentary romance comedy drama thriller legend myth history summer winter spring autumn fall season "
    "storm rain snow fog wind weather thunder lightning hurricane tornado flood earthquake eruption disaster "
    "moment end beginning start finish way lot kind sort something anything everything nothing sound silence music "
    "light darkness dark colour color hope fear idea feeling peace beauty power spirit soul truth freedom "
    "place thing stuff table"
)
EVENT_WORDS = frozenset(_EVENTS.split())
# fmt: on
