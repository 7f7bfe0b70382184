"""The SD2 folder loader, the tiny-model builder and `moviefactory dev tiny-model`."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
import torch

from moviefactory.errors import InputError, ModelLoadError
from moviefactory.models.loading import check_sd2_folder, load_sd2_components
from moviefactory.weights import weights_id


def test_loader_reads_every_component(tiny_sd2: Path) -> None:
    comps = load_sd2_components(tiny_sd2)
    assert comps.unet.config.cross_attention_dim == comps.text_encoder.config.hidden_size == 32
    assert (
        comps.vae.config.latent_channels == 4 and len(comps.vae.config.block_out_channels) == 4
    )  # 8x factor
    assert comps.scheduler_config["prediction_type"] == "epsilon"
    assert not any(p.requires_grad for p in comps.unet.parameters())
    # byte-level tokenizer: every UTF-8 byte is a token, words end with a </w> symbol, padded to 77
    ids = comps.tokenizer(
        ["a car", "ünïcode ✓"], padding="max_length", max_length=77, return_tensors="pt"
    ).input_ids
    bos, eos = comps.tokenizer.bos_token_id, comps.tokenizer.eos_token_id
    assert ids.shape == (2, 77) and ids[0, 0] == bos and ids[0, 5] == eos  # <s> a</w> c a r</w> </s>
    assert comps.tokenizer.decode(ids[1], skip_special_tokens=True).replace(" ", "") == "ünïcode✓"
    assert comps.text_encoder(ids)[0].shape == (2, 77, 32)


def test_build_is_deterministic(tmp_path: Path, tiny_sd2: Path) -> None:
    from safetensors.torch import load_file

    from moviefactory.models.tiny import build_tiny_sd2

    again = build_tiny_sd2(tmp_path / "again", seed=0)
    for part in ("unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"):
        a, b = load_file(str(tiny_sd2 / part)), load_file(str(again / part))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(
    ("remove", "named"),
    [
        ("vae/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"),
        ("tokenizer", "tokenizer/"),
        ("scheduler/scheduler_config.json", "scheduler/scheduler_config.json"),
        ("text_encoder/config.json", "text_encoder/config.json"),
    ],
)
def test_incomplete_folder_names_what_is_missing(
    tiny_sd2: Path, tmp_path: Path, remove: str, named: str
) -> None:
    folder = tmp_path / "sd2"
    shutil.copytree(tiny_sd2, folder)
    target = folder / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(ModelLoadError, match=f"incomplete: missing {named}$"):
        load_sd2_components(folder)


def test_missing_folder_and_corrupt_config(tmp_path: Path, tiny_sd2: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        check_sd2_folder(tmp_path / "nope")
    folder = tmp_path / "sd2"
    shutil.copytree(tiny_sd2, folder)
    (folder / "unet" / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="model folder"):
        load_sd2_components(folder)


def test_dev_tiny_model_command(tmp_path: Path) -> None:
    from moviefactory.models import cli
    from moviefactory.models.unet import MovieFactoryUNet

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["dev", "tiny-model", str(tmp_path / "m"), "--adapters", str(tmp_path / "a")])
    assert args.func(args) == 0
    comps = load_sd2_components(tmp_path / "m")
    model = MovieFactoryUNet.from_pretrained(tmp_path / "a", comps.unet)
    assert model.config.num_frames == 4
    args = parser.parse_args(["dev", "tiny-model", str(tmp_path / "m")])
    with pytest.raises(InputError, match="not an empty folder"):
        args.func(args)


def test_folders_as_current_diffusers_and_transformers_save_them(tiny_sd2: Path, tmp_path: Path) -> None:
    """tokenizer.json only (transformers 5), weights only as the ".fp16" variant (variant="fp16")."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    folder = tmp_path / "saved"
    shutil.copytree(
        tiny_sd2, folder, ignore=shutil.ignore_patterns("tokenizer", "unet", "vae", "text_encoder")
    )
    ref = load_sd2_components(tiny_sd2)
    CLIPTokenizer.from_pretrained(tiny_sd2 / "tokenizer").save_pretrained(folder / "tokenizer")
    assert (
        not (folder / "tokenizer" / "vocab.json").exists()
        and (folder / "tokenizer" / "tokenizer.json").is_file()
    )
    for sub, cls in (("unet", UNet2DConditionModel), ("vae", AutoencoderKL), ("text_encoder", CLIPTextModel)):
        cls.from_pretrained(tiny_sd2 / sub).half().save_pretrained(folder / sub, variant="fp16")  # type: ignore[attr-defined]
    assert sorted(p.name for p in (folder / "unet").iterdir()) == [
        "config.json",
        "diffusion_pytorch_model.fp16.safetensors",
    ]
    comps = load_sd2_components(folder)
    assert comps.unet.dtype == torch.float32  # upcast from the fp16 file
    for k, v in ref.unet.state_dict().items():
        assert torch.equal(comps.unet.state_dict()[k], v.half().float()), k
    text = ["a red car ✓"]
    ids = comps.tokenizer(text, padding="max_length", max_length=77, return_tensors="pt").input_ids
    ref_ids = ref.tokenizer(text, padding="max_length", max_length=77, return_tensors="pt").input_ids
    assert torch.equal(ids, ref_ids)
    # neither tokenizer form present: both named
    shutil.rmtree(folder / "tokenizer")
    (folder / "tokenizer").mkdir()
    with pytest.raises(ModelLoadError, match=r"missing tokenizer/vocab\.json, tokenizer/merges\.txt"):
        check_sd2_folder(folder)


