"""Music beds: chord progressions voiced on a pad, a bass line on the chord roots, an arpeggiated or
plucked figure, drums for the faster tempos. Each bed is a whole number of progression cycles and is made
seamlessly loopable by folding the release tail back onto the start."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.random import Generator

from moviefactory.sound.builtin.synth import (
    SR,
    adsr,
    burst,
    decay,
    hp,
    lp,
    midi_hz,
    osc,
    reverb,
    secs,
    stereo,
)

MAJOR = [0, 2, 4, 5, 7, 9, 11]
MINOR = [0, 2, 3, 5, 7, 8, 10]


@dataclass(frozen=True)
class Bed:
    tonic: int  # MIDI note of the key's tonic in the bass octave (e.g. 48 = C3)
    mode: str  # "major" | "minor"
    bpm: float
    progression: tuple[int, ...]  # scale degrees (0-based) of each bar's chord
    lead: str  # "pluck" | "brass" | "bell" | "piano" | "pizz" | "none"
    figure: str  # "arp8" | "arp4" | "block" | "ostinato16"
    drums: str  # "none" | "rock" | "four" | "taiko" | "pulse"
    target_s: float = 24.0


def _chord(bed: Bed, degree: int) -> list[int]:
    """MIDI notes of the triad on `degree`; in minor the V chord is major (harmonic minor)."""
    scale = MAJOR if bed.mode == "major" else MINOR
    notes = []
    for step in (0, 2, 4):
        idx = degree + step
        semis = scale[idx % 7] + 12 * (idx // 7)
        if bed.mode == "minor" and degree == 4 and step == 2:
            semis += 1  # raised leading tone
        notes.append(bed.tonic + 12 + semis)
    return notes


@lru_cache(maxsize=256)
def _tone(f: float, n: int, kind: str) -> np.ndarray:
    """One note (n samples). Cached: progressions repeat, and so do their notes (read-only result)."""
    t = np.arange(n) / SR
    if kind == "pad":
        x = sum(np.sin(2 * np.pi * f * k * (1 + det) * t) / k for k in range(1, 7) for det in (-0.003, 0.003))
        return np.asarray(x) * adsr(n, 0.25, 0.5, 0.8, 0.4) * 0.25
    if kind == "brass":
        x = sum(np.sin(2 * np.pi * f * k * t) / k**0.9 for k in range(1, 10))
        return np.asarray(x) * adsr(n, 0.06, 0.3, 0.7, 0.15) * 0.3
    if kind in ("pluck", "piano", "pizz"):
        tau = {"pluck": 0.35, "piano": 0.9, "pizz": 0.15}[kind]
        x = sum(np.sin(2 * np.pi * f * k * t) * np.exp(-t * (1 / tau + 2.5 * k)) / k for k in range(1, 8))
        return np.asarray(x) * np.minimum(t / 0.003, 1) * 0.6
    if kind == "bell":
        x = np.sin(2 * np.pi * f * t) + 0.4 * np.sin(2 * np.pi * f * 2.76 * t) * np.exp(-t * 3)
        return x * np.exp(-t / 1.2) * np.minimum(t / 0.002, 1) * 0.4
    if kind == "bass":
        x = np.sin(2 * np.pi * f * t) + 0.35 * np.sin(4 * np.pi * f * t) + 0.12 * np.sin(6 * np.pi * f * t)
        return x * adsr(n, 0.01, 0.25, 0.6, 0.08) * 0.6
    raise ValueError(kind)


def _add(buf: np.ndarray, at_s: float, sig: np.ndarray, gain: float = 1.0) -> None:
    i = round(at_s * SR)
    m = min(len(sig), len(buf) - i)
    if m > 0:
        buf[i : i + m] += gain * sig[:m]


def _kick(rng: Generator) -> np.ndarray:
    t = secs(0.35)
    return osc(45 + 90 * np.exp(-t / 0.04), len(t)) * decay(len(t), 0.12, 0.001)


def _snare(rng: Generator) -> np.ndarray:
    t = secs(0.2)
    return burst(0.2, rng, 0.05, lo=1200, hi=7000) * 0.7 + 0.4 * osc(190, len(t)) * decay(len(t), 0.05)


def _hat(rng: Generator) -> np.ndarray:
    return hp(burst(0.06, rng, 0.015), 7000) * 0.5


def _taiko(rng: Generator) -> np.ndarray:
    t = secs(0.7)
    return (
        osc(70 + 40 * np.exp(-t / 0.03), len(t)) * decay(len(t), 0.25, 0.002)
        + lp(burst(0.7, rng, 0.03), 600) * 0.4
    )


def render_bed(bed: Bed, rng: Generator) -> np.ndarray:
    """(N, 2) float audio, N = whole progression cycles closest to bed.target_s."""
    beat = 60.0 / bed.bpm
    bar = 4 * beat
    cycle = bar * len(bed.progression)
    cycles = max(1, round(bed.target_s / cycle))
    n_bars = cycles * len(bed.progression)
    length = n_bars * bar
    tail = 2.0
    n = round((length + tail) * SR)
    pad, lead, bass, drums = (np.zeros(n) for _ in range(4))
    for b in range(n_bars):
        t0 = b * bar
        chord = _chord(bed, bed.progression[b % len(bed.progression)])
        # 1. pad: the whole triad for the whole bar (+ the root an octave down for weight)
        for m in chord:
            _add(pad, t0, _tone(midi_hz(m), int(bar * SR), "pad"))
        # 2. bass: root on beats 1 and 3 (on every beat for the driving styles)
        root = chord[0] - 12
        hits = range(4) if bed.drums in ("rock", "four", "pulse") else (0, 2)
        for k in hits:
            _add(
                bass,
                t0 + k * beat,
                _tone(midi_hz(root), int(beat * SR * (1 if len(hits) == 4 else 2)), "bass"),
            )
        # 3. figure: arpeggio up and down the chord, one octave up
        if bed.lead != "none":
            notes = [*chord, chord[0] + 12, chord[2], chord[1]] if bed.figure != "block" else chord
            if bed.figure == "arp8":
                steps, step_s = 8, beat / 2
            elif bed.figure == "ostinato16":
                steps, step_s = 16, beat / 4
            else:
                steps, step_s = 4, beat
            for k in range(steps):
                m = notes[k % len(notes)] + 12
                accent = 1.0 if (k * step_s) % beat < 1e-9 else 0.55  # beats louder than off-beats
                if bed.figure == "block":
                    for cm in chord:
                        _add(
                            lead,
                            t0 + k * step_s,
                            _tone(midi_hz(cm + 12), int(step_s * SR * 1.5), bed.lead),
                            0.5,
                        )
                else:
                    _add(lead, t0 + k * step_s, _tone(midi_hz(m), int(step_s * SR * 2), bed.lead), accent)
        # 4. drums
        for k in range(4):
            tb = t0 + k * beat
            if bed.drums == "rock":
                if k in (0, 2):
                    _add(drums, tb, _kick(rng))
                if k in (1, 3):
                    _add(drums, tb, _snare(rng), 0.8)
                _add(drums, tb, _hat(rng), 0.5)
                _add(drums, tb + beat / 2, _hat(rng), 0.25)
            elif bed.drums == "four":
                _add(drums, tb, _kick(rng))
                _add(drums, tb + beat / 2, _hat(rng), 0.45)
                if k in (1, 3):
                    _add(drums, tb, _snare(rng), 0.6)
            elif bed.drums == "taiko":
                _add(drums, tb, _taiko(rng), 1.0 if k in (0, 2) else 0.6)
                if k == 3:
                    _add(drums, tb + beat / 2, _taiko(rng), 0.5)
            elif bed.drums == "pulse":
                _add(drums, tb, _kick(rng), 0.8)
    mix = np.stack(
        [0.9 * pad + 0.8 * lead + 0.7 * bass + drums, 0.9 * pad + 0.8 * lead + 0.7 * bass + drums], 1
    )
    mix += stereo(lead * 0.25, pan=0.6) - stereo(lead * 0.25, pan=-0.6)  # a little width on the figure
    wet = np.stack([reverb(mix[:, 0], rng, 1.8, 0.25), reverb(mix[:, 1], rng, 1.9, 0.25)], 1)
    # 5. fold the tail onto the start so the bed loops without a seam
    out_n = round(length * SR)
    out = wet[:out_n].copy()
    out[: n - out_n] += wet[out_n:]
    return out


BEDS: dict[str, Bed] = {
    "triumphant-fanfare": Bed(48, "major", 120, (0, 3, 4, 0), "brass", "arp4", "rock"),
    "tense-pulse": Bed(50, "minor", 132, (0, 0, 5, 4), "pluck", "arp8", "four"),
    "sad-piano": Bed(45, "minor", 70, (0, 5, 3, 4), "piano", "arp4", "none"),
    "joyful-pop": Bed(43, "major", 126, (0, 3, 0, 4), "pluck", "arp8", "rock"),
    "mysterious-night": Bed(52, "minor", 84, (0, 5, 0, 4), "bell", "arp4", "none"),
    "calm-ambient": Bed(53, "major", 76, (0, 5, 3, 4), "piano", "arp4", "none"),
    "epic-drums": Bed(50, "minor", 96, (0, 5, 2, 4), "brass", "block", "taiko"),
    "playful-pizzicato": Bed(46, "major", 138, (0, 3, 4, 0), "pizz", "arp4", "four"),
    "romantic-strings": Bed(51, "major", 80, (0, 5, 3, 4), "piano", "arp4", "none"),
    "dark-drone": Bed(48, "minor", 90, (0, 3, 0, 4), "bell", "arp4", "pulse"),
}
