"""Scene -> frames: the plan (what to draw, resolved from the script), motion, camera, compositing, grade.

`plan_scene` is pure and cheap; `render_frames(plan)` precomputes the set once and then yields frames one at
a time (uint8 (H, W, 3)), optionally with the subjects' alpha mask after the camera (for tests and debug).
Per frame: slice + blend the parallax layers, paste sprites, camera affine, weather, grade, vignette, grain.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from moviefactory.picture.animatic import resolve
from moviefactory.picture.animatic.shapes import KINDS, Kind, Sprite, rasterise
from moviefactory.picture.animatic.world import World, build_set, build_world
from moviefactory.timing import frame_count

if TYPE_CHECKING:
    from moviefactory.picture.animatic.design import Design
    from moviefactory.spec import Movie, Scene

RGB = tuple[int, int, int]

# shot size -> (subject height as a fraction of the frame height, max width as a fraction of the frame width)
SHOT_FRACTION: dict[str, tuple[float, float]] = {
    "extreme-wide": (0.1, 0.16), "wide": (0.2, 0.3), "full": (0.42, 0.5), "medium": (0.55, 0.62),
    "medium-close-up": (0.7, 0.75), "close-up": (0.85, 0.9), "extreme-close-up": (1.2, 1.3),
}  # fmt: skip
# motion -> (speed in frame widths per second, limb/wing amplitude 0..4, animation rate multiplier)
MOTION_SPEED: dict[str, tuple[float, int, float]] = {
    "speeding": (0.55, 4, 1.6), "racing": (0.55, 4, 1.6), "chasing": (0.5, 4, 1.5), "running": (0.32, 4, 1.4),
    "flying": (0.3, 4, 1.0), "walking": (0.12, 2, 0.8), "swimming": (0.12, 3, 0.8), "floating": (0.03, 1, 0.4),
    "jumping": (0.15, 3, 1.0), "falling": (0.04, 2, 1.0), "rising": (0.02, 2, 1.0), "circling": (0.0, 4, 1.0),
    "exploding": (0.0, 0, 0.5), "approaching": (0.02, 3, 1.0), "receding": (0.02, 3, 1.0), "idle": (0.0, 0, 0.4),
}  # fmt: skip
# mood -> (saturation, per-channel gains, contrast, lift (levels), shadow tint RGB, highlight tint RGB)
GRADES: dict[str, tuple[float, RGB | tuple[float, float, float], float, float, RGB, RGB]] = {
    "triumphant": (1.12, (1.05, 1.0, 0.93), 1.1, 0, (0, 4, 10), (12, 6, -6)),
    "tense": (0.8, (0.95, 1.02, 1.0), 1.15, 0, (-4, 8, 6), (0, 4, -2)),
    "sad": (0.65, (0.93, 0.97, 1.06), 0.9, 10, (0, 4, 14), (0, 0, 6)),
    "joyful": (1.2, (1.05, 1.03, 0.95), 1.02, 4, (0, 0, 0), (10, 8, 0)),
    "mysterious": (0.85, (0.92, 0.98, 1.08), 1.08, 0, (6, 0, 18), (0, 4, 8)),
    "calm": (0.95, (1.02, 1.0, 0.98), 0.92, 6, (0, 4, 6), (6, 4, 0)),
    "epic": (1.08, (1.04, 1.0, 0.96), 1.12, 0, (-6, 6, 14), (14, 6, -8)),
    "playful": (1.25, (1.02, 1.02, 1.0), 1.02, 4, (0, 0, 0), (6, 6, 0)),
    "romantic": (0.95, (1.06, 0.97, 0.99), 0.95, 8, (8, 0, 8), (14, 4, 6)),
    "dark": (0.7, (0.95, 0.97, 1.03), 1.2, -6, (0, 2, 10), (0, 0, 0)),
}  # fmt: skip


@dataclass(frozen=True)
class SubjectPlan:
    char_id: str
    kind: str  # a shapes.KINDS name, or "icon"
    color: RGB
    icon: tuple[str, str] | None = None  # (set, name) of an open-library icon, drawn instead of a kind
    place: str = ""  # where it is: ground | air | water | under; "" = the kind's own place
    held: tuple[str, str] | None = None  # (set, name) of an icon carried at the hand: what marks a role


def _kind(sp: SubjectPlan) -> Kind:
    """The shape parameters of a subject: its hand-drawn kind, or an icon's (square box, gentle bob)."""
    if sp.icon is None:
        k = KINDS[sp.kind]
        return replace(k, place=sp.place) if sp.place and sp.place != k.place else k  # a sailor in the water
    return Kind("icon", 1.0, sp.place or "ground", lambda p, t, a: None, 1.6, "idle", 1.2)


