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
from moviefactory.picture.diffusers_t2v import DiffusersBackend, family_of, to_uint8_frames, valid_frame_count
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
    assert family_of("WanPipeline")[1:] == (16, 4, 1, 16)
    assert family_of("CogVideoXPipeline")[1:] == (8, 4, 1, 16)
    assert family_of("SomethingNew")[1:] == (8, 1, 0, 8)
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
