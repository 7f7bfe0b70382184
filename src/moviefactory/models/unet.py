"""MovieFactoryUNet: an unmodified, frozen UNet2DConditionModel plus injected spatial adapters and temporal
layers (paper 2.2).

The base UNet is held as a submodule (`self.base`) and never edited: its blocks are not replaced or wrapped.
Instead `forward` walks the base's own submodules in the order `UNet2DConditionModel.forward` does and runs
the new modules between them:

    conv_in
    for each down block:  SpatialAdapter; (resnet, TemporalResBlock, [attention, TemporalAttention]) x n;
                          downsampler
    mid block:            resnet, TemporalResBlock, (attention, TemporalAttention, resnet, TemporalResBlock) x n
    for each up block:    SpatialAdapter; (concat skip, resnet, TemporalResBlock, [attention, TemporalAttention])
                          x n; upsampler
    conv_norm_out, conv_act, conv_out

Samples are (B, C, F, H, W); spatial layers see (B·F, C, H, W). Every new module is the identity at
initialisation (zero-initialised last conv / output projection), so the model then reproduces the image model
frame by frame. Only the new modules are saved (`save_pretrained`): safetensors + config.json naming the base
and the domains.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import torch
from torch import nn

from moviefactory.errors import InputError, ModelLoadError
from moviefactory.models.adapters import DomainAwareNorm, SpatialAdapter
from moviefactory.models.temporal import ModelScopeTemporalConv, TemporalAttention, TemporalResBlock

if TYPE_CHECKING:
    # diffusers' own annotations hide most UNet attributes from mypy; the code reads them dynamically
    UNet2DConditionModel = Any

Stage = Literal["spatial", "temporal", "movie"]
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "adapters.safetensors"
CLASS_NAME = "MovieFactoryUNet"
DEFAULT_DOMAINS = ("webvid", "hdvg", "movie")
# 2: temporal attention is a transformer block (attention + feed-forward), the temporal ResBlock takes the
# time embedding and a learned merge factor. 1 (no "layout" key): bare temporal attention, no time embedding.
LAYOUT = 2
DEFAULT_WINDOW = 16  # frames per sampling window when the adapters never trained on clips (stage 1 only)

_DOWN_TYPES = {"CrossAttnDownBlock2D", "DownBlock2D"}
_UP_TYPES = {"CrossAttnUpBlock2D", "UpBlock2D"}
_MID_TYPES = {"UNetMidBlock2DCrossAttn"}
# base config keys the saved adapters depend on: loading adapters onto a different base is refused
_BASE_KEYS = (
    "in_channels", "out_channels", "block_out_channels", "layers_per_block", "cross_attention_dim",
    "attention_head_dim", "num_attention_heads", "down_block_types", "up_block_types", "norm_num_groups",
)  # fmt: skip


@dataclass
class MovieFactoryConfig:
    """What shapes the new modules; saved as config.json beside the adapter weights."""

    base: str = ""  # path or id of the Stable Diffusion 2 folder the adapters were trained on
    domains: list[str] = field(default_factory=lambda: list(DEFAULT_DOMAINS))
    num_frames: int = DEFAULT_WINDOW  # clip length the temporal layers trained on = the sampling window
    fps: int = 8  # native frame rate of generated clips (the training clips' rate)
    temporal_kernel: int = 3  # frames covered by each temporal conv
    temporal_head_dim: int | None = None  # None: the spatial head dim of the block the layer follows
    norm_groups: int | None = None  # None: the base's norm_num_groups
    eps: float = 1e-6
    # which domains' alpha/beta and which stages were trained (training/ appends; inference reads)
    trained_domains: list[str] = field(default_factory=list)
    stages_trained: list[str] = field(default_factory=list)
    layout: int = LAYOUT  # the module layout the saved weights have (see LAYOUT)
    # "videoldm": our temporal layers (ResBlock with time embedding + merge, transformer block with frame
    # positions); "modelscope": ModelScope's (4-conv layer, two self-attentions, no positions), so that
    # `train temporal --init-temporal` can start from ModelScope text-to-video weights exactly
    temporal_style: Literal["videoldm", "modelscope"] = "videoldm"

    def __post_init__(self) -> None:
        if not self.domains or len(set(self.domains)) != len(self.domains):
            raise InputError(f"domains must be a non-empty list of unique names, got {self.domains}")
        if self.num_frames < 1:
            raise InputError(f"num_frames must be >= 1, got {self.num_frames}")
        if self.temporal_kernel < 1 or self.temporal_kernel % 2 == 0:
            raise InputError(f"temporal_kernel must be odd and >= 1, got {self.temporal_kernel}")
        if self.temporal_style not in ("videoldm", "modelscope"):
            raise InputError(f"temporal_style must be videoldm or modelscope, got {self.temporal_style!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MovieFactoryConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{"layout": 1, **{k: v for k, v in data.items() if k in names}})

    def window(self) -> int:
        """Frames the sampler denoises together: the training clip length once temporal layers trained on
        clips; DEFAULT_WINDOW when no stage saw more than one frame (windows of 1 frame are no video)."""
        return self.num_frames if self.num_frames > 1 else DEFAULT_WINDOW

    def default_domain(self) -> str:
        """The domain used at inference when none is asked for: movie if trained, else the first (WebVid)."""
        if "movie" in self.domains and "movie" in self.trained_domains:
            return "movie"
        return self.domains[0]


class _TemporalStack(nn.Module):
    """The temporal layers that follow one base block's resnets and attentions (same indices)."""

    def __init__(
        self, res: list[TemporalResBlock | ModelScopeTemporalConv], attn: list[TemporalAttention]
    ) -> None:
        super().__init__()
        self.res = nn.ModuleList(res)
        self.attn = nn.ModuleList(attn)


