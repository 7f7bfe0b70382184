#!/usr/bin/env python3
"""Byte-identity check: render the same requests at a git ref and at the working tree, compare movie.mp4 sha256.

    .venv/bin/python scripts/identical.py BASE_REF [--against REF] [--keep DIR] [--scenes 2] [--scale 1]

A refactor that claims "behaviour unchanged" must give byte-identical movies for the same text, settings and
seed. BASE_REF is checked out with `git worktree add --detach` into a temporary folder (removed afterwards);
both trees render with this repository's interpreter (.venv/bin/python, else `sys.executable`: the same
installed dependencies), the source picked by PYTHONPATH=<tree>/src. Every render goes to a fresh folder, so
nothing is resumed. The three requests involve no people (the animatic's person figures change often on their
own). The first renders serially (--workers 1), the others on the process pool (--workers 2), so both executor
paths are covered. `--against REF` renders REF (checked out the same way) instead of the working tree: in a
tree shared with work in progress, it tells a committed change from an uncommitted one. A ref is rendered
once per `--keep` folder: its hashes are stored there (DIR/base-<commit>-...json) and reused on the next call.
Exit status 0 when every pair matches, 1 when any differs (the table says which), 2 on a render failure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# the project's interpreter (its installed dependencies), also when this file is run as `scripts/identical.py`
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
PYTHON = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
# (request, extra flags): vehicles, animals and places only; one serial render, two on the pool.
REQUESTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("a race between a car and an airplane", ("--workers", "1")),
    ("a whale swims past a submarine in the deep sea", ("--workers", "2")),
    ("a dragon flies over a castle at sunset", ("--workers", "2")),
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def render(tree: Path, out: Path, args: argparse.Namespace) -> dict[str, str]:
    """Render every request from the source in `tree` into `out`; request -> sha256 of its movie.mp4."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    # Settings may also come from MOVIEFACTORY_* variables or a moviefactory.toml; neither may leak in.
    env = {k: v for k, v in env.items() if not k.startswith("MOVIEFACTORY_")}
    hashes: dict[str, str] = {}
    for text, flags in REQUESTS:
        cmd = [str(PYTHON), "-m", "moviefactory", "make", text, "--out", str(out), "--quiet", "--json"]
        cmd += ["--seed", str(args.seed), "--scenes", str(args.scenes), "--scale", str(args.scale), *flags]
        start = time.monotonic()
        done = subprocess.run(cmd, cwd=out, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr + f"\nrender failed in {tree}: {text!r}\n")
            raise SystemExit(2)
        movie = Path(json.loads(done.stdout.strip().splitlines()[-1])["movie"])
        hashes[text] = sha256(movie)
        print(f"  {time.monotonic() - start:6.1f} s  {hashes[text][:16]}  {text}", flush=True)
    return hashes


def resolve(ref: str) -> str:
    cmd = ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(f"not a commit: {ref}\n")
        raise SystemExit(2)
    return done.stdout.strip()


def ref_hashes(commit: str, keep: Path, args: argparse.Namespace) -> dict[str, str]:
    stored = keep / f"base-{commit}-s{args.scenes}-x{args.scale}-seed{args.seed}.json"
    if stored.exists():
        print(f"{commit[:10]}: stored hashes {stored}")
        return dict(json.loads(stored.read_text()))
    with tempfile.TemporaryDirectory(prefix="identical-base-") as tmp:
        tree = Path(tmp) / "tree"
        add = ["git", "worktree", "add", "--detach", str(tree), commit]
        subprocess.run(add, cwd=REPO, check=True, capture_output=True)
        try:
            out = Path(tmp) / "out"
            out.mkdir()
            print(f"{commit[:10]} ({tree}):")
            hashes = render(tree, out, args)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)
    stored.write_text(json.dumps(hashes, indent=2) + "\n")
    return hashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="git ref to compare against (e.g. HEAD, main~3, a commit)")
    parser.add_argument("--against", help="a git ref to render instead of the working tree")
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "moviefactory-identical")
    parser.add_argument("--scenes", type=int, default=2)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.keep.mkdir(parents=True, exist_ok=True)
    base = ref_hashes(resolve(args.base), args.keep, args)
    if args.against:
        tree = ref_hashes(resolve(args.against), args.keep, args)
    else:
        with tempfile.TemporaryDirectory(prefix="identical-tree-") as tmp:
            print(f"working tree ({REPO}):")
            tree = render(REPO, Path(tmp), args)
    same = True
    other = args.against or "tree"
    print(f"\nrequest                                            {'base':16s}  {other[:16]:16s}  same")
    for text, _ in REQUESTS:
        match = base[text] == tree[text]
        same &= match
        print(f"{text:50s} {base[text][:16]}  {tree[text][:16]}  {'yes' if match else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
