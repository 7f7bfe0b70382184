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
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=8,
        sample_size=64,
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        block_out_channels=[16, 16, 32, 32],
    )


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


# diffusers -> original (LDM) names inside one ResBlock; the inverse of diffusers' single-file conversion
_LDM_RESNET = (
    ("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("norm2", "out_layers.0"), ("conv2", "out_layers.3"),
    ("time_emb_proj", "emb_layers.1"), ("conv_shortcut", "skip_connection"),
)  # fmt: skip
_LDM_VAE_ATTN = (
    ("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"), ("to_v", "v"), ("to_out.0", "proj_out"),
)  # fmt: skip


def _rename(rest: str, pairs: tuple[tuple[str, str], ...]) -> str:
    head, _, leaf = rest.rpartition(".")
    for new, old in pairs:
        if head == new:
            return f"{old}.{leaf}"
    return rest


def ldm_unet_state(unet: Any) -> dict[str, Any]:
    """A UNet2DConditionModel's weights under the original Stable Diffusion names (`model.diffusion_model.`
    input_blocks / middle_block / output_blocks), for any block count and layers_per_block."""
    lpb = int(unet.config.layers_per_block)
    fixed = {"time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
             "conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2"}  # fmt: skip
    out: dict[str, Any] = {}
    for key, value in unet.state_dict().items():
        parts = key.split(".")
        head, leaf = ".".join(parts[:-1]), parts[-1]
        if head in fixed:
            name = f"{fixed[head]}.{leaf}"
        elif parts[0] == "down_blocks":
            b, kind, j, rest = int(parts[1]), parts[2], int(parts[3]), ".".join(parts[4:])
            if kind == "downsamplers":
                name = f"input_blocks.{(b + 1) * (lpb + 1)}.0.op.{parts[-1]}"
            elif kind == "resnets":
                name = f"input_blocks.{1 + b * (lpb + 1) + j}.0.{_rename(rest, _LDM_RESNET)}"
            else:
                name = f"input_blocks.{1 + b * (lpb + 1) + j}.1.{rest}"
        elif parts[0] == "mid_block":
            kind, j, rest = parts[1], int(parts[2]), ".".join(parts[3:])
            name = (
                f"middle_block.{2 * j}.{_rename(rest, _LDM_RESNET)}"
                if kind == "resnets"
                else f"middle_block.{2 * j + 1}.{rest}"
            )
        elif parts[0] == "up_blocks":
            b, kind, j, rest = int(parts[1]), parts[2], int(parts[3]), ".".join(parts[4:])
            block = unet.up_blocks[b]
            if kind == "upsamplers":
                slot = 2 if getattr(block, "attentions", None) else 1
                name = f"output_blocks.{b * (lpb + 1) + lpb}.{slot}.conv.{parts[-1]}"
            elif kind == "resnets":
                name = f"output_blocks.{b * (lpb + 1) + j}.0.{_rename(rest, _LDM_RESNET)}"
            else:
                name = f"output_blocks.{b * (lpb + 1) + j}.1.{rest}"
        else:
            raise ValueError(f"no original name for UNet weight {key}")
        out[f"model.diffusion_model.{name}"] = value
    return out


def ldm_vae_state(vae: Any) -> dict[str, Any]:
    """An AutoencoderKL's weights under the original names (`first_stage_model.`; attention as 1x1 convs)."""
    n_up = len(vae.config.up_block_types)
    out: dict[str, Any] = {}
    for key, value in vae.state_dict().items():
        part, _, rest = key.partition(".")  # encoder / decoder / quant_conv / post_quant_conv
        p = rest.split(".")
        if part in ("quant_conv", "post_quant_conv"):
            name = key
        elif p[0] == "conv_norm_out":
            name = f"{part}.norm_out.{p[-1]}"
        elif p[0] in ("conv_in", "conv_out"):
            name = key
        elif p[0] in ("down_blocks", "up_blocks"):
            i, kind = int(p[1]), p[2]
            ldm_i = i if p[0] == "down_blocks" else n_up - 1 - i
            ldm_block = "down" if p[0] == "down_blocks" else "up"
            if kind in ("downsamplers", "upsamplers"):
                sampler = "downsample" if kind == "downsamplers" else "upsample"
                name = f"{part}.{ldm_block}.{ldm_i}.{sampler}.conv.{p[-1]}"
            else:
                inner = ".".join(p[4:]).replace("conv_shortcut", "nin_shortcut")
                name = f"{part}.{ldm_block}.{ldm_i}.block.{p[3]}.{inner}"
        elif p[0] == "mid_block" and p[1] == "resnets":
            inner = ".".join(p[3:]).replace("conv_shortcut", "nin_shortcut")
            name = f"{part}.mid.block_{int(p[2]) + 1}.{inner}"
        elif p[0] == "mid_block" and p[1] == "attentions":
            name = f"{part}.mid.attn_1.{_rename('.'.join(p[3:]), _LDM_VAE_ATTN)}"
            if value.ndim == 2:
                value = value[:, :, None, None]  # linear -> 1x1 conv, as the original VAE stores it
        else:
            raise ValueError(f"no original name for VAE weight {key}")
        out[f"first_stage_model.{name}"] = value
    return out


def open_clip_text_state(text_encoder: Any) -> dict[str, Any]:
    """A CLIPTextModel's weights as OpenCLIP names them in SD 2 checkpoints (`cond_stage_model.model.`;
    q/k/v fused into in_proj)."""
    import torch

    state = {k.removeprefix("text_model."): v for k, v in text_encoder.state_dict().items()}
    prefix = "cond_stage_model.model."
    fixed = {"embeddings.token_embedding.weight": "token_embedding.weight",
             "embeddings.position_embedding.weight": "positional_embedding",
             "final_layer_norm.weight": "ln_final.weight", "final_layer_norm.bias": "ln_final.bias"}  # fmt: skip
    out: dict[str, Any] = {prefix + v: state[k] for k, v in fixed.items()}
    n_layers = int(text_encoder.config.num_hidden_layers)
    for i in range(n_layers):
        src, dst = f"encoder.layers.{i}.", f"{prefix}transformer.resblocks.{i}."
        for leaf in ("weight", "bias"):
            out[f"{dst}attn.in_proj_{leaf}"] = torch.cat(
                [state[f"{src}self_attn.{q}_proj.{leaf}"] for q in ("q", "k", "v")]
            )
            out[f"{dst}attn.out_proj.{leaf}"] = state[f"{src}self_attn.out_proj.{leaf}"]
            out[f"{dst}ln_1.{leaf}"] = state[f"{src}layer_norm1.{leaf}"]
            out[f"{dst}ln_2.{leaf}"] = state[f"{src}layer_norm2.{leaf}"]
            out[f"{dst}mlp.c_fc.{leaf}"] = state[f"{src}mlp.fc1.{leaf}"]
            out[f"{dst}mlp.c_proj.{leaf}"] = state[f"{src}mlp.fc2.{leaf}"]
    return out


def save_single_file(folder: str | Path, path: str | Path) -> Path:
    """Write an SD 2 diffusers folder's UNet, VAE and text encoder as one checkpoint in the original layout
    (the form of `v2-1_768-ema-pruned.safetensors`): what `--model FILE` reads through diffusers'
    `from_single_file`. `.safetensors` or `.ckpt` (a torch pickle of {"state_dict": ...}) by suffix."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPTextModel

    root, out = Path(folder), Path(path)
    state: dict[str, Any] = {}
    state |= ldm_unet_state(UNet2DConditionModel.from_pretrained(root / "unet"))
    state |= ldm_vae_state(AutoencoderKL.from_pretrained(root / "vae"))
    state |= open_clip_text_state(CLIPTextModel.from_pretrained(root / "text_encoder"))
    state = {k: v.detach().contiguous().clone() for k, v in state.items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".ckpt":
        torch.save({"state_dict": state}, out)
    else:
        save_file(state, str(out))
    return out
