"""The silhouette library: vector subjects drawn in a unit box, rasterised anti-aliased and cached.

Each kind draws in a box `aspect` wide and 1 tall (y down, y = 1 is where it stands or its centre line for
flyers), facing right, as a function of an animation phase t in [0, 1) and a swing amplitude in [0, 1]
(legs, wings, rotors). Colour roles ("body", "dark", "light", ...) come from the character's colour, so a
character looks the same in every scene. Rasterisation draws at SUPERSAMPLE x with Pillow, adds a darker
outline and a soft ground shadow, and area-downsamples to premultiplied RGBA uint8.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

RGB = tuple[int, int, int]
SUPERSAMPLE = 4

_FIXED: dict[str, RGB] = {
    "glass": (150, 195, 220), "tire": (28, 28, 32), "metal": (175, 180, 188), "white": (242, 242, 238),
    "skin": (226, 178, 140), "black": (22, 22, 26), "flame": (255, 196, 60), "flame2": (255, 96, 30),
    "wood": (122, 82, 48), "lamp": (255, 224, 120), "accent": (205, 40, 45), "beak": (240, 160, 40),
    "hair": (60, 40, 30), "cyan": (120, 230, 255), "visor": (200, 160, 70), "leaf2": (40, 100, 45),
}  # fmt: skip


def palette(body: RGB) -> dict[str, RGB]:
    """Colour roles derived from one body colour (dark: shaded parts and outline; light: highlights)."""
    b = np.array(body, np.float32)
    pal = dict(_FIXED)
    pal["body"] = body
    pal["dark"] = tuple(int(v) for v in b * 0.6)  # type: ignore[assignment]
    pal["light"] = tuple(int(v) for v in b + (255 - b) * 0.45)  # type: ignore[assignment]
    pal["outline"] = tuple(int(v) for v in b * 0.3)  # type: ignore[assignment]
    return pal


class Pen:
    """Draws unit-box shapes onto a Pillow ImageDraw at `scale` pixels per unit."""

    def __init__(self, draw: object, scale: float, ox: float, oy: float, pal: dict[str, RGB]) -> None:
        self.d = draw
        self.s = scale
        self.ox, self.oy = ox, oy
        self.pal = pal

    def _p(self, x: float, y: float) -> tuple[float, float]:
        return (self.ox + x * self.s, self.oy + y * self.s)

    def poly(self, pts: list[tuple[float, float]], c: str) -> None:
        self.d.polygon([self._p(*q) for q in pts], fill=self.pal[c])  # type: ignore[attr-defined]

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, c: str) -> None:
        x0, y0 = self._p(cx - rx, cy - ry)
        x1, y1 = self._p(cx + rx, cy + ry)
        self.d.ellipse([x0, y0, x1, y1], fill=self.pal[c])  # type: ignore[attr-defined]

    def circle(self, cx: float, cy: float, r: float, c: str) -> None:
        self.ellipse(cx, cy, r, r, c)

    def ring(self, cx: float, cy: float, r: float, w: float, c: str) -> None:
        x0, y0 = self._p(cx - r, cy - r)
        x1, y1 = self._p(cx + r, cy + r)
        self.d.ellipse([x0, y0, x1, y1], outline=self.pal[c], width=max(1, round(w * self.s)))  # type: ignore[attr-defined]

    def rect(self, x0: float, y0: float, x1: float, y1: float, c: str, r: float = 0.0) -> None:
        a, b = self._p(x0, y0)
        e, f = self._p(x1, y1)
        if r > 0:
            self.d.rounded_rectangle([a, b, e, f], radius=r * self.s, fill=self.pal[c])  # type: ignore[attr-defined]
        else:
            self.d.rectangle([a, b, e, f], fill=self.pal[c])  # type: ignore[attr-defined]

    def line(self, pts: list[tuple[float, float]], w: float, c: str) -> None:
        """A polyline with round joints and caps, `w` units wide."""
        px = [self._p(*q) for q in pts]
        self.d.line(px, fill=self.pal[c], width=max(1, round(w * self.s)), joint="curve")  # type: ignore[attr-defined]
        for q in (pts[0], pts[-1]):
            self.circle(q[0], q[1], w / 2, c)


def _leg(
    p: Pen,
    hip: tuple[float, float],
    length: float,
    angle: float,
    bend: float,
    w: float,
    c: str,
    foot: str | None = None,
) -> None:
    """Two-segment limb from `hip`; angle in radians from straight down (positive = forward)."""
    ux, uy = math.sin(angle), math.cos(angle)
    knee = (hip[0] + ux * length / 2, hip[1] + uy * length / 2)
    a2 = angle - bend
    end = (knee[0] + math.sin(a2) * length / 2, knee[1] + math.cos(a2) * length / 2)
    p.line([hip, knee, end], w, c)
    if foot:
        p.ellipse(end[0] + w * 0.5, end[1] - w * 0.15, w * 0.9, w * 0.5, foot)


def _wheel(p: Pen, cx: float, cy: float, r: float, t: float) -> None:
    p.circle(cx, cy, r, "tire")
    p.circle(cx, cy, r * 0.55, "metal")
    a = -2 * math.pi * t
    for k in range(3):
        b = a + k * 2 * math.pi / 3
        p.line([(cx, cy), (cx + math.cos(b) * r * 0.5, cy + math.sin(b) * r * 0.5)], r * 0.12, "dark")
    p.circle(cx, cy, r * 0.14, "dark")


def _sw(t: float, k: float = 0.0) -> float:
    return math.sin(2 * math.pi * (t + k))


# -- vehicles -----------------------------------------------------------------------------------------
def _car(p: Pen, t: float, a: float) -> None:
    p.poly([(0.55, 0.48), (0.82, 0.16), (1.42, 0.16), (1.78, 0.48)], "body")
    p.rect(0.04, 0.44, 2.16, 0.82, "body", r=0.13)
    p.poly([(0.7, 0.46), (0.89, 0.23), (1.1, 0.23), (1.1, 0.46)], "glass")
    p.poly([(1.17, 0.46), (1.17, 0.23), (1.38, 0.23), (1.62, 0.46)], "glass")
    p.rect(0.12, 0.58, 2.08, 0.63, "light")
    p.ellipse(2.1, 0.54, 0.05, 0.04, "lamp")
    p.ellipse(0.07, 0.54, 0.03, 0.04, "accent")
    _wheel(p, 0.52, 0.81, 0.19, t)
    _wheel(p, 1.7, 0.81, 0.19, t)


def _truck(p: Pen, t: float, a: float) -> None:
    p.rect(0.04, 0.06, 1.62, 0.76, "body", r=0.03)
    p.rect(0.1, 0.12, 1.56, 0.18, "light")
    p.poly([(1.66, 0.78), (1.66, 0.2), (2.08, 0.2), (2.36, 0.48), (2.36, 0.78)], "body")
    p.poly([(1.86, 0.26), (2.06, 0.26), (2.28, 0.48), (1.86, 0.48)], "glass")
    p.rect(0.04, 0.72, 2.36, 0.8, "dark")
    p.ellipse(2.33, 0.62, 0.04, 0.04, "lamp")
    for x in (0.38, 0.82, 2.02):
        _wheel(p, x, 0.83, 0.17, t)


def _bus(p: Pen, t: float, a: float) -> None:
    p.rect(0.04, 0.08, 2.56, 0.82, "body", r=0.12)
    for i in range(6):
        x = 0.2 + i * 0.33
        p.rect(x, 0.2, x + 0.26, 0.46, "glass", r=0.03)
    p.rect(2.22, 0.2, 2.48, 0.7, "glass", r=0.03)
    p.rect(0.06, 0.55, 2.54, 0.6, "light")
    p.ellipse(2.52, 0.7, 0.04, 0.04, "lamp")
    _wheel(p, 0.55, 0.83, 0.17, t)
    _wheel(p, 2.0, 0.83, 0.17, t)


def _train(p: Pen, t: float, a: float) -> None:
    p.rect(0.04, 0.22, 1.9, 0.78, "body", r=0.06)
    for i in range(5):
        x = 0.18 + i * 0.34
        p.rect(x, 0.32, x + 0.24, 0.5, "glass", r=0.03)
    p.rect(1.9, 0.62, 2.06, 0.66, "black")
    p.rect(2.04, 0.1, 2.6, 0.78, "dark", r=0.03)
    p.rect(2.14, 0.2, 2.46, 0.42, "glass")
    p.rect(2.56, 0.3, 3.72, 0.76, "body", r=0.14)
    p.rect(3.3, 0.06, 3.48, 0.32, "black")
    p.rect(2.6, 0.44, 3.7, 0.5, "light")
    p.poly([(3.66, 0.66), (3.96, 0.9), (3.66, 0.9)], "dark")
    p.ellipse(3.72, 0.42, 0.06, 0.06, "lamp")
    for x in (0.35, 0.75, 1.2, 1.6, 2.3, 2.8, 3.2):
        _wheel(p, x, 0.87, 0.13, t)


def _airplane(p: Pen, t: float, a: float) -> None:
    p.poly([(0.12, 0.46), (0.02, 0.06), (0.26, 0.06), (0.5, 0.44)], "body")
    p.poly([(0.05, 0.46), (0.5, 0.42), (0.48, 0.52), (0.1, 0.54)], "dark")
    p.ellipse(1.0, 0.5, 0.95, 0.14, "body")
    p.poly([(1.7, 0.38), (1.95, 0.5), (1.7, 0.6)], "body")
    p.poly([(1.72, 0.42), (1.86, 0.47), (1.72, 0.47)], "glass")
    for i in range(9):
        p.circle(0.55 + i * 0.12, 0.46, 0.025, "glass")
    p.rect(0.2, 0.54, 1.8, 0.58, "light")
    p.poly([(0.8, 0.55), (1.22, 0.55), (0.95, 0.96), (0.78, 0.96)], "dark")
    p.ellipse(0.98, 0.74, 0.1, 0.05, "metal")


def _helicopter(p: Pen, t: float, a: float) -> None:
    p.poly([(0.06, 0.42), (0.95, 0.48), (0.95, 0.6), (0.12, 0.5)], "body")
    p.poly([(0.02, 0.3), (0.14, 0.3), (0.2, 0.5), (0.08, 0.52)], "dark")
    r = 0.09 + 0.05 * abs(math.cos(2 * math.pi * t * 2))
    p.ellipse(0.08, 0.4, r, 0.03, "metal")
    p.ellipse(1.3, 0.56, 0.5, 0.3, "body")
    p.ellipse(1.52, 0.5, 0.26, 0.2, "glass")
    p.rect(1.25, 0.16, 1.33, 0.28, "dark")
    half = 0.15 + 0.8 * abs(math.cos(math.pi * t * 3))
    p.rect(1.29 - half, 0.12, 1.29 + half, 0.16, "dark")
    p.line([(1.05, 0.82), (1.1, 0.94)], 0.04, "dark")
    p.line([(1.55, 0.82), (1.5, 0.94)], 0.04, "dark")
    p.line([(0.9, 0.95), (1.78, 0.95)], 0.045, "dark")


def _rocket(p: Pen, t: float, a: float) -> None:
    fl = 0.28 + 0.08 * _sw(t * 3)
    p.poly([(0.5, 0.36), (0.5 - fl * 1.6, 0.5), (0.5, 0.64)], "flame2")
    p.poly([(0.5, 0.41), (0.5 - fl, 0.5), (0.5, 0.59)], "flame")
    p.rect(0.45, 0.31, 2.0, 0.69, "body", r=0.05)
    p.poly([(1.98, 0.31), (2.56, 0.5), (1.98, 0.69)], "dark")
    p.poly([(0.45, 0.31), (0.72, 0.31), (0.5, 0.08)], "dark")
    p.poly([(0.45, 0.69), (0.72, 0.69), (0.5, 0.92)], "dark")
    p.rect(1.1, 0.31, 1.16, 0.69, "light")
    p.circle(1.6, 0.5, 0.1, "metal")
    p.circle(1.6, 0.5, 0.07, "glass")


def _spaceship(p: Pen, t: float, a: float) -> None:
    g = 0.13 + 0.03 * _sw(t * 2)
    p.ellipse(0.12, 0.56, g * 1.6, g, "cyan")
    p.poly([(0.12, 0.4), (1.2, 0.3), (2.16, 0.55), (1.2, 0.72), (0.12, 0.72)], "body")
    p.poly([(0.4, 0.64), (1.3, 0.64), (0.9, 0.98), (0.5, 0.98)], "dark")
    p.poly([(0.3, 0.4), (0.6, 0.06), (0.8, 0.06), (0.75, 0.36)], "dark")
    p.poly([(1.25, 0.36), (1.6, 0.42), (1.75, 0.5), (1.3, 0.48)], "glass")
    p.rect(0.3, 0.57, 1.9, 0.6, "light")


def _ufo(p: Pen, t: float, a: float) -> None:
    p.ellipse(1.0, 0.42, 0.42, 0.32, "glass")
    p.ellipse(1.0, 0.62, 0.96, 0.19, "body")
    p.ellipse(1.0, 0.68, 0.6, 0.1, "dark")
    for i in range(7):
        on = (i + int(t * 7)) % 3 == 0
        p.circle(0.3 + i * 0.233, 0.62, 0.045, "lamp" if on else "light")


def _boat(p: Pen, t: float, a: float) -> None:
    p.line([(0.62, 0.04), (0.62, 0.74)], 0.035, "wood")
    p.poly([(0.66, 0.06), (0.66, 0.68), (1.2, 0.68)], "white")
    p.poly([(0.58, 0.12), (0.58, 0.68), (0.12, 0.68)], "light")
    p.poly([(0.02, 0.72), (1.28, 0.72), (1.06, 0.97), (0.2, 0.97)], "body")
    p.rect(0.1, 0.76, 1.2, 0.8, "light")


def _ship(p: Pen, t: float, a: float) -> None:
    p.rect(1.2, 0.08, 1.42, 0.36, "body")
    p.rect(1.2, 0.08, 1.42, 0.14, "black")
    p.rect(1.62, 0.12, 1.84, 0.36, "body")
    p.rect(1.62, 0.12, 1.84, 0.18, "black")
    p.rect(0.7, 0.34, 2.1, 0.56, "white")
    p.rect(0.95, 0.26, 1.95, 0.36, "white")
    for i in range(10):
        p.rect(0.78 + i * 0.13, 0.41, 0.84 + i * 0.13, 0.47, "glass")
    p.poly([(0.0, 0.55), (2.6, 0.55), (2.38, 0.96), (0.16, 0.96)], "dark")
    p.rect(0.05, 0.55, 2.55, 0.62, "body")


def _submarine(p: Pen, t: float, a: float) -> None:
    p.ellipse(0.12, 0.6, 0.05, 0.2 * abs(math.cos(2 * math.pi * t * 2)) + 0.03, "metal")
    p.poly([(0.1, 0.6), (0.35, 0.45), (0.35, 0.75)], "dark")
    p.ellipse(1.35, 0.6, 1.15, 0.26, "body")
    p.rect(1.1, 0.16, 1.6, 0.46, "body", r=0.06)
    p.line([(1.45, 0.17), (1.45, 0.04), (1.6, 0.04)], 0.03, "dark")
    for i in range(4):
        p.circle(1.6 + i * 0.22, 0.58, 0.05, "glass")
    p.rect(0.4, 0.66, 2.3, 0.7, "light")


def _rider(
    p: Pen,
    hip: tuple[float, float],
    shoulder: tuple[float, float],
    hand: tuple[float, float],
    foot: tuple[float, float],
    shirt: str,
    pants: str,
) -> None:
    knee = ((hip[0] + foot[0]) / 2 + 0.12, (hip[1] + foot[1]) / 2 - 0.06)
    p.line([hip, knee, foot], 0.08, pants)
    p.line([hip, shoulder], 0.13, shirt)
    p.line([shoulder, hand], 0.06, shirt)
    p.circle(shoulder[0] + 0.06, shoulder[1] - 0.12, 0.085, "skin")
    p.ellipse(shoulder[0] + 0.04, shoulder[1] - 0.17, 0.085, 0.05, "hair")


def _bicycle(p: Pen, t: float, a: float) -> None:
    ang = -2 * math.pi * t
    crank = (0.74, 0.8)
    ped = (crank[0] + 0.1 * math.cos(ang), crank[1] + 0.1 * math.sin(ang))
    ped2 = (crank[0] - 0.1 * math.cos(ang), crank[1] - 0.1 * math.sin(ang))
    _rider(p, (0.6, 0.46), (0.92, 0.22), (1.12, 0.44), ped2, "dark", "dark")
    for cx in (0.32, 1.24):
        p.ring(cx, 0.8, 0.19, 0.035, "tire")
        p.circle(cx, 0.8, 0.03, "metal")
    p.line([(0.32, 0.8), (0.74, 0.8), (1.1, 0.5), (0.62, 0.5), (0.32, 0.8)], 0.04, "body")
    p.line([(0.74, 0.8), (0.6, 0.46)], 0.04, "body")
    p.line([(1.24, 0.8), (1.1, 0.42), (1.16, 0.38)], 0.04, "body")
    p.rect(0.52, 0.44, 0.68, 0.47, "black")
    _rider(p, (0.6, 0.46), (0.92, 0.22), (1.12, 0.44), ped, "body", "dark")


def _motorcycle(p: Pen, t: float, a: float) -> None:
    for cx in (0.34, 1.46):
        _wheel(p, cx, 0.8, 0.2, t)
    p.poly([(0.34, 0.78), (0.7, 0.52), (1.2, 0.5), (1.46, 0.78), (1.2, 0.72), (0.7, 0.72)], "dark")
    p.rect(0.7, 0.6, 1.05, 0.78, "metal", r=0.04)
    p.poly([(0.55, 0.5), (1.05, 0.42), (1.25, 0.5), (0.6, 0.56)], "body")
    p.line([(1.46, 0.8), (1.3, 0.36)], 0.045, "metal")
    p.line([(0.5, 0.72), (0.12, 0.66)], 0.05, "metal")
    p.line([(0.74, 0.46), (1.05, 0.2)], 0.14, "black")
    p.line([(1.05, 0.22), (1.28, 0.4)], 0.06, "black")
    p.line([(0.74, 0.46), (1.0, 0.5), (0.92, 0.7)], 0.09, "black")
    p.circle(1.12, 0.1, 0.1, "body")
    p.rect(1.13, 0.07, 1.22, 0.12, "glass")


# -- people and creatures -----------------------------------------------------------------------------
def _person(p: Pen, t: float, a: float) -> None:
    _human(p, t, a)


@dataclass(frozen=True)
class Build:
    """How a walking human figure differs by age and by the pictogram conventions for women and men."""

    head: float = 0.085  # head radius, units of the figure's height
    long_hair: bool = False
    skirt: bool = False
    grey: bool = False  # grey hair, a stoop and a walking stick
    stride: float = 0.6  # leg swing at full amplitude, radians


def _human(p: Pen, t: float, a: float, b: Build = Build()) -> None:
    stoop = 0.06 if b.grey else 0.0
    sw = b.stride * a * _sw(t)
    bob = 0.02 * a * abs(_sw(t))
    hip = (0.3, 0.55 - bob)
    sh = (0.3 + 0.05 * a + stoop, 0.22 - bob + stoop * 0.5)
    hair = "white" if b.grey else "hair"
    hx, hy = sh[0] + 0.02, sh[1] - 0.015 - b.head  # the neck is 0.015 long
    if b.long_hair:  # behind the head and shoulders
        p.ellipse(hx - 0.03, hy + b.head * 0.6, b.head * 1.05, b.head * 1.5, hair)
    _leg(p, hip, 0.44, -sw, 0.9 * a * max(0.0, _sw(t + 0.25)) + 0.05, 0.1, "dark", "black")
    _leg(p, (sh[0], sh[1] + 0.04), 0.32, sw, -0.5 * a - 0.1, 0.07, "dark", None)
    p.line([hip, sh], 0.16, "body")
    _leg(p, hip, 0.44, sw, 0.9 * a * max(0.0, _sw(t + 0.75)) + 0.05, 0.1, "dark", "black")
    if b.skirt:  # a flared skirt from the waist to the knees
        p.poly(
            [
                (hip[0] - 0.07, hip[1] - 0.1),
                (hip[0] + 0.07, hip[1] - 0.1),
                (hip[0] + 0.15, hip[1] + 0.2),
                (hip[0] - 0.15, hip[1] + 0.2),
            ],
            "body",
        )
    p.circle(hx, hy, b.head, "skin")
    p.ellipse(hx - 0.02, hy - 0.05, b.head + 0.005, 0.05 * b.head / 0.085, hair)
    arm = -sw if not b.grey else 0.35  # the front arm holds the stick still
    _leg(p, (sh[0], sh[1] + 0.04), 0.34, arm, -0.5 * a - 0.1, 0.07, "body", None)
    if b.grey:
        tip = (sh[0] + 0.04 + 0.34 * math.sin(0.35), 1.0)
        p.line([(tip[0] - 0.02, sh[1] + 0.3), tip], 0.035, "wood")


# Pictogram builds of the walking figure (drawn as "animatic:<name>"): children have larger heads and
# shorter strides; the figure is drawn in a unit box, so a child's smaller size comes from Kind.scale.
BUILDS: dict[str, Build] = {
    "man": Build(),
    "woman": Build(long_hair=True, skirt=True),
    "child": Build(head=0.11, stride=0.7),
    "boy": Build(head=0.11, stride=0.7),
    "girl": Build(head=0.11, long_hair=True, skirt=True, stride=0.7),
    "old-man": Build(grey=True, stride=0.35),
    "old-woman": Build(grey=True, long_hair=True, skirt=True, stride=0.35),
    "old-person": Build(grey=True, stride=0.35),  # old, sex not said ("an old fisherman")
}


def _build(b: Build) -> Callable[[Pen, float, float], None]:
    return lambda p, t, a: _human(p, t, a, b)


def _astronaut(p: Pen, t: float, a: float) -> None:
    sw = 0.4 * a * _sw(t)
    hip, sh = (0.3, 0.56), (0.32, 0.28)
    p.rect(0.08, 0.22, 0.24, 0.52, "metal", r=0.04)
    _leg(p, hip, 0.42, -sw, 0.0, 0.15, "dark", "dark")
    p.line([hip, sh], 0.24, "body")
    _leg(p, hip, 0.42, sw, 0.0, 0.15, "body", "dark")
    p.circle(0.36, 0.14, 0.13, "body")
    p.ellipse(0.41, 0.14, 0.08, 0.07, "visor")
    p.rect(0.28, 0.32, 0.4, 0.4, "accent")
    _leg(p, (0.34, 0.3), 0.3, 0.4 - sw, -0.3, 0.1, "body", None)


def _robot(p: Pen, t: float, a: float) -> None:
    st = 0.06 * a * _sw(t)
    p.rect(0.17 - st, 0.66, 0.29 - st, 0.98, "dark")
    p.rect(0.33 + st, 0.66, 0.45 + st, 0.98, "dark")
    p.rect(0.1, 0.33, 0.5, 0.68, "body", r=0.04)
    p.rect(0.18, 0.42, 0.42, 0.5, "dark")
    p.circle(0.22, 0.46, 0.025, "accent")
    p.circle(0.3, 0.46, 0.025, "lamp")
    p.line([(0.46, 0.38), (0.56, 0.5 - st), (0.58, 0.62)], 0.06, "metal")
    p.line([(0.14, 0.38), (0.04, 0.52 + st), (0.06, 0.62)], 0.06, "metal")
    p.rect(0.16, 0.08, 0.46, 0.3, "body", r=0.05)
    p.line([(0.31, 0.08), (0.31, 0.0)], 0.025, "metal")
    p.circle(0.31, 0.01, 0.025, "accent")
    p.circle(0.3, 0.18, 0.035, "cyan")
    p.circle(0.41, 0.18, 0.035, "cyan")


def _quadruped(
    p: Pen,
    t: float,
    a: float,
    *,
    body: tuple[float, float, float, float],
    leg: float,
    w: float,
    hips: tuple[float, float],
) -> None:
    cx, cy, rx, ry = body
    for k, (hx, ph) in enumerate(((hips[0], 0.0), (hips[1], 0.5), (hips[0], 0.25), (hips[1], 0.75))):
        c = "dark" if k < 2 else "body"
        _leg(
            p,
            (hx, cy + ry * 0.4),
            leg,
            0.5 * a * _sw(t, ph),
            -0.4 * a * max(0.0, _sw(t, ph + 0.25)),
            w,
            c,
            None,
        )
        if k == 1:
            p.ellipse(cx, cy, rx, ry, "body")


def _horse(p: Pen, t: float, a: float) -> None:
    p.line([(0.3, 0.34), (0.16, 0.5), (0.14, 0.66)], 0.07, "dark")
    _quadruped(p, t, a, body=(0.68, 0.42, 0.42, 0.17), leg=0.5, w=0.075, hips=(0.38, 0.98))
    p.poly([(0.92, 0.3), (1.12, 0.06), (1.22, 0.1), (1.08, 0.45)], "body")
    p.poly([(1.1, 0.06), (1.38, 0.22), (1.34, 0.3), (1.1, 0.22)], "body")
    p.poly([(0.92, 0.3), (1.1, 0.04), (1.04, 0.0), (0.86, 0.28)], "dark")
    p.circle(1.19, 0.12, 0.02, "black")


def _dog(p: Pen, t: float, a: float) -> None:
    p.line([(0.3, 0.42), (0.16, 0.24 - 0.05 * _sw(t * 2))], 0.06, "body")
    _quadruped(p, t, a, body=(0.7, 0.48, 0.44, 0.17), leg=0.42, w=0.09, hips=(0.42, 0.98))
    p.circle(1.14, 0.3, 0.17, "body")
    p.ellipse(1.32, 0.36, 0.12, 0.08, "body")
    p.circle(1.43, 0.33, 0.03, "black")
    p.poly([(1.0, 0.2), (1.1, 0.18), (1.06, 0.46), (0.98, 0.4)], "dark")
    p.circle(1.2, 0.26, 0.025, "black")


def _cat(p: Pen, t: float, a: float) -> None:
    p.line([(0.28, 0.5), (0.12, 0.36), (0.16, 0.12), (0.26, 0.08)], 0.06, "body")
    _quadruped(p, t, a, body=(0.66, 0.56, 0.38, 0.15), leg=0.34, w=0.08, hips=(0.4, 0.92))
    p.circle(1.08, 0.38, 0.16, "body")
    p.poly([(0.96, 0.3), (0.98, 0.1), (1.08, 0.24)], "body")
    p.poly([(1.1, 0.24), (1.2, 0.1), (1.22, 0.3)], "body")
    p.circle(1.14, 0.36, 0.025, "lamp")
    p.circle(1.2, 0.42, 0.02, "dark")


def _bird(p: Pen, t: float, a: float) -> None:
    f = math.cos(2 * math.pi * t)
    p.poly([(0.46, 0.46), (0.05, 0.36), (0.1, 0.6), (0.46, 0.56)], "dark")
    p.poly([(0.62, 0.42), (0.98, 0.42), (0.66 - 0.1 * f, 0.5 - 0.46 * f)], "dark")
    p.ellipse(0.8, 0.5, 0.42, 0.15, "body")
    p.circle(1.18, 0.42, 0.13, "body")
    p.poly([(1.28, 0.38), (1.55, 0.45), (1.28, 0.5)], "beak")
    p.circle(1.22, 0.39, 0.025, "black")
    p.ellipse(0.82, 0.56, 0.26, 0.06, "light")
    p.poly([(0.6, 0.46), (1.0, 0.46), (0.7 - 0.1 * f, 0.5 - 0.42 * f)], "body")


def _fish(p: Pen, t: float, a: float) -> None:
    w = 0.08 * _sw(t)
    p.poly([(0.4, 0.5), (0.04, 0.18 + w), (0.12, 0.5 + w), (0.04, 0.82 + w)], "dark")
    p.poly([(0.8, 0.28), (1.1, 0.04), (1.3, 0.28)], "dark")
    p.ellipse(1.05, 0.5, 0.68, 0.3, "body")
    p.ellipse(1.1, 0.6, 0.5, 0.14, "light")
    for x in (0.8, 1.05):
        p.rect(x, 0.24, x + 0.07, 0.76, "dark")
    p.circle(1.45, 0.44, 0.07, "white")
    p.circle(1.47, 0.44, 0.035, "black")


def _whale(p: Pen, t: float, a: float) -> None:
    w = 0.1 * _sw(t)
    p.poly([(0.46, 0.5), (0.06, 0.22 + w), (0.18, 0.48 + w), (0.06, 0.74 + w)], "body")
    p.ellipse(1.5, 0.55, 1.22, 0.32, "body")
    p.ellipse(1.62, 0.7, 1.0, 0.15, "light")
    p.poly([(1.6, 0.72), (1.95, 0.78), (1.45, 0.98)], "dark")
    p.circle(2.3, 0.52, 0.04, "black")
    p.line([(2.12, 0.66), (2.6, 0.64)], 0.02, "dark")


def _shark(p: Pen, t: float, a: float) -> None:
    w = 0.08 * _sw(t)
    p.poly([(0.5, 0.5), (0.04, 0.12 + w), (0.18, 0.52 + w), (0.1, 0.82 + w)], "body")
    p.poly([(1.1, 0.3), (1.3, 0.0), (1.55, 0.32)], "body")
    p.poly([(0.3, 0.45), (1.4, 0.28), (2.3, 0.4), (2.58, 0.55), (2.2, 0.7), (1.2, 0.76), (0.3, 0.6)], "body")
    p.poly([(0.5, 0.58), (1.2, 0.76), (2.2, 0.7), (2.4, 0.62), (1.4, 0.6)], "light")
    p.poly([(1.5, 0.7), (1.8, 0.7), (1.4, 0.98)], "dark")
    for i in range(3):
        p.line([(1.86 + i * 0.06, 0.45), (1.82 + i * 0.06, 0.6)], 0.02, "dark")
    p.circle(2.22, 0.47, 0.035, "black")


def _dragon(p: Pen, t: float, a: float) -> None:
    f = math.cos(2 * math.pi * t)
    tip = (0.55 - 0.1 * f, 0.5 - 0.5 * f)
    p.poly([(0.62, 0.48), (1.06, 0.46), (tip[0] + 0.2, tip[1]), (tip[0], tip[1] + 0.05 * f)], "dark")
    p.poly([(0.46, 0.52), (0.02, 0.66), (0.06, 0.7), (0.46, 0.62)], "body")
    p.poly([(0.02, 0.62), (0.1, 0.76), (0.0, 0.74)], "dark")
    p.ellipse(0.8, 0.56, 0.44, 0.16, "body")
    p.poly([(1.1, 0.5), (1.44, 0.26), (1.52, 0.34), (1.22, 0.62)], "body")
    p.poly([(1.4, 0.24), (1.78, 0.3), (1.76, 0.4), (1.46, 0.4)], "body")
    p.poly([(1.44, 0.26), (1.36, 0.1), (1.5, 0.24)], "light")
    p.circle(1.58, 0.3, 0.025, "lamp")
    for x in (0.62, 0.98):
        _leg(p, (x, 0.66), 0.26, 0.3, 0.6, 0.06, "dark", None)
    p.poly([(0.66, 0.48), (1.1, 0.46), (tip[0] + 0.45, tip[1] + 0.12), (tip[0] + 0.2, tip[1])], "body")


def _dinosaur(p: Pen, t: float, a: float) -> None:
    sw = 0.5 * a * _sw(t)
    p.poly([(0.55, 0.36), (0.02, 0.52), (0.05, 0.58), (0.6, 0.56)], "body")
    _leg(p, (0.72, 0.55), 0.46, -sw, -0.3, 0.13, "dark", "dark")
    p.ellipse(0.8, 0.44, 0.38, 0.19, "body")
    p.poly([(1.0, 0.32), (1.2, 0.1), (1.34, 0.2), (1.14, 0.46)], "body")
    p.rect(1.12, 0.04, 1.62, 0.22, "body", r=0.06)
    p.poly([(1.22, 0.22), (1.58, 0.22), (1.5, 0.3), (1.24, 0.3)], "dark")
    p.circle(1.38, 0.1, 0.025, "black")
    p.line([(1.1, 0.44), (1.22, 0.52)], 0.04, "dark")
    _leg(p, (0.82, 0.55), 0.46, sw, -0.3, 0.14, "body", "dark")


def _rabbit(p: Pen, t: float, a: float) -> None:
    p.circle(0.22, 0.62, 0.07, "white")
    p.ellipse(0.5, 0.7, 0.3, 0.22, "body")
    p.ellipse(0.5, 0.92, 0.18, 0.06, "dark")
    p.ellipse(0.82, 0.46, 0.17, 0.14, "body")
    p.poly([(0.72, 0.38), (0.66, 0.02), (0.78, 0.02), (0.82, 0.36)], "body")
    p.poly([(0.82, 0.38), (0.88, 0.04), (0.98, 0.06), (0.9, 0.4)], "dark")
    p.circle(0.9, 0.44, 0.025, "black")
    p.ellipse(0.78, 0.88, 0.1, 0.05, "dark")


def _butterfly(p: Pen, t: float, a: float) -> None:
    k = 0.25 + 0.75 * abs(math.cos(math.pi * t * 2))
    cx = 0.65
    p.ellipse(cx - 0.3 * k, 0.32, 0.3 * k, 0.28, "body")
    p.ellipse(cx - 0.22 * k, 0.68, 0.22 * k, 0.2, "dark")
    p.ellipse(cx + 0.3 * k, 0.32, 0.3 * k, 0.28, "body")
    p.ellipse(cx + 0.22 * k, 0.68, 0.22 * k, 0.2, "dark")
    p.circle(cx - 0.3 * k, 0.3, 0.08 * k + 0.01, "light")
    p.circle(cx + 0.3 * k, 0.3, 0.08 * k + 0.01, "light")
    p.ellipse(cx, 0.5, 0.04, 0.3, "black")
    p.line([(cx, 0.22), (cx - 0.1, 0.04)], 0.02, "black")
    p.line([(cx, 0.22), (cx + 0.1, 0.04)], 0.02, "black")


def _jellyfish(p: Pen, t: float, a: float) -> None:
    for i in range(5):
        x = 0.14 + i * 0.105
        pts = [
            (x + 0.04 * math.sin(2 * math.pi * (t + j * 0.2 + i * 0.1)), 0.45 + j * 0.11) for j in range(6)
        ]
        p.line(pts, 0.025, "light")
    s = 1.0 + 0.06 * _sw(t)
    p.d.pieslice(  # type: ignore[attr-defined]
        [p._p(0.35 - 0.33 * s, 0.08)[0], p._p(0, 0.08)[1], p._p(0.35 + 0.33 * s, 0)[0], p._p(0, 0.8)[1]],
        180,
        360,
        fill=p.pal["body"],
    )
    p.ellipse(0.35, 0.44, 0.33 * s, 0.04, "dark")
    p.ellipse(0.28, 0.24, 0.08, 0.06, "light")


def _turtle(p: Pen, t: float, a: float) -> None:
    f = 0.1 * _sw(t)
    p.poly([(1.2, 0.62), (1.55 + f, 0.9), (1.3, 0.92)], "dark")
    p.poly([(0.6, 0.62), (0.4 - f, 0.92), (0.25, 0.86)], "dark")
    p.ellipse(1.55, 0.5, 0.2, 0.12, "light")
    p.circle(1.64, 0.46, 0.025, "black")
    p.d.pieslice([p._p(0.15, 0.2), p._p(1.45, 1.0)], 180, 360, fill=p.pal["body"])  # type: ignore[attr-defined]
    p.rect(0.15, 0.58, 1.45, 0.66, "light", r=0.04)
    for x in (0.45, 0.8, 1.1):
        p.ellipse(x, 0.42, 0.12, 0.09, "dark")


# -- places and things -------------------------------------------------------------------------------
def _tree(p: Pen, t: float, a: float) -> None:
    s = 0.03 * _sw(t)
    p.poly([(0.34, 1.0), (0.36, 0.5), (0.44, 0.5), (0.46, 1.0)], "wood")
    p.circle(0.4 + s, 0.3, 0.26, "body")
    p.circle(0.2 + s, 0.48, 0.19, "body")
    p.circle(0.6 + s, 0.48, 0.19, "body")
    p.circle(0.4 + s, 0.52, 0.16, "dark")
    p.circle(0.32 + s, 0.22, 0.1, "light")


def _house(p: Pen, t: float, a: float) -> None:
    p.rect(0.85, 0.06, 0.97, 0.3, "dark")
    p.rect(0.1, 0.42, 1.1, 1.0, "body")
    p.poly([(0.0, 0.44), (0.6, 0.02), (1.2, 0.44)], "dark")
    p.rect(0.48, 0.66, 0.72, 1.0, "wood")
    p.circle(0.68, 0.84, 0.02, "lamp")
    for x in (0.2, 0.82):
        p.rect(x, 0.56, x + 0.18, 0.74, "lamp")
        p.rect(x + 0.08, 0.56, x + 0.1, 0.74, "dark")


def _castle(p: Pen, t: float, a: float) -> None:
    p.rect(0.3, 0.3, 1.3, 1.0, "body")
    for i in range(6):
        x = 0.3 + i * 0.18
        p.rect(x, 0.24, x + 0.1, 0.31, "body")
    for x0 in (0.05, 1.25):
        p.rect(x0, 0.22, x0 + 0.3, 1.0, "light")
        p.poly([(x0 - 0.04, 0.23), (x0 + 0.15, -0.0), (x0 + 0.34, 0.23)], "accent")
        p.rect(x0 + 0.11, 0.42, x0 + 0.19, 0.56, "black")
    p.d.pieslice([p._p(0.6, 0.6), p._p(1.0, 1.0)], 180, 360, fill=p.pal["black"])  # type: ignore[attr-defined]
    p.rect(0.6, 0.8, 1.0, 1.0, "black")
    p.rect(0.78, 0.0, 0.8, 0.26, "dark")
    p.poly([(0.8, 0.0), (0.98, 0.05 + 0.02 * _sw(t)), (0.8, 0.1)], "accent")


def _lighthouse(p: Pen, t: float, a: float) -> None:
    p.poly([(0.06, 1.0), (0.12, 0.3), (0.33, 0.3), (0.39, 1.0)], "white")
    for y0 in (0.44, 0.72):
        f0, f1 = (y0 - 0.3) / 0.7, (y0 + 0.12 - 0.3) / 0.7
        p.poly(
            [
                (0.12 - 0.06 * f0, y0),
                (0.33 + 0.06 * f0, y0),
                (0.33 + 0.06 * f1, y0 + 0.12),
                (0.12 - 0.06 * f1, y0 + 0.12),
            ],
            "body",
        )
    p.rect(0.08, 0.27, 0.37, 0.31, "dark")
    p.rect(0.13, 0.14, 0.32, 0.27, "lamp")
    p.poly([(0.1, 0.15), (0.225, 0.02), (0.35, 0.15)], "body")


def _ball(p: Pen, t: float, a: float) -> None:
    p.circle(0.5, 0.52, 0.47, "body")
    ang = 2 * math.pi * t
    for k in range(3):
        b = ang + k * 2 * math.pi / 3
        p.line([(0.5, 0.52), (0.5 + 0.45 * math.cos(b), 0.52 + 0.45 * math.sin(b))], 0.05, "dark")
    p.circle(0.5, 0.52, 0.12, "dark")
    p.ellipse(0.34, 0.32, 0.12, 0.08, "light")


def _balloon(p: Pen, t: float, a: float) -> None:
    for x in (0.26, 0.54):
        p.line([(x - 0.08 if x < 0.4 else x + 0.08, 0.6), (x, 0.82)], 0.012, "wood")
    p.ellipse(0.4, 0.33, 0.38, 0.33, "body")
    p.poly([(0.12, 0.45), (0.68, 0.45), (0.5, 0.64), (0.3, 0.64)], "body")
    for dx in (-0.16, 0.16):
        p.ellipse(0.4 + dx, 0.33, 0.07, 0.32, "light")
    p.ellipse(0.4, 0.33, 0.07, 0.32, "dark")
    p.rect(0.3, 0.82, 0.5, 0.98, "wood", r=0.02)


def _snowman(p: Pen, t: float, a: float) -> None:
    p.circle(0.35, 0.76, 0.24, "body")
    p.circle(0.35, 0.42, 0.17, "body")
    p.circle(0.35, 0.18, 0.12, "body")
    p.rect(0.2, 0.27, 0.5, 0.32, "accent")
    p.poly([(0.42, 0.18), (0.62, 0.2), (0.42, 0.22)], "beak")
    p.circle(0.39, 0.14, 0.018, "black")
    p.rect(0.22, 0.02, 0.48, 0.08, "black")
    p.rect(0.27, -0.12, 0.43, 0.04, "black")
    for y in (0.4, 0.5, 0.66):
        p.circle(0.35, y, 0.02, "black")


def _windmill(p: Pen, t: float, a: float) -> None:
    p.poly([(0.18, 1.0), (0.3, 0.36), (0.5, 0.36), (0.62, 1.0)], "body")
    p.rect(0.34, 0.78, 0.46, 1.0, "wood")
    p.poly([(0.26, 0.38), (0.4, 0.24), (0.54, 0.38)], "dark")
    hub = (0.4, 0.34)
    for k in range(4):
        b = 2 * math.pi * (t + k / 4)
        e = (hub[0] + 0.33 * math.cos(b), hub[1] + 0.33 * math.sin(b))
        n = (-math.sin(b) * 0.06, math.cos(b) * 0.06)
        m = (hub[0] + 0.1 * math.cos(b), hub[1] + 0.1 * math.sin(b))
        p.poly([m, e, (e[0] + n[0], e[1] + n[1]), (m[0] + n[0], m[1] + n[1])], "white")
        p.line([hub, e], 0.015, "wood")
    p.circle(*hub, 0.03, "dark")


DrawFn = Callable[[Pen, float, float], None]


@dataclass(frozen=True)
class Kind:
    name: str
    aspect: float  # unit-box width / height
    place: str  # "ground" | "air" | "water" | "under" (underwater) | "prop" (stands still on the ground)
    draw: DrawFn
    scale: float  # rough real height, for sizing several subjects against each other
    motion: str  # default motion when the scene's action names none
    cycles_per_s: float = 2.0  # animation speed at full amplitude


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("car", 2.2, "ground", _car, 1.4, "speeding", 3.0),
        Kind("truck", 2.4, "ground", _truck, 3.0, "speeding", 2.5),
        Kind("bus", 2.6, "ground", _bus, 3.0, "speeding", 2.0),
        Kind("train", 4.0, "ground", _train, 3.5, "speeding", 3.0),
        Kind("airplane", 2.0, "air", _airplane, 4.0, "flying", 1.0),
        Kind("helicopter", 2.0, "air", _helicopter, 3.0, "flying", 4.0),
        Kind("rocket", 2.6, "air", _rocket, 4.0, "rising", 3.0),
        Kind("spaceship", 2.2, "air", _spaceship, 4.0, "flying", 2.0),
        Kind("ufo", 2.0, "air", _ufo, 3.0, "floating", 1.5),
        Kind("boat", 1.3, "water", _boat, 3.0, "swimming", 0.5),
        Kind("ship", 2.6, "water", _ship, 5.0, "swimming", 0.5),
        Kind("submarine", 2.6, "under", _submarine, 3.0, "swimming", 2.0),
        Kind("bicycle", 1.6, "ground", _bicycle, 1.8, "speeding", 1.5),
        Kind("motorcycle", 1.8, "ground", _motorcycle, 1.7, "speeding", 3.0),
        Kind("person", 0.6, "ground", _person, 1.8, "walking", 1.2),
        Kind("man", 0.6, "ground", _build(BUILDS["man"]), 1.8, "walking", 1.2),
        Kind("woman", 0.6, "ground", _build(BUILDS["woman"]), 1.7, "walking", 1.2),
        Kind("child", 0.6, "ground", _build(BUILDS["child"]), 1.2, "walking", 1.5),
        Kind("boy", 0.6, "ground", _build(BUILDS["boy"]), 1.2, "walking", 1.5),
        Kind("girl", 0.6, "ground", _build(BUILDS["girl"]), 1.2, "walking", 1.5),
        Kind("old-man", 0.62, "ground", _build(BUILDS["old-man"]), 1.7, "walking", 0.8),
        Kind("old-woman", 0.62, "ground", _build(BUILDS["old-woman"]), 1.6, "walking", 0.8),
        Kind("old-person", 0.62, "ground", _build(BUILDS["old-person"]), 1.7, "walking", 0.8),
        Kind("astronaut", 0.62, "ground", _astronaut, 1.9, "walking", 0.8),
        Kind("robot", 0.62, "ground", _robot, 2.0, "walking", 1.0),
        Kind("horse", 1.4, "ground", _horse, 1.8, "running", 2.0),
        Kind("dog", 1.5, "ground", _dog, 0.7, "running", 2.5),
        Kind("cat", 1.4, "ground", _cat, 0.45, "walking", 1.5),
        Kind("bird", 1.6, "air", _bird, 0.5, "flying", 3.0),
        Kind("fish", 2.0, "under", _fish, 0.5, "swimming", 2.0),
        Kind("whale", 2.8, "under", _whale, 5.0, "swimming", 0.5),
        Kind("shark", 2.6, "under", _shark, 2.0, "swimming", 1.5),
        Kind("dragon", 1.8, "air", _dragon, 5.0, "flying", 1.2),
        Kind("tree", 0.8, "prop", _tree, 6.0, "idle", 0.3),
        Kind("house", 1.2, "prop", _house, 6.0, "idle", 0.0),
        Kind("castle", 1.6, "prop", _castle, 12.0, "idle", 0.5),
        Kind("lighthouse", 0.45, "prop", _lighthouse, 12.0, "idle", 0.0),
        Kind("ball", 1.0, "ground", _ball, 0.3, "jumping", 1.5),
        Kind("balloon", 0.8, "air", _balloon, 5.0, "floating", 0.0),
        Kind("butterfly", 1.3, "air", _butterfly, 0.15, "flying", 4.0),
        Kind("dinosaur", 1.7, "ground", _dinosaur, 5.0, "walking", 0.8),
        Kind("rabbit", 1.1, "ground", _rabbit, 0.35, "jumping", 2.0),
        Kind("jellyfish", 0.7, "under", _jellyfish, 0.6, "floating", 0.7),
        Kind("turtle", 1.8, "under", _turtle, 0.8, "swimming", 1.0),
        Kind("snowman", 0.7, "prop", _snowman, 1.7, "idle", 0.0),
        Kind("windmill", 0.8, "prop", _windmill, 10.0, "idle", 0.4),
    ]
}


@dataclass(frozen=True)
class Sprite:
    """Premultiplied RGBA (h, w, 4) uint8 with its anchor: the pixel that sits on the subject's position
    (bottom centre for ground kinds, centre for the others). `shadow` is drawn first, under the subject."""

    rgba: np.ndarray
    anchor: tuple[float, float]
    shadow: np.ndarray | None = None  # (h, w) uint8 alpha of a soft black ground shadow, same frame as rgba


@lru_cache(maxsize=512)
def rasterise(
    kind: str, body: RGB, height_px: int, phase_q: int, amp_q: int, flip: bool, phases: int = 8
) -> Sprite:
    """Draw `kind` `height_px` tall (unit box height) at phase phase_q/phases and amplitude amp_q/4."""
    import cv2
    from PIL import Image, ImageDraw

    k = KINDS[kind]
    h = max(4, height_px)
    ss = max(2, min(SUPERSAMPLE, 480 // h))  # big sprites need less supersampling for the same smoothness
    s = h * ss
    pad = 0.14  # units of margin for outline, swinging limbs and the shadow
    w_px = math.ceil((k.aspect + 2 * pad) * s / ss) * ss  # multiples of ss: the downsample is exact
    h_px = math.ceil((1 + 2 * pad) * s / ss) * ss
    img = Image.new("RGBA", (w_px, h_px), (0, 0, 0, 0))
    pal = palette(body)
    pen = Pen(ImageDraw.Draw(img), s, pad * s, pad * s, pal)
    k.draw(pen, phase_q / phases, amp_q / 4)
    arr = np.asarray(img)
    alpha = np.ascontiguousarray(arr[..., 3])
    # 1. outline: dilate the silhouette by ~1.2% of its height and fill the rim with the outline colour
    #    (Pillow fills are hard-edged, so alpha is 0 or 255 here and a boolean mask is exact)
    r = max(1, round(0.012 * s))
    dil = cv2.dilate(alpha, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    rgb = arr[..., :3].copy()
    rgb[alpha < 128] = pal["outline"]
    prem = cv2.multiply(rgb, cv2.merge([dil, dil, dil]), scale=1 / 255.0)
    full = cv2.merge([*cv2.split(prem), dil])
    if flip:
        full = np.ascontiguousarray(full[:, ::-1])
    # 2. area-downsample the premultiplied image: the anti-aliasing
    rgba = cv2.resize(full, (w_px // ss, h_px // ss), interpolation=cv2.INTER_AREA)
    cx = (pad + k.aspect / 2) * s / ss
    if k.place in ("ground", "prop"):
        anchor = (cx, (pad + 1.0) * s / ss)
        sh = np.zeros(rgba.shape[:2], np.float32)
        cv2.ellipse(
            sh,
            (round(cx), round(anchor[1])),
            (max(1, round(k.aspect * s / ss * 0.45)), max(1, round(0.05 * s / ss))),
            0,
            0,
            360,
            1.0,
            -1,
            cv2.LINE_AA,
        )
        sh = cv2.GaussianBlur(sh, (0, 0), max(0.8, 0.025 * s / ss))
        shadow = (sh * 110).astype(np.uint8)
    else:
        anchor = (cx, (pad + 0.5) * s / ss)
        shadow = None
    return Sprite(rgba=rgba, anchor=anchor, shadow=shadow)
