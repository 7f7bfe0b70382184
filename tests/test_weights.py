"""Cache keys from content: a model's identity is the digest of its weights (not its path), and the digest
is cached by (path, size, mtime_ns) so an unchanged file is not hashed again, in this process or the next."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from moviefactory import weights
from moviefactory.sound.embed import _folder_id
from moviefactory.workspace import file_digest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOVIEFACTORY_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(weights, "_memo", {})  # a fresh process's view
    return tmp_path / "home"


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files actually read and hashed (the real file_digest runs)."""
    calls: list[Path] = []

    def counting(path: Path) -> str:
        calls.append(path)
        return file_digest(path)

    monkeypatch.setattr(weights, "file_digest", counting)
    return calls


def write(path: Path, data: bytes, mtime_ns: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def test_identity_follows_the_bytes_not_the_path(tmp_path: Path, home: Path) -> None:
    a = write(tmp_path / "a" / "model.pth", b"weights v1" * 1000)
    b = write(tmp_path / "elsewhere" / "renamed.pth", b"weights v1" * 1000)
    c = write(tmp_path / "c" / "model.pth", b"weights v2" * 1000)
    assert weights.weights_id(a) == weights.weights_id(b) != weights.weights_id(c)
    assert len(weights.weights_id(a)) == 32


def test_a_new_checkpoint_over_the_old_file_gets_a_new_identity(tmp_path: Path, home: Path) -> None:
    """Same path, same size, other bytes: the old path-based key would have reused the old artifacts."""
    path = write(tmp_path / "model.pth", b"A" * 4096, mtime_ns=1_000_000_000)
    old = weights.weights_id(path)
    write(path, b"B" * 4096, mtime_ns=2_000_000_000)
    assert weights.weights_id(path) != old


def test_an_unchanged_file_is_hashed_once_across_processes(
    tmp_path: Path, home: Path, hashed: list[Path]
) -> None:
    path = write(tmp_path / "model.pth", os.urandom(1 << 20))
    first = weights.weights_id(path)
    assert weights.weights_id(path) == first and len(hashed) == 1
    assert (home / weights.DIGESTS_FILE).is_file()
    weights._memo.clear()  # as a new process: only the digests file remembers
    assert weights.weights_id(path) == first and len(hashed) == 1
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))  # touched: hashed again
    assert weights.weights_id(path) == first and len(hashed) == 2


def test_a_damaged_digests_file_is_ignored(tmp_path: Path, home: Path, hashed: list[Path]) -> None:
    path = write(tmp_path / "model.pth", b"x" * 100)
    write(home / weights.DIGESTS_FILE, b"{not json")
    assert weights.weights_id(path) == file_digest(path) and len(hashed) == 1


def test_a_folder_identity_covers_every_file_but_hidden_ones(tmp_path: Path, home: Path) -> None:
    folder = tmp_path / "clap"
    write(folder / "config.json", b'{"model_type": "clap"}')
    weights_file = write(folder / "model.safetensors", b"w1" * 500, mtime_ns=1_000_000_000)
    write(folder / "tokenizer" / "vocab.txt", b"a\nb\n")
    before = weights.weights_id(folder)
    write(folder / ".cache" / "huggingface" / "download.lock", b"")
    assert weights.weights_id(folder) == before  # metadata of a download tool is not the model
    write(weights_file, b"w2" * 500, mtime_ns=2_000_000_000)  # same config.json, other weights
    assert weights.weights_id(folder) != before
    # the sound stage's encoder identity (it used to hash config.json alone, so this change went unseen)
    assert _folder_id(folder) == f"clap-{weights.weights_id(folder)[:10]}"
