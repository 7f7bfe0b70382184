from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path

import pytest

from moviefactory.errors import WorkspaceError
from moviefactory.workspace import Slot, Workspace, atomic_output, cache_key, slugify


def test_slug_is_readable_and_unique_per_request_and_seed() -> None:
    a = slugify("A race between a car and an airplane!", 0)
    assert a.startswith("a-race-between-a-car-and")
    assert a != slugify("A race between a car and an airplane!", 1)
    assert a == slugify("A race between a car and an airplane!", 0)
    assert slugify("🚗🚗", 0).startswith("movie-")


def test_atomic_output_leaves_old_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_create_refuses_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="not a MovieFactory folder"):
        Workspace.create(tmp_path / "other", request="r", seed=0, settings={})
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"


def test_create_reuses_own_folder_and_refuses_another_request(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "m", request="r", seed=0, settings={})
    ws.manifest.settings = {"aspect": "1:1"}
    ws.save_manifest()
    again = Workspace.create(tmp_path / "m", request="r", seed=0, settings={})
    assert again.manifest.settings == {"aspect": "1:1"}
    with pytest.raises(WorkspaceError, match="another movie"):
        Workspace.create(tmp_path / "m", request="other", seed=0, settings={})


def test_output_under_a_file_is_unwritable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(WorkspaceError, match="cannot write"):
        Workspace.create(tmp_path / "file" / "m", request="r", seed=0, settings={})


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o500)
    with pytest.raises(WorkspaceError, match="cannot write"):
        Workspace.create(ro / "m", request="r", seed=0, settings={})


def test_is_current_tracks_key_and_file(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "m", request="r", seed=0, settings={})
    slot = Slot.clip("s01")
    f = ws.paths.of(slot)
    f.parent.mkdir(parents=True)
    f.write_bytes(b"abc")
    key = cache_key("x", {"a": 1})
    ws.record(slot, key, frames=3, fps=24.0)
    assert ws.is_current(slot, key)
    assert not ws.is_current(slot, cache_key("x", {"a": 2}))
    f.write_bytes(b"abcd")  # changed behind our back
    assert not ws.is_current(slot, key)
    # the manifest on disk is what a new process sees
    rec = Workspace.open(ws.root).artifact(slot)
    assert rec is not None and rec.key == key and rec.frames == 3


def _try_lock(root: str, q: mp.Queue) -> None:  # type: ignore[type-arg]
    try:
        Workspace.open(Path(root)).lock()
        q.put("locked")
    except WorkspaceError as exc:
        q.put(str(exc))


def test_lock_keeps_a_second_run_out(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "m", request="r", seed=0, settings={})
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    with ws:
        p = ctx.Process(target=_try_lock, args=(str(ws.root), q))
        p.start()
        p.join(30)
        assert "in use" in q.get(timeout=5)
    p = ctx.Process(target=_try_lock, args=(str(ws.root), q))
    p.start()
    p.join(30)
    assert q.get(timeout=5) == "locked"
