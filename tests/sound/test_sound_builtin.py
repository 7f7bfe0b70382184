"""The shipped synthesised library: enough distinct sounds, each matching what its description says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import welch

from moviefactory.sound.builtin import GENERATOR_VERSION, builtin_dir, render
from moviefactory.sound.builtin.catalog import CATALOG, EFFECTS, MUSIC
from moviefactory.sound.builtin.music_recipes import BEDS
from moviefactory.sound.features import PITCH_NAMES
from moviefactory.sound.library import Library
from moviefactory.spec import Mood


def _features(home: Path) -> dict[str, dict]:
    lib = Library.open(builtin_dir(home) / "index", name="builtin", create=False)
    return {it.path.stem: it.features for it in lib.items()}


def test_catalogue_size_and_moods() -> None:
    assert len(EFFECTS) >= 40 and len(MUSIC) >= 8
    assert len({e.id for e in CATALOG}) == len(CATALOG)
    required = {"triumphant", "tense", "sad", "joyful", "mysterious", "calm", "epic", "playful"}
    assert required <= {m.id.split("-")[0] for m in MUSIC}
    assert {m.value for m in Mood} <= {m.id.split("-")[0] for m in MUSIC}


def test_rendered_files_are_48k_distinct_and_of_declared_length(sound_home: Path) -> None:
    folder = builtin_dir(sound_home)
    rows = json.loads((folder / "catalog.json").read_text())
    assert len(rows) == len(CATALOG) and folder.name.endswith(GENERATOR_VERSION)
    digests, fingerprints = set(), []
    for row in rows:
        data, rate = sf.read(str(folder / row["file"]), dtype="float32", always_2d=True)
        assert rate == 48_000 and data.shape[1] == 2 and row["license"] == "Apache-2.0"
        dur = len(data) / rate
        if row["kind"] == "effect":
            assert 2.0 <= dur <= 6.0, row["id"]
        else:
            assert 20.0 <= dur <= 30.0, row["id"]
        assert np.max(np.abs(data)) > 0.5  # peak-normalised, not silent
        digests.add(hash(data.tobytes()))
        _, spec = welch(data.mean(axis=1), rate, nperseg=4096)
        fingerprints.append(np.sqrt(spec) / np.linalg.norm(np.sqrt(spec)))
    assert len(digests) == len(rows)
    sims = np.stack(fingerprints) @ np.stack(fingerprints).T
    np.fill_diagonal(sims, 0)
    assert sims.max() < 0.995  # no two sounds share a spectrum


def test_effects_match_their_descriptions(sound_home: Path) -> None:
    f = _features(sound_home)
    # rain and wind are broadband noise; tones and strikes are not
    assert f["rain"]["flatness"] > 0.3 and f["rain"]["centroid_hz"] > 2000
    assert f["church-bell"]["flatness"] < 0.05 and f["police-siren"]["flatness"] < 0.1
    # thunder and engines are low, birds and crickets high
    assert f["thunder"]["centroid_hz"] < 800 and f["engine-idle"]["centroid_hz"] < 800
    assert f["birds-chirping"]["centroid_hz"] > 2500 and f["crickets-night"]["centroid_hz"] > 3500
    # the ticking clock ticks twice a second; footsteps are rhythmic events
    assert abs(f["clock-ticking"]["tempo_bpm"] - 120) < 3
    assert f["footsteps-walking"]["onset_rate"] > 1.0


def test_music_beds_match_their_bpm_and_mode(sound_home: Path) -> None:
    f = _features(sound_home)
    for name, bed in BEDS.items():
        assert abs(f[name]["tempo_bpm"] - bed.bpm) / bed.bpm < 0.02, (name, f[name]["tempo_bpm"], bed.bpm)
        assert (f[name]["key"], f[name]["mode"]) == (PITCH_NAMES[bed.tonic % 12], bed.mode), name
    assert f["tense-pulse"]["energy"] > f["sad-piano"]["energy"]


def test_rendering_is_deterministic() -> None:
    entry = next(e for e in EFFECTS if e.id == "glass-shatter")
    assert np.array_equal(render(entry), render(entry))
