"""The pipeline in-process on hand-written scripts: failure isolation, retries, resume, executors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from moviefactory import pipeline
from moviefactory.config import Settings
from moviefactory.errors import SceneError
from moviefactory.media import probe, read_frames
from moviefactory.picture import PICTURE, Clip, ProgressFn
from moviefactory.picture.animatic import AnimaticBackend
from moviefactory.spec import Character, Movie, Scene, Style
from moviefactory.workspace import Workspace


@PICTURE.register("flaky-test")
class FlakyAnimatic(AnimaticBackend):
    """The animatic with injected faults: a file `fail-<scene id>` in the movie folder holds how many more
    attempts of that scene fail ("always" = every attempt). Files work across worker processes."""

    name: ClassVar[str] = "flaky-test"

    def render(self, movie: Movie, scene: Scene, out: Path, progress: ProgressFn | None = None) -> Clip:
        marker = out.parents[2] / f"fail-{scene.id}"
        if marker.exists():
            left = marker.read_text()
            if left == "always":
                raise SceneError(scene.id, "injected failure")
            if int(left) > 0:
                marker.write_text(str(int(left) - 1))
                raise SceneError(scene.id, "injected transient failure")
        return super().render(movie, scene, out, progress)


def small_movie() -> Movie:
    style = Style(aspect="2.35:1", width=192, height=80, fps=8, output_width=192, output_height=82)
    scenes = [
        Scene(id="s01", prompt="a red car on a coastal road", setting="coastal road", subjects=["car"],
              action="speeding", sound="car engine", seed=1, duration_s=1.0, transition_s=0.25),
        Scene(id="s02", prompt="a plane over the desert", setting="desert", subjects=["plane"], action="flying",
              time_of_day="golden-hour", sound="jet flyby", seed=2, duration_s=1.0, transition_s=0.25),
        Scene(id="s03", prompt="both race at night", setting="city street", subjects=["car", "plane"],
              time_of_day="night", action="racing side by side", sound="crowd cheering", seed=3, duration_s=1.0,
              transition_s=0.25),
    ]  # fmt: skip
    chars = [Character(id="car", name="the red car", kind="car", color="#cc2222"),
             Character(id="plane", name="the airplane", kind="airplane")]  # fmt: skip
    return Movie(request="test", title="Test", style=style, characters=chars, scenes=scenes)


def new_folder(tmp_path: Path, name: str = "m") -> Path:
    ws = Workspace.create(tmp_path / name, request="test", seed=0, settings={})
    ws.save_script(small_movie())
    return ws.root


def settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(out=tmp_path, narration=False, **kw)


@pytest.mark.slow
def test_failed_scene_is_reported_alone_and_the_others_are_kept(tmp_path: Path, mf_home: Path) -> None:
    root = new_folder(tmp_path)
    (root / "fail-s02").write_text("always")
    with pytest.raises(SceneError, match="scene s02: injected failure"):
        pipeline.render(root, settings(tmp_path, picture="flaky-test", retries=1, workers=2))
    man = Workspace.open(root).manifest
    assert man.scene("s01").clip and man.scene("s03").clip and man.scene("s02").clip is None
    assert man.stages["picture"].state == "failed" and man.stages["picture"].failures == {
        "s02": "injected failure"
    }
    assert not (root / "movie.mp4").exists()
    (root / "fail-s02").unlink()
    res = pipeline.render(root, settings(tmp_path, picture="flaky-test", workers=2))
    assert "scenes/s02/clip.mp4" in res.rendered
    assert {"scenes/s01/clip.mp4", "scenes/s03/clip.mp4"} <= set(res.reused)
    assert probe(res.movie).num_frames == round(small_movie().total_duration_s() * 8)


def test_transient_failure_is_retried(tmp_path: Path, mf_home: Path) -> None:
    root = new_folder(tmp_path)
    (root / "fail-s01").write_text("1")
    res = pipeline.render(root, settings(tmp_path, picture="flaky-test", retries=1, workers=1))
    assert "scenes/s01/clip.mp4" in res.rendered and (root / "fail-s01").read_text() == "0"


@pytest.mark.slow
def test_pool_and_serial_renders_are_identical(tmp_path: Path, mf_home: Path) -> None:
    a = new_folder(tmp_path, "a")
    b = new_folder(tmp_path, "b")
    pipeline.render(a, settings(tmp_path, workers=2))
    pipeline.render(b, settings(tmp_path, workers=1))
    for sid in ("s01", "s02", "s03"):
        fa, fb = read_frames(a / f"scenes/{sid}/clip.mp4"), read_frames(b / f"scenes/{sid}/clip.mp4")
        assert fa.shape == fb.shape and (fa == fb).all()
    assert (a / "movie.srt").read_text() == (b / "movie.srt").read_text()


@pytest.mark.slow
def test_ray_executor_renders_the_same_clips(tmp_path: Path, mf_home: Path) -> None:
    pytest.importorskip("ray")
    import ray

    a = new_folder(tmp_path, "a")
    b = new_folder(tmp_path, "b")
    try:
        res = pipeline.render(a, settings(tmp_path, executor="ray", workers=2))
    finally:
        ray.shutdown()
    pipeline.render(b, settings(tmp_path, workers=1))
    assert {f"scenes/{s}/clip.mp4" for s in ("s01", "s02", "s03")} <= set(res.rendered)
    for sid in ("s01", "s02", "s03"):
        assert (read_frames(a / f"scenes/{sid}/clip.mp4") == read_frames(b / f"scenes/{sid}/clip.mp4")).all()


@pytest.mark.slow
def test_whole_movie_through_the_papers_model_with_a_tiny_sd2(tmp_path: Path, mf_home: Path) -> None:
    """`moviefactory dev tiny-model` then `make --picture moviefactory --model DIR`: the real loaders and
    sampler at toy size, 8 fps clips interpolated to the movie's 24 fps, sound, compose, report."""
    import json
    import subprocess
    import sys

    model = tmp_path / "tiny-sd2"
    subprocess.run(
        [sys.executable, "-m", "moviefactory", "dev", "tiny-model", str(model)],
        check=True,
        capture_output=True,
    )
    movie = small_movie().model_copy(update={"style": Style(width=64, height=32, fps=24, output_width=128,
                                                            output_height=54)})  # fmt: skip
    ws = Workspace.create(tmp_path / "m", request="test", seed=0, settings={})
    ws.save_script(movie)
    cmd = [
        sys.executable,
        "-m",
        "moviefactory",
        "render",
        str(ws.root),
        "--picture",
        "moviefactory",
        "--model",
        str(model),
        "--steps",
        "2",
        "--no-narration",
        "--json",
    ]
    out = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "MOVIEFACTORY_HOME": str(mf_home)},
    )
    assert out.returncode == 0, out.stderr[-1500:]
    res = json.loads(out.stdout)
    clip = Workspace.open(ws.root).manifest.scene("s01").clip
    assert clip is not None and clip.backend.startswith("moviefactory") and clip.fps == 8
    assert "scenes/s01/clip_24fps.mp4" in res["rendered"]
    info = probe(res["movie"])
    assert abs(info.num_frames - round(movie.total_duration_s() * 24)) <= 1 and (info.width, info.height) == (
        128,
        54,
    )
    assert any("image model frame by frame" in w or "adapters" in w for w in res["warnings"])


