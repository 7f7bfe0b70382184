"""The animatic picture backend: frames change in the direction the script says, and clips decode exactly."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from moviefactory.media import probe, read_frames
from moviefactory.picture import PICTURE
from moviefactory.picture.animatic import KINDS, AnimaticBackend, plan_scene, render_frames, resolve
from moviefactory.spec import Movie

W, H, FPS = 192, 80, 8
REPO = Path(__file__).resolve().parents[2]

CHARS = [
    {"id": "car", "name": "the red car", "description": "a red 1960s sports car"},
    {"id": "plane", "name": "the airplane", "description": "a silver jet airplane"},
    {"id": "mia", "name": "Mia", "description": "a girl in a yellow raincoat"},
    {"id": "rex", "name": "Rex", "description": "a scruffy dog"},
    {"id": "bird", "name": "Kestrel", "description": "a small bird", "color": "#3366cc"},
]


def movie(
    *scenes: dict[str, Any],
    mood: str = "epic",
    fps: int = FPS,
    w: int = W,
    h: int = H,
    chars: list[dict[str, Any]] | None = None,
) -> Movie:
    full = [
        {"id": f"s{i:02d}", "prompt": "a scene", "duration_s": 2.0, "transition_in": "cut", **s}
        for i, s in enumerate(scenes)
    ]
    return Movie.model_validate(
        {
            "request": "test",
            "title": "Test",
            "tone": {"mood": mood},
            "style": {"width": w, "height": h, "fps": fps},
            "characters": CHARS if chars is None else chars,
            "scenes": full,
        }
    )


def frames_of(m: Movie, i: int = 0, **kw: Any) -> np.ndarray:
    return np.stack(list(render_frames(plan_scene(m, m.scenes[i], **kw))))


def masks_of(m: Movie, i: int = 0, **kw: Any) -> np.ndarray:
    return np.stack([mk for _, mk in render_frames(plan_scene(m, m.scenes[i], **kw), with_mask=True)])


def centroid(mask: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(mask > 127)
    assert len(xs) > 0, "subject not visible"
    return float(xs.mean()), float(ys.mean())


def luma(f: np.ndarray) -> np.ndarray:
    return f[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


# -- library and resolution --------------------------------------------------------------------------
def test_library_has_30_drawable_kinds() -> None:
    from moviefactory.picture.animatic.shapes import rasterise

    assert len(KINDS) >= 30
    for name in KINDS:
        sp = rasterise(name, (200, 60, 50), 24, 0, 4, False)
        alpha = sp.rgba[..., 3]
        assert (alpha > 200).sum() > 20, name  # a real silhouette, with
        assert ((alpha > 0) & (alpha < 255)).any(), name  # anti-aliased edges


@pytest.mark.parametrize(
    ("texts", "kind"),
    [
        (("", "the red car", "a red 1960s sports car"), "car"),
        (("", "Rex", "a scruffy dog"), "dog"),
        (("airplane", "Skyhawk", ""), "airplane"),
        (("", "Mia", "a girl in a raincoat"), "person"),
        (("", "Nessie", "a robot dog"), "robot"),
        (("", "the ferry", "an old steam ferry"), "ship"),
    ],
)
def test_kind_keywords(texts: tuple[str, str, str], kind: str) -> None:
    assert resolve.kind_by_keywords(*texts) == kind


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("coastal road", ("coast", True)),
        ("desert highway", ("desert", True)),
        ("a rainy city street", ("city", False)),
        ("deep ocean reef", ("underwater", False)),
        ("inside a kitchen", ("interior", False)),
        ("orbit around Mars", ("space", False)),
        ("a race track", ("field", True)),
        ("snowy pine forest", ("snowfield", False)),
    ],
)
def test_terrain_keywords(setting: str, expected: tuple[str, bool]) -> None:
    assert resolve.terrain_by_keywords(setting) == expected


def test_action_keywords() -> None:
    assert resolve.motion_by_keywords("racing side by side") == "racing"
    assert resolve.motion_by_keywords("the dog chases the girl") == "chasing"
    assert resolve.motion_by_keywords("flying left to right") == "flying"
    assert resolve.motion_by_keywords("slowly falls to the ground") == "falling"
    assert resolve.is_leftward("gliding from right to left")
    assert not resolve.is_leftward("flying left to right")


def test_character_colour_sources() -> None:
    m = movie({"subjects": ["car", "mia", "rex", "bird"], "setting": "field"})
    plan = plan_scene(m, m.scenes[0])
    cols = {s.char_id: s.color for s in plan.subjects}
    assert cols["bird"] == (0x33, 0x66, 0xCC)  # Character.color wins
    assert cols["car"] == resolve.COLOR_WORDS["red"]  # else a colour word in the description
    assert cols["mia"] == resolve.COLOR_WORDS["yellow"]
    assert cols["rex"] == resolve.color_from_id("rex", "dog")  # else deterministic from the id
    assert resolve.color_from_id("rex", "dog") != resolve.color_from_id("fido", "dog")


# -- the set: time of day, weather, terrain ------------------------------------------------------------
def test_night_is_darker_than_day_and_dusk_between() -> None:
    means = {}
    for tod in ("day", "dusk", "night"):
        m = movie({"setting": "meadow", "time_of_day": tod, "duration_s": 0.5})
        means[tod] = luma(frames_of(m, grain=0)).mean()
    assert means["night"] < 0.5 * means["day"]
    assert means["night"] < means["dusk"] < means["day"]


def test_rain_adds_high_frequency_streaks() -> None:
    import cv2

    def hf(weather: str) -> float:
        m = movie({"setting": "meadow", "weather": weather, "duration_s": 0.5})
        f = frames_of(m, grain=0, vignette=0)
        sky = slice(0, int(H * 0.45))  # the smooth part of the frame: streaks stand out there
        return float(np.mean([np.abs(cv2.Laplacian(luma(x), cv2.CV_32F))[sky].mean() for x in f]))

    clear, rain = hf("clear"), hf("rain")
    assert rain > 1.5 * clear, (clear, rain)


def test_snow_and_fog_brighten_and_flatten() -> None:
    base = frames_of(movie({"setting": "city street", "time_of_day": "night", "duration_s": 0.5}), grain=0)
    fog = frames_of(movie({"setting": "city street", "time_of_day": "night", "weather": "fog", "duration_s": 0.5}),
                    grain=0)  # fmt: skip
    assert luma(fog).std() < luma(base).std()  # fog lowers contrast


def test_sea_has_moving_texture() -> None:
    m = movie({"setting": "open sea by the beach", "duration_s": 1.0, "camera": "static"})
    plan = plan_scene(m, m.scenes[0], grain=0)
    assert plan.family == "coast"
    f = np.stack(list(render_frames(plan))).astype(np.float32)
    diff = np.abs(np.diff(f, axis=0)).mean(axis=(0, 3))  # (H, W) mean change between frames
    sea = diff[int(H * 0.62) : int(H * 0.78)].mean()
    sky = diff[: int(H * 0.3)].mean()
    assert sea > 1.0 and sea > 3 * sky, (sea, sky)


def test_every_terrain_time_and_weather_renders() -> None:
    fams = ["coastal road", "desert", "forest", "mountains", "city", "inside a room", "outer space", "underwater",
            "snowfield", "the sky above the clouds", "meadow"]  # fmt: skip
    tods = ["dawn", "sunrise", "day", "golden-hour", "sunset", "dusk", "night"]
    wxs = ["clear", "cloudy", "rain", "storm", "snow", "fog", "wind"]
    scenes = [
        {
            "setting": fams[i % len(fams)],
            "time_of_day": tods[i % 7],
            "weather": wxs[(i * 3) % 7],
            "duration_s": 0.5,
            "subjects": ["car"],
        }
        for i in range(14)
    ]
    m = movie(*scenes, w=96, h=40)
    seen = set()
    for i in range(len(m.scenes)):
        f = frames_of(m, i)
        assert f.shape == (4, 40, 96, 3) and f.dtype == np.uint8
        assert f.std() > 3  # not a flat frame
        seen.add(plan_scene(m, m.scenes[i]).family)
    assert len(seen) == len(fams)


# -- subjects, action and camera ----------------------------------------------------------------------
@pytest.mark.parametrize(("action", "sign"), [("flying left to right", 1), ("flying from right to left", -1)])
def test_flying_subject_moves_the_way_the_action_says(action: str, sign: int) -> None:
    m = movie({"setting": "sky", "subjects": ["plane"], "action": action, "shot": "wide"})
    mk = masks_of(m)
    x0, _ = centroid(mk[0])
    x1, _ = centroid(mk[-1])
    assert sign * (x1 - x0) > 0.2 * W, (x0, x1)


def test_falling_subject_moves_down() -> None:
    m = movie({"setting": "mountains", "subjects": ["mia"], "action": "falls from the cliff", "shot": "wide"})
    mk = masks_of(m)
    assert centroid(mk[-1])[1] > centroid(mk[0])[1] + 0.2 * H


def test_racing_side_by_side_keeps_both_in_frame_in_lanes() -> None:
    m = movie(
        {"setting": "highway", "subjects": ["car", "rex"], "action": "racing side by side", "shot": "wide"}
    )
    plan = plan_scene(m, m.scenes[0])
    assert plan.motion == "racing"
    f = list(render_frames(plan, with_mask=True))
    assert all((mk > 127).sum() > 20 for _, mk in f)


def test_zoom_in_grows_the_subject_and_zoom_out_shrinks_it() -> None:
    for camera, grow in (("zoom-in", True), ("zoom-out", False)):
        m = movie(
            {"setting": "meadow", "subjects": ["rex"], "action": "sits", "camera": camera, "shot": "full"}
        )
        mk = masks_of(m)
        a0, a1 = (mk[0] > 127).sum(), (mk[-1] > 127).sum()
        assert (a1 > 1.6 * a0) if grow else (a0 > 1.6 * a1), (camera, a0, a1)


def test_shot_size_sets_framing() -> None:
    areas = []
    for shot in ("extreme-wide", "wide", "medium", "close-up"):
        m = movie(
            {"setting": "meadow", "subjects": ["rex"], "action": "sits", "shot": shot, "duration_s": 0.5}
        )
        areas.append((masks_of(m)[0] > 127).sum())
    assert areas == sorted(areas) and areas[-1] > 10 * areas[0]


def test_pan_moves_the_background() -> None:
    m = movie({"setting": "city skyline", "camera": "pan-right", "duration_s": 1.0})
    f = frames_of(m, grain=0, vignette=0).astype(np.float32)
    band = slice(int(H * 0.45), int(H * 0.7))
    assert np.abs(f[-1, band] - f[0, band]).mean() > 5


def test_same_character_same_colour_in_every_scene() -> None:
    m = movie({"setting": "coastal road", "subjects": ["car"], "shot": "medium", "action": "parked"},
              {"setting": "desert", "subjects": ["car"], "shot": "medium", "action": "parked"},
              {"setting": "city", "subjects": ["car", "mia"], "shot": "medium", "action": "parked"})  # fmt: skip
    cols = []
    for i in range(3):
        plan = plan_scene(m, m.scenes[i], grain=0, vignette=0)
        assert plan.subjects[0].color == resolve.COLOR_WORDS["red"]
        frame, mk = next(iter(render_frames(plan, with_mask=True)))
        single = plan_scene(m, m.scenes[i].model_copy(update={"subjects": ["car"]}), grain=0, vignette=0)
        frame, mk = next(iter(render_frames(single, with_mask=True)))
        inside = frame[mk == 255].astype(np.float32)
        # the body colour is the most common colour inside the silhouette
        q = (inside // 8).astype(int)
        vals, counts = np.unique(q[:, 0] * 10000 + q[:, 1] * 100 + q[:, 2], return_counts=True)
        top = vals[np.argmax(counts)]
        cols.append(np.array([top // 10000, (top // 100) % 100, top % 100]) * 8)
    for c in cols[1:]:
        assert np.abs(c - cols[0]).max() <= 16, cols
    assert cols[0][0] > 2 * cols[0][1]  # and it is red


def test_deterministic_per_seed() -> None:
    m = movie({"setting": "stormy sea", "weather": "storm", "subjects": ["plane"], "camera": "handheld",
               "duration_s": 1.0, "seed": 7})  # fmt: skip
    a, b = frames_of(m), frames_of(m)
    assert np.array_equal(a, b)
    m2 = movie({"setting": "stormy sea", "weather": "storm", "subjects": ["plane"], "camera": "handheld",
                "duration_s": 1.0, "seed": 8})  # fmt: skip
    assert not np.array_equal(a, frames_of(m2))


def test_exploding_flashes_then_subject_is_gone() -> None:
    m = movie({"setting": "meadow", "subjects": ["car"], "action": "explodes", "duration_s": 2.0})
    out = list(render_frames(plan_scene(m, m.scenes[0]), with_mask=True))
    lum = [luma(f).mean() for f, _ in out]
    assert max(lum) > lum[0] + 15  # the flash
    assert (out[0][1] > 127).sum() > 20 and (out[-1][1] > 127).sum() == 0


# -- the backend -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fps", "dur"), [(8, 1.5), (24, 0.5)])
def test_render_writes_exact_size_and_frame_count(tmp_path: Path, fps: int, dur: float) -> None:
    m = movie({"setting": "coastal road", "subjects": ["car"], "action": "speeding", "camera": "tracking",
               "duration_s": dur}, fps=fps, w=160, h=64)  # fmt: skip
    backend = PICTURE.get("animatic")()
    assert backend.identity() == {"backend": "animatic", "version": AnimaticBackend.version}
    calls: list[tuple[int, int]] = []
    clip = backend.render(m, m.scenes[0], tmp_path / "clip.mp4", progress=lambda d, t: calls.append((d, t)))
    n = round(dur * fps)
    assert clip.num_frames == n and (clip.width, clip.height) == (160, 64) and clip.fps == fps
    info = probe(clip.path)
    frames = read_frames(clip.path)
    assert frames.shape == (n, 64, 160, 3) and info.num_frames == n and float(info.fps) == fps
    assert calls[-1] == (n, n) and len(calls) >= 2
    # the decoded clip is the rendered frames (lossy, but close)
    ref = frames_of(m, grain=backend.grain, vignette=backend.vignette).astype(np.float32)
    assert np.abs(frames.astype(np.float32) - ref).mean() < 6


@pytest.mark.slow
def test_unknown_subjects_are_drawn_by_meaning_or_reported_and_render_never_crashes(tmp_path: Path) -> None:
    chars = [{"id": "hoverboat", "name": "Zephyr", "kind": "hovercraft", "description": "a hovercraft"},
             {"id": "gnu", "name": "Gnu", "kind": "wildebeest", "description": "a wildebeest"},
             {"id": "blob", "name": "Qwxz", "kind": "qwxz", "description": ""}]  # fmt: skip
    m = movie({"setting": "a misty marsh", "prompt": "a hovercraft, a wildebeest and a qwxz in a misty marsh",
               "subjects": ["hoverboat", "gnu", "blob"], "duration_s": 0.5}, chars=chars, w=96, h=40)  # fmt: skip
    b = AnimaticBackend()
    b.prepare(m)
    drawn = b.drawn["s00"]
    texts = {e["text"] for e in drawn["elements"]}
    assert "Zephyr" in texts  # a hovercraft: the nearest drawable by meaning
    assert next(e for e in drawn["elements"] if e["text"] == "Zephyr")["drawn_as"] == "animatic:helicopter"
    assert "Qwxz" in drawn["unmatched"]  # nonsense is reported, never drawn as something unrelated
    clip = b.render(m, m.scenes[0], tmp_path / "s00" / "c.mp4")
    assert any("could not draw 'Qwxz'" in w for w in clip.warnings)
    assert json.loads((tmp_path / "s00" / "drawn.json").read_text()) == drawn
    # a fresh backend (no prepare) resolves by keywords only, deterministically, and still renders
    fresh = AnimaticBackend()
    clip2 = fresh.render(m, m.scenes[0], tmp_path / "d.mp4")
    assert clip2.num_frames == 4 and any("drawn as a person" in w for w in clip2.warnings)


def test_prepared_backend_pickles_and_renders_without_the_text_model(tmp_path: Path) -> None:
    m = movie({"setting": "coastal road", "subjects": ["car"], "duration_s": 0.5}, w=96, h=40)
    b = AnimaticBackend()
    b.kinds, b.terrains = {"car": "car"}, {"s00": ("coast", True)}  # what prepare stores: plain dicts
    blob = pickle.dumps(b)
    code = (
        "import pickle, sys; from moviefactory.spec import Movie; "
        f"b = pickle.loads(bytes.fromhex('{blob.hex()}')); "
        f"m = Movie.from_json(open(sys.argv[1]).read()); c = b.render(m, m.scenes[0], sys.argv[2]); "
        "assert c.num_frames == 4; "
        "assert 'sentence_transformers' not in sys.modules and 'torch' not in sys.modules, 'model loaded'"
    )
    (tmp_path / "m.json").write_text(m.to_json())
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "m.json"), str(tmp_path / "w.mp4")],
        check=True,
        timeout=60,
    )
    assert (tmp_path / "w.mp4").stat().st_size > 0


def test_contact_sheet_artifact() -> None:
    """A reviewers' contact sheet (first, middle, last frame of each scene): test-artifacts/."""
    from PIL import Image

    scenes = [
        {"setting": "coastal road", "time_of_day": "sunrise", "subjects": ["car"], "action": "speeding",
         "camera": "tracking", "shot": "full"},
        {"setting": "desert highway", "subjects": ["car", "plane"], "action": "racing side by side", "shot": "wide"},
        {"setting": "city street", "time_of_day": "night", "weather": "rain", "subjects": ["mia"],
         "action": "walking", "camera": "pan-right", "shot": "full"},
        {"setting": "forest", "time_of_day": "golden-hour", "subjects": ["rex", "mia"], "action": "chases",
         "camera": "handheld", "shot": "wide"},
        {"setting": "snowy mountains", "weather": "snow", "subjects": ["bird"], "action": "flying",
         "camera": "zoom-in", "shot": "wide"},
        {"setting": "stormy sea", "time_of_day": "sunset", "weather": "storm", "subjects": ["plane"],
         "action": "flying", "shot": "wide"},
        {"setting": "outer space", "time_of_day": "night", "subjects": ["plane"], "action": "floating",
         "camera": "orbit"},
        {"setting": "inside a kitchen", "subjects": ["rex"], "action": "sits", "shot": "medium"},
    ]  # fmt: skip
    m = movie(*scenes, w=384, h=160)
    rows = []
    for i in range(len(m.scenes)):
        f = frames_of(m, i)
        rows.append(np.concatenate([f[0], f[len(f) // 2], f[-1]], axis=1))
    out = REPO / "test-artifacts" / "animatic-contact-sheet.png"
    out.parent.mkdir(exist_ok=True)
    Image.fromarray(np.concatenate(rows, axis=0)).save(out)
    assert out.stat().st_size > 10_000
