"""Verdicts on received files that could not be read, kept so that no collect reads them again.

A file that was rejected before its identity could be read (a damaged archive, a file that
is not a workbook, a reader that crashed or ran out of its budget) gets the same verdict
every time it is read, and reading it may be what costs the most, or crashes. Its verdict is
stored in `verdicts/<sha256>.json` and used instead of reading the file again, for as long
as both halves of its key hold: the file's content (received files are stored under their
hash and never change) and the tool that judged it (its version and a hash of its code, so
that an upgrade or a fix reads the file afresh). Files that could be read are not cached:
their verdict depends on the roster, the round and the other returns.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..files import atomic_write_bytes
from ..issues import CATALOGUE, Issue
from ..returns.returned import ReturnedFile
from .folder import Round


@functools.cache
def tool_fingerprint() -> str:
    """The tool's version and a hash of its code: any change to how files are read shows."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


def _path(rnd: Round, sha: str) -> Path:
    return rnd.folder / "verdicts" / f"{sha}.json"


def load(rnd: Round, files: list[tuple[str, Path, str]]) -> dict[str, ReturnedFile]:
    """The stored verdicts that still hold, by candidate name; files is (name, path, sha)."""
    out: dict[str, ReturnedFile] = {}
    for name, path, sha in files:
        stored = _path(rnd, sha)
        if not stored.exists():
            continue
        try:
            data = json.loads(stored.read_text(encoding="utf-8"))
            if data.get("tool") != tool_fingerprint() or data.get("sha256") != sha:
                continue
            rf = ReturnedFile(str(path), name, sha256=sha)
            for i in data["issues"]:
                if i["code"] not in CATALOGUE:
                    raise ValueError(i["code"])
                issue = Issue(i["code"], name, i["sheet"], i["cell"], i["params"], i["lang"])
                _ = issue.message  # the stored parameters must still fill the template
                rf.issues.append(issue)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            continue  # a verdict that cannot be used is a verdict not made: read the file
        if rf.issues:
            out[name] = rf.finish()
    return out


def save(rnd: Round, f: ReturnedFile, sha: str) -> None:
    """Record the verdict on a file rejected before its identity could be read."""
    stored = _path(rnd, sha)
    record: dict[str, Any] = {
        "sha256": sha,
        "tool": tool_fingerprint(),
        "status": f.status,
        "recorded_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "issues": [
            {
                "code": i.code,
                "sheet": i.sheet,
                "cell": i.cell,
                "params": {k: _plain(v) for k, v in i.params.items()},
                "lang": i.lang,
                "message": i.message,  # for a person reading the folder
            }
            for i in f.issues
        ],
    }
    data = json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8")
    if not stored.exists() or stored.read_bytes() != data:
        atomic_write_bytes(stored, data)


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def stored_issues(rnd: Round, sha: str) -> list[Issue]:
    """The issues of a stored verdict, whichever tool reached it (for messages, not reuse)."""
    try:
        data = json.loads(_path(rnd, sha).read_text(encoding="utf-8"))
        issues = [
            Issue(i["code"], sha, i["sheet"], i["cell"], i["params"], i["lang"])
            for i in data["issues"]
            if i["code"] in CATALOGUE
        ]
        for issue in issues:
            _ = issue.message
        return issues
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return []
