"""Recipes for the built-in sound effects. Each returns (N, 2) float audio at 48 kHz; the catalogue in
`catalog.py` gives each its description, tags and duration."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.random import Generator

from moviefactory.sound.builtin.synth import (
    SR,
    adsr,
    bell_curve,
    bp,
    burst,
    colored,
    decay,
    hp,
    lp,
    modal,
    osc,
    place,
    poisson_times,
    reverb,
    secs,
    shaped_noise,
    stereo,
    white,
)

Recipe = Callable[[Generator, float], np.ndarray]
RECIPES: dict[str, Recipe] = {}


def recipe(name: str) -> Callable[[Recipe], Recipe]:
    def deco(fn: Recipe) -> Recipe:
        RECIPES[name] = fn
        return fn

    return deco


def _doppler(t: np.ndarray, t_pass: float, k: float = 0.15, speed: float = 2.0) -> np.ndarray:
    return 1.0 + k * -np.tanh(speed * (t - t_pass))


@recipe("car-engine-pass")
def car_engine(rng: Generator, d: float) -> np.ndarray:
    t = secs(d)
    f0 = (45 + 35 * np.clip(t / d, 0, 1)) * _doppler(t, d / 2, 0.18, 3.0)
    x = osc(f0, len(t), "saw") + 0.6 * osc(2 * f0, len(t), "saw") + 0.4 * lp(white(len(t), rng), 1500)
    x = lp(x * (1 + 0.3 * osc(f0 / 2, len(t))), 2200) * bell_curve(len(t), d / 2, d / 5)
    return stereo(x, pan=np.tanh(2 * (t - d / 2)) * 0.8)


@recipe("engine-idle")
def engine_idle(rng: Generator, d: float) -> np.ndarray:
    t = secs(d)
    f0 = 26 + 0.8 * np.sin(2 * np.pi * 0.3 * t)
    pulses = np.maximum(osc(f0, len(t)), 0) ** 4
    x = lp(pulses * (1 + 0.5 * white(len(t), rng)), 500) + 0.3 * lp(osc(2 * f0, len(t), "saw"), 300)
    return stereo(x)


@recipe("jet-flyby")
def jet_flyby(rng: Generator, d: float) -> np.ndarray:
    tp = d / 2

    def g(t: np.ndarray, f: np.ndarray) -> np.ndarray:
        c = 2500 * _doppler(t, tp, 0.5, 1.5)
        return np.exp(-0.5 * (np.log2(f / c + 1e-6) / 1.6) ** 2) / (1 + ((t - tp) / (d / 6)) ** 2)

    n = int(d * SR)
    t = secs(d)
    whine = 0.08 * osc(3000 * _doppler(t, tp, 0.2, 1.5), n) * bell_curve(n, tp, d / 8)
    return stereo(shaped_noise(n, rng, g) + whine, pan=np.tanh(1.5 * (t - tp)))


@recipe("propeller-plane")
def propeller(rng: Generator, d: float) -> np.ndarray:
    t = secs(d)
    f0 = 95 * _doppler(t, d / 2, 0.08, 1.0)
    x = lp(osc(f0, len(t), "saw") * (0.6 + 0.4 * osc(f0 / 3, len(t))), 1200) + 0.2 * lp(
        white(len(t), rng), 800
    )
    return stereo(x * bell_curve(len(t), d / 2, d / 3), pan=np.tanh(t - d / 2))


@recipe("helicopter")
def helicopter(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt in np.arange(0, d, 1 / 5.5):
        place(buf, burst(0.12, rng, 0.03, hi=350), tt)
    t = secs(d)
    buf += 0.05 * osc(1800 + 30 * np.sin(t), len(t)) + 0.15 * lp(white(len(t), rng), 600)
    return stereo(buf)


@recipe("wind-howl")
def wind(rng: Generator, d: float) -> np.ndarray:
    def g(t: np.ndarray, f: np.ndarray) -> np.ndarray:
        c = 500 + 350 * np.sin(2 * np.pi * 0.23 * t) + 200 * np.sin(2 * np.pi * 0.61 * t + 1)
        amp = 0.6 + 0.4 * np.sin(2 * np.pi * 0.17 * t + 2)
        return amp * np.exp(-0.5 * (np.log2(f / c + 1e-6) / 0.35) ** 2)

    n = int(d * SR)
    return np.stack([shaped_noise(n, rng, g), shaped_noise(n, rng, g)], axis=1)


@recipe("rain")
def rain(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    out = []
    for _ in range(2):
        x = hp(colored(n, rng, -1.5), 400) * 0.5
        for tt in poisson_times(180, d, rng):
            place(x, burst(0.01, rng, 0.002, lo=2000) * rng.uniform(0.2, 1.0), tt)
        out.append(x)
    return np.stack(out, axis=1)


@recipe("thunder")
def thunder(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    rumble = lp(colored(n, rng, -6), 250) * decay(n, d / 3, 0.08)
    rumble *= 1 + 0.6 * lp(white(n, rng), 3)
    x = rumble + 0.5 * np.pad(burst(0.5, rng, 0.08, lo=300), (int(0.05 * SR), n))[:n]
    return stereo(reverb(x, rng, 2.0, 0.4), width=0.5)


@recipe("ocean-waves")
def waves(rng: Generator, d: float) -> np.ndarray:
    def g(t: np.ndarray, f: np.ndarray) -> np.ndarray:
        ph = (t % 3.2) / 3.2
        swell = np.where(ph < 0.45, ph / 0.45, np.exp(-(ph - 0.45) * 5))
        cut = 300 + 3500 * swell
        return (0.15 + swell) / (1 + (f / cut) ** 2)

    n = int(d * SR)
    return np.stack([shaped_noise(n, rng, g), shaped_noise(n, rng, g)], axis=1)


def _bubble(rng: Generator, f0: float, dur: float) -> np.ndarray:
    t = secs(dur)
    return osc(f0 * (1 + 2.5 * t / dur), len(t)) * decay(len(t), dur / 3, 0.001)


@recipe("stream-babbling")
def stream(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    x = 0.3 * bp(white(n, rng), 300, 2500)
    for tt in poisson_times(40, d, rng):
        place(x, _bubble(rng, rng.uniform(500, 1400), rng.uniform(0.02, 0.06)), tt, rng.uniform(0.2, 0.6))
    return stereo(x, width=0.6)


def _steps(rng: Generator, d: float, rate: float, thump: float, scuff: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for i, tt in enumerate(np.arange(0.2, d - 0.2, 1 / rate)):
        step = lp(burst(0.08, rng, 0.015), 900) * thump + modal([85], [0.04], [0.8], 0.1)[: int(0.08 * SR)]
        place(buf, step, tt + rng.uniform(-0.01, 0.01), 1.0 if i % 2 else 0.85)
        place(buf, burst(0.06, rng, 0.02, lo=2000, hi=6000) * scuff, tt + 0.03)
    return buf


@recipe("footsteps-walking")
def footsteps(rng: Generator, d: float) -> np.ndarray:
    return stereo(reverb(_steps(rng, d, 1.9, 1.5, 0.2), rng, 0.5, 0.2))


@recipe("footsteps-running")
def running(rng: Generator, d: float) -> np.ndarray:
    return stereo(reverb(_steps(rng, d, 3.3, 2.0, 0.35), rng, 0.4, 0.15))


@recipe("crowd-murmur")
def crowd(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    out = np.zeros((n, 2))
    for _ in range(16):
        voice = bp(white(n, rng), rng.uniform(250, 500), rng.uniform(1800, 3200))
        syll = np.clip(lp(white(n, rng), rng.uniform(3, 6)) * 40, 0, 1)
        out += stereo(voice * syll, pan=rng.uniform(-0.8, 0.8))
    return out


@recipe("crowd-cheer")
def cheer(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    swell = np.minimum(secs(d) / 0.6, 1) * np.exp(-np.maximum(secs(d) - 2.5, 0) / 1.5)
    out = stereo(bp(white(n, rng), 500, 3500) * swell * 0.6, width=0.8)
    for tt in poisson_times(60, d, rng):
        clap = burst(0.03, rng, 0.006, lo=900, hi=5000)
        k = int(tt * SR)
        out[k : k + len(clap)] += stereo(clap, pan=rng.uniform(-1, 1))[: n - k] * swell[k]
    return out


@recipe("birds-chirping")
def birds(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    out = np.zeros((n, 2))
    for _bird in range(3):
        base = rng.uniform(2500, 5000)
        pan = rng.uniform(-0.7, 0.7)
        t0 = rng.uniform(0, 0.8)
        while t0 < d - 0.5:
            for _ in range(rng.integers(2, 6)):
                dur = rng.uniform(0.05, 0.14)
                tt = secs(dur)
                f = base * (1 + 0.35 * np.sin(np.pi * tt / dur)) + 400 * np.sin(2 * np.pi * 35 * tt)
                chirp = osc(f, len(tt)) * np.sin(np.pi * tt / dur) ** 2
                k = int(t0 * SR)
                out[k : k + len(chirp)] += stereo(chirp, pan=pan)[: n - k] * 0.5
                t0 += dur + rng.uniform(0.02, 0.08)
            t0 += rng.uniform(0.4, 1.2)
    return out + stereo(0.01 * hp(white(n, rng), 3000))


@recipe("crickets-night")
def crickets(rng: Generator, d: float) -> np.ndarray:
    t = secs(d)
    out = np.zeros((len(t), 2))
    for _ in range(3):
        f = rng.uniform(4200, 5200)
        trill = (osc(28, len(t), "square") > 0) * (
            np.sin(2 * np.pi * rng.uniform(0.8, 1.4) * t + rng.uniform(0, 6)) > 0.2
        )
        out += stereo(osc(f, len(t)) * lp(trill.astype(float), 200), pan=rng.uniform(-0.8, 0.8))
    return out


@recipe("fire-crackle")
def fire(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    x = lp(colored(n, rng, -6), 400) * 0.4 * (1 + 0.3 * lp(white(n, rng), 2))
    for tt in poisson_times(25, d, rng):
        place(x, burst(0.015, rng, 0.003, lo=1500, hi=9000), tt, rng.uniform(0.3, 1.5))
    return stereo(x, width=0.4)


@recipe("explosion")
def explosion(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)

    def g(t: np.ndarray, f: np.ndarray) -> np.ndarray:
        cut = 80 + 6000 * np.exp(-t / 0.25)
        return np.exp(-t / 1.0) / (1 + (f / cut) ** 2) * (t > 0.1)

    x = shaped_noise(n, rng, g) * 3
    t = secs(d)
    x += 1.2 * osc(55 * np.exp(-t / 1.5) + 25, n) * decay(n, 0.8, 0.005) * (t > 0.1)
    return stereo(reverb(x, rng, 2.5, 0.35), width=0.5)


@recipe("fireworks")
def fireworks(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    out = np.zeros(n)
    for start in (0.1, d / 2):
        tw = secs(1.0)
        place(out, 0.2 * osc(900 + 1400 * tw, len(tw)) * (1 - tw), start)
        place(out, burst(0.8, rng, 0.15, hi=3000) * 1.5, start + 1.0)
        for tt in poisson_times(60, 1.2, rng):
            place(
                out, burst(0.01, rng, 0.002, lo=3000), start + 1.1 + tt, rng.uniform(0.1, 0.4) * np.exp(-tt)
            )
    return stereo(reverb(out, rng, 1.8, 0.35), width=0.5)


@recipe("whoosh")
def whoosh(rng: Generator, d: float) -> np.ndarray:
    def g(t: np.ndarray, f: np.ndarray) -> np.ndarray:
        c = 300 + 3000 * np.exp(-(((t - d / 2) / (d / 5)) ** 2))
        return np.exp(-(((t - d / 2) / (d / 6)) ** 2)) * np.exp(-0.5 * (np.log2(f / c + 1e-6) / 0.8) ** 2)

    n = int(d * SR)
    t = secs(d)
    return stereo(shaped_noise(n, rng, g), pan=np.tanh(3 * (t - d / 2) / d) * 0.9)


@recipe("impact-thud")
def impact(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    t = secs(d)
    x = (
        osc(35 + 50 * np.exp(-t / 0.05), n) * decay(n, 0.35, 0.001)
        + 0.8 * np.pad(burst(0.1, rng, 0.02, hi=1200), (0, n))[:n]
    )
    return stereo(reverb(x, rng, 0.8, 0.2))


@recipe("metal-clang")
def clang(rng: Generator, d: float) -> np.ndarray:
    x = modal([523, 1347, 2271, 3712, 5127], [1.4, 0.9, 0.6, 0.4, 0.25], [1, 0.7, 0.5, 0.35, 0.2], d)
    x += np.pad(burst(0.02, rng, 0.004, lo=2000), (0, len(x)))[: len(x)]
    return stereo(reverb(x, rng, 1.0, 0.2))


@recipe("glass-shatter")
def glass(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    x = np.pad(burst(0.3, rng, 0.06, lo=2500), (0, n))[:n] * 1.2
    for tt in rng.exponential(0.35, 70):
        if tt < d - 0.2:
            f = rng.uniform(3000, 9000)
            piece = modal([f, f * 1.47, f * 2.09], [0.05, 0.03, 0.02], [1, 0.5, 0.3], 0.15)
            place(x, piece, 0.01 + tt, rng.uniform(0.1, 0.5))
    return stereo(reverb(x, rng, 0.7, 0.2), width=0.6)


@recipe("scifi-hum")
def scifi_hum(rng: Generator, d: float) -> np.ndarray:
    t = secs(d)
    x = sum(
        osc(55 * k * (1 + 0.003 * np.sin(2 * np.pi * 0.2 * t * k)), len(t), "saw") / k for k in (1, 1.5, 2, 3)
    )
    x = lp(np.asarray(x), 900) * (0.8 + 0.2 * np.sin(2 * np.pi * 0.5 * t))
    return stereo(x + 0.05 * osc(1760 + 20 * np.sin(2 * np.pi * 0.3 * t), len(t)), width=0.5)


@recipe("laser-zaps")
def laser(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    out = np.zeros(n)
    for tt in (0.1, 0.6, 1.1, 1.9):
        z = secs(0.25)
        f = 200 + 2800 * np.exp(-z / 0.06)
        place(out, osc(f * (1 + 0.2 * osc(70, len(z))), len(z), "square") * decay(len(z), 0.09), tt, 0.5)
    return stereo(lp(out, 8000), width=0.3)


@recipe("power-up")
def power_up(rng: Generator, d: float) -> np.ndarray:
    t = secs(d)
    f = 100 * (15 ** (t / d))
    x = (
        lp(osc(f, len(t), "saw"), 5000)
        * (0.5 + 0.5 * osc(4 + 20 * t / d, len(t)))
        * np.minimum(t / (d * 0.9), 1)
    )
    return stereo(x * np.clip((d - t) / 0.1, 0, 1))


@recipe("clock-ticking")
def clock(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for i, tt in enumerate(np.arange(0.1, d, 0.5)):
        f = 3200 if i % 2 == 0 else 2600
        place(buf, modal([f, f * 1.9, 900], [0.01, 0.006, 0.02], [1, 0.5, 0.4], 0.06), tt)
    return stereo(reverb(buf, rng, 0.4, 0.15))


@recipe("church-bell")
def bell(rng: Generator, d: float) -> np.ndarray:
    f0 = 330.0
    ratios, taus = [0.5, 1.0, 1.19, 1.5, 2.0, 2.51, 2.99], [4.0, 3.0, 2.2, 2.0, 1.5, 1.0, 0.8]
    strike = modal([f0 * r for r in ratios], taus, [0.8, 1, 0.6, 0.5, 0.4, 0.3, 0.2], d)
    buf = strike.copy()
    place(buf, strike, d / 2, 0.9)
    return stereo(reverb(buf, rng, 2.5, 0.3), width=0.4)


def _wood(rng: Generator, f: float) -> np.ndarray:
    return (
        modal([f, f * 2.3, f * 4.1], [0.03, 0.02, 0.01], [1, 0.6, 0.3], 0.12)
        + burst(0.12, rng, 0.004, hi=3000) * 0.5
    )


@recipe("door-knock")
def knock(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt in (0.2, 0.45, 0.7, 1.6, 1.85):
        place(buf, _wood(rng, 190), tt)
    return stereo(reverb(buf, rng, 0.6, 0.2))


@recipe("door-creak")
def creak(rng: Generator, d: float) -> np.ndarray:
    t = secs(d)
    rate = 40 + 30 * np.sin(np.pi * t / d) + 8 * lp(white(len(t), rng), 3) * 20
    pulses = (np.diff(np.floor(np.cumsum(rate) / SR), prepend=0) > 0).astype(float)
    x = bp(pulses, 500, 1600) * 8 + 0.5 * bp(pulses, 2000, 3500) * 8
    return stereo(x * np.sin(np.pi * t / d) ** 0.5)


@recipe("door-slam")
def slam(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    t = secs(d)
    x = (
        osc(60 + 80 * np.exp(-t / 0.03), n) * decay(n, 0.2)
        + 0.7 * np.pad(burst(0.2, rng, 0.03, hi=2500), (0, n))[:n]
    )
    place(x, modal([730, 1630], [0.08, 0.05], [0.3, 0.2], 0.3), 0.02)
    return stereo(reverb(x, rng, 1.2, 0.3))


@recipe("heartbeat")
def heartbeat(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt in np.arange(0.1, d, 60 / 72):
        beat = secs(0.15)
        thump = osc(50 - 15 * beat / 0.15, len(beat)) * decay(len(beat), 0.05, 0.01)
        place(buf, thump, tt)
        place(buf, thump, tt + 0.28, 0.7)
    return stereo(lp(buf, 200))


@recipe("train-tracks")
def train(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    x = lp(colored(n, rng, -6), 300) * 0.5
    for tt in np.arange(0.1, d, 0.55):
        for off in (0.0, 0.11):
            place(x, _wood(rng, 420) + modal([1250], [0.02], [0.4], 0.12), tt + off, 0.8)
    return stereo(x, width=0.3)


@recipe("police-siren")
def siren(rng: Generator, d: float) -> np.ndarray:
    t = secs(d)
    f = 900 + 350 * np.sin(2 * np.pi * t / 2.2 - np.pi / 2)
    x = lp(osc(f, len(t), "square"), 3000) * 0.5
    return stereo(reverb(x, rng, 1.0, 0.2))


@recipe("car-horn")
def horn(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt, ln in ((0.1, 0.35), (0.6, 0.9)):
        n = int(ln * SR)
        tone = (osc(415, n, "square") + osc(523, n, "square")) * adsr(n, 0.01, 0.1, 0.9, 0.03)
        place(buf, lp(tone, 2500), tt)
    return stereo(buf)


@recipe("phone-ringing")
def phone(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt in (0.1, 2.1):
        z = secs(1.4)
        ring = (osc(1300, len(z)) + 0.7 * osc(1650, len(z))) * (osc(20, len(z), "square") > 0)
        place(buf, lp(ring, 5000) * adsr(len(z), 0.005, 0.1, 1, 0.02), tt)
    return stereo(buf)


@recipe("keyboard-typing")
def typing(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    tt = 0.1
    while tt < d - 0.1:
        f = rng.uniform(1800, 3200)
        place(
            buf,
            modal([f, f * 1.7], [0.006, 0.004], [1, 0.5], 0.03) + burst(0.03, rng, 0.003, lo=3000),
            tt,
            rng.uniform(0.5, 1),
        )
        tt += rng.uniform(0.07, 0.2) + (0.4 if rng.random() < 0.08 else 0)
    return stereo(buf, width=0.2)


@recipe("water-drip-cave")
def drip(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt in np.arange(0.2, d - 0.3, 0.9) + rng.uniform(-0.15, 0.15, len(np.arange(0.2, d - 0.3, 0.9))):
        place(buf, _bubble(rng, rng.uniform(900, 1300), 0.04), tt)
    return stereo(reverb(buf, rng, 2.5, 0.55), width=0.6)


@recipe("water-splash")
def splash(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    x = np.pad(burst(0.8, rng, 0.18, lo=400, hi=9000), (int(0.05 * SR), n))[:n] * 1.4
    for tt in rng.exponential(0.4, 25):
        place(x, _bubble(rng, rng.uniform(400, 1200), rng.uniform(0.02, 0.06)), 0.1 + tt, 0.3)
    return stereo(x, width=0.5)


@recipe("underwater-bubbles")
def bubbles(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    x = lp(colored(n, rng, -6), 250) * 0.3
    for tt in poisson_times(14, d, rng):
        place(x, _bubble(rng, rng.uniform(250, 800), rng.uniform(0.04, 0.1)), tt, 0.6)
    return stereo(lp(x, 2500), width=0.5)


@recipe("electric-buzz")
def buzz(rng: Generator, d: float) -> np.ndarray:
    t = secs(d)
    x = lp(osc(100, len(t), "square"), 2000) * 0.3 + 0.2 * osc(50, len(t))
    for tt in poisson_times(6, d, rng):
        place(x, burst(0.04, rng, 0.008, lo=2000), tt, rng.uniform(0.5, 1.2))
    return stereo(x)


@recipe("robot-servo")
def servo(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    tt = 0.1
    while tt < d - 0.5:
        ln = rng.uniform(0.3, 0.6)
        z = secs(ln)
        f = rng.uniform(250, 400) * (1 + 0.8 * np.sin(np.pi * z / ln))
        place(buf, bp(osc(f, len(z), "saw"), 300, 3000) * adsr(len(z), 0.02, 0.1, 0.8, 0.04), tt)
        place(buf, burst(0.03, rng, 0.005, lo=1500), tt + ln, 0.6)
        tt += ln + rng.uniform(0.1, 0.3)
    return stereo(buf)


@recipe("horse-gallop")
def gallop(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for bar in np.arange(0.1, d - 0.4, 0.42):
        for off, g in ((0.0, 0.7), (0.09, 0.8), (0.19, 1.0)):
            place(buf, _wood(rng, 260) + lp(burst(0.12, rng, 0.02), 400), bar + off, g)
    return stereo(reverb(buf, rng, 0.5, 0.15))


@recipe("sword-clash")
def swords(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt, f in ((0.2, 1870.0), (1.2, 2130.0)):
        ring = modal([f, f * 1.53, f * 2.41, f * 3.3], [0.8, 0.6, 0.4, 0.3], [1, 0.8, 0.5, 0.3], 1.2)
        place(buf, ring + np.pad(burst(0.1, rng, 0.01, lo=3000), (0, len(ring)))[: len(ring)], tt)
        place(buf, bp(white(int(0.2 * SR), rng), 3000, 8000) * 0.15, tt - 0.2)
    return stereo(reverb(buf, rng, 0.9, 0.2), width=0.4)


@recipe("city-traffic")
def traffic(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    t = secs(d)
    x = lp(colored(n, rng, -6), 500) * 0.6
    for tp in rng.uniform(0.5, d - 0.5, 4):
        f = rng.uniform(35, 60) * _doppler(t, tp, 0.1, 3)
        x += 0.4 * lp(osc(f, n, "saw") + 0.5 * white(n, rng), 1200) * bell_curve(n, tp, 0.6)
    place(x, 0.15 * lp(osc(440, int(0.3 * SR), "square"), 2000), d * 0.7)
    return stereo(x, width=0.6)


@recipe("leaves-rustling")
def leaves(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    gust = np.clip(lp(white(n, rng), 0.8) * 30 + 0.5, 0.1, 1.2)
    out = []
    for _ in range(2):
        x = hp(white(n, rng), 2500) * gust * 0.4
        for tt in poisson_times(60, d, rng):
            place(x, burst(0.02, rng, 0.005, lo=3000, hi=10000), tt, 0.4 * gust[min(int(tt * SR), n - 1)])
        out.append(x)
    return np.stack(out, axis=1)


@recipe("rocket-launch")
def rocket(rng: Generator, d: float) -> np.ndarray:
    n = int(d * SR)
    t = secs(d)
    roar = lp(colored(n, rng, -4.5), 1500) * np.minimum(t / 1.5, 1)
    crackle = np.zeros(n)
    for tt in poisson_times(80, d, rng):
        place(crackle, burst(0.01, rng, 0.002, lo=800), tt, rng.uniform(0.2, 0.8))
    return stereo(roar + crackle * np.minimum(t / 1.5, 1), width=0.6)


@recipe("magic-sparkle")
def sparkle(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    notes = [84, 86, 88, 91, 93, 96, 98, 100]
    for i, tt in enumerate(np.arange(0.05, d * 0.7, 0.09)):
        f = 440 * 2 ** ((notes[i % len(notes)] + 12 * (i // len(notes)) - 69) / 12)
        place(buf, modal([f, f * 2.76], [0.6, 0.3], [0.5, 0.2], 0.8), tt)
    return stereo(reverb(buf, rng, 2.0, 0.4), width=0.7)


@recipe("alarm-beeping")
def alarm(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt in np.arange(0.1, d - 0.2, 0.25):
        if int(tt / 1.0 * 4) % 4 < 3:
            n = int(0.12 * SR)
            place(buf, lp(osc(1000, n, "square"), 4000) * adsr(n, 0.002, 0.05, 1, 0.005), tt, 0.6)
    return stereo(buf)


@recipe("gong-strike")
def gong(rng: Generator, d: float) -> np.ndarray:
    f = 110.0
    partials = [f, f * 1.41, f * 2.17, f * 2.73, f * 3.6, f * 4.2, f * 5.9]
    x = modal(partials, [3.5, 3.0, 2.5, 2.0, 1.5, 1.2, 0.8], [1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2], d)
    t = secs(d)
    x *= 1 + 0.3 * np.sin(2 * np.pi * 0.9 * t)
    return stereo(reverb(x, rng, 2.0, 0.3), width=0.4)


@recipe("punch-hit")
def punch(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt in (0.2, 0.55, 1.2):
        z = secs(0.25)
        hit = (
            osc(90 * np.exp(-z / 0.08) + 40, len(z)) * decay(len(z), 0.06)
            + burst(0.25, rng, 0.01, hi=4000) * 0.7
        )
        place(buf, hit, tt)
    return stereo(buf)


@recipe("snow-footsteps")
def snow_steps(rng: Generator, d: float) -> np.ndarray:
    buf = np.zeros(int(d * SR))
    for tt in np.arange(0.2, d - 0.3, 0.55):
        crunch = np.zeros(int(0.25 * SR))
        for g in rng.uniform(0, 0.18, 40):
            place(crunch, burst(0.006, rng, 0.0015, lo=1500, hi=7000), g, rng.uniform(0.2, 1))
        place(buf, crunch, tt)
    return stereo(buf, width=0.2)