@pytest.fixture(scope="module")
def single_files(tiny_sd2: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny SD2 folder written as original-layout checkpoints, as SD 2.x is published."""
    from moviefactory.models.tiny import save_single_file

    root = tmp_path_factory.mktemp("single")
    return {
        s: save_single_file(tiny_sd2, root / f"tiny-v2-1_768-ema-pruned{s}")
        for s in (".safetensors", ".ckpt")
    }


@pytest.mark.parametrize("suffix", [".safetensors", ".ckpt"])
def test_single_file_checkpoint_loads_as_its_folder(
    tiny_sd2: Path, single_files: dict[str, Path], suffix: str
) -> None:
    ref = load_sd2_components(tiny_sd2)
    comps = load_sd2_components(single_files[suffix], sd_config=tiny_sd2)
    for part in ("unet", "vae", "text_encoder"):
        a, b = getattr(ref, part).state_dict(), getattr(comps, part).state_dict()
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), part
    assert comps.scheduler_config["prediction_type"] == "epsilon" and comps.folder == single_files[suffix]
    ids = comps.tokenizer(["a red car"], padding="max_length", max_length=77, return_tensors="pt").input_ids
    assert torch.equal(comps.text_encoder(ids)[0], ref.text_encoder(ids)[0])


def test_single_file_checkpoint_takes_its_configs_from_the_hub_cache_by_name(
    tiny_sd2: Path, single_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --sd-config: a '768' file uses the cached stabilityai/stable-diffusion-2-1 configs (v-prediction),
    exactly as the cache lays them out; nothing cached: the message says what to give or fetch."""
    import json

    from huggingface_hub import constants

    from moviefactory.models.loading import single_file_config

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    file = single_files[".safetensors"]
    with pytest.raises(ModelLoadError) as err:
        check_sd2_folder(file)
    assert str(err.value) == (
        f"--model {file} is a single-file checkpoint: its configs and tokenizer come from "
        "stabilityai/stable-diffusion-2-1, which is not in the Hugging Face cache; give --sd-config DIR (a Stable "
        "Diffusion 2 folder in diffusers layout, only its configs and tokenizer are read) or fetch them once: "
        "huggingface-cli download stabilityai/stable-diffusion-2-1 --include '*.json' '*.txt'"
    )
    repo = tmp_path / "hub" / "models--stabilityai--stable-diffusion-2-1"
    snap = repo / "snapshots" / ("0" * 40)
    shutil.copytree(tiny_sd2, snap, ignore=shutil.ignore_patterns("*.safetensors"))  # configs only
    sched = snap / "scheduler" / "scheduler_config.json"
    sched.write_text(json.dumps({**json.loads(sched.read_text()), "prediction_type": "v_prediction"}))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    assert single_file_config(file) == snap
    assert load_sd2_components(file).scheduler_config["prediction_type"] == "v_prediction"


def test_single_file_checkpoint_errors_are_exact(
    tiny_sd2: Path, single_files: dict[str, Path], tmp_path: Path
) -> None:
    from safetensors.torch import load_file, save_file

    file = single_files[".safetensors"]
    plain = tmp_path / "my-finetune.safetensors"
    shutil.copy(file, plain)
    with pytest.raises(
        ModelLoadError, match=r"its name does not say which SD 2 it is .* give --sd-config DIR"
    ):
        check_sd2_folder(plain)
    assert check_sd2_folder(plain, tiny_sd2) == plain  # with the configs: fine
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    with pytest.raises(ModelLoadError, match=r"is a file but not a checkpoint"):
        check_sd2_folder(notes, tiny_sd2)
    state = load_file(str(file))
    sd1 = {k.replace("cond_stage_model.model.", "cond_stage_model.transformer."): v for k, v in state.items()}
    save_file(sd1, str(tmp_path / "sd15.safetensors"))
    with pytest.raises(ModelLoadError, match=r"a SD 1\.x or other checkpoint .* built on Stable Diffusion 2"):
        check_sd2_folder(tmp_path / "sd15.safetensors", tiny_sd2)
    # configs of another model: the cross-attention width disagrees (32 in the file)
    other = tmp_path / "other"
    shutil.copytree(tiny_sd2, other)
    cfg = other / "unet" / "config.json"
    cfg.write_text(cfg.read_text().replace('"cross_attention_dim": 32', '"cross_attention_dim": 1024'))
    with pytest.raises(ModelLoadError, match=r"cross-attention width is 32, the configs in .* say 1024"):
        check_sd2_folder(plain, other)
    shutil.rmtree(other / "tokenizer")
    (other / "model_index.json").unlink()
    with pytest.raises(ModelLoadError, match=r"is incomplete: missing model_index\.json, tokenizer/$"):
        check_sd2_folder(plain, other)
    with pytest.raises(
        ModelLoadError, match=r"does not exist .* a single-file checkpoint .* Hugging Face id"
    ):
        check_sd2_folder(tmp_path / "nowhere.safetensors")


def test_single_file_flags_reach_the_loaders(
    tiny_sd2: Path, single_files: dict[str, Path], tmp_path: Path
) -> None:
    """`make --model FILE --sd-config DIR` and `train ... --sd-config DIR`; `dev tiny-model --single-file`."""
    from moviefactory.cli import _settings, _settings_args
    from moviefactory.picture.moviefactory import MovieFactoryBackend
    from moviefactory.training import cli as train_cli

    parser = argparse.ArgumentParser()
    _settings_args(parser)
    file = single_files[".safetensors"]
    args = parser.parse_args(["--model", str(file), "--sd-config", str(tiny_sd2)])
    backend = MovieFactoryBackend.from_settings(_settings(args))
    ident = backend.identity()
    assert ident["model_weights"] == weights_id(file) and ident["sd_config"] == weights_id(tiny_sd2)
    parser = argparse.ArgumentParser()
    train_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "train",
            "spatial",
            "--model",
            str(file),
            "--sd-config",
            str(tiny_sd2),
            "--data",
            f"folder:{tmp_path}",
            "--output",
            str(tmp_path / "run"),
        ]
    )
    assert train_cli.config_from_args(args).sd_config == tiny_sd2  # type: ignore[attr-defined]

    from moviefactory.models import cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["dev", "tiny-model", str(tmp_path / "m"), "--single-file", str(tmp_path / "m.ckpt")]
    )
    assert args.func(args) == 0
    made = load_sd2_components(tmp_path / "m.ckpt", sd_config=tmp_path / "m")
    assert torch.equal(made.unet.conv_in.weight, load_sd2_components(tmp_path / "m").unet.conv_in.weight)


