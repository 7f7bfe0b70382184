"""Helpers for the evaluate tests: a tiny CLIP trained for a few steps to tell colours apart, and a tiny
I3D stand-in with the detector's call signature, both built and saved at test time (no weights exist here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from moviefactory.models.tiny import write_byte_level_clip_tokenizer

COLOURS = {"red": (220, 30, 30), "blue": (30, 40, 220)}


def colour_frames(name: str, n: int = 3, size: int = 32, *, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.array(COLOURS[name], dtype=int)
    frames = base + rng.integers(-20, 21, (n, size, size, 3))
    return np.clip(frames, 0, 255).astype(np.uint8)


def tiny_clip_folder(folder: Path, *, steps: int = 60) -> Path:
    """Build a tiny CLIP from config, train it for `steps` contrastive steps on red/blue images and
    'a red ...'/'a blue ...' captions, and save it with its tokenizer and image processor."""
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel, CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    write_byte_level_clip_tokenizer(folder)
    tok = CLIPTokenizer.from_pretrained(str(folder))
    proc = CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    cfg = CLIPConfig(
        text_config=dict(vocab_size=514, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=77, bos_token_id=512, eos_token_id=513,
                         pad_token_id=513),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64,
                           num_hidden_layers=2, num_attention_heads=2),
        projection_dim=16,
    )  # fmt: skip
    torch.manual_seed(0)
    model = CLIPModel(cfg)
    captions = ["a red car on a road", "a blue airplane in the sky"]
    images = np.concatenate([colour_frames("red", 4, seed=1), colour_frames("blue", 4, seed=2)])
    labels = torch.tensor([0] * 4 + [1] * 4)
    text = tok(captions, padding=True, return_tensors="pt")
    pix = proc(images=list(images), return_tensors="pt")["pixel_values"]
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: more threads only add contention
    for _ in range(steps):
        out = model(input_ids=text["input_ids"], attention_mask=text["attention_mask"], pixel_values=pix)
        loss = torch.nn.functional.cross_entropy(out.logits_per_image, labels)  # (8 images, 2 captions)
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.set_num_threads(threads)
    model.eval()
    model.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    proc.save_pretrained(str(folder))
    return folder


class TinyI3D(torch.nn.Module):
    """Stand-in for i3d_torchscript.pt: same call, (N, 3, T, 224, 224) in [-1, 1] -> (N, 8) features."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv3d(3, 8, kernel_size=3, padding=1)

    def forward(
        self, x: torch.Tensor, rescale: bool = False, resize: bool = False, return_features: bool = False
    ) -> torch.Tensor:
        x = torch.nn.functional.avg_pool3d(x, kernel_size=(2, 16, 16))  # (N, 3, T/2, 14, 14)
        y = torch.relu(self.conv(x))
        feats = y.mean(dim=(2, 3, 4)) + y.amax(dim=(2, 3, 4))
        return feats if return_features else torch.softmax(feats, dim=1)


def tiny_i3d_file(path: Path) -> Path:
    torch.manual_seed(0)
    torch.jit.script(TinyI3D().eval()).save(str(path))
    return path


def moving_blobs(n: int, *, frames: int = 16, size: int = 32, seed: int = 0) -> list[np.ndarray]:
    """n videos (frames, size, size, 3) uint8 of a smooth colour blob drifting over a textured background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    out = []
    for _ in range(n):
        bg = rng.integers(0, 256, 3)
        fg = rng.integers(0, 256, 3)
        cx, cy, vx, vy = rng.uniform(8, 24), rng.uniform(8, 24), rng.uniform(-1, 1), rng.uniform(-1, 1)
        vid = []
        for t in range(frames):
            d = np.exp(-(((xx - cx - vx * t) ** 2 + (yy - cy - vy * t) ** 2) / 40.0))[..., None]
            vid.append(bg * (1 - d) + fg * d)
        out.append(np.clip(np.stack(vid), 0, 255).astype(np.uint8))
    return out
