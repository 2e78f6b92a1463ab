"""Phase 2 of collect: the manifest's return columns, rebuilt from received/ alone.

Every received file is validated (files rejected before their identity could be read are
judged once: see verdicts.py) and matched to its manifest row by the identifiers inside it;
one that cannot be read is matched by its file name or sender when they identify one row
without doubt (attribute.py), and is otherwise listed on its own. For each row, the latest
accepted return counts; without one, the latest rejected return says why. Every row gets its
reason, whatever its status. Rejected files are copied to rejected/ with their reasons, and
received/index.csv lists every file with what it was matched to, and how.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..files import atomic_write_bytes, inert, safe_filename
from ..issues import ERROR, REJECTED, SKIPPED
from ..returns.discover import Candidate
from ..returns.feedback import write_feedback
from ..returns.returned import ReturnedFile
from ..returns.validate import validate
from . import verdicts
from .attribute import Attribution, attribute
from .deadline import parse_time
from .folder import ManifestRow, Round, feedback_path

Progress = Callable[[int, int], None]
Key = tuple[str, str, str]
CONTENTS = "contents"
EARLIEST = datetime.min.replace(tzinfo=UTC)
INDEX_COLUMNS = (
    "file",
    "original_name",
    "sender",
    "received_at",
    "status",
    "questionnaire",
    "unit_id",
    "system_id",
    "matched",
    "matched_by",
    "note",
    "issues",
)


@dataclass
class Judge:
    """What the round adds to validation: the verdicts it already has on files that could not
    be read, and the outside of such files (name, sender) to match them by."""

    rnd: Round
    rows: list[ManifestRow]
    info: dict[str, dict[str, Any]]  # candidate name -> the received file's sidecar
    known: dict[str, ReturnedFile] = field(default_factory=dict)
    matches: dict[str, Attribution] = field(default_factory=dict)

    @classmethod
    def of(cls, rnd: Round, received: list[tuple[Candidate, dict[str, Any]]]) -> Judge:
        judge = cls(rnd, rnd.read_manifest(), {c.name: info for c, info in received})
        judge.known = verdicts.load(rnd, [(c.name, c.path, i["sha256"]) for c, i in received])
        return judge

    def identify(self, f: ReturnedFile) -> Key | None:
        """Record the verdict on a file that could not be read; match it from the outside."""
        info = self.info[f.name]
        if f.name not in self.known:
            verdicts.save(self.rnd, f, info["sha256"])
        match = attribute(info["original_name"], info.get("sender", ""), self.rows)
        self.matches[f.name] = match
        return match.key

    def how(self, f: ReturnedFile) -> str:
        match = self.matches.get(f.name)
        return match.how if match else CONTENTS

    def arrival(self, f: ReturnedFile) -> datetime:
        return parse_time(self.info[f.name].get("received_at", "")) or EARLIEST

    def when(self, f: ReturnedFile) -> str:
        """The arrival in the round's time zone, as stored in the manifest."""
        moment = parse_time(self.info[f.name].get("received_at", ""))
        if moment is None:
            return ""
        return moment.astimezone(self.rnd.zone).isoformat(timespec="seconds")


def rebuild(
    rnd: Round,
    received: list[tuple[Candidate, dict[str, Any]]],
    content_dir: Path | None = None,
    progress: Progress | None = None,
) -> tuple[list[ReturnedFile], list[ManifestRow], Judge]:
    """Validate what was received and rewrite the manifest and the index from it."""
    judge = Judge.of(rnd, received)
    report = validate(
        [c for c, _info in received],
        units=rnd.roster_path,
        content_dir=content_dir,
        round_id=rnd.round_id,
        progress=progress,
        known=judge.known,
        identify=judge.identify,
    )
    rows = judge.rows
    index = {r.key: r for r in rows}
    matched: dict[Key, list[ReturnedFile]] = {}
    for f in report.files:
        key = (f.questionnaire, f.unit_id, f.system_id)
        if f.status != SKIPPED and key in index:
            matched.setdefault(key, []).append(f)
        if f.status == REJECTED:
            _keep_rejected(rnd, f, judge)
    for r in rows:
        latest = _settle(r, matched.get(r.key, []), report.kept.get(r.key), judge)
        if latest is not None and latest.name not in judge.matches:
            _feedback(rnd, r, latest, content_dir)
    rnd.write_manifest(rows)
    _write_index(rnd, report.files, judge, index)
    unmatched = sum(
        1 for f in report.files if (f.questionnaire, f.unit_id, f.system_id) not in index
    )
    rnd.audit("rebuild-manifest", received=len(received), rows=len(rows), unmatched=unmatched)
    return report.files, rows, judge


