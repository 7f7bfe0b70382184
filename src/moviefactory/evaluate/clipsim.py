"""CLIPSIM: mean cosine similarity between each frame's CLIP image embedding and the prompt's text embedding.

As in the text-to-video literature (the paper's Table 1 reports 0.2751-0.3000), the plain cosine in [-1, 1]
is reported, not the x100 "CLIPScore" scaling. The CLIP model is a local transformers folder (CLIPModel +
its processor); which one was used is part of the result, since scores from different CLIPs do not compare.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moviefactory.errors import InputError, ModelLoadError


def _embeds(out: Any) -> Any:
    """transformers 4.x returns the projected tensor; 5.x an output object with it as pooler_output."""
    return out if hasattr(out, "norm") else out.pooler_output


@dataclass
class ClipScorer:
    model: Any  # transformers.CLIPModel
    tokenizer: Any
    image_processor: Any
    name: str  # what to print beside the score: the folder's model id or name
    device: str
    batch: int = 16

    @classmethod
    def from_pretrained(cls, path: str | Path, *, device: str | None = None) -> ClipScorer:
        import importlib.util

        import torch
        import transformers
        from transformers import CLIPModel, CLIPTokenizer

        # transformers 5 ships a PIL image processor beside the torchvision one; use it where torchvision
        # is absent (CPU-only torch): same preprocessing, and no fallback warning
        pil_cls = getattr(transformers, "CLIPImageProcessorPil", None)
        no_tv = importlib.util.find_spec("torchvision") is None
        image_cls = pil_cls if no_tv and pil_cls is not None else transformers.CLIPImageProcessor
        transformers.utils.logging.disable_progress_bar()

        path = Path(path)
        if not (path / "config.json").is_file():
            raise InputError(f"CLIP model folder {path} has no config.json")
        dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            model = CLIPModel.from_pretrained(str(path)).to(dev).eval()  # type: ignore[arg-type]
            tokenizer = CLIPTokenizer.from_pretrained(str(path))
            image_processor = image_cls.from_pretrained(str(path))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{path}: cannot load a CLIP model and its processor ({exc})") from exc
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
        name = str(cfg.get("_name_or_path") or path.name)
        if name in ("", "."):
            name = path.name
        return cls(model, tokenizer, image_processor, name, dev)

    def text_embeds(self, texts: Sequence[str]) -> np.ndarray:
        """(N,) texts -> (N, D) L2-normalised embeddings; over-long prompts are truncated to CLIP's 77 tokens."""
        import torch

        max_len = int(getattr(self.model.config.text_config, "max_position_embeddings", 77))
        enc = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=max_len, return_tensors="pt"
        )
        with torch.inference_mode():
            e = _embeds(self.model.get_text_features(**{k: v.to(self.device) for k, v in enc.items()}))
        return torch.nn.functional.normalize(e.float(), dim=-1).cpu().numpy()

    def image_embeds(self, frames: np.ndarray) -> np.ndarray:
        """(F, H, W, 3) uint8 -> (F, D) L2-normalised embeddings, in batches."""
        import torch

        if frames.ndim != 4 or frames.shape[-1] != 3:
            raise InputError(f"CLIPSIM: expected (F, H, W, 3) frames, got {frames.shape}")
        out = []
        for i in range(0, len(frames), self.batch):
            pix = self.image_processor(images=list(frames[i : i + self.batch]), return_tensors="pt")[
                "pixel_values"
            ]
            with torch.inference_mode():
                e = _embeds(self.model.get_image_features(pixel_values=pix.to(self.device)))
            out.append(torch.nn.functional.normalize(e.float(), dim=-1).cpu().numpy())
        return np.concatenate(out)

    def clipsim(self, frames: np.ndarray, text: str) -> float:
        """Mean over frames of cos(image_embed(frame), text_embed(text))."""
        return float((self.image_embeds(frames) @ self.text_embeds([text])[0]).mean())
