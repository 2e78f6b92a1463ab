"""Benchmark: per-unit workbooks for a 1,000-unit roster.

Run: python tests/benchmarks/generate.py [--units 1000]

Reports workbooks per second for `rai_sheets.api.generate` with a roster (the template-based
path) and, as the baseline measured in the same run, writing each workbook from scratch with
xlsxwriter (`write_workbook`) for a sample of the same units. Target: 1,000 readiness
workbooks in under 15 seconds on a 2-core machine.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from rai_sheets import api
from rai_sheets.content.load import load_questionnaire
from rai_sheets.roster import read_roster
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--baseline-sample", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        roster_path = Path(tmp) / "units.csv"
        lines = ["unit_id,unit_name,email,language,system_id,system_name"]
        lines += [f"U{i:04d},Unit {i} & Co,u{i}@example.org,,," for i in range(args.units)]
        roster_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        roster = read_roster(roster_path)
        qn = load_questionnaire("readiness")

        sample = roster.units[: args.baseline_sample]
        t0 = time.perf_counter()
        for u in sample:
            write_workbook(WorkbookSpec(qn, u, "R1"), io.BytesIO())
        baseline = (time.perf_counter() - t0) / len(sample)

        t0 = time.perf_counter()
        files = api.generate(["readiness"], units=roster, round_id="R1", out_dir=Path(tmp) / "out")
        elapsed = time.perf_counter() - t0
    per = elapsed / len(files)
    print(f"units: {len(files)}")
    print(
        f"baseline (xlsxwriter from scratch, {len(sample)} units): "
        f"{baseline * 1000:.1f} ms/workbook, "
        f"{1 / baseline:.0f} workbooks/s"
    )
    print(
        f"rai-sheets generate --units: {elapsed:.2f} s in all, {per * 1000:.1f} ms/workbook, "
        f"{1 / per:.0f} workbooks/s (written to disk)"
    )
    print(f"speed-up over baseline: {baseline / per:.1f}x")
    print(
        f"target 1,000 workbooks < 15 s: {'met' if per * 1000 < 15 else 'NOT met'} "
        f"({per * 1000:.1f} s per 1,000)"
    )


if __name__ == "__main__":
    main()
