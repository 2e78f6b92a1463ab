"""What an archive holds, judged before any reader opens a part.

- member names and flags: a part stored twice (readers disagree on which copy counts), a
  zip-encrypted part, an absolute name or one that climbs out with `..`;
- a DTD or entity declaration in any XML part, in whatever encoding the part declares
  (UTF-16 and UTF-32 included), anywhere in the part;
- content that reaches outside the workbook: links to other workbooks, DDE and OLE links,
  embedded objects and ActiveX controls, data connections and query tables, and any
  relationship to an external target other than a hyperlink.

Each check returns the issue code and its parameters, or None.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from functools import lru_cache
from urllib.parse import unquote

from defusedxml import ElementTree as SafeET

Problem = tuple[str, dict[str, str]]

# Searched for only where a "!" occurs: a byte search for that rare character is far faster
# than looking at every "<".
DTD = re.compile(rb"!(?i:\s*(?:DOCTYPE|ENTITY))")
DTD_TEXT = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:\-]{1,40})""")
# The byte order marks and first bytes an XML parser uses to tell the encoding (XML 1.0,
# appendix F): four bytes, then two.
SNIFF = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x4c\x6f\xa7\x94", "cp037"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
# Encodings in which "<!DOCTYPE" is the same bytes as in ASCII: the byte search suffices.
ASCII_SAFE = {"utf-8", "ascii", "latin-1", "iso8859-1"} | {f"cp{n}" for n in range(1250, 1259)}
SPELLED_SAFE = {b"utf-8", b"UTF-8", b"utf8", b"UTF8", b"us-ascii", b"US-ASCII", b"ascii"}
NOT_XML_PREFIXES = ("xl/media/",)  # images: no reader parses them as XML

OUTSIDE_PARTS = (
    ("xl/externallinks/", "a link to another workbook"),
    ("xl/connections.xml", "a data connection"),
    ("xl/querytables/", "a query table fed by a data connection"),
    ("xl/embeddings/", "an embedded object"),
    ("xl/activex/", "an ActiveX control"),
)
OUTSIDE_RELATIONSHIPS = {
    "externalLink": "a link to another workbook",
    "externalLinkPath": "a link to another workbook",
    "oleObject": "an embedded or linked OLE object",
    "package": "an embedded object",
    "control": "an ActiveX control",
    "connections": "a data connection",
    "queryTable": "a query table fed by a data connection",
    "attachedTemplate": "a template outside the workbook",
}


# A relationships part that could hold an outside relationship: one naming a type above, an
# external target, or a character reference that could spell either.
RELATIONSHIP_WORTH_READING = re.compile(
    b"TargetMode|&|/(?:"
    + b"|".join(re.escape(k.encode()) for k in OUTSIDE_RELATIONSHIPS)
    + b")[\"']"
)


def member_problem(infos: list[zipfile.ZipInfo]) -> Problem | None:
    """Duplicate, encrypted or unsafely named members, from the central directory alone."""
    seen: set[str] = set()
    for info in infos:
        name = info.orig_filename
        if _unsafe_name(name):
            return "unsafe-path", {"part": name.replace("\x00", "\\x00")}
        if info.flag_bits & 0x1:
            return "encrypted-part", {"part": name}
        # Part names are compared as OPC does: case-insensitively, percent-decoded.
        key = (unquote(name).replace("\\", "/") if "%" in name or "\\" in name else name).lower()
        if key in seen:
            return "duplicate-part", {"part": name}
        seen.add(key)
    return None


def _unsafe_name(name: str) -> bool:
    if "\x00" in name or name.startswith(("/", "\\")) or name[1:2] == ":":
        return True
    if ".." not in name and "%" not in name:
        return False
    return ".." in re.split(r"[/\\]", unquote(name))


def dtd_problem(parts: dict[str, bytes]) -> Problem | None:
    """A DTD or entity declaration in any XML part, in the encoding the part declares."""
    for name, body in parts.items():
        if name.lower().startswith(NOT_XML_PREFIXES):
            continue
        if b"!" in body and DTD.search(body):
            return "unsafe-xml", {"part": name}
        encoding = _encoding(body)
        if encoding in ASCII_SAFE:
            continue
        try:
            text = body.decode(encoding, errors="replace")
        except LookupError:
            return "unsafe-xml", {"part": f"{name}, in an encoding that cannot be checked"}
        if DTD_TEXT.search(text):
            return "unsafe-xml", {"part": f"{name}, encoded as {encoding}"}
    return None


def _encoding(body: bytes) -> str:
    """The encoding an XML parser would read this part in, as a Python codec name."""
    if body[:1] not in (b"<", b"\xef") or body[1:2] == b"\x00":
        for mark, name in SNIFF:
            if body.startswith(mark):
                return name
    declared = DECLARED.match(body[:256])
    if declared is None or declared.group(1) in SPELLED_SAFE:
        return "utf-8"
    return _codec(declared.group(1).decode("ascii"))


@lru_cache(maxsize=64)
def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def outside_problem(parts: dict[str, bytes]) -> Problem | None:
    """Content that reaches outside the workbook; the part named, and what it is."""
    for name in parts:
        lower = name.lower()
        for prefix, kind in OUTSIDE_PARTS:
            if lower.startswith(prefix):
                if prefix == "xl/externallinks/" and not lower.endswith(".rels"):
                    kind = _link_kind(parts[name], kind)
                return "external-link", {"part": name, "kind": kind}
    for name, body in parts.items():
        if name.lower().endswith(".rels") and RELATIONSHIP_WORTH_READING.search(body):
            found = _outside_relationship(body)
            if found:
                return "external-link", {"part": name, "kind": found}
    return None


def _link_kind(body: bytes, default: str) -> str:
    if b"ddeLink" in body:
        return "a DDE link, which can start a program"
    if b"oleLink" in body:
        return "an OLE link to a program or file"
    return default


def _outside_relationship(body: bytes) -> str:
    try:
        root = SafeET.fromstring(body)
    except Exception:  # a damaged part is the readers' to report
        return ""
    for rel in root.iter():
        if not rel.tag.endswith("Relationship"):
            continue
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        if kind in OUTSIDE_RELATIONSHIPS:
            return OUTSIDE_RELATIONSHIPS[kind]
        if rel.get("TargetMode", "") == "External" and kind != "hyperlink":
            return f"a link ({kind}) to {rel.get('Target', '')[:120]}"
    return ""
