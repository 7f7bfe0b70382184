"""The studio's HTTP API on real movie folders: scripts, jobs, files with Range, and what it refuses."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from web_fixtures import COLOURS, REQUEST, make_folder, tiny_movie

from moviefactory.config import Settings
from moviefactory.errors import InputError
from moviefactory.media import probe, read_frames
from moviefactory.progress import Reporter
from moviefactory.spec import Movie
from moviefactory.web.app import PipelineRunner, create_app, movie_dir, srt_to_vtt
from moviefactory.web.jobs import Job
from moviefactory.workspace import Workspace, slugify


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app with its queue open but no worker: jobs stay queued."""
    app = create_app(settings, start_worker=False)
    with TestClient(app) as c:
        yield c


def url(ws: Workspace, rest: str = "") -> str:
    return f"/api/movies/{ws.root.name}" + (f"/{rest}" if rest else "")


# -- the page -----------------------------------------------------------------------------------------------
def test_page_has_the_form_and_its_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for needle in (
        'id="make-form"',
        'id="make-text"',
        'id="make-seed"',
        'id="make-scenes"',
        'id="make-aspect"',
        'id="jobs"',
        'id="movies"',
        'id="storyboard"',
        "/static/app.js",
        "/static/style.css",
    ):
        assert needle in page.text
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    # user text goes in as text only
    assert ".innerHTML" not in js.text and ".outerHTML" not in js.text and "insertAdjacentHTML" not in js.text
    assert client.get("/static/style.css").status_code == 200
    everything = page.text + js.text
    assert "http://" not in everything and "https://" not in everything  # no CDN, no outside calls
    opts = client.get("/api/options").json()
    assert opts["aspects"] == ["2.35:1", "16:9", "9:16", "1:1"] and "close-up" in opts["shots"]
    assert "tracking" in opts["cameras"]


# -- movies and scripts ----------------------------------------------------------------------------------------
def test_movie_list_and_detail(client: TestClient, folder: Workspace, folder_factory: Any) -> None:
    script_only = folder_factory(request="a quiet walk in the snow", seed=2, with_movie=False)
    (Path(folder.root.parent) / "not-a-movie").mkdir()
    (Path(folder.root.parent) / "stray.txt").write_text("x")
    movies = {m["slug"]: m for m in client.get("/api/movies").json()["movies"]}
    assert set(movies) == {folder.root.name, script_only.root.name}
    done = movies[folder.root.name]
    assert done["title"] == "Race of the Skies" and done["request"] == REQUEST and done["scenes"] == 2
    assert done["state"] == "done" and done["has_movie"] and done["duration_s"] == 2.0
    assert done["files"] == {"movie.mp4": True, "movie.srt": True, "movie.vtt": False, "report.html": False}
    assert folder.manifest.cut is not None and done["version"] == folder.manifest.cut.sha256[:12]
    assert done["warnings"] == ["sound: a test warning"]
    pending = movies[script_only.root.name]
    assert pending["state"] == "scripted" and not pending["has_movie"] and pending["duration_s"] == 2.5
    assert client.get(url(folder)).json()["title"] == "Race of the Skies"


