"""Benchmark: preflight + read + validation per returned workbook.

Run: python tests/benchmarks/validate.py [--files 1000]

Baseline, measured in the same run on a sample of the same files: what a coordinator's script
would do, `pandas.read_excel(engine="openpyxl")` of each sheet. Target: at least 5x the baseline
and under 3 ms per file on a 2-core machine. The same returns saved without cached results (as
a tool that does not calculate saves them) are validated too: they must cost at most twice as
much as those with results.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from returns import make_returns  # noqa: E402

from rai_sheets import api  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--baseline-sample", type=int, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "returns"
        paths = make_returns(folder, args.files)
        bare = Path(tmp) / "without_results"
        make_returns(bare, args.files, cached=False)
        sample = paths[: args.baseline_sample]
        t0 = time.perf_counter()
        for p in sample:
            pd.read_excel(p, sheet_name=None, engine="openpyxl")
        baseline = (time.perf_counter() - t0) / len(sample)

        t0 = time.perf_counter()
        report = api.validate([folder])
        elapsed = time.perf_counter() - t0
        t0 = time.perf_counter()
        api.validate([bare])
        elapsed_bare = time.perf_counter() - t0
    per = elapsed / len(paths)
    s = report.summary()
    print(
        f"files: {len(paths)} ({s['accepted']} accepted, "
        f"{s['accepted-with-warnings']} with warnings, {s['rejected']} rejected)"
    )
    print(
        f"baseline pandas.read_excel(openpyxl), all sheets, {len(sample)} files: "
        f"{baseline * 1000:.1f} ms/file"
    )
    print(f"rai-sheets validate: {elapsed:.2f} s in all, {per * 1000:.2f} ms/file")
    print(f"speed-up over baseline: {baseline / per:.1f}x (target >= 5x)")
    print(f"target < 3 ms/file: {'met' if per < 0.003 else 'NOT met'}")
    print(
        f"saved without cached results: {elapsed_bare / len(paths) * 1000:.2f} ms/file, "
        f"{elapsed_bare / elapsed:.2f}x the cost with results (target <= 2x)"
    )


if __name__ == "__main__":
    main()