@lru_cache(maxsize=256)
def _icon_sprite(
    icon: tuple[str, str], color: RGB, height_px: int, phase_q: int, flip: bool, air: bool
) -> Sprite:
    """An icon as a premultiplied sprite; phase_q/8 of a slow squash-and-stretch cycle so it breathes."""
    import cv2

    from moviefactory.picture.animatic.icons import IconLibrary

    rgba = IconLibrary.load().raster(icon[0], icon[1], max(4, height_px), tint=color)
    squash = 1.0 + 0.04 * math.sin(2 * math.pi * phase_q / 8)
    h, w = rgba.shape[:2]
    rgba = cv2.resize(
        rgba, (max(1, round(w / squash)), max(1, round(h * squash))), interpolation=cv2.INTER_AREA
    )
    if flip:
        rgba = np.ascontiguousarray(rgba[:, ::-1])
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    prem = np.concatenate([(rgba[..., :3].astype(np.float32) * a).astype(np.uint8), rgba[..., 3:4]], axis=2)
    hh, ww = prem.shape[:2]
    return Sprite(rgba=np.ascontiguousarray(prem), anchor=(ww / 2, hh / 2 if air else float(hh)))


@dataclass(frozen=True)
class ScenePlan:
    """Everything a frame depends on, resolved to plain values (picklable, hashable, no model)."""

    scene_id: str
    width: int
    height: int
    fps: int
    num_frames: int
    family: str
    road: bool
    time_of_day: str
    weather: str
    shot: str
    camera: str
    motion: str
    leftward: bool
    mood: str
    seed: int
    subjects: tuple[SubjectPlan, ...] = ()
    set_name: str = ""  # a sets.SETS name (from the prompt); "" = the older terrain family path
    extra_words: str = ""  # the scene's words that may ask for effects (fog, lava, debris)
    landmarks: tuple[tuple[str, str], ...] = ()  # design.landmarks: what the place names beyond the set
    grain: float = 3.0  # grain standard deviation in 8-bit levels; 0 disables
    vignette: float = 0.3  # darkening at the corners, 0..1
    notes: tuple[str, ...] = field(default=(), compare=False)  # how free text was understood


def character_color(char_id: str, name: str, description: str, color: str, kind: str) -> RGB:
    """Character.color, else the first colour word in the name/description, else from the id."""
    if color:
        return resolve.parse_hex(color)
    word = resolve.color_word(description, name)
    return word if word is not None else resolve.color_from_id(char_id, kind)


def plan_scene(
    movie: Movie,
    scene: Scene,
    *,
    kinds: dict[str, str] | None = None,
    terrains: dict[str, tuple[str, bool]] | None = None,
    grain: float = 3.0,
    vignette: float = 0.3,
    design: Design | None = None,
) -> ScenePlan:
    """Resolve one scene (from its Design when the backend made one: the prompt is the source). `kinds` (char id -> kind) and `terrains` (scene id -> (family, road)) come from
    AnimaticBackend.prepare (keywords + embeddings); missing entries fall back to keywords only."""
    if design is not None:
        return _plan_from_design(movie, scene, design, grain=grain, vignette=vignette)
    notes: list[str] = []
    subs: list[SubjectPlan] = []
    for cid in scene.subjects:
        ch = movie.character(cid)
        kind = (kinds or {}).get(cid) or resolve.kind_by_keywords(ch.kind, ch.name, ch.description)
        if kind is None:
            kind = "person"
            notes.append(f"character {cid!r}: no known kind in its text; drawn as a person")
        subs.append(SubjectPlan(cid, kind, character_color(cid, ch.name, ch.description, ch.color, kind)))
    terrain = (
        (terrains or {}).get(scene.id)
        or resolve.terrain_by_keywords(scene.setting)
        or resolve.terrain_by_keywords(scene.prompt)
    )
    if terrain is None:
        terrain = ("field", False)
        if scene.setting:
            notes.append(f"setting {scene.setting!r}: no known terrain; drawn as open fields")
    motion = _settle_motion(
        resolve.motion_by_keywords(scene.action) or resolve.motion_by_keywords(scene.prompt), subs
    )
    return ScenePlan(
        **_scene_fields(movie, scene, grain=grain, vignette=vignette),
        family=terrain[0],
        road=terrain[1],
        time_of_day=scene.time_of_day.value,
        weather=scene.weather.value,
        motion=motion,
        subjects=tuple(subs),
        notes=tuple(notes),
    )


def _scene_fields(movie: Movie, scene: Scene, *, grain: float, vignette: float) -> dict[str, Any]:
    """The ScenePlan fields both plan paths take straight from the movie's style and the scene."""
    fps = movie.style.fps
    return {
        "scene_id": scene.id,
        "width": movie.style.width,
        "height": movie.style.height,
        "fps": fps,
        "num_frames": frame_count(scene.duration_s, fps),
        "shot": scene.shot.value,
        "camera": scene.camera.value,
        "leftward": resolve.is_leftward(scene.action),
        "mood": movie.tone.mood.value,
        "seed": _plan_seed(scene),
        "grain": grain,
        "vignette": vignette,
    }


def _settle_motion(motion: str | None, subs: list[SubjectPlan]) -> str:
    """The asked motion, made possible: the first subject's own motion when none is asked; a race or a chase
    needs two (one alone speeds or runs)."""
    if motion is None:
        motion = _kind(subs[0]).motion if subs else "idle"
    if motion == "racing" and len(subs) < 2:
        motion = "speeding"
    if motion == "chasing" and len(subs) < 2:
        motion = "running" if subs and _kind(subs[0]).place == "ground" else "flying"
    return motion


