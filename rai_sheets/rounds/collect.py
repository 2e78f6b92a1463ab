"""Replies coming back for a round: `collect` them, and show the round's `status`.

Collecting runs in two phases, each safe to interrupt and repeat:
1. every spreadsheet attachment is stored once under its SHA-256 in received/ (written
   atomically, with a .json beside it saying where and when it came from: the first sighting
   wins, so a duplicate attachment is recognised by its hash);
2. the manifest's return columns are rebuilt from everything in received/: each file is
   validated, matched to its row by the identifiers inside the workbook (never by file name or
   sender), and the latest accepted return per row counts.
Because phase 2 depends only on received/, a run killed midway and run again gives the same
manifest as one clean run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..consolidate.pipeline import ConsolidationResult, consolidate
from ..files import atomic_write_bytes, safe_filename
from ..issues import ERROR, REJECTED, SKIPPED
from ..returns.discover import Candidate
from ..returns.feedback import write_feedback
from ..returns.returned import ReturnedFile
from ..returns.validate import validate
from .folder import ManifestRow, Round, feedback_path, open_round
from .mail import Incoming, read_sources

Progress = Callable[[int, int], None]


@dataclass
class CollectOutcome:
    round: Round
    stored: int = 0
    duplicates: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (attachment, why)
    without_attachment: list[str] = field(default_factory=list)  # messages with nothing
    unmatched: list[ReturnedFile] = field(default_factory=list)
    rows: list[ManifestRow] = field(default_factory=list)


def collect(
    round_id: str,
    sources: list[Path],
    *,
    rounds_dir: Path | None = None,
    content_dir: Path | None = None,
    incoming: list[Incoming] | None = None,
    progress: Progress | None = None,
) -> CollectOutcome:
    rnd = open_round(round_id, rounds_dir)
    out = CollectOutcome(rnd)
    received = rnd.sub("received")
    for leftover in received.glob(".*.part"):  # a write cut short by a killed run
        leftover.unlink(missing_ok=True)
    # one message at a time: a large mailbox is never held in memory whole
    for msg in itertools.chain(incoming or [], read_sources(sources)):

        def log(result: str, msg: Incoming = msg, **extra: str) -> None:
            rnd.audit(
                "collect",
                source=msg.source,
                message_id=msg.message_id,
                sender=msg.sender,
                result=result,
                **extra,
            )

        if not msg.attachments:
            what = msg.subject or msg.source
            out.without_attachment.append(f"{msg.sender}: {what}" if msg.sender else what)
            log("no spreadsheet attachment")
        for att in msg.attachments:
            if att.data is None:
                out.refused.append((att.name, att.problem))
                log(f"refused: {att.problem}", attachment=att.name)
                continue
            result, sha = _store(received, msg, att.name, att.data)
            out.stored += result == "stored"
            out.duplicates += result == "duplicate"
            log(result, attachment=att.name, sha256=sha)
    rebuild(rnd, out, content_dir, progress)
    return out


def _store(received: Path, msg: Incoming, name: str, data: bytes) -> tuple[str, str]:
    """Store an attachment once under its hash; ("stored" or "duplicate", its SHA-256)."""
    sha = hashlib.sha256(data).hexdigest()
    ext = Path(name).suffix.lower() or ".bin"
    target = received / f"{sha}{ext}"
    meta = received / f"{sha}.json"
    existed = meta.exists()
    if not target.exists():
        atomic_write_bytes(target, data)
    if not existed:  # written after the file: a sidecar always has its file
        atomic_write_bytes(
            meta,
            json.dumps(
                {
                    "sha256": sha,
                    "file": target.name,
                    "original_name": name,
                    "source": msg.source,
                    "message_id": msg.message_id,
                    "sender": msg.sender,
                    "received_at": msg.received_at.isoformat() if msg.received_at else "",
                },
                indent=2,
            ).encode("utf-8"),
        )
    return ("duplicate" if existed else "stored"), sha


def received_candidates(rnd: Round) -> list[tuple[Candidate, dict[str, Any]]]:
    """Each received file as validation sees it, named by its original name and hash."""
    return [
        (
            Candidate(
                rnd.folder / "received" / info["file"],
                f"{info['original_name']} [{info['sha256'][:8]}]",
            ),
            info,
        )
        for info in received_files(rnd)
    ]


def received_files(rnd: Round) -> list[dict[str, Any]]:
    folder = rnd.folder / "received"
    out = []
    for meta in sorted(folder.glob("*.json")) if folder.exists() else []:
        info = json.loads(meta.read_text(encoding="utf-8"))
        if (folder / info["file"]).exists():
            out.append(info)
    return out


def rebuild(
    rnd: Round,
    out: CollectOutcome,
    content_dir: Path | None = None,
    progress: Progress | None = None,
) -> None:
    """Phase 2: the manifest's return columns, derived from received/ alone."""
    received = received_candidates(rnd)
    by_name = {c.name: info for c, info in received}
    candidates = [c for c, _info in received]
    report = validate(
        candidates,
        units=rnd.roster_path,
        content_dir=content_dir,
        round_id=rnd.round_id,
        progress=progress,
    )
    rows = rnd.read_manifest()
    index = {r.key: r for r in rows}
    matched: dict[tuple[str, str, str], list[ReturnedFile]] = {}
    for f in report.files:
        key = (f.questionnaire, f.unit_id, f.system_id)
        if f.status != SKIPPED and key in index:
            matched.setdefault(key, []).append(f)
        else:
            out.unmatched.append(f)
    for r in rows:
        files = matched.get(r.key, [])
        r.returns = len(files)
        kept = report.kept.get(r.key)
        good = [f for f in files if f.status != REJECTED]
        when = {f.name: by_name[f.name]["received_at"] for f in files}
        if kept is not None and good:
            r.status, r.accepted_file = kept.status, f"received/{by_name[kept.name]['file']}"
            r.returned_at = when[kept.name]
            notes = [i.message for i in kept.issues if i.code != "duplicate-return"]
            sender = by_name[kept.name]["sender"]
            if sender and r.recipient and sender != r.recipient.lower():
                notes.insert(0, f"returned by {sender}, not by {r.recipient} to whom it was sent")
            r.issues = " | ".join(notes)[:1000]
        elif files:
            latest = max(files, key=lambda f: (when[f.name], f.name))
            r.status, r.accepted_file, r.returned_at = REJECTED, "", when[latest.name]
            r.issues = " | ".join(i.message for i in latest.issues if i.severity == ERROR)[:1000]
            _keep_rejected(rnd, r, latest, by_name[latest.name])
        else:
            r.status, r.accepted_file, r.returned_at, r.issues = "missing", "", "", ""
    rnd.write_manifest(rows)
    _write_returns_index(rnd, report.files, by_name, index)
    rnd.audit(
        "rebuild-manifest", received=len(received), rows=len(rows), unmatched=len(out.unmatched)
    )
    out.rows = rows