@pytest.mark.slow
def test_upscale_flag_runs_a_saved_esrgan_on_every_clip(tmp_path: Path, mf_home: Path) -> None:
    """--upscale model.pth: a tiny RRDBNet saved in BasicSR's layout ("params_ema") goes through the
    production loader; each clip gets a 4x version that compose then fits to the output frame."""
    import torch

    from moviefactory.upscale.sr import RRDBConfig, _build_rrdbnet

    torch.manual_seed(0)
    net = _build_rrdbnet(RRDBConfig(num_feat=8, num_block=1, num_grow_ch=4))
    weights = tmp_path / "tiny_x4.pth"
    torch.save({"params_ema": net.state_dict()}, weights)
    root = new_folder(tmp_path)
    res = pipeline.render(root, settings(tmp_path, upscale=str(weights), workers=1))
    for sid in ("s01", "s02", "s03"):
        assert f"scenes/{sid}/clip_sr.mp4" in res.rendered
        info = probe(root / f"scenes/{sid}/clip_sr.mp4")
        assert (info.width, info.height) == (192 * 4, 80 * 4)
    out = probe(res.movie)
    assert (out.width, out.height) == (192, 82)
    again = pipeline.render(root, settings(tmp_path, upscale=str(weights), workers=1))
    assert "scenes/s01/clip_sr.mp4" not in again.rendered and again.rendered == []


@pytest.mark.slow
def test_continuity_chains_cache_keys_until_a_cut(tmp_path: Path, mf_home: Path) -> None:
    """With --continuity a scene starts from its predecessor's last latent, so editing s01 must re-render
    s02 (crossfade) but not s03 (entered by a cut, which never carries continuity)."""
    from moviefactory.models.tiny import build_tiny_sd2
    from moviefactory.spec import Transition

    model = build_tiny_sd2(tmp_path / "sd2")
    movie = small_movie()
    scenes = [
        movie.scenes[0],
        movie.scenes[1],
        movie.scenes[2].model_copy(update={"transition_in": Transition.cut}),
    ]
    movie = movie.model_copy(update={"scenes": scenes, "style": Style(width=64, height=32, fps=8, output_width=64,
                                                                      output_height=28)})  # fmt: skip
    ws = Workspace.create(tmp_path / "m", request="test", seed=0, settings={})
    ws.save_script(movie)
    cfg = settings(tmp_path, picture="moviefactory", model=model, steps=1, continuity=0.5)
    pipeline.render(ws.root, cfg)
    edited = movie.model_copy(deep=True)
    edited.scenes[0].prompt = "a blue car on a mountain road"
    ws.save_script(edited)
    res = pipeline.render(ws.root, cfg)
    clips = {r for r in res.rendered if r.endswith("clip.mp4")}
    assert clips == {"scenes/s01/clip.mp4", "scenes/s02/clip.mp4"}
    assert "scenes/s03/clip.mp4" in res.reused
