"""Run every benchmark in turn (`make bench`); each prints its own numbers and ratios.

Record what you measure in benchmarks/RESULTS.md with the machine's load: on a shared 2-core machine the
numbers move by 2-10x with other work, the ratios (measured side by side in the same run) much less.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHES = [
    "bench_make.py", "bench_compose.py", "bench_animatic.py", "bench_sets.py", "bench_icons.py",
    "bench_faithfulness.py", "bench_sound.py", "bench_upscale.py", "bench_unet.py", "bench_robustness.py",
]  # fmt: skip


def main() -> int:
    failed = []
    for name in BENCHES:
        print(f"\n=== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], check=False).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
