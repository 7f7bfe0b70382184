"""The animatic's sets: every place in the registry renders as its own kind of space, effects fit the place
(never rain indoors or in space), free text finds the right set, and everything is deterministic per seed."""

from __future__ import annotations

import numpy as np
import pytest

from moviefactory.picture.animatic.sets import SETS, effects_for, find_set, find_set_by_words
from moviefactory.picture.animatic.world import build_set, build_world

W, H, FPS = 192, 80, 8


def frames(
    name: str, tod: str = "day", weather: str = "clear", seed: int = 0, n: int = 4, **kw: object
) -> np.ndarray:
    world = build_set(name, tod, weather, W, H, np.random.default_rng(seed), **kw)  # type: ignore[arg-type]
    return np.stack(world.frames(n, FPS)).astype(np.float32)  # (n, H, W, 3)


def luma(f: np.ndarray) -> np.ndarray:
    return f[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)


def motion(f: np.ndarray) -> np.ndarray:
    """(H, W) mean absolute change between consecutive frames."""
    return np.abs(np.diff(f, axis=0)).mean(axis=(0, 3))


def sky_blue(rgb: np.ndarray) -> bool:
    """A daylight sky colour: blue clearly above red (the day sky runs (58,118,210) -> (182,214,240))."""
    return bool(rgb[2] > rgb[0] + 25)


# -- every set renders as its kind of space -------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SETS))
def test_every_set_renders_as_its_kind_of_space(name: str) -> None:
    spec = SETS[name]
    f = frames(name)
    assert f.shape == (4, H, W, 3)
    assert f[0].std() > 6, "a flat frame"
    top = f[0, : int(H * 0.12)].reshape(-1, 3).mean(axis=0)
    if spec.kind == "interior":  # a ceiling and a wall up there, never a sky
        assert not sky_blue(top), (name, top)
    elif spec.kind == "outdoor" and name not in ("bamboo-forest", "stadium"):
        assert sky_blue(top), (name, top)
    world = build_set(name, "day", "clear", W, H, np.random.default_rng(0))
    assert world.pieces[0] == (name.replace("-", " "), f"set:{name}")
    assert world.kind == spec.kind
    assert world.baseline == pytest.approx(H * spec.rows[0])


def test_interior_shows_its_wall_not_the_outdoor_sky() -> None:
    """The same time of day: outdoors the top rows are the sky's blue, in a kitchen the wall's warm tone,
    and they do not change with the weather outside (no sky to darken)."""
    kitchen, meadow = frames("kitchen")[0], frames("meadow")[0]
    band = slice(int(H * 0.06), int(H * 0.12))
    k, m = kitchen[band].reshape(-1, 3).mean(0), meadow[band].reshape(-1, 3).mean(0)
    assert sky_blue(m) and not sky_blue(k)
    assert k[0] >= k[2]  # the wall is warm (red >= blue)
    stormy = frames("kitchen", weather="storm")[0]
    assert np.abs(stormy[band] - kitchen[band]).mean() < 2.0


def test_orbit_is_dark_above_with_a_curved_limb_and_no_ground_band() -> None:
    f = frames("orbit")[0]
    lum = luma(f)
    assert lum[: int(H * 0.4)].mean() < 40  # black space (with stars)
    bright = lum > 60
    run = (
        bright[:-3] & bright[1:-2] & bright[2:-1] & bright[3:]
    )  # 4 bright rows in a row: the planet, not a star
    first = np.array([np.argmax(run[:, x]) if run[:, x].any() else H for x in range(W)])
    assert (first < H).mean() > 0.9, "the planet spans the frame's width"
    assert first.max() - first.min() > 0.08 * H, "the limb is curved, not a flat ground band"
    assert build_set("orbit", "day", "clear", W, H, np.random.default_rng(0)).kind == "orbit"


def test_sea_is_blue_and_moves() -> None:
    f = frames("sea", n=6)
    water = slice(int(H * 0.6), H)
    mean = f[:, water].reshape(-1, 3).mean(0)
    assert mean[2] > mean[0] + 30, mean  # blue-ish
    mv = motion(f)
    assert mv[water].mean() > 1.0 and mv[water].mean() > 5 * mv[: int(H * 0.3)].mean()
    names = [t for t, _ in build_set("sea", "day", "clear", W, H, np.random.default_rng(0)).pieces]
    assert "lighthouse" in names


