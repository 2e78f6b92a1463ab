"""Is this untrusted file safe and sane to parse? A specific answer either way.

Runs before any parser touches a file: size limits, the real format behind the extension
(legacy .xls, encrypted OLE2, CSV/HTML/ODS renamed .xlsx), a damaged or truncated archive,
archive tricks (a part stored twice, a zip-encrypted part, an unsafe part name), macros, zip
bombs (checked against the archive's declared sizes before decompressing), DTDs in any XML
part, and content that reaches outside the workbook (archive_checks.py).
On success it hands back the archive's parts, decompressed once and CRC-checked.
"""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from zlib_ng import zlib_ng

from ..issues import Issue
from .archive_checks import dtd_problem, member_problem, outside_problem

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 250  # uncompressed / compressed, for members past 1 MB
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
LOCAL_HEADER = 30  # a part's local header; then its name and extra field, then its data
LOCAL_FIELDS = struct.Struct("<H18xHH")  # flags; the lengths of the name and extra field
UTF8_NAME = 0x800
UNUSUAL_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, patched, strongly encrypted: zipfile says no
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".csv"}


@dataclass
class Preflight:
    path: Path
    name: str
    issues: list[Issue] = field(default_factory=list)
    data: bytes = b""
    parts: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.issues


def preflight(path: Path, name: str | None = None, *, max_bytes: int | None = None) -> Preflight:
    name = name or path.name
    max_bytes = max_bytes or MAX_FILE_BYTES
    result = Preflight(path, name)

    def fail(code: str, **params: object) -> Preflight:
        result.issues.append(Issue(code, name, params=dict(params)))
        return result

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return fail("unreadable", reason="word.not_regular_file")
        size = info.st_size
        if size == 0:
            return fail("empty-file")
        if size > max_bytes:
            return fail("file-too-large", size_mb=size / 1_048_576, limit_mb=max_bytes // 1_048_576)
        data = path.read_bytes()
    except OSError as exc:
        return fail("unreadable", reason=exc.strerror or str(exc))
    result.data = data
    head = data[:8]
    if head == OLE2_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in data:
            return fail("encrypted")
        if "WordDocument".encode("utf-16-le") in data:
            return fail("not-xlsx", kind="word.kind_word")
        return fail("legacy-xls")
    if not head.startswith(ZIP_MAGIC):
        if head.startswith(b"PK\x05\x06"):
            return fail("corrupt-archive", reason="word.zip_empty")
        return fail("not-xlsx", kind=_sniff_kind(data))
    return _check_archive(data, result, fail)


def _sniff_kind(data: bytes) -> str:
    start = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"%pdf"):
        return "word.kind_pdf"
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start[:512]:
        return "word.kind_html"
    if start.startswith(b"<?xml") or start.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
            return "word.kind_xml2003"
        return "word.kind_xml"
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data[:4096].decode("cp1252")
        except UnicodeDecodeError:
            return "word.kind_binary"
    if any(sep in text for sep in (",", ";", "\t")) and "\x00" not in text:
        return "word.kind_csv"
    return "word.kind_text" if text.isprintable() or "\n" in text else "word.kind_binary"


def _check_archive(data: bytes, result: Preflight, fail: Callable[..., Preflight]) -> Preflight:
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as exc:
        return fail("corrupt-archive", reason=_zip_reason(exc))
    except (
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ) as exc:  # e.g. "zip file version 8.7"
        return fail("corrupt-archive", reason=str(exc) or type(exc).__name__)
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            return fail("zip-bomb", detail="word.bomb_parts", n=len(infos), limit=MAX_MEMBERS)
        problem = member_problem(infos)
        if problem:
            return fail(problem[0], **problem[1])
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_UNCOMPRESSED:
            return fail(
                "zip-bomb",
                detail="word.bomb_total",
                mb=round(total / 1_048_576),
                limit=MAX_TOTAL_UNCOMPRESSED // 1_048_576,
            )
        for i in infos:
            if i.file_size > MAX_MEMBER_UNCOMPRESSED:
                return fail(
                    "zip-bomb",
                    detail="word.bomb_part_size",
                    part=i.filename,
                    mb=round(i.file_size / 1_048_576),
                )
            if i.file_size > 1_048_576 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                return fail(
                    "zip-bomb",
                    detail="word.bomb_part_ratio",
                    part=i.filename,
                    ratio=i.file_size // max(i.compress_size, 1),
                )
        names = {i.filename for i in infos}
        if "mimetype" in names and zf.read("mimetype").startswith(
            b"application/vnd.oasis.opendocument"
        ):
            return fail("ods-format")
        if "xl/workbook.xml" not in names:
            if "xl/workbook.bin" in names:
                return fail("not-xlsx", kind="word.kind_xlsb")
            kind = "word.kind_word" if "word/document.xml" in names else "word.kind_archive"
            return fail("not-xlsx", kind=kind)
        macro = next((n for n in names if n.lower().endswith("vbaproject.bin")), None)
        if macro:
            return fail("macro-enabled", detail=macro)
        parts: dict[str, bytes] = {}
        for i in infos:
            if i.is_dir():
                continue
            try:
                # Reading is bounded by the declared size and checks the CRC.
                parts[i.filename] = _member(data, i) or zf.read(i)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
                return fail("corrupt-archive", reason=f"{i.filename}: {_zip_reason(exc)}")
            except NotImplementedError as exc:
                return fail("corrupt-archive", reason=f"{i.filename}: {exc}")
        content_types = parts.get("[Content_Types].xml", b"")
        if b"macroEnabled" in content_types:
            return fail(
                "macro-enabled", detail="its content types declare a macro-enabled workbook"
            )
        problem = dtd_problem(parts) or outside_problem(parts)
        if problem:
            return fail(problem[0], **problem[1])
        result.parts = parts
    return result


def _member(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A part as `ZipFile.read` reads it (no more than its declared size, its CRC checked),
    without the per-part machinery that doubles the cost of a small workbook. None whenever
    anything is unusual, for zipfile to read it and say what is wrong."""
    if info.flag_bits & UNUSUAL_FLAGS or info.compress_type not in (STORED, DEFLATED):
        return None
    at = info.header_offset
    if data[at : at + 4] != ZIP_MAGIC or len(data) < at + LOCAL_HEADER:
        return None
    flags, name_length, extra_length = LOCAL_FIELDS.unpack_from(data, at + 6)
    try:
        name = info.orig_filename.encode("utf-8" if flags & UTF8_NAME else "cp437")
    except UnicodeEncodeError:
        return None
    start = at + LOCAL_HEADER + name_length + extra_length
    if data[at + LOCAL_HEADER : at + LOCAL_HEADER + name_length] != name:
        return None
    packed = memoryview(data)[start : start + info.compress_size]
    if len(packed) != info.compress_size:
        return None
    if info.compress_type == STORED:
        body = bytes(packed) if info.compress_size == info.file_size else b""
    else:  # zlib-ng inflates twice as fast as zlib; a part is bounded by its declared size
        try:
            body = zlib_ng.decompressobj(-15).decompress(packed, info.file_size)
        except Exception:  # zlib_ng.error: zipfile will say what is wrong
            return None
    if len(body) != info.file_size or zlib_ng.crc32(body) != info.CRC:
        return None
    return body


def _zip_reason(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, zlib.error):
        return "word.zip_damaged"
    if "CRC" in text or "Bad CRC" in text:
        return "word.zip_crc"
    if "not a zip file" in text.lower() or "End-of-central-directory" in text:
        return "word.zip_end_missing"
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return "word.zip_truncated"
    return text or type(exc).__name__
