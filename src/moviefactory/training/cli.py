"""`moviefactory train spatial|temporal|movie`: the three training stages (stdlib-only imports here).

Multi-GPU: `accelerate launch --config_file accelerate_multi_gpu.yaml -m moviefactory train ...`
(see docs/training.md).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

STAGES = {
    "spatial": "stage 1: spatial adapters + domain norms on frames of several datasets (temporal layers frozen)",
    "temporal": "stage 2: temporal layers only, on 16-frame clips at 8 fps with the WebVid norms",
    "movie": "stage 3: spatial adapters again, on a folder of movie clips (temporal layers frozen)",
}


def _size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit():
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 768x320, got {text!r}")
    return int(w), int(h)


def _add_stage_args(p: argparse.ArgumentParser, stage: str) -> None:
    frames_default = "1: independent frames" if stage == "spatial" else "16"
    p.add_argument(
        "--model",
        type=Path,
        required=True,
        metavar="SD2_DIR",
        help="Stable Diffusion 2 folder in diffusers layout (unet/, vae/, text_encoder/, tokenizer/, scheduler/), "
        "or a single-file checkpoint (.safetensors/.ckpt; see --sd-config)",
    )
    p.add_argument(
        "--sd-config",
        type=Path,
        default=None,
        metavar="DIR",
        help="with a single-file --model: an SD 2 folder in diffusers layout whose configs and tokenizer go with "
        "it (default: the HF cache's stabilityai/stable-diffusion-2-1, or -2-1-base for a 512/base file)",
    )
    p.add_argument(
        "--data",
        action="append",
        required=True,
        metavar="SPEC",
        help="repeatable: webvid:CSV:VIDEO_DIR or folder:DIR (clip.mp4 + clip.txt), optionally "
        "ending in @domain (defaults: webvid -> 'webvid', folder -> 'movie'"
        + ("; stage 2 uses 'webvid'" if stage == "temporal" else "")
        + ")",
    )
    p.add_argument(
        "--output", type=Path, required=True, metavar="DIR", help="run folder: checkpoints, log, adapters/"
    )
    p.add_argument(
        "--resume",
        nargs="?",
        const="latest",
        default=None,
        metavar="CHECKPOINT",
        help="continue from the latest checkpoint in --output (or the one named); none there: start fresh",
    )
    p.add_argument(
        "--init-adapters",
        type=Path,
        default=None,
        metavar="DIR",
        help="start from saved adapters (stage 2 from stage 1's output/adapters, stage 3 from stage 2's)",
    )
    if stage == "temporal":
        p.add_argument(
            "--init-temporal",
            type=Path,
            default=None,
            metavar="DIR",
            help="start the temporal layers from a ModelScope text-to-video folder (TextToVideoSDPipeline, e.g. "
            "text-to-video-ms-1.7b): its temporal convs and attentions, in ModelScope's form",
        )
    p.add_argument("--steps", type=int, default=10_000, help="total optimizer steps (default 10000)")
    p.add_argument(
        "--batch-size", type=int, default=1, help="samples per micro-batch per process (default 1)"
    )
    p.add_argument("--grad-accum", type=int, default=1, help="micro-batches per optimizer step (default 1)")
    p.add_argument("--lr", type=float, default=1e-4, help="AdamW learning rate (default 1e-4)")
    p.add_argument("--warmup-steps", type=int, default=0, help="linear learning-rate warm-up (default 0)")
    p.add_argument(
        "--mixed-precision",
        choices=["no", "fp16", "bf16"],
        default=None,
        help="default: accelerate's config; the frozen base runs in this dtype, trained layers stay float32",
    )
    p.add_argument(
        "--ema", action="store_true", help="keep an EMA of the trained weights; adapters/ gets the EMA"
    )
    p.add_argument("--ema-decay", type=float, default=0.9999, help="EMA decay (with warm-up; default 0.9999)")
    p.add_argument(
        "--size", type=_size, default=(768, 320), metavar="WxH", help="training size (default 768x320)"
    )
    p.add_argument("--frames", type=int, default=None, help=f"frames per sample (default {frames_default})")
    p.add_argument("--fps", type=float, default=8.0, help="frame rate clips are sampled at (default 8)")
    p.add_argument(
        "--caption-dropout", type=float, default=0.1, help="fraction of empty captions (default 0.1)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--checkpoint-every", type=int, default=500, help="steps between checkpoints (default 500)"
    )
    p.add_argument("--keep-checkpoints", type=int, default=3, help="newest checkpoints kept (default 3)")
    p.add_argument("--gradient-checkpointing", action="store_true", help="recompute activations in backward")
    p.add_argument("--workers", type=int, default=2, help="data loader worker processes (default 2)")
    p.add_argument(
        "--log-every",
        type=int,
        default=10,
        help="print loss, it/s, ETA and peak memory every N steps (default 10)",
    )
    p.add_argument(
        "--log-with",
        choices=["tensorboard", "wandb"],
        default=None,
        help="also log to this tracker through accelerate (logs in OUTPUT/logs)",
    )
    p.add_argument(
        "--validate-every",
        type=int,
        default=0,
        metavar="N",
        help="every N steps write a short validation clip per domain to OUTPUT/samples/ (default 0: off)",
    )
    p.add_argument(
        "--validate-prompt",
        default="a red car driving along a coastal road at sunset",
        help="the validation clips' prompt",
    )
    p.add_argument(
        "--validate-steps", type=int, default=20, help="denoising steps per validation clip (default 20)"
    )


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    train = sub.add_parser(
        "train",
        help="train the video model (3 stages, accelerate)",
        description="Train MovieFactory's video model: spatial, then temporal, then movie.",
    )
    stages = train.add_subparsers(dest="train_stage", metavar="STAGE", required=True)
    for name, help_text in STAGES.items():
        p = stages.add_parser(name, help=help_text, description=help_text)
        _add_stage_args(p, name)
        p.set_defaults(func=handler)


def config_from_args(args: argparse.Namespace) -> object:
    """argparse Namespace -> TrainConfig (data specs parsed and checked)."""
    from moviefactory.training.data import parse_data_spec
    from moviefactory.training.loop import TrainConfig

    cfg = TrainConfig(
        model=args.model,
        data=tuple(parse_data_spec(s) for s in args.data),
        output=args.output,
        steps=args.steps,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum,
        lr=args.lr,
        mixed_precision=args.mixed_precision,
        ema=args.ema,
        ema_decay=args.ema_decay,
        size=args.size,
        frames=args.frames,
        fps=args.fps,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        keep_checkpoints=args.keep_checkpoints,
        gradient_checkpointing=args.gradient_checkpointing,
        init_adapters=args.init_adapters,
        init_temporal=getattr(args, "init_temporal", None),
        resume=args.resume,
        caption_dropout=args.caption_dropout,
        warmup_steps=args.warmup_steps,
        num_workers=args.workers,
        log_every=args.log_every,
        log_with=args.log_with,
        validate_every=args.validate_every,
        validate_prompt=args.validate_prompt,
        validate_steps=args.validate_steps,
        sd_config=args.sd_config,
    )
    cfg.check()
    return cfg


def handler(args: argparse.Namespace) -> int:
    from moviefactory.training.loop import TrainConfig
    from moviefactory.training.stage1_spatial import train_spatial
    from moviefactory.training.stage2_temporal import train_temporal
    from moviefactory.training.stage3_movie import train_movie

    cfg = config_from_args(args)
    assert isinstance(cfg, TrainConfig)
    run = {"spatial": train_spatial, "temporal": train_temporal, "movie": train_movie}[args.train_stage]
    result = run(cfg)
    if int(os.environ.get("RANK", "0")) != 0:  # under accelerate launch / torchrun: report once
        return 0
    last = f", last loss {result.losses[-1]:.5f}" if result.losses else ""
    skipped = sum(result.skipped.values())
    for w in result.warnings:
        print(f"warning: {w}")
    print(
        f"trained {result.stage}: steps {result.start_step}->{result.steps}{last}; "
        f"{skipped} videos skipped; adapters in {result.adapters}"
    )
    return 0
