"""`moviefactory evaluate` (FVD / CLIPSIM table) and `moviefactory report DIR` (re-render report.html).

Standard library only at the top: the main CLI imports this module at start-up.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "evaluate",
        help="FVD and CLIPSIM of generated videos (the paper's Table 1)",
        description="Print Method | FVD↓ | CLIPSIM↑ for one or more generated sets. FVD needs --real and "
        "--fvd-model (an I3D TorchScript file such as i3d_torchscript.pt); CLIPSIM needs --clip (a CLIP "
        "model folder for transformers). Nothing is downloaded.",
    )
    p.add_argument(
        "--generated",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="videos (+ sidecar .txt prompts), a movie folder, or a folder of movie folders; repeat to compare",
    )
    p.add_argument("--name", action="append", default=[], metavar="NAME", help="method name per --generated")
    p.add_argument("--real", type=Path, metavar="DIR|CSV", help="reference videos: a folder or a CSV")
    p.add_argument("--fvd-model", type=Path, metavar="FILE", help="I3D TorchScript detector for FVD")
    p.add_argument("--clip", type=Path, metavar="PATH", help="CLIP model folder for CLIPSIM")
    p.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    p.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    p.set_defaults(func=evaluate_command)

    r = sub.add_parser("report", help="re-render a movie folder's report.html")
    r.add_argument("dir", type=Path, metavar="DIR", help="the movie folder")
    r.add_argument("--clip", type=Path, metavar="PATH", help="CLIP model folder: add CLIPSIM per scene")
    r.set_defaults(func=report_command)


def evaluate_command(args: argparse.Namespace) -> int:
    from moviefactory.errors import InputError
    from moviefactory.evaluate import collect_generated, collect_real, evaluate, write_json

    names: list[str] = list(args.name)
    if names and len(names) != len(args.generated):
        raise InputError(f"--name given {len(names)} times but --generated {len(args.generated)} times")
    sets = [
        (names[i] if names else (d.resolve().name or str(d)), collect_generated(d))
        for i, d in enumerate(args.generated)
    ]
    real = collect_real(args.real) if args.real is not None else None
    result = evaluate(
        sets,
        real=real,
        real_name=str(args.real) if args.real else None,
        fvd_model=args.fvd_model,
        clip_model=args.clip,
        device=args.device,
    )
    print(result.table())
    for m in result.methods:
        for w in m.warnings:
            print(f"warning ({m.method}): {w}")
    if args.json is not None:
        write_json(result, args.json)
        print(f"wrote {args.json}")
    return 0


def report_command(args: argparse.Namespace) -> int:
    from moviefactory.evaluate.report import write_report

    out = write_report(args.dir, clip_model=args.clip)
    print(out)
    return 0
