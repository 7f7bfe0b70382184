"""The `moviefactory` command. The only place (with web/) that turns errors into messages and exit codes.

Start-up stays fast: this module imports only the standard library at top level; each command imports what
it needs when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moviefactory import __version__

if TYPE_CHECKING:
    from moviefactory.errors import MovieFactoryError

# Stage-owned command groups: each module has `register(subparsers)` and imports only the standard library
# (a test holds `--help` to that), so importing one never fails for a missing extra: a failure is a bug and
# surfaces. Optional packages are imported when a command runs; a missing one is a one-line error naming the
# extra to install (`_missing_package`).
COMMAND_MODULES = (
    "moviefactory.sound.cli",
    "moviefactory.training.cli",
    "moviefactory.evaluate.cli",
    "moviefactory.models.cli",
    "moviefactory.web.cli",
)


def _settings_args(p: argparse.ArgumentParser, *, script: bool = True) -> None:
    """Flags that map one-to-one onto Settings fields (None = not given, so env/toml/defaults apply)."""
    g = p.add_argument_group("settings (also MOVIEFACTORY_* environment variables or moviefactory.toml)")
    g.add_argument("--out", type=Path, help="parent folder for movies (default: movies)")
    if script:
        g.add_argument("--scenes", type=int, help="number of scenes (1-60; default: the writer decides)")
        g.add_argument(
            "--writer",
            help="script writer: builtin (offline), llm or crew (OpenAI-compatible endpoint; "
            "docs/llm.md), import (--script FILE)",
        )
        g.add_argument(
            "--aspect", choices=["2.35:1", "16:9", "9:16", "1:1"], help="frame aspect (default 2.35:1)"
        )
        g.add_argument("--fps", type=int, help="output frame rate (default 24)")
        g.add_argument("--scale", type=int, help="output size = generation size x SCALE (1-4, default 2)")
        g.add_argument("--llm-model", dest="llm_model", help="model name for --writer llm")
        g.add_argument(
            "--llm-option",
            dest="llm_option",
            action="append",
            metavar="KEY=VALUE",
            help="extra chat-completions field for the server (repeatable; JSON values; dotted keys "
            "nest, e.g. options.num_ctx=16384 for Ollama)",
        )
        g.add_argument(
            "--duration",
            dest="duration_s",
            type=_seconds,
            metavar="LENGTH",
            help="target movie length instead of --scenes: 60s, 1m30s, 90 (2 s a scene)",
        )
        g.add_argument(
            "--language", help="language of subtitles and narration for --writer llm/crew (e.g. German)"
        )
        g.add_argument(
            "--characters",
            type=Path,
            metavar="FILE",
            help="your character bank (JSON list of id/name/kind/description/color) for llm/crew",
        )
        g.add_argument(
            "--script",
            dest="script_file",
            type=Path,
            metavar="FILE",
            help="use your own script: a scene list (one per line) or a Fountain screenplay",
        )
        g.add_argument(
            "--rewrite",
            action="store_true",
            help="replace the folder's script.json with a new one (kept as script.prev.json)",
        )
    g.add_argument("--picture", help="picture backend: animatic (default), moviefactory, diffusers")
    g.add_argument(
        "--model",
        type=Path,
        help="model folder for --picture moviefactory/diffusers (moviefactory: "
        "also an SD 2 single-file checkpoint)",
    )
    g.add_argument(
        "--adapters",
        type=Path,
        help="trained MovieFactory adapters folder (moviefactory), or an "
        "AnimateDiff MotionAdapter folder to combine with an SD folder given as --model (diffusers)",
    )
    g.add_argument(
        "--sd-config",
        dest="sd_config",
        type=Path,
        metavar="DIR",
        help="with a single-file --model (.safetensors/.ckpt): an SD 2 folder in diffusers layout whose "
        "configs and tokenizer go with it (default: the HF cache's stable-diffusion-2-1[-base])",
    )
    g.add_argument("--steps", type=int, help="denoising steps")
    g.add_argument("--guidance", type=float, help="classifier-free guidance scale (default 7.5; 1 = off)")
    g.add_argument("--negative-prompt", dest="negative_prompt", help="what guidance steers away from")
    g.add_argument("--scheduler", choices=["ddim", "dpm++", "euler"], help="diffusion scheduler")
    g.add_argument("--device", help="torch device (default: cuda if available)")
    g.add_argument(
        "--offload",
        choices=["auto", "none", "model", "sequential"],
        help="--picture diffusers: CPU offload tier (default auto: by free GPU memory)",
    )
    g.add_argument(
        "--image-model",
        dest="image_model",
        type=Path,
        metavar="DIR",
        help="--picture diffusers with an image-to-video folder: a diffusers text-to-image folder that "
        "draws key frames and character reference images",
    )
    g.add_argument(
        "--domain", help="domain normalisation to sample with (default: movie if trained, else webvid)"
    )
    g.add_argument(
        "--continuity",
        type=float,
        help="0-1: start each scene from the previous scene's noised last latent (default 0); "
        "diffusers image-to-video: > 0 starts it from the previous scene's last frame",
    )
    g.add_argument("--sound", help="sound backend (default: library)")
    g.add_argument("--library", type=Path, help="your sound library index folder")
    g.add_argument("--clap", type=Path, help="local CLAP model folder for text/video-to-audio ranking")
    g.add_argument("--clip-model", dest="clip_model", type=Path, help="local CLIP folder (CLIPSIM, ranking)")
    g.add_argument("--no-narration", dest="narration", action="store_const", const=False, help="skip TTS")
    g.add_argument("--upscale", help="super-resolution model file (default: lanczos resampling)")
    g.add_argument(
        "--burn-subtitles",
        dest="burn_subtitles",
        action="store_const",
        const=True,
        help="burn subtitles into the picture (movie.srt is always written)",
    )
    g.add_argument("--executor", choices=["local", "ray"], help="where scenes render (default local)")
    g.add_argument("--workers", type=int, help="scene worker processes (default: one per core)")


def _seconds(text: str) -> float:
    """'60s', '1m30s', '2m', '90' -> seconds (argparse type: a bad value is a one-line usage error)."""
    import re

    m = re.fullmatch(r"\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s?)?\s*", text.lower())
    if not m or not (m.group(1) or m.group(2)):
        raise argparse.ArgumentTypeError(f"expected a length like 60s, 1m30s or 90, got {text!r}")
    return float(m.group(1) or 0) * 60 + float(m.group(2) or 0)


def _settings(args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from moviefactory.config import Settings
    from moviefactory.errors import InputError
    from moviefactory.spec import first_error

    fields = set(Settings.model_fields)
    given = {k: v for k, v in vars(args).items() if k in fields and v is not None}
    if given.get("script_file") and "writer" not in given:
        given["writer"] = "import"  # --script FILE is the script
    if getattr(args, "llm_option", None):
        from moviefactory.script.llm_client import parse_options

        given["llm_options"] = parse_options(args.llm_option)
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise InputError(f"settings: {first_error(exc)}") from exc


def _reporter(args: argparse.Namespace) -> Any:
    from moviefactory.progress import NullReporter, RichReporter

    if args.quiet or args.json:
        return NullReporter()
    return RichReporter()


def _print_result(args: argparse.Namespace, result: Any) -> None:
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return
    if not args.quiet:
        for w in result.warnings:
            print(f"warning: {w}", file=sys.stderr)
    print(result.movie)


def _request_text(args: argparse.Namespace) -> None:
    """`make --script FILE` without a text: the file's own title names the movie."""
    from moviefactory.errors import InputError

    if args.text is None:
        if not getattr(args, "script_file", None):
            raise InputError('say what the movie is about: moviefactory make "a whale and a submarine"')
        from moviefactory.script.crew_import import title_of

        args.text = title_of(args.script_file)


