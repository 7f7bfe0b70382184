"""The sound backend end to end on the built-in library: retrieval quality, effects aligned to a clip,
music fitted to the movie, narration with and without a TTS engine, credits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from moviefactory.media import read_audio, write_video
from moviefactory.sound import SOUND
from moviefactory.sound.backend import LibrarySound
from moviefactory.sound.credits import write_credits
from moviefactory.sound.features import envelope, integrated_loudness
from moviefactory.spec import Movie, Scene, Tone

RATE = 48_000

PARAPHRASES = {
    "a window smashing to bits": "glass-shatter",
    "downpour hitting the roof": "rain",
    "rumbling sky during a storm": "thunder",
    "surf breaking on the shore": "ocean-waves",
    "a race car zooming by": "car-engine-pass",
    "an aircraft jet roaring above": "jet-flyby",
    "people chatting in a cafe": "crowd-murmur",
    "audience applause after a show": "crowd-cheer",
    "birdsong at dawn": "birds-chirping",
    "crackling bonfire": "fire-crackle",
    "a bomb going off": "explosion",
    "tick-tock of an old clock": "clock-ticking",
    "someone rapping on a door": "door-knock",
    "a squeaky hinge as the door opens": "door-creak",
    "ambulance wail in the street": "police-siren",
    "a steam train on the railway": "train-tracks",
    "space blaster shots": "laser-zaps",
    "hooves of a running horse": "horse-gallop",
    "knights fighting with blades": "sword-clash",
    "a spacecraft lifting off": "rocket-launch",
}


def movie(scenes: list[Scene], tone: Tone | None = None) -> Movie:
    return Movie(request="test", title="Test", scenes=scenes, tone=tone or Tone())


def test_registry_resolves_the_backend() -> None:
    assert SOUND.get("library") is LibrarySound


def test_paraphrased_queries_rank_the_right_builtin_effect_first(backend: LibrarySound) -> None:
    wrong = {}
    for query, want in PARAPHRASES.items():
        got = backend.search(query, kind="effect", k=3)[0].item.path.stem
        if got != want:
            wrong[query] = got
    assert not wrong


def _flash_clip(path: Path, flash_frame: int, frames: int = 48, fps: int = 24) -> Path:
    imgs = np.full((frames, 64, 96, 3), 20, np.uint8)
    imgs[flash_frame:] = 30
    imgs[flash_frame : flash_frame + 3] = 240  # a bright flash: the sync point
    return write_video(list(imgs), path, fps=fps, size=(96, 64))


def test_effect_is_exact_length_level_and_aligned_to_the_flash(backend: LibrarySound, tmp_path: Path) -> None:
    scene = Scene(
        id="s01", prompt="a door slams", duration_s=2.0, sound="a heavy thud of something hitting the ground"
    )
    clip = _flash_clip(tmp_path / "clip.mp4", flash_frame=30)  # 1.25 s
    track = backend.effects(movie([scene]), scene, clip, tmp_path / "effects.wav")
    audio = read_audio(track.path)
    assert audio.shape == (2 * RATE, 2) and track.duration_s == 2.0
    assert track.credits[0].license == "Apache-2.0" and track.credits[0].source == "builtin:impact-thud"
    env = envelope(audio, RATE, 100)
    assert abs(np.argmax(env) / 100 - 1.25) < 0.08  # the impact lands on the flash
    assert np.max(np.abs(audio)) <= 10 ** (-1 / 20) + 1e-4
    assert -24 < integrated_loudness(audio, RATE) <= -19.5


def test_ambience_loops_to_a_long_scene(backend: LibrarySound, tmp_path: Path) -> None:
    scene = Scene(id="s02", prompt="rain on a street", duration_s=9.5, sound="rain falling")
    track = backend.effects(movie([scene]), scene, tmp_path / "missing.mp4", tmp_path / "rain.wav")
    audio = read_audio(track.path)
    assert len(audio) == int(9.5 * RATE) and "Rain" in track.description
    assert track.warnings  # no clip: reported, not hidden
    env = envelope(audio, RATE, 10)[:-1]
    assert env.min() > 0.3 * np.median(env)  # no gaps where the loop joins
    assert abs(integrated_loudness(audio, RATE) + 20) < 0.6


def test_weak_match_falls_back_to_the_scenes_ambience(backend: LibrarySound, tmp_path: Path) -> None:
    """Nothing in the library sounds like breathing: rather than the nearest unrelated sound (an explosion
    won on motion fit before), the scene gets its setting's ambience, and the user is told."""
    assert backend.search("person breathing", kind="effect", k=1)[0].score < 0.40
    scene = Scene(
        id="s03",
        prompt="a keeper walks through a forest",
        duration_s=2.0,
        sound="person breathing",
        setting="dense forest",
    )
    clip = _flash_clip(tmp_path / "clip.mp4", flash_frame=20)
    track = backend.effects(movie([scene]), scene, clip, tmp_path / "fx.wav")
    assert track.description.startswith("Leaves rustling") and "Explosion" not in track.description
    assert any("ambience" in w for w in track.warnings)
    # a query the library does know keeps its own match
    ok = Scene(id="s04", prompt="rain", duration_s=2.0, sound="rain falling", setting="dense forest")
    assert "Rain" in backend.effects(movie([ok]), ok, clip, tmp_path / "rain.wav").description


