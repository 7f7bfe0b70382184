"""BS.1770 loudness against ffmpeg's ebur128 filter, and the tempo/key estimators on synthetic signals."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from moviefactory.media import ffmpeg_exe, write_wav
from moviefactory.sound.features import (
    analyze,
    chroma,
    estimate_key,
    estimate_tempo,
    integrated_loudness,
    k_weighting,
    normalize_loudness,
    onset_strength,
    resample,
    stft_mag,
)

RATE = 48_000


def ffmpeg_lufs(path: Path) -> float:
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", proc.stderr)[-1])


def _signals() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    t = np.arange(6 * RATE) / RATE
    tone = 0.3 * np.sin(2 * np.pi * 997 * t)
    speechy = 0.4 * rng.standard_normal(len(t)) * (np.sin(2 * np.pi * 3 * t) > 0.3)  # gated bursts
    bass = 0.5 * np.sin(2 * np.pi * 60 * t) * np.exp(-t / 3)
    quiet_then_loud = np.where(t < 2, 0.001, 0.2) * rng.standard_normal(len(t))  # exercises the gates
    return {
        "tone": np.stack([tone, tone], 1),
        "bursts": np.stack([speechy, 0.5 * speechy], 1),
        "bass": np.stack([bass, bass], 1),
        "gated": np.stack([quiet_then_loud, quiet_then_loud[::-1]], 1),
    }


@pytest.mark.parametrize("name", ["tone", "bursts", "bass", "gated"])
def test_integrated_loudness_matches_ffmpeg_ebur128(tmp_path: Path, name: str) -> None:
    x = _signals()[name].astype(np.float32)
    path = write_wav(x, tmp_path / f"{name}.wav")
    ours = integrated_loudness(x, RATE)
    assert abs(ours - ffmpeg_lufs(path)) <= 0.5, (name, ours)


def test_k_weighting_is_the_itu_table_at_48k_and_valid_elsewhere() -> None:
    b1, a1, _b2, a2 = k_weighting(48_000)
    np.testing.assert_allclose(b1, [1.53512485958697, -2.69169618940638, 1.19839281085285], rtol=1e-6)
    np.testing.assert_allclose(a1, [1.0, -1.69065929318241, 0.73248077421585], rtol=1e-6)
    np.testing.assert_allclose(a2, [1.0, -1.99004745483398, 0.99007225036621], rtol=1e-6)
    # the same tone measures the same loudness at 44.1 kHz
    t44, t48 = np.arange(3 * 44_100) / 44_100, np.arange(3 * RATE) / RATE
    l44 = integrated_loudness(0.2 * np.sin(2 * np.pi * 1000 * t44), 44_100)
    l48 = integrated_loudness(0.2 * np.sin(2 * np.pi * 1000 * t48), RATE)
    assert abs(l44 - l48) < 0.05


def test_normalize_loudness_hits_target_and_respects_peak() -> None:
    x = _signals()["bursts"]
    y = normalize_loudness(x, RATE, -20.0, peak_db=-1.0)
    assert abs(integrated_loudness(y, RATE) + 20.0) < 0.05
    spike = np.zeros((RATE * 2, 2))
    spike[::4800] = 1.0
    z = normalize_loudness(spike, RATE, -5.0, peak_db=-1.0)  # peak limits the gain
    assert np.max(np.abs(z)) <= 10 ** (-1 / 20) + 1e-6
    assert integrated_loudness(np.zeros((RATE, 2)), RATE) == -70.0


def test_tempo_and_key_estimators_on_a_synthetic_chord_pulse() -> None:
    bpm = 100.0
    t = np.arange(12 * RATE) / RATE
    beat_phase = (t * bpm / 60) % 1.0
    env = np.exp(-beat_phase * 8)
    # A minor triad with the tonic in the bass
    chord = sum(np.sin(2 * np.pi * f * t) for f in (110.0, 220.0, 261.63, 329.63))
    x = (chord * env * 0.2).astype(np.float32)
    y = resample(x, RATE, 16_000)
    mag, _freqs = stft_mag(y, 16_000)
    est, conf = estimate_tempo(onset_strength(mag))
    assert abs(est - bpm) / bpm < 0.02 and conf > 0.3
    kmag, kfreqs = stft_mag(y, 16_000, n_fft=4096, hop_s=0.05)
    assert estimate_key(chroma(kmag, kfreqs))[:2] == ("A", "minor")
    feats = analyze(x, RATE)
    assert feats.mode == "minor" and abs(feats.tempo_bpm - bpm) < 2
