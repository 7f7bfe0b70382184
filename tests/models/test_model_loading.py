"""The SD2 folder loader, the tiny-model builder and `moviefactory dev tiny-model`."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
import torch

from moviefactory.errors import InputError, ModelLoadError
from moviefactory.models.loading import check_sd2_folder, load_sd2_components


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
        "config.json", "diffusion_pytorch_model.fp16.safetensors"
    ]  # fmt: skip
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


def test_single_file_checkpoint_is_refused_with_the_conversion(tmp_path: Path) -> None:
    ckpt = tmp_path / "v2-1_768-ema-pruned.safetensors"
    ckpt.write_bytes(b"\0" * 16)
    with pytest.raises(ModelLoadError, match=r"single file.*from_single_file"):
        check_sd2_folder(ckpt)
