"""`moviefactory serve`: the local web studio. Only the standard library is imported at module level."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "serve", help="open the web studio: make, watch, edit and re-render movies in a browser"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only, no token; any other "
        "address needs the access token printed on start)",
    )
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--out", type=Path, help="parent folder for movies (default: settings, else movies)")
    p.add_argument(
        "--jobs-db", dest="jobs_db", type=Path, help="job database (default <out>/.studio/jobs.sqlite)"
    )
    p.add_argument(
        "--token", help="access token off loopback (default: MOVIEFACTORY_TOKEN, else a new random one)"
    )
    p.add_argument(
        "--allow-host",
        dest="allow_host",
        action="append",
        default=[],
        metavar="NAME",
        help="another Host name the studio answers to (a DNS name or proxy in front of it); repeatable",
    )
    p.set_defaults(func=cmd_serve)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: only this machine can connect."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def served_hosts(host: str, allow: list[str]) -> list[str]:
    """Host header names the studio answers to: the bind address, loopback names on a loopback bind, this
    machine's names and addresses on a wildcard bind, and the --allow-host names."""
    import socket

    names = {host.lower(), f"[{host.lower()}]" if ":" in host else host.lower(), *(a.lower() for a in allow)}
    if is_loopback(host) or host in ("0.0.0.0", "::"):
        names.update(("127.0.0.1", "localhost", "::1", "[::1]"))
    if host in ("0.0.0.0", "::"):
        names.discard(host)
        names.discard(f"[{host}]")
        try:
            own = [socket.gethostname(), socket.getfqdn()]
            names.update(n.lower() for n in own)
            for info in socket.getaddrinfo(own[0], None):
                addr = str(info[4][0])
                names.add(f"[{addr}]" if ":" in addr else addr)
        except OSError:
            pass  # no resolvable name: the bind address, loopback and --allow-host still work
    return sorted(names)


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

    # 3. the app: Host names always checked (DNS rebinding); off loopback every route needs the token
    try:
        import uvicorn

        from moviefactory.web.app import create_app
    except ImportError as exc:
        raise MovieFactoryError(
            f"the studio needs FastAPI and uvicorn: pip install 'moviefactory[web]' ({exc})"
        ) from exc
    local = is_loopback(args.host)
    token = None
    if not local:
        import os
        import secrets

        token = args.token or os.environ.get("MOVIEFACTORY_TOKEN") or secrets.token_urlsafe(24)
        if len(token) < 16:
            raise InputError("--token must be at least 16 characters")
    hosts = served_hosts(args.host, args.allow_host)
    app = create_app(settings, jobs_db=args.jobs_db, trusted_hosts=hosts, token=token)
    shown = socket.gethostname() if args.host in ("0.0.0.0", "::") else args.host
    shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown
    url = f"http://{shown}:{args.port}/" + (f"?token={token}" if token else "")
    print(f"MovieFactory studio: {url}  (movies in {Path(settings.out).resolve()})", file=sys.stderr)
    if not local:
        print(
            "the studio is reachable from other machines: open the link above (it holds the access token); "
            f"it answers to the Host names {', '.join(hosts)} (add more with --allow-host)",
            file=sys.stderr,
        )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
