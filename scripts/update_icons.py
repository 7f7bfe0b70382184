"""Re-vendor the animatic's icon data from the npm registry (needs `npm`; CI and users never run this).

    python scripts/update_icons.py [--version game-icons=1.2.4 ...]

For each Iconify set it runs `npm pack @iconify-json/<set>[@version]`, reads icons.json + info.json from the
tarball and writes src/moviefactory/picture/animatic/icondata/<set>.json.gz with only what lookup and
rendering need: per-icon body (and size/offset where it differs from the set's), aliases (parent + flips /
rotation), the set's info (name, author, licence) and where it came from. Dropped: hidden icons and, for
colour emoji, the five skin-tone variants of an icon whose default (yellow) form exists. The gzip header
carries no time stamp, so the same npm version always gives the same bytes (and the same data digest).
Each set's licence (full text from the npm package spdx-license-list) goes beside it as LICENSE-<set>.txt,
and the MiniLM vectors of all names go to name-vectors.npy (int8; `--vectors-only` redoes just those).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

SETS = ("game-icons", "fluent-emoji-flat")
OUT = Path(__file__).resolve().parents[1] / "src" / "moviefactory" / "picture" / "animatic" / "icondata"
SKIN_TONES = ("-light", "-medium-light", "-medium", "-medium-dark", "-dark")
ICON_KEYS = ("body", "width", "height", "left", "top", "rotate", "hFlip", "vFlip")
ALIAS_KEYS = ("parent", "rotate", "hFlip", "vFlip", "width", "height", "left", "top")


def npm_pack(spec: str, work: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(icons.json, info.json, package.json) of one `npm pack` tarball."""
    out = subprocess.run(
        ["npm", "pack", spec, "--json"], cwd=work, check=True, capture_output=True, text=True
    )
    tgz = work / json.loads(out.stdout)[0]["filename"]
    with tarfile.open(tgz) as tar:

        def member(name: str) -> dict[str, Any]:
            f = tar.extractfile(f"package/{name}")
            if f is None:
                raise SystemExit(f"{spec}: the tarball has no {name}")
            return json.load(f)  # type: ignore[no-any-return]

        return member("icons.json"), member("info.json"), member("package.json")


def slim(icons: dict[str, Any], info: dict[str, Any], package: dict[str, Any]) -> dict[str, Any]:
    kept = {
        k: {f: v[f] for f in ICON_KEYS if f in v} for k, v in icons["icons"].items() if not v.get("hidden")
    }
    if info.get("palette"):  # colour emoji: keep the default tone only
        kept = {
            k: v
            for k, v in kept.items()
            if not any(k.endswith(t) and k[: -len(t)] in kept for t in SKIN_TONES)
        }
    aliases = {
        k: {f: v[f] for f in ALIAS_KEYS if f in v}
        for k, v in icons.get("aliases", {}).items()
        if v.get("parent") in kept and not v.get("hidden")
    }
    return {
        "prefix": icons["prefix"],
        "width": icons.get("width", info.get("width", 16)),
        "height": icons.get("height", info.get("height", 16)),
        "info": {
            "name": info["name"],
            "author": info["author"],
            "license": info["license"],
            "palette": bool(info.get("palette")),
        },
        "source": {"package": package["name"], "version": package["version"]},
        "icons": dict(sorted(kept.items())),
        "aliases": dict(sorted(aliases.items())),
    }


def licence_text(data: dict[str, Any], spdx_texts: dict[str, str]) -> str:
    """LICENSE-<set>.txt: who made the set, where it came from, then the licence's full text (SPDX list)."""
    info = data["info"]
    text = spdx_texts[info["license"]["spdx"]]
    text = text.replace(
        "<year> <copyright holders>", info["author"]["name"]
    )  # the MIT template's holder line
    head = (
        f"{info['name']} by {info['author']['name']} ({info['author']['url']}), "
        f"vendored from the npm package {data['source']['package']}@{data['source']['version']}.\n"
        f"Licence: {info['license']['title']} ({info['license']['spdx']}), {info['license']['url']}\n"
        "Changes: converted to a subset of the Iconify JSON format (see scripts/update_icons.py).\n\n"
    )
    return head + text.rstrip() + "\n"


def spdx_licences(spdx_ids: set[str], work: Path) -> dict[str, str]:
    out = subprocess.run(
        ["npm", "pack", "spdx-license-list", "--json"], cwd=work, check=True, capture_output=True, text=True
    )
    with tarfile.open(work / json.loads(out.stdout)[0]["filename"]) as tar:
        texts = {}
        for spdx in spdx_ids:
            f = tar.extractfile(f"package/licenses/{spdx}.json")
            if f is None:
                raise SystemExit(f"spdx-license-list has no {spdx}")
            texts[spdx] = json.load(f)["licenseText"]
        return texts


def write_gz(path: Path, data: dict[str, Any]) -> int:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)  # atomic: a failed run leaves the old data
    return len(buf.getvalue())


