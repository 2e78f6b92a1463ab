"""Benchmark: `consolidate` on 1,000 and 10,000 returns, against a naive baseline.

Run: python tests/benchmarks/consolidate.py [--sizes 1000 10000] [--baseline-sample 300]

The baseline, measured in the same run, is what a coordinator's script would do:
`pandas.read_excel(engine="openpyxl")` of every sheet of each file, then `pandas.concat`. It is
timed on a sample of the same files and compared per file (running it on 10,000 files would
take most of ten minutes). Each consolidation runs in a fresh process so that its peak memory
(main process plus its workers) is its own. Targets on 2 cores: at least 8x the baseline,
10,000 returns in under 60 s, peak memory under 1 GB, and cost growing linearly.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from returns import make_returns  # noqa: E402

RUN_ONE = """
import json, resource, sys, time
from pathlib import Path
from rai_sheets import api
folder, out = Path(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
result = api.consolidate([folder], output=out / "summary.xlsx", data_dir=out / "data",
                         history=out / "history.sqlite")
elapsed = time.perf_counter() - t0
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"elapsed": elapsed, "main_kb": me, "worker_kb": workers,
                  "files": len(result.report.files), "kept": len(result.consolidation.kept)}))
"""


def consolidate_in_fresh_process(folder: Path, out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RUN_ONE, str(folder), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--baseline-sample", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        biggest = max(args.sizes)
        t0 = time.perf_counter()
        all_paths = make_returns(root / "all", biggest)
        print(f"made {biggest} returns in {time.perf_counter() - t0:.0f} s")
        sample = all_paths[: args.baseline_sample]
        t0 = time.perf_counter()
        frames = [
            pd.concat(pd.read_excel(p, sheet_name=None, engine="openpyxl", header=None).values())
            for p in sample
        ]
        pd.concat(frames)
        baseline = (time.perf_counter() - t0) / len(sample)
        print(
            f"baseline read_excel(openpyxl) + concat: {baseline * 1000:.1f} ms/file "
            f"(sample of {len(sample)}; 10,000 files would take ~{baseline * 10000:.0f} s)"
        )
        per_file = {}
        for n in sorted(args.sizes):
            folder = root / f"n{n}"
            folder.mkdir()
            for p in all_paths[:n]:
                (folder / p.name).hardlink_to(p)
            r = consolidate_in_fresh_process(folder, root / f"out{n}")
            per_file[n] = r["elapsed"] / n
            peak = (r["main_kb"] + r["worker_kb"]) / 1024
            print(
                f"consolidate {n:>6} returns: {r['elapsed']:6.1f} s, "
                f"{per_file[n] * 1000:.2f} ms/file, {baseline / per_file[n]:.1f}x baseline, "
                f"peak memory {r['main_kb'] / 1024:.0f} MB main + {r['worker_kb'] / 1024:.0f} "
                f"MB largest worker = {peak:.0f} MB"
            )
        if len(per_file) > 1:
            small, large = min(per_file), max(per_file)
            print(
                f"linearity: cost per file at {large} is {per_file[large] / per_file[small]:.2f}"
                f"x the cost per file at {small} (1.0 = perfectly linear)"
            )


if __name__ == "__main__":
    main()
