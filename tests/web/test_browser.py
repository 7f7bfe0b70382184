"""The studio in a real browser: Debian's Chromium driven by Playwright (one browser per session).

Jobs run in the studio's child processes with `browser_jobs.studio_job` (the pipeline's contract at test
speed), so these tests exercise the real server, page, queue, worker processes and movie folders.
Screenshots are kept in test-artifacts/browser/ (look at them after a layout change).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_jobs import colour_of
from web_fixtures import LiveStudio, make_folder

from moviefactory.config import Settings
from moviefactory.media import read_frames, write_wav
from moviefactory.web.app import create_app, token_cookie
from moviefactory.web.worker import ProcessRunner
from moviefactory.workspace import Workspace

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("MOVIEFACTORY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--autoplay-policy=no-user-gesture-required"]  # fmt: skip
ARTIFACTS = Path(os.environ.get("MOVIEFACTORY_TEST_ARTIFACTS", "test-artifacts")) / "browser"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)  # a fresh temporary profile
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.errors = []  # page errors and failed requests (a missing favicon would show here)
    pg.on("pageerror", lambda e: pg.errors.append(f"pageerror: {e}"))
    pg.on("response", lambda r: pg.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def studio(settings: Settings, target: str = "studio_job", **config: Any) -> LiveStudio:
    out = Path(settings.out)
    runner = ProcessRunner(
        f"browser_jobs:{target}",
        {"out": str(out), "frame_s": 0.06, **config},
        log_dir=out / ".studio" / "logs",
    )
    return LiveStudio(create_app(settings, runner=runner))


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def check_layout(page: Any, width: int) -> None:
    """Nothing wider than the window; every button inside the window and inside its scene card."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(150)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    clipped = page.evaluate("""() => [...document.querySelectorAll('button')].filter(b => b.offsetParent)
        .filter(b => { const r = b.getBoundingClientRect(); const card = b.closest('.scene-card, .card, .movie-job');
                       const c = card ? card.getBoundingClientRect() : {left: 0, right: innerWidth};
                       return r.left < c.left - 1 || r.right > c.right + 1 || r.right > innerWidth; })
        .map(b => b.textContent)""")
    assert clipped == [], f"clipped at {width} px: {clipped}"


def clip_bytes(ws: Workspace) -> dict[str, bytes]:
    return {s.id: ws.path(f"scenes/{s.id}/clip.mp4").read_bytes() for s in ws.load_script().scenes}


def test_make_play_edit_rerender_reorder_delete(page: Any, settings: Settings) -> None:
    with studio(settings) as live:
        # 1. make a movie from the page; the progress bar moves while it runs
        page.goto(live.url)
        page.fill("#make-text", "a lighthouse keeper finds a message in a bottle")
        page.fill("#make-scenes", "3")
        page.click("#make-button")
        job = page.locator("#jobs li.job").first
        job.locator(".badge.running").wait_for()
        seen = set()
        while not page.locator("#jobs li.job.done").count():
            seen.add(int(job.locator(".bar").get_attribute("aria-valuenow") or 0))
            page.wait_for_timeout(100)
        assert any(0 < v < 100 for v in seen), seen  # progress was visible between start and end
        page.locator(".movie-card img.poster").wait_for()
        page.wait_for_function("() => document.querySelector('.movie-card img.poster').naturalWidth === 320")
        shot(page, "01-gallery-1400")

        # 2. open it and play the video: currentTime advances
        job.locator(".what a").click()
        page.locator("#storyboard .scene-card").nth(2).wait_for()
        page.wait_for_function(
            "() => document.getElementById('player') && document.getElementById('player').readyState >= 1"
        )
        page.evaluate(
            "() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }"
        )
        page.wait_for_function("() => document.getElementById('player').currentTime > 0.5", timeout=10_000)
        assert page.locator("#storyboard video.thumb").count() == 3  # each scene card previews its clip
        page.locator("#storyboard video.thumb").first.hover()
        page.wait_for_function("() => !document.querySelector('#storyboard video.thumb').paused")
        shot(page, "02-movie-1400")
        check_layout(page, 1400)

        # 3. edit scene s02 and re-render only it
        [slug] = [p.name for p in Path(settings.out).iterdir() if not p.name.startswith(".")]
        ws = Workspace.open(Path(settings.out) / slug)
        before = clip_bytes(ws)
        card = page.locator('.scene-card[data-id="s02"]')
        card.locator("textarea[name=prompt]").fill("a bottle washes up on a stony beach at dawn")
        card.locator("button.rerender").click()
        rerender = page.locator("#movie-job", has_text="Re-render of scene s02")
        rerender.wait_for()  # the job line stays under the title while the job is queued and runs
        rerender.locator(".badge.done").wait_for(timeout=30_000)
        after = clip_bytes(Workspace.open(ws.root))
        assert after["s01"] == before["s01"] and after["s03"] == before["s03"]
        assert after["s02"] != before["s02"]
        frames = read_frames(ws.path("scenes/s02/clip.mp4"))
        want = colour_of("a bottle washes up on a stony beach at dawn")
        assert np.abs(frames[2].reshape(-1, 3).mean(0) - want).max() < 8  # the new prompt's clip
        new_clip = Workspace.open(ws.root).manifest.scene("s02").clip.sha256[:12]  # type: ignore[union-attr]
        page.wait_for_function(  # the card's preview now plays the new clip
            f"() => document.querySelector('.scene-card[data-id=\"s02\"] .thumb').dataset.version === '{new_clip}'"
        )

        # 4. drag s03 onto s01: the order becomes s03 s01 s02; then by keyboard; saved to script.json
        page.locator('.scene-card[data-id="s03"] .handle').drag_to(page.locator('.scene-card[data-id="s01"]'))
        order = page.locator("#storyboard .scene-card").evaluate_all("cards => cards.map(c => c.dataset.id)")
        assert order == ["s03", "s01", "s02"]
        # the same from the keyboard: s02's "move earlier" button, then Enter
        page.locator('.scene-card[data-id="s02"] .move-up').focus()
        page.keyboard.press("Enter")
        order = page.locator("#storyboard .scene-card").evaluate_all("cards => cards.map(c => c.dataset.id)")
        assert order == ["s03", "s02", "s01"]
        assert page.evaluate("() => document.activeElement.closest('.scene-card').dataset.id") == "s02"
        # characters: add one, name and colour it, put it in scene s01
        page.click("#story-box summary")
        page.click("#add-character")
        row = page.locator("#characters li.character").last
        row.locator("input[type=text]").first.fill("the keeper")
        row.locator("input[type=text]").nth(1).fill("an old lighthouse keeper in a yellow coat")
        row.locator("input[type=color]").fill("#e0c020")
        page.locator('.scene-card[data-id="s01"] .subjects input[type=checkbox]').check()
        page.click("#save-button")
        page.wait_for_function("() => document.getElementById('script-status').textContent === 'saved'")
        saved = Workspace.open(ws.root).load_script()
        assert [s.id for s in saved.scenes] == ["s03", "s02", "s01"]
        [keeper] = saved.characters
        assert (keeper.name, keeper.color) == (
            "the keeper",
            "#e0c020",
        ) and "yellow coat" in keeper.description
        assert saved.scene("s01").subjects == [keeper.id]

        # 5. layout at phone and wide sizes
        for width in (390, 360, 1920):
            check_layout(page, width)
            shot(page, f"03-movie-{width}")
        page.goto(live.url + "/#/")
        page.locator(".movie-card").wait_for()
        check_layout(page, 390)
        shot(page, "04-gallery-390")

        # 6. delete the movie, after confirming
        page.goto(f"{live.url}/#/movie/{slug}")
        page.locator("#delete-movie").wait_for()
        page.once("dialog", lambda d: d.accept())
        page.click("#delete-movie")
        page.wait_for_function("() => location.hash === '#/'")
        page.locator("#movies-empty").wait_for()
        assert not ws.root.exists()
    assert [e for e in page.errors if "favicon" in e] == [] and not [
        e for e in page.errors if "pageerror" in e
    ]


def test_cancel_a_running_job_from_the_page(page: Any, settings: Settings, tmp_path: Path) -> None:
    pids = tmp_path / "pids.json"
    with studio(settings, target="slow_job", pids=str(pids)) as live:
        page.goto(live.url)
        page.fill("#make-text", "a very long movie")
        page.click("#make-button")
        job = page.locator("#jobs li.job").first
        job.locator(".badge.running").wait_for()
        while not pids.exists():
            page.wait_for_timeout(50)
        job.locator("button.cancel").click()
        job.locator(".badge.cancelled").wait_for(timeout=10_000)
        shot(page, "05-cancelled")
        assert "cancelled" in job.inner_text()
        # upload a sound of one's own: stored, listed, and offered as the music of a movie
        wav = tmp_path / "harbour.wav"
        t = np.arange(24_000) / 48_000
        write_wav(np.stack([np.sin(2 * np.pi * 330 * t)] * 2, axis=1).astype(np.float32) * 0.3, wav)
        page.set_input_files("#upload-file", str(wav))
        page.select_option("#upload-kind", "music")
        page.fill("#upload-title", "Harbour theme")
        page.fill("#upload-description", "calm solo piano at night")
        page.click("#upload-button")
        page.locator("#sounds li", has_text="Harbour theme").wait_for()
        page.locator("#jobs li.job", has_text="Index sound harbour.wav").locator(".badge.done").wait_for()
        stored = Path(settings.out) / ".studio" / "uploads" / "music" / "harbour.wav"
        assert stored.read_bytes() == wav.read_bytes()
        assert page.locator("#music-choices option").get_attribute("value") == "calm solo piano at night"
        shot(page, "05b-uploaded")
    import json

    from test_web_worker import alive

    started = json.loads(pids.read_text())
    assert not alive(started["child"]) and not alive(started["grandchild"])


def test_token_flow_on_a_non_loopback_bind(page: Any, tmp_path: Path) -> None:
    """`moviefactory serve --host 0.0.0.0`: the page answers only with the printed token link; afterwards
    an HttpOnly, SameSite=Strict cookie carries it and the URL no longer shows it."""
    out = tmp_path / "movies"
    ws = make_folder(out)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    env.pop("MOVIEFACTORY_TOKEN", None)
    from test_web_cli import free_port

    port = free_port()
    code = "import sys; from moviefactory.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--host", "0.0.0.0", "--port", str(port), "--out", str(out)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"http://\S+:(\d+)/\?token=(\S+)", line)
        assert match, line
        token = match.group(2)
        base = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 30
        while True:
            try:
                first = page.goto(base + "/")
                break
            except Exception:
                assert time.monotonic() < end and proc.poll() is None
                time.sleep(0.2)
        assert first.status == 401 and "Open the link" in page.content()
        assert page.request.get(base + "/api/movies").status == 401
        page.goto(f"{base}/?token={token}")
        page.locator(".movie-card").wait_for()
        assert page.evaluate("location.search") == ""  # the token left the address bar
        assert page.evaluate("document.cookie") == ""  # scripts cannot read it
        [cookie] = [c for c in page.context.cookies() if c["name"] == token_cookie(token)]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["value"] == token
        assert page.locator(".movie-card .title").inner_text() == "Race of the Skies"
        page.goto(f"{base}/#/movie/{ws.root.name}")
        page.wait_for_function(
            "() => document.getElementById('player') && document.getElementById('player').readyState >= 1"
        )
        shot(page, "06-token-movie")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