def cmd_make(args: argparse.Namespace) -> int:
    from moviefactory import pipeline

    _request_text(args)
    settings = _settings(args)
    with _reporter(args) as rep:
        result = pipeline.make(args.text, settings, seed=args.seed, reporter=rep, rewrite=args.rewrite)
    _print_result(args, result)
    return 0


def cmd_script(args: argparse.Namespace) -> int:
    from moviefactory import pipeline

    _request_text(args)
    settings = _settings(args)
    with _reporter(args) as rep:
        ws = pipeline.write_script(args.text, settings, seed=args.seed, reporter=rep, rewrite=args.rewrite)
    print(
        json.dumps({"folder": str(ws.root), "script": str(ws.script_path)}) if args.json else ws.script_path
    )
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from moviefactory import pipeline
    from moviefactory.workspace import Workspace

    ws = Workspace.open(args.folder)
    # The folder's own settings are the baseline; flags given now override them.
    from moviefactory.config import Settings

    base = {k: v for k, v in ws.manifest.settings.items() if k in Settings.model_fields}
    flags = {k: v for k, v in vars(args).items() if k in Settings.model_fields and v is not None}
    ns = argparse.Namespace(**{**base, **flags})
    settings = _settings(ns)
    with _reporter(args) as rep:
        result = pipeline.render(args.folder, settings, scenes=tuple(args.scene or ()), reporter=rep)
    _print_result(args, result)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from moviefactory.spec import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def cmd_backends(args: argparse.Namespace) -> int:
    from moviefactory.picture import PICTURE
    from moviefactory.script import WRITERS
    from moviefactory.sound import SOUND

    for title, reg in (("writers", WRITERS), ("picture", PICTURE), ("sound", SOUND)):
        print(f"{title}:")
        for name in reg.names():
            print(f"  {name:<14} {reg.summary(name)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moviefactory",
        description="One sentence in, a finished multi-scene movie with sound out.",
    )
    parser.add_argument("--version", action="version", version=f"moviefactory {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    common.add_argument("--json", action="store_true", help="print a machine-readable result")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("make", parents=[common], help="make a movie from a sentence (resumes if run again)")
    p.add_argument("text", nargs="?", help="what the movie is about (with --script: defaults to its title)")
    p.add_argument("--seed", type=int, default=0, help="same text + seed -> same movie (default 0)")
    _settings_args(p)
    p.set_defaults(func=cmd_make)

    p = sub.add_parser("script", parents=[common], help="only write script.json (edit it, then `render`)")
    p.add_argument("text", nargs="?")
    p.add_argument("--seed", type=int, default=0)
    _settings_args(p)
    p.set_defaults(func=cmd_script)

    p = sub.add_parser("render", parents=[common], help="(re)build a movie folder from its script.json")
    p.add_argument("folder", type=Path)
    p.add_argument("--scene", action="append", help="re-render this scene even if current (repeatable)")
    _settings_args(p, script=False)
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("schema", help="print the script's JSON Schema")
    p.set_defaults(func=cmd_schema)
    p = sub.add_parser("backends", help="list writers and backends")
    p.set_defaults(func=cmd_backends)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _extra_for(package: str) -> str | None:
    """The pip extra (pyproject's optional-dependencies, read from the installed metadata) that brings
    `package`, or None (a core dependency, a package no extra names, or no installed metadata)."""
    from importlib import metadata

    try:
        requires = metadata.requires("moviefactory") or []
    except metadata.PackageNotFoundError:
        return None
    want = package.lower().replace("-", "_")
    for req in requires:  # 'diffusers>=0.30; extra == "diffusion"'
        m = re.match(r"\s*([A-Za-z0-9_.-]+)[^;]*;.*\bextra\s*==\s*[\"']([\w-]+)[\"']", req)
        if m and m.group(1).lower().replace("-", "_").replace(".", "_") == want:
            return m.group(2)
    return None


def _missing_package(exc: ModuleNotFoundError, command: str) -> MovieFactoryError | None:
    """A command that needs a package that is not installed, as one line naming the extra that brings it.
    None when the missing module is our own (a bug: it surfaces as an internal error, not as advice)."""
    from moviefactory.errors import BackendError

    package = (exc.name or "").partition(".")[0]
    if not package or package == "moviefactory":
        return None
    extra = _extra_for(package)
    hint = f"; install it with: pip install 'moviefactory[{extra}]'" if extra else ""
    return BackendError(f"moviefactory {command} needs {package}, which is not installed{hint}")


def _run(args: argparse.Namespace) -> int:
    try:
        code: int = args.func(args)
    except ModuleNotFoundError as exc:
        error = _missing_package(exc, args.command)
        if error is None:
            raise
        raise error from exc
    return code


def main(argv: Sequence[str] | None = None) -> int:
    from moviefactory.errors import MovieFactoryError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return _run(args)
    except MovieFactoryError as exc:
        print(f"moviefactory: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("moviefactory: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except OSError as exc:  # a disk, permission or path problem outside a stage's own checks: say which
        from moviefactory.errors import os_error_message

        if os.environ.get("MOVIEFACTORY_DEBUG"):
            raise
        print(f"moviefactory: error: {os_error_message(exc)}", file=sys.stderr)
        return 3
    except Exception as exc:  # the last line of defence: one line, a traceback only on request
        if os.environ.get("MOVIEFACTORY_DEBUG"):
            raise
        print(
            f"moviefactory: internal error: {type(exc).__name__}: {exc} (MOVIEFACTORY_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1
