"""Video model benchmarks (CPU; random weights built from config; no downloads).

1. Per denoising step: MovieFactoryPipeline (CFG batch, scheduler.scale_model_input/step, progress callback)
   vs a plain loop that calls the same MovieFactoryUNet on the same CFG batch. Pipeline time per step is
   measured as (T(steps=S2) - T(steps=S1)) / (S2 - S1), which cancels text encoding and VAE decoding.
   Also: MovieFactoryUNet (zero-init new modules) vs the bare base UNet on the same B·F frames, i.e. the
   compute the injected layers add.
2. Temporal layers: the paper's temporal transformer block (attention + GEGLU feed-forward, what
   `TemporalAttention` is now) against the bare temporal self-attention it replaced (kept here as
   `BareTemporalAttention`), per layer at SD2's widths and within a whole MovieFactoryUNet step.
3. Peak memory of decoding 16 frames at 768x320 with the VAE in chunks vs all frames at once. Each variant
   runs in a fresh subprocess; the number is the rise of the process's peak RSS (VmHWM, reset through
   /proc/self/clear_refs) over its RSS before decoding.

    .venv/bin/python benchmarks/bench_unet.py                 # VAE: SD2's architecture, channels / 4
    .venv/bin/python benchmarks/bench_unet.py --vae sd2       # VAE: the real SD2 config (slow on CPU)
    .venv/bin/python benchmarks/bench_unet.py --only temporal  # temporal transformer vs bare attention
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Stable Diffusion 2 VAE (stabilityai/stable-diffusion-2-base vae/config.json), and the same with 1/4 channels
SD2_VAE: dict[str, Any] = dict(
    in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, norm_num_groups=32, sample_size=768,
    down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
    block_out_channels=[128, 256, 512, 512], scaling_factor=0.18215,
)  # fmt: skip
SCALED_VAE: dict[str, Any] = {**SD2_VAE, "block_out_channels": [32, 64, 128, 128], "norm_num_groups": 16}

# the step benchmark's UNet: SD2's block layout (3 cross-attention levels + 1 plain, 2 layers each, head dim
# 64 -> here 32) at 1/5 of its width, so a step takes long enough on CPU to show the loop's overhead
BENCH_UNET: dict[str, Any] = dict(
    sample_size=16, in_channels=4, out_channels=4, layers_per_block=2, norm_num_groups=32,
    block_out_channels=(64, 128, 256, 256), cross_attention_dim=32, attention_head_dim=(2, 4, 8, 8),
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    use_linear_projection=True,
)  # fmt: skip


def bench_steps(frames: int, height: int, width: int, repeats: int) -> dict[str, float]:
    """Fastest observed step of each variant (min is robust to other processes' load spikes)."""
    import torch
    from diffusers import UNet2DConditionModel

    from moviefactory.models.tiny import build_tiny_sd2
    from moviefactory.picture.moviefactory import MovieFactoryPipeline

    with tempfile.TemporaryDirectory() as tmp:
        folder = build_tiny_sd2(Path(tmp) / "sd2")
        torch.manual_seed(0)
        UNet2DConditionModel(**BENCH_UNET).save_pretrained(folder / "unet")
        pipe = MovieFactoryPipeline.from_folder(folder, device="cpu")
    unet = pipe.unet
    prompt = "a red car on a coastal road"
    embeds = pipe.encode_prompt(prompt, "", 7.5)
    lat = torch.randn(2, 4, frames, height // 8, width // 8)
    ids = torch.zeros(2, dtype=torch.long)
    flat = lat.permute(0, 2, 1, 3, 4).reshape(2 * frames, 4, height // 8, width // 8)
    ehs = embeds.repeat_interleave(frames, dim=0)
    pipe_steps: list[float] = []
    plain_steps: list[float] = []
    base_steps: list[float] = []

    def run_pipe(steps: int) -> None:
        # the pipeline calls progress right after each scheduler step: the gaps are whole steps
        marks = [time.perf_counter()]
        pipe(
            prompt,
            num_frames=frames,
            height=height,
            width=width,
            guidance=7.5,
            scheduler="ddim",
            seed=0,
            steps=steps,
            progress=lambda d, t: marks.append(time.perf_counter()),
        )
        pipe_steps.extend(b - a for a, b in itertools.pairwise(marks[1:]))  # step 1 also encodes text

    def timed(fn: Any, out: list[float]) -> None:
        with torch.inference_mode():
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)

    run_pipe(2)  # warm-up
    pipe_steps.clear()
    for _ in range(repeats):  # interleaved, so load changes hit every variant alike
        run_pipe(4)
        for t in (999, 499, 1):
            timed(lambda t=t: unet(lat, t, embeds, ids), plain_steps)
            timed(lambda t=t: unet.base(flat, t, ehs), base_steps)
    return {
        "pipeline_step_s": min(pipe_steps),
        "plain_step_s": min(plain_steps),
        "base_unet_step_s": min(base_steps),
    }


def bare_temporal_attention(channels: int, heads: int, head_dim: int, groups: int) -> Any:
    """The previous layout's temporal layer: GroupNorm, proj_in, + frame positions, one self-attention
    (q/k/v, SDPA), proj_out; no LayerNorm, no feed-forward."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    from moviefactory.models.temporal import _unfold, sinusoidal_positions

    class BareTemporalAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            inner = heads * head_dim
            self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
            self.proj_in = nn.Linear(channels, inner)
            self.to_q = nn.Linear(inner, inner, bias=False)
            self.to_k = nn.Linear(inner, inner, bias=False)
            self.to_v = nn.Linear(inner, inner, bias=False)
            self.proj_out = nn.Linear(inner, channels)

        def forward(self, x: torch.Tensor, num_frames: int) -> torch.Tensor:
            v = _unfold(x, num_frames)
            b, c, f, hh, ww = v.shape
            h = self.proj_in(self.norm(v).permute(0, 3, 4, 2, 1).reshape(b * hh * ww, f, c))
            h = h + sinusoidal_positions(f, h.shape[-1], device=h.device, dtype=h.dtype)[None]
            n = h.shape[0]

            def split(t: torch.Tensor) -> torch.Tensor:
                return t.reshape(n, f, heads, head_dim).transpose(1, 2)

            a = F.scaled_dot_product_attention(split(self.to_q(h)), split(self.to_k(h)), split(self.to_v(h)))
            a = self.proj_out(a.transpose(1, 2).reshape(n, f, heads * head_dim))
            return x + a.reshape(b, hh, ww, f, c).permute(0, 3, 4, 1, 2).reshape(b * f, c, hh, ww)

    return BareTemporalAttention()


def bench_temporal(frames: int, pixels: int, repeats: int) -> list[dict[str, float]]:
    """Per SD2 level (channels, heads of 64): fastest forward of the full block vs the bare attention on
    (2·pixels rows = CFG) x frames tokens; then a whole BENCH_UNET step with each kind of temporal layer."""
    import torch

    from moviefactory.models.temporal import TemporalAttention

    rows = []
    for channels in (320, 640, 1280):
        heads = channels // 64
        torch.manual_seed(0)
        full = TemporalAttention(channels, heads, 64, 32).eval()
        bare = bare_temporal_attention(channels, heads, 64, 32).eval()
        x = torch.randn(2 * frames, channels, 1, pixels)
        times: dict[str, list[float]] = {"full": [], "bare": []}
        with torch.inference_mode():
            for _ in range(repeats):
                for name, layer in (("full", full), ("bare", bare)):
                    t0 = time.perf_counter()
                    layer(x, frames)
                    times[name].append(time.perf_counter() - t0)
        params = {n: sum(p.numel() for p in m.parameters()) for n, m in (("full", full), ("bare", bare))}
        rows.append(
            {
                "channels": channels,
                "full_s": min(times["full"]),
                "bare_s": min(times["bare"]),
                "full_params": params["full"],
                "bare_params": params["bare"],
            }
        )
    return rows


def bench_temporal_step(frames: int, height: int, width: int, repeats: int) -> dict[str, float]:
    """A whole MovieFactoryUNet forward (CFG batch) with the temporal transformer vs the bare attention."""
    import torch
    from diffusers import UNet2DConditionModel

    from moviefactory.models.unet import MovieFactoryConfig, MovieFactoryUNet

    torch.manual_seed(0)
    unet = MovieFactoryUNet.from_base(UNet2DConditionModel(**BENCH_UNET).eval(), MovieFactoryConfig()).eval()
    lat = torch.randn(2, 4, frames, height // 8, width // 8)
    ehs = torch.randn(2, 77, BENCH_UNET["cross_attention_dim"])
    ids = torch.zeros(2, dtype=torch.long)
    full_layers = {id(s): list(s.attn) for s in [*unet.temporal_down, unet.temporal_mid, *unet.temporal_up]}
    bare_layers = {
        k: [
            bare_temporal_attention(a.proj_out.out_features, a.heads, a.head_dim, a.norm.num_groups)
            for a in v
        ]
        for k, v in full_layers.items()
    }
    times: dict[str, list[float]] = {"full": [], "bare": []}
    with torch.inference_mode():
        for _ in range(repeats):
            for name, layers in (("full", full_layers), ("bare", bare_layers)):
                for s in [*unet.temporal_down, unet.temporal_mid, *unet.temporal_up]:
                    s.attn = torch.nn.ModuleList(layers[id(s)])
                t0 = time.perf_counter()
                unet(lat, 500, ehs, ids)
                times[name].append(time.perf_counter() - t0)
    return {"full_step_s": min(times["full"]), "bare_step_s": min(times["bare"])}


def decode_child(vae_name: str, frames: int, height: int, width: int, chunk: int) -> dict[str, float]:
    """Runs in a fresh process: build the VAE, decode, report peak RSS rise (MiB) and time."""
    import torch
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    vae = AutoencoderKL(**(SD2_VAE if vae_name == "sd2" else SCALED_VAE)).eval()
    lat = torch.randn(frames, 4, height // 8, width // 8)

    def rss(field: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(field)

    with torch.inference_mode():
        _ = vae.decode(lat[:1]).sample  # warm-up: allocator and kernels
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = rss("VmRSS")
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = [
            ((vae.decode(lat[k : k + chunk]).sample.clamp(-1, 1) + 1) * 127.5).to(torch.uint8)
            for k in range(0, frames, chunk)
        ]
    elapsed = time.perf_counter() - t0
    assert sum(o.shape[0] for o in out) == frames
    return {"peak_rise_mib": rss("VmHWM") - before, "seconds": elapsed}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vae", choices=["scaled", "sd2"], default="scaled")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--step-frames", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", choices=["steps", "temporal", "decode"], default=None)
    ap.add_argument(
        "--decode-child", nargs=5, metavar=("VAE", "F", "H", "W", "CHUNK"), help=argparse.SUPPRESS
    )
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    if args.decode_child:
        v, f, h, w, c = args.decode_child
        print(json.dumps(decode_child(v, int(f), int(h), int(w), int(c))))
        return

    print(f"torch {torch.__version__}, {args.threads} threads, CPU")
    if args.only in (None, "steps"):
        _print_steps(args)
    if args.only in (None, "temporal"):
        _print_temporal(args)
    if args.only in (None, "decode"):
        _print_decode(args)


def _print_temporal(args: argparse.Namespace) -> None:
    pixels = 240  # 1/16 of 768x320's latent (96x40 = 3,840 pixels): the ratio, not the total, is the result
    print(
        f"[temporal] one layer, CFG batch 2 x {args.frames} frames x {pixels} pixels, head dim 64, "
        f"fastest of {args.repeats}"
    )
    for r in bench_temporal(args.frames, pixels, args.repeats):
        print(
            f"  {r['channels']:5d} ch: transformer {r['full_s'] * 1000:8.1f} ms  bare {r['bare_s'] * 1000:8.1f} ms"
            f"  -> {r['full_s'] / r['bare_s']:.2f}x time, {r['full_params'] / r['bare_params']:.2f}x parameters"
        )
    st = bench_temporal_step(args.frames, 128, 256, args.repeats)
    print(
        f"  whole MovieFactoryUNet step (BENCH_UNET, CFG 2 x {args.frames} frames x 256x128): transformer "
        f"{st['full_step_s'] * 1000:.1f} ms, bare {st['bare_step_s'] * 1000:.1f} ms -> "
        f"{100 * (st['full_step_s'] / st['bare_step_s'] - 1):+.1f} %"
    )


def _print_steps(args: argparse.Namespace) -> None:
    r = bench_steps(args.step_frames, 128, 256, args.repeats)
    print(
        f"[step] UNet {BENCH_UNET['block_out_channels']} x{BENCH_UNET['layers_per_block']}, CFG batch 2 x "
        f"{args.step_frames} frames x 256x128 px (latent 32x16), DDIM, fastest of {args.repeats} x 3 steps"
    )
    print(f"  pipeline per step     {r['pipeline_step_s'] * 1000:8.1f} ms")
    print(f"  plain UNet loop       {r['plain_step_s'] * 1000:8.1f} ms")
    print(
        f"  overhead              {100 * (r['pipeline_step_s'] / r['plain_step_s'] - 1):+8.2f} %  (target <= 3 %)"
    )
    print(
        f"  bare base UNet (B*F)  {r['base_unet_step_s'] * 1000:8.1f} ms  -> injected layers cost "
        f"{100 * (r['plain_step_s'] / r['base_unet_step_s'] - 1):+.1f} %"
    )


def _print_decode(args: argparse.Namespace) -> None:
    print(
        f"[decode] VAE {args.vae} ({'SD2 config' if args.vae == 'sd2' else 'SD2 architecture, channels / 4'}), "
        f"{args.frames} frames 768x320, fresh process per variant"
    )
    results = {}
    for chunk in (1, 4, args.frames):
        cmd = [
            sys.executable,
            __file__,
            "--threads",
            str(args.threads),
            "--decode-child",
            args.vae,
            str(args.frames),
            "320",
            "768",
            str(chunk),
        ]
        res = json.loads(
            subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        )
        results[chunk] = res
        print(f"  chunk {chunk:3d}: peak +{res['peak_rise_mib']:8.0f} MiB   {res['seconds']:6.1f} s")
    full = results[args.frames]["peak_rise_mib"]
    for chunk in (1, 4):
        print(
            f"  chunk {chunk} vs all-at-once: {results[chunk]['peak_rise_mib'] / full:.2f}x peak memory, "
            f"{results[chunk]['seconds'] / results[args.frames]['seconds']:.2f}x time"
        )


if __name__ == "__main__":
    main()