def test_script_round_trip(client: TestClient, folder: Workspace) -> None:
    got = client.get(url(folder, "script"))
    assert got.status_code == 200
    script = got.json()
    assert Movie.model_validate(script) == folder.load_script()
    script["scenes"][1]["prompt"] = "  a small plane loops over the lighthouse  "
    script["scenes"][1]["duration_s"] = 3.0
    script["scenes"][0]["camera"] = "tracking"
    script["scenes"][0]["subtitle"] = "<b>Ready?</b> & go"  # stored as plain text, never interpreted
    put = client.put(url(folder, "script"), content=json.dumps(script))
    assert put.status_code == 200, put.text
    assert put.json() == {"saved": True, "scenes": 2, "duration_s": 4.0}
    on_disk = Workspace.open(folder.root).load_script()
    assert on_disk.scenes[1].prompt == "a small plane loops over the lighthouse"  # normalised by the schema
    assert on_disk.scenes[1].duration_s == 3.0 and on_disk.scenes[0].camera.value == "tracking"
    assert on_disk.scenes[0].subtitle == "<b>Ready?</b> & go"
    assert client.get(url(folder, "script")).json() == on_disk.model_dump(mode="json")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s["scenes"][0].update(duration_s=99), "scenes.0.duration_s"),
        (lambda s: s["scenes"][1].update(shot="sideways"), "scenes.1.shot"),
        (lambda s: s["scenes"][0].update(colour="red"), "scenes.0.colour"),
        (lambda s: s.update(scenes=[]), "scenes"),
        (lambda s: s["scenes"][1].update(id="s01"), "scene ids must be unique"),
        (lambda s: s["scenes"][0].update(subjects=["plane"]), "not character ids"),
    ],
)
def test_invalid_script_is_refused_and_the_file_is_unchanged(
    client: TestClient, folder: Workspace, edit: Any, message: str
) -> None:
    before = folder.script_path.read_bytes()
    script = client.get(url(folder, "script")).json()
    edit(script)
    res = client.put(url(folder, "script"), content=json.dumps(script))
    assert res.status_code == 422
    body = res.json()
    assert set(body) == {"error"} and message in body["error"] and "\n" not in body["error"]
    assert "Traceback" not in res.text
    assert folder.script_path.read_bytes() == before


def test_not_json_and_oversized_scripts_are_refused(client: TestClient, folder: Workspace) -> None:
    before = folder.script_path.read_bytes()
    res = client.put(url(folder, "script"), content=b'{"title": ')
    assert res.status_code == 422 and "not valid JSON" in res.json()["error"]
    res = client.put(url(folder, "script"), content=b"\xff\xfe")
    assert res.status_code == 422 and "UTF-8" in res.json()["error"]
    res = client.put(url(folder, "script"), content=b" " * (2 << 20))
    assert res.status_code == 413 and "limit" in res.json()["error"]
    assert folder.script_path.read_bytes() == before


def test_saving_while_a_run_holds_the_folder_is_a_conflict(client: TestClient, folder: Workspace) -> None:
    script = client.get(url(folder, "script")).json()
    script["title"] = "Changed"
    with Workspace.open(folder.root):  # the lock a render holds
        res = client.put(url(folder, "script"), content=json.dumps(script))
    assert res.status_code == 409 and "in use" in res.json()["error"]
    assert Workspace.open(folder.root).load_script().title == "Race of the Skies"


# -- jobs --------------------------------------------------------------------------------------------------------
def test_make_queues_a_job(client: TestClient) -> None:
    res = client.post("/api/movies", json={"text": "  a cat chases a red balloon  ", "seed": 7, "scenes": 3})
    assert res.status_code == 202
    job = res.json()
    assert job["state"] == "queued" and job["kind"] == "make"
    assert job["params"] == {"text": "a cat chases a red balloon", "seed": 7, "scenes": 3, "aspect": None}
    assert job["slug"] == slugify("a cat chases a red balloon", 7)
    assert client.get(f"/api/jobs/{job['id']}").json() == job
    assert [j["id"] for j in client.get("/api/jobs").json()["jobs"]] == [job["id"]]
    assert (
        client.post(
            "/api/movies", json={"text": "a cat chases a red balloon", "seed": 7, "scenes": 3}
        ).json()["id"]
        == job["id"]
    )  # a double click does not queue it twice
    missing = client.get("/api/jobs/999")
    assert missing.status_code == 404 and missing.json() == {"error": "no job 999"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "   "}, "the request is empty"),
        ({"text": "ok\x07"}, "control character"),
        ({"text": "ok", "scenes": 0}, "scenes"),
        ({"text": "ok", "scenes": 61}, "scenes"),
        ({"text": "ok", "aspect": "4:3"}, "aspect"),
        ({"text": "ok", "seed": -1}, "seed"),
        ({"text": "ok", "picture": "other"}, "picture"),
        ({}, "text"),
    ],
)
def test_make_refuses_bad_input(client: TestClient, body: dict[str, Any], message: str) -> None:
    res = client.post("/api/movies", json=body)
    assert res.status_code == 422
    assert set(res.json()) == {"error"} and message in res.json()["error"]
    assert client.get("/api/jobs").json()["jobs"] == []


