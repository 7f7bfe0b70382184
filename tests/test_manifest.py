"""The typed manifest (movie.json): round trip, schema-1 migration, validation messages, the cached() step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from moviefactory import pipeline
from moviefactory.config import Settings
from moviefactory.errors import WorkspaceError
from moviefactory.workspace import (
    SCHEMA_VERSION,
    Manifest,
    Paths,
    Slot,
    Workspace,
    cache_key,
    cached,
    file_digest,
    load_manifest,
)
from test_pipeline import new_folder, small_movie

# A schema-1 manifest as MovieFactory 0.1.0 wrote it (trimmed from a real `make`): records keyed by path.
V1: dict[str, Any] = {
    "kind": "moviefactory-movie", "schema_version": 1, "moviefactory_version": "0.1.0",
    "request": "a race", "seed": 1, "settings": {"aspect": "2.35:1"}, "created": 1.0, "updated": 2.0,
    "artifacts": {
        "script.json": {"key": "k0", "size": 5, "sha256": "s0", "made": 1.5, "writer": "builtin", "notices": []},
        "scenes/s01/clip.mp4": {"key": "k1", "size": 3, "sha256": "s1", "made": 1.6, "backend": "animatic v2",
                                "fps": 24.0, "frames": 48, "seconds": 1.69, "warnings": ["could not draw 'race'"]},
        "scenes/s01/clip_24fps.mp4": {"key": "k2", "size": 3, "sha256": "s2", "made": 1.7,
                                      "source": "scenes/s01/clip.mp4"},
        "scenes/s01/effects.wav": {"key": "k3", "size": 3, "sha256": "s3", "made": 1.8,
                                   "description": "Jet flyby (builtin)",
                                   "credits": [{"title": "Jet flyby", "source": "builtin:jet-flyby",
                                                "license": "Apache-2.0", "attribution": "synthesised"}]},
        "music.wav": {"key": "k4", "size": 3, "sha256": "s4", "made": 1.9, "description": "fanfare",
                      "credits": []},
        "movie.mp4": {"key": "k5", "size": 3, "sha256": "s5", "made": 2.0, "duration_s": 4.0, "width": 768,
                      "height": 326, "loudness": {"integrated_lufs": -15.7, "range_lu": 0.9,
                                                  "true_peak_dbtp": -5.7}},
        "scenes/s01/something-old.bin": {"key": "k9"},
    },
    "result": {"duration_s": 4.0, "warnings": ["scene s01: could not draw 'race'"], "seconds": 27.9,
               "backends": {"picture": "animatic"}, "moviefactory_version": "0.1.0",
               "sound": {"s01": "Jet flyby (builtin)", "music": "fanfare"}, "loudness": None},
    "stages": {"picture": {"state": "done", "at": 1.65}, "compose": {"state": "failed", "at": 1.95,
                                                                      "failures": {"s02": "boom"}}},
}  # fmt: skip


def write_v1(root: Path, data: dict[str, Any]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "movie.json").write_text(json.dumps(data))


def test_a_schema_1_manifest_loads_as_typed_records(tmp_path: Path) -> None:
    write_v1(tmp_path, V1)
    (tmp_path / "scenes" / "s01").mkdir(parents=True)
    drawn = {"elements": [{"text": "car", "drawn_as": "animatic:car", "role": "subject", "score": 1.0}],
             "unmatched": ["race"]}  # fmt: skip
    (tmp_path / "scenes" / "s01" / "drawn.json").write_text(json.dumps(drawn))
    man = load_manifest(tmp_path)
    assert man.schema_version == SCHEMA_VERSION == 2
    assert man.script is not None and man.script.writer == "builtin"
    s01 = man.scene("s01")
    assert s01.clip is not None and (s01.clip.frames, s01.clip.fps, s01.clip.key) == (48, 24.0, "k1")
    assert s01.clip.warnings == ["could not draw 'race'"] and s01.clip.width is None
    assert s01.retimed is not None and s01.retimed.source == "scenes/s01/clip.mp4"
    assert s01.effects is not None and s01.effects.credits[0].source == "builtin:jet-flyby"
    assert s01.drawn is not None and s01.drawn.unmatched == ["race"]
    assert s01.drawn.elements[0].drawn_as == "animatic:car"
    assert man.music is not None and man.music.description == "fanfare"
    assert man.cut is not None and man.cut.loudness is not None and man.cut.loudness.integrated_lufs == -15.7
    assert man.report is not None and man.report.warnings == ["scene s01: could not draw 'race'"]
    assert man.stages["compose"].failures == {"s02": "boom"}
    # the retimed clip's slot is found from its file name (its frame rate is part of it)
    assert man.get(Slot.retimed("s01", 24)) is s01.retimed


def test_manifest_round_trips_through_json(tmp_path: Path) -> None:
    write_v1(tmp_path, V1)
    man = load_manifest(tmp_path)
    (tmp_path / "movie.json").write_text(man.to_json())
    again = load_manifest(tmp_path)
    assert again == man
    assert json.loads(man.to_json())["schema_version"] == 2
    assert Manifest.model_validate_json(man.to_json()) == man


def test_an_invalid_manifest_names_the_field(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(V1))
    bad["artifacts"]["scenes/s01/clip.mp4"]["frames"] = "many"
    write_v1(tmp_path, bad)
    with pytest.raises(
        WorkspaceError,
        match=r"invalid manifest: scenes\.s01\.clip\.frames: Input should be a valid "
        r"integer.*'many'",
    ):
        load_manifest(tmp_path)
    newer = {**V1, "schema_version": 99}
    write_v1(tmp_path, newer)
    with pytest.raises(WorkspaceError, match="schema version 99"):
        load_manifest(tmp_path)


def test_record_refuses_a_field_the_slot_does_not_have(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "m", request="r", seed=0, settings={})
    ws.paths.music.write_bytes(b"RIFF")
    with pytest.raises(ValueError, match="descripton"):
        ws.record(Slot.music(), "k", descripton="typo")


def test_paths_is_the_layout() -> None:
    paths = Paths(Path("/m"))
    for slot in (
        Slot.clip("s01"),
        Slot.upscaled("s01"),
        Slot.retimed("s01", 24),
        Slot.effects("s01"),
        Slot.narration("s01"),
        Slot.music(),
        Slot.cut(),
        Slot.script(),
    ):
        assert paths.slot_of(paths.rel(slot)) == slot
    assert paths.rel(Slot.retimed("s01", 24)) == "scenes/s01/clip_24fps.mp4"
    assert Paths.of_clip(paths.clip("s07")) == (paths, "s07")
    # a clip outside a movie folder (a Ray task's temporary folder): its scene files stay beside it, and a
    # sibling scene's are looked for next to its folder, never above it
    lone, folder = Paths.of_clip(Path("/tmp/ray-x1/clip.mp4"))
    assert folder == "ray-x1" and lone.last_latent(folder) == Path("/tmp/ray-x1/last_latent.npy")
    assert lone.last_latent("s01") == Path("/tmp/s01/last_latent.npy") and lone.root == Path("/tmp")
    assert paths.slot_of("scenes/s01/notes.txt") is None


def test_cached_makes_once_then_reuses_until_the_key_or_file_changes(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "m", request="r", seed=0, settings={})
    calls: list[Path] = []

    def make(path: Path) -> dict[str, Any]:
        calls.append(path)
        path.write_bytes(b"x" * (10 + len(calls)))
        return {"description": f"take {len(calls)}"}

    first = cached(ws, Slot.music(), "k1", make)
    assert first.made and first.record is not None and first.record.description == "take 1"
    assert first.record.sha256 == file_digest(ws.paths.music) and calls == [ws.paths.music]
    again = cached(ws, Slot.music(), "k1", make)
    assert not again.made and again.record == first.record and len(calls) == 1
    assert cached(ws, Slot.music(), "k2", make).made and len(calls) == 2  # another key: made again
    ws.paths.music.write_bytes(b"short")  # replaced behind our back
    assert cached(ws, Slot.music(), "k2", make).made and len(calls) == 3
    assert cached(ws, Slot.music(), "k2", make, force=True).made and len(calls) == 4
    # make may make nothing (no TTS engine): nothing is recorded, and the next run asks again
    nothing = cached(ws, Slot.narration("s01"), "k", lambda p: None)
    assert nothing.made and nothing.record is None and ws.artifact(Slot.narration("s01")) is None
    # what a new process sees
    rec = Workspace.open(ws.root).artifact(Slot.music())
    assert rec is not None and rec.key == "k2" and rec.description == "take 4"


def to_v1(man: Manifest, paths: Paths) -> dict[str, Any]:
    """The manifest as MovieFactory 0.1.0 wrote it: records keyed by relative path, "result" for the run."""
    arts: dict[str, Any] = {}
    for slot in [Slot.script(), Slot.music(), Slot.cut()]:
        rec = man.get(slot)
        if rec is not None:
            arts[paths.rel(slot)] = rec.model_dump(
                mode="json", exclude={"width", "height"} if slot.name != "cut" else set()
            )
    for sid, sc in man.scenes.items():
        for name in ("clip", "upscaled", "retimed", "effects", "narration"):
            rec = getattr(sc, name)
            if rec is None:
                continue
            rel = rec.source.replace("clip.mp4", "clip_24fps.mp4") if name == "retimed" else None
            slot = (
                {
                    "clip": Slot.clip,
                    "upscaled": Slot.upscaled,
                    "effects": Slot.effects,
                    "narration": Slot.narration,
                }[name](sid)
                if rel is None
                else None
            )
            arts[rel or paths.rel(slot)] = rec.model_dump(mode="json", exclude={"width", "height"})  # type: ignore[arg-type]
    report = man.report.model_dump(mode="json") if man.report else {}
    return {
        "kind": "moviefactory-movie",
        "schema_version": 1,
        "moviefactory_version": "0.1.0",
        "request": man.request,
        "seed": man.seed,
        "settings": man.settings,
        "created": man.created,
        "artifacts": arts,
        "stages": {k: v.model_dump(mode="json") for k, v in man.stages.items()},
        "result": {**report, "sound": {}, "duration_s": man.cut.duration_s if man.cut else None},
    }


def test_a_folder_made_with_schema_1_resumes_without_rendering_again(tmp_path: Path, mf_home: Path) -> None:
    root = new_folder(tmp_path)
    settings = Settings(out=tmp_path, narration=False, workers=1)
    first = pipeline.render(root, settings)
    assert "movie.mp4" in first.rendered
    movie_sha = file_digest(root / "movie.mp4")
    man = load_manifest(root)
    (root / "movie.json").write_text(json.dumps(to_v1(man, Paths(root))))  # as the old version left it
    assert json.loads((root / "movie.json").read_text())["schema_version"] == 1
    again = pipeline.render(root, settings)
    assert again.rendered == [], again.rendered  # every finished scene and the cut are kept
    assert {f"scenes/{s.id}/clip.mp4" for s in small_movie().scenes} <= set(again.reused)
    assert file_digest(root / "movie.mp4") == movie_sha
    saved = json.loads((root / "movie.json").read_text())
    assert (
        saved["schema_version"] == 2
        and "artifacts" not in saved
        and set(saved["scenes"]) == {"s01", "s02", "s03"}
    )
    assert saved["scenes"]["s01"]["drawn"]["elements"]  # the animatic's drawn.json, now in the record
    # an edit still re-renders only that scene (keys survived the migration)
    movie = Workspace.open(root).load_script()
    scenes = [
        s.model_copy(update={"prompt": "a green tractor in a field"}) if s.id == "s02" else s
        for s in movie.scenes
    ]
    Workspace.open(root).save_script(movie.model_copy(update={"scenes": scenes}))
    edited = pipeline.render(root, settings)
    assert set(edited.rendered) == {"scenes/s02/clip.mp4", "scenes/s02/effects.wav", "movie.mp4"}
    assert cache_key("x") == cache_key("x")