def _plan_seed(scene: Scene) -> int:
    """The scene's frame seed, 0..2**32-1 (crc32 of the id, not Python's salted hash)."""
    return (scene.seed * 1_000_003 + zlib.crc32(scene.id.encode())) % (2**32)


def _plan_from_design(movie: Movie, scene: Scene, d: Design, *, grain: float, vignette: float) -> ScenePlan:
    subs: list[SubjectPlan] = []
    for f in d.figures:
        for k in range(f.count):
            kind = f.kind or "icon"
            subs.append(
                SubjectPlan(f.key if k == 0 else f"{f.key}#{k}", kind, f.color, f.icon, f.place, f.held)
            )
    subs = subs[:8]
    return ScenePlan(
        **_scene_fields(movie, scene, grain=grain, vignette=vignette),
        family=d.set_name,
        road=False,
        time_of_day=d.time_of_day,
        weather=d.weather,
        motion=_settle_motion(d.motion, subs),
        subjects=tuple(subs),
        set_name=d.set_name,
        extra_words=d.extra_words,
        landmarks=d.landmarks,
        notes=tuple(d.notes) + tuple(f"could not draw {u!r}" for u in d.unmatched),
    )


# -- easing and motion -------------------------------------------------------------------------------
def ease(u: float) -> float:
    """Cubic ease-in-out on [0, 1]."""
    u = min(1.0, max(0.0, u))
    return 4 * u**3 if u < 0.5 else 1 - (-2 * u + 2) ** 3 / 2


@dataclass
class _Pose:
    x: float  # anchor column in the world frame (before the camera), pixels
    y: float  # anchor row
    angle: float = 0.0  # degrees, counter-clockwise
    scale: float = 1.0
    flip: bool = False
    alpha: float = 1.0
    phase: float = 0.0  # animation phase, cycles


@dataclass
class _Motion:
    poses: list[list[_Pose]]  # [frame][subject]
    scroll: np.ndarray  # (F,) ground-plane camera travel in pixels (layers move by -scroll * depth)
    explode_at: float | None  # seconds


def _subject_heights(plan: ScenePlan) -> list[int]:
    fh, fw = SHOT_FRACTION.get(plan.shot, SHOT_FRACTION["medium"])
    W, H = plan.width, plan.height
    out = []
    k0 = _kind(plan.subjects[0])
    h0 = min(fh * H, fw * W / k0.aspect)
    for i, s in enumerate(plan.subjects):
        k = _kind(s)
        rel = 1.0 if i == 0 else min(1.5, max(0.5, (k.scale / k0.scale) ** 0.5))
        h = min(h0 * rel, fw * W / k.aspect * 1.2)
        if len(plan.subjects) > 1 and plan.motion not in ("racing", "chasing"):
            h *= 0.8  # leave room for the others
        out.append(max(6, int(h)))
    return out


@dataclass(frozen=True)
class _Blocking:
    """A scene's motion constants: where subjects travel and how (shared by every pose of the scene)."""

    plan: ScenePlan
    world: World
    D: float  # scene length, seconds
    d: float  # +1 rightward, -1 leftward
    travel: float  # pixels the subjects cross in the frame
    rate: float  # animation cycles per second at full amplitude
    explode_at: float | None  # seconds


def _plan_motion(plan: ScenePlan, world: World, heights: list[int]) -> _Motion:
    """Every subject's pose in every frame, from the scene's motion, camera and set (poses[frame][subject])."""
    W, F, fps = plan.width, plan.num_frames, plan.fps
    D = F / fps
    rng = np.random.default_rng(plan.seed ^ 0x5EED)
    speed, _amp, rate = MOTION_SPEED.get(plan.motion, MOTION_SPEED["idle"])
    d = -1.0 if plan.leftward else 1.0
    tracking = plan.camera in ("tracking", "aerial")
    cap = 0.1 * W if tracking else 0.62 * W
    total = speed * W * D
    travel = min(total, cap)
    scroll_total = (total - travel) + (total * 0.6 if tracking else 0.0)
    if plan.camera == "aerial":
        scroll_total += 0.08 * W * D
    u = np.linspace(0.0, 1.0, F) if F > 1 else np.zeros(1)
    scroll = d * scroll_total * u
    explode_at = 0.45 * D if plan.motion == "exploding" else None
    b = _Blocking(plan, world, D, d, travel, rate, explode_at)
    poses = [
        [_pose(b, i, heights[i], float(u[fi]), fi / fps, rng) for i in range(len(plan.subjects))]
        for fi in range(F)
    ]
    return _Motion(poses=poses, scroll=scroll, explode_at=explode_at)


def _standing(b: _Blocking, place: str) -> tuple[bool, float]:
    """(flying, the row the subject's anchor keeps) for a subject of this place in this set and motion."""
    world, m = b.world, b.plan.motion
    flying = m in ("flying", "circling", "rising", "falling") or place == "air"
    if (world.family == "sky" or world.kind == "orbit") and place in ("ground", "prop"):
        flying = True
    base_y = world.air if flying else {"water": world.water, "under": world.water}.get(place, world.baseline)
    if not flying and place not in ("water", "under"):
        base_y = world.baseline
    if place == "under" and not world.underwater:
        base_y = world.water
    return flying, base_y