def write_vectors() -> None:
    """icondata/name-vectors.npy (+ .json): MiniLM vectors of every icon name, int8, so no user or CI run
    spends the 25-90 s of embedding 5,700 names (needs the package installed; no npm)."""
    from moviefactory.picture.animatic.icons import DATA_DIR, VECTORS_FILE, IconLibrary, quantise_vectors
    from moviefactory.textembed import MODEL_NAME, text_embedder

    IconLibrary._instance = None  # the data just written
    lib = IconLibrary.load()
    texts = lib.name_texts()
    q, meta = quantise_vectors(text_embedder().encode(texts), texts, MODEL_NAME)
    tmp = DATA_DIR / f".{VECTORS_FILE}"
    with tmp.open("wb") as f:
        np.save(f, q)
    os.replace(tmp, DATA_DIR / VECTORS_FILE)
    (DATA_DIR / "name-vectors.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"name vectors: {q.shape[0]} x {q.shape[1]} int8, {q.nbytes / 1e6:.2f} MB")


WORDS_PACKAGE = "emojibase-data"
# emojibase groups with things to draw: people-body, animals-nature, food-drink, travel-places, activities,
# objects (not smileys, skin-tone components, symbols or flags)
WORD_GROUPS = (1, 3, 4, 5, 6, 7)


def write_words(work: Path, version: str | None = None) -> None:
    """icondata/words.json.gz: the emoji names (CLDR labels, lower-case) of every non-English locale in
    emojibase-data -> the emoji's English label, which names a Fluent Emoji icon ("chat" -> cat, "熊猫" ->
    panda). Tags are left out: they are loose ("nuit" tags the night with stars). The earlier locale wins."""
    spec = WORDS_PACKAGE + (f"@{version}" if version else "")
    out = subprocess.run(
        ["npm", "pack", spec, "--json"], cwd=work, check=True, capture_output=True, text=True
    )
    meta = json.loads(out.stdout)[0]
    with tarfile.open(work / meta["filename"]) as tar:

        def member(name: str) -> Any:
            f = tar.extractfile(f"package/{name}")
            assert f is not None
            return json.loads(f.read())

        package = member("package.json")
        english = {
            e["hexcode"]: e["label"] for e in member("en/compact.json") if e.get("group") in WORD_GROUPS
        }
        locales = sorted(
            {n.split("/")[1] for n in tar.getnames() if n.endswith("/compact.json")} - {"en", "en-gb", "meta"}
        )
        ranked: dict[str, tuple[int, str]] = {}
        for loc in locales:
            for e in member(f"{loc}/compact.json"):
                if e["hexcode"] not in english:
                    continue
                term = e["label"].lower().strip()  # tags are loose ("nuit" tags the night-with-stars)
                if term and term not in ranked:
                    ranked[term] = (0, english[e["hexcode"]])
    data = {
        "source": {
            "package": WORDS_PACKAGE,
            "version": package["version"],
            "license": package["license"],
            "locales": locales,
            "url": "https://github.com/milesj/emojibase (names from Unicode CLDR)",
        },
        "terms": {t: en for t, (_, en) in sorted(ranked.items())},
    }
    size = write_gz(OUT / "words.json.gz", data)
    (OUT / "LICENSE-words.txt").write_text(
        f"{WORDS_PACKAGE} {package['version']} ({package['license']}): emoji names from the Unicode CLDR "
        "annotations (Unicode License v3, https://www.unicode.org/license.txt).\n",
        encoding="utf-8",
    )
    print(f"words: {len(data['terms'])} terms in {len(locales)} locales, {size / 1e6:.2f} MB gzip")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="append", default=[], help="SET=VERSION, e.g. game-icons=1.2.4")
    ap.add_argument(
        "--vectors-only", action="store_true", help="only re-embed the names of the vendored data"
    )
    ap.add_argument("--words-only", action="store_true", help="only re-vendor the non-English emoji names")
    args = ap.parse_args()
    if args.vectors_only:
        write_vectors()
        return
    versions = dict(v.split("=", 1) for v in args.version)
    if args.words_only:
        with tempfile.TemporaryDirectory() as tmp:
            write_words(Path(tmp), versions.get(WORDS_PACKAGE))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sets = {}
        for name in SETS:
            spec = f"@iconify-json/{name}" + (f"@{versions[name]}" if name in versions else "")
            sets[name] = slim(*npm_pack(spec, Path(tmp)))
        spdx_texts = spdx_licences({d["info"]["license"]["spdx"] for d in sets.values()}, Path(tmp))
        for name, data in sets.items():
            size = write_gz(OUT / f"{name}.json.gz", data)
            (OUT / f"LICENSE-{name}.txt").write_text(licence_text(data, spdx_texts), encoding="utf-8")
            print(
                f"{name} {data['source']['version']}: {len(data['icons'])} icons, "
                f"{len(data['aliases'])} aliases, {size / 1e6:.2f} MB gzip"
            )
        write_words(Path(tmp), versions.get(WORDS_PACKAGE))
    write_vectors()


if __name__ == "__main__":
    main()
