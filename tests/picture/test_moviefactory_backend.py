"""The MovieFactory sampler and picture backend on a tiny SD2-shaped folder (random weights, CPU)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from moviefactory.config import Settings
from moviefactory.errors import InputError, ModelLoadError
from moviefactory.media import probe, read_frames
from moviefactory.picture import PICTURE
from moviefactory.picture.moviefactory import MovieFactoryBackend, MovieFactoryPipeline, make_scheduler
from moviefactory.spec import Movie, Scene, Style, Transition

SMALL = {"num_frames": 3, "height": 32, "width": 64, "steps": 2}


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models on a shared machine: threads only spin
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def sd2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from moviefactory.models.tiny import build_tiny_sd2

    return build_tiny_sd2(tmp_path_factory.mktemp("mf") / "sd2", seed=0)


@pytest.fixture(scope="module")
def pipe(sd2: Path) -> MovieFactoryPipeline:
    return MovieFactoryPipeline.from_folder(sd2)


def _movie(**style: object) -> Movie:
    return Movie(
        request="a race between a car and an airplane",
        title="Race",
        style=Style(width=64, height=64, fps=24, **style),  # type: ignore[arg-type]
        scenes=[
            Scene(id="s01", prompt="a red car on a coastal road", duration_s=0.5, seed=1),
            Scene(id="s02", prompt="an airplane over the sea", duration_s=0.5, seed=2, transition_s=0.25),
        ],
    )


@pytest.mark.parametrize("scheduler", ["ddim", "dpm++", "euler"])
def test_each_scheduler_samples_deterministically_per_seed(
    pipe: MovieFactoryPipeline, scheduler: str
) -> None:
    a = pipe("a red car", seed=3, scheduler=scheduler, **SMALL)  # type: ignore[arg-type]
    b = pipe("a red car", seed=3, scheduler=scheduler, **SMALL)  # type: ignore[arg-type]
    c = pipe("a red car", seed=4, scheduler=scheduler, **SMALL)  # type: ignore[arg-type]
    assert a.frames.shape == (3, 32, 64, 3) and a.frames.dtype == np.uint8
    assert a.latents.shape == (1, 4, 3, 4, 8)
    assert np.array_equal(a.frames, b.frames) and torch.equal(a.latents, b.latents)
    assert not torch.equal(a.latents, c.latents)
    assert a.frames.std() > 0 and a.domain == "webvid"  # untrained adapters: the WebVid domain by default


def test_guidance_prompt_and_domain_reach_the_model(pipe: MovieFactoryPipeline) -> None:
    base = pipe("a red car", seed=5, guidance=4.0, **SMALL)  # type: ignore[arg-type]
    other = pipe("a blue boat", seed=5, guidance=4.0, **SMALL)  # type: ignore[arg-type]
    no_cfg = pipe("a red car", seed=5, guidance=1.0, **SMALL)  # type: ignore[arg-type]
    assert not torch.equal(base.latents, other.latents) and not torch.equal(base.latents, no_cfg.latents)
    with pytest.raises(InputError, match="unknown domain"):
        pipe("a red car", domain="anime", **SMALL)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="multiples of 8"):
        pipe("a red car", num_frames=2, height=30, width=64, steps=1)


def test_prediction_type_comes_from_the_folder(sd2: Path, tmp_path: Path, pipe: MovieFactoryPipeline) -> None:
    vpred = tmp_path / "sd2-v"
    shutil.copytree(sd2, vpred)
    cfg_path = vpred / "scheduler" / "scheduler_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["prediction_type"] = "v_prediction"
    cfg_path.write_text(json.dumps(cfg))
    for name in ("ddim", "dpm++", "euler"):
        assert make_scheduler(name, cfg).config.prediction_type == "v_prediction"
    assert make_scheduler("dpm++", cfg).config.algorithm_type == "dpmsolver++"
    v = MovieFactoryPipeline.from_folder(vpred)("a red car", seed=6, **SMALL)  # type: ignore[arg-type]
    eps = pipe("a red car", seed=6, **SMALL)  # type: ignore[arg-type]
    assert not torch.equal(v.latents, eps.latents)  # same weights and noise, different parameterisation


def test_chunked_decode_equals_one_pass(pipe: MovieFactoryPipeline) -> None:
    one = pipe("a red car", seed=7, decode_chunk=8, **SMALL)  # type: ignore[arg-type]
    per_frame = pipe("a red car", seed=7, decode_chunk=1, **SMALL)  # type: ignore[arg-type]
    assert np.abs(one.frames.astype(int) - per_frame.frames.astype(int)).max() <= 1


def test_init_latent_pulls_the_video_towards_it(pipe: MovieFactoryPipeline) -> None:
    prev = pipe("a red car", seed=8, **SMALL)  # type: ignore[arg-type]
    last = prev.latents[:, :, -1]  # (1, C, h, w)
    fresh = pipe("a plane", seed=9, **SMALL)  # type: ignore[arg-type]
    cont = pipe("a plane", seed=9, init_latent=last, strength=0.3, **{**SMALL, "steps": 4})  # type: ignore[arg-type]
    d_fresh = (fresh.latents[:, :, 0] - last).abs().mean()
    d_cont = (cont.latents[:, :, 0] - last).abs().mean()
    assert d_cont < 0.5 * d_fresh
    with pytest.raises(InputError, match="init_latent must be"):
        pipe("a plane", init_latent=last[:, :, :2], **SMALL)  # type: ignore[arg-type]


def test_backend_renders_two_scenes_to_decodable_clips(sd2: Path, tmp_path: Path) -> None:
    backend_cls = PICTURE.get("moviefactory")
    backend = backend_cls.from_settings(Settings(model=sd2, steps=2, guidance=3.0, scheduler="ddim"))
    movie = _movie()
    backend.prepare(movie)
    calls: list[tuple[int, int]] = []
    clips = []
    for scene in movie.scenes:
        out = tmp_path / "scenes" / scene.id / "clip.mp4"
        clips.append(backend.render(movie, scene, out, progress=lambda d, t: calls.append((d, t))))
    assert calls[-1] == (2, 2)
    decoded = []
    for clip in clips:
        info = probe(clip.path)
        frames = read_frames(clip.path)
        assert (clip.fps, clip.num_frames, clip.width, clip.height) == (8, 4, 64, 64)
        assert (info.width, info.height, info.num_frames) == (64, 64, 4) and abs(info.fps - 8) < 1e-6
        assert frames.shape == (4, 64, 64, 3) and frames.std() > 1.0
        assert any("zero initialisation" in w for w in clip.warnings)
        decoded.append(frames)
    assert np.abs(decoded[0].astype(int) - decoded[1].astype(int)).mean() > 1.0  # different prompts and seeds
    # re-rendering a scene gives the same pixels (seeded, deterministic)
    again = backend.render(movie, movie.scenes[0], tmp_path / "again.mp4")
    assert np.array_equal(read_frames(again.path), decoded[0])
    ident = backend.identity()
    assert ident["scheduler"] == "ddim" and ident["adapters_weights"] is None
    # the model is known by its content: a moved copy is the same model, changed weights are another
    moved = tmp_path / "moved-sd2"
    shutil.copytree(sd2, moved)
    settings = Settings(model=moved, steps=2, guidance=3.0, scheduler="ddim")
    assert backend_cls.from_settings(settings).identity() == ident
    w = next((moved / "unet").glob("diffusion_pytorch_model.*"))
    data = w.read_bytes()
    w.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    assert backend_cls.from_settings(settings).identity()["model_weights"] != ident["model_weights"]


@pytest.mark.slow
def test_backend_with_adapters_windows_and_continuity(sd2: Path, tmp_path: Path) -> None:
    from moviefactory.models.loading import load_sd2_components
    from moviefactory.models.unet import MovieFactoryConfig, MovieFactoryUNet

    unet = MovieFactoryUNet.from_base(
        load_sd2_components(sd2).unet, MovieFactoryConfig(base=str(sd2), num_frames=2)
    )
    adapters = unet.save_pretrained(tmp_path / "adapters")
    movie = _movie()
    plain = MovieFactoryBackend(sd2, adapters, steps=2, scheduler="euler")
    cont = MovieFactoryBackend(sd2, adapters, steps=2, scheduler="euler", continuity=0.5)
    outs = {}
    for tag, backend in (("plain", plain), ("cont", cont)):
        for scene in movie.scenes:
            clip = backend.render(
                movie, scene, tmp_path / tag / "scenes" / scene.id / "clip.mp4"
            )  # a movie folder
            assert clip.num_frames == 4 and any("3 overlapping windows" in w for w in clip.warnings)
            assert not any("zero initialisation" in w for w in clip.warnings)
            outs[tag, scene.id] = read_frames(clip.path)
    assert np.array_equal(
        outs["plain", "s01"], outs["cont", "s01"]
    )  # the first scene has nothing to continue
    assert not np.array_equal(outs["plain", "s02"], outs["cont", "s02"])
    assert (tmp_path / "cont" / "scenes" / "s01" / "last_latent.npy").is_file()
    # a fresh backend (e.g. a re-run that only re-renders s02) continues from the saved latent
    fresh = MovieFactoryBackend(sd2, adapters, steps=2, scheduler="euler", continuity=0.5)
    clip = fresh.render(movie, movie.scenes[1], tmp_path / "cont" / "scenes" / "s02" / "clip.mp4")
    assert np.array_equal(read_frames(clip.path), outs["cont", "s02"])
    # a hard cut does not continue
    cut = movie.model_copy(deep=True)
    cut.scenes[1].transition_in = Transition.cut
    clip = fresh.render(cut, cut.scenes[1], tmp_path / "cut" / "scenes" / "s02" / "clip.mp4")
    assert np.array_equal(read_frames(clip.path), outs["plain", "s02"])


def test_backend_errors_name_what_is_missing(sd2: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="needs --model PATH"):
        MovieFactoryBackend.from_settings(Settings())
    broken = tmp_path / "sd2"
    shutil.copytree(sd2, broken)
    shutil.rmtree(broken / "text_encoder")
    with pytest.raises(ModelLoadError, match=r"missing text_encoder/$"):
        MovieFactoryBackend.from_settings(Settings(model=broken))
    with pytest.raises(ModelLoadError, match=r"adapters folder .* is missing config\.json"):
        MovieFactoryBackend(sd2, tmp_path)
    with pytest.raises(InputError, match="continuity"):
        MovieFactoryBackend(sd2, continuity=1.0)


def test_context_windows_cover_every_frame() -> None:
    from moviefactory.picture.moviefactory import context_windows, default_overlap

    assert context_windows(16, 16, 4) == [0] and context_windows(3, 16, 4) == [0]
    assert context_windows(20, 16, 4) == [0, 4]  # the default 2.5 s scene at 8 fps
    assert context_windows(40, 16, 4) == [0, 12, 24]
    assert context_windows(41, 16, 4) == [0, 12, 24, 25]  # the last window flush with the end
    assert default_overlap(16) == 4 and default_overlap(2) == 1 and default_overlap(1) == 0
    with pytest.raises(InputError, match="overlap"):
        context_windows(20, 4, 4)


def test_overlapping_windows_blend_to_the_whole_clip_when_frames_are_independent(
    pipe: MovieFactoryPipeline,
) -> None:
    """At initialisation the temporal layers are the identity, so every frame's prediction is the same in
    any window: blending windows must then reproduce one pass over the whole clip."""
    seen: list[int] = []
    hook = pipe.unet.register_forward_pre_hook(lambda _m, args: seen.append(args[0].shape[2]))
    try:
        kw = {"num_frames": 5, "height": 32, "width": 64, "steps": 2, "seed": 11, "scheduler": "ddim"}
        whole = pipe("a red car", window=5, **kw)  # type: ignore[arg-type]
        assert seen == [5, 5]
        seen.clear()
        blended = pipe("a red car", window=3, overlap=1, shuffle_noise=False, **kw)  # type: ignore[arg-type]
        assert seen == [3, 3] * 2  # windows [0, 2] at each of the 2 steps
    finally:
        hook.remove()
    assert torch.allclose(blended.latents, whole.latents, atol=1e-4)
    shuffled = pipe("a red car", window=3, overlap=1, **kw)  # type: ignore[arg-type]
    again = pipe("a red car", window=3, overlap=1, **kw)  # type: ignore[arg-type]
    assert torch.equal(shuffled.latents, again.latents)  # FreeNoise rescheduling is seeded
    assert not torch.allclose(shuffled.latents[:, :, 3:], blended.latents[:, :, 3:], atol=1e-4)


@pytest.mark.parametrize("scheduler", ["ddim", "dpm++"])
def test_one_frame_at_init_matches_diffusers_stable_diffusion(
    pipe: MovieFactoryPipeline, scheduler: str
) -> None:
    """The zero-initialised video model samples what diffusers' own text-to-image pipeline samples."""
    from diffusers import StableDiffusionPipeline

    ours = pipe(
        "a red car", num_frames=1, height=32, width=64, steps=3, seed=4, scheduler=scheduler, guidance=5.0
    )
    sd = StableDiffusionPipeline(
        vae=pipe.vae,
        text_encoder=pipe.text_encoder,
        tokenizer=pipe.tokenizer,
        unet=pipe.unet.base,
        scheduler=make_scheduler(scheduler, pipe.scheduler_config),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    sd.set_progress_bar_config(disable=True)
    noise = torch.randn((1, 4, 4, 8), generator=torch.Generator("cpu").manual_seed(4))
    ref = sd("a red car", height=32, width=64, num_inference_steps=3, guidance_scale=5.0, latents=noise,
             output_type="latent").images  # fmt: skip
    assert torch.allclose(ours.latents[:, :, 0], ref, atol=2e-5)


def test_a_bad_model_fails_before_the_script_is_written(
    sd2: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from moviefactory.cli import main

    out = tmp_path / "movies"
    code = main(
        [
            "make",
            "a race between a car and an airplane",
            "--picture",
            "moviefactory",
            "--model",
            str(tmp_path / "nowhere"),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert (
        code != 0 and "model folder" in err and "does not exist" in err and len(err.strip().splitlines()) == 1
    )
    assert not out.exists() or not any(out.iterdir())  # no movie folder, no script
    code = main(
        [
            "make",
            "a race",
            "--picture",
            "moviefactory",
            "--model",
            str(sd2),
            "--adapters",
            str(tmp_path),
            "--out",
            str(out),
        ]
    )
    assert code != 0 and "is missing config.json" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_guidance_and_negative_prompt_flags_reach_the_backend(sd2: Path) -> None:
    import argparse

    from moviefactory.cli import _settings, _settings_args

    parser = argparse.ArgumentParser()
    _settings_args(parser)
    args = parser.parse_args(["--model", str(sd2), "--guidance", "3.5", "--negative-prompt", "blurry, text"])
    backend = MovieFactoryBackend.from_settings(_settings(args))
    assert (backend.guidance, backend.negative_prompt) == (3.5, "blurry, text")
    assert backend.identity()["negative_prompt"] == "blurry, text"


def test_clip_rate_comes_from_the_adapters_config(sd2: Path, tmp_path: Path) -> None:
    """Adapters trained on 4 fps clips: a 1 s scene is 4 frames written at 4 fps (not the paper's 8)."""
    from moviefactory.models.loading import load_sd2_components
    from moviefactory.models.unet import MovieFactoryConfig, MovieFactoryUNet

    unet = MovieFactoryUNet.from_base(
        load_sd2_components(sd2).unet, MovieFactoryConfig(base=str(sd2), num_frames=4, fps=4)
    )
    adapters = unet.save_pretrained(tmp_path / "adapters")
    movie = _movie()
    movie.scenes[0].duration_s = 1.0
    backend = MovieFactoryBackend(sd2, adapters, steps=1, scheduler="ddim", guidance=1.0)
    clip = backend.render(movie, movie.scenes[0], tmp_path / "m" / "scenes" / "s01" / "clip.mp4")
    info = probe(clip.path)
    assert (clip.fps, clip.num_frames) == (4, 4) and info.num_frames == 4 and abs(info.fps - 4) < 1e-6
