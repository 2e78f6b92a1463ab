"""Replies coming back for a round: `collect` them, and show the round's `status`.

Collecting runs in two phases, each safe to interrupt and repeat:
1. every spreadsheet attachment is stored once under its SHA-256 in received/ (written
   atomically, with a .json beside it saying where and when it came from: the first sighting
   wins, so a duplicate attachment is recognised by its hash);
2. the manifest's return columns are rebuilt from everything in received/ (rebuild.py): each
   file is validated and matched to its row by the identifiers inside the workbook, or, when
   it cannot be read, by its file name or sender where they leave no doubt; the latest
   accepted return per row counts.
Because phase 2 depends only on received/, a run killed midway and run again gives the same
manifest as one clean run.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import i18n
from ..consolidate.pipeline import ConsolidationResult, consolidate
from ..files import atomic_write_bytes
from ..issues import REJECTED, SKIPPED
from ..returns.discover import Candidate
from ..returns.returned import ReturnedFile
from .folder import ManifestRow, Round, open_round
from .mail import Incoming, read_sources
from .rebuild import Judge, rebuild

Progress = Callable[[int, int], None]


@dataclass
class CollectOutcome:
    round: Round
    stored: int = 0
    duplicates: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (attachment, why)
    without_attachment: list[str] = field(default_factory=list)  # messages with nothing
    unmatched: list[ReturnedFile] = field(default_factory=list)  # every file not on a row
    rows: list[ManifestRow] = field(default_factory=list)
    new: set[str] = field(default_factory=set)  # SHA-256 of the files this run stored
    new_rejected: list[ReturnedFile] = field(default_factory=list)  # of those, rejected
    new_unmatched: list[ReturnedFile] = field(default_factory=list)  # of those, not matched

    @property
    def problems(self) -> bool:
        """This run brought a file that was refused, rejected or not matched."""
        return bool(self.refused or self.new_rejected or self.new_unmatched)

    @property
    def complete(self) -> bool:
        return bool(self.rows) and all(r.status.startswith("accepted") for r in self.rows)


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
            if result == "stored":
                out.new.add(sha)
            out.stored += result == "stored"
            out.duplicates += result == "duplicate"
            log(result, attachment=att.name, sha256=sha)
    candidates = received_candidates(rnd)
    files, out.rows, judge = rebuild(rnd, candidates, content_dir, progress)
    on_rows = {r.key for r in out.rows}
    for f in files:
        is_new = judge.info[f.name]["sha256"] in out.new
        if f.status == SKIPPED or (f.questionnaire, f.unit_id, f.system_id) not in on_rows:
            out.unmatched.append(f)
            if is_new:
                out.new_unmatched.append(f)
        elif is_new and f.status == REJECTED:
            out.new_rejected.append(f)
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


def consolidate_round(
    round_id: str, *, rounds_dir: Path | None = None, output: Path | None = None, **options: Any
) -> ConsolidationResult:
    """Consolidate a round's received returns, with its roster supplying the expected units."""
    rnd = open_round(round_id, rounds_dir)
    received = received_candidates(rnd)
    judge = Judge.of(rnd, received)
    if not options.get("round_date") and rnd.deadline:  # rounds are ordered by their deadline
        options["round_date"] = rnd.deadline.on_time_until.date()
    result = consolidate(
        [c for c, _info in received],
        units=rnd.roster_path,
        output=output or rnd.folder / "summary.xlsx",
        round_id=round_id,
        questionnaires=rnd.settings.get("questionnaires"),
        known=judge.known,
        identify=judge.identify,
        **options,
    )
    rnd.audit("consolidate", summary=str(result.summary), files=len(received))
    return result


def round_verdict(round_id: str, result: ConsolidationResult, lang: str = "en") -> tuple[bool, str]:
    """Whether the consolidated round is complete (every expected return accepted), in words;
    earlier rejected or unmatched files that were since replaced do not count against it."""
    counts = result.consolidation.counts
    expected, accepted = int(counts["expected"].sum()), int(counts["accepted"].sum())
    missing, rejected = int(counts["missing"].sum()), int(counts["rejected"].sum())
    if expected and accepted == expected:
        return True, i18n.text("round.complete", lang, round=round_id, workbooks=expected)
    needed = [i18n.text("round.n_missing", lang, n=missing)] if missing else []
    needed += [i18n.text("round.n_rejected", lang, n=rejected)] if rejected else []
    return False, i18n.text(
        "round.incomplete",
        lang,
        round=round_id,
        accepted=accepted,
        workbooks=expected,
        needed=", ".join(needed) or i18n.text("round.none_expected", lang),
    )
