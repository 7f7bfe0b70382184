"""The studio opened to a network: token on every route, Host checks, framing headers, capped bodies, bounded
ids, short error messages without server paths, and only regular one-link files inside a movie folder."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_fixtures import LiveStudio

from moviefactory.config import Settings
from moviefactory.web.app import MAX_BODY_BYTES, create_app, token_cookie
from moviefactory.web.cli import is_loopback, served_hosts

TOKEN = "s3cret-token-for-the-tests-0123"


@pytest.fixture
def locked(settings: Settings, folder: Any) -> Iterator[TestClient]:
    """A server as `serve --host 0.0.0.0` builds it: a token and a Host allow-list."""
    app = create_app(settings, start_worker=False, token=TOKEN, trusted_hosts=served_hosts("0.0.0.0", []))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def routes(slug: str) -> list[tuple[str, str, Any]]:
    """(method, path, json body) for every route the studio has."""
    return [
        ("GET", "/", None),
        ("GET", "/favicon.ico", None),
        ("GET", "/static/app.js", None),
        ("GET", "/static/style.css", None),
        ("GET", "/api/options", None),
        ("GET", "/api/jobs", None),
        ("GET", "/api/jobs/1", None),
        ("POST", "/api/jobs/1/cancel", None),
        ("POST", "/api/movies", {"text": "a cat"}),
        ("GET", "/api/movies", None),
        ("GET", f"/api/movies/{slug}", None),
        ("DELETE", f"/api/movies/{slug}", None),
        ("GET", f"/api/movies/{slug}/script", None),
        ("PUT", f"/api/movies/{slug}/script", {"title": "x"}),
        ("POST", f"/api/movies/{slug}/render", {}),
        ("GET", f"/api/movies/{slug}/movie.mp4", None),
        ("GET", f"/api/movies/{slug}/movie.srt", None),
        ("GET", f"/api/movies/{slug}/poster.jpg", None),
        ("GET", f"/api/movies/{slug}/scenes/s01/clip.mp4", None),
        ("GET", f"/api/movies/{slug}/scenes/s01/thumb.jpg", None),
    ]


def test_every_route_needs_the_token_off_loopback(locked: TestClient, folder: Any) -> None:
    slug = folder.root.name
    for method, path, body in routes(slug):
        res = locked.request(method, path, json=body)
        assert res.status_code == 401, (method, path, res.status_code)
        assert "Race of the Skies" not in res.text and "a race between" not in res.text
        bad = locked.request(method, path, json=body, headers={"Authorization": "Bearer wrong-token"})
        assert bad.status_code == 401, (method, path)
    assert folder.root.is_dir() and locked.get("/").headers["content-type"].startswith("text/html")
    assert "Open the link" in locked.get("/").text


def test_the_token_link_sets_a_strict_httponly_cookie(locked: TestClient, folder: Any) -> None:
    page = locked.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and 'id="make-form"' in page.text
    cookie = page.headers["set-cookie"]
    assert (
        cookie.startswith(f"{token_cookie(TOKEN)}={TOKEN}")
        and "HttpOnly" in cookie
        and "SameSite=strict" in cookie
    )
    assert page.headers["referrer-policy"] == "no-referrer"  # the token never leaks to a linked page
    assert token_cookie(TOKEN) != token_cookie(TOKEN + "2")  # two studios on one host keep their own cookies
    # the client now holds the cookie: every route answers
    assert locked.get("/api/movies").json()["movies"][0]["slug"] == folder.root.name
    assert locked.get(f"/api/movies/{folder.root.name}/movie.mp4").status_code == 200
    locked.cookies.clear()
    assert locked.get("/api/movies").status_code == 401
    bearer = locked.get("/api/movies", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 200
    assert (
        locked.get("/?token=wrong").status_code == 401 and "set-cookie" not in locked.get("/?token=x").headers
    )


def test_loopback_needs_no_token(settings: Settings, folder: Any) -> None:
    app = create_app(settings, start_worker=False, trusted_hosts=served_hosts("127.0.0.1", []))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/movies").status_code == 200
        assert c.get("/api/options").json()["token_required"] is False


@pytest.mark.parametrize(
    ("bind", "good", "bad"),
    [
        (
            "127.0.0.1",
            ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"],
            ["attacker.example", "10.0.0.5:8000"],
        ),
        ("127.0.0.2", ["127.0.0.2:8000", "localhost"], ["attacker.example:8000", "rebind.example"]),
        (
            "0.0.0.0",
            ["127.0.0.1:8000", f"{socket.gethostname()}:8000", "studio.lan:8000"],
            ["attacker.example"],
        ),
    ],
)
def test_foreign_host_headers_are_refused(
    settings: Settings, folder: Any, bind: str, good: list[str], bad: list[str]
) -> None:
    assert is_loopback(bind) == (bind != "0.0.0.0")
    hosts = served_hosts(bind, ["studio.lan"] if bind == "0.0.0.0" else [])
    app = create_app(settings, start_worker=False, trusted_hosts=hosts)
    with TestClient(app) as c:
        for host in good:
            assert c.get("/api/movies", headers={"Host": host}).status_code == 200, host
        for host in bad:
            res = c.post(
                "/api/movies", json={"text": "x"}, headers={"Host": host, "Origin": f"http://{host}"}
            )
            assert res.status_code == 400 and "not served here" in res.json()["error"], host
        assert c.get("/api/jobs", headers={"Host": good[0]}).json()["jobs"] == []


def test_framing_and_sniffing_are_forbidden_everywhere(locked: TestClient, folder: Any) -> None:
    locked.get(f"/?token={TOKEN}")
    for path in [
        "/",
        "/static/app.js",
        "/api/movies",
        "/api/nothing",
        f"/api/movies/{folder.root.name}/movie.mp4",
    ]:
        res = locked.get(path)
        assert res.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in res.headers["content-security-policy"], path
        assert res.headers["x-content-type-options"] == "nosniff", path
    locked.cookies.clear()
    assert locked.get("/").headers["x-frame-options"] == "DENY"  # the 401 page too


def test_cross_site_writes_are_refused_even_with_the_cookie(locked: TestClient) -> None:
    locked.get(f"/?token={TOKEN}")
    res = locked.post("/api/movies", json={"text": "x"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert res.status_code == 403
    res = locked.post("/api/movies", json={"text": "x"}, headers={"Origin": "http://127.0.0.1:9999"})
    assert res.status_code == 403
    assert locked.get("/api/jobs").json()["jobs"] == []


def test_oversized_bodies_are_refused_before_they_are_read(settings: Settings, folder: Any) -> None:
    """Against a real server: a 300 MB Content-Length is answered at once; a chunked body is cut off once it
    passes the limit, long before 300 MB are sent."""
    with LiveStudio(create_app(settings, start_worker=False)) as live:
        path = f"/api/movies/{folder.root.name}/script"
        with socket.create_connection(("127.0.0.1", live.port), timeout=10) as s:
            s.sendall(
                f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300000000\r\n"
                "Content-Type: application/json\r\n\r\n".encode()
                + b" " * 1000
            )
            head = s.recv(4096).decode()
            if "limit" not in head:
                head += s.recv(4096).decode()  # the body may come in its own packet
        assert head.startswith("HTTP/1.1 413") and "limit" in head
        sent = 0
        with socket.create_connection(("127.0.0.1", live.port), timeout=10) as s:
            s.sendall(
                f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
            )
            chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * (64 * 1024))
            answer = b""
            s.settimeout(0.05)
            while sent < 300_000_000 and not answer:
                try:
                    s.sendall(chunk)
                    sent += 64 * 1024
                    answer = s.recv(4096)
                except (TimeoutError, BlockingIOError):
                    continue
                except OSError:  # the server closed the connection after answering
                    break
            s.settimeout(5)
            if not answer:
                answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        assert sent < 8 * MAX_BODY_BYTES  # stopped near the limit, not after 300 MB
    assert json.loads(folder.script_path.read_text())["title"] == "Race of the Skies"


def test_huge_ids_and_long_input_get_short_answers(settings: Settings, folder: Any) -> None:
    with TestClient(create_app(settings, start_worker=False)) as c:
        for path in ["/api/jobs/99999999999999999999", "/api/jobs/0", "/api/jobs/-1", "/api/jobs/x"]:
            res = c.get(path)
            assert res.status_code == 422 and "job_id" in res.json()["error"], path
        assert c.post("/api/jobs/99999999999999999999/cancel").status_code == 422
        huge = "s" + "x" * 100_000
        res = c.post(f"/api/movies/{folder.root.name}/render", json={"scenes": [huge]})
        assert res.status_code == 422 and len(res.text) < 300 and "xxxxxxxxxx" * 10 not in res.text
        res = c.get(f"/api/movies/{'y' * 5000}/script")
        assert res.status_code == 404 and len(res.text) < 200
        res = c.get(f"/api/movies/{folder.root.name}/{'z' * 5000}.mp4")
        assert res.status_code == 404 and len(res.text) < 300
        res = c.post("/api/movies", json={"text": "t" * 5000})
        assert res.status_code == 422 and len(res.text) < 300


def test_no_absolute_paths_reach_the_client(settings: Settings, folder: Any) -> None:
    out = str(Path(settings.out).resolve())
    with TestClient(create_app(settings, start_worker=False)) as c:
        assert (
            out not in c.get("/api/movies").text and out not in c.get(f"/api/movies/{folder.root.name}").text
        )
        script = c.get(f"/api/movies/{folder.root.name}/script").json()
        with folder:  # the lock a command-line render holds: the 409 names the folder, not where it lives
            res = c.put(f"/api/movies/{folder.root.name}/script", content=json.dumps(script))
        assert res.status_code == 409 and folder.root.name in res.json()["error"] and out not in res.text
        res = c.get("/api/movies/nope/script")
        assert res.status_code == 404 and out not in res.text


def test_only_regular_one_link_files_inside_the_folder_are_served(
    settings: Settings, folder: Any, tmp_path: Path
) -> None:
    root = folder.root
    (root / "inner.json").symlink_to(root / "movie.json")  # a link to the hidden manifest
    os.link(root / "movie.json", root / "hard.json")  # a second name for the manifest
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"\x89PNG secret")
    os.link(outside, root / "stolen.png")  # a hard link to a file outside the folder
    (root / "scenes").mkdir(exist_ok=True)
    (root / "scenes" / "s01").symlink_to(tmp_path, target_is_directory=True)  # a scene folder leading out
    (tmp_path / "clip.mp4").write_bytes(b"outside clip")
    (root / "notes.json").write_text('{"fine": true}')
    with TestClient(create_app(settings, start_worker=False)) as c:
        for name in ["inner.json", "hard.json", "stolen.png", "movie.json", "scenes/s01/clip.mp4"]:
            res = c.get(f"/api/movies/{root.name}/{name}")
            assert res.status_code == 404, name
            assert (
                "secret" not in res.text and '"artifacts"' not in res.text and "outside clip" not in res.text
            )
        assert c.get(f"/api/movies/{root.name}/notes.json").json() == {"fine": True}


def test_make_with_other_settings_makes_a_new_version(settings: Settings, folder: Any) -> None:
    from moviefactory.web.app import make_settings

    Path(folder.root / "movie.json").write_text(
        folder.manifest.model_copy(
            update={"settings": make_settings(settings, {"aspect": "16:9"}).fingerprint()}
        ).to_json()
    )
    with TestClient(create_app(settings, start_worker=False)) as c:
        same = c.post("/api/movies", json={"text": folder.manifest.request, "aspect": "16:9"}).json()
        assert same["slug"] == folder.root.name  # the same settings: resume the folder
        other = c.post("/api/movies", json={"text": folder.manifest.request, "aspect": "1:1"}).json()
        assert other["slug"] == f"{folder.root.name}-v2" and other["id"] != same["id"]
        scenes = c.post("/api/movies", json={"text": folder.manifest.request, "aspect": "16:9", "scenes": 4})
        assert scenes.json()["slug"] == f"{folder.root.name}-v2"  # the next free version for other settings
        bad = c.post("/api/movies", json={"text": "x", "picture": "nope"})
        assert bad.status_code == 422 and "picture" in bad.json()["error"]
        missing = c.post("/api/movies", json={"text": "x", "model": "/no/such/folder"})
        assert missing.status_code == 422 and "does not exist" in missing.json()["error"]


def test_cancel_queue_position_and_delete(settings: Settings, folder: Any) -> None:
    with TestClient(create_app(settings, start_worker=False)) as c:
        a = c.post("/api/movies", json={"text": "first movie"}).json()
        b = c.post("/api/movies", json={"text": "second movie"}).json()
        r = c.post(f"/api/movies/{folder.root.name}/render", json={}).json()
        assert (a["position"], b["position"], r["position"]) == (1, 2, 3)
        assert c.delete(f"/api/movies/{folder.root.name}").status_code == 409  # its render is queued
        cancelled = c.post(f"/api/jobs/{a['id']}/cancel").json()
        assert cancelled["state"] == "cancelled"
        assert c.get(f"/api/jobs/{b['id']}").json()["position"] == 1  # moved up
        assert c.post(f"/api/jobs/{r['id']}/cancel").json()["state"] == "cancelled"
        again = c.post(f"/api/jobs/{r['id']}/cancel")
        assert again.status_code == 200 and again.json()["state"] == "cancelled"
        assert c.post("/api/jobs/999/cancel").status_code == 404
        gone = c.delete(f"/api/movies/{folder.root.name}")
        assert gone.status_code == 200 and not folder.root.exists()
        assert c.get("/api/movies").json()["movies"] == []
        assert c.delete(f"/api/movies/{folder.root.name}").status_code == 404
        assert not list((Path(settings.out) / ".studio" / "trash").iterdir())


def test_posters_and_scene_thumbnails_are_decoded_frames(
    settings: Settings, folder: Any, tmp_path: Path
) -> None:
    from web_fixtures import COLOURS, write_tiny_mp4

    from moviefactory.media import read_frames

    write_tiny_mp4(folder.path("scenes/s01/clip.mp4"), frames_per_colour=8)
    with TestClient(create_app(settings, start_worker=False)) as c:
        for path, colour in [("poster.jpg", COLOURS[2]), ("scenes/s01/thumb.jpg", COLOURS[0])]:
            res = c.get(f"/api/movies/{folder.root.name}/{path}")
            assert res.status_code == 200 and res.headers["content-type"] == "image/jpeg", path
            jpg = tmp_path / "still.jpg"
            jpg.write_bytes(res.content)
            [frame] = read_frames(jpg)
            assert frame.shape[1] == 320  # scaled for the gallery
            assert abs(frame.reshape(-1, 3).mean(0) - colour).max() < 12, path
        assert c.get(f"/api/movies/{folder.root.name}/scenes/s02/thumb.jpg").status_code == 404


def test_finished_jobs_can_be_removed_active_ones_not(settings: Settings, folder: Any) -> None:
    with TestClient(create_app(settings, start_worker=False)) as c:
        a = c.post("/api/movies", json={"text": "first movie"}).json()
        assert c.delete(f"/api/jobs/{a['id']}").status_code == 409  # queued: cancel it first
        c.post(f"/api/jobs/{a['id']}/cancel")
        assert c.delete(f"/api/jobs/{a['id']}").json() == {"deleted": a["id"]}
        assert c.get(f"/api/jobs/{a['id']}").status_code == 404 and c.get("/api/jobs").json()["jobs"] == []
        assert c.delete(f"/api/jobs/{a['id']}").status_code == 404
        assert folder.root.is_dir()  # removing a job never touches a movie
