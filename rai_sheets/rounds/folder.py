"""A round's folder: the state a coordinator can read without the tool.

    output/rounds/<round-id>/
      round.json        the round's settings (deadline, time zone, sender, questionnaires)
      roster.csv        the roster used
      sent/             the generated workbooks
      outbox/           the emails, as .eml drafts any mail client opens
      manifest.csv      one row per workbook: who, sent, returned, accepted, why not
      received/         every spreadsheet received, stored under its SHA-256, never modified,
                        with a .json beside it saying where it came from
      rejected/         copies of rejected returns with their reasons
      feedback/         feedback workbooks for rejected returns
      summary.xlsx      the consolidation
      audit.jsonl       every action, appended, with its time and inputs

Every file is replaced atomically; the audit is append-only. Text in the CSV files that a
spreadsheet would take for a formula is stored with a leading apostrophe (files.inert).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from ..files import atomic_write_bytes, inert, uninert
from .deadline import Deadline, machine_timezone, parse_deadline, zone

ROUNDS_DIR = Path("output/rounds")
ROUND_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$")


class RoundError(Exception):
    """The round cannot be used as asked (unknown, or its folder is damaged)."""


@dataclass
class ManifestRow:
    unit_id: str
    unit_name: str
    system_id: str
    system_name: str
    questionnaire: str
    recipient: str
    file: str  # the workbook sent, relative to the round folder
    sha256: str
    sent_at: str = ""
    send_status: str = "draft"  # draft, sent, failed: <reason>, no address
    status: str = "missing"  # missing, accepted, accepted-with-warnings, rejected
    returned_at: str = ""
    accepted_file: str = ""  # received/<sha>.xlsx that counts
    returns: int = 0  # how many files were received for this row
    issues: str = ""  # why: what was accepted, the warnings, why rejected, or why missing
    reminded_at: str = ""
    rejected_file: str = ""  # received/<sha>.xlsx whose rejection the row shows
    matched_by: str = ""  # how that return was matched: contents, file name, sender...

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.questionnaire, self.unit_id, self.system_id)


COLUMNS = [f.name for f in fields(ManifestRow)]


@dataclass
class Round:
    folder: Path
    round_id: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def manifest_path(self) -> Path:
        return self.folder / "manifest.csv"

    @property
    def roster_path(self) -> Path:
        return self.folder / "roster.csv"

    def sub(self, name: str) -> Path:
        path = self.folder / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def timezone(self) -> str:
        """The round's time zone; rounds made before it was recorded use the machine's."""
        return str(self.settings.get("timezone") or machine_timezone())

    @property
    def zone(self) -> tzinfo:
        try:
            return zone(self.timezone)
        except ValueError as exc:
            raise RoundError(f"{self.folder / 'round.json'}: {exc}") from None

    @property
    def deadline(self) -> Deadline | None:
        text = str(self.settings.get("deadline") or "")
        if not text:
            return None
        try:
            return parse_deadline(text, self.timezone)
        except ValueError as exc:
            raise RoundError(f"{self.folder / 'round.json'}: {exc}") from None

    def read_manifest(self) -> list[ManifestRow]:
        if not self.manifest_path.exists():
            return []
        with self.manifest_path.open(encoding="utf-8", newline="") as fh:
            rows = []
            for rec in csv.DictReader(fh):
                values: dict[str, Any] = {k: uninert(rec.get(k, "") or "") for k in COLUMNS}
                values["returns"] = int(values["returns"] or 0)
                rows.append(ManifestRow(**values))
            return rows

    def write_manifest(self, rows: list[ManifestRow]) -> None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: inert(v) for k, v in asdict(r).items()})
        atomic_write_bytes(self.manifest_path, buf.getvalue().encode("utf-8"))

    def save_settings(self) -> None:
        data = json.dumps({"round": self.round_id, **self.settings}, indent=2, sort_keys=True)
        atomic_write_bytes(self.folder / "round.json", data.encode("utf-8"))

    def audit(self, action: str, **details: Any) -> None:
        """Append one line to audit.jsonl; flushed to disk before returning."""
        entry = {"time": datetime.now().isoformat(timespec="seconds"), "action": action, **details}
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "audit.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())


def round_folder(round_id: str, rounds_dir: Path | None = None) -> Path:
    if not ROUND_ID.match(round_id):
        raise RoundError(
            f'"{round_id}" is not a usable round id: use letters, digits, ".", "_" '
            'or "-" (at most 41), for example 2026Q4.'
        )
    return (rounds_dir or ROUNDS_DIR) / round_id


def open_round(round_id: str, rounds_dir: Path | None = None, create: bool = False) -> Round:
    folder = round_folder(round_id, rounds_dir)
    settings_path = folder / "round.json"
    if not settings_path.exists():
        if not create:
            raise RoundError(
                f"there is no round {round_id} in {folder.parent}/ (distribute "
                "creates it; --rounds-dir points elsewhere)."
            )
        folder.mkdir(parents=True, exist_ok=True)
        return Round(folder, round_id, {})
    try:
        settings = json.loads(settings_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RoundError(f"{settings_path} cannot be read: {exc}") from None
    settings.pop("round", None)
    return Round(folder, round_id, settings)


def feedback_path(rnd: Round, row: ManifestRow) -> Path:
    """Where the feedback workbook for a rejected return of this row is kept."""
    return rnd.folder / "feedback" / (Path(row.file).stem + "_feedback.xlsx")