def test_render_queues_a_job_for_known_scenes_only(client: TestClient, folder: Workspace) -> None:
    res = client.post(url(folder, "render"), json={"scenes": ["s02", "s02"]})
    assert res.status_code == 202
    job = res.json()
    assert job["kind"] == "render" and job["params"] == {"folder": folder.root.name, "scenes": ["s02"]}
    everything = client.post(url(folder, "render"))  # no body: re-render what changed
    assert everything.status_code == 202 and everything.json()["params"]["scenes"] == []
    bad = client.post(url(folder, "render"), json={"scenes": ["s09"]})
    assert bad.status_code == 422 and "no scene 's09'" in bad.json()["error"]
    assert client.get(url(folder)).json()["state"] == "queued"


def test_jobs_run_through_the_app_worker(settings: Settings) -> None:
    """The worker runs an injected job function that leaves a finished folder, as the pipeline would."""

    def runner(job: Job, reporter: Reporter) -> dict[str, Any]:
        reporter.start("script", "writing the script", 1)
        ws = make_folder(Path(settings.out), request=job.params["text"], seed=job.params["seed"])
        reporter.finish("script")
        reporter.start("compose", "composing", 1)
        reporter.finish("compose")
        return {"slug": ws.root.name, "duration_s": 2.0}

    def failing(job: Job, reporter: Reporter) -> dict[str, Any]:
        raise InputError("no scene 's09'")

    with TestClient(create_app(settings, runner=runner)) as c:
        job = c.post("/api/movies", json={"text": "two kites over a hill", "seed": 1}).json()
        end = time.monotonic() + 10
        while c.get(f"/api/jobs/{job['id']}").json()["state"] in ("queued", "running"):
            assert time.monotonic() < end
            time.sleep(0.05)
        done = c.get(f"/api/jobs/{job['id']}").json()
        assert done["state"] == "done" and done["progress"]["fraction"] == 1.0
        assert done["result"]["slug"] == job["slug"]
        [movie] = c.get("/api/movies").json()["movies"]
        assert movie["slug"] == job["slug"] and movie["state"] == "done" and movie["job"]["id"] == job["id"]
        assert c.get(f"/api/movies/{job['slug']}/movie.mp4").status_code == 200

    with TestClient(create_app(settings, runner=failing)) as c:  # the same database, a new server
        job = c.post(f"/api/movies/{movie['slug']}/render", json={}).json()
        end = time.monotonic() + 10
        while c.get(f"/api/jobs/{job['id']}").json()["state"] in ("queued", "running"):
            assert time.monotonic() < end
            time.sleep(0.05)
        assert c.get(f"/api/jobs/{job['id']}").json()["error"] == "no scene 's09'"
        assert c.get(f"/api/movies/{movie['slug']}").json()["state"] == "failed"
        assert len(c.get("/api/jobs").json()["jobs"]) == 2


def test_the_pipeline_runner_renders_with_the_folders_own_settings(settings: Settings) -> None:
    made_with = Settings(aspect="1:1", fps=12, steps=7, workers=1).fingerprint()
    ws = make_folder(Path(settings.out), settings=made_with)
    server = settings.model_copy(update={"workers": 3, "aspect": "16:9"})
    resolved = PipelineRunner(server).folder_settings(ws)
    assert (resolved.aspect, resolved.fps, resolved.steps) == ("1:1", 12, 7)  # what made the movie
    assert resolved.workers == 3 and resolved.out == settings.out  # how this server runs jobs
    broken = make_folder(Path(settings.out), request="broken", settings={**made_with, "fps": 999})
    with pytest.raises(InputError, match="settings: fps"):
        PipelineRunner(server).folder_settings(broken)


