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

from moviefactory.home import home_dir
from moviefactory.sound.builtin.catalog import CATALOG, Entry
from moviefactory.timing import AUDIO_RATE

GENERATOR_VERSION = "1"
LICENSE = "Apache-2.0"
ATTRIBUTION = "MovieFactory synthesised library"
SOURCE = "builtin"


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
    """The folder of built-in FLAC files plus catalog.json, rendering it once per GENERATOR_VERSION.

    First use is serialised by a lock file beside the folder: a second process waits for the first and then
    finds the library made (two renders at once would only waste minutes). The lock holder also removes the
    half-rendered `.builtin-*` folders of runs that were killed mid-render."""
    import soundfile as sf

    from moviefactory.workspace import hold_flock

    final = builtin_dir(home)
    if (final / "catalog.json").exists():
        return final
    with hold_flock(final.parent / f".lock-{final.name}"):
        if (final / "catalog.json").exists():
            return final
        for stale in final.parent.glob(".builtin-*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=".builtin-", dir=final.parent))
        try:
            rows = []
            for entry in CATALOG:
                audio = render(entry)
                name = f"{entry.kind}/{entry.id}.flac"
                (tmp / entry.kind).mkdir(exist_ok=True)
                sf.write(str(tmp / name), audio, AUDIO_RATE, format="FLAC", subtype="PCM_24")
                rows.append(
                    {
                        "file": name,
                        "id": entry.id,
                        "kind": entry.kind,
                        "title": entry.title,
                        "description": entry.description,
                        "tags": entry.tags,
                        "license": LICENSE,
                        "attribution": ATTRIBUTION,
                    }
                )
            (tmp / "catalog.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
            (tmp / "LICENSE.txt").write_text(
                f"{ATTRIBUTION}, generator version {GENERATOR_VERSION}. Licensed under {LICENSE}, like MovieFactory.\n",
                encoding="utf-8",
            )
            if final.exists():  # a folder without catalog.json: the remains of an older, interrupted layout
                shutil.rmtree(final)
            os.rename(tmp, final)
        except Exception as exc:
            from moviefactory.workspace import disk_full_error, is_disk_full

            if is_disk_full(exc, final.parent):
                raise disk_full_error(final, need_bytes=70_000_000) from exc
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(tmp)
    return final