def test_the_lighthouse_stands_where_one_is_asked_for_and_sweeps_its_beam_at_night() -> None:
    def pieces(words: str) -> list[str]:
        world = build_set("sea", "day", "clear", W, H, np.random.default_rng(0), extra_words=words)
        return [t for t, _ in world.pieces]

    assert "lighthouse" in pieces("a lighthouse keeper's dog waits") and "lighthouse" not in pieces(
        "a paper boat"
    )
    lit = frames("sea", "night", n=FPS * 2, extra_words="the lighthouse at night")
    dark = frames("sea", "night", n=FPS * 2, extra_words="a boat at night")
    sky = slice(0, int(H * 0.5))
    assert luma(lit[:, sky]).mean() > luma(dark[:, sky]).mean() + 3  # the beam lights the night air
    pulse = luma(lit[:, sky]).mean(axis=(1, 2)).std()  # the beam breathes: the sky's mean rises and falls
    assert pulse > 3 * max(0.05, luma(dark[:, sky]).mean(axis=(1, 2)).std())


def test_underwater_is_water_all_the_way_up_with_bubbles_rising() -> None:
    f = frames("underwater", n=6)
    top = f[0, : int(H * 0.3)].reshape(-1, 3).mean(0)
    assert top[2] > top[0] + 40 and top[1] > top[0] + 40  # blue-green water, not a sky's horizon
    assert motion(f).mean() > 0.05  # bubbles move


# -- effects fit the place ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["kitchen", "library", "factory", "cave", "room", "orbit", "space"])
@pytest.mark.parametrize("weather", ["rain", "snow", "cloudy"])
def test_never_rain_snow_or_clouds_indoors_or_in_space(name: str, weather: str) -> None:
    """Checked on pixels: the set under rain or snow is as still as under a clear sky (no falling streaks
    or flakes), while an outdoor set under the same weather moves everywhere."""
    fx = effects_for(name, weather)
    assert not {"rain", "snow", "clouds", "lightning"} & set(fx)
    still = motion(frames(name, weather=weather))
    assert still.max() == 0.0, (name, weather, still.max())


@pytest.mark.parametrize("weather", ["rain", "snow"])
def test_outdoors_the_same_weather_falls(weather: str) -> None:
    clear, wet = motion(frames("meadow")), motion(frames("meadow", weather=weather))
    sky = slice(0, int(H * 0.45))
    assert wet[sky].mean() > 5 * max(0.05, clear[sky].mean()), (clear[sky].mean(), wet[sky].mean())


def test_rain_streaks_only_outdoors_on_pixels() -> None:
    """Same seed, same weather: the meadow gets high-frequency streaks in its sky, the kitchen and orbit none."""
    import cv2

    def hf(name: str, weather: str) -> float:
        f = frames(name, weather=weather)
        return float(np.mean([np.abs(cv2.Laplacian(luma(x), cv2.CV_32F))[: int(H * 0.45)].mean() for x in f]))

    assert hf("meadow", "rain") > 1.5 * hf("meadow", "clear")
    assert hf("kitchen", "rain") == pytest.approx(hf("kitchen", "cloudy"), rel=0.02)
    assert hf("orbit", "rain") == pytest.approx(hf("orbit", "clear"))


def test_effects_rules() -> None:
    assert "flash" in effects_for("room", "storm") and "lightning" not in effects_for("room", "storm")
    assert effects_for("orbit", "storm") == ["debris"]
    assert "debris" in effects_for("orbit", "clear", "a storm of space debris approaches")
    assert set(effects_for("underwater", "rain")) == {"bubbles", "murk"}
    assert "lava" in effects_for("volcano", "clear") and "lava" not in effects_for("meadow", "clear")
    assert "aurora" in effects_for("arctic", "clear", "") and "aurora" in effects_for(
        "meadow", "clear", "aurora"
    )
    assert "aurora" not in effects_for("kitchen", "clear", "aurora")
    assert "fog" in effects_for("sea", "clear", "a fishing boat returns through the mist")
    assert {"rain", "lightning", "spray"} <= set(effects_for("sea", "storm"))
    assert "spotlight" in effects_for("stage", "clear")
    world = build_set("sea", "night", "storm", W, H, np.random.default_rng(0), extra_words="the lighthouse")
    assert world.effect_names == ("rain", "lightning", "spray", "beam")


def test_storm_flashes_outdoors_and_through_the_window_indoors() -> None:
    for name in ("meadow", "room"):
        world = build_set(name, "night", "storm", W, H, np.random.default_rng(3))
        lum = [
            luma(f.astype(np.float32)).mean() for f in world.frames(FPS * 4, FPS)
        ]  # 4 s > one flash period
        assert max(lum) > 1.3 * float(np.median(lum)), name