# -- files ---------------------------------------------------------------------------------------------------------
def test_movie_is_served_with_range_requests(client: TestClient, folder: Workspace, tmp_path: Path) -> None:
    data = folder.path("movie.mp4").read_bytes()
    full = client.get(url(folder, "movie.mp4"))
    assert full.status_code == 200 and full.headers["content-type"] == "video/mp4"
    assert full.headers["accept-ranges"] == "bytes" and full.content == data
    copy = tmp_path / "download.mp4"
    copy.write_bytes(full.content)
    frames = read_frames(copy)
    assert frames.shape[1:] == (32, 64, 3) and probe(copy).num_frames == 16
    for i, colour in enumerate(COLOURS):  # the movie's frames, decoded from the download
        assert np.abs(frames[i * 4 + 1].reshape(-1, 3).mean(0) - colour).max() < 8

    part = client.get(url(folder, "movie.mp4"), headers={"Range": "bytes=100-299"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-299/{len(data)}"
    assert part.content == data[100:300]
    tail = client.get(url(folder, "movie.mp4"), headers={"Range": "bytes=-64"})
    assert tail.status_code == 206 and tail.content == data[-64:]
    beyond = client.get(url(folder, "movie.mp4"), headers={"Range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416
    head = client.head(url(folder, "movie.mp4"))
    assert (
        head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(data))
    )


def test_subtitles_report_and_scene_clips(client: TestClient, folder: Workspace) -> None:
    srt = client.get(url(folder, "movie.srt"))
    assert srt.status_code == 200 and "00:00:01,000 --> 00:00:02,500" in srt.text
    vtt = client.get(url(folder, "movie.vtt"))  # no movie.vtt on disk: converted from the SRT
    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    assert (
        vtt.text.startswith("WEBVTT\n") and "00:00:01.000 --> 00:00:02.500" in vtt.text and "Go!" in vtt.text
    )
    folder.path("movie.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nfrom the pipeline\n")
    assert "from the pipeline" in client.get(url(folder, "movie.vtt")).text

    assert client.get(url(folder, "report.html")).status_code == 404
    folder.path("report.html").write_text("<html><body><h1>Report</h1><img src='contact.png'></body></html>")
    folder.path("contact.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    report = client.get(url(folder, "report.html"))
    assert report.status_code == 200 and "<h1>Report</h1>" in report.text
    assert "script-src" not in report.headers["content-security-policy"]  # default-src 'none': no scripts
    assert client.get(url(folder, "contact.png")).headers["content-type"] == "image/png"

    assert client.get(url(folder, "scenes/s01/clip.mp4")).status_code == 404
    folder.paths.scene("s01").mkdir(parents=True)
    folder.path("scenes/s01/clip.mp4").write_bytes(b"clip")
    assert client.get(url(folder, "scenes/s01/clip.mp4")).content == b"clip"


def test_srt_to_vtt() -> None:
    srt = "1\n00:00:00,000 --> 00:00:01,250\nHello, world\n"
    assert srt_to_vtt(srt) == "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.250\nHello, world\n"


# -- what the studio refuses --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/movies/../script",
        "/api/movies/%2e%2e/script",
        "/api/movies/%2E%2E/movie.json",
        "/api/movies/..%2Foutside/script",
        "/api/movies/%2Fetc%2Fpasswd/script",
        "/api/movies/%2Fetc/passwd",
        "/api/movies/.studio/jobs.sqlite",
        "/api/movies/not-a-movie/script",
        "/api/movies/linked/script",
        "/api/movies/linked/movie.mp4",
        "/api/movies/{slug}/movie.json",
        "/api/movies/{slug}/.lock",
        "/api/movies/{slug}/..%2F..%2Foutside%2Fscript.json",
        "/api/movies/{slug}/%2e%2e",
        "/api/movies/{slug}/scenes/..%2F..%2F..%2Foutside/clip.mp4",
        "/api/movies/{slug}/scenes/S01/clip.mp4",
        "/api/movies/{slug}/escape.mp4",
    ],
)
def test_paths_outside_movie_folders_are_refused(
    client: TestClient, folder: Workspace, settings: Settings, tmp_path: Path, path: str
) -> None:
    outside = make_folder(tmp_path, request="a secret movie outside the studio")  # a real folder, elsewhere
    (tmp_path / "outside").symlink_to(outside.root)
    (Path(settings.out) / "linked").symlink_to(outside.root)  # a link leaving settings.out
    (Path(settings.out) / "not-a-movie").mkdir()
    (Path(settings.out) / "not-a-movie" / "script.json").write_text(outside.script_path.read_text())
    folder.path("escape.mp4").symlink_to(outside.path("movie.mp4"))
    res = client.get(path.replace("{slug}", folder.root.name))
    assert res.status_code in (404, 405), res.text
    assert set(res.json()) == {"error"}
    assert "secret" not in res.text and "Race of the Skies" not in res.text
    assert client.put(path.replace("{slug}", "linked"), content=b"{}").status_code in (404, 405)


@pytest.mark.parametrize(
    "slug", ["..", ".", "", "/etc", "a/b", "%2e%2e", ".studio", "not-a-movie", "x" * 300]
)
def test_movie_dir_accepts_only_movie_folders_directly_in_out(settings: Settings, slug: str) -> None:
    Path(settings.out).mkdir(parents=True, exist_ok=True)
    (Path(settings.out) / ".studio").mkdir(exist_ok=True)
    (Path(settings.out) / "not-a-movie").mkdir(exist_ok=True)
    with pytest.raises(InputError, match="no movie"):
        movie_dir(settings, slug)


def test_cross_origin_writes_and_foreign_hosts_are_refused(settings: Settings, folder: Workspace) -> None:
    with TestClient(create_app(settings, start_worker=False)) as c:
        evil = c.post("/api/movies", json={"text": "x"}, headers={"Origin": "http://evil.example"})
        assert evil.status_code == 403 and c.get("/api/jobs").json()["jobs"] == []
        same = c.post("/api/movies", json={"text": "x"}, headers={"Origin": "http://testserver"})
        assert same.status_code == 202
    local = create_app(
        settings,
        start_worker=False,
        trusted_hosts=("127.0.0.1", "localhost"),
        jobs_db=Path(settings.out) / "other.sqlite",
    )
    with TestClient(local, base_url="http://localhost:8000") as c:
        assert c.get("/api/movies").status_code == 200
        rebound = c.get("/api/movies", headers={"Host": "attacker.example:8000"})
        assert rebound.status_code == 400 and "not served here" in rebound.json()["error"]


def test_unknown_routes_answer_json(client: TestClient, folder: Workspace) -> None:
    res = client.get("/api/nothing")
    assert res.status_code == 404 and set(res.json()) == {"error"}
    res = client.delete(url(folder, "script"))
    assert res.status_code == 405 and set(res.json()) == {"error"}


def test_a_broken_script_on_disk_is_reported_not_crashed(client: TestClient, folder: Workspace) -> None:
    folder.script_path.write_text(tiny_movie().to_json().replace('"duration_s": 1.0', '"duration_s": -4'))
    info = client.get(url(folder)).json()
    assert "scenes.0.duration_s" in info["script_error"] and info["title"] == REQUEST
    res = client.get(url(folder, "script"))
    assert res.status_code == 422 and "scenes.0.duration_s" in res.json()["error"]
    res = client.post(url(folder, "render"), json={})
    assert res.status_code == 422
