"""`--picture diffusers`: a tiny TextToVideoSDPipeline (ModelScope layout) saved at test time, loaded back
through DiffusionPipeline.from_pretrained by the backend."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from moviefactory.config import Settings
from moviefactory.errors import ModelLoadError
from moviefactory.media import probe, read_frames
from moviefactory.picture import PICTURE
from moviefactory.picture.diffusers_t2v import (
    DEFAULT_FAMILY,
    DiffusersBackend,
    choose_offload,
    crop_box,
    family_of,
    to_uint8_frames,
    valid_frame_count,
)
from moviefactory.spec import Movie, Scene, Style


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def t2v(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from diffusers import AutoencoderKL, DDIMScheduler, TextToVideoSDPipeline, UNet3DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    from moviefactory.models.tiny import build_tiny_sd2, tiny_vae_config

    root = tmp_path_factory.mktemp("t2v")
    sd2 = build_tiny_sd2(root / "sd2", seed=0)  # reuse its tiny CLIP text encoder and byte-level tokenizer
    torch.manual_seed(0)
    unet = UNet3DConditionModel(
        block_out_channels=(16, 32), layers_per_block=1, sample_size=8, in_channels=4, out_channels=4,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"), up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=32, attention_head_dim=8, norm_num_groups=4,
    )  # fmt: skip
    torch.manual_seed(1)
    vae = AutoencoderKL(**tiny_vae_config())  # type: ignore[arg-type]
    pipe = TextToVideoSDPipeline(
        vae=vae,
        text_encoder=CLIPTextModel.from_pretrained(sd2 / "text_encoder"),
        tokenizer=CLIPTokenizer.from_pretrained(sd2 / "tokenizer"),
        unet=unet,
        scheduler=DDIMScheduler.from_pretrained(sd2 / "scheduler"),
    )
    out = root / "t2v"
    pipe.save_pretrained(out)
    return out


def _movie() -> Movie:
    return Movie(
        request="a race",
        title="Race",
        style=Style(width=64, height=64),
        scenes=[
            Scene(id="s01", prompt="a red car", duration_s=0.5, seed=1),
            Scene(id="s02", prompt="an airplane", duration_s=0.5, seed=2, transition_s=0.25),
        ],
    )


def test_renders_scenes_through_a_local_pipeline_folder(t2v: Path, tmp_path: Path) -> None:
    backend = PICTURE.get("diffusers").from_settings(Settings(model=t2v, steps=2, guidance=3.0))
    movie = _movie()
    backend.prepare(movie)
    steps: list[tuple[int, int]] = []
    decoded = []
    for scene in movie.scenes:
        clip = backend.render(
            movie, scene, tmp_path / scene.id / "clip.mp4", progress=lambda d, t: steps.append((d, t))
        )
        info = probe(clip.path)
        frames = read_frames(clip.path)
        assert (clip.fps, clip.num_frames, clip.width, clip.height, clip.backend) == (
            8,
            4,
            64,
            64,
            "diffusers",
        )
        assert (info.width, info.height, info.num_frames) == (64, 64, 4)
        assert frames.std() > 1.0
        decoded.append(frames)
    assert steps[-1] == (2, 2)
    assert np.abs(decoded[0].astype(int) - decoded[1].astype(int)).mean() > 1.0
    again = backend.render(movie, movie.scenes[0], tmp_path / "again.mp4")
    assert np.array_equal(read_frames(again.path), decoded[0])  # seeded
    assert backend.identity()["class"] == "TextToVideoSDPipeline"


def test_incomplete_or_missing_pipeline_folder(t2v: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="needs --model PATH"):
        DiffusersBackend.from_settings(Settings())
    with pytest.raises(ModelLoadError, match=r"missing model_index\.json"):
        DiffusersBackend(tmp_path)
    broken = tmp_path / "t2v"
    shutil.copytree(t2v, broken)
    shutil.rmtree(broken / "unet")
    with pytest.raises(ModelLoadError, match=r"incomplete: missing unet/$"):
        DiffusersBackend(broken)
    assert json.loads((t2v / "model_index.json").read_text())["_class_name"] == "TextToVideoSDPipeline"


def test_family_rules_and_frame_conversion() -> None:
    wan, cog = family_of("WanPipeline"), family_of("CogVideoXPipeline")
    assert (wan.fps, wan.frame_a, wan.frame_b, wan.size_multiple, wan.native_size, wan.native_frames) == (
        16, 4, 1, 16, (832, 480), 81,
    )  # fmt: skip
    assert (cog.fps, cog.native_size, cog.native_frames) == (8, (720, 480), 49)
    assert family_of("LTXPipeline").native_size == (704, 512) and family_of("LTXPipeline").fps == 24
    assert family_of("AnimateDiffPipeline").native_size == (512, 512)
    assert family_of("SomethingNew") == DEFAULT_FAMILY and DEFAULT_FAMILY.native_size is None
    assert (
        valid_frame_count(16, 4, 1) == 17
        and valid_frame_count(17, 4, 1) == 17
        and valid_frame_count(3, 8, 1) == 9
    )
    assert valid_frame_count(5, 1, 0) == 5
    floats = np.linspace(0, 1, 2 * 3 * 4 * 5 * 3).reshape(2, 3, 4, 5, 3)
    u8 = to_uint8_frames(floats)
    assert u8.shape == (3, 4, 5, 3) and u8.dtype == np.uint8 and u8.max() <= 255
    from PIL import Image

    pils = [[Image.fromarray(f) for f in u8]]
    assert np.array_equal(to_uint8_frames(pils), u8)


def test_memory_tier_and_crop_rules() -> None:
    wan = family_of("WanPipeline")  # needs ~20 GiB whole
    assert choose_offload(wan, None) == "none"  # no GPU
    assert choose_offload(wan, 24.0) == "none"
    assert choose_offload(wan, 12.0) == "model"  # a 12 GB consumer card
    assert choose_offload(wan, 8.0) == "sequential"
    assert choose_offload(wan, 80.0, "sequential") == "sequential"
    # Wan's 832x480 to the cinematic 2.35:1: full width, the middle 354 rows
    assert crop_box((832, 480), 2.35) == (0, 63, 832, 417)
    assert crop_box((512, 512), 1.0) == (0, 0, 512, 512)
    assert crop_box((720, 480), 9 / 16) == (225, 0, 495, 480)


@pytest.fixture(scope="module")
def sd_and_motion(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny SD folder (StableDiffusionPipeline layout) and a tiny MotionAdapter saved on its own, as
    AnimateDiff weights are published; the motion module knows 8 frame positions."""
    from diffusers import MotionAdapter

    from moviefactory.models.tiny import build_tiny_sd2

    root = tmp_path_factory.mktemp("animatediff")
    sd = build_tiny_sd2(root / "sd", seed=0)
    torch.manual_seed(0)
    MotionAdapter(
        block_out_channels=(32, 64), motion_layers_per_block=1, motion_num_attention_heads=2,
        motion_norm_num_groups=8, motion_max_seq_length=8,
    ).save_pretrained(root / "motion")  # fmt: skip
    return sd, root / "motion"


