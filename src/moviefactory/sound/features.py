"""Audio measurements shared by the sound stage, compose and reports: BS.1770 loudness, tempo, key, spectra.

Everything takes float samples shaped (N,) or (N, C) in [-1, 1] and a sample rate in Hz. The one loudness
implementation in the project lives here (`integrated_loudness`); compose and evaluate reuse it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from moviefactory.timing import AUDIO_RATE

# -- loudness (ITU-R BS.1770-4 / EBU R128) --------------------------------------------------------------
ABS_GATE_LUFS = -70.0
SILENCE_LUFS = -70.0  # what `integrated_loudness` returns when every block is gated out


@lru_cache(maxsize=8)
def k_weighting(rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(b_shelf, a_shelf, b_highpass, a_highpass) of the K-weighting filter at `rate` Hz.

    The two biquads are designed from their analog prototypes by the bilinear transform, which reproduces
    the coefficients tabulated in BS.1770 at 48 kHz exactly and works at any other rate."""
    # stage 1: high shelf, +4 dB above ~1.7 kHz (models the head's acoustic effect)
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    b1 = np.array([(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0])
    a1 = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    # stage 2: RLB high pass at ~38 Hz
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1.0 + k / q + k * k
    b2 = np.array([1.0, -2.0, 1.0])
    a2 = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    return b1, a1, b2, a2


def _as_2d(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x


def _block_powers(samples: np.ndarray, rate: int, block_s: float, step_s: float) -> np.ndarray:
    """Mean square of the K-weighted signal per gating block, summed over channels (weights 1.0 for
    L/R/C; we never carry surround channels): shape (num_blocks,)."""
    from scipy.signal import lfilter

    x = _as_2d(samples)
    b1, a1, b2, a2 = k_weighting(rate)
    y = lfilter(b2, a2, lfilter(b1, a1, x, axis=0), axis=0)
    block, step = round(block_s * rate), round(step_s * rate)
    if len(y) < block:
        return np.zeros(0)
    csum = np.concatenate([np.zeros((1, y.shape[1])), np.cumsum(y * y, axis=0)])  # (N+1, C)
    starts = np.arange(0, len(y) - block + 1, step)
    z = (csum[starts + block] - csum[starts]) / block  # (B, C)
    return z.sum(axis=1)


def _lufs(power: np.ndarray | float) -> Any:
    return -0.691 + 10.0 * np.log10(np.maximum(power, 1e-20))


def integrated_loudness(samples: np.ndarray, rate: int = AUDIO_RATE) -> float:
    """Integrated loudness in LUFS (BS.1770-4): K-weighting, 400 ms blocks with 75 % overlap, absolute gate
    at -70 LUFS, relative gate 10 LU below the absolutely-gated mean. Silence or < 400 ms: SILENCE_LUFS."""
    power = _block_powers(samples, rate, 0.4, 0.1)
    if power.size == 0:
        return SILENCE_LUFS
    power = power[_lufs(power) > ABS_GATE_LUFS]
    if power.size == 0:
        return SILENCE_LUFS
    rel_gate = float(_lufs(power.mean())) - 10.0
    power = power[_lufs(power) > rel_gate]
    return float(max(_lufs(power.mean()), SILENCE_LUFS))


def momentary_loudness(samples: np.ndarray, rate: int = AUDIO_RATE, step_s: float = 0.1) -> np.ndarray:
    """Momentary loudness (400 ms window) every `step_s` seconds, LUFS, shape (num_blocks,)."""
    return np.asarray(_lufs(_block_powers(samples, rate, 0.4, step_s)), dtype=np.float64)


def sample_peak_db(samples: np.ndarray) -> float:
    peak = float(np.max(np.abs(samples))) if np.size(samples) else 0.0
    return 20.0 * math.log10(max(peak, 1e-10))


def normalize_loudness(
    samples: np.ndarray, rate: int = AUDIO_RATE, target_lufs: float = -20.0, peak_db: float = -1.0
) -> np.ndarray:
    """Gain `samples` to `target_lufs`, then lower it further if the sample peak would pass `peak_db`
    (no limiter: a quiet, peak-safe result beats a distorted one). Silence is returned unchanged."""
    x = np.asarray(samples, dtype=np.float32)
    lufs = integrated_loudness(x, rate)
    if lufs <= SILENCE_LUFS:
        return x
    gain_db = target_lufs - lufs
    gain_db = min(gain_db, peak_db - sample_peak_db(x))
    return (x * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)


# -- spectral analysis -----------------------------------------------------------------------------------
ANALYSIS_RATE = 16_000  # Hz; features are computed on a 16 kHz mono mixdown (fast, and enough for them)
HOP_S = 0.01  # 100 frames per second


def mono(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float32)
    return x.mean(axis=1) if x.ndim == 2 else x


def resample(x: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    """Polyphase resampling of (N,) or (N, C) along axis 0."""
    from scipy.signal import resample_poly

    if rate == new_rate:
        return np.asarray(x, dtype=np.float32)
    g = math.gcd(rate, new_rate)
    return resample_poly(x, new_rate // g, rate // g, axis=0).astype(np.float32)


def stft_mag(
    x: np.ndarray, rate: int, n_fft: int = 1024, hop_s: float = HOP_S
) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude spectrogram (frames, n_fft//2+1) with a `hop_s` hop and Hann window, and bin frequencies."""
    hop = round(hop_s * rate)
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    n = 1 + (len(x) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n)[:, None]
    frames = x[idx] * np.hanning(n_fft).astype(np.float32)
    return np.abs(np.fft.rfft(frames, axis=1)).astype(np.float32), np.fft.rfftfreq(n_fft, 1.0 / rate)


def onset_strength(mag: np.ndarray) -> np.ndarray:
    """Half-wave rectified log-spectral flux per frame, (frames,), at 1/HOP_S frames per second."""
    logm = np.log1p(100.0 * mag)
    flux = np.maximum(np.diff(logm, axis=0), 0.0).sum(axis=1)
    return np.concatenate([[0.0], flux]).astype(np.float64)


def estimate_tempo(onset: np.ndarray, fps: float = 1.0 / HOP_S) -> tuple[float, float]:
    """(BPM, confidence 0..1) from the onset envelope's autocorrelation peak, 50-220 BPM, with a log-normal
    preference around 110 BPM to settle octave ambiguity. Confidence is the normalised autocorrelation."""
    o = onset - onset.mean()
    if len(o) < int(fps * 2) or not np.any(o):
        return 0.0, 0.0
    n = len(o)
    spec = np.fft.rfft(o, 2 * n)
    ac = np.fft.irfft(spec * np.conj(spec))[:n]
    ac /= ac[0] + 1e-12
    lags = np.arange(int(fps * 60 / 220), min(int(fps * 60 / 50) + 1, n - 1))
    score = ac[lags]
    bpm = 60.0 * fps / lags
    weight = np.exp(-0.5 * (np.log2(bpm / 110.0) / 1.0) ** 2)
    best_lag = int(lags[int(np.argmax(score * weight))])
    # a bar-level pattern (kick on 1 and 3) peaks at two beats: when the half period is nearly as periodic,
    # the half period is the beat
    half = best_lag // 2
    if 60.0 * fps / half <= 200 and ac[half - 1 : half + 2].max() >= 0.4 * ac[best_lag]:
        best_lag = half - 1 + int(np.argmax(ac[half - 1 : half + 2]))
    lag = float(best_lag)
    y0, y1, y2 = ac[best_lag - 1], ac[best_lag], ac[best_lag + 1]
    denom = y0 - 2 * y1 + y2
    if denom < 0:  # parabolic refinement of the peak
        lag += 0.5 * (y0 - y2) / denom
    return 60.0 * fps / lag, float(np.clip(ac[best_lag], 0.0, 1.0))


# Krumhansl-Kessler key profiles (C major / C minor), probe-tone ratings
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
PITCH_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def chroma(mag: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """Pitch-class energy (12,) summed over time from bins between 55 Hz and 2 kHz."""
    band = (freqs >= 55.0) & (freqs <= 2000.0)
    pc = np.round(12.0 * np.log2(freqs[band] / 440.0)).astype(int) % 12 + 9  # A = 9
    pc %= 12
    energy = (mag[:, band] ** 2).sum(axis=0)
    out = np.zeros(12)
    np.add.at(out, pc, energy)
    return out


def estimate_key(chroma_vec: np.ndarray) -> tuple[str, str, float]:
    """(tonic name, 'major'|'minor', correlation) by the Krumhansl-Schmuckler method."""
    c = np.sqrt(np.maximum(chroma_vec, 0.0))
    if not np.any(c):
        return "", "", 0.0
    best = ("", "", -2.0)
    for mode, prof in (("major", _MAJOR), ("minor", _MINOR)):
        for tonic in range(12):
            r = float(np.corrcoef(c, np.roll(prof, tonic))[0, 1])
            if r > best[2]:
                best = (PITCH_NAMES[tonic], mode, r)
    return best


@dataclass(frozen=True)
class AudioFeatures:
    """What the library stores about a sound (all floats JSON-safe)."""

    duration_s: float
    rate: int
    channels: int
    loudness_lufs: float
    peak_db: float
    rms_db: float
    centroid_hz: float  # spectral centroid: brightness
    flatness: float  # 0 tonal .. 1 white noise (geometric / arithmetic mean of the power spectrum)
    rolloff_hz: float  # 85 % energy roll-off
    zcr: float  # zero crossings per sample
    onset_rate: float  # onsets per second
    tempo_bpm: float
    tempo_confidence: float
    key: str
    mode: str
    key_confidence: float
    energy: float  # 0..1: a loudness/onset-density mix used by the music reranker

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def envelope(samples: np.ndarray, rate: int, fps: float = 1.0 / HOP_S) -> np.ndarray:
    """RMS loudness envelope at `fps` frames per second, (frames,), linear amplitude."""
    x = mono(samples).astype(np.float64)
    hop = max(1, round(rate / fps))
    n = len(x) // hop
    if n == 0:
        return np.zeros(1)
    return np.sqrt((x[: n * hop].reshape(n, hop) ** 2).mean(axis=1))


def analyze(samples: np.ndarray, rate: int) -> AudioFeatures:
    """All features of one sound. Cost ~ 30 ms per 10 s of audio."""
    x2 = np.asarray(samples, dtype=np.float32)
    if x2.ndim == 1:
        x2 = x2[:, None]
    x = resample(mono(x2), rate, ANALYSIS_RATE)
    mag, freqs = stft_mag(x, ANALYSIS_RATE)
    power = mag.astype(np.float64) ** 2
    total = power.sum(axis=1) + 1e-12
    active = total > total.max() * 1e-4  # ignore silent frames in spectral averages
    if not active.any():
        active[:] = True
    p = power[active]
    centroid = float(((p * freqs).sum(axis=1) / (p.sum(axis=1) + 1e-12)).mean())
    flat = np.exp(np.log(p + 1e-12).mean(axis=1)) / (p.mean(axis=1) + 1e-12)
    cum = np.cumsum(p, axis=1)
    roll = freqs[np.argmax(cum >= 0.85 * cum[:, -1:], axis=1)]
    onset = onset_strength(mag)
    thr = onset.mean() + 2.0 * onset.std()
    peaks = np.flatnonzero((onset[1:-1] > thr) & (onset[1:-1] >= onset[:-2]) & (onset[1:-1] > onset[2:]))
    duration = len(x2) / rate
    bpm, conf = estimate_tempo(onset)
    # key needs ~4 Hz bins to separate low notes: a longer window on a coarser hop
    kmag, kfreqs = stft_mag(x, ANALYSIS_RATE, n_fft=4096, hop_s=0.05)
    key, mode, kconf = estimate_key(chroma(kmag, kfreqs))
    lufs = integrated_loudness(x2, rate)
    rms = float(np.sqrt(np.mean(x2.astype(np.float64) ** 2)))
    onset_rate = len(peaks) / max(duration, 1e-6)
    energy = float(np.clip((lufs + 40.0) / 30.0, 0, 1) * 0.5 + np.clip(onset_rate / 8.0, 0, 1) * 0.5)
    return AudioFeatures(
        duration_s=round(duration, 4),
        rate=int(rate),
        channels=int(x2.shape[1]),
        loudness_lufs=round(lufs, 3),
        peak_db=round(sample_peak_db(x2), 3),
        rms_db=round(20 * math.log10(max(rms, 1e-10)), 3),
        centroid_hz=round(centroid, 2),
        flatness=round(float(flat.mean()), 5),
        rolloff_hz=round(float(roll.mean()), 2),
        zcr=round(float(np.mean(np.abs(np.diff(np.signbit(x).astype(np.int8))))), 5),
        onset_rate=round(onset_rate, 3),
        tempo_bpm=round(float(bpm), 2),
        tempo_confidence=round(conf, 4),
        key=key,
        mode=mode,
        key_confidence=round(kconf, 4),
        energy=round(energy, 4),
    )
