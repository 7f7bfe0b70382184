"""The set: sky by time of day, the places of sets.py painted as tiling parallax layers, animated effects.

Everything here runs once per scene (precompute); the per-frame work is slicing and blending (`World.paint`,
`World.apply_effects`). Layers tile horizontally with period P (pixels) and are stored twice side by side,
so any scroll offset is a zero-copy slice [o : o + W]. Colours are float RGB 0-255 while building, uint8
premultiplied when done. One painter function per set (`PAINTERS`); `build_set` composes sky, painter,
set pieces and effects; `build_world` is the older entry point taking a terrain family.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from moviefactory.picture.animatic.sets import FAMILY_SETS, SETS, effects_for

RGBf = tuple[float, float, float]
Colour = np.ndarray | RGBf  # an RGB colour 0-255, as a tuple or a (3,) array


@dataclass(frozen=True)
class Light:
    top: RGBf  # sky colour at the zenith
    horizon: RGBf  # sky colour at the horizon (also the haze colour)
    tint: RGBf  # multiplier for lit surfaces (1 = daylight)
    sun: tuple[float, float, float, RGBf] | None  # (x, y as fractions of the frame, radius frac, colour)
    moon: tuple[float, float, float] | None  # (x, y, radius) fractions
    stars: float  # 0..1 star density/brightness


TIMES: dict[str, Light] = {
    "dawn": Light((38, 48, 96), (226, 160, 150), (0.62, 0.6, 0.74), (0.74, 0.6, 0.03, (255, 210, 190)), None, 0.25),
    "sunrise": Light((72, 112, 176), (255, 184, 116), (1.0, 0.84, 0.7), (0.7, 0.55, 0.05, (255, 200, 120)), None, 0.0),
    "day": Light((58, 118, 210), (182, 214, 240), (1.0, 1.0, 1.0), (0.8, 0.14, 0.04, (255, 252, 236)), None, 0.0),
    "golden-hour": Light((84, 122, 190), (255, 204, 128), (1.06, 0.9, 0.66), (0.72, 0.38, 0.045, (255, 220, 140)), None, 0.0),
    "sunset": Light((58, 56, 128), (255, 122, 62), (0.95, 0.68, 0.56), (0.28, 0.54, 0.06, (255, 150, 70)), None, 0.05),
    "dusk": Light((20, 26, 62), (150, 92, 124), (0.42, 0.42, 0.6), None, (0.2, 0.24, 0.035), 0.5),
    "night": Light((5, 8, 24), (26, 36, 68), (0.2, 0.25, 0.42), None, (0.78, 0.18, 0.04), 1.0),
}  # fmt: skip

# weather: (sky desaturation to grey 0..1, grey level, light multiplier, haze extra, cloud cover 0..1)
WEATHER: dict[str, tuple[float, float, float, float, float]] = {
    "clear": (0.0, 0.0, 1.0, 0.0, 0.15),
    "cloudy": (0.45, 150.0, 0.82, 0.1, 0.7),
    "rain": (0.7, 110.0, 0.62, 0.2, 0.95),
    "storm": (0.8, 70.0, 0.45, 0.25, 1.0),
    "snow": (0.6, 190.0, 0.85, 0.25, 0.85),
    "fog": (0.75, 185.0, 0.8, 0.6, 0.3),
    "wind": (0.1, 150.0, 0.95, 0.05, 0.45),
}


@dataclass
class Layer:
    prem: np.ndarray  # (h, 2P, 3) uint8 premultiplied colour
    inva: np.ndarray | None  # (h, 2P, 3) uint8 255 - alpha; None when fully opaque
    y0: int  # frame row of the layer's first row
    period: int  # horizontal period P in pixels
    depth: float  # parallax: 1 moves with the ground under the subjects, 0 is at infinity
    drift: float = 0.0  # own motion, pixels per second (clouds, waves)
    opaque_from: int = 0  # rows >= this (layer-relative) are fully opaque: copied, not blended
    bands: list[tuple[int, int, float]] = field(default_factory=list)  # (r0, r1, px/s) per-band drift


@dataclass
class Effect:
    """An animated effect, precomputed once per scene; `apply` is slicing and saturating uint8 arithmetic.

    mode "add": a texture (2h, 2W, 3) periodic in both axes, added at offset (vel * t + sway) on rows
    y0..y0+h (rain, snow, bubbles, dust, sparks, debris, aurora shimmer); with `pulse` > 0 its strength
    breathes at that rate in Hz (lava glow). mode "blend": a static premultiplied overlay (fog, spotlight).
    mode "flash": the frame brightens at `times` modulo `period` seconds (lightning), with a bolt if given.
    stage: "set" is drawn over the set under the subjects, "front" over set and subjects before the camera,
    "screen" after the camera (weather falls in screen space)."""

    name: str
    stage: str
    mode: str
    tex: np.ndarray | None = None  # add: (2h, 2W, 3) uint8; blend: (h, W, 3) premultiplied uint8
    inva: np.ndarray | None = None  # blend: (h, W, 3) uint8 255 - alpha
    y0: int = 0
    vel: tuple[float, float] = (0.0, 0.0)  # pixels per second (x, y)
    sway: float = 0.0  # horizontal sway amplitude, pixels
    pulse: float = 0.0  # Hz
    times: tuple[float, ...] = ()  # flash: start times within each period, seconds
    period: float = 0.0
    bolt: np.ndarray | None = None  # (n, 2) int32 polyline

    def apply(self, frame: np.ndarray, t: float) -> None:
        import cv2

        H, W = frame.shape[:2]
        if self.mode == "add" and self.tex is not None:
            h = min(self.tex.shape[0] // 2, H - self.y0)
            x = int(-self.vel[0] * t + self.sway * math.sin(t * 1.1)) % (self.tex.shape[1] // 2)
            y = int(-self.vel[1] * t) % (self.tex.shape[0] // 2)
            dst = frame[self.y0 : self.y0 + h]
            src = self.tex[y : y + h, x : x + W]
            if self.pulse > 0:
                k = 0.65 + 0.35 * math.sin(2 * math.pi * self.pulse * t)
                cv2.scaleAdd(src, k, dst, dst=dst)
            else:
                cv2.add(dst, src, dst=dst)
        elif self.mode == "blend" and self.tex is not None and self.inva is not None:
            h = min(self.tex.shape[0], H - self.y0)
            dst = frame[self.y0 : self.y0 + h]
            cv2.add(cv2.multiply(dst, self.inva[:h], scale=1 / 255.0), self.tex[:h], dst=dst)
        elif self.mode == "flash" and self.period > 0:
            for ft in self.times:
                dt = (t - ft) % self.period
                if dt < 0.25:
                    k = (1 - dt / 0.25) ** 2
                    cv2.addWeighted(frame, 1 - 0.5 * k, np.full_like(frame, 235), 0.5 * k, 0, dst=frame)
                    if dt < 0.12 and self.bolt is not None:
                        cv2.polylines(
                            frame, [self.bolt], False, (255, 255, 255), max(1, H // 160), cv2.LINE_AA
                        )


@dataclass
class World:
    sky: np.ndarray  # (H, W, 3) uint8; for an interior the back of the room, never a sky
    layers: list[Layer]
    baseline: float  # frame row where ground subjects stand
    water: float  # frame row of the water surface (boats) or the middle of the water (underwater)
    air: float  # frame row around which flyers fly
    family: str  # the set's name (sets.SETS key); kept under this name for the renderer
    road: bool
    light: RGBf
    haze: RGBf
    underwater: bool = False
    kind: str = "outdoor"  # sets.SetKind: "outdoor" | "interior" | "orbit" | "underwater"
    pieces: tuple[tuple[str, str], ...] = ()  # (text, drawn_as) of everything drawn in the set
    effects: list[Effect] = field(default_factory=list)

    @property
    def has_sky(self) -> bool:
        return self.kind == "outdoor"

    @property
    def effect_names(self) -> tuple[str, ...]:
        """The animated effects drawn (for drawn.json, role "effect"), once each, in drawing order."""
        return tuple(dict.fromkeys(fx.name for fx in self.effects))

    def paint(
        self, out: np.ndarray, t: float, scroll: float = 0.0, pan: float = 0.0, focus_depth: float = 0.0
    ) -> None:
        """Draw the set into `out` (H, W, 3) uint8 at time t (s): the backdrop, then each layer sliced at its
        parallax offset ((scroll + pan) * depth, plus its own drift), then the "set" effects."""
        H, W = out.shape[:2]
        out[:] = self.sky
        for layer in self.layers:
            P = layer.period
            off = (scroll + pan) * layer.depth - pan * focus_depth * (layer.depth > 0) + layer.drift * t
            h = min(layer.prem.shape[0], H - layer.y0)
            if layer.bands:
                for r0, r1, v in layer.bands:
                    o = round(off + v * t) % P
                    out[layer.y0 + r0 : layer.y0 + r1] = layer.prem[r0:r1, o : o + W]
                continue
            o = round(off) % P
            y0 = layer.y0
            if layer.inva is None:
                out[y0 : y0 + h] = layer.prem[:h, o : o + W]
            else:
                ob = min(h, layer.opaque_from)
                if ob > 0:
                    _blend_rows(out[y0 : y0 + ob], layer.prem[:ob, o : o + W], layer.inva[:ob, o : o + W])
                if ob < h:
                    out[y0 + ob : y0 + h] = layer.prem[ob:h, o : o + W]
        self.apply_effects(out, t, "set")

    def apply_effects(self, frame: np.ndarray, t: float, stage: str) -> None:
        for fx in self.effects:
            if fx.stage == stage:
                fx.apply(frame, t)

    def frames(self, num_frames: int, fps: float, scroll_px_s: float = 0.0) -> list[np.ndarray]:
        """The set alone (no subjects, no camera, no grade) for num_frames frames: tests, contact sheets."""
        H, W = self.sky.shape[:2]
        out = []
        for fi in range(num_frames):
            t = fi / fps
            f = np.empty((H, W, 3), np.uint8)
            self.paint(f, t, scroll=scroll_px_s * t)
            self.apply_effects(f, t, "front")
            self.apply_effects(f, t, "screen")
            out.append(f)
        return out


def _blend_rows(dst: np.ndarray, prem: np.ndarray, inva: np.ndarray) -> None:
    """dst = prem + dst * inva / 255 in place (uint8, cv2 saturating arithmetic)."""
    import cv2

    tmp = cv2.multiply(dst, inva, scale=1 / 255.0)
    cv2.add(tmp, prem, dst=dst)


def _mix(a: np.ndarray | RGBf, b: np.ndarray | RGBf, t: float | np.ndarray) -> np.ndarray:
    return np.asarray(a, np.float32) * (1 - t) + np.asarray(b, np.float32) * t


def _periodic(P: int, rng: np.random.Generator, octaves: list[tuple[int, float]]) -> np.ndarray:
    """A smooth periodic profile (P,): sum of sines with integer cycles per period, so the layer tiles."""
    x = np.arange(P, dtype=np.float32) / P * 2 * np.pi
    out = np.zeros(P, np.float32)
    for cycles, amp in octaves:
        out += amp * np.sin(cycles * x + rng.uniform(0, 2 * np.pi))
    return out


def _opaque_from(inva: np.ndarray) -> int:
    """First layer row from which every row below is fully opaque (inva == 0)."""
    rows_opaque = (inva[..., 0] == 0).all(axis=1)
    n = len(rows_opaque)
    while n > 0 and rows_opaque[n - 1]:
        n -= 1
    return n


def _tile(rgb: np.ndarray, alpha: np.ndarray | None, y0: int, depth: float, **kw: object) -> Layer:
    """Premultiply, tile twice horizontally and find the opaque rows."""
    P = rgb.shape[1]
    if alpha is None:
        prem, inva, opaque = rgb, None, 0
    else:
        a = np.clip(alpha, 0, 1)[..., None]
        prem = rgb * a
        inva = np.repeat(np.clip((1 - a) * 255 + 0.5, 0, 255).astype(np.uint8), 3, axis=2)
        opaque = _opaque_from(inva)
    prem8 = np.clip(prem + 0.5, 0, 255).astype(np.uint8)
    return Layer(
        prem=np.ascontiguousarray(np.concatenate([prem8, prem8], axis=1)),
        inva=None if inva is None else np.ascontiguousarray(np.concatenate([inva, inva], axis=1)),
        y0=y0,
        period=P,
        depth=depth,
        opaque_from=opaque,
        **kw,  # type: ignore[arg-type]
    )


class _Painter:
    """Shared state while building one scene's set."""

    def __init__(self, W: int, H: int, light: Light, weather: str, rng: np.random.Generator) -> None:
        self.W, self.H, self.rng = W, H, rng
        self.P = 2 * W
        desat, grey, lmul, haze_extra, self.cover = WEATHER.get(weather, WEATHER["clear"])
        self.weather = weather
        g = (grey, grey, grey + 6)
        lum = np.array([0.3, 0.59, 0.11], np.float32)
        top = np.asarray(light.top, np.float32)
        hor = np.asarray(light.horizon, np.float32)
        grey_top = np.full(3, float(top @ lum), np.float32) * 0.6 + np.asarray(g, np.float32) * 0.4 * (
            float(top @ lum) / 160 if light.stars > 0.4 else 1.0
        )
        grey_hor = np.full(3, float(hor @ lum), np.float32) * 0.5 + np.asarray(g, np.float32) * 0.5 * (
            float(hor @ lum) / 180 if light.stars > 0.4 else 1.0
        )
        self.top = _mix(top, grey_top, desat)
        self.hor = _mix(hor, grey_hor, desat)
        self.tint = np.asarray(light.tint, np.float32) * lmul
        self.haze_extra = haze_extra
        self.light = light
        self.night = light.stars > 0.4
        self.fx: list[str] = []  # this scene's effect names (sets.effects_for)
        self.pieces: list[tuple[str, str]] = []  # (text, drawn_as) of what the painter drew
        self.backdrop: np.ndarray | None = None  # (H, W, 3) float: replaces the sky (interiors, orbit)
        self.anchors: dict[str, tuple[float, float]] = {}  # named frame points for effects (crater)
        self.kind = "outdoor"  # sets.SetKind of the set being painted
        self.words = ""  # the scene's words (optional set pieces: a lighthouse only where one is asked for)

    def lit(self, c: Colour, haze: float) -> np.ndarray:
        """A daylight material colour under this scene's light, hazed toward the horizon colour."""
        h = min(0.95, haze + self.haze_extra * (0.5 + haze))
        return _mix(np.asarray(c, np.float32) * self.tint, self.hor, h)

    def ridge(
        self,
        y_mean: float,
        amp: float,
        octaves: list[tuple[int, float]],
        top_c: Colour,
        bot_c: Colour,
        haze: float,
        sharp: bool = False,
        snowcap: float | None = None,
        headroom: float = 0.0,
    ) -> Sheet:
        """A heightfield silhouette (hills, dunes, peaks) from row y_mean +- amp down to the frame bottom,
        anti-aliased analytically: alpha = clamp(row - profile + 0.5). headroom: rows above for props."""
        H, P = self.H, self.P
        prof = _periodic(P, self.rng, octaves)
        if sharp:  # ridged: peaks from |sin|
            prof = -np.abs(prof)
        prof = prof / (np.abs(prof).max() + 1e-6) * amp + y_mean
        y0 = max(0, int(prof.min() - headroom) - 1)
        rows = np.arange(y0, H, dtype=np.float32)[:, None]
        alpha = np.clip(rows - prof[None, :] + 0.5, 0, 1)
        t = np.clip((rows - prof.min()) / max(1.0, H - prof.min()), 0, 1)[..., None]
        rgb = _mix(self.lit(top_c, haze), self.lit(bot_c, haze * 0.6), t)
        rgb = np.broadcast_to(rgb, (H - y0, P, 3)).copy()
        if snowcap is not None:  # snow above a line that follows the ridge
            cap = rows < prof.min() + (prof.max() - prof.min()) * snowcap + 3 * np.sin(np.arange(P) / 9.0)
            rgb[cap] = self.lit((236, 240, 246), haze * 0.7)
        return Sheet(self, y0, rgb, alpha)

    def ridge_layer(
        self,
        y_mean: float,
        amp: float,
        octaves: list[tuple[int, float]],
        top_c: Colour,
        bot_c: Colour,
        haze: float,
        depth: float,
        **kw: object,
    ) -> Layer:
        return self.ridge(y_mean, amp, octaves, top_c, bot_c, haze, **kw).layer(depth)  # type: ignore[arg-type]

    def sky(self) -> np.ndarray:
        W, H = self.W, self.H
        y = np.linspace(0, 1, H, dtype=np.float32)[:, None]
        t = y**0.8
        img = _mix(self.top, self.hor, t[..., None])
        img = np.broadcast_to(img, (H, W, 3)).copy()
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        L = self.light
        vis = 1.0 - 0.85 * self.cover  # clouds hide the sun
        if L.sun is not None:
            sx, sy, sr, sc = L.sun
            d = np.hypot(xx - sx * W, yy - sy * H) / (sr * H)
            disc = np.clip(1.5 - d, 0, 1)[..., None] * vis
            glow = (np.exp(-((d / 5.0) ** 2)) * 0.45 + np.exp(-d / 14.0) * 0.2)[..., None] * vis
            img = img + np.asarray(sc, np.float32) * glow
            img = _mix(img, np.asarray(sc, np.float32) * 1.05, disc)
        if L.stars > 0:
            n = int(W * H / 900 * L.stars * (1 - self.cover))
            ys = (self.rng.random(n) ** 1.4 * H * 0.75).astype(int)
            xs = self.rng.integers(0, W, n)
            b = self.rng.random(n) ** 3 * 200 * L.stars + 30
            np.add.at(img, (ys, xs), b[:, None] * np.array([0.9, 0.95, 1.0], np.float32))
        if L.moon is not None:
            mx, my, mr = L.moon
            d = np.hypot(xx - mx * W, yy - my * H) / (mr * H)
            d2 = np.hypot(xx - (mx + mr * 0.35 * H / W) * W, yy - (my - mr * 0.2) * H) / (mr * H)
            disc = (np.clip(1.5 - d, 0, 1) * (0.35 + 0.65 * np.clip(d2 - 0.6, 0, 1)))[..., None] * vis
            img = (
                img
                + np.array([200, 205, 225], np.float32) * np.exp(-((d / 4.0) ** 2))[..., None] * 0.15 * vis
            )
            img = _mix(img, np.array([236, 236, 222], np.float32), disc)
        return np.clip(img + 0.5, 0, 255).astype(np.uint8)

    def clouds(
        self, y_top: float, y_bot: float, count: int, depth: float, drift: float, scale: float = 1.0
    ) -> Layer | None:
        """Soft cumulus blobs: stacked blurred ellipses, lit from above, coloured by the sky."""
        import cv2

        if count <= 0:
            return None
        W, P, H = self.W, self.P, self.H
        y0, y1 = max(0, int(y_top)), min(H, int(y_bot))
        h = y1 - y0
        if h < 8:
            return None
        alpha = np.zeros((h, P), np.float32)
        shade = np.zeros((h, P), np.float32)
        for _ in range(count):
            cx = self.rng.uniform(0, P)
            cy = self.rng.uniform(0.3, 0.8) * h
            w = self.rng.uniform(0.08, 0.2) * W * scale
            for _k in range(7):
                ox, oy = self.rng.normal(0, w * 0.35), self.rng.normal(0, w * 0.08)
                r = self.rng.uniform(0.25, 0.5) * w
                for dx in (-P, 0, P):  # wrap so the layer tiles
                    c = (int(cx + ox + dx), int(cy + oy))
                    cv2.ellipse(alpha, c, (int(r), int(r * 0.55)), 0, 0, 360, 1.0, -1, cv2.LINE_AA)
                    cv2.ellipse(
                        shade,
                        (c[0], c[1] - int(r * 0.25)),
                        (int(r * 0.8), int(r * 0.35)),
                        0,
                        0,
                        360,
                        1.0,
                        -1,
                        cv2.LINE_AA,
                    )
        k = max(1.0, W * 0.006 * scale)
        alpha = np.asarray(cv2.GaussianBlur(alpha, (0, 0), k), np.float32)
        shade = np.asarray(cv2.GaussianBlur(shade, (0, 0), k * 2), np.float32)
        dark = self.weather in ("rain", "storm")
        base = _mix(self.hor, (255, 255, 255), 0.25 if not dark else 0.0) * (0.55 if dark else 1.0)
        hi = _mix(self.hor, (255, 252, 245), 0.6) * (self.tint.mean() ** 0.5 if self.light.stars > 0.4 else 1)
        if dark:  # storm clouds: lit tops stay grey
            hi = base * 1.35
        rgb = _mix(base * 0.82, hi, np.clip(shade, 0, 1)[..., None])
        return _tile(rgb, np.clip(alpha * 0.92, 0, 1), y0, depth, drift=drift)


