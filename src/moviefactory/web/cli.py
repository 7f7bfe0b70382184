"""`moviefactory serve`: the local web studio. Only the standard library is imported at module level."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "serve", help="open the web studio: make, watch, edit and re-render movies in a browser"
    )
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; the studio has no login)")  # fmt: skip
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--out", type=Path, help="parent folder for movies (default: settings, else movies)")
    p.add_argument(
        "--jobs-db", dest="jobs_db", type=Path, help="job database (default <out>/.studio/jobs.sqlite)"
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import socket

    from pydantic import ValidationError

    from moviefactory.config import Settings
    from moviefactory.errors import InputError, MovieFactoryError
    from moviefactory.spec import first_error

    # 1. settings, built once here (flags > MOVIEFACTORY_* environment > moviefactory.toml > defaults)
    try:
        settings = Settings(**({"out": args.out} if args.out is not None else {}))
    except ValidationError as exc:
        raise InputError(f"settings: {first_error(exc)}") from exc
    if not 0 < args.port < 65536:
        raise InputError(f"--port must be 1-65535, got {args.port}")

    # 2. fail with one line when the port is taken, before the app takes the job database
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((args.host, args.port))
        except OSError as exc:
            raise MovieFactoryError(
                f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
            ) from exc

    # 3. the app; a local-only server also refuses foreign Host headers (DNS rebinding)
    try:
        import uvicorn

        from moviefactory.web.app import LOOPBACK_HOSTS, create_app
    except ImportError as exc:
        raise MovieFactoryError(
            f"the studio needs FastAPI and uvicorn: pip install 'moviefactory[web]' ({exc})"
        ) from exc
    local = args.host in LOOPBACK_HOSTS
    app = create_app(settings, jobs_db=args.jobs_db, trusted_hosts=LOOPBACK_HOSTS if local else None)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"MovieFactory studio: http://{shown}:{args.port}/  (movies in {Path(settings.out).resolve()})",
          file=sys.stderr)  # fmt: skip
    if not local:
        print("warning: the studio has no login; anyone who can reach this address can make movies here",
              file=sys.stderr)  # fmt: skip
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
