"""Encoders behind one small protocol: text (MiniLM, always there), text+audio (CLAP, from a local
transformers ClapModel folder), text+image (CLIP, from a local transformers CLIPModel folder).

Every encoder returns L2-normalised float32 rows, so a dot product is a cosine similarity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from moviefactory.errors import ModelLoadError

CLAP_RATE = 48_000  # Hz; ClapFeatureExtractor's rate: CLAP's own fact, not timing.AUDIO_RATE (equal today)
CLAP_WINDOW_S = 10.0  # default window; longer sounds are cut to the extractor's window (first 10 s)


class TextEncoder(Protocol):
    name: str

    def encode_text(self, texts: list[str]) -> np.ndarray: ...


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _folder_id(path: Path) -> str:
    """'<folder name>-<digest of its files>': the weights' content, so another checkpoint at the same path is
    another encoder (its embeddings are recomputed), and a folder moved under the same name is the same one.
    Digests are cached by (path, size, mtime_ns) in the home: after the first time this is a stat per file."""
    from moviefactory.weights import weights_id

    return f"{path.name}-{weights_id(path)[:10]}"


class MiniLMText:
    """all-MiniLM-L6-v2 through moviefactory.textembed (one model per process)."""

    def __init__(self) -> None:
        from moviefactory.textembed import MODEL_NAME

        self.name = MODEL_NAME

    def encode_text(self, texts: list[str]) -> np.ndarray:
        from moviefactory.textembed import text_embedder

        return _unit(text_embedder().encode(texts))


class ClapEncoder:
    """A local CLAP checkpoint (transformers ClapModel + its processor files) for text-audio similarity."""

    def __init__(self, model: object, tokenizer: object, extractor: object, name: str) -> None:
        self.model, self.tokenizer, self.extractor, self.name = model, tokenizer, extractor, name

    @classmethod
    def from_pretrained(cls, path: str | Path) -> ClapEncoder:
        path = Path(path)
        if not (path / "config.json").is_file():
            raise ModelLoadError(f"--clap {path}: not a CLAP model folder (no config.json)")
        try:
            from transformers import AutoTokenizer, ClapFeatureExtractor, ClapModel
        except ImportError as exc:
            raise ModelLoadError("CLAP needs transformers: pip install 'moviefactory[diffusion]'") from exc
        try:
            model = ClapModel.from_pretrained(str(path)).eval()
            tokenizer = AutoTokenizer.from_pretrained(str(path))
            extractor = ClapFeatureExtractor.from_pretrained(str(path))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelLoadError(f"--clap {path}: cannot load ({str(exc).splitlines()[0][:120]})") from exc
        if extractor.sampling_rate != CLAP_RATE:
            raise ModelLoadError(
                f"--clap {path}: feature extractor rate {extractor.sampling_rate}, expected {CLAP_RATE}"
            )
        return cls(model, tokenizer, extractor, f"clap-{_folder_id(path)}")

    def encode_text(self, texts: list[str]) -> np.ndarray:
        import torch

        tok = self.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")  # type: ignore[operator]
        with torch.no_grad():
            out = self.model.get_text_features(**tok)  # type: ignore[attr-defined]
        return _unit(getattr(out, "pooler_output", out).float().numpy())

    def encode_audio(self, clips: list[np.ndarray]) -> np.ndarray:
        """clips: mono float arrays at 48 kHz -> (B, D)."""
        import torch

        # cut to the extractor's window ourselves: its "rand_trunc" would pick a random crop (not deterministic)
        window = int(getattr(self.extractor, "nb_max_samples", CLAP_WINDOW_S * CLAP_RATE))
        clips = [np.asarray(c, np.float32)[:window] for c in clips]
        feats = self.extractor(  # type: ignore[operator]
            clips, sampling_rate=CLAP_RATE, return_tensors="pt", truncation="rand_trunc", padding="repeatpad"
        )
        with torch.no_grad():
            out = self.model.get_audio_features(input_features=feats["input_features"])  # type: ignore[attr-defined]
        return _unit(getattr(out, "pooler_output", out).float().numpy())

    def encode_files(self, paths: list[Path]) -> np.ndarray:
        from moviefactory.media import read_audio

        return self.encode_audio([read_audio(p, rate=CLAP_RATE, channels=1)[:, 0] for p in paths])


class ClipEncoder:
    """A local CLIP checkpoint (transformers CLIPModel + tokenizer + image processor) for frame-text
    similarity: how well a sound's description matches what the clip shows."""

    def __init__(self, model: object, tokenizer: object, processor: object, name: str) -> None:
        self.model, self.tokenizer, self.processor, self.name = model, tokenizer, processor, name

    @classmethod
    def from_pretrained(cls, path: str | Path) -> ClipEncoder:
        path = Path(path)
        if not (path / "config.json").is_file():
            raise ModelLoadError(f"--clip-model {path}: not a CLIP model folder (no config.json)")
        try:
            from transformers import AutoTokenizer, CLIPImageProcessor, CLIPModel
        except ImportError as exc:
            raise ModelLoadError("CLIP needs transformers: pip install 'moviefactory[diffusion]'") from exc
        try:
            model = CLIPModel.from_pretrained(str(path)).eval()
            tokenizer = AutoTokenizer.from_pretrained(str(path))
            processor = CLIPImageProcessor.from_pretrained(str(path))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelLoadError(
                f"--clip-model {path}: cannot load ({str(exc).splitlines()[0][:120]})"
            ) from exc
        return cls(model, tokenizer, processor, f"clip-{_folder_id(path)}")

    def encode_text(self, texts: list[str]) -> np.ndarray:
        import torch

        tok = self.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")  # type: ignore[operator]
        with torch.no_grad():
            out = self.model.get_text_features(**tok)  # type: ignore[attr-defined]
        return _unit(getattr(out, "pooler_output", out).float().numpy())

    def encode_images(self, frames: np.ndarray) -> np.ndarray:
        """frames: (N, H, W, 3) uint8 RGB -> (N, D)."""
        import torch

        pix = self.processor(images=list(frames), return_tensors="pt")["pixel_values"]  # type: ignore[operator]
        with torch.no_grad():
            out = self.model.get_image_features(pixel_values=pix)  # type: ignore[attr-defined]
        return _unit(getattr(out, "pooler_output", out).float().numpy())