def test_motion_adapter_folder_with_an_sd_folder_renders_long_scenes(
    sd_and_motion: tuple[Path, Path], tmp_path: Path
) -> None:
    sd, motion = sd_and_motion
    backend = DiffusersBackend.from_settings(Settings(model=sd, adapters=motion, steps=2, guidance=2.0))
    assert backend.class_name == "AnimateDiffPipeline" and backend.fps == 8
    movie = Movie(
        request="a race", title="Race", style=Style(width=96, height=40),
        scenes=[Scene(id="s01", prompt="a red car", duration_s=1.5, seed=3)],
    )  # fmt: skip
    # 12 frames > the motion module's 8 positions: diffusers alone fails ("size of tensor a (12) must
    # match ... (8)"); the backend runs FreeNoise context windows
    clip = backend.render(movie, movie.scenes[0], tmp_path / "clip.mp4")
    frames = read_frames(clip.path)
    assert clip.num_frames == 12 and frames.shape == (12, 40, 96, 3) and frames.std() > 1.0
    assert any("FreeNoise context windows of 8" in w for w in clip.warnings)
    assert any("generated at 64x64, centre-cropped to 64x27" in w for w in clip.warnings)
    assert backend.identity()["motion_adapter"] == str(motion.resolve())
    short = movie.model_copy(deep=True)
    short.scenes[0].duration_s = 0.5
    clip = backend.render(short, short.scenes[0], tmp_path / "short.mp4")
    assert clip.num_frames == 4 and not any("FreeNoise" in w for w in clip.warnings)


def test_motion_adapter_and_text_to_image_folders_alone_are_refused(
    sd_and_motion: tuple[Path, Path], t2v: Path
) -> None:
    sd, motion = sd_and_motion
    with pytest.raises(ModelLoadError, match="MotionAdapter: give it as --adapters"):
        DiffusersBackend(motion)
    with pytest.raises(ModelLoadError, match=r"text-to-image pipeline .*--adapters MOTION_ADAPTER"):
        DiffusersBackend(sd)
    with pytest.raises(ModelLoadError, match="not a MotionAdapter folder"):
        DiffusersBackend(sd, adapters=sd)
    with pytest.raises(ModelLoadError, match="combines with a StableDiffusionPipeline folder"):
        DiffusersBackend(t2v, adapters=motion)