def _ground(p: _Painter, y0: int, top: RGBf, bot: RGBf, texture: float = 0.0, stripes: int = 0) -> np.ndarray:
    """An opaque ground strip (rows y0..H, P wide) with a vertical gradient and optional noise texture."""
    import cv2

    H, P = p.H, p.P
    h = H - y0
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    rgb = _mix(p.lit(top, 0.12), p.lit(bot, 0.0), t)
    rgb = np.broadcast_to(rgb, (h, P, 3)).copy()
    if texture > 0:
        n = p.rng.normal(0, 1, (max(2, h // 2), P // 4)).astype(np.float32)
        n = np.asarray(cv2.resize(n, (P, h), interpolation=cv2.INTER_LINEAR), np.float32)
        n[:, -8:] = n[:, :8][:, ::-1]  # soften the wrap seam
        rgb *= (1 + texture * n)[..., None]
    if stripes:
        yy = np.arange(h, dtype=np.float32)[:, None]
        rgb *= (1 + 0.05 * np.sin(yy**1.3 * stripes / max(1, h) * 6.0))[..., None]
    return rgb


def _road(p: _Painter, y_top: int) -> Layer:
    """Verge, kerb, asphalt with a dashed centre line and a far-side verge, from y_top to the bottom."""
    H, P = p.H, p.P
    rgb = _ground(p, y_top, (92, 132, 70), (70, 110, 55), texture=0.05)
    h = H - y_top
    r0, r1 = int(h * 0.22), int(h * 0.9)
    rgb[r0:r1] = _mix(
        p.lit((74, 74, 80), 0.05),
        p.lit((52, 52, 58), 0.0),
        np.linspace(0, 1, r1 - r0, dtype=np.float32)[:, None, None],
    )
    rgb[r0 : r0 + max(1, h // 40)] = p.lit((200, 200, 196), 0.05)
    rgb[r1 - max(1, h // 40) : r1] = p.lit((200, 200, 196), 0.0)
    lane = int((r0 + r1) * 0.5)
    lw = max(1, h // 50)
    dash = P // 16
    for x in range(0, P, dash):
        rgb[lane - lw : lane + lw, x : x + dash // 2] = p.lit((236, 228, 200), 0.0)
    return _tile(rgb, None, y_top, 1.0)


# -- sheets: layers while they are painted --------------------------------------------------------------------
Col = tuple[float, float, float]


def _c(c: np.ndarray | RGBf) -> Col:
    a = np.asarray(c, np.float32)
    return (float(a[0]), float(a[1]), float(a[2]))


class Sheet:
    """A layer being painted: float RGB (h, P, 3) 0-255 and coverage (h, P) 0..1 for frame rows y0..H.
    Drawing takes frame coordinates and wraps at the period P, so the finished layer tiles."""

    def __init__(
        self, p: _Painter, y0: int, rgb: np.ndarray | None = None, a: np.ndarray | None = None
    ) -> None:
        self.p, self.y0, self.P = p, y0, p.P
        h = p.H - y0
        self.rgb = (
            np.zeros((h, self.P, 3), np.float32) if rgb is None else np.ascontiguousarray(rgb, np.float32)
        )
        self.a = np.zeros((h, self.P), np.float32) if a is None else np.ascontiguousarray(a, np.float32)

    def _xs(self, x: float) -> tuple[float, ...]:
        return (x - self.P, x, x + self.P)

    def poly(self, pts: list[tuple[float, float]], c: np.ndarray | RGBf) -> None:
        import cv2

        for dx in (-self.P, 0, self.P):
            q = np.array([[(x + dx) * 4, (y - self.y0) * 4] for x, y in pts], np.int32)  # 2 bits of subpixel
            cv2.fillPoly(self.rgb, [q], _c(c), cv2.LINE_AA, 2)
            cv2.fillPoly(self.a, [q], 1.0, cv2.LINE_AA, 2)

    def rect(self, x0: float, y0: float, x1: float, y1: float, c: np.ndarray | RGBf) -> None:
        self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], c)

    def circle(self, cx: float, cy: float, r: float, c: np.ndarray | RGBf, thick: int = -1) -> None:
        self.ellipse(cx, cy, r, r, c, thick)

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        c: np.ndarray | RGBf,
        thick: int = -1,
        a0: float = 0,
        a1: float = 360,
    ) -> None:
        import cv2

        for x in self._xs(cx):
            ctr, ax = (
                (round(x * 4), round((cy - self.y0) * 4)),
                (max(1, round(rx * 4)), max(1, round(ry * 4))),
            )
            cv2.ellipse(self.rgb, ctr, ax, 0, a0, a1, _c(c), thick * 4 if thick > 0 else -1, cv2.LINE_AA, 2)
            cv2.ellipse(self.a, ctr, ax, 0, a0, a1, 1.0, thick * 4 if thick > 0 else -1, cv2.LINE_AA, 2)

    def line(self, x0: float, y0: float, x1: float, y1: float, w: float, c: np.ndarray | RGBf) -> None:
        import cv2

        for dx in (-self.P, 0, self.P):
            a, b = (
                (round((x0 + dx) * 4), round((y0 - self.y0) * 4)),
                (round((x1 + dx) * 4), round((y1 - self.y0) * 4)),
            )
            cv2.line(self.rgb, a, b, _c(c), max(1, round(w)), cv2.LINE_AA, 2)
            cv2.line(self.a, a, b, 1.0, max(1, round(w)), cv2.LINE_AA, 2)

    def stamp(self, rgba: np.ndarray, cx: float, bottom: float) -> None:
        """Composite a premultiplied RGBA uint8 sprite (h, w, 4) with its bottom centre at (cx, bottom)."""
        h, w = rgba.shape[:2]
        top = round(bottom) - h - self.y0
        src = rgba.astype(np.float32)
        for x in self._xs(cx - w / 2):
            x0 = round(x)
            xa, ya, xb, yb = max(0, x0), max(0, top), min(self.P, x0 + w), min(self.rgb.shape[0], top + h)
            if xa >= xb or ya >= yb:
                continue
            s = src[ya - top : yb - top, xa - x0 : xb - x0]
            sa = s[..., 3:] / 255.0
            self.rgb[ya:yb, xa:xb] = self.rgb[ya:yb, xa:xb] * (1 - sa) + s[..., :3]
            self.a[ya:yb, xa:xb] = self.a[ya:yb, xa:xb] * (1 - sa[..., 0]) + sa[..., 0]

    def top_row(self, x: float) -> float:
        """Frame row of the first solid pixel in column x (the ridge line: where props stand)."""
        col = self.a[:, int(x) % self.P]
        return float(self.y0 + int(np.argmax(col > 0.5)))

    def layer(self, depth: float, **kw: object) -> Layer:
        """The finished layer, cropped to the rows that hold paint (fewer rows to blend per frame)."""
        used = np.flatnonzero((self.a > 0.002).any(axis=1))
        r0, r1 = (int(used[0]), int(used[-1]) + 1) if len(used) else (0, 1)
        a = self.a[r0:r1]
        return _tile(self.rgb[r0:r1], None if bool((a >= 0.999).all()) else a, self.y0 + r0, depth, **kw)


def _prem(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """(h, w, 4) uint8 premultiplied from straight float rgb (h, w, 3) 0-255 and alpha (h, w) 0..1."""
    a = np.clip(alpha, 0, 1)[..., None]
    return np.clip(np.concatenate([rgb * a, a * 255], axis=2) + 0.5, 0, 255).astype(np.uint8)


def _piece(
    p: _Painter,
    text: str,
    height: int,
    colour: np.ndarray | RGBf,
    icon: str | None = None,
    shape: str | None = None,
) -> np.ndarray | None:
    """A set piece as a premultiplied RGBA sprite, recorded in p.pieces: the icon library's silhouette
    (`icon` = "set:name", tinted `colour`) when it is installed, else the animatic's own coloured shape."""
    if icon is not None:
        from moviefactory.errors import InputError
        from moviefactory.picture.animatic.icons import IconLibrary

        ic_set, ic_name = icon.split(":", 1)
        cc = _c(colour)
        try:
            rgba = IconLibrary.load().raster(
                ic_set, ic_name, max(4, height), (int(cc[0]), int(cc[1]), int(cc[2]))
            )
        except (InputError, OSError):  # the icon (or its data) is missing: the procedural piece stands in
            rgba = None
        if rgba is not None:
            p.pieces.append((text, icon))
            return _prem(rgba[..., :3].astype(np.float32), rgba[..., 3].astype(np.float32) / 255.0)
    if shape is not None:
        from moviefactory.picture.animatic.shapes import rasterise

        body = tuple(int(min(255, v)) for v in _c(colour))
        sp = rasterise(shape, body, max(4, height), 0, 0, False)  # type: ignore[arg-type]
        p.pieces.append((text, f"set:{text}"))
        ys, xs = np.nonzero(sp.rgba[..., 3] > 8)  # crop the sprite's margin: pieces stand on their base
        return sp.rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] if len(ys) else sp.rgba
    return None


def _props(
    p: _Painter,
    sh: Sheet,
    kind: str,
    n: int,
    hmin: float,
    hmax: float,
    c: np.ndarray | RGBf,
    regular: bool = False,
) -> None:
    """Trees and other flat props standing on a sheet's ridge line: kind pine | round | cactus | palm |
    acacia | bamboo | reed | corn | hedge | flower | post."""
    rng, H = p.rng, p.H
    for i in range(n):
        x = (i + rng.uniform(0, 0.6)) / n * sh.P if regular else rng.uniform(0, sh.P)
        h = H * rng.uniform(hmin, hmax)
        b = sh.top_row(x) + max(2.0, h * 0.06)
        if kind == "pine":
            sh.poly([(x - h * 0.22, b), (x, b - h), (x + h * 0.22, b)], c)
        elif kind == "round":
            sh.rect(x - h * 0.05, b - h * 0.5, x + h * 0.05, b, _mix(c, (60, 40, 20), 0.5))
            sh.circle(x, b - h * 0.62, h * 0.36, c)
        elif kind == "cactus":
            w = max(2.0, h * 0.12)
            sh.rect(x - w / 2, b - h, x + w / 2, b, c)
            sh.rect(x - h * 0.3, b - h * 0.65, x - h * 0.3 + w, b - h * 0.35, c)
            sh.rect(x - h * 0.3, b - h * 0.4, x, b - h * 0.4 + w, c)
        elif kind == "palm":
            lean = rng.uniform(-0.25, 0.25) * h
            sh.line(x, b, x + lean, b - h, max(2, h * 0.06), _mix(c, (90, 60, 30), 0.6))
            for k in range(7):
                ang = math.pi * (0.1 + 0.8 * k / 6)
                sh.line(
                    x + lean,
                    b - h,
                    x + lean - math.cos(ang) * h * 0.45,
                    b - h + h * 0.22 - math.sin(ang) * h * 0.05 * (1 if k % 2 else -1),
                    max(2, h * 0.05),
                    c,
                )
        elif kind == "acacia":
            sh.line(x, b, x + h * 0.08, b - h * 0.7, max(2, h * 0.05), _mix(c, (70, 50, 30), 0.6))
            sh.line(
                x + h * 0.05,
                b - h * 0.45,
                x - h * 0.2,
                b - h * 0.72,
                max(1, h * 0.03),
                _mix(c, (70, 50, 30), 0.6),
            )
            sh.ellipse(x, b - h * 0.78, h * 0.55, h * 0.1, c)
            sh.ellipse(x - h * 0.2, b - h * 0.84, h * 0.3, h * 0.07, c)
        elif kind in ("bamboo", "reed", "corn"):
            w = max(1.5, h * (0.03 if kind == "bamboo" else 0.02))
            sh.line(x, b, x + rng.uniform(-0.03, 0.03) * h, b - h, w, c)
            if kind == "bamboo":  # nodes, and a few leaves near the top
                dark = _mix(c, (0, 0, 0), 0.35)
                for yy in np.arange(b - h * 0.12, b - h, -h * 0.12):
                    sh.line(x - w, yy, x + w, yy, 1, dark)
                for _ in range(3):
                    yy = b - h * rng.uniform(0.6, 0.95)
                    sh.line(x, yy, x + rng.choice([-1, 1]) * h * 0.12, yy + h * 0.04, max(1, w * 0.8), c)
            elif kind == "corn":
                for yy in np.arange(b - h * 0.2, b - h * 0.9, -h * 0.18):
                    s_ = rng.choice([-1, 1])
                    sh.line(x, yy, x + s_ * h * 0.18, yy + h * 0.08, max(1, w), c)
                sh.ellipse(x + w, b - h * 0.55, w * 1.2, h * 0.07, (220, 190, 80))
        elif kind == "hedge":
            for k in range(4):
                sh.circle(x + (k - 1.5) * h * 0.3, b - h * 0.35 - (k % 2) * h * 0.1, h * 0.32, c)
        elif kind == "flower":
            sh.line(x, b, x, b - h, 1, (60, 120, 50))
            fc = ((230, 70, 90), (250, 210, 60), (240, 240, 240), (170, 90, 210), (250, 140, 40))[i % 5]
            sh.circle(x, b - h, max(1.5, h * 0.22), p.lit(fc, 0.05))
        elif kind == "post":
            sh.rect(x - h * 0.04, b - h, x + h * 0.04, b, c)


def _ground_layer(
    p: _Painter, y0: int, top: RGBf, bot: RGBf, texture: float = 0.06, stripes: int = 6
) -> Layer:
    return _tile(_ground(p, y0, top, bot, texture=texture, stripes=stripes), None, y0, 1.0)


# -- painters: one per set. Each returns the set's layers, back to front, and may set p.backdrop -------------
def _sky_layers(p: _Painter) -> list[Layer]:
    """What every outdoor set has above its horizon: clouds (when the weather has them) and the aurora."""
    out: list[Layer] = []
    if "aurora" in p.fx and p.night:
        out.append(_aurora(p))
    if "clouds" in p.fx:
        n = int(2 + 14 * p.cover)
        cl = p.clouds(0, p.H * 0.6, n, 0.06, 6.0 + (20.0 if p.weather == "wind" else 0.0), 1.0 + p.cover)
        if cl is not None:
            out.append(cl)
    return out


def _aurora(p: _Painter) -> Layer:
    """Curtains of green-violet light across the upper sky, drifting slowly (a layer with its own drift)."""
    H, P = p.H, p.P
    rows = np.arange(int(H * 0.5), dtype=np.float32)[:, None]
    base = H * 0.34 + _periodic(P, p.rng, [(2, 1.0), (5, 0.5), (11, 0.2)]) * H * 0.06  # the bright lower hem
    rays = 0.55 + 0.45 * np.sin(_periodic(P, p.rng, [(37, 1.0), (61, 0.6)]) * 3)
    d = base[None, :] - rows  # height above the hem, pixels
    hem = np.clip(d / (H * 0.015) + 1, 0, 1)  # soft lower edge
    a = np.clip(np.exp(-np.maximum(d, 0) / (H * 0.12)) * hem * rays[None, :], 0, 1) * 0.6
    t = np.clip(d / (H * 0.25), 0, 1)[..., None]
    rgb = _mix((90, 255, 170), (150, 90, 220), t)  # green at the hem, violet above
    return _tile(np.broadcast_to(rgb, (*a.shape, 3)).copy(), a, 0, 0.03, drift=4.0)


def _land(
    p: _Painter,
    far: tuple[RGBf, float] | None,
    mid: tuple[RGBf, str, int] | None,
    ground: tuple[RGBf, RGBf],
    sharp: bool = False,
    snow: float | None = None,
    mid_haze: float = 0.15,
    sky: bool = True,
) -> list[Layer]:
    """The common countryside: far ridge (colour, amplitude as a fraction of H), a mid ridge with props
    (colour, prop kind, count) and an opaque ground strip from 0.74 H."""
    H = p.H
    out = _sky_layers(p) if sky else []
    if far is not None:
        out.append(
            p.ridge_layer(
                H * (0.4 if sharp else 0.55),
                H * far[1],
                [(3, 1), (7, 0.5), (17, 0.25)],
                far[0],
                _mix(far[0], (0, 0, 0), 0.15),
                0.45,
                0.1,
                sharp=sharp,
                snowcap=snow,
            )
        )
    if mid is not None:
        col, kind, n = mid
        sh = p.ridge(
            H * 0.65,
            H * 0.04,
            [(3, 1), (8, 0.3)],
            col,
            _mix(col, (0, 0, 0), 0.15),
            mid_haze,
            headroom=H * 0.4,
        )
        if kind:
            tall = {"pine": (0.12, 0.35), "bamboo": (0.5, 0.66), "acacia": (0.12, 0.22), "palm": (0.15, 0.3)}
            lo, hi = tall.get(kind, (0.08, 0.16))
            _props(
                p, sh, kind, n, lo, hi, p.lit(_mix(col, (0, 0, 0), 0.25), mid_haze), regular=kind == "bamboo"
            )
        out.append(sh.layer(0.4))
    out.append(_ground_layer(p, int(H * 0.74), ground[0], ground[1]))
    return out


def _meadow(p: _Painter) -> list[Layer]:
    return _land(p, ((100, 140, 110), 0.05), ((90, 150, 70), "round", 8), ((96, 150, 70), (70, 124, 56)))


def _forest(p: _Painter) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    far = p.ridge(H * 0.5, H * 0.04, [(2, 1)], (60, 100, 80), (50, 90, 70), 0.45, headroom=H * 0.25)
    _props(p, far, "pine", 40, 0.08, 0.24, p.lit((60, 100, 80), 0.45), regular=True)
    mid = p.ridge(H * 0.64, H * 0.03, [(3, 1)], (40, 80, 50), (30, 70, 40), 0.15, headroom=H * 0.43)
    _props(p, mid, "pine", 20, 0.16, 0.42, p.lit((36, 76, 48), 0.15), regular=True)
    return [
        *out,
        far.layer(0.15),
        mid.layer(0.4),
        _ground_layer(p, int(H * 0.74), (64, 96, 50), (46, 76, 40)),
    ]


def _bamboo(p: _Painter) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    for depth, col, n, haze in ((0.15, (120, 160, 110), 60, 0.5), (0.4, (70, 130, 60), 34, 0.2)):
        sh = p.ridge(
            H * (0.62 if depth < 0.3 else 0.7),
            H * 0.02,
            [(3, 1)],
            _mix(col, (60, 50, 30), 0.5),
            _mix(col, (40, 30, 20), 0.5),
            haze,
            headroom=H * 0.7,
        )
        for i in range(n):
            x = (i + p.rng.uniform(0, 0.8)) / n * p.P
            b = sh.top_row(x) + 3
            w = max(2.0, H * (0.012 if depth < 0.3 else 0.022))
            c = p.lit(_mix(col, (200, 210, 120), p.rng.uniform(0, 0.3)), haze)
            sh.line(x, b, x + p.rng.uniform(-0.02, 0.02) * H, sh.y0 - 2, w, c)
            for yy in np.arange(b - H * 0.1, sh.y0, -H * 0.1):
                sh.line(x - w * 0.7, yy, x + w * 0.7, yy, max(1, w * 0.3), _mix(c, (0, 0, 0), 0.3))
            for _ in range(4):  # leaves
                yy = p.rng.uniform(sh.y0, max(sh.y0 + 1.0, b - H * 0.2))
                sgn = p.rng.choice([-1, 1])
                sh.line(
                    x, yy, x + sgn * H * 0.07, yy + H * 0.03, max(1.5, w * 0.6), _mix(c, (40, 90, 30), 0.4)
                )
        out.append(sh.layer(depth))
    p.pieces.append(("bamboo", "set:bamboo"))
    return [*out, _ground_layer(p, int(H * 0.76), (86, 110, 56), (60, 84, 40))]


def _savanna(p: _Painter) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    out.append(
        p.ridge_layer(H * 0.58, H * 0.04, [(1, 1), (3, 0.4)], (150, 140, 150), (140, 130, 140), 0.5, 0.08)
    )
    mid = p.ridge(H * 0.66, H * 0.015, [(2, 1)], (200, 170, 90), (190, 150, 80), 0.2, headroom=H * 0.25)
    _props(p, mid, "acacia", 6, 0.13, 0.22, p.lit((60, 70, 40), 0.2))
    p.pieces.append(("acacia", "set:acacia"))
    out.append(mid.layer(0.35))
    return [*out, _ground_layer(p, int(H * 0.74), (214, 180, 100), (180, 146, 76), texture=0.08)]


def _desert(p: _Painter) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    out.append(
        p.ridge_layer(H * 0.54, H * 0.08, [(2, 1), (6, 0.3)], (200, 140, 100), (180, 120, 90), 0.45, 0.12)
    )
    mid = p.ridge(
        H * 0.65, H * 0.05, [(3, 1), (7, 0.3)], (226, 186, 124), (206, 160, 104), 0.15, headroom=H * 0.13
    )
    _props(p, mid, "cactus", 5, 0.06, 0.12, p.lit((70, 110, 60), 0.15))
    out.append(mid.layer(0.4))
    out.append(_dune_ground(p))
    return out


def _dune_ground(p: _Painter) -> Layer:
    """Sand with wind ripples and a dune crest shading (opaque from 0.74 H)."""
    y0 = int(p.H * 0.74)
    g = _ground(p, y0, (232, 196, 136), (214, 176, 118), texture=0.04)
    yy, xx = np.mgrid[0 : p.H - y0, 0 : p.P].astype(np.float32)
    g *= (1 + 0.06 * np.sin(xx / p.P * 2 * np.pi * 40 + yy * 0.9 + 3 * np.sin(xx / p.P * 2 * np.pi * 3)))[
        ..., None
    ]
    return _tile(g, None, y0, 1.0)


def _mountain(p: _Painter, snowy: bool = False) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    out.append(
        p.ridge_layer(
            H * 0.36,
            H * 0.2,
            [(3, 1), (7, 0.5), (17, 0.25), (37, 0.1)],
            (140, 140, 160),
            (110, 115, 135),
            0.5,
            0.1,
            sharp=True,
            snowcap=0.55 if snowy else 0.3,
        )
    )
    mid = p.ridge(H * 0.55, H * 0.1, [(4, 1), (11, 0.4), (29, 0.15)], (210, 216, 230) if snowy else (95, 100, 90),
                  (180, 188, 204) if snowy else (70, 80, 66), 0.25, sharp=True, headroom=H * 0.12)  # fmt: skip
    if snowy:
        _props(p, mid, "pine", 18, 0.06, 0.14, p.lit((40, 70, 60), 0.25))
    out.append(mid.layer(0.3))
    g = ((242, 246, 252), (220, 228, 240)) if snowy else ((110, 130, 80), (90, 110, 64))
    return [*out, _ground_layer(p, int(H * 0.74), *g)]


def _houses(p: _Painter, sh: Sheet, n: int, hmin: float, hmax: float, snowy: bool = False) -> None:
    """A row of little houses (the animatic's house shape) standing on a sheet's ridge line."""
    cols = ((200, 120, 90), (220, 200, 160), (170, 90, 70), (230, 220, 200), (150, 110, 80))
    for i in range(n):
        x = (i + p.rng.uniform(0.1, 0.7)) / n * sh.P
        h = int(p.H * p.rng.uniform(hmin, hmax))
        spr = _piece(p, "house", h, p.lit(cols[i % len(cols)], 0.2), shape="house")
        if spr is not None:
            sh.stamp(spr, x, sh.top_row(x) + h * 0.06)
            if snowy:
                sh.ellipse(x, sh.top_row(x) + h * 0.05, h * 0.55, h * 0.06, p.lit((245, 248, 252), 0.2))
    p.pieces[:] = list(dict.fromkeys(p.pieces))


def _village(p: _Painter, snowy: bool = False) -> list[Layer]:
    H = p.H
    out = _mountain(p, snowy=True)[:-2] if snowy else _sky_layers(p)
    if not snowy:
        out.append(
            p.ridge_layer(H * 0.55, H * 0.05, [(2, 1), (5, 0.4)], (100, 140, 110), (90, 130, 100), 0.45, 0.12)
        )
    col = (226, 232, 242) if snowy else (90, 150, 70)
    mid = p.ridge(
        H * 0.64, H * 0.025, [(2, 1), (5, 0.3)], col, _mix(col, (0, 0, 0), 0.1), 0.15, headroom=H * 0.3
    )
    _props(p, mid, "pine" if snowy else "round", 10, 0.08, 0.16, p.lit((40, 80, 50), 0.15))
    _houses(p, mid, 7, 0.12, 0.2, snowy=snowy)
    out.append(mid.layer(0.4))
    g = ((242, 246, 252), (220, 228, 240)) if snowy else ((96, 150, 70), (70, 124, 56))
    return [*out, _ground_layer(p, int(H * 0.74), *g)]


def _arctic(p: _Painter) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    out.append(
        p.ridge_layer(
            H * 0.5,
            H * 0.1,
            [(3, 1), (8, 0.5), (19, 0.2)],
            (200, 210, 228),
            (180, 190, 210),
            0.5,
            0.1,
            sharp=True,
            snowcap=0.6,
        )
    )
    mid = p.ridge(H * 0.64, H * 0.01, [(3, 1)], (150, 190, 215), (130, 170, 200), 0.2, headroom=H * 0.2)
    for i in range(5):  # icebergs: faceted blue-white blocks on a dark strip of open water
        x, w, h = (
            (i + p.rng.uniform(0, 0.5)) / 5 * p.P,
            p.W * p.rng.uniform(0.06, 0.14),
            H * p.rng.uniform(0.06, 0.15),
        )
        b = mid.top_row(x) + 2
        mid.poly(
            [
                (x - w / 2, b),
                (x - w * 0.3, b - h * 0.7),
                (x - w * 0.05, b - h),
                (x + w * 0.25, b - h * 0.8),
                (x + w / 2, b),
            ],
            p.lit((230, 240, 250), 0.15),
        )
        mid.poly(
            [(x - w * 0.05, b - h), (x + w * 0.25, b - h * 0.8), (x + w / 2, b), (x + w * 0.05, b)],
            p.lit((170, 200, 230), 0.15),
        )
    p.pieces.append(("iceberg", "set:iceberg"))
    out.append(mid.layer(0.35))
    return [*out, _ground_layer(p, int(H * 0.74), (244, 248, 254), (214, 226, 242), texture=0.03, stripes=0)]


# -- water -------------------------------------------------------------------------------------------------
def _rock_piece(
    p: _Painter, cx: float, base: float, w: float, h: float, depth: float, lighthouse: bool
) -> Layer:
    """Dark rocks standing in the water, optionally with a lighthouse on top (and its lamp's glow)."""
    sh = Sheet(p, 0)
    rock = p.lit((70, 66, 62), 0.2)
    pts = [(cx - w / 2, base)]
    for k in range(1, 8):
        pts.append(
            (
                cx - w / 2 + w * k / 8,
                base - h * (0.55 + 0.45 * math.sin(math.pi * k / 8)) * p.rng.uniform(0.8, 1),
            )
        )
    pts.append((cx + w / 2, base))
    sh.poly(pts, rock)
    sh.poly(
        [(cx - w * 0.2, base - h * 0.9), (cx + w * 0.05, base - h), (cx + w * 0.1, base - h * 0.4)],
        _mix(rock, (255, 255, 255), 0.12),
    )
    if lighthouse:
        lh = int(p.H * 0.36)
        spr = _piece(p, "lighthouse", lh, p.lit((200, 40, 40), 0.1), shape="lighthouse")
        if spr is not None:
            top = base - h * 0.9
            sh.stamp(spr, cx, top + 2)
            p.anchors["lamp"] = (cx, top + 2 - spr.shape[0] * 0.8)
    return sh.layer(depth)


def _sea(p: _Painter) -> list[Layer]:
    H, W = p.H, p.W
    hz = int(H * 0.5)
    out = _sky_layers(p)
    out.append(_sea_layer(p, hz, H, storm=p.weather in ("storm", "wind")))
    lighthouse = "beam" in p.fx or not p.words.strip()  # asked for, or the set's default look
    out.append(_rock_piece(p, W * 0.74, H * 0.66, W * 0.3, H * 0.1, 0.25, lighthouse=lighthouse))
    out.append(_rock_piece(p, W * 1.35, H * 0.6, W * 0.1, H * 0.04, 0.2, lighthouse=False))
    p.pieces.append(("rocks", "set:rocks"))
    return out


def _coast(p: _Painter, road: bool = False) -> list[Layer]:
    H = p.H
    hz = int(H * 0.6)
    out = _sky_layers(p)
    out.append(
        p.ridge_layer(H * 0.54, H * 0.07, [(1, 1), (4, 0.3)], (90, 110, 110), (80, 100, 100), 0.45, 0.1)
    )
    sea_bot = int(H * (0.82 if not road else 0.76))
    out.append(_sea_layer(p, hz - int(H * 0.02), sea_bot, storm=p.weather in ("storm", "wind")))
    out.append(_tile(_ground(p, sea_bot, (226, 206, 160), (200, 180, 130), texture=0.05), None, sea_bot, 1.0))
    return out


def _beach(p: _Painter) -> list[Layer]:
    """Sea to 0.7 H, then wet sand with a foam tide line that slides back and forth, dry sand below."""
    H = p.H
    out = _sky_layers(p)
    out.append(
        p.ridge_layer(H * 0.5, H * 0.05, [(1, 1), (3, 0.3)], (110, 130, 120), (100, 120, 110), 0.5, 0.08)
    )
    out.append(_sea_layer(p, int(H * 0.52), int(H * 0.7), storm=p.weather in ("storm", "wind")))
    y0 = int(H * 0.7)
    sand = _ground(p, y0, (200, 176, 130), (236, 214, 170), texture=0.04, stripes=0)
    prof = (H * 0.78 - y0) + _periodic(p.P, p.rng, [(3, 1), (7, 0.4)]) * H * 0.02  # tide line, rows below y0
    rows = np.arange(H - y0, dtype=np.float32)[:, None]
    wet = np.clip((prof[None, :] - rows) / (H * 0.05), 0, 1)[..., None]
    sand = _mix(sand, sand * 0.72, wet)
    foam = np.exp(-(((rows - prof[None, :]) / max(1.0, H * 0.006)) ** 2))[..., None]
    sand = _mix(sand, p.lit((250, 250, 246), 0.05), foam * 0.9)
    out.append(_tile(sand, None, y0, 1.0))
    p.pieces.append(("tide line", "set:tide-line"))
    return out


def _sea_layer(p: _Painter, y_top: int, y_bot: int, storm: bool = False) -> Layer:
    """Open water with wave highlights and crests; horizontal bands drift at different speeds, so it moves."""
    import cv2

    P = p.P
    h = y_bot - y_top
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None] ** 0.7
    far = _mix(p.lit((70, 130, 172), 0.35), p.hor, 0.25)
    deep = (30, 60, 80) if storm else (22, 78, 128)
    rgb = np.broadcast_to(_mix(far, p.lit(deep, 0.0), t), (h, P, 3)).copy()
    hl = np.zeros((h, P), np.float32)
    n = int(P * h / (40 if storm else 60))
    ys = (p.rng.random(n) ** 1.6 * h).astype(int)
    xs = p.rng.integers(0, P, n)
    for y, x in zip(ys, xs, strict=True):
        ln = int(2 + 10 * (y / h) + p.rng.integers(0, 6))
        cv2.line(hl, (int(x), int(y)), (int(x) + ln, int(y)), float(p.rng.uniform(0.3, 1.0)), 1, cv2.LINE_AA)
    glint = _mix(p.hor, (255, 255, 255), 0.5) * float(min(1.0, p.tint.mean() + 0.3))
    if storm:  # whitecaps: brighter, longer crests
        glint = np.asarray(p.lit((235, 240, 240), 0.1))
        hl = cv2.GaussianBlur(hl, (0, 0), 1.0) * 1.6
    rgb = _mix(rgb, glint, (np.clip(hl, 0, 1) * (0.8 if storm else 0.6))[..., None])
    layer = _tile(rgb, None, y_top, 0.7)
    nb = 8  # bands: nearer rows drift faster (perspective)
    edges = np.linspace(0, h, nb + 1).astype(int)
    sp = 2.0 if storm else 1.0
    layer.bands = [
        (int(edges[i]), int(edges[i + 1]), (1 if i % 2 else -1) * (6 + 30 * i / nb) * sp) for i in range(nb)
    ]
    return layer


def _mound(
    p: _Painter,
    cx: float,
    half_w: float,
    top: float,
    base: float,
    c: RGBf,
    haze: float,
    sheet_top: float | None = None,
) -> Sheet:
    """An island: a smooth bump from `base` (the waterline row) up to `top`, `half_w` wide each side, on a
    sheet starting at row `sheet_top` (default: just above the bump)."""
    sh = Sheet(p, max(0, int(top if sheet_top is None else sheet_top) - 2))
    pts = [
        (cx + half_w * u, base - (base - top) * (1 - u * u) ** 0.6 * (1 + 0.04 * math.sin(u * 17)))
        for u in np.linspace(-1, 1, 40)
    ]
    sh.poly([*pts, (cx + half_w, base + 2), (cx - half_w, base + 2)], p.lit(c, haze))
    sh.poly(
        [
            (cx - half_w, base - 1),
            (cx + half_w, base - 1),
            (cx + half_w * 1.04, base + 2),
            (cx - half_w * 1.04, base + 2),
        ],
        p.lit((226, 206, 160), haze),
    )
    return sh


def _island(p: _Painter) -> list[Layer]:
    H, W = p.H, p.W
    out = _sky_layers(p)
    out.append(_sea_layer(p, int(H * 0.55), H))
    isl = _mound(p, W * 0.5, W * 0.34, H * 0.5, H * 0.72, (70, 130, 60), 0.15, sheet_top=H * 0.12)
    for k in range(6):
        x = W * (0.22 + 0.11 * k + p.rng.uniform(-0.03, 0.03))
        h = int(H * (0.24, 0.3)[k % 2])  # two sizes: each size is one icon rasterisation (cached)
        spr = _piece(p, "palm tree", h, p.lit((40, 90, 40), 0.1), icon="game-icons:palm-tree")
        if spr is not None:
            isl.stamp(spr, x, isl.top_row(x) + h * 0.06)
        else:
            _props(p, isl, "palm", 1, 0.16, 0.24, p.lit((40, 100, 40), 0.1))
            p.pieces.append(("palm tree", "set:palm-tree"))
    p.pieces[:] = list(dict.fromkeys(p.pieces))
    out.append(isl.layer(0.3))
    return out


def _volcano(p: _Painter) -> list[Layer]:
    """A volcano cone on an island, lava runs down its flanks; the crater is an anchor for the lava effect."""
    H, W = p.H, p.W
    out = _sky_layers(p)
    out.append(_sea_layer(p, int(H * 0.6), H))
    cx, top, base = W * 0.55, H * 0.22, H * 0.68
    sh = _mound(p, cx, W * 0.45, H * 0.6, base, (60, 100, 50), 0.15, sheet_top=top - H * 0.05)
    rock, dark = p.lit((90, 80, 76), 0.15), p.lit((60, 52, 50), 0.1)
    sh.poly([(cx - W * 0.32, base), (cx - W * 0.05, top), (cx + W * 0.05, top), (cx + W * 0.32, base)], rock)
    sh.poly([(cx, top), (cx + W * 0.05, top), (cx + W * 0.32, base), (cx + W * 0.1, base)], dark)
    glow = (255, 110, 30)
    for k in range(4):  # lava runs: bright, unlit by the scene's light (they glow)
        x = cx + W * (k - 1.5) * 0.025
        pts = [(x, top)]
        for j in range(1, 7):
            pts.append(
                (x + (k - 1.5) * W * 0.03 * j + p.rng.normal(0, W * 0.006), top + (base - top) * j / 9)
            )
        for a_, b_ in itertools.pairwise(pts):
            sh.line(a_[0], a_[1], b_[0], b_[1], max(2, H * 0.012), glow)
    sh.ellipse(cx, top, W * 0.05, H * 0.015, (255, 200, 80))
    p.anchors["crater"] = (cx, top)
    p.pieces.append(("volcano", "set:volcano"))
    out.append(sh.layer(0.2))
    return out


def _lake(p: _Painter) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    out.append(
        p.ridge_layer(H * 0.45, H * 0.08, [(2, 1), (5, 0.4)], (100, 120, 130), (90, 110, 120), 0.5, 0.08)
    )
    far = p.ridge(H * 0.56, H * 0.02, [(3, 1)], (50, 90, 60), (40, 80, 50), 0.35, headroom=H * 0.12)
    _props(p, far, "pine", 50, 0.05, 0.11, p.lit((40, 80, 55), 0.35), regular=True)
    out.append(far.layer(0.15))
    water = _sea_layer(p, int(H * 0.6), int(H * 0.82))
    water.bands = [(r0, r1, v * 0.3) for r0, r1, v in water.bands]  # calm water
    out.append(water)
    shore = Sheet(p, int(H * 0.78))
    shore.rect(0, H * 0.82, p.P, H, p.lit((90, 120, 60), 0.0))
    for _ in range(60):
        x = p.rng.uniform(0, p.P)
        shore.line(
            x,
            H * 0.83,
            x + p.rng.uniform(-4, 4),
            H * p.rng.uniform(0.76, 0.8),
            1.5,
            p.lit((70, 100, 50), 0.0),
        )
    out.append(shore.layer(1.0))
    return out


def _underwater(p: _Painter) -> list[Layer]:
    H, W = p.H, p.W
    y = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
    dim = float(np.clip(p.tint.mean(), 0.25, 1.0))
    bd = np.broadcast_to(
        _mix(np.array([70, 170, 200], np.float32) * dim, np.array([8, 40, 80], np.float32) * dim, y**0.8),
        (H, W, 3),
    ).copy()
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    rays = np.zeros((H, W), np.float32)
    for _ in range(7):  # god rays: slanted soft bands fading with depth
        x0, wdt = p.rng.uniform(0, W), p.rng.uniform(0.02, 0.06) * W
        rays += np.exp(-(((xx - x0 - yy * 0.35) / wdt) ** 2)) * (1 - yy / H) ** 2
    p.backdrop = bd + rays[..., None] * np.array([60, 90, 90], np.float32) * dim
    out = [p.ridge_layer(H * 0.62, H * 0.12, [(2, 1), (5, 0.5), (11, 0.2)], (30, 70, 100), (20, 50, 80), 0.0, 0.2,
                         sharp=True)]  # fmt: skip
    kelp = p.ridge(H * 0.8, H * 0.05, [(3, 1), (9, 0.4)], (60, 110, 80), (40, 90, 70), 0.0, headroom=H * 0.36)
    _props(p, kelp, "pine", 14, 0.15, 0.35, np.array([30, 100, 70], np.float32) * dim)
    for _ in range(10):  # coral: round fans in warm colours
        x = p.rng.uniform(0, p.P)
        c = ((230, 110, 100), (240, 160, 80), (200, 90, 160))[int(p.rng.integers(0, 3))]
        kelp.circle(x, kelp.top_row(x), H * p.rng.uniform(0.02, 0.05), np.asarray(c, np.float32) * dim)
    p.pieces.append(("coral", "set:coral"))
    return [
        *out,
        kelp.layer(0.5),
        _tile(_ground(p, int(H * 0.88), (190, 170, 120), (140, 125, 90), 0.08), None, int(H * 0.88), 1.0),
    ]


# -- off the ground ------------------------------------------------------------------------------------------
def _starfield(p: _Painter) -> np.ndarray:
    """A black sky with stars and a faint nebula, (H, W, 3) float."""
    import cv2

    H, W = p.H, p.W
    sp = _Painter(W, H, Light((4, 4, 12), (14, 10, 30), (1, 1, 1), None, None, 1.0), "clear", p.rng)
    sky = sp.sky().astype(np.float32)
    neb = cv2.GaussianBlur(p.rng.normal(0, 1, (max(2, H // 8), max(2, W // 8))).astype(np.float32), (0, 0), 2)
    neb = cv2.resize(neb, (W, H))
    return np.clip(sky + np.clip(neb, 0, None)[..., None] * np.array([40, 14, 60], np.float32), 0, 255)


def _star_streams(p: _Painter) -> list[Layer]:
    out = []
    for depth, n, big in ((0.35, 60, 1.0), (0.8, 25, 2.0)):  # parallax star streams
        sh = Sheet(p, 0)
        for _ in range(n):
            sh.circle(p.rng.uniform(0, p.P), p.rng.uniform(0, p.H), big, (235, 235, 235))
        sh.a *= 0.9
        out.append(sh.layer(depth))
    return out


def _orbit(p: _Painter) -> list[Layer]:
    """Black space and the Earth's limb curving across the bottom: blue ocean, cloud swirls, a thin bright
    atmosphere; the night side shows city lights. No ground anywhere."""
    import cv2

    H, W, P = p.H, p.W, p.P
    p.backdrop = _starfield(p)
    R = W * 1.6  # Earth's radius in pixels: a gentle curve
    cy = H * 0.78 + R
    yy, xx = np.mgrid[0:H, 0:P].astype(np.float32)
    d = np.hypot(xx - P * 0.3, yy - cy)  # one centre per tile period, so the limb tiles (slow depth)
    d = np.minimum(d, np.hypot(xx - P * 0.3 - P, yy - cy))
    d = np.minimum(d, np.hypot(xx - P * 0.3 + P, yy - cy))
    inside = np.clip(R - d + 0.5, 0, 1)
    clouds = cv2.GaussianBlur(p.rng.random((max(2, H // 6), max(2, P // 12))).astype(np.float32), (0, 0), 1.2)
    clouds = np.clip((cv2.resize(clouds, (P, H)) - 0.5) * 4, 0, 1)
    day = 0.25 if p.night else 1.0
    ocean = _mix((20, 60, 140), (60, 120, 200), np.clip((R - d) / (H * 0.25), 0, 1)[..., None]) * day
    rgb = _mix(ocean, np.array([240, 244, 250], np.float32) * day, (clouds * 0.8)[..., None])
    if p.night:  # city lights on the night side
        lights = (p.rng.random((H, P)) > 0.995).astype(np.float32) * (1 - clouds)
        rgb = rgb + lights[..., None] * np.array([255, 200, 120], np.float32)
    atmo = np.exp(-(((d - R) / (H * 0.02)) ** 2))  # a thin glowing line over the limb
    rgb = _mix(rgb, np.array([140, 200, 255], np.float32) * (0.5 if p.night else 1.0), atmo[..., None] * 0.9)
    alpha = np.clip(inside + atmo * 0.85, 0, 1)
    r0 = int(max(0, (cy - R) - H * 0.1))
    p.pieces.append(("earth", "set:earth"))
    return [*_star_streams(p), _tile(rgb[r0:], alpha[r0:], r0, 0.03)]


def _space(p: _Painter) -> list[Layer]:
    """Deep space: a planet with a terminator and a ringed moon as far layers, star streams."""
    H, W, P = p.H, p.W, p.P
    p.backdrop = _starfield(p)
    out = []
    for depth, (cxf, cyf, rf, col, ring) in [
        (0.04, (0.72, 0.78, 0.42, (70, 110, 190), False)),
        (0.12, (0.2, 0.3, 0.1, (200, 150, 110), True)),
    ]:
        yy, xx = np.mgrid[0:H, 0:P].astype(np.float32)
        cx, cy, r = cxf * W, cyf * H, rf * H
        d = np.hypot(xx - cx, yy - cy)
        a = np.clip(r - d + 0.5, 0, 1)
        lit = np.clip(1.2 - np.hypot(xx - (cx - r * 0.5), yy - (cy - r * 0.5)) / (r * 1.5), 0.05, 1)
        band = 1 + 0.12 * np.sin((yy - cy) / max(1.0, r) * 9)
        rgb = np.asarray(col, np.float32) * (lit * band)[..., None]
        if ring:
            e = ((xx - cx) / (r * 2.0)) ** 2 + ((yy - cy) / (r * 0.45)) ** 2
            ra = np.clip(1 - np.abs(e - 0.85) * 8, 0, 1) * ((yy > cy) | (d > r))
            rgb = _mix(rgb, np.array([220, 200, 170], np.float32), ra[..., None])
            a = np.maximum(a, ra * 0.85)
        out.append(_tile(rgb, a, 0, depth))
    p.pieces.append(("planet", "set:planet"))
    return [*out, *_star_streams(p)]


def _sky_set(p: _Painter) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    for y_top, n, depth, drift, scale in ((H * 0.35, 10, 0.3, 10.0, 1.6), (H * 0.7, 16, 0.8, 20.0, 2.2)):
        cl = p.clouds(y_top, H, n, depth, drift, scale)
        if cl is not None:
            out.append(cl)
    return out


# -- built places outdoors -----------------------------------------------------------------------------------
def _skyline(
    p: _Painter, depth: float, hmin: float, hmax: float, col: RGBf, haze: float, n: int, ground: float = 0.74
) -> Layer:
    """Buildings with window grids (lit at random, more at night), standing on row `ground` * H."""
    H, W, P = p.H, p.W, p.P
    top = np.full(P, H * ground + 1, np.float32)
    wins = np.zeros((H, P), np.float32)
    for x in np.sort(p.rng.integers(0, P, n)):
        w = int(p.rng.uniform(0.04, 0.09) * W)
        roof = H * ground - p.rng.uniform(hmin, hmax) * H
        top[x : x + w] = np.minimum(top[x : x + w], roof)
        if x + w > P:
            top[: x + w - P] = np.minimum(top[: x + w - P], roof)
        pitch = max(5, int(H / 40))  # window grid pitch, pixels
        ws = max(2, pitch // 2)
        lit_p = p.rng.uniform(0.1, 0.45) if p.night else 0.25
        for wy in range(int(roof + pitch), int(H * ground) - 2, pitch):
            for wx in range(int(x) + pitch // 2, min(P - ws, int(x) + w - pitch // 2), pitch):
                if p.rng.random() < lit_p:
                    wins[wy : wy + ws, wx : wx + ws] = p.rng.uniform(0.6, 1.0) if p.night else 0.35
    rows = np.arange(H, dtype=np.float32)[:, None]
    a = np.clip(rows - top[None, :] + 0.5, 0, 1)
    wc = np.array([255, 214, 120], np.float32) if p.night else _mix(p.hor, (255, 255, 255), 0.3)
    rgb = _mix(p.lit(col, haze), wc, (wins * a * (0.9 if p.night else 0.35))[..., None])
    y0 = max(0, int(top.min()) - 1)
    if ("buildings", "set:building") not in p.pieces:
        p.pieces.append(("buildings", "set:building"))
    return _tile(rgb[y0:], a[y0:], y0, depth)


def _city(p: _Painter) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    out.append(_skyline(p, 0.15, 0.2, 0.45, (110, 115, 135), 0.45, 40))
    out.append(_skyline(p, 0.4, 0.15, 0.35, (70, 74, 90), 0.15, 26))
    g = _ground(p, int(H * 0.74), (120, 120, 126), (90, 90, 96), texture=0.06)
    g[: max(1, int(H * 0.015))] = p.lit((160, 160, 164), 0.0)  # kerb
    out.append(_tile(g, None, int(H * 0.74), 1.0))
    return out


def _rooftops(p: _Painter) -> list[Layer]:
    """A far skyline, then the near roofs people run across: pitched and flat, chimneys and aerials."""
    H = p.H
    out = _sky_layers(p)
    out.append(_skyline(p, 0.12, 0.25, 0.5, (90, 96, 120), 0.45, 44, ground=0.8))
    sh = Sheet(p, int(H * 0.55))
    x = 0.0
    slate, dark, brick = p.lit((74, 70, 78), 0.05), p.lit((50, 48, 56), 0.0), p.lit((130, 70, 56), 0.05)
    while x < p.P:
        w = p.W * p.rng.uniform(0.18, 0.32)
        top = H * p.rng.uniform(0.74, 0.8)
        if p.rng.random() < 0.5:  # pitched roof
            sh.poly([(x, H), (x, top), (x + w * 0.5, top - H * 0.1), (x + w, top), (x + w, H)], slate)
            sh.line(x, top, x + w * 0.5, top - H * 0.1, 2, dark)
        else:
            sh.rect(x, top, x + w, H, slate)
            sh.rect(x, top, x + w, top + H * 0.015, dark)
        for _ in range(int(p.rng.integers(1, 3))):
            cx = x + w * p.rng.uniform(0.15, 0.85)
            sh.rect(cx - H * 0.02, top - H * 0.11, cx + H * 0.02, top + 2, brick)
            sh.rect(cx - H * 0.025, top - H * 0.12, cx + H * 0.025, top - H * 0.1, dark)
        if p.rng.random() < 0.4:  # aerial
            ax = x + w * 0.3
            sh.line(ax, top, ax, top - H * 0.12, 1, dark)
            sh.line(ax - H * 0.03, top - H * 0.1, ax + H * 0.03, top - H * 0.1, 1, dark)
        x += w
    p.pieces.append(("chimney", "set:chimney"))
    out.append(sh.layer(1.0))
    return out


def _fair(p: _Painter) -> list[Layer]:
    """A ferris wheel (lit bulbs at night), striped tents, bunting and a crowd on trodden grass."""
    H, W = p.H, p.W
    out = _sky_layers(p)
    out.append(p.ridge_layer(H * 0.6, H * 0.03, [(3, 1)], (70, 110, 80), (60, 100, 70), 0.4, 0.08))
    wheel = Sheet(p, 0)
    cx, cy, R = W * 0.4, H * 0.36, H * 0.3
    steel = p.lit((200, 200, 210), 0.2)
    wheel.line(cx, cy, cx - R * 0.6, H * 0.74, 3, steel)
    wheel.line(cx, cy, cx + R * 0.6, H * 0.74, 3, steel)
    wheel.circle(cx, cy, R, steel, thick=2)
    wheel.circle(cx, cy, R * 0.92, steel, thick=1)
    bulb = (255, 230, 150) if p.night else _c(steel)
    for k in range(16):
        a = 2 * math.pi * k / 16
        ex, ey = cx + R * math.cos(a), cy + R * math.sin(a)
        wheel.line(cx, cy, ex, ey, 1, steel)
        col = ((220, 60, 60), (60, 120, 220), (240, 200, 60), (60, 170, 90))[k % 4]
        wheel.rect(ex - H * 0.022, ey, ex + H * 0.022, ey + H * 0.045, p.lit(col, 0.1))
        wheel.circle(ex, ey, max(1.0, H * 0.006), bulb)
    p.pieces.append(("ferris wheel", "set:ferris-wheel"))
    out.append(wheel.layer(0.2))
    tents = Sheet(p, int(H * 0.4))
    for k in range(5):
        x, w, h = p.P * (0.1 + k / 5), W * p.rng.uniform(0.12, 0.18), H * p.rng.uniform(0.18, 0.26)
        base = H * 0.72
        c1 = p.lit(((220, 50, 50), (50, 90, 200), (230, 170, 40))[k % 3], 0.1)
        for s_ in range(6):  # stripes
            x0, x1 = x - w / 2 + w * s_ / 6, x - w / 2 + w * (s_ + 1) / 6
            c = c1 if s_ % 2 == 0 else p.lit((245, 240, 230), 0.1)
            tents.poly([(x0, base), (x, base - h), (x1, base)], c)
        tents.line(x, base - h, x, base - h - H * 0.06, 1, p.lit((80, 60, 40), 0.1))
        tents.poly(
            [(x, base - h - H * 0.06), (x + H * 0.05, base - h - H * 0.045), (x, base - h - H * 0.03)], c1
        )
    for k in range(40):  # bunting: little flags along a sagging string
        x = p.P * k / 40
        y = H * 0.48 + H * 0.04 * math.sin(math.pi * (k % 8) / 8)
        fc = ((220, 60, 60), (250, 210, 60), (60, 140, 220), (250, 250, 250))[k % 4]
        tents.poly([(x, y), (x + W * 0.012, y), (x + W * 0.006, y + H * 0.03)], p.lit(fc, 0.05))
    p.pieces.append(("tent", "set:tent"))
    out.append(tents.layer(0.45))
    out.append(_crowd(p, H * 0.74, H * 0.07, 90, 0.7))
    out.append(_ground_layer(p, int(H * 0.74), (120, 140, 80), (100, 110, 70), texture=0.08))
    return out


def _crowd(p: _Painter, base: float, h: float, n: int, depth: float) -> Layer:
    """People seen from behind: heads and shoulders in many colours, standing on row `base`."""
    sh = Sheet(p, int(base - h * 1.6))
    for _ in range(n):
        x = p.rng.uniform(0, p.P)
        s_ = h * p.rng.uniform(0.8, 1.2)
        c = p.lit(tuple(float(v) for v in p.rng.uniform(40, 220, 3)), 0.1)  # type: ignore[arg-type]
        sh.ellipse(x, base - s_ * 0.2, s_ * 0.32, s_ * 0.5, c)
        sh.circle(x, base - s_ * 0.9, s_ * 0.2, p.lit((200, 160, 130), 0.1))
    p.pieces.append(("crowd", "set:crowd"))
    return sh.layer(depth)


def _stadium(p: _Painter) -> list[Layer]:
    """Tiered stands full of people (heads over coloured shirts), a roof edge, floodlights, a striped pitch."""
    H, P = p.H, p.P
    out = _sky_layers(p)
    y0, y1 = int(H * 0.2), int(H * 0.64)
    rows = np.arange(y1 - y0, dtype=np.float32)[:, None, None]
    stand = np.broadcast_to(
        _mix(p.lit((70, 70, 80), 0.1), p.lit((110, 110, 120), 0.0), rows / (y1 - y0)), (y1 - y0, P, 3)
    ).copy()
    # rows of spectators, one per tier: a head (skin/hair tones) over a shirt (any colour), seat by seat
    tier = max(4, int(H * 0.045))  # rows per tier
    seat = max(3, int(tier * 0.8))  # columns per spectator
    yy, xx = np.mgrid[0 : y1 - y0, 0:P]
    row, col = yy // tier, xx // seat
    ty, tx = (yy % tier) / tier, (xx % seat) / seat  # position inside a seat, 0..1
    n_rows, n_cols = int(row.max()) + 1, int(col.max()) + 1
    present = p.rng.random((n_rows, n_cols)) < 0.85
    shirts = p.rng.uniform(40, 230, (n_rows, n_cols, 3)).astype(np.float32)
    skins = _mix((235, 200, 170), (110, 70, 50), p.rng.random((n_rows, n_cols))[..., None])
    head = (np.hypot(tx - 0.5, (ty - 0.3) * 1.3) < 0.26) & present[row, col]
    body = (ty > 0.5) & (np.abs(tx - 0.5) < 0.42) & present[row, col]
    stand[body] = (shirts[row, col] * p.tint)[body]
    stand[head] = (skins[row, col] * p.tint)[head]
    stand[(yy % tier) == tier - 1] *= 0.5  # the tiers' edges
    stand[: max(2, int(H * 0.03))] = p.lit((150, 150, 160), 0.05)  # roof edge
    out.append(_tile(stand, None, y0, 0.25))
    fl = Sheet(p, 0)
    for k in range(4):
        x = P * (0.12 + k / 4)
        fl.line(x, y0, x, H * 0.04, 2, p.lit((170, 170, 180), 0.1))
        fl.rect(x - H * 0.06, H * 0.02, x + H * 0.06, H * 0.08, p.lit((200, 200, 210), 0.1))
        if p.night:
            fl.circle(x, H * 0.05, H * 0.04, (255, 255, 230))
    p.pieces.extend([("floodlight", "set:floodlight"), ("stand", "set:stand")])
    out.append(fl.layer(0.25))
    wall = Sheet(p, y1)
    wall.rect(0, y1, P, H * 0.7, p.lit((40, 60, 140), 0.0))  # advertising boards
    out.append(wall.layer(0.5))
    g = _ground(p, int(H * 0.7), (70, 150, 70), (60, 130, 60), texture=0.02, stripes=0)
    g[:, (np.arange(P) // max(1, P // 24)) % 2 == 0] *= 0.9  # mown stripes
    g[int(H * 0.12) : int(H * 0.12) + max(1, H // 100)] = p.lit((240, 240, 240), 0.0)  # touchline
    out.append(_tile(g, None, int(H * 0.7), 1.0))
    return out


def _farm(p: _Painter) -> list[Layer]:
    """A red barn and a silo on the hill, a fence, rows of corn in front."""
    H, W = p.H, p.W
    out = _sky_layers(p)
    out.append(
        p.ridge_layer(H * 0.55, H * 0.05, [(2, 1), (5, 0.4)], (110, 150, 100), (100, 140, 90), 0.45, 0.1)
    )
    mid = p.ridge(H * 0.64, H * 0.015, [(2, 1)], (120, 160, 70), (100, 140, 60), 0.15, headroom=H * 0.3)
    for k in range(2):
        x = p.P * (0.2 + 0.5 * k)
        b, w, h = mid.top_row(x) + 2, W * 0.16, H * 0.18
        red, white = p.lit((170, 40, 35), 0.12), p.lit((240, 236, 226), 0.12)
        mid.poly(
            [
                (x - w / 2, b),
                (x - w / 2, b - h * 0.6),
                (x - w * 0.35, b - h * 0.9),
                (x, b - h),
                (x + w * 0.35, b - h * 0.9),
                (x + w / 2, b - h * 0.6),
                (x + w / 2, b),
            ],
            red,
        )
        mid.rect(x - w * 0.15, b - h * 0.45, x + w * 0.15, b, white)
        mid.line(x - w * 0.15, b - h * 0.45, x + w * 0.15, b, 2, red)
        mid.line(x + w * 0.15, b - h * 0.45, x - w * 0.15, b, 2, red)
        mid.rect(x + w * 0.55, b - h * 1.2, x + w * 0.75, b, p.lit((180, 180, 186), 0.12))  # silo
        mid.ellipse(x + w * 0.65, b - h * 1.2, w * 0.1, h * 0.08, p.lit((150, 150, 156), 0.12))
    p.pieces.append(("barn", "set:barn"))
    _props(p, mid, "post", 60, 0.03, 0.035, p.lit((120, 90, 60), 0.15), regular=True)
    out.append(mid.layer(0.4))
    corn = p.ridge(H * 0.76, H * 0.005, [(2, 1)], (110, 80, 50), (90, 66, 40), 0.0, headroom=H * 0.2)
    _props(p, corn, "corn", 70, 0.12, 0.18, p.lit((90, 140, 50), 0.05), regular=True)
    p.pieces.append(("corn", "set:corn"))
    return [*out, _ground_layer(p, int(H * 0.74), (120, 90, 56), (96, 70, 44)), corn.layer(0.9)]


def _garden(p: _Painter) -> list[Layer]:
    H = p.H
    out = _sky_layers(p)
    out.append(p.ridge_layer(H * 0.55, H * 0.04, [(2, 1)], (90, 130, 90), (80, 120, 80), 0.4, 0.1))
    mid = p.ridge(H * 0.66, H * 0.01, [(3, 1)], (70, 130, 60), (60, 120, 50), 0.1, headroom=H * 0.25)
    _props(p, mid, "hedge", 7, 0.08, 0.12, p.lit((40, 100, 45), 0.1))
    _props(p, mid, "round", 3, 0.15, 0.22, p.lit((50, 110, 50), 0.1))
    _props(p, mid, "flower", 90, 0.02, 0.05, (0, 0, 0))
    p.pieces.append(("flowers", "set:flowers"))
    out.append(mid.layer(0.4))
    return [*out, _ground_layer(p, int(H * 0.74), (100, 170, 70), (80, 150, 60), stripes=10)]


def _zoo(p: _Painter) -> list[Layer]:
    H = p.H
    out = _land(p, ((100, 140, 110), 0.05), ((110, 150, 80), "round", 10), ((180, 160, 120), (160, 140, 100)))
    fence = Sheet(p, int(H * 0.58))
    for y in (H * 0.64, H * 0.7):
        fence.line(0, y, fence.P, y, 2, p.lit((120, 90, 60), 0.1))
    for x in np.arange(0, fence.P, p.W * 0.05):
        fence.rect(x, H * 0.6, x + max(2, H * 0.012), H * 0.74, p.lit((110, 80, 50), 0.1))
    p.pieces.append(("fence", "set:fence"))
    out.insert(len(out) - 1, fence.layer(0.6))
    return out


def _castle(p: _Painter) -> list[Layer]:
    H, W = p.H, p.W
    out = _sky_layers(p)
    hill = p.ridge(
        H * 0.58, H * 0.06, [(1, 1), (3, 0.3)], (90, 130, 80), (80, 120, 70), 0.3, headroom=H * 0.5
    )
    x = W * 0.7
    h = int(H * 0.42)
    spr = _piece(p, "castle", h, p.lit((170, 164, 150), 0.1), shape="castle")
    if spr is not None:
        hill.stamp(spr, x, hill.top_row(x) + h * 0.08)
    out.append(hill.layer(0.15))
    out.extend(_land(p, None, ((90, 150, 70), "round", 6), ((96, 150, 70), (70, 124, 56)), sky=False))
    return out


def _road_set(p: _Painter) -> list[Layer]:
    return [*_meadow(p)[:-1], _road(p, int(p.H * 0.74))]


# -- interiors: a back wall and a floor, never a sky ----------------------------------------------------------
FLOOR = 0.7  # the wall meets the floor at this fraction of H


def _wall(p: _Painter, kind: str, c: RGBf) -> Sheet:
    """The back wall, rows 0 .. FLOOR*H (opaque): plaster | paper | tile | stone | brick | planks | rock |
    curtain, with a darker ceiling edge and a skirting board."""
    import cv2

    H, P = p.H, p.P
    fl = int(H * FLOOR)
    yy, xx = np.mgrid[0:fl, 0:P].astype(np.float32)
    base = np.broadcast_to(p.lit(c, 0.0), (fl, P, 3)).astype(np.float32)
    noise = cv2.resize(p.rng.normal(0, 1, (max(2, fl // 6), P // 6)).astype(np.float32), (P, fl))
    shade = 1 + 0.03 * noise
    if kind == "paper":
        shade = shade * (1 + 0.05 * (np.sin(xx / max(2.0, H * 0.03) * math.pi) > 0.6))
    elif kind == "tile":
        s = max(4, int(H * 0.05))
        shade = shade * (1 - 0.18 * (((xx % s) < 1) | ((yy % s) < 1)))
    elif kind in ("stone", "brick"):
        bh = max(4, int(H * (0.07 if kind == "stone" else 0.035)))
        bw = bh * (2.4 if kind == "stone" else 2.2)
        row = (yy // bh).astype(int)
        off = (row % 2) * bw / 2
        col = ((xx + off) // bw).astype(int)
        shade = shade * (0.85 + 0.3 * ((row * 7919 + col * 104729) % 97) / 97.0)
        shade = shade * (1 - 0.35 * (((yy % bh) < 1.2) | (((xx + off) % bw) < 1.2)))
    elif kind == "planks":
        pw = max(4, int(H * 0.06))
        shade = shade * (0.9 + 0.2 * ((xx // pw) % 3) / 3) * (1 - 0.3 * ((xx % pw) < 1.2))
    elif kind == "rock":
        big = cv2.resize(
            p.rng.normal(0, 1, (6, 24)).astype(np.float32), (P, fl), interpolation=cv2.INTER_CUBIC
        )
        shade = 1 + 0.18 * big + 0.08 * noise
    elif kind == "curtain":
        shade = 0.75 + 0.25 * np.sin(xx / max(2.0, H * 0.025)) ** 2
    rgb = base * shade[..., None]
    top = max(2, int(H * 0.05))
    rgb[:top] *= np.linspace(0.55, 0.85, top, dtype=np.float32)[:, None, None]  # ceiling shadow
    if kind not in ("rock", "curtain"):
        rgb[fl - max(2, int(H * 0.03)) :] = p.lit(_mix(c, (60, 40, 30), 0.6), 0.0)  # skirting
    return Sheet(
        p,
        0,
        np.concatenate([rgb, np.zeros((H - fl, P, 3), np.float32)]),
        np.concatenate([np.ones((fl, P), np.float32), np.zeros((H - fl, P), np.float32)]),
    )


def _floor(p: _Painter, kind: str, c: RGBf) -> Layer:
    """The floor from FLOOR*H down: planks | tile | stone | concrete | rock | hay, rows closer together
    near the wall (perspective)."""
    H, P = p.H, p.P
    y0 = int(H * FLOOR)
    g = _ground(
        p, y0, _c(_mix(c, (0, 0, 0), 0.25)), c, texture=0.05 if kind in ("concrete", "rock", "hay") else 0.02
    )
    h = H - y0
    yy, xx = np.mgrid[0:h, 0:P].astype(np.float32)
    depth = (yy / h) ** 1.6 * 10  # perspective row index
    if kind in ("planks", "tile", "stone"):
        line = np.abs(depth - np.round(depth)) < 0.06 + 0.02 * (yy / h)
        g[line] *= 0.7
        if kind == "tile":
            checker = ((np.floor(depth) + np.floor(xx / (H * 0.12))) % 2) == 0
            g[checker] *= 0.8
        else:
            seam = (xx + np.floor(depth) * H * 0.23) % (H * (0.6 if kind == "planks" else 0.25)) < 1.5
            g[seam] *= 0.75
    elif kind == "hay":
        g *= (1 + 0.12 * np.sin(xx * 0.9 + yy * 2.3))[..., None]
    return _tile(g, None, y0, 1.0)


def _window(
    p: _Painter, sh: Sheet, x: float, y0: float, w: float, h: float, frame: RGBf, arch: bool = False
) -> None:
    """A window in the wall: a flat pane (light outside, not a sky: no sun, clouds or rain), frame, bars."""
    pane = (228, 234, 236) if not p.night else (18, 24, 46)
    if p.weather in ("rain", "storm", "snow", "fog", "cloudy") and not p.night:
        pane = (168, 174, 182)
    fr = p.lit(frame, 0.0)
    sh.rect(x - 3, y0 - 3, x + w + 3, y0 + h + 3, fr)
    sh.rect(x, y0, x + w, y0 + h, pane)
    if arch:
        sh.ellipse(x + w / 2, y0, w / 2 + 3, w / 2 + 3, fr, a0=180, a1=360)
        sh.ellipse(x + w / 2, y0, w / 2, w / 2, pane, a0=180, a1=360)
    sh.rect(x + w / 2 - 1.5, y0, x + w / 2 + 1.5, y0 + h, fr)
    sh.rect(x, y0 + h / 2 - 1.5, x + w, y0 + h / 2 + 1.5, fr)
    p.anchors.setdefault("window", (x + w / 2, y0 + h / 2))


def _interior(
    p: _Painter,
    wall: tuple[str, RGBf],
    floor: tuple[str, RGBf],
    furnish: Callable[[_Painter, Sheet, Sheet], None],
) -> list[Layer]:
    """Wall (depth 0.35), furniture against it (depth 0.5), floor (depth 1): the set of every room."""
    H, W = p.H, p.W
    wl = _wall(p, *wall)
    p.backdrop = np.broadcast_to(_mix(p.lit(wall[1], 0.0), (0, 0, 0), 0.4), (H, W, 3)).astype(np.float32)
    front = Sheet(p, 0)
    furnish(p, wl, front)
    fl = int(H * FLOOR)
    wl.a[:fl], wl.a[fl:] = (
        1.0,
        0.0,
    )  # the wall is opaque (copied per frame, never blended); the floor covers below
    out = [wl.layer(0.35)]
    if front.a.max() > 0:
        out.append(front.layer(0.5))
    out.insert(1, _floor(p, *floor))
    return out


def _furnish_room(p: _Painter, wl: Sheet, fr: Sheet) -> None:
    H, W = p.H, p.W
    for k in range(2):
        x0 = p.P * (0.15 + 0.5 * k)
        _window(p, wl, x0, H * 0.16, W * 0.2, H * 0.34, (240, 236, 226))
        wl.rect(x0 - W * 0.04, H * 0.12, x0 - W * 0.01, H * 0.58, p.lit((150, 60, 60), 0.0))  # curtains
        wl.rect(x0 + W * 0.21, H * 0.12, x0 + W * 0.24, H * 0.58, p.lit((150, 60, 60), 0.0))
        fx = p.P * (0.42 + 0.5 * k)
        wl.rect(fx, H * 0.2, fx + W * 0.1, H * 0.4, p.lit((120, 80, 50), 0.0))  # a picture
        wl.rect(fx + 4, H * 0.22, fx + W * 0.1 - 4, H * 0.38, p.lit((90, 130, 150), 0.0))
        sx = p.P * (0.3 + 0.5 * k)  # a sofa and a lamp
        fr.rect(sx, H * 0.56, sx + W * 0.24, H * 0.74, p.lit((110, 80, 140), 0.0))
        fr.rect(sx - W * 0.02, H * 0.6, sx + W * 0.26, H * 0.66, p.lit((90, 60, 120), 0.0))
        fr.line(sx + W * 0.3, H * 0.74, sx + W * 0.3, H * 0.42, 2, p.lit((60, 50, 40), 0.0))
        fr.poly(
            [
                (sx + W * 0.27, H * 0.42),
                (sx + W * 0.33, H * 0.42),
                (sx + W * 0.32, H * 0.34),
                (sx + W * 0.28, H * 0.34),
            ],
            (250, 220, 150) if p.night else p.lit((240, 220, 170), 0.0),
        )
    p.pieces.extend([("window", "set:window"), ("sofa", "set:sofa"), ("lamp", "set:lamp")])


def _furnish_kitchen(p: _Painter, wl: Sheet, fr: Sheet) -> None:
    H, W = p.H, p.W
    wood, top, white = p.lit((150, 100, 60), 0.0), p.lit((70, 66, 62), 0.0), p.lit((236, 232, 222), 0.0)
    for k in range(2):
        x0 = p.P * 0.5 * k
        _window(p, wl, x0 + W * 0.38, H * 0.12, W * 0.18, H * 0.26, (240, 236, 226))
        for j in range(3):  # wall cupboards either side of the window
            cx = x0 + W * (0.08 + 0.1 * j + (0.5 if j == 2 else 0))
            wl.rect(cx, H * 0.1, cx + W * 0.09, H * 0.3, wood)
            wl.rect(cx + W * 0.04, H * 0.25, cx + W * 0.05, H * 0.28, white)
        fr.rect(x0, H * 0.46, x0 + p.W * 0.95, H * 0.72, wood)  # base cabinets and worktop
        for j in range(8):
            cx = x0 + W * 0.12 * j
            fr.rect(cx + 2, H * 0.52, cx + W * 0.12 - 2, H * 0.7, _mix(wood, (255, 255, 255), 0.08))
            fr.rect(cx + W * 0.05, H * 0.54, cx + W * 0.07, H * 0.56, white)
        fr.rect(x0 - 2, H * 0.44, x0 + p.W * 0.95 + 2, H * 0.47, top)
        sx = x0 + W * 0.7  # the stove with pots on it
        fr.rect(sx, H * 0.44, sx + W * 0.16, H * 0.72, p.lit((40, 40, 44), 0.0))
        fr.rect(sx + W * 0.02, H * 0.52, sx + W * 0.14, H * 0.68, p.lit((70, 70, 76), 0.0))
        pot = _piece(p, "pot", int(H * 0.1), p.lit((160, 160, 170), 0.0), icon="game-icons:cooking-pot")
        if pot is not None:
            fr.stamp(pot, sx + W * 0.05, H * 0.445)
        else:
            fr.rect(sx + W * 0.02, H * 0.37, sx + W * 0.08, H * 0.44, p.lit((170, 170, 180), 0.0))
            fr.rect(sx + W * 0.09, H * 0.39, sx + W * 0.14, H * 0.44, p.lit((180, 80, 50), 0.0))
        for j in range(4):  # hanging pans
            hx = x0 + W * (0.62 + 0.04 * j)
            wl.line(hx, H * 0.08, hx, H * 0.2, 1, top)
            wl.circle(hx, H * 0.22, H * 0.025, p.lit((120, 110, 100), 0.0))
    p.pieces[:] = list(
        dict.fromkeys(
            [
                *p.pieces,
                ("stove", "set:stove"),
                ("cupboard", "set:cupboard"),
                ("pot", "set:pot") if pot is None else ("pot", "game-icons:cooking-pot"),
            ]
        )
    )


def _furnish_library(p: _Painter, wl: Sheet, fr: Sheet) -> None:
    """Bookcases side by side, each shelf packed with books of random colours and heights."""
    H, W = p.H, p.W
    case = p.lit((90, 58, 36), 0.0)
    x = 0.0
    while x < p.P - W * 0.1:
        cw = W * p.rng.uniform(0.2, 0.28)
        wl.rect(x + W * 0.01, H * 0.06, x + cw, H * 0.7, case)
        for shelf in np.arange(H * 0.1, H * 0.66, H * 0.11):
            bx = x + W * 0.02
            while bx < x + cw - W * 0.02:
                bw = H * p.rng.uniform(0.015, 0.03)
                bh = H * 0.09 * p.rng.uniform(0.7, 1.0)
                col = p.lit(tuple(float(v) for v in p.rng.uniform(40, 200, 3)), 0.0)  # type: ignore[arg-type]
                wl.rect(bx, shelf + H * 0.095 - bh, bx + bw, shelf + H * 0.095, col)
                bx += bw + 1
            wl.rect(x + W * 0.01, shelf + H * 0.095, x + cw, shelf + H * 0.105, _mix(case, (0, 0, 0), 0.3))
        x += cw + W * 0.02
    fr.rect(W * 0.4, H * 0.56, W * 0.62, H * 0.6, p.lit((110, 70, 40), 0.0))  # reading table
    fr.rect(W * 0.42, H * 0.6, W * 0.44, H * 0.74, p.lit((90, 56, 32), 0.0))
    fr.rect(W * 0.58, H * 0.6, W * 0.6, H * 0.74, p.lit((90, 56, 32), 0.0))
    p.pieces.extend([("bookshelf", "set:bookshelf"), ("books", "set:books")])


def _furnish_lab(p: _Painter, wl: Sheet, fr: Sheet) -> None:
    H, W = p.H, p.W
    for k in range(2):
        x0 = p.P * 0.5 * k
        wl.rect(x0 + W * 0.1, H * 0.1, x0 + W * 0.4, H * 0.34, p.lit((40, 60, 50), 0.0))  # a blackboard
        for j in range(6):
            y = H * (0.14 + 0.03 * j)
            wl.line(x0 + W * 0.12, y, x0 + W * p.rng.uniform(0.2, 0.38), y, 1, p.lit((220, 220, 210), 0.0))
        wl.rect(x0 + W * 0.55, H * 0.2, x0 + W * 0.9, H * 0.22, p.lit((150, 150, 150), 0.0))  # shelf of jars
        for j in range(8):
            jx = x0 + W * (0.57 + 0.04 * j)
            col = ((80, 200, 120), (220, 80, 80), (80, 140, 230), (230, 200, 60))[j % 4]
            wl.rect(jx, H * 0.13, jx + W * 0.025, H * 0.2, p.lit(col, 0.0))
        fr.rect(x0 + W * 0.05, H * 0.5, x0 + W * 0.9, H * 0.54, p.lit((230, 230, 226), 0.0))  # bench
        fr.rect(x0 + W * 0.07, H * 0.54, x0 + W * 0.88, H * 0.72, p.lit((120, 130, 140), 0.0))
        for j in range(6):  # flasks: round-bottomed and conical, coloured liquids
            fx = x0 + W * (0.12 + 0.12 * j)
            liquid = p.lit(((80, 220, 120), (230, 80, 160), (90, 160, 240))[j % 3], 0.0)
            if j % 2:
                fr.poly(
                    [
                        (fx - H * 0.04, H * 0.5),
                        (fx - H * 0.01, H * 0.4),
                        (fx + H * 0.01, H * 0.4),
                        (fx + H * 0.04, H * 0.5),
                    ],
                    liquid,
                )
            else:
                fr.circle(fx, H * 0.465, H * 0.035, liquid)
                fr.rect(fx - H * 0.008, H * 0.38, fx + H * 0.008, H * 0.44, p.lit((200, 220, 230), 0.0))
    scope = _piece(p, "microscope", int(H * 0.14), p.lit((60, 64, 80), 0.0), icon="game-icons:microscope")
    if scope is not None:
        for x0 in (W * 0.8, W * 1.8):
            fr.stamp(scope, x0, H * 0.5)
    p.pieces.extend([("flask", "set:flask"), ("blackboard", "set:blackboard"), ("bench", "set:bench")])


def _gear(sh: Sheet, cx: float, cy: float, r: float, c: np.ndarray | RGBf) -> None:
    sh.circle(cx, cy, r * 0.82, c)
    for k in range(12):
        a = 2 * math.pi * k / 12
        sh.line(
            cx + r * 0.7 * math.cos(a),
            cy + r * 0.7 * math.sin(a),
            cx + r * math.cos(a),
            cy + r * math.sin(a),
            max(2, r * 0.25),
            c,
        )
    sh.circle(cx, cy, r * 0.25, _mix(c, (0, 0, 0), 0.5))


def _furnish_factory(p: _Painter, wl: Sheet, fr: Sheet) -> None:
    H, W = p.H, p.W
    steel = p.lit((90, 96, 104), 0.0)
    for k in range(4):  # high windows with many small panes
        x0 = p.P * (0.05 + k / 4)
        wl.rect(x0, H * 0.1, x0 + W * 0.26, H * 0.3, p.lit((60, 62, 66), 0.0))
        for j in range(8):
            for i in range(3):
                px, py = x0 + W * (0.01 + 0.031 * j), H * (0.115 + 0.062 * i)
                wl.rect(
                    px, py, px + W * 0.027, py + H * 0.055, (200, 205, 200) if not p.night else (30, 34, 50)
                )
    wl.rect(0, H * 0.04, p.P, H * 0.07, steel)  # a girder with its truss
    for x in np.arange(0, p.P, W * 0.06):
        wl.line(x, H * 0.07, x + W * 0.03, H * 0.1, 2, steel)
        wl.line(x + W * 0.03, H * 0.1, x + W * 0.06, H * 0.07, 2, steel)
    wl.rect(0, H * 0.1, p.P, H * 0.115, steel)
    wl.rect(0, H * 0.38, p.P, H * 0.41, p.lit((140, 100, 70), 0.0))  # a pipe
    for k in range(3):
        x0 = p.P * (0.1 + k / 3)  # machines with gears
        fr.rect(x0, H * 0.42, x0 + W * 0.22, H * 0.72, p.lit((70, 90, 80), 0.0))
        fr.rect(x0 + W * 0.02, H * 0.46, x0 + W * 0.08, H * 0.52, p.lit((200, 170, 60), 0.0))
        _gear(fr, x0 + W * 0.16, H * 0.5, H * 0.08, p.lit((150, 140, 120), 0.0))
        _gear(fr, x0 + W * 0.22, H * 0.36, H * 0.06, p.lit((130, 120, 100), 0.0))
        fr.rect(x0 + W * 0.24, H * 0.6, x0 + W * 0.32, H * 0.64, p.lit((40, 40, 40), 0.0))  # conveyor
    p.pieces.extend(
        [("gear", "set:gear"), ("machine", "set:machine"), ("pipe", "set:pipe"), ("girder", "set:girder")]
    )


def _furnish_hall(p: _Painter, wl: Sheet, fr: Sheet) -> None:
    H, W = p.H, p.W
    for k in range(4):
        x0 = p.P * k / 4
        _window(p, wl, x0 + W * 0.2, H * 0.2, W * 0.07, H * 0.28, (110, 100, 90), arch=True)
        wl.rect(x0 + W * 0.02, 0, x0 + W * 0.09, H * 0.7, p.lit((170, 160, 146), 0.0))  # pillar
        wl.rect(x0 + W * 0.01, H * 0.62, x0 + W * 0.1, H * 0.7, p.lit((150, 140, 126), 0.0))
        bx = x0 + W * 0.32  # a banner with an emblem
        red = p.lit((160, 30, 40), 0.0)
        wl.poly(
            [
                (bx, H * 0.08),
                (bx + W * 0.07, H * 0.08),
                (bx + W * 0.07, H * 0.46),
                (bx + W * 0.035, H * 0.4),
                (bx, H * 0.46),
            ],
            red,
        )
        wl.circle(bx + W * 0.035, H * 0.2, H * 0.035, p.lit((230, 190, 70), 0.0))
        tx = x0 + W * 0.45  # a torch
        wl.rect(tx - 1.5, H * 0.3, tx + 1.5, H * 0.4, p.lit((80, 60, 40), 0.0))
        wl.circle(tx, H * 0.28, H * 0.02, (255, 190, 80))
    throne = _piece(p, "throne", int(H * 0.3), p.lit((200, 160, 60), 0.0), icon="game-icons:stone-throne")
    if throne is not None:
        fr.stamp(throne, W * 0.9, H * 0.74)
    fr.rect(W * 0.2, H * 0.56, W * 0.8, H * 0.6, p.lit((110, 70, 40), 0.0))  # a long table
    for x in (W * 0.22, W * 0.77):
        fr.rect(x, H * 0.6, x + W * 0.02, H * 0.74, p.lit((90, 56, 32), 0.0))
    p.pieces.extend(
        [("pillar", "set:pillar"), ("banner", "set:banner"), ("torch", "set:torch"), ("table", "set:table")]
    )


def _furnish_cave(p: _Painter, wl: Sheet, fr: Sheet) -> None:
    H = p.H
    rock = p.lit((70, 62, 58), 0.0)
    for _ in range(30):  # stalactites hanging from the roof, stalagmites rising from the floor
        x, w = p.rng.uniform(0, p.P), H * p.rng.uniform(0.02, 0.05)
        wl.poly([(x - w, 0), (x + w, 0), (x, H * p.rng.uniform(0.1, 0.3))], _mix(rock, (0, 0, 0), 0.2))
    for _ in range(10):
        x, w = p.rng.uniform(0, p.P), H * p.rng.uniform(0.03, 0.06)
        fr.poly([(x - w, H * 0.74), (x + w, H * 0.74), (x, H * p.rng.uniform(0.5, 0.64))], rock)
    for _ in range(6):  # glowing crystals
        x = p.rng.uniform(0, p.P)
        fr.poly([(x - H * 0.01, H * 0.73), (x, H * 0.66), (x + H * 0.012, H * 0.73)], (120, 200, 230))
    p.pieces.append(("stalactite", "set:stalactite"))


def _furnish_stage(p: _Painter, wl: Sheet, fr: Sheet) -> None:
    """Red curtains either side and a valance on top; the backdrop between them stays dark."""
    H, W = p.H, p.W
    red, gold = (150, 20, 30), (220, 180, 70)
    for x0 in (-W * 0.16, W * 0.84, W * 1.84):
        for j in range(6):
            cx = x0 + W * 0.32 * j / 6
            fr.rect(cx, 0, cx + W * 0.054, H * 0.74, _mix(red, (0, 0, 0), 0.25 * (j % 2)))
    fr.rect(0, 0, p.P, H * 0.12, red)
    for x in np.arange(0, p.P, W * 0.04):
        fr.ellipse(x + W * 0.02, H * 0.12, W * 0.02, H * 0.03, _mix(red, (0, 0, 0), 0.2), a0=0, a1=180)
    fr.rect(0, H * 0.11, p.P, H * 0.125, gold)
    p.pieces.extend([("curtain", "set:curtain"), ("stage", "set:stage")])


def _furnish_barn(p: _Painter, wl: Sheet, fr: Sheet) -> None:
    H, W = p.H, p.W
    beam = p.lit((90, 60, 36), 0.0)
    wl.rect(0, H * 0.1, p.P, H * 0.14, beam)
    for x in np.arange(0, p.P, W * 0.3):
        wl.rect(x, 0, x + W * 0.03, H * 0.7, beam)
        wl.line(x + W * 0.03, H * 0.3, x + W * 0.12, H * 0.14, 3, beam)
    for k in range(6):  # hay bales
        x = p.P * (k / 6) + p.rng.uniform(0, W * 0.1)
        for j in range(int(p.rng.integers(1, 3))):
            y = H * 0.74 - (j + 1) * H * 0.1
            fr.rect(x + j * W * 0.03, y, x + W * 0.16 + j * W * 0.03, y + H * 0.1, p.lit((214, 180, 90), 0.0))
            fr.line(
                x + j * W * 0.03,
                y + H * 0.05,
                x + W * 0.16 + j * W * 0.03,
                y + H * 0.05,
                1,
                p.lit((170, 140, 60), 0.0),
            )
    p.pieces.append(("hay", "set:hay"))


PAINTERS: dict[str, Callable[[_Painter], list[Layer]]] = {
    "sea": _sea,
    "coast": _coast,
    "beach": _beach,
    "island": _island,
    "volcano": _volcano,
    "lake": _lake,
    "underwater": _underwater,
    "orbit": _orbit,
    "space": _space,
    "sky": _sky_set,
    "city": _city,
    "rooftops": _rooftops,
    "fair": _fair,
    "stadium": _stadium,
    "village": _village,
    "mountain-village": lambda p: _village(p, snowy=True),
    "castle": _castle,
    "road": _road_set,
    "zoo": _zoo,
    "farm": _farm,
    "garden": _garden,
    "meadow": _meadow,
    "forest": _forest,
    "bamboo-forest": _bamboo,
    "mountain": _mountain,
    "snowy-mountain": lambda p: _mountain(p, snowy=True),
    "desert": _desert,
    "savanna": _savanna,
    "arctic": _arctic,
    "room": lambda p: _interior(p, ("paper", (196, 176, 150)), ("planks", (150, 100, 62)), _furnish_room),
    "kitchen": lambda p: _interior(p, ("tile", (226, 222, 206)), ("tile", (170, 150, 130)), _furnish_kitchen),
    "library": lambda p: _interior(p, ("planks", (120, 80, 50)), ("planks", (120, 76, 44)), _furnish_library),
    "laboratory": lambda p: _interior(p, ("tile", (200, 214, 210)), ("tile", (180, 186, 190)), _furnish_lab),
    "factory": lambda p: _interior(
        p, ("brick", (150, 84, 64)), ("concrete", (130, 130, 126)), _furnish_factory
    ),
    "castle-hall": lambda p: _interior(
        p, ("stone", (150, 140, 126)), ("stone", (120, 112, 100)), _furnish_hall
    ),
    "cave": lambda p: _interior(p, ("rock", (96, 84, 76)), ("rock", (90, 80, 70)), _furnish_cave),
    "stage": lambda p: _interior(p, ("curtain", (40, 30, 40)), ("planks", (150, 104, 64)), _furnish_stage),
    "barn": lambda p: _interior(p, ("planks", (140, 80, 50)), ("hay", (190, 160, 90)), _furnish_barn),
}


# -- effects: textures built once, applied per frame ------------------------------------------------------------
def _streaks(
    W: int,
    H: int,
    n: int,
    length: float,
    slant: float,
    value: tuple[int, int, int],
    rng: np.random.Generator,
    thick: int = 1,
) -> np.ndarray:
    """A (2H, 2W, 3) uint8 additive texture of slanted streaks, periodic in both axes, tiled twice."""
    import cv2

    t = np.zeros((H, W, 3), np.uint8)
    for _ in range(n):
        x, y = rng.uniform(0, W), rng.uniform(0, H)
        ln = length * rng.uniform(0.6, 1.2)
        k = rng.uniform(0.5, 1.0)  # one brightness per streak (per-channel factors would tint it)
        v = tuple(int(c * k) for c in value)
        for dx in (-W, 0, W):
            for dy in (-H, 0, H):
                p0, p1 = (int(x + dx), int(y + dy)), (int(x + dx + slant * ln), int(y + dy + ln))
                cv2.line(t, p0, p1, v, thick, cv2.LINE_AA)
    return np.ascontiguousarray(np.tile(t, (2, 2, 1)))


def _dots(
    W: int,
    H: int,
    n: int,
    r: tuple[float, float],
    value: tuple[int, int, int],
    rng: np.random.Generator,
    ring: bool = False,
    blur: float = 0.7,
    poly: bool = False,
) -> np.ndarray:
    """A (2H, 2W, 3) uint8 additive texture of soft dots (or rings, or jagged rocks), periodic, tiled twice."""
    import cv2

    t = np.zeros((H, W, 3), np.uint8)
    for _ in range(n):
        x, y, rad = rng.uniform(0, W), rng.uniform(0, H), rng.uniform(*r)
        k = rng.uniform(0.6, 1.0)
        v = tuple(int(c * k) for c in value)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 7))
        rr = rad * rng.uniform(0.6, 1.0, 7)
        for dx in (-W, 0, W):
            for dy in (-H, 0, H):
                if poly:
                    pts = np.stack([x + dx + rr * np.cos(ang), y + dy + rr * np.sin(ang)], 1).astype(np.int32)
                    cv2.fillPoly(t, [pts], v, cv2.LINE_AA)
                else:
                    cv2.circle(
                        t, (int(x + dx), int(y + dy)), max(1, int(rad)), v, 1 if ring else -1, cv2.LINE_AA
                    )
    if blur > 0 and not ring:
        t = np.asarray(cv2.GaussianBlur(t, (0, 0), blur), np.uint8)
    return np.ascontiguousarray(np.tile(t, (2, 2, 1)))


def _veil(p: _Painter, dens: float, colour: np.ndarray) -> Effect:
    """A static translucent overlay, denser low in the frame (fog, murk): premultiplied + inverse alpha."""
    import cv2

    H, W = p.H, p.W
    n = cv2.resize(
        cv2.GaussianBlur(p.rng.random((8, max(1, 8 * W // H))).astype(np.float32), (0, 0), 1.0), (W, H)
    )
    yy = np.linspace(0, 1, H, dtype=np.float32)[:, None]
    f = np.clip(dens * (0.55 + 0.45 * yy) * (0.75 + 0.5 * n), 0, 0.92)
    prem = np.ascontiguousarray((f[..., None] * colour).astype(np.uint8))
    inva = np.ascontiguousarray(np.repeat(((1 - f) * 255).astype(np.uint8)[..., None], 3, axis=2))
    return Effect("fog", "front", "blend", tex=prem, inva=inva)


def _make_effects(p: _Painter, names: list[str]) -> list[Effect]:
    """Effect names (sets.effects_for) -> precomputed effects, in order (one random stream: same seed, same
    effects). clouds, aurora and waves are layers already; a name with no maker adds nothing."""
    return [e for name in names if name in EFFECT_MAKERS for e in EFFECT_MAKERS[name](p, name)]


def _fx_rain(p: _Painter, name: str) -> list[Effect]:
    """Rain streaks falling (slanted and denser in a storm)."""
    H, W, rng = p.H, p.W, p.rng
    heavy = p.weather == "storm"
    tex = _streaks(
        W,
        H,
        int(W * H / (600 if heavy else 1000)),
        H * 0.09,
        0.18 if heavy else 0.1,
        (150, 160, 175) if heavy else (120, 130, 145),
        rng,
    )
    v = H * (3.2 if heavy else 2.6)
    return [Effect("rain", "screen", "add", tex=tex, vel=(v * (0.18 if heavy else 0.1), v))]


def _fx_snow(p: _Painter, name: str) -> list[Effect]:
    """Two depths of snowflakes, the near ones larger and faster."""
    H, W, rng = p.H, p.W, p.rng
    return [
        Effect(
            "snow",
            "screen",
            "add",
            tex=_dots(W, H, int(W * H / 1400), (0.6, 1.3), (220,) * 3, rng),
            vel=(0, H * 0.25),
            sway=W * 0.01,
        ),
        Effect(
            "snow",
            "screen",
            "add",
            tex=_dots(W, H, int(W * H / 5000), (1.5, 3.0), (245,) * 3, rng),
            vel=(0, H * 0.6),
            sway=W * 0.03,
        ),
    ]


def _fx_fog(p: _Painter, name: str) -> list[Effect]:
    """A veil over set and subjects (murk: green-blue under water)."""
    light = float(np.mean(p.tint))
    col = (
        np.asarray(p.hor, np.float32) * 0.5 + np.array([200, 204, 210], np.float32) * 0.5 * light
        if name == "fog"
        else np.array([40, 110, 120], np.float32) * max(0.3, light)
    )
    return [_veil(p, 0.7 if p.weather == "fog" or name == "murk" else 0.25, col)]


def _fx_lightning(p: _Painter, name: str) -> list[Effect]:
    """A periodic flash, with a jagged bolt for lightning."""
    H, W, rng = p.H, p.W, p.rng
    period = float(rng.uniform(2.2, 3.4))
    bolt = None
    if name == "lightning":
        bx = rng.uniform(0.2, 0.8) * W
        pts = [(bx, 0.0)]
        while pts[-1][1] < H * 0.6:
            pts.append((pts[-1][0] + rng.normal(0, W * 0.02), pts[-1][1] + rng.uniform(0.04, 0.09) * H))
        bolt = np.array(pts, np.int32)
    return [
        Effect(
            name,
            "screen",
            "flash",
            times=(float(rng.uniform(0.2, period - 0.3)),),
            period=period,
            bolt=bolt,
        )
    ]


def _fx_lava(p: _Painter, name: str) -> list[Effect]:
    """The crater's glow, pulsing, and sparks rising over it."""
    import cv2

    H, W, rng = p.H, p.W, p.rng
    out: list[Effect] = []
    if "crater" not in p.anchors:
        return out
    cx, cy = p.anchors["crater"]
    y0 = max(0, int(cy - H * 0.3))
    h = int(cy + H * 0.05) - y0
    yy, xx = np.mgrid[0:h, 0:W].astype(np.float32)
    glow = np.exp(-(((xx - cx) / (W * 0.07)) ** 2 + ((yy + y0 - cy) / (H * 0.1)) ** 2))[..., None]
    tex = np.tile((glow * np.array([255, 120, 40], np.float32) * 0.8).astype(np.uint8), (2, 2, 1))
    out.append(Effect("lava", "set", "add", tex=np.ascontiguousarray(tex), y0=y0, pulse=0.7))
    sp = np.zeros((h, W, 3), np.uint8)
    for _ in range(40):  # sparks over the crater; rise at one speed (the texture is periodic)
        x, y = cx + rng.normal(0, W * 0.025), rng.uniform(0, h)
        cv2.circle(
            sp,
            (int(x), int(y)),
            max(1, H // 160),
            (255, int(rng.uniform(120, 220)), 60),
            -1,
            cv2.LINE_AA,
        )
    out.append(
        Effect(
            "sparks",
            "set",
            "add",
            tex=np.ascontiguousarray(np.tile(sp, (2, 2, 1))),
            y0=y0,
            vel=(0, -H * 0.35),
        )
    )
    return out


def _fx_debris(p: _Painter, name: str) -> list[Effect]:
    """Rock fragments drifting past, small behind the subjects and large in front."""
    H, W, rng = p.H, p.W, p.rng
    return [
        Effect(
            "debris",
            "set",
            "add",
            tex=_dots(W, H, 40, (1.0, 2.5), (150, 140, 130), rng, blur=0, poly=True),
            vel=(-W * 0.05, H * 0.01),
        ),
        Effect(
            "debris",
            "front",
            "add",
            tex=_dots(W, H, 9, (H * 0.02, H * 0.05), (170, 160, 150), rng, blur=0, poly=True),
            vel=(-W * 0.25, H * 0.04),
        ),
    ]


def _fx_spray(p: _Painter, name: str) -> list[Effect]:
    """Sea spray blown across the lower half of the frame."""
    H, W, rng = p.H, p.W, p.rng
    y0 = int(H * 0.5)
    return [
        Effect(
            "spray",
            "front",
            "add",
            tex=_dots(W, H - y0, int(W * H / 2500), (1.0, 2.5), (200,) * 3, rng, blur=1.2),
            y0=y0,
            vel=(W * 0.15, -H * 0.2),
        )
    ]


def _fx_bubbles(p: _Painter, name: str) -> list[Effect]:
    """Bubbles rising under water."""
    H, W, rng = p.H, p.W, p.rng
    return [
        Effect(
            "bubbles",
            "screen",
            "add",
            tex=_dots(W, H, int(W * H / 6000), (1.5, 4.0), (150,) * 3, rng, ring=True),
            vel=(0, -H * 0.3),
            sway=W * 0.01,
        )
    ]


def _fx_dust(p: _Painter, name: str) -> list[Effect]:
    """Dust blown across outdoors; motes floating in the light indoors."""
    H, W, rng = p.H, p.W, p.rng
    if p.kind == "outdoor":
        tex = _streaks(W, H, int(W * H / 9000), W * 0.06, 6.0, (60, 56, 48), rng)
        return [Effect("dust", "screen", "add", tex=tex, vel=(H * 2.0, H * 0.15))]
    return [  # motes floating in the light indoors
        Effect(
            "dust",
            "front",
            "add",
            tex=_dots(W, H, int(W * H / 3000), (0.5, 1.2), (90, 84, 70), rng),
            vel=(W * 0.01, -H * 0.03),
            sway=W * 0.01,
        )
    ]


def _fx_beam(p: _Painter, name: str) -> list[Effect]:
    """A lighthouse beam sweeping from its lamp, at night or in bad weather."""
    H, W = p.H, p.W
    if not ("lamp" in p.anchors and (p.light.stars > 0.2 or p.weather in ("storm", "rain", "fog"))):
        return []
    lx, ly = p.anchors["lamp"]
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    dx = np.abs(xx - lx) + 1.0
    cone = np.exp(-(((yy - ly) / (H * 0.012 + dx * 0.09)) ** 2)) * np.exp(-dx / (W * 0.45))  # both ways
    glow = np.exp(-((np.hypot(xx - lx, yy - ly) / (H * 0.03)) ** 2))
    tex = (np.clip(cone * 0.55 + glow, 0, 1)[..., None] * np.array([255, 236, 170], np.float32)).astype(
        np.uint8
    )
    return [Effect("beam", "set", "add", tex=np.ascontiguousarray(np.tile(tex, (2, 2, 1))), pulse=0.25)]


def _fx_spotlight(p: _Painter, name: str) -> list[Effect]:
    """A stage spotlight's cone and pool of light (and its piece)."""
    H, W = p.H, p.W
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    cx = W * 0.5
    half = W * 0.04 + (yy / H) * W * 0.12  # the cone widens downwards
    cone = np.clip(1 - np.abs(xx - cx) / half, 0, 1) ** 0.7 * (0.25 + 0.2 * yy / H)
    pool = np.exp(-(((xx - cx) / (W * 0.17)) ** 2 + ((yy - H * 0.86) / (H * 0.07)) ** 2)) * 0.55
    tex = (np.clip(cone + pool, 0, 1)[..., None] * np.array([255, 244, 214], np.float32)).astype(np.uint8)
    p.pieces.append(("spotlight", "set:spotlight"))
    return [Effect("spotlight", "front", "add", tex=np.ascontiguousarray(np.tile(tex, (2, 2, 1))))]


EFFECT_MAKERS: dict[str, Callable[[_Painter, str], list[Effect]]] = {
    "rain": _fx_rain,
    "snow": _fx_snow,
    "fog": _fx_fog,
    "murk": _fx_fog,
    "lightning": _fx_lightning,
    "flash": _fx_lightning,
    "lava": _fx_lava,
    "debris": _fx_debris,
    "spray": _fx_spray,
    "bubbles": _fx_bubbles,
    "dust": _fx_dust,
    "beam": _fx_beam,
    "spotlight": _fx_spotlight,
}


def _light_for(kind: str, p: _Painter, set_name: str) -> None:
    """Indoors the weather and the sky hardly reach: lamps keep a room lit at night (warm), a cave stays dim."""
    if kind == "interior":
        lamp = np.array(
            [0.5, 0.44, 0.38] if set_name in ("cave", "stage") else [0.86, 0.78, 0.66], np.float32
        )
        p.tint = np.maximum(np.asarray(p.light.tint, np.float32) * 0.9, lamp)
        p.haze_extra = 0.0
    elif kind == "orbit":
        p.tint = np.ones(3, np.float32)
        p.haze_extra = 0.0
    elif set_name == "stadium" and p.night:  # floodlit: the pitch and stands stay bright under a night sky
        p.tint = np.maximum(p.tint, np.array([0.85, 0.85, 0.8], np.float32))


LANDMARK_HEIGHT = 0.3  # a landmark's height outdoors, as a share of H (middle distance: below the subjects')


def _landmarks(p: _Painter, marks: tuple[tuple[str, str], ...], stand: float) -> Layer:
    """What the place's words name beyond the set: outdoors standing in the middle distance at row `stand`,
    spread across the right of the frame (subjects enter from the left); indoors each in a window."""
    H, W = p.H, p.W
    sh = Sheet(p, 0)
    for i, (text, drawn) in enumerate(marks[:3]):
        x = W * (0.7 + 0.13 * i) if p.kind == "outdoor" else W * (0.2 + 0.3 * i)  # in the first view
        h = int(H * (LANDMARK_HEIGHT if p.kind == "outdoor" else 0.24))
        where, name = drawn.split(":", 1)
        colour = p.lit((150, 140, 130), 0.25)
        spr = (
            _piece(p, text, h, colour, shape=name)
            if where == "shape"
            else _piece(p, text, h, colour, icon=drawn)
        )
        if spr is None:
            continue
        bottom = stand if p.kind == "outdoor" else H * 0.44
        if p.kind != "outdoor":  # a window onto it: the pane, then the landmark inside
            _window(p, sh, x - W * 0.1, bottom - h - H * 0.04, W * 0.2, h + H * 0.06, (120, 90, 60))
        sh.stamp(spr, x, bottom)
    return sh.layer(0.3 if p.kind == "outdoor" else 0.35)


def build_set(
    set_name: str,
    time_of_day: str,
    weather: str,
    W: int,
    H: int,
    rng: np.random.Generator,
    *,
    extra_words: str = "",
    road: bool = False,
    blur_background: float = 0.0,
    landmarks: tuple[tuple[str, str], ...] = (),
) -> World:
    """The set for one scene: sky (outdoors only), the set's painter, its effects. `extra_words` are the
    scene's words (prompt, action) that can ask for effects (fog, aurora, lava, debris ...). `landmarks`:
    (text, "shape:<kind>" | "<icon set>:<name>") of what the place's words name beyond the set ("the island
    village", "the castle kitchen"), drawn in the middle distance (outdoors) or seen through a window."""
    import cv2

    # 1. what the place is and which effects it gets
    if set_name not in SETS:
        raise ValueError(f"unknown set {set_name!r}; known: {', '.join(sorted(SETS))}")
    spec = SETS[set_name]
    fx = effects_for(set_name, weather, extra_words)
    p = _Painter(
        W, H, TIMES.get(time_of_day, TIMES["day"]), weather if spec.kind == "outdoor" else "clear", rng
    )
    p.weather, p.kind, p.fx, p.words = weather, spec.kind, fx, extra_words
    p.cover = p.cover if "clouds" in fx else 0.0
    _light_for(spec.kind, p, set_name)
    # 2. the backdrop (sky outdoors; painters set their own elsewhere) and the layers
    sky = p.sky() if spec.kind == "outdoor" else None
    layers = _coast(p, road=True) if (road and set_name == "coast") else PAINTERS[set_name](p)
    ground, water, air = (H * r for r in spec.rows)
    if landmarks:  # outdoors in front of the set's distance; indoors on the wall, behind the furniture
        layers.insert(
            len(layers) if spec.kind == "outdoor" else 1, _landmarks(p, landmarks, min(ground, water))
        )
    if road and spec.kind == "outdoor":  # a road across the foreground, on any outdoor set
        if layers and layers[-1].inva is None and layers[-1].y0 >= int(H * 0.7):
            layers.pop()  # the road replaces the set's ground strip (one opaque copy per frame, not two)
        layers.append(_road(p, int(H * 0.74)))
        ground = H * 0.74 + H * 0.26 * 0.62
    if sky is None:
        sky = np.clip((p.backdrop if p.backdrop is not None else np.zeros((H, W, 3))) + 0.5, 0, 255).astype(
            np.uint8
        )
    # 3. effects (their textures use the painter's anchors, e.g. the crater)
    effects = _make_effects(p, fx)
    if blur_background > 0:  # shallow depth of field on close shots: everything behind the subject
        for layer in layers:
            if layer.depth < 0.9:
                sigma = blur_background * (1.0 - layer.depth)
                layer.prem = np.ascontiguousarray(cv2.GaussianBlur(layer.prem, (0, 0), sigma))
                if layer.inva is not None:
                    layer.inva = np.ascontiguousarray(cv2.GaussianBlur(layer.inva, (0, 0), sigma))
                    layer.opaque_from = _opaque_from(layer.inva)
        sky = cv2.GaussianBlur(sky, (0, 0), blur_background)
    sky = np.ascontiguousarray(sky)  # copied into every frame: a strided (broadcast) backdrop costs 50x
    pieces = list(dict.fromkeys([(set_name.replace("-", " "), f"set:{set_name}"), *p.pieces]))
    return World(
        sky=sky,
        layers=layers,
        baseline=ground,
        water=water,
        air=air,
        family=set_name,
        road=road,
        light=(float(p.tint[0]), float(p.tint[1]), float(p.tint[2])),
        haze=(float(p.hor[0]), float(p.hor[1]), float(p.hor[2])),
        underwater=spec.kind == "underwater",
        kind=spec.kind,
        pieces=tuple(pieces),
        effects=effects,
    )


def build_world(
    family: str,
    road: bool,
    time_of_day: str,
    weather: str,
    W: int,
    H: int,
    rng: np.random.Generator,
    *,
    blur_background: float = 0.0,
    extra_words: str = "",
) -> World:
    """The older entry point: a terrain family (or any set name) and a road flag."""
    set_name = FAMILY_SETS.get(family, family if family in SETS else "meadow")
    return build_set(
        set_name,
        time_of_day,
        weather,
        W,
        H,
        rng,
        road=road,
        blur_background=blur_background,
        extra_words=extra_words,
    )