def _settle(
    r: ManifestRow, files: list[ReturnedFile], kept: ReturnedFile | None, judge: Judge
) -> ReturnedFile | None:
    """Set the row's return columns and its reason; the rejected return it shows, if any."""
    r.returns = len(files)
    r.accepted_file = r.rejected_file = r.matched_by = r.returned_at = ""
    if kept is not None and any(f.status != REJECTED for f in files):
        r.status, r.matched_by = kept.status, CONTENTS
        r.accepted_file = f"received/{judge.info[kept.name]['file']}"
        r.returned_at = judge.when(kept)
        r.issues = _accepted_why(r, kept, files, judge)[:1000]
        return None
    if files:
        latest = max(files, key=lambda f: (judge.arrival(f), f.name))
        r.status, r.matched_by = REJECTED, judge.how(latest)
        r.rejected_file = f"received/{judge.info[latest.name]['file']}"
        r.returned_at = judge.when(latest)
        r.issues = _rejected_why(latest, judge)[:1000]
        return latest
    r.status = "missing"
    r.issues = "no return received yet"
    if r.send_status not in ("sent", "draft"):
        r.issues += f"; the invitation was not sent ({r.send_status})"
    return None


def _shown(stored: str) -> str:
    return stored[:16].replace("T", " ") if stored else "at an unknown time"


def _source(f: ReturnedFile, judge: Judge) -> str:
    """Which file a row's reason is about: its name, sender if it matters, arrival, matching."""
    info, how = judge.info[f.name], judge.matches.get(f.name)
    sender = info.get("sender", "")
    text = info["original_name"] + (f" from {sender}" if how and sender else "")
    text += f", received {_shown(judge.when(f))}"
    return text + (f"; matched to this workbook by its {how.how}" if how else "")


def _accepted_why(
    r: ManifestRow, kept: ReturnedFile, files: list[ReturnedFile], judge: Judge
) -> str:
    """The warnings first, then anything else worth knowing, then which file counts."""
    notes = [i.message for i in kept.issues if i.code != "duplicate-return"]
    sender = judge.info[kept.name].get("sender", "")
    if sender and r.recipient and sender != r.recipient.lower():
        notes.append(f"returned by {sender}, not by {r.recipient} to whom it was sent")
    usable = sum(f.status != REJECTED for f in files)
    if usable > 1:
        notes.append(f"{usable} usable returns received; this one, saved last, counts")
    if len(files) > usable:
        notes.append(f"{len(files) - usable} other file(s) received for it could not be accepted")
    source = _source(kept, judge)
    return f"{' | '.join(notes)} ({source})" if notes else source


def _rejected_why(f: ReturnedFile, judge: Judge) -> str:
    """Why the return was not accepted, then which file it was."""
    errors = " | ".join(i.message for i in f.issues if i.severity == ERROR)
    unread = "could not be read: " if f.name in judge.matches else ""
    return f"{unread}{errors} ({_source(f, judge)})"


def _keep_rejected(rnd: Round, f: ReturnedFile, judge: Judge) -> None:
    """A copy of a rejected return in rejected/, with its provenance and reasons beside it."""
    info = judge.info[f.name]
    folder = rnd.sub("rejected")
    stem = safe_filename(Path(info["original_name"]).stem) + "_" + info["sha256"][:8]
    copy = folder / (stem + Path(info["file"]).suffix)
    if copy.exists():
        return
    atomic_write_bytes(copy, (rnd.folder / "received" / info["file"]).read_bytes())
    match = judge.matches.get(f.name)
    lines = [
        f"file: {info['original_name']} (received/{info['file']})",
        f"from: {info.get('sender') or 'unknown'}, received {_shown(judge.when(f))}",
        f"source: {info.get('source', '')}",
        "matched: "
        + (
            "by the identifiers inside it"
            if match is None
            else f"by its {match.how}"
            if match.key
            else f"no ({match.how})"
        ),
        "",
        *(str(i) for i in f.issues),
    ]
    atomic_write_bytes(folder / (stem + ".txt"), ("\n".join(lines) + "\n").encode("utf-8"))


def _feedback(
    rnd: Round, row: ManifestRow, f: ReturnedFile, content_dir: Path | None = None
) -> None:
    """The marked-up copy a rejected (but readable) return's unit gets with its reminder (for
    one made from an older content version, the migrated current workbook)."""
    target = feedback_path(rnd, row)
    if target.exists():
        return
    try:
        made = write_feedback(f, target.parent, content_dir)
    except Exception:  # the feedback copy is a courtesy; the manifest has the reasons
        return
    if made is not None and made != target:
        made.replace(target)


def _write_index(
    rnd: Round, files: list[ReturnedFile], judge: Judge, index: dict[Key, ManifestRow]
) -> None:
    """received/index.csv: every file received, what it was matched to, how, and why not."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(INDEX_COLUMNS)
    for f in files:
        info = judge.info.get(f.name, {})
        key = (f.questionnaire, f.unit_id, f.system_id)
        match = judge.matches.get(f.name)
        found = key in index and f.status != SKIPPED
        how = judge.how(f) if found else ""
        note = match.how if match is not None and match.key is None else ""
        values = (
            info.get("file", ""),
            info.get("original_name", ""),
            info.get("sender", ""),
            judge.when(f) if info else "",
            f.status,
            f.questionnaire,
            f.unit_id,
            f.system_id,
            "yes" if found else "no",
            how,
            note,
            " | ".join(i.message for i in f.issues)[:1000],
        )
        w.writerow([inert(v) for v in values])
    atomic_write_bytes(rnd.folder / "received" / "index.csv", buf.getvalue().encode("utf-8"))
