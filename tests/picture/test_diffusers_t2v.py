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
    memory_need_gib,
    to_uint8_frames,
    valid_frame_count,
    weights_gib,
)
from moviefactory.spec import Movie, Scene, Style
from moviefactory.weights import weights_id


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
        16,
        4,
        1,
        16,
        (832, 480),
        81,
    )
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
        block_out_channels=(32, 64),
        motion_layers_per_block=1,
        motion_num_attention_heads=2,
        motion_norm_num_groups=8,
        motion_max_seq_length=8,
    ).save_pretrained(root / "motion")
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
    assert backend.identity()["motion_adapter_weights"] == weights_id(motion)
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


@pytest.fixture(scope="module")
def i2v(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny CogVideoXImageToVideoPipeline (T5 tokenizer from a vocabulary written here) and a tiny Stable
    Diffusion text-to-image folder for key frames."""
    import string

    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXImageToVideoPipeline,
        CogVideoXTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel, T5TokenizerFast

    from moviefactory.models.tiny import build_tiny_sd2

    root = tmp_path_factory.mktemp("i2v")
    pieces = "▁" + string.ascii_lowercase + string.digits + ".,"
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + [
        (c, -1.0 - i / 100) for i, c in enumerate(pieces)
    ]
    tokenizer = T5TokenizerFast(vocab=vocab, extra_ids=0)
    torch.manual_seed(0)
    text_encoder = T5EncoderModel(
        T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=37, num_layers=1, num_heads=4,
                 relative_attention_num_buckets=8, decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    )  # fmt: skip
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16, in_channels=8, out_channels=4, time_embed_dim=2,
        text_embed_dim=32, num_layers=1, sample_width=8, sample_height=8, sample_frames=9, patch_size=2,
        temporal_compression_ratio=4, max_text_seq_length=16, use_rotary_positional_embeddings=True,
    )  # fmt: skip
    vae = AutoencoderKLCogVideoX(
        down_block_types=("CogVideoXDownBlock3D",) * 4, up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8), latent_channels=4, layers_per_block=1, norm_num_groups=2,
        temporal_compression_ratio=4,
    )  # fmt: skip
    CogVideoXImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        transformer=transformer,
        scheduler=CogVideoXDDIMScheduler(),
    ).save_pretrained(root / "cog")
    return root / "cog", build_tiny_sd2(root / "sd", seed=0)


def _i2v_movie() -> Movie:
    from moviefactory.spec import Character

    return Movie(
        request="a race",
        title="Race",
        style=Style(width=64, height=64),
        characters=[Character(id="ada", name="Ada", kind="car", description="a small red car")],
        scenes=[
            Scene(id="s01", prompt="a red car on a road", duration_s=0.5, seed=1, subjects=["ada"]),
            Scene(id="s02", prompt="the car reaches a bridge", duration_s=0.5, seed=2, transition_s=0.25),
        ],
    )


def test_image_to_video_scenes_continue_from_the_last_frame(
    i2v: tuple[Path, Path], t2v: Path, tmp_path: Path
) -> None:
    """CogVideoX I2V: scene 1 starts from a key frame drawn from its character's reference image, scene 2
    from scene 1's last frame (saved, so a re-run of scene 2 alone continues the same); a hard cut or
    --continuity 0 starts from a key frame instead."""
    from PIL import Image

    from moviefactory.spec import Transition

    cog, sd = i2v
    with pytest.raises(ModelLoadError, match=r"starts every scene from an image: give --image-model DIR"):
        DiffusersBackend(cog)
    with pytest.raises(ModelLoadError, match=r"must be a text-to-image pipeline folder"):
        DiffusersBackend(cog, image_model=cog)
    movie = _i2v_movie()
    settings = Settings(model=cog, image_model=sd, steps=2, guidance=2.0, continuity=0.5)
    backend = DiffusersBackend.from_settings(settings)
    assert backend.image_to_video and backend.continuity == 0.5 and backend.fps == 8
    starts: dict[str, np.ndarray] = {}
    start_image = backend._start_image

    def spy(movie: Movie, scene: Scene, *args: object) -> object:
        image = start_image(movie, scene, *args)  # type: ignore[arg-type]
        starts[scene.id] = np.asarray(image)
        return image

    backend._start_image = spy  # type: ignore[method-assign]
    clips = {}
    for scene in movie.scenes:
        clips[scene.id] = backend.render(movie, scene, tmp_path / "m" / "scenes" / scene.id / "clip.mp4")
    ref = np.asarray(Image.open(tmp_path / "m" / "characters" / "ada.png"))
    assert ref.shape == (64, 64, 3) and ref.std() > 1.0  # the tiny SD's native square
    last = np.asarray(Image.open(tmp_path / "m" / "scenes" / "s01" / "last_frame.png"))
    assert starts["s02"].shape == (64, 64, 3) and np.array_equal(starts["s02"], last)
    assert not np.array_equal(starts["s01"], last)
    frames = {k: read_frames(c.path) for k, c in clips.items()}
    assert all(f.shape == (4, 64, 64, 3) and f.std() > 1.0 for f in frames.values())
    err = [np.abs(f.astype(int) - last.astype(int)).mean() for f in frames["s01"]]
    assert err[-1] == min(err)  # it is the clip's last frame (before the codec's loss)

    # a fresh backend re-rendering only s02 continues from the saved frame: the same clip
    fresh = DiffusersBackend.from_settings(settings)
    again = fresh.render(movie, movie.scenes[1], tmp_path / "m" / "scenes" / "s02" / "again.mp4")
    assert np.array_equal(read_frames(again.path), frames["s02"])
    # a hard cut (or no continuity) starts from a key frame of the prompt: another clip
    cut = movie.model_copy(deep=True)
    cut.scenes[1].transition_in = Transition.cut
    clip = fresh.render(cut, cut.scenes[1], tmp_path / "cut" / "scenes" / "s02" / "clip.mp4")
    assert not np.array_equal(read_frames(clip.path), frames["s02"])
    ident = backend.identity()
    assert ident["continuity"] == 0.5 and ident["image_model_weights"] == weights_id(sd)
    # text-to-video families take no image: continuity is off and their identity unchanged
    t2v_backend = DiffusersBackend(t2v, continuity=0.5)
    assert t2v_backend.continuity == 0.0 and "image_model_weights" not in t2v_backend.identity()


def test_key_frame_from_a_reference_with_one_step(i2v: tuple[Path, Path]) -> None:
    """--steps 1: image-to-image runs int(steps x 0.8) = 0 steps in diffusers (an empty-tensor crash); key
    frames from a reference take the fewest steps that leave one."""
    from PIL import Image

    cog, sd = i2v
    backend = DiffusersBackend(cog, image_model=sd, steps=1)
    backend.prepare(_i2v_movie())
    reference = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    image = backend._draw("a red car", (48, 32), seed=0, reference=reference)
    assert image.size == (48, 32) and np.asarray(image).std() > 1.0


def test_memory_need_follows_the_weights_in_the_folder(t2v: Path, tmp_path: Path) -> None:
    """The offload tier follows what the folder holds (parameters from safetensors headers, 2 bytes each in
    bf16; a part saved in full precision and as the fp16 variant counts once), so Wan 14B on a 24 GB card is
    offloaded where Wan 1.3B is not."""
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(t2v)
    numel = sum(
        v.numel()
        for part in ("unet", "vae", "text_encoder")
        for v in getattr(pipe, part).state_dict().values()
    )
    assert weights_gib(t2v) == pytest.approx(2 * numel / 2**30, rel=1e-9)
    both = tmp_path / "both"
    shutil.copytree(t2v, both)
    pipe.unet.half().save_pretrained(both / "unet", variant="fp16")
    assert weights_gib(both) == pytest.approx(weights_gib(t2v), rel=1e-9)  # not counted twice
    (both / "unet" / "diffusion_pytorch_model.safetensors").unlink()
    assert weights_gib(both) == pytest.approx(weights_gib(t2v), rel=1e-9)  # the variant alone counts
    wan = family_of("WanPipeline")
    assert memory_need_gib(wan, 14.0) == 20.0 and memory_need_gib(wan, 0.001) == wan.full_gpu_gb
    need_14b = memory_need_gib(wan, 40.0)  # Wan 2.1 14B: 28 GiB transformer + 11 GiB UMT5 + VAE
    assert need_14b == 52.0
    assert choose_offload(wan, 24.0) == "none" and choose_offload(wan, 24.0, need_gb=need_14b) == "sequential"
    assert choose_offload(wan, 32.0, need_gb=need_14b) == "model"  # a 32 GB card holds one part at a time