def test_volcano_glows_and_pulses_at_its_crater() -> None:
    world = build_set("volcano", "night", "clear", W, H, np.random.default_rng(0))
    f = np.stack(world.frames(8, FPS)).astype(np.float32)
    r, b = f[..., 0].mean(0), f[..., 2].mean(0)
    crater = (r - b)[: int(H * 0.35)]
    assert crater.max() > 80  # orange-hot pixels up in the sky region, at night
    assert motion(f)[: int(H * 0.35)].mean() > 0.2  # sparks rise, the glow breathes


def test_arctic_night_has_an_aurora() -> None:
    """Green light in the polar night sky, against the same sky over a meadow (no aurora there)."""
    rows = slice(int(H * 0.1), int(H * 0.35))
    polar = frames("arctic", "night")[0][rows].reshape(-1, 3).mean(0)
    plain = frames("meadow", "night")[0][rows].reshape(-1, 3).mean(0)
    assert polar[1] - polar[0] > plain[1] - plain[0] + 6, (polar, plain)


# -- matching words to sets --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("open water", "sea"),
        ("Harbours at dusk", "sea"),
        ("a lighthouse keeper's dog", "sea"),
        ("the beaches", "beach"),
        ("across rooftops in the rain", "rooftops"),
        ("a chef in a medieval castle kitchen", "kitchen"),
        ("a snowy mountain village", "mountain-village"),
        ("libraries", "library"),
        ("un vieux chat noir explore une bibliothèque", "library"),
        ("一只熊猫在竹林里吃竹子", "bamboo-forest"),
        ("a penguin at the south pole", "arctic"),
        ("an amusement park", "fair"),
        ("a volcano near an island village", "volcano"),
        ("pirates on a tropical island", "island"),
        ("an astronaut on a spacewalk", "orbit"),
        ("a packed stadium", "stadium"),
        ("an empty stage under a spotlight", "stage"),
        ("a fox in a henhouse", "barn"),
        ("through a cornfield", "farm"),
        ("the savannah", "savanna"),
        ("a haunted house", "room"),
        ("the bottom of the ocean", "underwater"),
        ("an abandoned factory", "factory"),
        ("a calm lake at dawn", "lake"),
        ("deep in the dunes", "desert"),
    ],
)
def test_find_set_by_words(text: str, name: str) -> None:
    assert find_set_by_words(text) == name
    assert find_set(text) == (name, 1.0)


def test_words_match_whole_words_only() -> None:
    assert find_set_by_words("a seagull") is None  # not "sea"
    assert find_set_by_words("she cares about planets") == "orbit"  # a plural is its singular
    assert find_set_by_words("the mines of moria") is None  # "mine" is not a set word: too common
    assert find_set_by_words("") is None


def test_find_set_falls_back_on_meaning_and_refuses_nonsense() -> None:
    hit = find_set("a sandy strip along the shoreline")
    assert hit is not None and hit[0] in ("beach", "coast", "sea") and 0.45 <= hit[1] < 1.0
    assert find_set("qwxz blorf") is None


# -- the old families, determinism ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("family", "kind"),
    [
        ("interior", "interior"),
        ("space", "orbit"),
        ("underwater", "underwater"),
        ("coast", "outdoor"),
        ("snowfield", "outdoor"),
        ("field", "outdoor"),
    ],
)
def test_old_family_names_still_build(family: str, kind: str) -> None:
    world = build_world(family, False, "day", "clear", W, H, np.random.default_rng(0))
    assert world.kind == kind and world.sky.shape == (H, W, 3)


def test_a_road_goes_across_any_outdoor_set() -> None:
    plain, road = frames("desert")[0], frames("desert", road=True)[0]
    rows = slice(int(H * 0.8), int(H * 0.92))
    assert luma(road[rows]).mean() < luma(plain[rows]).mean() - 40  # asphalt under the sand's brightness


def test_deterministic_per_seed() -> None:
    for name in ("sea", "kitchen", "fair", "orbit"):
        a, b = frames(name, weather="storm", seed=5), frames(name, weather="storm", seed=5)
        assert np.array_equal(a, b)
        assert not np.array_equal(a, frames(name, weather="storm", seed=6))


def test_unknown_set_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown set 'atlantis'"):
        build_set("atlantis", "day", "clear", W, H, np.random.default_rng(0))
