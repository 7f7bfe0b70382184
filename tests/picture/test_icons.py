"""The animatic's icon library: names find the icon they say, rasters decode to the asked size and colour,
the disk cache is reused, credits name every icon used. MiniLM runs only on a small sub-library."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from moviefactory.errors import InputError
from moviefactory.picture.animatic.icons import COLOUR, SILHOUETTE, IconLibrary, IconMatch, write_credits


@pytest.fixture(scope="module")
def lib(mf_home: Path) -> IconLibrary:
    return IconLibrary.load()


@pytest.mark.parametrize("text", ["lighthouse", "satellite", "volcano", "sand castle", "balloon", "dragon"])
@pytest.mark.parametrize("prefer", ["any", "colour", "silhouette"])
def test_a_named_thing_finds_an_icon_of_that_name(lib: IconLibrary, text: str, prefer: str) -> None:
    m = lib.find(text, prefer=prefer)
    assert m is not None and m.score >= 0.85
    assert text.replace(" ", "-") in m.name, m
    assert m.drawn_as == f"{m.set}:{m.name}" and lib.has(m.set, m.name)


def test_lemmas_compounds_modifiers_and_preference(lib: IconLibrary) -> None:
    assert lib.find("sandcastle") == IconMatch(SILHOUETTE, "sand-castle", 1.0)
    assert lib.find("the lighthouses") == IconMatch(SILHOUETTE, "lighthouse", 1.0)
    assert lib.find("an old man") == IconMatch(COLOUR, "old-man", 1.0)  # a modifier that is part of a name
    red = lib.find("a red balloon")
    assert red is not None and red.name == "balloon" and 0.5 < red.score < 1.0  # the colour is not drawn
    chest = lib.find("treasure chest")
    assert chest is not None and "treasure-chest" in chest.name
    # both sets draw a volcano: the preference picks the set, the exact name still wins over the preference
    assert lib.find("volcano", prefer="colour") == IconMatch(COLOUR, "volcano", 1.0)
    assert lib.find("volcano", prefer="silhouette") == IconMatch(SILHOUETTE, "volcano", 1.0)
    assert lib.find("lighthouse", prefer="colour") == IconMatch(SILHOUETTE, "lighthouse", 1.0)
    with pytest.raises(InputError, match="prefer"):
        lib.find("volcano", prefer="color")


@pytest.fixture(scope="module")
def small_lib(lib: IconLibrary) -> IconLibrary:
    """A sub-library of ~60 names, so MiniLM embeds little; the same code paths as the full one."""
    keep = {
        SILHOUETTE: [
            "cook",
            "robber",
            "lighthouse",
            "asteroid",
            "sailboat",
            "anchor",
            "castle",
            "wolf-head",
            "chess-knight",
            "mounted-knight",
            "balloons",
            "coffee-cup",
            "wizard-staff",
            "potable-water",
        ],
        COLOUR: ["cook", "automobile", "rocket", "dog", "ghost", "mage", "bread", "snowflake", "balloon"],
    }
    sets = {}
    for s, names in keep.items():
        data = lib.sets[s]
        picked = [n for n in names if n in data["icons"]] + sorted(data["icons"])[:25]
        sets[s] = {**data, "icons": {n: data["icons"][n] for n in picked}, "aliases": {}}
    return IconLibrary(sets, digest="test-" + lib.digest)


def test_meaning_finds_synonyms_and_nonsense_finds_nothing(small_lib: IconLibrary) -> None:
    found = small_lib.find_all(["chef", "thief", "car", "blorfquax", "zzxqv"])
    assert [m.name if m else None for m in found] == ["cook", "robber", "automobile", None, None]
    assert all(m is None or m.score < 0.85 for m in found)  # meaning never scores like an exact name
    assert small_lib.find_all(["chef", "thief", "car"]) == found[:3]  # deterministic
    assert small_lib.find("car", min_score=0.99) is None
    # the name vectors were cached on disk, keyed by the data digest
    assert list(small_lib.cache_dir().glob("names-*.npy"))


def test_the_thing_itself_beats_its_token_a_bunch_or_a_prop(small_lib: IconLibrary) -> None:
    knight, balloon, coffee = small_lib.find_all(["knight", "red balloon", "coffee"])
    assert knight is not None and knight.name == "mounted-knight"  # not the chess piece
    assert balloon is not None and balloon.drawn_as == "fluent-emoji-flat:balloon"  # one, not "balloons"
    assert small_lib.find("balloons") == IconMatch(SILHOUETTE, "balloons", 1.0)
    assert coffee is not None and coffee.name == "coffee-cup"  # a modifier name that means the thing
    under = small_lib.find("underwater")  # not split into "under water"
    assert under is None or under.name != "potable-water"


def test_silhouette_raster_is_tinted_trimmed_and_exactly_as_high_as_asked(lib: IconLibrary) -> None:
    rgba = lib.raster(SILHOUETTE, "lighthouse", 96, tint=(200, 30, 40))
    assert rgba.dtype == np.uint8 and rgba.ndim == 3 and rgba.shape[0] == 96 and rgba.shape[2] == 4
    a = rgba[..., 3]
    assert (a > 0).mean() > 0.15  # a real drawing, not a few stray pixels
    # trimmed: the drawing touches all four edges of the array
    assert a[0].any() and a[-1].any() and a[:, 0].any() and a[:, -1].any()
    opaque = rgba[a > 128][:, :3]
    assert (np.abs(opaque.astype(int) - (200, 30, 40)).max(axis=1) <= 2).mean() > 0.99
    # aspect kept: doubling the height doubles the width; a hot-air balloon stays taller than wide
    big = lib.raster(SILHOUETTE, "lighthouse", 192, tint=(200, 30, 40))
    assert big.shape[0] == 192 and abs(big.shape[1] - 2 * rgba.shape[1]) <= 2
    assert lib.raster(SILHOUETTE, "air-balloon", 96).shape[1] < 80


def test_emoji_keep_their_colours_and_ignore_the_tint(lib: IconLibrary) -> None:
    plain = lib.raster(COLOUR, "dragon", 80)
    tinted = lib.raster(COLOUR, "dragon", 80, tint=(255, 0, 0))
    assert plain.shape[0] == 80 and np.array_equal(plain, tinted)
    opaque = plain[plain[..., 3] == 255][:, :3] // 32  # 8 levels per channel
    assert len({tuple(c) for c in opaque}) >= 6  # several colours, not one tint


def test_rasters_are_cached_on_disk_and_reused_by_a_new_process(lib: IconLibrary) -> None:
    first = lib.raster(SILHOUETTE, "volcano", 64, tint=(10, 120, 30))
    png = lib.cache_dir() / "raster" / SILHOUETTE / "volcano-64.png"
    mtime = png.stat().st_mtime_ns
    fresh = IconLibrary(lib.sets, lib.digest)  # what a worker process builds: no memory cache
    again = fresh.raster(SILHOUETTE, "volcano", 64, tint=(10, 120, 30))
    assert fresh.renders == 0 and np.array_equal(first, again) and png.stat().st_mtime_ns == mtime
    other = fresh.raster(SILHOUETTE, "volcano", 64, tint=(250, 250, 0))  # another tint: same PNG, new colour
    assert fresh.renders == 0 and np.array_equal(other[..., 3], first[..., 3])
    again[:] = 0  # callers get their own array: the cache is not changed through it
    assert fresh.raster(SILHOUETTE, "volcano", 64, tint=(10, 120, 30)).any()


def test_bad_raster_requests_say_what_is_wrong(lib: IconLibrary) -> None:
    with pytest.raises(InputError, match="no icon game-icons:not-an-icon"):
        lib.raster(SILHOUETTE, "not-an-icon", 64)
    with pytest.raises(InputError, match="height"):
        lib.raster(SILHOUETTE, "lighthouse", 0)
    with pytest.raises(InputError, match="tint"):
        lib.raster(SILHOUETTE, "lighthouse", 64, tint=(300, 0, 0))


def test_aliases_resolve_and_flip(lib: IconLibrary) -> None:
    left = lib.raster(COLOUR, "backhand-index-pointing-left", 48)
    right = lib.raster(COLOUR, "backhand-index-pointing-right", 48)  # an alias: the left hand mirrored
    assert np.array_equal(right, left[:, ::-1])
    assert lib.find("sattelite") == IconMatch(SILHOUETTE, "sattelite", 1.0)  # the set's own misspelling alias


def test_credits_list_each_icon_once_with_its_licence_and_keep_the_sound_credits(
    lib: IconLibrary, tmp_path: Path
) -> None:
    from moviefactory.sound import Credit
    from moviefactory.sound.credits import write_credits as write_sound_credits

    write_sound_credits(tmp_path, [("s01", [Credit("rain", "builtin:rain", "Apache-2.0", "MovieFactory")])])
    used = ["game-icons:lighthouse", "fluent-emoji-flat:dog", "game-icons:lighthouse"]
    entries = write_credits(used, tmp_path)
    assert [(e["set"], e["name"]) for e in entries] == [(SILHOUETTE, "lighthouse"), (COLOUR, "dog")]
    data = json.loads((tmp_path / "credits.json").read_text())
    assert data["kind"] == "moviefactory-credits" and len(data["sounds"]) == 1
    by_name = {e["name"]: e for e in data["icons"]}
    assert by_name["lighthouse"]["license"] == "CC BY 3.0" and "GameIcons" in by_name["lighthouse"]["author"]
    assert by_name["dog"]["license"] == "MIT" and "Microsoft" in by_name["dog"]["author"]
    text = (tmp_path / "CREDITS.txt").read_text()
    assert "Sound credits" in text and "rain" in text
    assert (
        "game-icons:lighthouse - GameIcons" in text
        and "CC BY 3.0" in text
        and "fluent-emoji-flat:dog" in text
    )
    # the sound stage writing again (a re-run) keeps the icons; a new icon list replaces the old one
    write_sound_credits(tmp_path, [("s01", [Credit("wind", "builtin:wind", "Apache-2.0", "MovieFactory")])])
    write_credits(["game-icons:volcano"], tmp_path)
    data = json.loads((tmp_path / "CREDITS.txt").parent.joinpath("credits.json").read_text())
    assert [e["name"] for e in data["icons"]] == ["volcano"] and data["sounds"][0]["title"] == "wind"
    text = (tmp_path / "CREDITS.txt").read_text()
    assert text.count("Icon credits") == 1 and "lighthouse" not in text and "rain" not in text
    with pytest.raises(InputError):
        write_credits(["lighthouse"], tmp_path)


def test_vendored_data_and_licences_ship_inside_the_package(lib: IconLibrary) -> None:
    from moviefactory.picture.animatic.icons import DATA_DIR

    assert len(lib.sets[SILHOUETTE]["icons"]) > 4000 and len(lib.sets[COLOUR]["icons"]) > 1500
    for s in (SILHOUETTE, COLOUR):
        licence = (DATA_DIR / f"LICENSE-{s}.txt").read_text()
        assert lib.sets[s]["info"]["license"]["url"] in licence and len(licence) > 1000
    assert IconLibrary.load() is lib  # one instance per process


def test_a_worker_process_draws_and_finds_by_name_without_the_text_model(
    lib: IconLibrary, mf_home: Path
) -> None:
    import os
    import subprocess
    import sys

    lib.raster(SILHOUETTE, "anchor", 40)  # the PNG the worker should find on disk
    code = (
        "import sys\n"
        "from moviefactory.picture.animatic.icons import IconLibrary\n"
        "lib = IconLibrary.load()\n"
        "m = lib.find('an anchor', prefer='silhouette')\n"
        "a = lib.raster(m.set, m.name, 40, tint=(1, 2, 3))\n"
        "print(m.drawn_as, a.shape[0], lib.renders, 'moviefactory.textembed' in sys.modules,"
        " 'sentence_transformers' in sys.modules)\n"
    )
    env = {**os.environ, "MOVIEFACTORY_HOME": str(mf_home)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["game-icons:anchor", "40", "0", "False", "False"], out.stderr


def test_the_package_ships_the_name_vectors_of_its_own_data(lib: IconLibrary) -> None:
    from moviefactory.picture.animatic.icons import _shipped_vectors
    from moviefactory.textembed import MODEL_NAME, text_embedder

    texts = lib.name_texts()
    shipped = _shipped_vectors(texts, MODEL_NAME)
    assert shipped is not None and shipped.shape == (len(lib.entries), 384)
    rows = [texts.index(t) for t in ("lighthouse", "sand castle", "polar bear")]
    fresh = text_embedder().encode([texts[i] for i in rows])
    cos = np.sum(fresh * shipped[rows], axis=1)
    assert (cos > 0.995).all(), cos  # int8 steps cost less than 0.005 of cosine
    assert _shipped_vectors([*texts[:-1], "something else"], MODEL_NAME) is None  # other names: computed
