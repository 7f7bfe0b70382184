"""DSP building blocks and the recipes of the built-in library: every sound is computed from a seeded
numpy generator, so the same GENERATOR_VERSION gives byte-identical audio on every machine.

Shapes: mono signals are (N,) float64; `stereo()` makes (N, 2). Rate is always SR (48 kHz).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.random import Generator
from scipy.signal import butter, istft, sosfilt

from moviefactory.timing import AUDIO_RATE as SR  # the recipes' short name for the project's rate


def secs(d: float) -> np.ndarray:
    return np.arange(round(d * SR)) / SR


def white(n: int, rng: Generator) -> np.ndarray:
    return rng.standard_normal(n)


def colored(n: int, rng: Generator, slope_db_per_oct: float) -> np.ndarray:
    """Noise whose power falls `slope` dB per octave (-3 pink, -6 brown), unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    f[0] = f[1]
    spec *= (f / 1000.0) ** (slope_db_per_oct / 6.02)
    x = np.fft.irfft(spec, n)
    return x / (np.std(x) + 1e-12)


@lru_cache(maxsize=512)
def _sos(kind: str, f: float | tuple[float, float], order: int = 2) -> np.ndarray:
    wn = np.clip(np.asarray(f, dtype=float) / (SR / 2), 1e-4, 0.999)
    return butter(order, wn, btype=kind, output="sos")


def lp(x: np.ndarray, f: float, order: int = 2) -> np.ndarray:
    return sosfilt(_sos("lowpass", f, order), x, axis=0)


def hp(x: np.ndarray, f: float, order: int = 2) -> np.ndarray:
    return sosfilt(_sos("highpass", f, order), x, axis=0)


def bp(x: np.ndarray, lo: float, hi: float, order: int = 2) -> np.ndarray:
    return sosfilt(_sos("bandpass", (lo, hi), order), x, axis=0)


def shaped_noise(n: int, rng: Generator, gain: object, nfft: int = 1024) -> np.ndarray:
    """White noise shaped in the STFT domain by `gain(t, f) -> (T, F)` (t seconds (T,1), f Hz (1,F)):
    a time-varying filter for sweeps (doppler, whooshes, swells)."""
    from scipy.signal import stft

    _, _, z = stft(rng.standard_normal(n), SR, nperseg=nfft)
    f = np.fft.rfftfreq(nfft, 1 / SR)[:, None]
    t = (np.arange(z.shape[1]) * (nfft // 2) / SR)[None, :]
    g = np.asarray(gain(t, f))  # type: ignore[operator]
    _, x = istft(z * g, SR, nperseg=nfft)
    return np.asarray(x[:n] if len(x) >= n else np.pad(x, (0, n - len(x))))


def osc(freq: np.ndarray | float, n: int, shape: str = "sine", phase0: float = 0.0) -> np.ndarray:
    """Oscillator with a per-sample frequency (Hz). 'saw'/'square' are naive; low-pass them."""
    f = np.broadcast_to(np.asarray(freq, dtype=float), (n,))
    ph = phase0 + np.cumsum(f) / SR
    if shape == "sine":
        return np.sin(2 * np.pi * ph)
    if shape == "saw":
        return 2.0 * (ph % 1.0) - 1.0
    if shape == "square":
        return np.where((ph % 1.0) < 0.5, 1.0, -1.0)
    if shape == "tri":
        return 4.0 * np.abs((ph % 1.0) - 0.5) - 1.0
    raise ValueError(shape)


def decay(n: int, tau: float, attack: float = 0.002) -> np.ndarray:
    t = np.arange(n) / SR
    return np.minimum(t / max(attack, 1e-6), 1.0) * np.exp(-t / tau)


def adsr(n: int, a: float, d: float, s: float, r: float) -> np.ndarray:
    t = np.arange(n) / SR
    dur = n / SR
    env = np.where(t < a, t / max(a, 1e-6), s + (1 - s) * np.exp(-(t - a) / max(d, 1e-6)))
    rel = np.clip((dur - t) / max(r, 1e-6), 0.0, 1.0)
    return env * rel


def bell_curve(n: int, center: float, width: float) -> np.ndarray:
    t = np.arange(n) / SR
    return 1.0 / (1.0 + ((t - center) / width) ** 2)


def modal(freqs: list[float], taus: list[float], amps: list[float], d: float) -> np.ndarray:
    """Struck object: a sum of exponentially decaying partials (bells, metal, glass, wood)."""
    t = secs(d)
    out = np.zeros_like(t)
    for f, tau, a in zip(freqs, taus, amps, strict=True):
        out += a * np.sin(2 * np.pi * f * t) * np.exp(-t / tau)
    return out * np.minimum(t / 0.0005, 1.0)


def place(buf: np.ndarray, sig: np.ndarray, at: float, gain: float = 1.0) -> None:
    i = round(at * SR)
    if i >= len(buf):
        return
    m = min(len(sig), len(buf) - i)
    buf[i : i + m] += gain * sig[:m]


def burst(
    d: float, rng: Generator, tau: float, lo: float | None = None, hi: float | None = None
) -> np.ndarray:
    x = white(int(d * SR), rng) * decay(int(d * SR), tau, 0.0005)
    if lo and hi:
        return bp(x, lo, hi)
    if hi:
        return lp(x, hi)
    if lo:
        return hp(x, lo)
    return x


def reverb(x: np.ndarray, rng: Generator, rt60: float = 1.2, mix: float = 0.3) -> np.ndarray:
    """Convolution with decaying noise: a cheap, deterministic room."""
    from scipy.signal import fftconvolve

    n = int(rt60 * SR)
    ir = white(n, rng) * np.exp(-6.9 * np.arange(n) / n)
    ir = lp(ir, 6000) / np.sqrt(np.sum(ir**2) + 1e-12)
    wet = fftconvolve(x, ir)[: len(x)]
    return (1 - mix) * x + mix * wet


def stereo(
    x: np.ndarray, pan: np.ndarray | float = 0.0, width: float = 0.2, delay_ms: float = 0.6
) -> np.ndarray:
    """(N,) -> (N, 2): constant-power pan (-1 left .. 1 right) plus a small Haas delay for width."""
    p = (np.broadcast_to(np.asarray(pan, dtype=float), x.shape) + 1) * np.pi / 4
    d = int(delay_ms * SR / 1000)
    y = np.concatenate([np.zeros(d), x[: len(x) - d]]) if d else x
    left = np.cos(p) * ((1 - width) * x + width * y)
    right = np.sin(p) * ((1 - width) * y + width * x)
    return np.stack([left, right], axis=1)


def edge_fades(x: np.ndarray, fade_in: float = 0.005, fade_out: float = 0.05) -> np.ndarray:
    n = len(x)
    a, b = min(int(fade_in * SR), n // 2), min(int(fade_out * SR), n // 2)
    env = np.ones(n)
    if a:
        env[:a] = np.linspace(0, 1, a)
    if b:
        env[n - b :] = np.linspace(1, 0, b)
    return x * (env[:, None] if x.ndim == 2 else env)


def peak_normalize(x: np.ndarray, peak_db: float = -1.0) -> np.ndarray:
    return x * (10 ** (peak_db / 20) / (np.max(np.abs(x)) + 1e-12))


def poisson_times(rate: float, d: float, rng: Generator) -> np.ndarray:
    n = rng.poisson(rate * d)
    return np.sort(rng.uniform(0, d, n))


def midi_hz(m: float) -> float:
    return float(440.0 * 2 ** ((m - 69) / 12))