LOAD_AND_RENDER = """
import sys
from pathlib import Path

import torch
from diffusers import MotionAdapter

from moviefactory.models.loading import load_sd2_components
from moviefactory.picture.diffusers_t2v import DiffusersBackend
from moviefactory.picture.moviefactory import MovieFactoryPipeline
from moviefactory.spec import Movie, Scene, Style

sd, single, out = (Path(a) for a in sys.argv[1:4])
load_sd2_components(single, sd_config=sd)
MovieFactoryPipeline.from_folder(sd)("a car", num_frames=2, height=32, width=32, steps=1)
MotionAdapter(block_out_channels=(32, 64), motion_layers_per_block=1, motion_num_attention_heads=2,
              motion_norm_num_groups=8, motion_max_seq_length=8).save_pretrained(out / "motion")
movie = Movie(request="a race", title="Race", style=Style(width=64, height=64),
              scenes=[Scene(id="s01", prompt="a red car", duration_s=0.5, seed=1)])
backend = DiffusersBackend(sd, adapters=out / "motion", steps=1)
backend.render(movie, movie.scenes[0], out / "movie" / "scenes" / "s01" / "clip.mp4")
print("rendered")
"""


def test_loading_and_rendering_print_nothing(
    tiny_sd2: Path, single_files: dict[str, Path], tmp_path: Path
) -> None:
    """A fresh process that loads a single file and a folder and renders through both picture backends writes
    nothing to stderr: no load bars, "kept in float32: []" notices, image-processor or torch_dtype warnings
    (they would break the CLI's progress display)."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", LOAD_AND_RENDER, str(tiny_sd2), str(single_files[".ckpt"]), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == "rendered\n" and proc.stderr == ""


def test_sharded_weights_load(tiny_sd2: Path, tmp_path: Path) -> None:
    """A UNet saved in shards (an index + several safetensors files), as large models are published."""
    from diffusers import UNet2DConditionModel

    folder = tmp_path / "sharded"
    shutil.copytree(tiny_sd2, folder, ignore=shutil.ignore_patterns("unet"))
    UNet2DConditionModel.from_pretrained(tiny_sd2 / "unet").save_pretrained(
        folder / "unet", max_shard_size="200KB"
    )
    shards = sorted(p.name for p in (folder / "unet").glob("*.safetensors"))
    assert len(shards) > 1 and (folder / "unet" / "diffusion_pytorch_model.safetensors.index.json").is_file()
    ref, comps = load_sd2_components(tiny_sd2), load_sd2_components(folder)
    a, b = ref.unet.state_dict(), comps.unet.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _cache_snapshot(hub: Path, repo_id: str, source: Path) -> Path:
    """`source` laid out as the Hugging Face cache holds a downloaded repository (refs/main -> snapshot)."""
    repo = hub / f"models--{repo_id.replace('/', '--')}"
    snap = repo / "snapshots" / ("1" * 40)
    shutil.copytree(source, snap)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("1" * 40)
    return snap


def test_hugging_face_ids_resolve_to_the_local_cache(
    tiny_sd2: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--model stabilityai/stable-diffusion-2-1-base` (and a diffusers pipeline / MotionAdapter id) use the
    cached snapshot; an id that is not cached is reported like a missing folder. Nothing is downloaded."""
    from huggingface_hub import constants

    from moviefactory.picture.diffusers_t2v import check_pipeline_folder

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.chdir(tmp_path)  # no local folder of that name
    repo_id = "stabilityai/stable-diffusion-2-1-base"
    with pytest.raises(ModelLoadError, match=r"does not exist .* or a Hugging Face id in the local cache"):
        check_sd2_folder(repo_id)
    snap = _cache_snapshot(tmp_path / "hub", repo_id, tiny_sd2)
    assert check_sd2_folder(repo_id) == snap
    comps = load_sd2_components(repo_id)
    assert torch.equal(comps.unet.conv_in.weight, load_sd2_components(tiny_sd2).unet.conv_in.weight)
    root, index = check_pipeline_folder(repo_id)
    assert root == snap and index["_class_name"] == "StableDiffusionPipeline"
    with pytest.raises(ModelLoadError, match=r"does not exist \(expected a diffusers pipeline folder"):
        check_pipeline_folder("nobody/nothing")