def _pose(b: _Blocking, i: int, h: int, uf: float, t: float, rng: np.random.Generator) -> _Pose:
    """Subject i's pose at time t (uf: the scene's progress 0..1)."""
    plan, W, H, d, m = b.plan, b.plan.width, b.plan.height, b.d, b.plan.motion
    k = _kind(plan.subjects[i])
    n = len(plan.subjects)
    flying, base_y = _standing(b, k.place)
    cx = W / 2 + d * (uf - 0.5) * b.travel
    y = base_y
    angle, scale, alpha = 0.0, 1.0, 1.0
    flip = plan.leftward
    # spread several subjects; racing puts them in lanes, chasing in a line
    if m == "racing":
        lane = i - (n - 1) / 2
        y = base_y - lane * H * (0.1 if flying else 0.07)
        scale = 1.0 - 0.12 * lane
        cx += d * 0.06 * W * math.sin(2 * math.pi * (uf * max(1.0, b.D / 3) + i * 0.5))
    elif m == "chasing":
        gap = (0.36 - 0.16 * uf) * W  # the first subject is the chaser, behind the others
        cx += d * gap * (i - (n - 1) / 2)
    elif n > 1:
        cx += (i - (n - 1) / 2) * min(0.3 * W, W * 0.8 / n)
    if m in ("flying", "swimming") or (flying and m in ("speeding", "racing", "chasing", "running")):
        y += H * 0.035 * math.sin(2 * math.pi * (t / 2.2 + i * 0.3))
        angle = -4.0 * d * math.cos(2 * math.pi * (t / 2.2 + i * 0.3)) if flying else 0.0
        if m == "flying":
            y -= H * 0.06 * (uf - 0.5)
    elif k.place == "water":
        y += H * 0.01 * math.sin(2 * math.pi * t / 1.6)
        angle = 2.5 * math.sin(2 * math.pi * t / 2.0)
    if m in ("running", "speeding", "racing", "chasing") and not flying and k.name not in ("train",):
        y -= H * 0.006 * abs(math.sin(2 * math.pi * t * 2.5))
    cx, y, angle, scale, alpha, flip = _action(
        b, i, h, k, uf, t, rng, (cx, y, angle, scale, alpha, flip), base_y
    )
    if plan.camera.startswith("dolly"):
        g = ease(uf) if plan.camera == "dolly-in" else 1 - ease(uf)
        scale *= 1.0 + 0.15 * g
    return _Pose(cx, y, angle, scale, flip, alpha, phase=t * (k.cycles_per_s * b.rate) + i * 0.37)


_PoseParts = tuple[float, float, float, float, float, bool]  # cx, y, angle, scale, alpha, flip


def _action(
    b: _Blocking,
    i: int,
    h: int,
    k: Kind,
    uf: float,
    t: float,
    rng: np.random.Generator,
    pose: _PoseParts,
    base_y: float,
) -> _PoseParts:
    """The motion's own path on top of the travel: falling, rising, floating, jumping, circling, approaching,
    receding, exploding (a shake, then gone)."""
    cx, y, angle, scale, alpha, flip = pose
    W, H, d, m, n = b.plan.width, b.plan.height, b.d, b.plan.motion, len(b.plan.subjects)
    if m == "falling":
        y = (H * 0.08) + (b.world.baseline - h * 0.3 - H * 0.08) * uf**2
        angle = -d * 100.0 * uf**1.5
    elif m == "rising":
        y = base_y + H * 0.2 - H * 1.0 * ease(uf) * uf
        angle = 90.0 if k.name in ("rocket", "spaceship", "airplane") else 6.0
        flip = False
    elif m == "floating":
        y += H * 0.03 * math.sin(2 * math.pi * t / 3.0 + i)
        angle = 4.0 * math.sin(2 * math.pi * t / 4.0 + i)
    elif m == "jumping":
        hops = max(1, round(b.D * 1.2))
        y -= H * 0.22 * abs(math.sin(math.pi * hops * uf))
        angle = -d * 6.0 * math.cos(math.pi * hops * uf)
    elif m == "circling":
        laps = max(1.0, b.D / 4.0)
        ang = 2 * math.pi * (laps * uf + i / max(1, n))
        cx = W / 2 + d * 0.3 * W * math.cos(ang)
        y = base_y + H * 0.1 * math.sin(ang)
        scale = 0.85 + 0.15 * math.sin(ang)
        flip = (math.sin(ang) * d) > 0
        angle = 10.0 * math.cos(ang)
    elif m == "approaching":
        scale = 0.45 + 0.85 * ease(uf)
    elif m == "receding":
        scale = 1.3 - 0.85 * ease(uf)
    elif m == "exploding" and b.explode_at is not None:
        if t < b.explode_at:
            s_ = (t / b.explode_at) ** 2
            cx += W * 0.004 * s_ * rng.normal()
            y += H * 0.004 * s_ * rng.normal()
        else:
            alpha = max(0.0, 1.0 - (t - b.explode_at) / 0.25)
    return cx, y, angle, scale, alpha, flip


