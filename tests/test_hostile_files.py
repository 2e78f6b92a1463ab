"""Whatever comes back by email: each kind of bad file gets a specific reason, and the run goes
on to the next file. Every fixture is a real file made in the test."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
import python_calamine
from click.testing import CliRunner

from rai_sheets import api
from rai_sheets.cli import cli
from rai_sheets.returns import validate as validate_stage

from .factory import returned, rewrite_zip
from .libreoffice import ODS, XLS

BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
)


def _with_doctype(good: Path, dst: Path, doctype: bytes, entity: bytes) -> Path:
    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/sharedStrings.xml":
            data = data.replace(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', doctype, 1
            )
            data = data.replace(b"<t>Ref</t>", b"<t>" + entity + b"</t>", 1)
        return data

    return rewrite_zip(good, dst, edit)


@pytest.fixture()
def good(tmp_path, questionnaires) -> Path:
    return returned(tmp_path, questionnaires["risk"], name="good.xlsx")


def _status(report, name: str):
    f = next(f for f in report.files if f.name.endswith(name))
    return f.status, [i.code for i in f.issues]


def test_each_kind_of_bad_file_is_rejected_with_its_reason_and_the_run_goes_on(
    tmp_path, good, questionnaires
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a_good.xlsx").write_bytes(good.read_bytes())
    (inbox / "empty.xlsx").write_bytes(b"")
    (inbox / "renamed_csv.xlsx").write_text("unit,score\nU01,3\n", encoding="utf-8")
    (inbox / "renamed_html.xlsx").write_text("<!DOCTYPE html><html><body>Hi</body></html>")
    data = good.read_bytes()
    (inbox / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    # damage the compressed data of one part
    damaged = bytearray(data)
    with zipfile.ZipFile(good) as zf:
        first = zf.infolist()[2]
    offset = first.header_offset + 30 + len(first.filename) + 20
    damaged[offset : offset + 8] = b"\x00" * 8
    (inbox / "damaged.xlsx").write_bytes(bytes(damaged))
    # change one byte of a stored (uncompressed) part: only the CRC can tell
    stored = io.BytesIO()
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    raw = bytearray(stored.getvalue())
    at = raw.index(b"<sheetData>") + 20
    raw[at] = raw[at] ^ 0x01
    (inbox / "crc.xlsx").write_bytes(bytes(raw))
    rewrite_zip(good, inbox / "macro.xlsm", lambda n, d: d)
    with zipfile.ZipFile(inbox / "macro.xlsm", "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"\x00" * 64)
    _with_doctype(good, inbox / "billion_laughs.xlsx", BILLION_LAUGHS, b"&c;")
    _with_doctype(good, inbox / "xxe.xlsx", EXTERNAL_ENTITY, b"&xxe;")
    bomb = inbox / "zip_bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", b"<" + b" " * (300 * 1024 * 1024) + b"/>")
    many = inbox / "many_parts.xlsx"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(1200):
            zf.writestr(f"xl/p{i}.xml", "<a/>")
    plain = openpyxl.Workbook()
    plain.active["A1"] = "not ours"
    plain.save(inbox / "someone_elses.xlsx")
    (inbox / "~$a_good.xlsx").write_bytes(b"lock")
    (inbox / "notes.pdf").write_bytes(b"%PDF-1.4")

    report = api.validate([inbox], jobs=1)

    assert _status(report, "a_good.xlsx") == ("accepted", [])
    expected = {
        "empty.xlsx": "empty-file",
        "renamed_csv.xlsx": "not-xlsx",
        "renamed_html.xlsx": "not-xlsx",
        "truncated.xlsx": "corrupt-archive",
        "crc.xlsx": "corrupt-archive",
        "damaged.xlsx": "corrupt-archive",
        "macro.xlsm": "macro-enabled",
        "billion_laughs.xlsx": "unsafe-xml",
        "xxe.xlsx": "unsafe-xml",
        "zip_bomb.xlsx": "zip-bomb",
        "many_parts.xlsx": "zip-bomb",
        "someone_elses.xlsx": "unknown-workbook",
    }
    for name, code in expected.items():
        assert _status(report, name) == ("rejected", [code]), name
    messages = {f.name.rsplit("/", 1)[-1]: f.issues[0].message for f in report.files if f.issues}
    assert "a CSV or text file" in messages["renamed_csv.xlsx"]
    assert "a web page (HTML)" in messages["renamed_html.xlsx"]
    assert "checksum (CRC)" in messages["crc.xlsx"]
    assert "compressed data is damaged" in messages["damaged.xlsx"]
    assert "end of the archive is missing" in messages["truncated.xlsx"]
    assert "expand to 300 MB" in messages["zip_bomb.xlsx"]
    skipped = {
        f.name.rsplit("/", 1)[-1]: f.skipped_reason for f in report.files if f.status == "skipped"
    }
    assert skipped == {
        "~$a_good.xlsx": "an Excel lock file, left while the workbook was open",
        "notes.pdf": "not a spreadsheet (.pdf)",
    }
    # every input file appears exactly once
    assert sorted(f.name for f in report.files) == sorted(str(p) for p in inbox.iterdir())


def test_xml_bombs_fail_safely_in_both_readers(tmp_path, good):
    """Beyond our preflight: openpyxl (through defusedxml) and calamine refuse entities."""
    for doctype, entity in ((BILLION_LAUGHS, b"&c;"), (EXTERNAL_ENTITY, b"&xxe;")):
        bomb = _with_doctype(good, tmp_path / "bomb.xlsx", doctype, entity)
        with pytest.raises(Exception) as caught:
            openpyxl.load_workbook(bomb)
        assert "DTD" in repr(caught.value.__context__) or "invalid XML" in str(caught.value)
        with pytest.raises(python_calamine.CalamineError):
            python_calamine.CalamineWorkbook.from_path(str(bomb)).get_sheet_by_name(
                "Risks"
            ).to_python()


def test_password_protected_workbook_is_rejected_with_how_to_fix(tmp_path, good):
    encrypted = tmp_path / "locked.xlsx"
    office = msoffcrypto.OfficeFile(io.BytesIO(good.read_bytes()))
    with encrypted.open("wb") as out:
        office.encrypt("s3cret", out)
    report = api.validate([encrypted], jobs=1)
    f = report.files[0]
    assert (f.status, [i.code for i in f.issues]) == ("rejected", ["encrypted"])
    assert "password to open" in f.issues[0].message


def test_xls_and_ods_saved_by_libreoffice_are_rejected_with_how_to_resave(
    tmp_path, good, libreoffice
):
    libreoffice.load(good)
    libreoffice.save(tmp_path / "old.xls", XLS)
    libreoffice.save(tmp_path / "calc.ods", ODS)
    libreoffice.save(tmp_path / "ods_renamed.xlsx", ODS)
    libreoffice.close_doc()
    report = api.validate(
        [tmp_path / "old.xls", tmp_path / "calc.ods", tmp_path / "ods_renamed.xlsx"], jobs=1
    )
    codes = [(f.status, [i.code for i in f.issues]) for f in report.files]
    assert codes == [
        ("rejected", ["legacy-xls"]),
        ("rejected", ["ods-format"]),
        ("rejected", ["ods-format"]),
    ]
    assert "Save As > Excel Workbook (.xlsx)" in report.files[0].issues[0].message


def test_oversized_file_is_refused_before_reading(tmp_path, good, monkeypatch):
    monkeypatch.setattr("rai_sheets.returns.preflight.MAX_FILE_BYTES", 1024)
    report = api.validate([good], jobs=1)
    assert [i.code for i in report.files[0].issues] == ["file-too-large"]


def test_cli_json_lists_every_file_once_and_exits_1_when_any_is_rejected(tmp_path, good):
    (tmp_path / "bad.xlsx").write_bytes(b"")
    (tmp_path / "readme.txt").write_text("hello")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert {f["path"].rsplit("/", 1)[-1]: f["status"] for f in doc["files"]} == {
        "bad.xlsx": "rejected",
        "good.xlsx": "accepted",
        "readme.txt": "skipped",
    }
    bad = next(f for f in doc["files"] if f["path"].endswith("bad.xlsx"))
    assert bad["issues"] == [
        {
            "code": "empty-file",
            "severity": "error",
            "sheet": "",
            "cell": "",
            "message": bad["issues"][0]["message"],
        }
    ]
    assert doc["summary"]["rejected"] == 1 and doc["summary"]["files"] == 3


def test_an_unexpected_failure_on_one_file_is_reported_and_the_run_goes_on(
    tmp_path, good, monkeypatch, questionnaires
):
    other = returned(tmp_path, questionnaires["readiness"], name="other.xlsx")
    real = validate_stage.read_return

    def flaky(path, name, contents, today=None):
        if path.name == "good.xlsx":
            raise RuntimeError("boom")
        return real(path, name, contents, today)

    monkeypatch.setattr(validate_stage, "read_return", flaky)
    result = CliRunner().invoke(cli, ["validate", str(good), str(other)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "rai-sheets could not process this file: RuntimeError: boom" in result.output
    assert "other.xlsx" in result.output and "1 accepted" in result.output


def _damaged_copies(good: Path, folder: Path, count: int, seed: int = 7) -> None:
    """Real workbooks damaged the ways transit and careless tools damage them."""
    import random

    rng = random.Random(seed)
    data = good.read_bytes()
    with zipfile.ZipFile(good) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    for i in range(count):
        kind = ("bytes", "xml", "drop")[i % 3]
        if kind == "bytes":
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 20)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            out = bytes(damaged)
        else:
            mutated = dict(parts)
            name = rng.choice(sorted(mutated))
            if kind == "drop":
                mutated.pop(name)
            else:
                xml = bytearray(mutated[name])
                for _ in range(rng.randint(1, 5)):
                    at = rng.randrange(len(xml))
                    xml[at : at + rng.randint(1, 30)] = bytes(
                        rng.choice(b"<>&\"'/= abc\x00") for _ in range(rng.randint(0, 10))
                    )
                mutated[name] = bytes(xml)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for part, body in mutated.items():
                    zf.writestr(part, body)
            out = buf.getvalue()
        (folder / f"damaged_{i:03d}_{kind}.xlsx").write_bytes(out)


def test_randomly_damaged_workbooks_each_get_a_specific_reason(tmp_path, good):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _damaged_copies(good, inbox, 150)
    report = api.validate([inbox], jobs=1)
    assert len(report.files) == 150
    unexplained = [
        (f.name, i.message) for f in report.files for i in f.issues if i.code == "internal-error"
    ]
    assert unexplained == []
    # a damaged sheet names the sheet
    damaged = [i for f in report.files for i in f.issues if i.code == "damaged-workbook"]
    assert damaged and all(i.sheet for i in damaged)


@pytest.mark.parametrize(
    ("lang", "lock", "note", "bare"),
    [
        ("fr", "verrouillage", "ignoré : pas un fichier de tableur (.pdf)", "sans extension"),
        ("es", "bloqueo", "omitido: no es un archivo de hoja de cálculo (.pdf)", "sin extensión"),
        ("ar", "ملف قفل", "تم تجاوزه: ليس ملف جدول بيانات (.pdf)", "بلا امتداد"),
    ],
)
def test_why_a_file_was_skipped_is_said_in_the_coordinators_language(
    tmp_path, lang, lock, note, bare
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "~$a_good.xlsx").write_bytes(b"\x00lock")
    (inbox / "notes.pdf").write_bytes(b"%PDF-1.4")
    (inbox / "README").write_text("read me", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(inbox), "--lang", lang])
    lines = result.output.splitlines()
    assert any(lock in line and "~$a_good.xlsx" in line for line in lines), result.output
    assert any(note in line and "notes.pdf" in line for line in lines), result.output
    assert any(bare in line and "README" in line for line in lines), result.output
    assert "spreadsheet" not in result.output and "lock file" not in result.output


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """An archive whose one part would expand to 300 MB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<" + b" " * (300 * 1024 * 1024) + b"/>")
    return path


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fr", "il occuperait 300 Mo une fois décompressé (limite : 200 Mo)"),
        ("es", "ocuparía 300 MB una vez descomprimido (límite: 200 MB)"),
        ("ar", "سيبلغ حجمه بعد فك الضغط 300 ميغابايت (الحد الأقصى 200 ميغابايت)"),
    ],
)
def test_what_a_refused_archive_holds_is_said_in_the_coordinators_language(bomb, lang, said):
    """Sizes and limits travel as numbers beside a catalogue key, not as English sentences."""
    report = api.validate([bomb]).speak(lang)
    (issue,) = report.files[0].issues
    assert issue.code == "zip-bomb" and said in issue.message
    assert "would expand to" not in issue.message and "(limit " not in issue.message
