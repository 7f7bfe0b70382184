"""Credits for every sound a movie uses, in two files the compose stage writes next to the movie:

    credits.json   {"kind": "moviefactory-credits", "version": 1,
                    "sounds": [{"title", "source", "license", "attribution", "used_in": [...]}, ...]}
    CREDITS.txt    one block per sound: "Title - attribution (license) [source]" and "used in: s01, music"

Duplicates (the same source used in several scenes) are merged; order is first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from moviefactory.sound import Credit


def collect(uses: Iterable[tuple[str, Iterable[Credit]]]) -> list[dict[str, Any]]:
    """[(where, credits)] e.g. [("s01", track.credits), ("music", music.credits)] -> merged entries."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for where, credits in uses:
        for c in credits:
            key = (c.source, c.license, c.attribution)
            entry = merged.setdefault(
                key,
                {
                    "title": c.title,
                    "source": c.source,
                    "license": c.license,
                    "attribution": c.attribution,
                    "used_in": [],
                },
            )
            if where not in entry["used_in"]:
                entry["used_in"].append(where)
    return list(merged.values())


def credits_text(entries: list[dict[str, Any]]) -> str:
    lines = ["Sound credits", ""]
    for e in entries:
        who = f" - {e['attribution']}" if e["attribution"] else ""
        lines.append(f"{e['title']}{who} ({e['license']}) [{e['source']}]")
        lines.append(f"  used in: {', '.join(e['used_in'])}")
    return "\n".join(lines) + "\n"


def write_credits(folder: Path, uses: Iterable[tuple[str, Iterable[Credit]]]) -> tuple[Path, Path]:
    """Write the "sounds" section of credits.json and CREDITS.txt in `folder` atomically (the picture
    stage's icon section is kept; see moviefactory.credits); returns both paths."""
    from moviefactory.credits import write_section

    entries = collect(uses)
    return write_section(Path(folder), "sounds", entries, credits_text(entries))
