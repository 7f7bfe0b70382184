"""A tiny Stable-Diffusion-2-shaped model folder with random weights, built from config.

Used by tests (ours and other stages') and by `moviefactory dev tiny-model DIR` to exercise the real loaders
and pipelines offline, in seconds, on CPU. It draws noise, not pictures: never use it for output quality.

Layout (diffusers, like a real SD2 folder): unet/, vae/, text_encoder/, tokenizer/ (a byte-level CLIP BPE
vocabulary written here: 256 byte symbols, their end-of-word variants, two special tokens, no merges),
scheduler/ (DDIM, SD2 beta schedule), model_index.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

TINY_CROSS_DIM = 32  # text hidden size = UNet cross-attention dim
TINY_MAX_TOKENS = 77


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2 / CLIP byte -> printable unicode symbol table (256 entries)."""
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs), strict=True))


def write_byte_level_clip_tokenizer(directory: Path, max_length: int = TINY_MAX_TOKENS) -> Path:
    """Write vocab.json, merges.txt and tokenizer_config.json for a CLIPTokenizer with no merges: every
    UTF-8 byte is one token (the last byte of a word carries the </w> end-of-word mark)."""
    directory.mkdir(parents=True, exist_ok=True)
    symbols = list(_bytes_to_unicode().values())
    vocab: dict[str, int] = {}
    for s in symbols:
        vocab[s] = len(vocab)
    for s in symbols:
        vocab[s + "</w>"] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (directory / "merges.txt").write_text("#version: 0.2\n")
    config = {
        "tokenizer_class": "CLIPTokenizer",
        "model_max_length": max_length,
        "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
        "do_lower_case": True,
    }
    (directory / "tokenizer_config.json").write_text(json.dumps(config, indent=2))
    (directory / "special_tokens_map.json").write_text(
        json.dumps({k: config[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token")}, indent=2)
    )
    return directory


def tiny_vae_config() -> dict[str, object]:
    """AutoencoderKL with SD's 8x spatial factor (4 levels) and 4 latent channels, but 16-32 channels."""
    return dict(
        in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1, norm_num_groups=8, sample_size=64,
        down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
        block_out_channels=[16, 16, 32, 32],
    )  # fmt: skip


def build_tiny_sd2(
    directory: str | Path, seed: int = 0, prediction_type: Literal["epsilon", "v_prediction"] = "epsilon"
) -> Path:
    """Build and save a tiny random SD2-shaped folder at `directory` (created); returns the path.

    Deterministic for a seed: the same folder content (weights included) every time.
    """
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    tok_dir = write_byte_level_clip_tokenizer(root / "tokenizer")
    vocab = json.loads((tok_dir / "vocab.json").read_text())

    torch.manual_seed(seed)
    unet: Any = UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        norm_num_groups=8,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=TINY_CROSS_DIM,
        attention_head_dim=(2, 4),  # diffusers reads this as heads per block (SD2's naming): head dim 16
        use_linear_projection=True,
    )
    unet.save_pretrained(root / "unet")

    torch.manual_seed(seed + 1)
    vae: Any = AutoencoderKL(**tiny_vae_config())  # type: ignore[arg-type]
    vae.save_pretrained(root / "vae")

    torch.manual_seed(seed + 2)
    text_config = CLIPTextConfig(
        vocab_size=len(vocab),
        hidden_size=TINY_CROSS_DIM,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=TINY_MAX_TOKENS,
        projection_dim=TINY_CROSS_DIM,
        bos_token_id=vocab["<|startoftext|>"],
        eos_token_id=vocab["<|endoftext|>"],
        pad_token_id=vocab["<|endoftext|>"],
        hidden_act="gelu",
    )
    CLIPTextModel(text_config).save_pretrained(root / "text_encoder")

    scheduler: Any = DDIMScheduler(
        num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
        clip_sample=False, set_alpha_to_one=False, steps_offset=1, prediction_type=prediction_type,
    )  # fmt: skip
    scheduler.save_pretrained(root / "scheduler")

    index = {
        "_class_name": "StableDiffusionPipeline",
        "_diffusers_version": "0.30.0",
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "scheduler": ["diffusers", "DDIMScheduler"],
        "safety_checker": [None, None],
        "feature_extractor": [None, None],
        "requires_safety_checker": False,
    }
    (root / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")
    return root


def build_tiny_modelscope_unet(directory: str | Path, seed: int = 0, *, trained: bool = True) -> Path:
    """Save a tiny ModelScope-shaped UNet3DConditionModel (the block layout and head dim of build_tiny_sd2's
    UNet) as `directory/unet`; returns `directory`. `trained`: every temporal parameter is drawn at random
    (ModelScope's zero-initialised last convs included), as trained weights would be."""
    import torch
    from diffusers import UNet3DConditionModel

    root = Path(directory)
    torch.manual_seed(seed)
    unet: Any = UNet3DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=(32, 64), layers_per_block=1,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"), up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=TINY_CROSS_DIM, attention_head_dim=16, norm_num_groups=8,
    )  # fmt: skip
    if trained:
        g = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            for name, p in unet.named_parameters():
                if ".temp_" in name:
                    p.copy_(
                        torch.randn(p.shape, generator=g) * 0.1
                        + (1.0 if name.endswith("norms.weight") else 0)
                    )
    unet.save_pretrained(root / "unet")
    return root
