"""Uploading the user's own sounds: streamed to disk under a cap, then indexed into the sound library by a
job (the same index `moviefactory library add` fills), where retrieval finds it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from moviefactory.config import Settings
from moviefactory.media import write_wav
from moviefactory.progress import NullReporter
from moviefactory.web.app import UPLOAD_BYTES, PipelineRunner, create_app
from moviefactory.web.jobs import Job


def tone_wav(path: Path, seconds: float = 1.0, hz: float = 440.0) -> bytes:
    t = np.arange(int(48_000 * seconds)) / 48_000
    mono = 0.3 * np.sin(2 * np.pi * hz * t)
    write_wav(np.stack([mono, mono], axis=1).astype(np.float32), path)
    return path.read_bytes()


def test_upload_is_stored_and_queued_for_indexing(settings: Settings, tmp_path: Path) -> None:
    data = tone_wav(tmp_path / "theme.wav")
    with TestClient(create_app(settings, start_worker=False)) as c:
        res = c.put("/api/library/music/My theme.wav?title=My%20theme&description=calm%20piano", content=data)
        assert res.status_code == 202, res.text
        job = res.json()
        assert job["kind"] == "library" and job["state"] == "queued"
        assert job["params"] == {
            "kind": "music",
            "file": "My theme.wav",
            "title": "My theme",
            "description": "calm piano",
        }
        stored = Path(settings.out) / ".studio" / "uploads" / "music" / "My theme.wav"
        assert stored.read_bytes() == data
        [listed] = c.get("/api/library").json()["sounds"]
        assert listed == {
            "kind": "music",
            "file": "My theme.wav",
            "bytes": len(data),
            "title": "My theme",
            "description": "calm piano",
        }
        # the sidecar the library's ingest reads (also when `moviefactory library add` indexes the folder)
        side = json.loads(stored.with_name("My theme.wav.json").read_text())
        assert side["description"] == "calm piano" and side["kind"] == "music"


def test_uploads_are_refused_when_named_badly_oversized_or_without_length(settings: Settings) -> None:
    with TestClient(create_app(settings, start_worker=False)) as c:
        for name in ["../x.wav", ".hidden.wav", "run.sh", "a" * 300 + ".wav"]:
            res = c.put(f"/api/library/music/{name}", content=b"RIFF")
            assert res.status_code in (404, 422) and len(res.text) < 300, name
        assert c.put("/api/library/noise/a.wav", content=b"RIFF").status_code == 422
        big = c.put(
            "/api/library/music/a.wav", content=b"x", headers={"Content-Length": str(UPLOAD_BYTES + 1)}
        )
        assert big.status_code == 413
        chunked = c.put("/api/library/music/a.wav", content=iter([b"RIFF", b"...."]))  # no Content-Length
        assert chunked.status_code == 411
        assert c.put("/api/library/music/a.wav", content=b"").status_code == 422
        assert c.get("/api/jobs").json()["jobs"] == []
    uploads = Path(settings.out) / ".studio" / "uploads"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]


@pytest.mark.slow
def test_the_library_job_indexes_the_sound_where_retrieval_finds_it(
    settings: Settings, tmp_path: Path
) -> None:
    from moviefactory.sound.embed import MiniLMText
    from moviefactory.sound.library import Library

    settings = settings.model_copy(update={"library": tmp_path / "library"})
    folder = Path(settings.out) / ".studio" / "uploads" / "music"
    folder.mkdir(parents=True)
    tone_wav(folder / "theme.wav", seconds=2.0)
    (folder / "broken.wav").write_bytes(b"RIFF not really a wave file")
    job: Any = Job(id=1, kind="library", slug=None, state="running",
                   params={"kind": "music", "file": "theme.wav", "title": "Harbour theme",
                           "description": "calm solo piano at night"})  # fmt: skip
    result = PipelineRunner(settings).index_upload(job, NullReporter())
    assert result["file"] == "theme.wav" and result["sounds"] == 1
    [item] = Library.open(tmp_path / "library").items()
    assert (item.kind, item.title, item.description) == ("music", "Harbour theme", "calm solo piano at night")
    lib = Library.open(tmp_path / "library")
    [hit] = lib.search(MiniLMText().encode_text(["calm piano music"])[0], k=5, kind="music")
    assert hit.item.title == "Harbour theme" and hit.score > 0.3  # found by what the user wrote about it
    bad: Any = Job(
        id=2, kind="library", slug=None, state="running", params={"kind": "music", "file": "broken.wav"}
    )
    try:
        PipelineRunner(settings).index_upload(bad, NullReporter())
    except Exception as exc:
        assert "broken.wav" in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("a file that is not audio must fail its job")
