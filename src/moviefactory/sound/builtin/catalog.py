"""The built-in library's catalogue: id, kind, title, description, tags and length of every sound.
Descriptions are what text retrieval matches against, so they name the source, the action and the
setting in plain words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str  # "effect" | "music"
    title: str
    description: str
    tags: str
    duration_s: float  # effects only; music beds are whole progression cycles (~20-28 s)


E = "effect"
# one entry per row: the catalogue reads as a table
# fmt: off
EFFECTS: list[Entry] = [
    Entry("car-engine-pass", E, "Sports car passing", "a sports car engine roaring as the car speeds past, revving motor with doppler", "car engine vehicle race speed road", 4.0),
    Entry("engine-idle", E, "Engine idling", "a car or truck engine idling, low steady motor rumble while parked", "engine idle motor truck rumble", 4.0),
    Entry("jet-flyby", E, "Jet flyby", "a jet airplane flying fast overhead, roaring jet engine passing in the sky", "jet airplane aircraft plane fly sky", 6.0),
    Entry("propeller-plane", E, "Propeller plane", "a small propeller airplane droning past, buzzing prop engine of an old aircraft", "propeller plane aircraft biplane drone", 5.0),
    Entry("helicopter", E, "Helicopter", "a helicopter hovering, rotor blades chopping and thumping", "helicopter rotor chopper", 5.0),
    Entry("wind-howl", E, "Howling wind", "strong wind howling and gusting, stormy blustery air", "wind gust storm breeze howl", 6.0),
    Entry("rain", E, "Rain", "steady rain falling, raindrops pattering, a rainfall downpour", "rain rainfall drops wet weather", 6.0),
    Entry("thunder", E, "Thunder", "a thunderclap and long rolling thunder rumble in a storm", "thunder storm lightning rumble", 6.0),
    Entry("ocean-waves", E, "Ocean waves", "ocean waves crashing on a sandy beach and washing back, sea surf", "ocean sea waves beach surf shore", 6.0),
    Entry("stream-babbling", E, "Babbling brook", "a babbling brook, river water flowing and trickling over stones", "stream river brook water flow", 5.0),
    Entry("footsteps-walking", E, "Footsteps walking", "footsteps of a person walking on a hard floor, steady steps", "footsteps walking steps shoes", 4.0),
    Entry("footsteps-running", E, "Footsteps running", "fast footsteps of someone running, sprinting feet", "running footsteps sprint feet", 3.0),
    Entry("crowd-murmur", E, "Crowd murmur", "crowd murmur, many people talking and chattering in a busy room", "crowd people talking chatter murmur", 6.0),
    Entry("crowd-cheer", E, "Crowd cheering", "a crowd cheering and applauding, audience clapping in a stadium", "cheer applause clapping audience stadium", 5.0),
    Entry("birds-chirping", E, "Birds chirping", "songbirds chirping and singing in the morning, bird calls", "birds chirp song morning", 5.0),
    Entry("crickets-night", E, "Crickets at night", "crickets chirping on a warm summer night, insects in the dark", "crickets insects night summer", 5.0),
    Entry("fire-crackle", E, "Fire crackling", "a campfire burning and crackling, wood popping in the flames", "fire campfire flames burning crackle", 5.0),
    Entry("explosion", E, "Explosion", "a huge explosion, a blast with a deep boom and rumble", "explosion blast boom bomb", 5.0),
    Entry("fireworks", E, "Fireworks", "fireworks whistling up and bursting with crackling sparkles", "fireworks celebration bang", 5.0),
    Entry("whoosh", E, "Whoosh", "a fast whoosh, something swishing quickly past through the air", "whoosh swish swoosh fast motion", 2.5),
    Entry("impact-thud", E, "Heavy impact", "a heavy impact, a deep thud of something big hitting the ground", "impact thud hit crash heavy", 2.0),
    Entry("metal-clang", E, "Metal clang", "a metal clang, a hammer striking a steel pipe and ringing", "metal clang steel hit ring", 3.0),
    Entry("glass-shatter", E, "Glass shattering", "glass shattering, a window breaking into pieces", "glass shatter break smash window", 3.0),
    Entry("scifi-hum", E, "Sci-fi hum", "a science fiction spaceship engine humming, futuristic drone", "scifi spaceship hum futuristic drone", 5.0),
    Entry("laser-zaps", E, "Laser zaps", "laser guns firing, sci-fi blaster zaps", "laser blaster zap pew scifi", 3.0),
    Entry("power-up", E, "Power up", "an electronic power-up, a rising charging synth sweep", "power up charge rise sweep", 3.0),
    Entry("clock-ticking", E, "Clock ticking", "a clock ticking, tick tock of a pendulum clock", "clock tick tock time", 4.0),
    Entry("church-bell", E, "Church bell", "a large church bell ringing and tolling", "bell church toll ring", 6.0),
    Entry("door-knock", E, "Knocking on a door", "knocking on a wooden door, knuckles rapping", "knock door wood", 3.0),
    Entry("door-creak", E, "Door creaking", "a creaky old door slowly opening with a squeaky hinge", "creak door hinge squeak", 3.0),
    Entry("door-slam", E, "Door slam", "a door slamming shut with a bang", "door slam shut bang", 2.5),
    Entry("heartbeat", E, "Heartbeat", "a heartbeat, a heart pounding and thumping", "heart heartbeat pulse", 4.0),
    Entry("train-tracks", E, "Train on tracks", "a train rolling on railway tracks, wheels clickety-clack", "train railway tracks locomotive", 6.0),
    Entry("police-siren", E, "Police siren", "a police siren wailing, an emergency vehicle", "siren police ambulance emergency", 5.0),
    Entry("car-horn", E, "Car horn", "a car horn honking twice", "horn honk car traffic", 2.5),
    Entry("phone-ringing", E, "Telephone ringing", "an old telephone ringing", "phone telephone ring call", 4.0),
    Entry("keyboard-typing", E, "Keyboard typing", "typing on a computer keyboard, keys clicking", "typing keyboard computer office", 4.0),
    Entry("water-drip-cave", E, "Water dripping in a cave", "water drops dripping in an echoing cave", "drip drops cave echo", 5.0),
    Entry("water-splash", E, "Splash", "a splash, something jumping into water", "splash water jump dive", 3.0),
    Entry("underwater-bubbles", E, "Underwater bubbles", "underwater bubbles rising, muffled deep water", "underwater bubbles diving", 4.0),
    Entry("electric-buzz", E, "Electric buzz", "an electrical hum and buzzing sparks from a power line", "electric buzz hum sparks", 4.0),
    Entry("robot-servo", E, "Robot servo", "a robot moving, whirring servo motors and mechanical joints", "robot servo mechanical motor", 3.0),
    Entry("horse-gallop", E, "Horse galloping", "a horse galloping, hooves pounding the ground", "horse gallop hooves", 4.0),
    Entry("sword-clash", E, "Swords clashing", "two swords clashing in a sword fight, blades ringing", "sword clash blade fight", 3.0),
    Entry("city-traffic", E, "City traffic", "city street traffic ambience, cars driving by in town", "city traffic street cars urban", 6.0),
    Entry("leaves-rustling", E, "Leaves rustling", "leaves rustling in the trees in a forest breeze", "leaves rustle forest trees", 5.0),
    Entry("rocket-launch", E, "Rocket launch", "a rocket launching, a thundering roar of engines at liftoff", "rocket launch liftoff space", 6.0),
    Entry("magic-sparkle", E, "Magic sparkle", "a magical sparkle, glittering fairy chimes", "magic sparkle chimes fairy", 3.0),
    Entry("alarm-beeping", E, "Alarm beeping", "an alarm clock beeping, electronic warning beeps", "alarm beep warning", 3.0),
    Entry("gong-strike", E, "Gong", "a large gong struck once, shimmering metallic resonance", "gong strike asian", 5.0),
    Entry("punch-hit", E, "Punches", "fist punches hitting a body in a fight", "punch hit fight", 2.0),
    Entry("snow-footsteps", E, "Footsteps in snow", "footsteps crunching through fresh snow", "snow crunch footsteps winter", 4.0),
]
# fmt: on

M = "music"
# one entry per row: the catalogue reads as a table
# fmt: off
MUSIC: list[Entry] = [
    Entry("triumphant-fanfare", M, "Triumphant fanfare", "triumphant heroic victory music, bright brass and drums, major key, 120 bpm", "triumphant heroic victory uplifting major", 0),
    Entry("tense-pulse", M, "Tense pulse", "tense suspenseful thriller music, pulsing minor key ostinato and driving beat, fast 132 bpm", "tense suspense thriller chase minor", 0),
    Entry("sad-piano", M, "Sad piano", "sad melancholic piano music, slow and sorrowful, minor key, 70 bpm", "sad melancholy sorrow piano slow minor", 0),
    Entry("joyful-pop", M, "Joyful pop", "joyful happy upbeat pop music, cheerful plucks and drums, major key, 126 bpm", "joyful happy cheerful upbeat major", 0),
    Entry("mysterious-night", M, "Mysterious night", "mysterious eerie music, dark bells and pads, minor key, 84 bpm", "mysterious eerie suspense magic minor", 0),
    Entry("calm-ambient", M, "Calm ambient", "calm peaceful ambient music, soft piano and warm pads, relaxing, major key, 76 bpm", "calm peaceful relaxing gentle soft major", 0),
    Entry("epic-drums", M, "Epic drums", "epic cinematic orchestral music, big taiko war drums and brass, minor key, 96 bpm", "epic cinematic orchestral battle trailer minor", 0),
    Entry("playful-pizzicato", M, "Playful pizzicato", "playful whimsical music, bouncy pizzicato plucks, comedic and light, major key, 138 bpm", "playful whimsical comedy funny light major", 0),
    Entry("romantic-strings", M, "Romantic piano", "romantic tender love music, warm piano and strings, major key, 80 bpm", "romantic love tender warm major", 0),
    Entry("dark-drone", M, "Dark drone", "dark ominous brooding music, low pulse and bells, minor key, 90 bpm", "dark ominous horror brooding minor", 0),
]
# fmt: on

CATALOG: list[Entry] = EFFECTS + MUSIC
