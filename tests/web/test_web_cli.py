"""`moviefactory serve`: registers without heavy imports, refuses a taken port, and really serves the studio."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from web_fixtures import make_folder

from moviefactory.errors import InputError, MovieFactoryError
from moviefactory.web.cli import cmd_serve, register


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="moviefactory")
    register(p.add_subparsers(dest="command"))
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_register_adds_serve_with_local_defaults(tmp_path: Path) -> None:
    args = parser().parse_args(["serve"])
    assert (args.host, args.port, args.out, args.func) == ("127.0.0.1", 8000, None, cmd_serve)
    args = parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9001", "--out", str(tmp_path)])
    assert (args.host, args.port, args.out) == ("0.0.0.0", 9001, tmp_path)


def test_cli_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, moviefactory.web.cli; "
        "heavy = [m for m in ('fastapi', 'uvicorn', 'starlette', 'torch', 'moviefactory.web.app') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_bad_port_and_taken_port_fail_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--port"):
        cmd_serve(parser().parse_args(["serve", "--port", "70000", "--out", str(tmp_path)]))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(MovieFactoryError, match=f"cannot listen on 127.0.0.1:{port}"):
            cmd_serve(parser().parse_args(["serve", "--port", str(port), "--out", str(tmp_path)]))
    assert not (tmp_path / ".studio").exists()  # failed before opening the job database


def test_serve_runs_the_studio_until_stopped(tmp_path: Path) -> None:
    out = tmp_path / "movies"
    ws = make_folder(out)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    code = "import sys; from moviefactory.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port), "--out", str(out)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < end, "the studio did not start in 30 s"
                time.sleep(0.1)
        assert page.status_code == 200 and 'id="make-form"' in page.text
        movies = httpx.get(base + "/api/movies", timeout=5).json()["movies"]
        assert [m["slug"] for m in movies] == [ws.root.name]
        part = httpx.get(
            base + f"/api/movies/{ws.root.name}/movie.mp4", headers={"Range": "bytes=0-9"}, timeout=5
        )
        assert part.status_code == 206 and part.content == ws.path("movie.mp4").read_bytes()[:10]
        foreign = httpx.get(base + "/api/movies", headers={"Host": "rebind.example"}, timeout=5)
        assert foreign.status_code == 400  # a local server answers only to local host names
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code_ = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code_ == 0
    assert (out / ".studio" / "jobs.sqlite").exists()


def test_loopback_and_served_host_names() -> None:
    from moviefactory.web.cli import is_loopback, served_hosts

    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "studio.lan"))
    assert served_hosts("127.0.0.2", []) == sorted({"127.0.0.2", "127.0.0.1", "localhost", "::1", "[::1]"})
    lan = served_hosts("192.168.1.5", ["Studio.LAN"])
    assert lan == ["192.168.1.5", "studio.lan"]  # no loopback names: a proxy on this machine must be named
    wild = served_hosts("0.0.0.0", [])
    assert "0.0.0.0" not in wild and socket.gethostname().lower() in wild and "127.0.0.1" in wild


def test_off_loopback_a_short_token_is_refused(tmp_path: Path) -> None:
    args = parser().parse_args(
        ["serve", "--host", "0.0.0.0", "--port", str(free_port()), "--out", str(tmp_path), "--token", "short"]
    )
    with pytest.raises(InputError, match="at least 16"):
        cmd_serve(args)