@pytest.mark.parametrize("seconds", [5.3, 41.7])
def test_music_is_exact_length_chosen_by_tone_and_fades(
    backend: LibrarySound, tmp_path: Path, seconds: float
) -> None:
    n_scenes = 2
    scenes = [
        Scene(id=f"s{i}", prompt="x", duration_s=seconds / n_scenes, transition_in="cut")
        for i in range(n_scenes)
    ]
    m = movie(scenes, Tone(mood="sad", tempo="slow", music_query="melancholic piano"))
    track = backend.music(m, tmp_path / "music.wav")
    audio = read_audio(track.path)
    assert len(audio) == round(m.total_duration_s() * RATE)
    assert track.description.startswith("Sad piano")
    assert np.abs(audio[-100:]).max() < 1e-3  # ends on a fade
    assert np.abs(audio[: RATE // 2]).max() > 0.01
    assert abs(integrated_loudness(audio, RATE) + 18) < 1.0
    if seconds > 30:  # looped: no silent seam in the middle
        env = envelope(audio, RATE, 10)[5:-25]
        assert env.min() > 0.05 * np.median(env)


def test_music_rerank_prefers_tone_features(backend: LibrarySound, tmp_path: Path) -> None:
    scenes = [Scene(id="s1", prompt="x", duration_s=4.0)]
    fast = backend.music(movie(scenes, Tone(mood="tense", tempo="fast")), tmp_path / "a.wav")
    calm = backend.music(movie(scenes, Tone(mood="calm", tempo="slow")), tmp_path / "b.wav")
    assert fast.description.startswith("Tense pulse") and calm.description.startswith("Calm ambient")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_narration_speaks_with_espeak(backend: LibrarySound, tmp_path: Path) -> None:
    scene = Scene(id="s1", prompt="x", duration_s=3.0, narration="The race begins at dawn.")
    track = backend.narration(movie([scene]), scene, tmp_path / "narration.wav")
    assert track is not None
    audio = read_audio(track.path)
    assert len(audio) == 3 * RATE
    env = envelope(audio, RATE, 50)
    speaking = env > 0.02
    assert speaking.mean() > 0.25  # speech covers a good part of the scene
    assert not speaking[: int(0.1 * 50)].any()  # after the lead-in
    assert track.credits[0].source == "espeak-ng"
    assert backend.narration(movie([scene]), Scene(id="s2", prompt="x"), tmp_path / "none.wav") is None


def test_narration_without_engine_is_skipped_with_a_notice(sound_home: Path, tmp_path: Path) -> None:
    b = LibrarySound(home=sound_home, library=sound_home / "user", tts_engine="no-such-tts-engine-xyz")
    scene = Scene(id="s1", prompt="x", duration_s=2.0, narration="Hello there.")
    assert b.narration(movie([scene]), scene, tmp_path / "n.wav") is None
    assert not (tmp_path / "n.wav").exists()
    assert len(b.notices) == 1 and "no-such-tts-engine-xyz" in b.notices[0]
    assert b.identity()["narration"] is None


def test_identity_and_credits_file(backend: LibrarySound, tmp_path: Path) -> None:
    ident = backend.identity()
    assert ident["backend"] == "library" and ident["embedder"] == "all-MiniLM-L6-v2" and ident["builtin"]
    scene = Scene(id="s1", prompt="x", duration_s=2.0, sound="glass shattering")
    fx = backend.effects(movie([scene]), scene, tmp_path / "none.mp4", tmp_path / "fx.wav")
    mu = backend.music(movie([scene]), tmp_path / "mu.wav")
    jpath, tpath = write_credits(tmp_path, [("s1", fx.credits), ("s2", fx.credits), ("music", mu.credits)])
    data = json.loads(jpath.read_text())
    assert data["kind"] == "moviefactory-credits" and len(data["sounds"]) == 2
    assert data["sounds"][0]["used_in"] == ["s1", "s2"] and data["sounds"][0]["license"] == "Apache-2.0"
    assert "MovieFactory synthesised library" in tpath.read_text()
