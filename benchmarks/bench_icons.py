"""Icon library benchmarks: index load, name lookups, and rasterising 50 icons cold vs cached.

    .venv/bin/python benchmarks/bench_icons.py [--icons 50] [--height 160]

Load: `IconLibrary.load()` from the vendored gzip JSON (decompress, parse, build the word index), median of 5.
Lookup: `find` on nouns answered by their names (no MiniLM), per query. Raster: the same 50 icons (half
silhouettes with a tint, half colour emoji) in three states, measured in one run so the ratios hold under load:
cold (resvg renders, PNG written), disk-cached (a fresh instance, as a scene worker process has: PNG decode),
memory-cached (the same instance). Caches go to a temporary MOVIEFACTORY_HOME.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

NOUNS = ["lighthouse", "satellite", "volcano", "sand castle", "balloon", "dragon", "king", "troll", "penguin",
         "bread", "fox", "lion", "asteroid", "treasure chest", "fishing net", "red balloon", "flowers", "bee"]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--icons", type=int, default=50)
    ap.add_argument("--height", type=int, default=160)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["MOVIEFACTORY_HOME"] = home
        from moviefactory.picture.animatic.icons import COLOUR, SILHOUETTE, IconLibrary

        loads = []
        for _ in range(5):
            IconLibrary._instance = None
            t = time.perf_counter()
            lib = IconLibrary.load()
            loads.append(time.perf_counter() - t)
        print(f"index load: {statistics.median(loads) * 1000:.0f} ms median of 5 ({len(lib.entries)} names)")

        t = time.perf_counter()
        reps = 20
        for _ in range(reps):
            found = [lib.find(n) for n in NOUNS]
        per = (time.perf_counter() - t) / (reps * len(NOUNS))
        assert all(found), found
        print(f"find by name: {per * 1e6:.0f} us per query ({len(NOUNS)} nouns x {reps})")

        half = args.icons // 2
        names = [(SILHOUETTE, n) for n in sorted(lib.sets[SILHOUETTE]["icons"])[::80][:half]]
        names += [(COLOUR, n) for n in sorted(lib.sets[COLOUR]["icons"])[::30][: args.icons - half]]
        tint = (180, 60, 40)

        def run(library: IconLibrary) -> float:
            t0 = time.perf_counter()
            for s, n in names:
                library.raster(s, n, args.height, tint=tint)
            return time.perf_counter() - t0

        cold = run(lib)
        assert lib.renders == len(names)
        fresh = IconLibrary(lib.sets, lib.digest)
        disk = run(fresh)
        assert fresh.renders == 0
        memory = min(run(fresh) for _ in range(3))
        n = len(names)
        print(
            f"raster {n} icons at {args.height} px: cold {cold * 1000:.0f} ms ({cold / n * 1000:.1f} ms/icon), "
            f"disk-cached {disk * 1000:.0f} ms, memory-cached {memory * 1000:.1f} ms"
        )
        print(f"ratios: cold / disk-cached = {cold / disk:.1f}x, cold / memory-cached = {cold / memory:.0f}x")


if __name__ == "__main__":
    main()