def _head_layout(transformer: nn.Module) -> tuple[int, int]:
    cfg = cast(Any, transformer).config
    return int(cfg.num_attention_heads), int(cfg.attention_head_dim)


def _base_fingerprint(base: UNet2DConditionModel) -> dict[str, Any]:
    cfg = dict(base.config)
    return {k: (list(cfg[k]) if isinstance(cfg.get(k), list | tuple) else cfg.get(k)) for k in _BASE_KEYS}


class MovieFactoryUNet(nn.Module):
    """Video UNet: forward((B, C, F, H, W), timestep, (B, L, D), domain_ids (B,)) -> (B, C_out, F, H, W)."""

    def __init__(self, base: UNet2DConditionModel, config: MovieFactoryConfig) -> None:
        super().__init__()
        _check_base(base)
        self.config = config
        self.base = base
        self.base.requires_grad_(False)
        self.base.eval()
        self.gradient_checkpointing = False

        bcfg = base.config
        groups = config.norm_groups or int(bcfg.norm_num_groups)
        temb_ch = int(base.time_embedding.linear_2.out_features)
        cross_dim = int(bcfg.cross_attention_dim)
        nd = len(config.domains)
        heads_per_block = self._block_head_dims()
        boc = list(bcfg.block_out_channels)
        linear_proj = bool(bcfg.use_linear_projection)
        upcast = bool(bcfg.upcast_attention)
        self._temb_ch, self._upcast = temb_ch, upcast

        def adapter(channels: int, head_dim: int) -> SpatialAdapter:
            hd = head_dim if channels % head_dim == 0 else channels
            return SpatialAdapter(
                channels, temb_ch, channels // hd, hd, cross_dim, nd, groups, config.eps, linear_proj, upcast
            )

        # the input of down block i is the output of block i-1 (conv_in's for i = 0); same on the up path
        self.down_adapters = nn.ModuleList(
            adapter(boc[max(i - 1, 0)], heads_per_block["down"][i]) for i in range(len(base.down_blocks))
        )
        rev = boc[::-1]
        self.up_adapters = nn.ModuleList(
            adapter(rev[max(i - 1, 0)], heads_per_block["up"][i]) for i in range(len(base.up_blocks))
        )
        self.temporal_down = nn.ModuleList(self._temporal_for(b, groups) for b in base.down_blocks)
        self.temporal_mid = self._temporal_for(base.mid_block, groups)
        self.temporal_up = nn.ModuleList(self._temporal_for(b, groups) for b in base.up_blocks)

    # -- construction ---------------------------------------------------------------------------------
    @classmethod
    def from_base(cls, base_unet: UNet2DConditionModel, config: MovieFactoryConfig) -> MovieFactoryUNet:
        """Wrap `base_unet` (frozen, untouched) with freshly initialised adapters and temporal layers, on the
        base's device and dtype."""
        model = cls(base_unet, config)
        p = next(base_unet.parameters())
        new = [
            model.down_adapters,
            model.up_adapters,
            model.temporal_down,
            model.temporal_mid,
            model.temporal_up,
        ]
        for m in new:
            m.to(device=p.device, dtype=p.dtype)
        return model

    def _block_head_dims(self) -> dict[str, list[int]]:
        """Head dim for each down/up block's adapter: the block's own attention, else the nearest block's."""
        out: dict[str, list[int]] = {}
        for kind, blocks in (("down", self.base.down_blocks), ("up", self.base.up_blocks)):
            dims: list[int | None] = [
                _head_layout(b.attentions[0])[1] if getattr(b, "attentions", None) else None for b in blocks
            ]
            known = [(i, d) for i, d in enumerate(dims) if d is not None]
            if not known:
                raise ModelLoadError(f"base UNet has no attention in its {kind} blocks; cannot size adapters")
            out[kind] = [
                d if d is not None else min(known, key=lambda k: abs(k[0] - i))[1] for i, d in enumerate(dims)
            ]
        return out

    def _temporal_for(self, block: nn.Module, groups: int) -> _TemporalStack:
        modelscope = self.config.temporal_style == "modelscope"
        res: list[TemporalResBlock | ModelScopeTemporalConv] = [
            ModelScopeTemporalConv(int(r.out_channels), groups)
            if modelscope
            else TemporalResBlock(
                int(r.out_channels), groups, self.config.temporal_kernel, self.config.eps, self._temb_ch
            )
            for r in block.resnets  # type: ignore[union-attr]
        ]
        attn = []
        for t in getattr(block, "attentions", None) or []:
            heads, hd = _head_layout(t)
            channels = int(t.config.in_channels)
            if self.config.temporal_head_dim:
                hd = self.config.temporal_head_dim
                heads = max(1, channels // hd)
            attn.append(
                TemporalAttention(
                    channels,
                    heads,
                    hd,
                    groups,
                    self.config.eps,
                    self._upcast,
                    double_self_attention=modelscope,
                    positions=not modelscope,
                )
            )
        return _TemporalStack(res, attn)

    # -- parameters and stages ------------------------------------------------------------------------
    def adapter_parameters(self) -> list[nn.Parameter]:
        """Spatial adapters, including their DomainAwareNorm alpha/beta (stages 1 and 3)."""
        return [*self.down_adapters.parameters(), *self.up_adapters.parameters()]

    def temporal_parameters(self) -> list[nn.Parameter]:
        """Temporal ResBlocks and temporal attentions in down, mid and up blocks (stage 2)."""
        return [
            *self.temporal_down.parameters(),
            *self.temporal_mid.parameters(),
            *self.temporal_up.parameters(),
        ]

    def domain_norms(self) -> list[DomainAwareNorm]:
        return [m for m in self.modules() if isinstance(m, DomainAwareNorm)]

    def set_trainable(self, stage: Stage) -> list[nn.Parameter]:
        """Stage 1 "spatial" and 3 "movie": only the spatial adapters; stage 2 "temporal": only the temporal
        layers. The base is always frozen. Returns the parameters that now require grad."""
        if stage not in ("spatial", "temporal", "movie"):
            raise InputError(f"stage must be spatial, temporal or movie, got {stage!r}")
        self.base.requires_grad_(False)
        spatial = stage in ("spatial", "movie")
        for p in self.adapter_parameters():
            p.requires_grad_(spatial)
        for p in self.temporal_parameters():
            p.requires_grad_(not spatial)
        return [p for p in self.parameters() if p.requires_grad]

    def train(self, mode: bool = True) -> MovieFactoryUNet:
        super().train(mode)
        self.base.eval()  # the frozen base never switches to training behaviour
        return self

    def enable_gradient_checkpointing(self) -> None:
        """Recompute base blocks and new layers in backward instead of storing their activations."""
        self.gradient_checkpointing = True

    def disable_gradient_checkpointing(self) -> None:
        self.gradient_checkpointing = False

    def domain_index(self, name: str) -> int:
        if name not in self.config.domains:
            raise InputError(f"unknown domain {name!r}; this model has {', '.join(self.config.domains)}")
        return self.config.domains.index(name)

    @property
    def device(self) -> torch.device:
        return next(self.base.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.base.parameters()).dtype

    def new_state_dict(self) -> dict[str, torch.Tensor]:
        """State of the injected modules only (keys without the `base.` prefix's weights)."""
        return {k: v for k, v in self.state_dict().items() if not k.startswith("base.")}

    # -- save / load ----------------------------------------------------------------------------------
    def save_pretrained(self, directory: str | Path) -> Path:
        """Write config.json and adapters.safetensors (new modules only, float32) into `directory`."""
        from safetensors.torch import save_file

        from moviefactory.workspace import atomic_output

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        tensors = {
            k: v.detach().to("cpu", torch.float32).contiguous().clone()
            for k, v in self.new_state_dict().items()
        }
        with atomic_output(out / WEIGHTS_NAME) as tmp:
            save_file(tensors, str(tmp), metadata={"format": "pt", "class": CLASS_NAME})
        meta = {"_class_name": CLASS_NAME, **self.config.to_dict(), "base_unet": _base_fingerprint(self.base)}
        with atomic_output(out / CONFIG_NAME) as tmp:
            tmp.write_text(json.dumps(meta, indent=2) + "\n")
        return out

    @staticmethod
    def read_config(directory: str | Path) -> tuple[MovieFactoryConfig, dict[str, Any]]:
        """(config, base fingerprint) from a saved adapters folder; ModelLoadError naming what is missing."""
        d = Path(directory)
        missing = [n for n in (CONFIG_NAME, WEIGHTS_NAME) if not (d / n).is_file()]
        if not d.is_dir():
            raise ModelLoadError(f"adapters folder {d} does not exist")
        if missing:
            raise ModelLoadError(f"adapters folder {d} is missing {', '.join(missing)}")
        try:
            data = json.loads((d / CONFIG_NAME).read_text())
        except json.JSONDecodeError as exc:
            raise ModelLoadError(f"{d / CONFIG_NAME}: not valid JSON ({exc.msg})") from exc
        if data.get("_class_name") != CLASS_NAME:
            raise ModelLoadError(
                f"{d / CONFIG_NAME}: _class_name is {data.get('_class_name')!r}, not {CLASS_NAME}"
            )
        return MovieFactoryConfig.from_dict(data), dict(data.get("base_unet") or {})

    @classmethod
    def from_pretrained(
        cls, directory: str | Path, base_unet: UNet2DConditionModel, *, temporal_style: str | None = None
    ) -> MovieFactoryUNet:
        """Rebuild the saved modules around `base_unet` and load their weights (exact key match).
        `temporal_style` other than the saved one builds temporal layers of that style, freshly initialised,
        and loads only the spatial adapters (the caller fills the temporal layers, e.g. from ModelScope)."""
        config, fingerprint = cls.read_config(directory)
        have = _base_fingerprint(base_unet)
        diff = [k for k in _BASE_KEYS if k in fingerprint and fingerprint[k] != have[k]]
        if diff:
            k = diff[0]
            raise ModelLoadError(
                f"adapters in {directory} were made for a different base UNet: {k} is {fingerprint[k]} there, "
                f"{have[k]} in the loaded base"
            )
        style = temporal_style or config.temporal_style
        model = cls.from_base(base_unet, dataclasses.replace(config, layout=LAYOUT, temporal_style=style))  # type: ignore[arg-type]
        model.load_adapters(directory, spatial_only=style != config.temporal_style)
        return model

    def load_adapters(self, directory: str | Path, *, spatial_only: bool = False) -> None:
        """Load adapters.safetensors into the new modules; any missing or unexpected key is a ModelLoadError."""
        from safetensors.torch import load_file

        saved, _ = self.read_config(directory)
        path = Path(directory) / WEIGHTS_NAME
        try:
            tensors = load_file(str(path))
        except Exception as exc:  # safetensors raises its own error types for corrupt files
            raise ModelLoadError(f"{path}: cannot read safetensors ({exc})") from exc
        expected = self.new_state_dict()
        if saved.layout != LAYOUT:
            tensors, expected = self._from_old_layout(saved, path, tensors, expected)
        elif spatial_only:
            tensors, expected = _spatial(tensors), _spatial(expected)
        missing = sorted(set(expected) - set(tensors))
        unexpected = sorted(set(tensors) - set(expected))
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"{len(missing)} missing (first: {missing[0]})")
            if unexpected:
                parts.append(f"{len(unexpected)} unexpected (first: {unexpected[0]})")
            raise ModelLoadError(f"{path}: keys do not match the model: {'; '.join(parts)}")
        bad = [k for k, v in expected.items() if tuple(v.shape) != tuple(tensors[k].shape)]
        if bad:
            k = bad[0]
            raise ModelLoadError(
                f"{path}: {k} has shape {tuple(tensors[k].shape)}, expected {tuple(expected[k].shape)}"
            )
        with torch.no_grad():
            for k, v in expected.items():
                v.copy_(tensors[k].to(v.dtype))

    @staticmethod
    def _from_old_layout(
        saved: MovieFactoryConfig,
        path: Path,
        tensors: dict[str, torch.Tensor],
        expected: dict[str, torch.Tensor],
    ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Layout-1 adapters: the spatial adapters are unchanged and load; the temporal layers changed shape.
        Untrained (zero-initialised) temporal layers are the identity in either layout, so they are left at
        this model's fresh initialisation; trained ones cannot be carried over and are refused."""
        if saved.layout > LAYOUT:
            raise ModelLoadError(
                f"{path}: adapters layout {saved.layout} is newer than this MovieFactory ({LAYOUT})"
            )
        if "temporal" in saved.stages_trained:
            raise ModelLoadError(
                f"{path}: temporal layers trained in the layout-{saved.layout} format (bare temporal attention, "
                f"no time embedding); this version uses layout {LAYOUT} (temporal transformer blocks): rerun "
                "`moviefactory train temporal` from the stage-1 adapters (their spatial part still loads)"
            )
        return _spatial(tensors), _spatial(expected)

    # -- forward --------------------------------------------------------------------------------------
    def _ck(self, fn: Callable[..., torch.Tensor], *args: Any) -> torch.Tensor:
        if self.gradient_checkpointing and torch.is_grad_enabled():
            from torch.utils.checkpoint import checkpoint

            out: torch.Tensor = checkpoint(fn, *args, use_reentrant=False)
            return out
        return fn(*args)

    def forward(
        self,
        sample: torch.Tensor,
        timestep: torch.Tensor | float | int,
        encoder_hidden_states: torch.Tensor,
        domain_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        # sample: (B, C, F, H, W); timestep: scalar or (B,); encoder_hidden_states: (B, L, D); domain_ids: (B,)
        if sample.ndim != 5:
            raise ValueError(f"sample must be (B, C, F, H, W), got shape {tuple(sample.shape)}")
        b, c, f, h, w = sample.shape
        base = self.base
        dev = sample.device
        x = sample.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)  # (B·F, C, H, W)
        t = torch.as_tensor(timestep, device=dev)
        t = t.expand(b) if t.ndim == 0 else t
        t = t.repeat_interleave(f)
        ehs = encoder_hidden_states.repeat_interleave(f, dim=0)  # (B·F, L, D)
        if domain_ids is None:
            domain_ids = torch.full((b,), self.domain_index(self.config.default_domain()), dtype=torch.long)
        dids = domain_ids.to(dev, torch.long).repeat_interleave(f)  # (B·F,)

        # as UNet2DConditionModel.forward: pass the skip's size to upsamplers when H, W are not multiples
        up_factor = 2**base.num_upsamplers
        forward_upsample_size = any(s % up_factor != 0 for s in (h, w))
        upsample_size = None

        emb = base.time_embedding(base.get_time_embed(sample=x, timestep=t), None)
        if base.time_embed_act is not None:
            emb = base.time_embed_act(emb)

        def attend(attn: nn.Module, hs: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = attn(hs, encoder_hidden_states=ehs, return_dict=False)[0]
            return out

        def adapt(adapter: nn.Module, hs: torch.Tensor) -> torch.Tensor:
            return self._ck(adapter, hs, emb, ehs, dids)

        x = base.conv_in(x)
        skips: tuple[torch.Tensor, ...] = (x,)
        tdown = cast(list[_TemporalStack], list(self.temporal_down))
        tup = cast(list[_TemporalStack], list(self.temporal_up))
        for block, adapter, tstack in zip(base.down_blocks, self.down_adapters, tdown, strict=True):
            x = adapt(adapter, x)
            attns = getattr(block, "attentions", None)
            for j, resnet in enumerate(block.resnets):
                x = self._ck(resnet, x, emb)
                x = self._ck(tstack.res[j], x, f, emb)
                if attns:
                    x = self._ck(attend, attns[j], x)
                    x = self._ck(tstack.attn[j], x, f)
                skips += (x,)
            if block.downsamplers is not None:
                for down in block.downsamplers:
                    x = down(x)
                skips += (x,)

        mid = base.mid_block
        if mid is not None:
            tm = self.temporal_mid
            x = self._ck(mid.resnets[0], x, emb)
            x = self._ck(tm.res[0], x, f, emb)
            for j, (attn, resnet) in enumerate(zip(mid.attentions, mid.resnets[1:], strict=True)):
                x = self._ck(attend, attn, x)
                x = self._ck(tm.attn[j], x, f)
                x = self._ck(resnet, x, emb)
                x = self._ck(tm.res[j + 1], x, f, emb)

        n_up = len(base.up_blocks)
        for i, (block, adapter, tstack) in enumerate(zip(base.up_blocks, self.up_adapters, tup, strict=True)):
            n = len(block.resnets)
            res, skips = skips[-n:], skips[:-n]
            if i < n_up - 1 and forward_upsample_size:
                upsample_size = skips[-1].shape[2:]
            x = adapt(adapter, x)
            attns = getattr(block, "attentions", None)
            for j, resnet in enumerate(block.resnets):
                x = torch.cat([x, res[-1 - j]], dim=1)
                x = self._ck(resnet, x, emb)
                x = self._ck(tstack.res[j], x, f, emb)
                if attns:
                    x = self._ck(attend, attns[j], x)
                    x = self._ck(tstack.attn[j], x, f)
            if block.upsamplers is not None:
                for up in block.upsamplers:
                    x = up(x, upsample_size)

        if base.conv_norm_out is not None:
            x = base.conv_act(base.conv_norm_out(x))
        x = base.conv_out(x)  # (B·F, C_out, H, W)
        return x.reshape(b, f, x.shape[1], h, w).permute(0, 2, 1, 3, 4)

    def named_new_modules(self) -> Iterator[tuple[str, nn.Module]]:
        for name in ("down_adapters", "up_adapters", "temporal_down", "temporal_mid", "temporal_up"):
            yield name, getattr(self, name)


def _spatial(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The spatial adapters' entries of a new-module state dict."""
    return {k: v for k, v in state.items() if not k.startswith("temporal_")}


def _check_base(base: UNet2DConditionModel) -> None:
    """Refuse base UNets whose forward we do not reproduce (SDXL extras, class labels, other block types)."""
    cfg = base.config
    unsupported = {
        "class_embed_type": cfg.class_embed_type,
        "addition_embed_type": cfg.addition_embed_type,
        "encoder_hid_dim": cfg.encoder_hid_dim,
        "time_cond_proj_dim": cfg.time_cond_proj_dim,
    }
    for k, v in unsupported.items():
        if v is not None:
            raise ModelLoadError(f"base UNet has {k}={v!r}; MovieFactory expects a Stable Diffusion 2 UNet")
    if cfg.center_input_sample:
        raise ModelLoadError(
            "base UNet has center_input_sample=True; MovieFactory expects a Stable Diffusion 2 UNet"
        )
    for kind, blocks, allowed in (("down", base.down_blocks, _DOWN_TYPES), ("up", base.up_blocks, _UP_TYPES)):
        for i, blk in enumerate(blocks):
            if type(blk).__name__ not in allowed:
                raise ModelLoadError(
                    f"base UNet {kind} block {i} is {type(blk).__name__}; supported: {sorted(allowed)}"
                )
    if base.mid_block is not None and type(base.mid_block).__name__ not in _MID_TYPES:
        raise ModelLoadError(
            f"base UNet mid block is {type(base.mid_block).__name__}; supported: {sorted(_MID_TYPES)}"
        )
