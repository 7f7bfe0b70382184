"""Per-scene sound effects: pick among the best text matches by how well each one's loudness envelope
fits the clip's motion, then place it so its main onset lands on the clip's strongest sync point.

Scoring (documented in docs/design-notes.md, `## sound`):
    total = retrieval score                      (MiniLM cosine of query and description; with --clap the
                                                  CLAP text-audio cosine instead)
          + 0.10 x envelope/motion correlation   (always; -1..1, after placement)
          + 0.50 x (CLIP frame-description cosine - its mean over the candidates)   (only with --clip-model)
Only candidates within MARGIN of the best retrieval score compete, so motion never overrides meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from moviefactory.sound.features import envelope
from moviefactory.sound.video import VisualFeatures
from moviefactory.timing import AUDIO_RATE, audio_samples

ENV_HZ = 25.0  # envelope/motion comparison rate
MARGIN = 0.08  # retrieval-score window of candidates that may be reranked
MAX_CANDIDATES = 5
MOTION_WEIGHT = 0.10
CLIP_WEIGHT = 0.50
# Below this text score the library has nothing close to the writer's sound line ("person breathing" with
# no breathing in the library scored 0.25 against an explosion); the scene's ambience (weather + setting)
# is searched too and the better of the two queries wins, so a weak match never brings an unrelated sound.
WEAK_MATCH = 0.40


@dataclass(frozen=True)
class Placement:
    audio: np.ndarray  # (n, 2) float32, exactly the scene's length
    motion_corr: float  # correlation of the placed envelope with the motion curve (0 when motion is flat)
    offset_s: float  # source time at scene time 0 (negative: the sound starts later in the scene)
    looped: bool


def is_transient(x: np.ndarray) -> bool:
    """An event (impact, door slam) rather than an ambience: the envelope's peak towers over its median."""
    env = envelope(x, AUDIO_RATE, ENV_HZ)
    return bool(env.max() > 4.0 * (np.median(env) + 1e-6))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or a.std() < 1e-9 or b.std() < 1e-9:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def loop_to(x: np.ndarray, n: int, crossfade_s: float = 0.5) -> np.ndarray:
    """Repeat `x` (N, 2) with equal-power crossfades until it is `n` samples long."""
    xf = min(int(crossfade_s * AUDIO_RATE), len(x) // 3)
    out = x.astype(np.float32).copy()
    if xf <= 0:
        reps = int(np.ceil(n / max(len(x), 1)))
        return np.tile(out, (reps, 1))[:n]
    ramp = np.linspace(0.0, np.pi / 2, xf, dtype=np.float32)[:, None]
    while len(out) < n:
        head = out[:-xf]
        mixed = out[-xf:] * np.cos(ramp) + x[:xf] * np.sin(ramp)
        out = np.concatenate([head, mixed, x[xf:]])
    return out[:n]


def place(x: np.ndarray, duration_s: float, visual: VisualFeatures | None) -> Placement:
    """Fit a library sound (N, 2) into exactly `duration_s`, aligned to the clip's motion."""
    n = audio_samples(duration_s)
    m_env = round(duration_s * ENV_HZ)
    motion = visual.motion_at(ENV_HZ, m_env) if visual is not None else np.zeros(m_env)
    hop = AUDIO_RATE / ENV_HZ
    transient = is_transient(x)
    src_env = envelope(x, AUDIO_RATE, ENV_HZ)
    looped = False
    if transient:
        # 1. events: the sound's loudest moment goes to the clip's sync point (cut, flash, motion peak)
        src_peak = int(np.argmax(src_env)) * hop / AUDIO_RATE
        target = visual.peak_s if visual is not None else min(0.25, duration_s / 4)
        offset = src_peak - min(target, duration_s - 0.05)
        out = np.zeros((n, 2), np.float32)
        start_src = round(max(offset, 0.0) * AUDIO_RATE)
        start_dst = round(max(-offset, 0.0) * AUDIO_RATE)
        m = min(len(x) - start_src, n - start_dst)
        if m > 0:
            out[start_dst : start_dst + m] = x[start_src : start_src + m]
    else:
        # 2. ambiences: loop to length, then pick the window whose envelope follows the motion best
        src = loop_to(x, n) if len(x) < n else x
        looped = len(x) < n
        offset = 0.0
        if len(src) > n and motion.std() > 1e-6:
            best = -2.0
            for o in range(0, len(src_env) - m_env + 1, 2):
                c = _corr(src_env[o : o + m_env], motion)
                if c > best:
                    best, offset = c, o / ENV_HZ
        start = round(offset * AUDIO_RATE)
        out = np.asarray(src[start : start + n], np.float32)
        if len(out) < n:
            out = np.pad(out, ((0, n - len(out)), (0, 0)))
    corr = _corr(envelope(out, AUDIO_RATE, ENV_HZ)[:m_env], motion[: len(envelope(out, AUDIO_RATE, ENV_HZ))])
    return Placement(audio=out, motion_corr=corr, offset_s=float(offset), looped=looped)
