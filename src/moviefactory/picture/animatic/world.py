"""The set: sky by time of day, terrain families as tiling parallax layers, weather textures.

Everything here runs once per scene (precompute); the per-frame work is slicing and blending in render.py.
Layers tile horizontally with period P (pixels) and are stored twice side by side, so any scroll offset is
a zero-copy slice [o : o + W]. Colours are float RGB 0-255 while building, uint8 premultiplied when done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RGBf = tuple[float, float, float]


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
class World:
    sky: np.ndarray  # (H, W, 3) uint8
    layers: list[Layer]
    baseline: float  # frame row where ground subjects stand
    water: float  # frame row of the water surface (boats) or the middle of the water (underwater)
    air: float  # frame row around which flyers fly
    family: str
    road: bool
    light: RGBf
    haze: RGBf
    underwater: bool = False


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
        y0=y0, period=P, depth=depth, opaque_from=opaque, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


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

    def lit(self, c: RGBf, haze: float) -> np.ndarray:
        """A daylight material colour under this scene's light, hazed toward the horizon colour."""
        h = min(0.95, haze + self.haze_extra * (0.5 + haze))
        return _mix(np.asarray(c, np.float32) * self.tint, self.hor, h)

    def ridge_layer(
        self,
        y_mean: float,
        amp: float,
        octaves: list[tuple[int, float]],
        top_c: RGBf,
        bot_c: RGBf,
        haze: float,
        depth: float,
        sharp: bool = False,
        snowcap: float | None = None,
        headroom: float = 0.0,
    ) -> Layer:
        """A heightfield silhouette (hills, dunes, peaks) from row y_mean +- amp down to the frame bottom,
        anti-aliased analytically: alpha = clamp(row - profile + 0.5)."""
        H, P = self.H, self.P
        prof = _periodic(P, self.rng, octaves)
        if sharp:  # ridged: peaks from |sin|
            prof = -np.abs(prof)
        prof = prof / (np.abs(prof).max() + 1e-6) * amp + y_mean
        y0 = max(0, int(prof.min() - headroom) - 1)  # headroom: space above the ridge for props
        rows = np.arange(y0, H, dtype=np.float32)[:, None]
        alpha = np.clip(rows - prof[None, :] + 0.5, 0, 1)
        t = np.clip((rows - prof.min()) / max(1.0, H - prof.min()), 0, 1)[..., None]
        rgb = _mix(self.lit(top_c, haze), self.lit(bot_c, haze * 0.6), t)
        rgb = np.broadcast_to(rgb, (H - y0, P, 3)).copy()
        if snowcap is not None:  # snow above a line that follows the ridge
            cap = rows < prof.min() + (prof.max() - prof.min()) * snowcap + 3 * np.sin(np.arange(P) / 9.0)
            rgb[cap] = self.lit((236, 240, 246), haze * 0.7)
        return _tile(rgb, alpha, y0, depth)

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
                    cv2.ellipse(shade, (c[0], c[1] - int(r * 0.25)), (int(r * 0.8), int(r * 0.35)), 0, 0, 360,
                                1.0, -1, cv2.LINE_AA)  # fmt: skip
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

    def props(self, layer: Layer, kinds: list[tuple[str, float, float]], color: np.ndarray) -> None:
        """Paint simple flat props (trees, cacti) onto a layer in place: (kind, x frac of P, height px)."""
        import cv2

        P = layer.period
        rgb = layer.prem[:, :P].astype(np.float32)
        a = 255.0 - layer.inva[:, :P, 0].astype(np.float32) if layer.inva is not None else np.full(
            rgb.shape[:2], 255.0, np.float32)  # fmt: skip
        mask = np.zeros(rgb.shape[:2], np.float32)
        top_row = np.argmax(a > 128, axis=0)  # (P,) first solid row per column: the ridge line
        for kind, xf, hpx in kinds:
            x = int(xf * P) % P
            base = int(top_row[x]) + max(2, int(hpx * 0.08))  # props stand on the ridge
            for dx in (-P, 0, P):
                if kind == "pine":
                    pts = np.array([[x + dx - hpx * 0.22, base], [x + dx, base - hpx], [x + dx + hpx * 0.22, base]],
                                   np.int32)  # fmt: skip
                    cv2.fillPoly(mask, [pts], 1.0, cv2.LINE_AA)
                elif kind == "round":
                    cv2.rectangle(mask, (x + dx - int(hpx * 0.05), base - int(hpx * 0.5)),
                                  (x + dx + int(hpx * 0.05), base), 1.0, -1)  # fmt: skip
                    cv2.circle(mask, (x + dx, base - int(hpx * 0.62)), int(hpx * 0.36), 1.0, -1, cv2.LINE_AA)
                elif kind == "cactus":
                    w = max(2, int(hpx * 0.12))
                    cv2.rectangle(mask, (x + dx - w // 2, base - int(hpx)), (x + dx + w // 2, base), 1.0, -1)
                    cv2.rectangle(mask, (x + dx - int(hpx * 0.3), base - int(hpx * 0.65)),
                                  (x + dx - int(hpx * 0.3) + w, base - int(hpx * 0.35)), 1.0, -1)  # fmt: skip
                    cv2.rectangle(mask, (x + dx - int(hpx * 0.3), base - int(hpx * 0.4)),
                                  (x + dx, base - int(hpx * 0.4) + w), 1.0, -1)  # fmt: skip
        m = np.clip(mask, 0, 1)[..., None]
        rgb = np.asarray(rgb * (1 - m) + color * m, np.float32)
        a = np.maximum(a, m[..., 0] * 255.0)
        prem8 = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
        layer.prem = np.ascontiguousarray(np.concatenate([prem8, prem8], axis=1))
        if layer.inva is not None:
            inva = np.repeat((255.0 - a).astype(np.uint8)[..., None], 3, axis=2)
            layer.inva = np.ascontiguousarray(np.concatenate([inva, inva], axis=1))
            rows_opaque = (a >= 254.5).all(axis=1)
            n = len(rows_opaque)
            while n > 0 and rows_opaque[n - 1]:
                n -= 1
            layer.opaque_from = n


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
    rgb[r0:r1] = _mix(p.lit((74, 74, 80), 0.05), p.lit((52, 52, 58), 0.0),
                      np.linspace(0, 1, r1 - r0, dtype=np.float32)[:, None, None])  # fmt: skip
    rgb[r0 : r0 + max(1, h // 40)] = p.lit((200, 200, 196), 0.05)
    rgb[r1 - max(1, h // 40) : r1] = p.lit((200, 200, 196), 0.0)
    lane = int((r0 + r1) * 0.5)
    lw = max(1, h // 50)
    dash = P // 16
    for x in range(0, P, dash):
        rgb[lane - lw : lane + lw, x : x + dash // 2] = p.lit((236, 228, 200), 0.0)
    return _tile(rgb, None, y_top, 1.0)


def _sea(p: _Painter, y_top: int, y_bot: int) -> Layer:
    """Open water with wave highlights; horizontal bands drift at different speeds, so it moves."""
    import cv2

    P = p.P
    h = y_bot - y_top
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None] ** 0.7
    far = _mix(p.lit((70, 130, 172), 0.35), p.hor, 0.25)
    rgb = np.broadcast_to(_mix(far, p.lit((22, 78, 128), 0.0), t), (h, P, 3)).copy()
    hl = np.zeros((h, P), np.float32)
    n = int(P * h / 60)
    ys = (p.rng.random(n) ** 1.6 * h).astype(int)
    xs = p.rng.integers(0, P, n)
    for y, x in zip(ys, xs, strict=True):
        ln = int(2 + 10 * (y / h) + p.rng.integers(0, 6))
        cv2.line(hl, (int(x), int(y)), (int(x) + ln, int(y)), float(p.rng.uniform(0.3, 1.0)), 1, cv2.LINE_AA)
    glint = _mix(p.hor, (255, 255, 255), 0.5) * float(min(1.0, p.tint.mean() + 0.3))
    rgb = _mix(rgb, glint, (hl * 0.6)[..., None])
    layer = _tile(rgb, None, y_top, 0.7)
    nb = 8  # bands: nearer rows drift faster (perspective)
    edges = np.linspace(0, h, nb + 1).astype(int)
    layer.bands = [(int(edges[i]), int(edges[i + 1]), (1 if i % 2 else -1) * (6 + 30 * i / nb))
                   for i in range(nb)]  # fmt: skip
    return layer


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
) -> World:
    """The set for one scene: sky plus parallax layers, back to front."""
    light = TIMES.get(time_of_day, TIMES["day"])
    p = _Painter(W, H, light, weather, rng)
    layers: list[Layer | None] = []
    hz = int(H * 0.6)  # horizon row
    ground_top = int(H * 0.74)
    baseline, water, air = H * 0.9, H * 0.66, H * 0.33
    underwater = False
    night = light.stars > 0.4
    cover = p.cover
    sky = p.sky()

    def clouds(count_scale: float = 1.0, y_bot: float = hz) -> None:
        n = int((2 + 14 * cover) * count_scale)
        layers.append(p.clouds(0, y_bot, n, 0.06, 6.0 + (20.0 if weather == "wind" else 0.0), 1.0 + cover))

    if family == "space":
        sky = np.zeros((H, W, 3), np.uint8)
        sp = _Painter(W, H, Light((4, 4, 12), (14, 10, 30), (1, 1, 1), None, None, 1.0), "clear", rng)
        sky = sp.sky()
        import cv2

        neb = cv2.GaussianBlur(rng.normal(0, 1, (H // 8, W // 8)).astype(np.float32), (0, 0), 2)
        neb = cv2.resize(neb, (W, H))
        sky = np.clip(sky + np.clip(neb, 0, None)[..., None] * np.array([40, 14, 60], np.float32), 0, 255)
        sky = sky.astype(np.uint8)
        # a planet with a terminator, and a smaller moon with a ring, as far layers
        for depth, (cxf, cyf, rf, col, ring) in [
            (0.04, (0.72, 0.78, 0.42, (70, 110, 190), False)),
            (0.12, (0.2, 0.3, 0.1, (200, 150, 110), True)),
        ]:
            P = p.P
            rgb = np.zeros((H, P, 3), np.float32)
            a = np.zeros((H, P), np.float32)
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
            layers.append(_tile(rgb, a, 0, depth))
        for depth, n, big in ((0.35, 60, 1), (0.8, 25, 2)):  # parallax star streams
            a = np.zeros((H, p.P), np.float32)
            for _ in range(n):
                cv2.circle(a, (int(rng.integers(0, p.P)), int(rng.integers(0, H))), big, 1.0, -1, cv2.LINE_AA)
            layers.append(_tile(np.full((H, p.P, 3), 235, np.float32), a * 0.9, 0, depth))
        baseline, water, air = H * 0.72, H * 0.5, H * 0.45
    elif family == "underwater":
        underwater = True
        y = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
        dim = float(np.clip(p.tint.mean(), 0.25, 1.0))
        sky = _mix(
            np.array([70, 170, 200], np.float32) * dim, np.array([8, 40, 80], np.float32) * dim, y**0.8
        )
        sky = np.broadcast_to(sky, (H, W, 3)).copy()
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        rays = np.zeros((H, W), np.float32)
        for _ in range(7):  # god rays: slanted soft bands fading with depth
            x0, wdt = rng.uniform(0, W), rng.uniform(0.02, 0.06) * W
            rays += np.exp(-(((xx - x0 - yy * 0.35) / wdt) ** 2)) * (1 - yy / H) ** 2
        sky = np.clip(sky + rays[..., None] * np.array([60, 90, 90], np.float32) * dim, 0, 255).astype(
            np.uint8
        )
        layers.append(p.ridge_layer(H * 0.62, H * 0.12, [(2, 1), (5, 0.5), (11, 0.2)], (30, 70, 100),
                                    (20, 50, 80), 0.0, 0.2, sharp=True))  # fmt: skip
        kelp = p.ridge_layer(H * 0.8, H * 0.05, [(3, 1), (9, 0.4)], (60, 110, 80), (40, 90, 70), 0.0, 0.5,
                             headroom=H * 0.36)  # fmt: skip
        p.props(kelp, [("pine", float(rng.random()), H * rng.uniform(0.15, 0.35)) for _ in range(14)],
                np.array([30, 100, 70], np.float32) * dim)  # fmt: skip
        layers.append(kelp)
        layers.append(_tile(_ground(p, int(H * 0.88), (190, 170, 120), (140, 125, 90), 0.08), None,
                            int(H * 0.88), 1.0))  # fmt: skip
        baseline, water, air = H * 0.92, H * 0.5, H * 0.4
    elif family == "sky":
        clouds(1.0, H * 0.7)
        layers.append(p.clouds(H * 0.35, H, 10, 0.3, 10.0, 1.6))
        layers.append(p.clouds(H * 0.7, H, 16, 0.8, 20.0, 2.2))
        baseline, water, air = H * 0.9, H * 0.7, H * 0.45
    elif family == "interior":
        # a window cut into the back wall shows this scene's sky; wall, wainscot and floor
        wall = np.broadcast_to(p.lit((196, 176, 150), 0.0) * 0.95, (H, p.P, 3)).copy()
        if night:
            wall = _mix(wall, np.array([120, 90, 60], np.float32), 0.35)
        a = np.ones((H, p.P), np.float32)
        for k in range(2):
            x0 = int(p.P * (0.18 + 0.5 * k))
            wx, wy, ww, wh = x0, int(H * 0.16), int(W * 0.22), int(H * 0.42)
            a[wy : wy + wh, wx : wx + ww] = 0
            wall[wy - 4 : wy + wh + 4, wx - 4 : wx + ww + 4][a[wy - 4 : wy + wh + 4, wx - 4 : wx + ww + 4] > 0] = (
                p.lit((240, 236, 226), 0.0))  # fmt: skip
            wall[wy : wy + wh, wx + ww // 2 - 2 : wx + ww // 2 + 2] = p.lit((240, 236, 226), 0.0)
            a[wy : wy + wh, wx + ww // 2 - 2 : wx + ww // 2 + 2] = 1
            fx = int(p.P * (0.43 + 0.5 * k))  # a picture frame
            wall[int(H * 0.22) : int(H * 0.46), fx : fx + int(W * 0.12)] = p.lit((120, 80, 50), 0.0)
            wall[int(H * 0.24) : int(H * 0.44), fx + 4 : fx + int(W * 0.12) - 4] = p.lit((90, 120, 150), 0.0)
        wall[int(H * 0.62) :] = p.lit((150, 110, 80), 0.0)
        wall[int(H * 0.62) : int(H * 0.63)] = p.lit((100, 70, 50), 0.0)
        layers.append(_tile(wall, a, 0, 0.35))
        floor = _ground(p, int(H * 0.74), (150, 100, 62), (110, 72, 44), texture=0.03, stripes=12)
        layers.append(_tile(floor, None, int(H * 0.74), 1.0))
        baseline, water, air = H * 0.9, H * 0.7, H * 0.35
    else:
        clouds()
        if family == "mountains":
            layers.append(
                p.ridge_layer(
                    H * 0.36,
                    H * 0.2,
                    [(3, 1), (7, 0.5), (17, 0.25), (37, 0.1)],
                    (140, 140, 160),
                    (110, 115, 135),
                    0.5,
                    0.1,
                    sharp=True,
                    snowcap=0.3,
                )
            )
            layers.append(p.ridge_layer(H * 0.55, H * 0.1, [(4, 1), (11, 0.4), (29, 0.15)], (95, 100, 90),
                                        (70, 80, 66), 0.25, 0.3, sharp=True))  # fmt: skip
        elif family == "desert":
            layers.append(p.ridge_layer(H * 0.54, H * 0.08, [(2, 1), (6, 0.3)], (200, 140, 100),
                                        (180, 120, 90), 0.45, 0.12))  # fmt: skip
            mid = p.ridge_layer(H * 0.65, H * 0.05, [(3, 1), (7, 0.3)], (226, 186, 124), (206, 160, 104), 0.15,
                                0.4, headroom=H * 0.13)  # fmt: skip
            p.props(mid, [("cactus", float(rng.random()), H * rng.uniform(0.06, 0.12)) for _ in range(5)],
                    p.lit((70, 110, 60), 0.15))  # fmt: skip
            layers.append(mid)
        elif family == "forest":
            far = p.ridge_layer(H * 0.5, H * 0.04, [(2, 1)], (60, 100, 80), (50, 90, 70), 0.45, 0.15,
                                headroom=H * 0.25)  # fmt: skip
            p.props(far, [("pine", i / 40 + rng.uniform(0, 0.02), H * rng.uniform(0.08, 0.24)) for i in range(40)],
                    p.lit((60, 100, 80), 0.45))  # fmt: skip
            layers.append(far)
            mid = p.ridge_layer(H * 0.64, H * 0.03, [(3, 1)], (40, 80, 50), (30, 70, 40), 0.15, 0.4,
                                headroom=H * 0.43)  # fmt: skip
            p.props(mid, [("pine", i / 20 + rng.uniform(0, 0.03), H * rng.uniform(0.16, 0.42))
                          for i in range(20)], p.lit((36, 76, 48), 0.15))  # fmt: skip
            layers.append(mid)
        elif family == "city":
            import cv2

            for depth, (hmin, hmax, col, haze, n) in (
                (
                    0.15,
                    (0.2, 0.45, (110, 115, 135), 0.45, 40),
                ),
                (
                    0.4,
                    (0.15, 0.35, (70, 74, 90), 0.15, 26),
                ),
            ):
                P = p.P
                top = np.full(P, H * 0.75, np.float32)
                xs = np.sort(rng.integers(0, P, n))
                wins = np.zeros((H, P), np.float32)
                for _i, x in enumerate(xs):
                    w = int(rng.uniform(0.04, 0.09) * W)
                    bh = rng.uniform(hmin, hmax) * H
                    roof = H * 0.74 - bh
                    top[x : x + w] = np.minimum(top[x : x + w], roof)
                    if x + w > P:
                        top[: x + w - P] = np.minimum(top[: x + w - P], roof)
                    pitch = max(5, int(H / 40))  # window grid pitch, pixels
                    ws = max(2, pitch // 2)
                    lit_p = rng.uniform(0.1, 0.45) if night else 0.25
                    for wy in range(int(roof + pitch), int(H * 0.72), pitch):  # windows, lit at random
                        for wx in range(int(x) + pitch // 2, min(P - ws, int(x) + w - pitch // 2), pitch):
                            if rng.random() < lit_p:
                                wins[wy : wy + ws, wx : wx + ws] = rng.uniform(0.6, 1.0) if night else 0.35
                rows = np.arange(H, dtype=np.float32)[:, None]
                a = np.clip(rows - top[None, :] + 0.5, 0, 1)
                base = p.lit(col, haze)
                wc = np.array([255, 214, 120], np.float32) if night else _mix(p.hor, (255, 255, 255), 0.3)
                rgb = _mix(base, wc, (wins * a * (0.9 if night else 0.35))[..., None])
                y0 = int(top.min()) - 1
                layers.append(_tile(rgb[y0:], a[y0:], y0, depth))
        elif family == "snowfield":
            layers.append(p.ridge_layer(H * 0.42, H * 0.14, [(3, 1), (8, 0.5), (19, 0.2)], (200, 210, 228),
                                        (180, 190, 210), 0.5, 0.1, sharp=True, snowcap=0.6))  # fmt: skip
            mid = p.ridge_layer(H * 0.62, H * 0.05, [(3, 1), (7, 0.3)], (236, 240, 248), (216, 224, 238), 0.15,
                                0.4, headroom=H * 0.19)  # fmt: skip
            p.props(mid, [("pine", float(rng.random()), H * rng.uniform(0.08, 0.18)) for _ in range(16)],
                    p.lit((40, 70, 60), 0.2))  # fmt: skip
            layers.append(mid)
        elif family == "coast":
            layers.append(p.ridge_layer(H * 0.54, H * 0.07, [(1, 1), (4, 0.3)], (90, 110, 110), (80, 100, 100),
                                        0.45, 0.1))  # fmt: skip
        else:  # field (the default countryside)
            layers.append(p.ridge_layer(H * 0.55, H * 0.05, [(2, 1), (5, 0.4)], (100, 140, 110), (90, 130, 100),
                                        0.45, 0.12))  # fmt: skip
            mid = p.ridge_layer(H * 0.66, H * 0.04, [(3, 1), (8, 0.3)], (90, 150, 70), (70, 130, 60), 0.15, 0.4,
                                headroom=H * 0.17)  # fmt: skip
            p.props(mid, [("round", float(rng.random()), H * rng.uniform(0.08, 0.16)) for _ in range(8)],
                    p.lit((50, 100, 50), 0.15))  # fmt: skip
            layers.append(mid)
        # foreground: sea and beach, or a road, or the family's ground
        if family == "coast":
            sea_bot = int(H * (0.82 if not road else 0.76))
            layers.append(_sea(p, hz - int(H * 0.02), sea_bot))
            water = (hz + sea_bot) / 2 + H * 0.06
            sand = _ground(p, sea_bot, (226, 206, 160), (200, 180, 130), texture=0.05)
            layers.append(_tile(sand, None, sea_bot, 1.0))
        if road:
            layers.append(_road(p, ground_top))
            baseline = ground_top + (H - ground_top) * 0.62
        elif family != "coast":
            mats = {"mountains": ((110, 130, 80), (90, 110, 64)), "desert": ((232, 196, 136), (214, 176, 118)),
                    "forest": ((64, 96, 50), (46, 76, 40)), "city": ((120, 120, 126), (90, 90, 96)),
                    "snowfield": ((242, 246, 252), (220, 228, 240))}  # fmt: skip
            top_c, bot_c = mats.get(family, ((96, 150, 70), (70, 124, 56)))
            g = _ground(p, ground_top, top_c, bot_c, texture=0.06, stripes=6 if family != "city" else 0)
            layers.append(_tile(g, None, ground_top, 1.0))
    out = [layer for layer in layers if layer is not None]
    if blur_background > 0:  # shallow depth of field on close shots: everything behind the subject
        import cv2

        for layer in out:
            if layer.depth < 0.9:
                sigma = blur_background * (1.0 - layer.depth)
                layer.prem = np.ascontiguousarray(cv2.GaussianBlur(layer.prem, (0, 0), sigma))
                if layer.inva is not None:
                    layer.inva = np.ascontiguousarray(cv2.GaussianBlur(layer.inva, (0, 0), sigma))
                    layer.opaque_from = _opaque_from(layer.inva)
        sky = cv2.GaussianBlur(sky, (0, 0), blur_background)
    haze_rgb = (float(p.hor[0]), float(p.hor[1]), float(p.hor[2]))
    tint = (float(p.tint[0]), float(p.tint[1]), float(p.tint[2]))
    return World(
        sky=sky,
        layers=out,
        baseline=baseline,
        water=water,
        air=air,
        family=family,
        road=road,
        light=tint,
        haze=haze_rgb,
        underwater=underwater,
    )  # type: ignore[arg-type]
