"""`moviefactory dev tiny-model DIR`: write a tiny random SD2-shaped folder (for offline checks and tests).

Only argparse and stdlib at import time; torch/diffusers load inside the handler.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    dev = sub.add_parser("dev", help="developer tools (tiny random models for offline checks)")
    dev_sub = dev.add_subparsers(dest="dev_command", metavar="COMMAND", required=True)
    p = dev_sub.add_parser(
        "tiny-model",
        help="write a tiny random Stable Diffusion 2-shaped folder (draws noise; for tests and wiring checks)",
    )
    p.add_argument("dir", type=Path, help="folder to create (must be empty or absent)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--prediction-type", choices=["epsilon", "v_prediction"], default="epsilon")
    p.add_argument(
        "--adapters", type=Path, default=None, help="also save zero-initialised MovieFactory adapters here"
    )
    p.add_argument(
        "--single-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write it as one original-layout checkpoint (.safetensors or .ckpt), as SD 2.x is published",
    )
    p.set_defaults(func=_tiny_model)


def _tiny_model(args: argparse.Namespace) -> int:
    from moviefactory.errors import InputError

    out: Path = args.dir
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} exists and is not an empty folder")
    from moviefactory.models.tiny import build_tiny_sd2

    path = build_tiny_sd2(out, seed=args.seed, prediction_type=args.prediction_type)
    print(f"tiny SD2 folder: {path}")
    if args.single_file is not None:
        from moviefactory.models.tiny import save_single_file

        print(f"single-file checkpoint: {save_single_file(path, args.single_file)}")
    if args.adapters is not None:
        from moviefactory.models.loading import load_sd2_components
        from moviefactory.models.unet import MovieFactoryConfig, MovieFactoryUNet

        comps = load_sd2_components(path)
        model = MovieFactoryUNet.from_base(comps.unet, MovieFactoryConfig(base=str(path), num_frames=4))
        print(f"adapters: {model.save_pretrained(args.adapters)}")
    return 0