# -- camera -------------------------------------------------------------------------------------------
@dataclass
class _Cam:
    zoom: float = 1.0
    fx: float = 0.0  # world point at the frame centre
    fy: float = 0.0
    roll: float = 0.0  # degrees
    pan: float = 0.0  # extra horizontal travel in pixels for parallax pans (layers move by -pan*depth)
    focus_depth: float = 0.0  # depth that stays put during an orbit (the subject)


def _camera(plan: ScenePlan, fi: int, focus: tuple[float, float], rng_phase: np.ndarray) -> _Cam:
    W, H, F, fps = plan.width, plan.height, plan.num_frames, plan.fps
    u = fi / (F - 1) if F > 1 else 0.0
    t = fi / fps
    c = _Cam(fx=W / 2, fy=H / 2)
    mv = plan.camera
    if mv in ("zoom-in", "zoom-out", "dolly-in", "dolly-out"):
        g = ease(u) if mv.endswith("in") else 1.0 - ease(u)
        c.zoom = 1.0 + (0.6 if mv.startswith("zoom") else 0.3) * g
        c.fx = W / 2 + (focus[0] - W / 2) * g
        c.fy = H / 2 + (focus[1] - H / 2) * g
    elif mv in ("pan-left", "pan-right"):
        c.pan = (1 if mv == "pan-right" else -1) * 0.3 * W * (ease(u) - 0.5)
    elif mv in ("tilt-up", "tilt-down"):
        c.zoom = 1.25
        m = H / 2 * (1 - 1 / c.zoom)
        g = ease(u)
        c.fy = H / 2 + m * (1 - 2 * g) * (1 if mv == "tilt-up" else -1)
    elif mv == "orbit":
        c.zoom = 1.1
        c.pan = 0.35 * W * (ease(u) - 0.5)
        c.focus_depth = 1.0
        c.roll = 1.0 * math.sin(math.pi * u)
    elif mv == "aerial":
        c.zoom = 1.2
        m = H / 2 * (1 - 1 / c.zoom)
        c.fy = H / 2 - m + 1.6 * m * ease(u)
        c.roll = 1.5 * math.sin(2 * math.pi * t / 6.0)
    elif mv == "tracking":
        c.zoom = 1.04
        c.fx = W / 2 + (focus[0] - W / 2) * 0.5
    elif mv == "handheld":
        c.zoom = 1.06
        a, b, r = (
            float(np.sum(np.sin(2 * np.pi * rng_phase[k, :, 0] * t + rng_phase[k, :, 1]))) for k in range(3)
        )
        c.fx = W / 2 + a * W * 0.004
        c.fy = H / 2 + b * H * 0.006
        c.roll = 0.25 * r
    # keep the view inside the world (no empty borders) for any zoom >= 1
    half_w, half_h = W / (2 * c.zoom), H / (2 * c.zoom)
    c.fx = min(W - half_w, max(half_w, c.fx)) if c.zoom > 1 else W / 2 + (c.fx - W / 2)
    c.fy = min(H - half_h, max(half_h, c.fy)) if c.zoom > 1 else H / 2 + (c.fy - H / 2)
    return c


# -- the film look (screen space; weather effects are the set's: world.py) -----------------------------
def _grade_tables(mood: str) -> tuple[np.ndarray, np.ndarray]:
    """(3x3 saturation matrix float32, LUT (1, 256, 3) uint8) for a mood (RGB order)."""
    sat, gains, contrast, lift, sh, hi = GRADES.get(mood, GRADES["epic"])
    lum = np.array([0.299, 0.587, 0.114], np.float32)
    M = (1 - sat) * np.tile(lum, (3, 1)) + sat * np.eye(3, dtype=np.float32)
    x = np.arange(256, dtype=np.float32) / 255.0
    lut = np.zeros((256, 3), np.float32)
    for c in range(3):
        y = x * gains[c]
        y = 0.5 + (y - 0.5) * contrast  # linear contrast around mid grey, then a soft S to tame clipping
        y = np.clip(y, 0, 1.2)
        y = y + 0.04 * np.sin(2 * np.pi * y) * (contrast - 1) * -1
        y = y * 255 + lift * (1 - x) + sh[c] * (1 - x) ** 2 + hi[c] * x**2
        lut[:, c] = y
    return M, np.clip(lut + 0.5, 0, 255).astype(np.uint8)[None]


