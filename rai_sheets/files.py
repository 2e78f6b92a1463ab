"""Writing files safely: atomic replacement, so a crash never leaves half a file behind; and
text made inert for the CSV files a coordinator opens in a spreadsheet application."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

# What a spreadsheet application takes for the start of a formula when it opens a CSV file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """Yield a temporary file beside `path`; it replaces `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_output(path) as fh:
        fh.write(data)


def atomic_write_with(path: Path, writer: Callable[[IO[bytes]], None]) -> None:
    with atomic_output(path) as fh:
        writer(fh)


def safe_filename(text: str, limit: int = 80) -> str:
    keep = "".join(c if c.isalnum() or c in "._-" else "_" for c in text).strip("._")
    return keep[:limit] or "file"


def inert(value: Any) -> Any:
    """Text that a spreadsheet would take for a formula, prefixed with an apostrophe (as OWASP
    recommends against CSV injection); anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def uninert(value: str) -> str:
    """The text `inert` was given, for reading back a CSV file this tool wrote."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
