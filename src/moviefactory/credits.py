"""The movie's two credits files, one owner for their layout; each stage writes only its own section.

    credits.json  {"kind": "moviefactory-credits", "version": 1,
                   "sounds": [...],   # sound.credits: {"title", "source", "license", "attribution", "used_in"}
                   "icons": [...]}    # picture.animatic.icons: {"set", "name", "title", "author", "license", "url"}
    CREDITS.txt   one block per section, each opening with its header line ("Sound credits", "Icon credits")

Writing a section replaces that section in both files and keeps the others, so the picture stage (icons)
and the sound stage (sounds) can write in either order and re-runs never duplicate. Both writes are atomic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

KIND = "moviefactory-credits"
VERSION = 1
JSON_NAME, TEXT_NAME = "credits.json", "CREDITS.txt"
HEADERS = {"sounds": "Sound credits", "icons": "Icon credits"}  # section -> CREDITS.txt header, in file order


def read_credits(folder: Path) -> dict[str, Any]:
    """credits.json as a dict; an empty one where the file is missing or not ours."""
    try:
        data = json.loads((Path(folder) / JSON_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"kind": KIND, "version": VERSION}
    return data if isinstance(data, dict) and data.get("kind") == KIND else {"kind": KIND, "version": VERSION}


def _blocks(text: str) -> dict[str, str]:
    """CREDITS.txt split into {section: block text} at the known header lines."""
    by_header = {h: s for s, h in HEADERS.items()}
    blocks: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line in by_header:
            current = by_header[line]
            blocks[current] = []
        if current is not None:
            blocks[current].append(line)
    return {s: "\n".join(lines).rstrip("\n") + "\n" for s, lines in blocks.items()}


def write_section(folder: Path, section: str, entries: list[dict[str, Any]], block: str) -> tuple[Path, Path]:
    """Replace `section` in credits.json (with `entries`) and in CREDITS.txt (with `block`, which starts
    with HEADERS[section]); returns both paths."""
    from moviefactory.workspace import atomic_write_json, atomic_write_text

    if section not in HEADERS or not block.startswith(HEADERS[section]):
        raise ValueError(f"credits section {section!r} needs a block starting with its header")
    jpath, tpath = Path(folder) / JSON_NAME, Path(folder) / TEXT_NAME
    data = read_credits(folder)
    data[section] = entries
    try:
        blocks = _blocks(tpath.read_text(encoding="utf-8"))
    except OSError:
        blocks = {}
    blocks[section] = block.rstrip("\n") + "\n"
    atomic_write_json(jpath, data)
    atomic_write_text(tpath, "\n".join(blocks[s] for s in HEADERS if s in blocks))
    return jpath, tpath
