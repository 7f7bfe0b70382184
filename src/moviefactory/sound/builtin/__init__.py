"""The shipped starter library, synthesised by our own code (numpy/scipy) and licensed with the project.

Audio is not committed: `ensure_builtin()` renders it on first use into
`$MOVIEFACTORY_HOME/sound/builtin-v<GENERATOR_VERSION>` (default home ~/.cache/moviefactory). The folder is
built beside its final name and renamed into place, so a crash never leaves half a library.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import zlib
from pathlib import Path

from moviefactory.sound.builtin.catalog import CATALOG, Entry

GENERATOR_VERSION = "1"
LICENSE = "Apache-2.0"
ATTRIBUTION = "MovieFactory synthesised library"
SOURCE = "builtin"


def home_dir() -> Path:
    env = os.environ.get("MOVIEFACTORY_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "moviefactory"


def builtin_dir(home: Path | None = None) -> Path:
    return (home or home_dir()) / "sound" / f"builtin-v{GENERATOR_VERSION}"


def seed_of(entry_id: str) -> int:
    return zlib.crc32(f"{GENERATOR_VERSION}:{entry_id}".encode())


def render(entry: Entry):  # type: ignore[no-untyped-def]
    """(N, 2) float32 audio of one catalogue entry, peak -1 dBFS, deterministic."""
    import numpy as np

    from moviefactory.sound.builtin.synth import edge_fades, peak_normalize

    rng = np.random.default_rng(seed_of(entry.id))
    if entry.kind == "music":
        from moviefactory.sound.builtin.music_recipes import BEDS, render_bed

        x = render_bed(BEDS[entry.id], rng)
        x = edge_fades(x, 0.0, 0.0)
    else:
        from moviefactory.sound.builtin.effects_recipes import RECIPES

        x = edge_fades(RECIPES[entry.id](rng, entry.duration_s))
    return peak_normalize(x, -1.0).astype(np.float32)


def ensure_builtin(home: Path | None = None) -> Path:
    """The folder of built-in FLAC files plus catalog.json, rendering it once per GENERATOR_VERSION."""
    import soundfile as sf

    final = builtin_dir(home)
    if (final / "catalog.json").exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".builtin-", dir=final.parent))
    try:
        rows = []
        for entry in CATALOG:
            audio = render(entry)
            name = f"{entry.kind}/{entry.id}.flac"
            (tmp / entry.kind).mkdir(exist_ok=True)
            sf.write(str(tmp / name), audio, 48_000, format="FLAC", subtype="PCM_24")
            rows.append({
                "file": name, "id": entry.id, "kind": entry.kind, "title": entry.title,
                "description": entry.description, "tags": entry.tags, "license": LICENSE,
                "attribution": ATTRIBUTION,
            })  # fmt: skip
        (tmp / "catalog.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
        (tmp / "LICENSE.txt").write_text(
            f"{ATTRIBUTION}, generator version {GENERATOR_VERSION}. Licensed under {LICENSE}, like MovieFactory.\n",
            encoding="utf-8",
        )
        try:
            os.rename(tmp, final)
        except OSError:  # another process finished first: theirs is identical
            if not (final / "catalog.json").exists():
                raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp)
    return final