def _keep_rejected(rnd: Round, row: ManifestRow, f: ReturnedFile, info: dict[str, Any]) -> None:
    folder = rnd.sub("rejected")
    stem = safe_filename(Path(info["original_name"]).stem) + "_" + info["sha256"][:8]
    copy = folder / (stem + Path(info["file"]).suffix)
    if not copy.exists():
        atomic_write_bytes(copy, (rnd.folder / "received" / info["file"]).read_bytes())
        reasons = "\n".join(str(i) for i in f.issues)
        atomic_write_bytes(folder / (stem + ".txt"), reasons.encode("utf-8"))
    target = feedback_path(rnd, row)
    if not target.exists():
        try:
            made = write_feedback(f, target.parent)
        except Exception:  # the feedback copy is a courtesy; the manifest has the reasons
            return
        if made is not None and made != target:
            made.replace(target)


def _write_returns_index(
    rnd: Round,
    files: list[ReturnedFile],
    by_name: dict[str, Any],
    index: dict[tuple[str, str, str], ManifestRow],
) -> None:
    """received/index.csv: every file received, what it was matched to, and why not."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "file",
            "original_name",
            "sender",
            "received_at",
            "status",
            "questionnaire",
            "unit_id",
            "system_id",
            "matched",
            "issues",
        ]
    )
    for f in files:
        info = by_name.get(f.name, {})
        key = (f.questionnaire, f.unit_id, f.system_id)
        w.writerow(
            [
                info.get("file", ""),
                info.get("original_name", ""),
                info.get("sender", ""),
                info.get("received_at", ""),
                f.status,
                f.questionnaire,
                f.unit_id,
                f.system_id,
                "yes" if key in index else "no",
                " | ".join(i.message for i in f.issues)[:1000],
            ]
        )
    atomic_write_bytes(rnd.folder / "received" / "index.csv", buf.getvalue().encode("utf-8"))


def consolidate_round(
    round_id: str, *, rounds_dir: Path | None = None, output: Path | None = None, **options: Any
) -> ConsolidationResult:
    """Consolidate a round's received returns, with its roster supplying the expected units."""
    rnd = open_round(round_id, rounds_dir)
    candidates = [c for c, _info in received_candidates(rnd)]
    result = consolidate(
        candidates,
        units=rnd.roster_path,
        output=output or rnd.folder / "summary.xlsx",
        round_id=round_id,
        questionnaires=rnd.settings.get("questionnaires"),
        **options,
    )
    rnd.audit("consolidate", summary=str(result.summary), files=len(candidates))
    return result