def _mix3(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    t = min(1.0, max(0.0, t))
    return (int(a[0] + (b[0] - a[0]) * t), int(a[1] + (b[1] - a[1]) * t), int(a[2] + (b[2] - a[2]) * t))


# -- compositing helpers -------------------------------------------------------------------------------


def _paste(
    out: np.ndarray,
    rgba: np.ndarray,
    x0: int,
    y0: int,
    mask: np.ndarray | None,
    shadow: np.ndarray | None = None,
) -> None:
    """Alpha-composite a premultiplied RGBA sprite with its top-left at (x0, y0), clipped to `out`."""
    import cv2

    H, W = out.shape[:2]
    h, w = rgba.shape[:2]
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(W, x0 + w), min(H, y0 + h)
    if xa >= xb or ya >= yb:
        return
    src = rgba[ya - y0 : yb - y0, xa - x0 : xb - x0]
    dst = out[ya:yb, xa:xb]
    if shadow is not None:
        s = shadow[ya - y0 : yb - y0, xa - x0 : xb - x0]
        inv_s = cv2.merge([255 - s] * 3)
        dst[:] = cv2.multiply(dst, inv_s, scale=1 / 255.0)
    a = src[..., 3]
    inva = cv2.merge([255 - a] * 3)
    tmp = cv2.multiply(dst, inva, scale=1 / 255.0)
    dst[:] = cv2.add(tmp, np.ascontiguousarray(src[..., :3]))
    if mask is not None:
        np.maximum(mask[ya:yb, xa:xb], a, out=mask[ya:yb, xa:xb])


def _transform(
    sprite: Sprite, scale: float, angle: float
) -> tuple[np.ndarray, np.ndarray | None, tuple[float, float]]:
    """Scale and rotate a sprite about its anchor; returns (rgba, shadow, anchor)."""
    import cv2

    rgba, shadow, (ax, ay) = sprite.rgba, sprite.shadow, sprite.anchor
    if abs(scale - 1.0) < 1e-3 and abs(angle) < 0.05:
        return rgba, shadow, (ax, ay)
    h, w = rgba.shape[:2]
    M = cv2.getRotationMatrix2D((ax, ay), angle, scale)
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float32) @ M.T
    x0, y0 = np.floor(corners.min(0)).astype(int)
    x1, y1 = np.ceil(corners.max(0)).astype(int)
    M[0, 2] -= x0
    M[1, 2] -= y0
    size = (max(1, int(x1 - x0)), max(1, int(y1 - y0)))
    interp = cv2.INTER_AREA if scale < 1 and abs(angle) < 0.05 else cv2.INTER_LINEAR
    out = cv2.warpAffine(rgba, M, size, flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    sh = None
    if shadow is not None and abs(angle) < 20:
        sh = cv2.warpAffine(shadow, M, size, flags=cv2.INTER_LINEAR, borderValue=0)
    nx, ny = M @ np.array([ax, ay, 1.0])
    return out, sh, (float(nx), float(ny))


HELD_SIZE = 0.4  # a carried thing's height, as a share of its carrier's
HELD_COLOR: RGB = (236, 206, 120)  # silhouettes are tinted one warm light colour: it reads on any set


def _paste_held(
    base: np.ndarray,
    icon: tuple[str, str],
    carrier_px: int,
    ps: _Pose,
    px_shift: float,
    place: str,
    mask: np.ndarray | None,
) -> None:
    """A thing the subject carries, at its leading hand: in front of the body at ~55% of its height (ground
    figures stand on their anchor; others are anchored at the centre), facing the way the subject faces."""
    h = max(4, round(carrier_px * HELD_SIZE))
    sprite = _icon_sprite(icon, HELD_COLOR, h, 0, ps.flip, True)
    rgba, _, (ax, ay) = _transform(sprite, ps.scale, 0.0)
    full = carrier_px * ps.scale
    ahead = -1.0 if ps.flip else 1.0
    cx = ps.x + px_shift + ahead * 0.3 * full
    cy = ps.y - (0.5 if place in ("ground", "prop") else 0.0) * full
    if ps.alpha < 0.999:
        rgba = (rgba.astype(np.float32) * ps.alpha).astype(np.uint8)
    _paste(base, rgba, round(cx - ax), round(cy - ay), mask)


# -- the frame generator -------------------------------------------------------------------------------
@overload
def render_frames(plan: ScenePlan, *, with_mask: Literal[False] = ...) -> Iterator[np.ndarray]: ...
@overload
def render_frames(
    plan: ScenePlan, *, with_mask: Literal[True]
) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...
def render_frames(
    plan: ScenePlan, *, with_mask: bool = False
) -> Iterator[np.ndarray] | Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield plan.num_frames RGB uint8 frames (H, W, 3); with_mask also yields the subjects' alpha (H, W)
    uint8 after the camera transform. Everything that does not change per frame is made once (_Stage), then
    each frame is composited: set, subjects, explosion, front effects, camera, screen effects, grade."""
    stage = _Stage.build(plan)
    for fi in range(plan.num_frames):
        frame, mframe = stage.frame(fi, with_mask)
        if mframe is not None:
            yield frame, mframe  # type: ignore[misc]
        else:
            yield frame


@dataclass
class _Screen:
    """Screen-space textures, made once per scene: grade tables, vignette, four grain frames."""

    sat_m: np.ndarray
    lut: np.ndarray
    vignette: np.ndarray | None
    grain: list[tuple[np.ndarray, np.ndarray]]

    @classmethod
    def build(cls, plan: ScenePlan, rng: np.random.Generator) -> _Screen:
        import cv2

        W, H = plan.width, plan.height
        sat_m, lut = _grade_tables(plan.mood)
        vig = None
        if plan.vignette > 0:
            yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
            r = np.hypot((xx - W / 2) / (W / 2), (yy - H / 2) / (H / 2)) / math.sqrt(2)
            vig = np.repeat((255 * (1 - plan.vignette * r**2.2)).astype(np.uint8)[..., None], 3, axis=2)
        grain: list[tuple[np.ndarray, np.ndarray]] = []
        if plan.grain > 0:
            for _ in range(4):
                g = rng.normal(0, plan.grain, (H // 2 + 1, W // 2 + 1)).astype(np.float32)
                g = np.asarray(cv2.resize(g, (W, H), interpolation=cv2.INTER_LINEAR), np.float32)
                pos = np.clip(g, 0, 255).astype(np.uint8)
                neg = np.clip(-g, 0, 255).astype(np.uint8)
                grain.append((cv2.merge([pos] * 3), cv2.merge([neg] * 3)))
        return cls(sat_m, lut, vig, grain)

    def finish(self, frame: np.ndarray, fi: int) -> np.ndarray:
        """Grade (saturation matrix + per-channel curve), vignette, grain."""
        import cv2

        frame = cv2.transform(frame, self.sat_m)
        frame = cv2.LUT(frame, self.lut)
        if self.vignette is not None:
            frame = cv2.multiply(frame, self.vignette, scale=1 / 255.0)
        if self.grain:
            gp, gn = self.grain[fi % len(self.grain)]
            cv2.add(frame, gp, dst=frame)
            cv2.subtract(frame, gn, dst=frame)
        return frame


# An explosion's particles: (vx, vy, radius, life) arrays of EXPLOSION_PARTICLES, in pixels and seconds
Particles = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
EXPLOSION_PARTICLES = 46


@dataclass
class _Stage:
    """What a scene's frames share: the set, the subjects' sizes and motion, camera noise, screen textures.
    The random draws happen here, in a fixed order (set, camera noise, grain, particles): same seed, same
    frames."""

    plan: ScenePlan
    world: World
    heights: list[int]
    motion: _Motion
    cam_noise: np.ndarray  # (3, 4, 2): per camera axis, 4 sines of (frequency, phase)
    amp: float  # animation amplitude of the scene's motion
    screen: _Screen
    particles: Particles | None
    sub_tint: np.ndarray  # (3,) light on the subjects
    base: np.ndarray  # (H, W, 3) uint8 work buffer
    mask: np.ndarray  # (H, W) uint8 work buffer

    @classmethod
    def build(cls, plan: ScenePlan) -> _Stage:
        W, H, F, fps = plan.width, plan.height, plan.num_frames, plan.fps
        rng = np.random.default_rng(plan.seed)
        close = plan.shot in ("close-up", "extreme-close-up", "medium-close-up")
        blur = (H / 320.0) * (2.5 if plan.shot != "medium-close-up" else 1.2) if close else 0.0
        if plan.set_name:
            world = build_set(
                plan.set_name,
                plan.time_of_day,
                plan.weather,
                W,
                H,
                rng,
                extra_words=plan.extra_words,
                road=plan.road,
                blur_background=blur,
                landmarks=plan.landmarks,
            )
        else:
            world = build_world(
                plan.family, plan.road, plan.time_of_day, plan.weather, W, H, rng, blur_background=blur
            )
        heights = _subject_heights(plan) if plan.subjects else []
        if plan.subjects:
            motion = _plan_motion(plan, world, heights)
        else:
            motion = _Motion([[] for _ in range(F)], np.zeros(F), None)
            if plan.camera in ("tracking", "aerial"):
                motion.scroll = np.linspace(0, 0.25 * W * F / fps, F)
        cam_noise = np.stack(
            [np.stack([rng.uniform(0.15, 0.9, 4), rng.uniform(0, 2 * np.pi, 4)], axis=1) for _ in range(3)]
        )
        _, amp, _ = MOTION_SPEED.get(plan.motion, MOTION_SPEED["idle"])
        screen = _Screen.build(plan, rng)
        particles = None
        if motion.explode_at is not None:
            n_p = EXPLOSION_PARTICLES
            ang = rng.uniform(0, 2 * np.pi, n_p)
            spd = rng.uniform(0.1, 0.45, n_p) * H
            particles = (
                np.cos(ang) * spd,
                np.sin(ang) * spd * 0.8,
                rng.uniform(0.02, 0.06, n_p) * H,
                rng.uniform(0.5, 1.3, n_p),
            )
        mag = 1.0 + 0.3 * float(np.mean(world.light))  # subjects keep their colour better than the set
        sub_tint = np.clip(np.asarray(world.light, np.float32) * 0.6 + 0.4 * mag, 0.55, 1.1)
        return cls(
            plan,
            world,
            heights,
            motion,
            cam_noise,
            amp,
            screen,
            particles,
            sub_tint,
            np.empty((H, W, 3), np.uint8),
            np.zeros((H, W), np.uint8),
        )

    def frame(self, fi: int, with_mask: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Frame `fi`: (RGB (H, W, 3) uint8, the subjects' alpha (H, W) uint8 or None)."""
        plan, W, H = self.plan, self.plan.width, self.plan.height
        t = fi / plan.fps
        poses = self.motion.poses[fi]
        focus = (poses[0].x, poses[0].y - self.heights[0] * 0.5) if poses else (W / 2, H / 2)
        cam = _camera(plan, fi, focus, self.cam_noise)
        mask = self.mask if with_mask else None
        # the set: sky, then each layer sliced at its parallax offset; subjects, back to front
        self.world.paint(self.base, t, float(self.motion.scroll[fi]), cam.pan, cam.focus_depth)
        if mask is not None:
            mask[:] = 0
        self._subjects(poses, cam, mask)
        if self.particles is not None and self.motion.explode_at is not None and t >= self.motion.explode_at:
            self._explosion(poses, t - self.motion.explode_at)
        self.world.apply_effects(self.base, t, "front")  # fog over the set and subjects
        frame, mframe = self._camera_move(cam, mask)
        self.world.apply_effects(frame, t, "screen")  # weather in screen space
        if self.motion.explode_at is not None and 0 <= t - self.motion.explode_at < 0.2:
            import cv2

            k = 1 - (t - self.motion.explode_at) / 0.2
            cv2.addWeighted(frame, 1 - 0.6 * k, np.full_like(frame, 255), 0.6 * k, 0, dst=frame)
        return self.screen.finish(frame, fi), mframe

    def _subjects(self, poses: list[_Pose], cam: _Cam, mask: np.ndarray | None) -> None:
        plan, heights = self.plan, self.heights
        for j in sorted(range(len(poses)), key=lambda j: poses[j].scale):  # smaller (further) first
            ps = poses[j]
            if ps.alpha <= 0.01:
                continue
            sp_plan = plan.subjects[j]
            kind = _kind(sp_plan)
            col = tuple(int(min(255, c * m)) for c, m in zip(sp_plan.color, self.sub_tint, strict=True))
            if sp_plan.icon is not None:
                sprite = _icon_sprite(
                    sp_plan.icon, col, heights[j], int(ps.phase * 8) % 8, ps.flip, kind.place != "ground"
                )  # type: ignore[arg-type]
            else:
                phase = int(ps.phase * 8) % 8 if kind.cycles_per_s else 0
                sprite = rasterise(sp_plan.kind, col, heights[j], phase, self.amp, ps.flip)  # type: ignore[arg-type]
            px_shift = -cam.pan * (1.0 - cam.focus_depth)
            rgba, sh, (ax, ay) = _transform(sprite, ps.scale, ps.angle)
            if ps.alpha < 0.999:
                rgba = (rgba.astype(np.float32) * ps.alpha).astype(np.uint8)
                sh = None
            _paste(self.base, rgba, round(ps.x + px_shift - ax), round(ps.y - ay), mask, sh)
            if sp_plan.held is not None:
                _paste_held(self.base, sp_plan.held, heights[j], ps, px_shift, kind.place, mask)

    def _explosion(self, poses: list[_Pose], te: float) -> None:
        """Fire and smoke bursting from each subject, `te` seconds after the explosion."""
        import cv2

        assert self.particles is not None
        base, H = self.base, self.plan.height
        vx, vy, rad, life = self.particles
        for j, ps in enumerate(poses):
            cy = ps.y - (
                self.heights[j] * 0.5 if _kind(self.plan.subjects[j]).place in ("ground", "prop") else 0
            )
            ages = te / life
            spread = te * (1.6 - np.minimum(ages, 1.0))
            xs, ys = ps.x + vx * spread, cy + vy * spread - H * 0.12 * te * ages
            if te > 0.1:  # smoke: grey, growing, translucent (drawn on a copy, then mixed in)
                smoke = base.copy()
                for k in np.argsort(-ages):
                    if 0.45 <= ages[k] < 1:
                        c = _mix3((120, 110, 100), (80, 78, 76), (ages[k] - 0.45) / 0.55)
                        r = max(1, int(rad[k] * (0.8 + 1.5 * ages[k])))
                        cv2.circle(smoke, (int(xs[k]), int(ys[k])), r, c, -1, cv2.LINE_AA)
                cv2.addWeighted(base, 0.4, smoke, 0.6, 0, dst=base)
            for k in np.argsort(-ages):  # fire: white-yellow to orange, shrinking, fresh on top
                if ages[k] < 0.45:
                    c = _mix3((255, 250, 210), (255, 140, 30), ages[k] / 0.45)
                    r = max(1, int(rad[k] * (1.0 - 0.6 * ages[k])))
                    cv2.circle(base, (int(xs[k]), int(ys[k])), r, c, -1, cv2.LINE_AA)

    def _camera_move(self, cam: _Cam, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The camera's zoom, pan to the focus and roll, as one affine warp of the composited frame."""
        import cv2

        W, H, base = self.plan.width, self.plan.height, self.base
        if cam.zoom != 1.0 or cam.roll != 0.0 or cam.fx != W / 2 or cam.fy != H / 2:
            M = cv2.getRotationMatrix2D((cam.fx, cam.fy), cam.roll, cam.zoom)
            M[0, 2] += W / 2 - cam.fx
            M[1, 2] += H / 2 - cam.fy
            frame = cv2.warpAffine(base, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
            mframe = cv2.warpAffine(mask, M, (W, H), flags=cv2.INTER_LINEAR) if mask is not None else None
            return frame, mframe
        return base.copy(), (mask.copy() if mask is not None else None)
