"""Super-resolution models behind one interface: load a model file, upscale frames in overlapping tiles.

The package: `architectures` (our configurations and the state-dict inference, no torch), `networks` (their
torch modules), `loaders` (file -> model), `tiling` (tiled, feathered inference), `temporal` (flicker
suppression) and `model` (`SuperResolution`, the interface). Everything public is importable from here.

Loaders, tried in this order by `SuperResolution.from_pretrained(path)`:
1. a RealBasicVSR checkpoint (mmagic/mmediting, the paper's choice) when `mmagic` imports: a video model
   that sees whole frame windows, so it needs no temporal stabilisation;
2. spandrel (`spandrel.ModelLoader().load_from_file`) when it imports: Real-ESRGAN, SwinIR, HAT, … any
   architecture spandrel detects;
3. our own ESRGAN-family implementations (architectures as in BasicSR) for .pth/.safetensors state dicts:
   RRDBNet (ESRGAN / Real-ESRGAN x4plus, x2plus, …) in either key layout (BasicSR `conv_first,
   body.N.rdbM.convK, …` or old ESRGAN `model.0, model.1.sub.N.RDBM…`), with num_feat, num_block,
   num_grow_ch and scale (1/2/4/8, pixel-unshuffle variants) inferred from shapes; and SRVGGNetCompact
   (Real-ESRGAN's compact video/general models: realesr-animevideov3, realesr-general-x4v3).
   spandrel cannot be installed on machines whose torch has no matching torchvision wheel (CPU-only torch),
   so this path keeps the most common SR family usable there.

Inference: frames (F, H, W, 3) uint8 go through the model in batches; each batch is cut into tiles of
`tile` input pixels overlapping by `overlap`, and tile outputs are blended with linear feathering, so memory
is bounded by the tile size, not the frame size. fp16/bf16 on CUDA when the model supports it.

Per-frame SR flickers: `TemporalStabilizer` blends each upscaled frame with the previous result, warped by
dense optical flow (OpenCV Farneback) or unwarped ("smooth"), and only where the low-resolution frames agree
after warping, so moving edges and occlusions are not smeared.
"""

from moviefactory.upscale.sr.architectures import (
    ARCHITECTURES,
    CompactConfig,
    RRDBConfig,
    _build_compact,
    _build_rrdbnet,
    architecture_name,
    compact_config_from_state_dict,
    own_config_from_state_dict,
    rrdb_config_from_state_dict,
)
from moviefactory.upscale.sr.loaders import (
    CONFIG_NAME,
    WEIGHT_SUFFIXES,
    WEIGHTS_NAME,
    SRInfo,
    load_state_dict_file,
)
from moviefactory.upscale.sr.model import SuperResolution
from moviefactory.upscale.sr.temporal import TEMPORAL_MODES, TemporalMode, TemporalStabilizer
from moviefactory.upscale.sr.tiling import run_tiled, tile_grid

__all__ = [
    "ARCHITECTURES",
    "CONFIG_NAME",
    "TEMPORAL_MODES",
    "WEIGHTS_NAME",
    "WEIGHT_SUFFIXES",
    "CompactConfig",
    "RRDBConfig",
    "SRInfo",
    "SuperResolution",
    "TemporalMode",
    "TemporalStabilizer",
    "_build_compact",
    "_build_rrdbnet",
    "architecture_name",
    "compact_config_from_state_dict",
    "load_state_dict_file",
    "own_config_from_state_dict",
    "rrdb_config_from_state_dict",
    "run_tiled",
    "tile_grid",
]
