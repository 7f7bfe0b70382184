"""`moviefactory library add PATH...` and `moviefactory library search QUERY`. Only argparse and the
standard library at import time; the work is imported inside the handlers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("library", help="index folders of sounds and search the sound library")
    lsub = p.add_subparsers(dest="library_command", required=True)
    add = lsub.add_parser("add", help="index audio files or folders (incremental)")
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    add.add_argument(
        "--library", type=Path, default=None, help="index folder (default ~/.cache/moviefactory/library)"
    )
    add.set_defaults(func=cmd_add)
    se = lsub.add_parser("search", help="ranked sounds for a text query (built-in library included)")
    se.add_argument("query")
    se.add_argument("--kind", choices=["effect", "music"], default=None)
    se.add_argument("-k", type=int, default=10)
    se.add_argument("--json", action="store_true", help="print JSON instead of a table")
    se.add_argument("--library", type=Path, default=None)
    se.add_argument(
        "--clap", type=Path, default=None, help="rank by a local CLAP model's text-audio similarity"
    )
    se.set_defaults(func=cmd_search)


def _library_dir(args: argparse.Namespace) -> Path:
    from moviefactory.sound.backend import default_library_dir

    return Path(args.library).expanduser() if args.library else default_library_dir()


def cmd_add(args: argparse.Namespace) -> int:
    from moviefactory.errors import InputError
    from moviefactory.sound.embed import MiniLMText
    from moviefactory.sound.ingest import ingest
    from moviefactory.sound.library import Library

    missing = [str(p) for p in args.paths if not Path(p).exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    lib = Library.open(_library_dir(args))
    text = MiniLMText()
    report = ingest(lib, args.paths, text.encode_text, embedder=text.name)
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"{lib.root}: {report.summary()}; {len(lib)} sounds indexed")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from moviefactory.errors import InputError
    from moviefactory.sound.backend import LibrarySound

    if not 1 <= args.k <= 1000:
        raise InputError(f"-k must be between 1 and 1000, got {args.k}")
    if not args.query.strip():
        raise InputError("the search query is empty")
    backend = LibrarySound(_library_dir(args), clap=args.clap)
    hits = backend.search(args.query, kind=args.kind, k=args.k)
    rows = [
        {
            "rank": i + 1,
            "score": round(h.score, 4),
            "kind": h.item.kind,
            "title": h.item.title,
            "description": h.item.description,
            "source": h.item.source,
            "path": str(h.item.path),
            "license": h.item.license,
            "attribution": h.item.attribution,
            "duration_s": h.item.features.get("duration_s"),
        }
        for i, h in enumerate(hits)
    ]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for r in rows:
            print(
                f"{r['rank']:>3}  {r['score']:.3f}  {r['kind']:<6} {r['title']} [{r['source']}] - {r['description']}"
            )
    return 0
