"""Benchmark: `consolidate` on 1,000 and 10,000 returns of three kinds, against a naive baseline.

Run: python tests/benchmarks/consolidate.py [--sizes 1000 10000] [--kinds written saved uncached]
                                            [--baseline-sample 100]

The three kinds of returns:
- written: as rai-sheets writes them, with the results a spreadsheet would have cached;
- saved: as LibreOffice saves them (its own XML, shared strings and styles). The distinct
  answer sets are converted by LibreOffice once and kept in ~/.cache/rai-sheets-bench/ between
  runs; each unit's copy is then made from them;
- uncached: saved by a tool that does not calculate: formulas without their results.

The baseline, measured in the same run on a sample of each kind, is what a coordinator's
script would do: `pandas.read_excel(engine="openpyxl")` of every sheet, then `pandas.concat`.
Each consolidation (summary workbook, CSV data and the history store) runs in a fresh process.
Peak memory is the consolidating process's VmHWM (from /proc/self/status: ru_maxrss would
also count the process it was started from) plus the largest of its reader processes.

Targets on 2 cores: 10,000 returns in under 15 s, peak memory under 400 MB, the cost per file
flat from 1,000 to 10,000, at least 25x the baseline per file, and returns without cached
results at most twice the cost of returns with them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from returns import QUESTIONNAIRES, make_returns, templates  # noqa: E402

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rai-sheets-bench"
KINDS = ("written", "saved", "uncached")
TARGET_SECONDS, TARGET_MB, TARGET_SPEEDUP = 15, 400, 25

RUN_ONE = """
import json, resource, sys, time
from pathlib import Path
from rai_sheets import api
folder, out = Path(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
result = api.consolidate([folder], output=out / "summary.xlsx", data_dir=out / "data",
                         history=out / "history.sqlite")
elapsed = time.perf_counter() - t0
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
statuses = [f.status for f in result.report.files]
print(json.dumps({"elapsed": elapsed, "main_kb": int(status["VmHWM"].split()[0]),
                  "worker_kb": workers, "files": len(statuses),
                  "kept": len(result.consolidation.kept),
                  "rejected": statuses.count("rejected")}))
"""


def consolidate_in_fresh_process(folder: Path, out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RUN_ONE, str(folder), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def saved_by_libreoffice(folder: Path, count: int) -> list[Path]:
    """`count` returns as LibreOffice saves them: each distinct answer set converted once
    (kept in the cache between runs), then personalised for each unit as `generate` does."""
    writers = templates()
    key = hashlib.sha256()
    for qid in QUESTIONNAIRES:
        for writer in writers[qid]:
            for info, data in writer.members:
                key.update(info.filename.encode() + data)
    cached = CACHE / f"saved-{key.hexdigest()[:16]}"
    if not cached.is_dir():
        _convert(writers, cached)
    saved = {
        qid: [_members(cached / f"{qid}_{k}.xlsx") for k in range(len(writers[qid]))]
        for qid in QUESTIONNAIRES
    }
    return make_returns(folder, count, members=saved)


def _convert(writers: dict, target: Path) -> None:
    if not shutil.which("soffice"):
        raise SystemExit("the 'saved' kind needs LibreOffice (soffice) to make its returns once")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "out"
        src.mkdir()
        for qid, those in writers.items():
            for k, writer in enumerate(those):
                with zipfile.ZipFile(src / f"{qid}_{k}.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
                    for info, data in writer.members:
                        zf.writestr(info, data)
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(out),
                *sorted(map(str, src.iterdir())),
            ],
            check=True,
            capture_output=True,
            timeout=900,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(out, target)


def _members(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def returns_of(kind: str, folder: Path, count: int) -> list[Path]:
    if kind == "saved":
        return saved_by_libreoffice(folder, count)
    return make_returns(folder, count, cached=kind == "written")


def baseline(paths: list[Path]) -> float:
    """Seconds per file of the naive reading."""
    t0 = time.perf_counter()
    frames = [
        pd.concat(pd.read_excel(p, sheet_name=None, engine="openpyxl", header=None).values())
        for p in paths
    ]
    pd.concat(frames)
    return (time.perf_counter() - t0) / len(paths)


def run_kind(kind: str, root: Path, sizes: list[int], sample: int) -> dict[int, float]:
    t0 = time.perf_counter()
    paths = returns_of(kind, root / kind / "all", max(sizes))
    print(f"[{kind}] made {len(paths)} returns in {time.perf_counter() - t0:.0f} s", flush=True)
    naive = baseline(paths[:sample])
    print(
        f"[{kind}] baseline read_excel(openpyxl) + concat: {naive * 1000:.1f} ms/file "
        f"(sample of {sample})",
        flush=True,
    )
    per_file = {}
    for n in sorted(sizes):
        folder = root / kind / f"n{n}"
        folder.mkdir(parents=True)
        for p in paths[:n]:
            (folder / p.name).hardlink_to(p)
        r = consolidate_in_fresh_process(folder, root / kind / f"out{n}")
        per_file[n] = r["elapsed"] / n
        main, worker = r["main_kb"] / 1024, r["worker_kb"] / 1024
        print(
            f"[{kind}] consolidate {n:>6} returns: {r['elapsed']:6.1f} s, "
            f"{per_file[n] * 1000:.2f} ms/file, {naive / per_file[n]:.1f}x baseline, "
            f"peak memory {main:.0f} MB main + {worker:.0f} MB largest reader = "
            f"{main + worker:.0f} MB ({r['kept']} kept, {r['rejected']} rejected)",
            flush=True,
        )
        shutil.rmtree(folder)
    if len(per_file) > 1:
        small, large = min(per_file), max(per_file)
        print(
            f"[{kind}] cost per file at {large} is {per_file[large] / per_file[small]:.2f}x "
            f"the cost per file at {small} (1.0 = flat)",
            flush=True,
        )
    shutil.rmtree(root / kind)
    return per_file


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    ap.add_argument("--baseline-sample", type=int, default=100)
    args = ap.parse_args()
    print(
        f"targets: {max(args.sizes)} returns in < {TARGET_SECONDS} s, < {TARGET_MB} MB, "
        f">= {TARGET_SPEEDUP}x baseline, uncached <= 2x written",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        results = {k: run_kind(k, Path(tmp), args.sizes, args.baseline_sample) for k in args.kinds}
    if "written" in results and "uncached" in results:
        for n in sorted(args.sizes):
            ratio = results["uncached"][n] / results["written"][n]
            print(f"returns without cached results cost {ratio:.2f}x those with them at {n}")


if __name__ == "__main__":
    main()
