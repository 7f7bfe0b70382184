"""Sound library benchmarks: top-10 search over a synthetic 100,000-item index, and ingest throughput.

    .venv/bin/python benchmarks/bench_sound.py [--items 100000] [--files 40]

Search: the production path (`library.top_k` on the memory-mapped float16 matrix, torch half-precision
matvec + argpartition) against the baseline measured in the same run (numpy float32 matmul + argpartition on
a memory-mapped float32 matrix). Ingest: files/s for `ingest()` on generated 3 s WAVs (decode, features,
MiniLM embedding, SQLite + matrix write), first run and an unchanged re-run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def bench_search(n: int, dim: int = 384, reps: int = 50) -> dict[str, float]:
    from moviefactory.sound.library import atomic_save_npy, top_k

    rng = np.random.default_rng(0)
    m = rng.standard_normal((n, dim)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as tmp:
        atomic_save_npy(Path(tmp) / "f32.npy", m)
        atomic_save_npy(Path(tmp) / "f16.npy", m.astype(np.float16))
        m32 = np.load(Path(tmp) / "f32.npy", mmap_mode="r")
        m16 = np.load(Path(tmp) / "f16.npy", mmap_mode="r")
        queries = rng.standard_normal((reps, dim)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)

        def baseline(q: np.ndarray) -> np.ndarray:
            s = m32 @ q
            idx = np.argpartition(-s, 9)[:10]
            return idx[np.argsort(-s[idx])]

        out: dict[str, float] = {}
        for name, fn in (("numpy_f32", baseline), ("top_k_f16", lambda q: top_k(m16, q, 10)[0])):
            fn(queries[0])  # warm the page cache and the kernels
            times = []
            for q in queries:
                t = time.perf_counter()
                fn(q)
                times.append(time.perf_counter() - t)
            out[f"{name}_p50_ms"] = 1000 * statistics.median(times)
            out[f"{name}_p90_ms"] = 1000 * float(np.percentile(times, 90))
        overlap = [len(set(baseline(q)) & set(top_k(m16, q, 10)[0])) / 10 for q in queries[:20]]
        out["recall_at_10_vs_f32"] = float(np.mean(overlap))
    return out


def bench_ingest(files: int) -> dict[str, float]:
    import soundfile as sf

    from moviefactory.sound.embed import MiniLMText
    from moviefactory.sound.ingest import ingest
    from moviefactory.sound.library import Library

    text = MiniLMText()
    text.encode_text(["warm up"])
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sounds"
        folder.mkdir()
        t = np.arange(3 * 48_000) / 48_000
        for i in range(files):
            x = 0.2 * np.sin(2 * np.pi * (100 + 37 * i) * t) + 0.05 * rng.standard_normal(len(t))
            sf.write(str(folder / f"sound_{i:04d}_tone.wav"), np.stack([x, x], 1).astype(np.float32), 48_000)
        lib = Library.open(Path(tmp) / "index")
        t0 = time.perf_counter()
        rep = ingest(lib, [folder], text.encode_text, embedder=text.name)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        rep2 = ingest(lib, [folder], text.encode_text, embedder=text.name)
        again = time.perf_counter() - t0
        assert rep.added == files and rep2.unchanged == files
    return {
        "files": files,
        "ingest_files_per_s": files / first,
        "reindex_unchanged_files_per_s": files / again,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=40)
    args = ap.parse_args()
    s = bench_search(args.items)
    print(f"search over {args.items} x 384 (memory-mapped), top-10, 50 queries:")
    print(
        f"  baseline numpy float32 matmul+argpartition: p50 {s['numpy_f32_p50_ms']:.2f} ms  p90 {s['numpy_f32_p90_ms']:.2f} ms"
    )
    print(
        f"  library.top_k float16 (torch half matvec):  p50 {s['top_k_f16_p50_ms']:.2f} ms  p90 {s['top_k_f16_p90_ms']:.2f} ms"
    )
    print(
        f"  speed-up p50: {s['numpy_f32_p50_ms'] / s['top_k_f16_p50_ms']:.2f}x; recall@10 vs float32: {s['recall_at_10_vs_f32']:.3f}"
    )
    g = bench_ingest(args.files)
    print(
        f"ingest of {g['files']} x 3 s WAV: {g['ingest_files_per_s']:.1f} files/s; unchanged re-run {g['reindex_unchanged_files_per_s']:.0f} files/s"
    )


if __name__ == "__main__":
    main()
