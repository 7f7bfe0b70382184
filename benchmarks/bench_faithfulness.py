"""Faithfulness: does the movie show what the words say? (issues 10 and 11)

Runs the built-in writer over annotated requests (default ../shared/faithfulness/requests.jsonl; format in
its README) and prints per request and as a mean:
  - script score: the share of a request's items with a stem that starts a word of the scene prompts
  - verbs as characters: characters whose name's last word matches one of the request's action stems
  - picture score (with --picture): the share of `draw` items with a stem that starts a word of some scene's
    drawn_as (set prefix and hyphens ignored), from the animatic's resolution of every scene (drawn.json);
    one contact sheet PNG per request (a frame of each scene) goes to benchmarks/out/faithfulness/.

    .venv/bin/python benchmarks/bench_faithfulness.py [--requests FILE] [--picture] [--scenes N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from moviefactory.script.crew import stem_found  # the scoring rule of shared/faithfulness/README.md

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REQUESTS = ROOT.parent / "shared" / "faithfulness" / "requests.jsonl"


def item_score(items: list[dict], text: str) -> tuple[float, list[str]]:
    if not items:
        return 1.0, []
    missed = [
        items[i]["words"][0]
        for i, it in enumerate(items)
        if not any(stem_found(s, text) for s in it["words"])
    ]
    return 1.0 - len(missed) / len(items), missed


def verbs_as_characters(movie: object, items: list[dict]) -> int:
    stems = [s for it in items if it["role"] == "action" for s in it["words"]]
    count = 0
    for c in movie.characters:  # type: ignore[attr-defined]
        last = c.name.lower().split()[-1] if c.name.split() else ""
        count += any(last.startswith(s) for s in stems)
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=Path, default=DEFAULT_REQUESTS)
    ap.add_argument("--scenes", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--picture", action="store_true", help="also resolve the animatic and score drawn_as")
    ap.add_argument("--sheets", type=Path, default=ROOT / "benchmarks" / "out" / "faithfulness")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    from moviefactory.script.builtin import BuiltinWriter
    from moviefactory.spec import Style

    rows = [
        json.loads(line) for line in args.requests.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    writer = BuiltinWriter()
    t0 = time.perf_counter()
    s_scores, p_scores, verb_chars = [], [], 0
    for row in rows:
        movie = writer.write(row["request"], scenes=args.scenes, seed=args.seed, style=Style())
        prompts = " ".join(s.prompt for s in movie.scenes)
        s, missed = item_score(row["items"], prompts)
        v = verbs_as_characters(movie, row["items"])
        verb_chars += v
        s_scores.append(s)
        line = f"{row['id']}  script {s:.2f}"
        if missed:
            line += f"  missed {missed}"
        if v:
            line += f"  verbs-as-characters {v}"
        if args.picture:
            p, pmissed = picture_score(movie, row, args.sheets)
            p_scores.append(p)
            line += f"  picture {p:.2f}" + (f"  not drawn {pmissed}" if pmissed else "")
        print(line)
        if args.verbose:
            for sc in movie.scenes:
                print("     ", sc.id, sc.prompt[:200])
            print("      notices:", writer.notices)
    secs = time.perf_counter() - t0
    print(
        f"\nrequests {len(rows)}  mean script score {sum(s_scores) / len(s_scores):.3f}  "
        f"verbs as characters {verb_chars}  ({secs:.1f} s)"
    )
    if p_scores:
        print(f"mean picture score {sum(p_scores) / len(p_scores):.3f}  (contact sheets in {args.sheets})")


def picture_score(movie: object, row: dict, sheets: Path) -> tuple[float, list[str]]:
    from moviefactory.picture.animatic.backend import AnimaticBackend

    backend = AnimaticBackend()
    backend.prepare(movie)  # type: ignore[arg-type]
    drawn = " ".join(el["drawn_as"].split(":", 1)[-1] for d in backend.drawn.values() for el in d["elements"])
    items = [it for it in row["items"] if it.get("draw")]
    p, missed = item_score(items, drawn)
    backend.contact_sheet(movie, sheets / f"{row['id']}.png")  # type: ignore[arg-type]
    return p, missed


if __name__ == "__main__":
    sys.exit(main())
