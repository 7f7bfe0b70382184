"""The movie's music bed: the writer's tone -> candidate tracks by text -> reranked by music features ->
fitted to the exact length (trimmed, or looped with crossfades) ending on a fade."""

from __future__ import annotations

import numpy as np

from moviefactory.sound.effects import loop_to
from moviefactory.timing import AUDIO_RATE

TEMPO_RANGES = {"slow": (50.0, 90.0), "moderate": (88.0, 122.0), "fast": (118.0, 200.0)}  # BPM
MOOD_MODE = {
    "triumphant": "major", "joyful": "major", "playful": "major", "calm": "major", "romantic": "major",
    "tense": "minor", "sad": "minor", "mysterious": "minor", "dark": "minor", "epic": "minor",
}  # fmt: skip
MOOD_ENERGY = {
    "triumphant": 0.8, "epic": 0.85, "tense": 0.75, "joyful": 0.75, "playful": 0.7,
    "mysterious": 0.4, "dark": 0.5, "romantic": 0.35, "sad": 0.3, "calm": 0.25,
}  # fmt: skip
W_TEMPO, W_MODE, W_ENERGY = 0.15, 0.10, 0.10


def query_text(mood: str, tempo: str, music_query: str) -> str:
    words = {"slow": "slow", "moderate": "moderate tempo", "fast": "fast upbeat"}[tempo]
    return f"{music_query + '. ' if music_query else ''}{mood} music, {words}"


def feature_score(features: dict[str, float | str], mood: str, tempo: str) -> float:
    """Bonus in [0, W_TEMPO + W_MODE + W_ENERGY] for how well a track's measured features fit the tone."""
    lo, hi = TEMPO_RANGES[tempo]
    bpm = float(features.get("tempo_bpm", 0.0) or 0.0)
    # a track at half or double the wanted tempo still feels right; distance in octaves outside the range
    dists = [
        0.0 if lo <= b <= hi else min(abs(np.log2(b / lo)), abs(np.log2(b / hi)))
        for b in (bpm, bpm * 2, bpm / 2)
        if b > 0
    ]
    tempo_fit = float(np.exp(-(((min(dists) if dists else 1.0) / 0.15) ** 2)))
    mode_fit = 1.0 if features.get("mode") == MOOD_MODE.get(mood) else 0.0
    energy_fit = 1.0 - min(
        1.0, abs(float(features.get("energy", 0.5) or 0.5) - MOOD_ENERGY.get(mood, 0.5)) * 2
    )
    return W_TEMPO * tempo_fit + W_MODE * mode_fit + W_ENERGY * energy_fit


def fit_length(x: np.ndarray, n: int, *, crossfade_s: float = 1.0, fade_out_s: float = 2.0) -> np.ndarray:
    """(N, 2) -> exactly (n, 2): trimmed, or looped with equal-power crossfades; a short fade-in and a
    fade-out of min(fade_out_s, 25 % of the length) at the end."""
    y = loop_to(x, n, crossfade_s) if len(x) < n else np.asarray(x[:n], np.float32).copy()
    fin = min(int(0.02 * AUDIO_RATE), n // 4)
    fout = min(int(fade_out_s * AUDIO_RATE), n // 4)
    if fin:
        y[:fin] *= np.linspace(0, 1, fin, dtype=np.float32)[:, None]
    if fout:
        y[n - fout :] *= (np.cos(np.linspace(0, np.pi / 2, fout, dtype=np.float32)) ** 2)[:, None]
    return y
