"""A coordinator generates workbooks; a respondent opens them: dropdowns, protection, names,
metadata and pre-filled, locked unit fields. Checked by reading the real files back."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from rai_sheets.cli import cli
from rai_sheets.model import Unit
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook
from rai_sheets.workbook.layout import INSTRUCTIONS, LISTS, META, RESULTS, plan
from rai_sheets.workbook.personalise import PersonalisedWriter

ROSTER = (
    "\n".join(
        [
            "Unit ID , Unit Name,Email,Language,System ID,System Name",
            "U01,Cyber Crime & Fraud,cyber@example.org,,S-FACE,Facial image search",
            "U01,Cyber Crime & Fraud,cyber@example.org,,S-EVIL,\"=cmd|' /C calc'!A0\"",
            "U02,Traffic Policing,traffic@example.org,fr,S-ANPR,Number-plate reading",
            'U03,"<Community> ""Liaison""",,,,',
        ]
    )
    + "\n"
)


def _meta(ws) -> dict[str, str]:
    out = {}
    for row in ws.iter_rows(values_only=True):
        if row[0] == "name":
            break
        if row[0]:
            out[row[0]] = row[1] or ""
    return out


def test_generate_without_roster_writes_three_blank_workbooks(tmp_path, questionnaires):
    result = CliRunner().invoke(cli, ["generate", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 workbook(s)" in result.output
    for qid, qn in questionnaires.items():
        path = tmp_path / f"{qid}_blank.xlsx"
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[0] == INSTRUCTIONS
        assert wb.sheetnames[-3:] == [RESULTS, LISTS, META]
        assert wb[LISTS].sheet_state == "hidden"
        assert wb[META].sheet_state == "veryHidden"
        # the contract: every input and every metric has its workbook-level name
        names = set(wb.defined_names)
        assert set(qn.input_names) <= names
        assert {f"out_{m.id}" for m in qn.metrics} <= names
        meta = _meta(wb[META])
        assert meta["questionnaire"] == qid and meta["version"] == qn.version
        assert meta["content_hash"] == qn.content_hash
        listed = {r[0] for r in wb[META].iter_rows(values_only=True)}
        assert set(qn.input_names) <= listed
        props = {p.name: p.value for p in wb.custom_doc_props.props}
        assert props["questionnaire"] == qid and props["version"] == qn.version
        p = plan(qn)
        for name, cell in p.inputs.items():
            ws = wb[cell.sheet]
            assert ws.protection.sheet, f"{cell.sheet} is not protected"
            assert ws[cell.a1].protection.locked is False, name
        # answers by dropdown, lists on the hidden sheet through defined names
        sources = {
            dv.formula1
            for ws in wb
            for dv in ws.data_validations.dataValidation
            if dv.type == "list"
        }
        assert sources and all(s.startswith("lst_") for s in sources)
        for m in qn.metrics:
            out = p.outputs[m.id]
            assert wb[out.sheet][out.a1].data_type == "f", m.id


def test_a_roster_gives_one_workbook_per_unit_and_per_ai_system(tmp_path, questionnaires):
    roster = tmp_path / "units.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["generate", "--units", str(roster), "--round", "2026Q4", "-o", str(out)]
        + ["--allow-fallback"],  # U02 answers in French, while French is being completed
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.glob("*.xlsx"))
    assert names == sorted(
        ["readiness_U01_2026Q4.xlsx", "readiness_U02_2026Q4.xlsx", "readiness_U03_2026Q4.xlsx"]
        + [
            f"{q}_{u}_{s}_2026Q4.xlsx"
            for q in ("risk", "action")
            for u, s in (("U01", "S-FACE"), ("U01", "S-EVIL"), ("U02", "S-ANPR"))
        ]
    )

    wb = openpyxl.load_workbook(out / "risk_U01_S-EVIL_2026Q4.xlsx")
    where = plan(questionnaires["risk"]).inputs["in_system_name"]
    cell = wb[where.sheet][where.a1]
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"
    assert cell.protection.locked is True
    meta = _meta(wb[META])
    assert meta["system_name"] == "=cmd|' /C calc'!A0" and meta["round"] == "2026Q4"
    with zipfile.ZipFile(out / "risk_U01_S-EVIL_2026Q4.xlsx") as zf:
        for name in zf.namelist():
            assert b"<f>cmd" not in zf.read(name) and b"<f>=cmd" not in zf.read(name)

    fr = openpyxl.load_workbook(out / "readiness_U02_2026Q4.xlsx")
    assert _meta(fr[META])["language"] == "fr"
    assert fr[LISTS]["A3"].value == "1 - Initial" and fr[LISTS]["A8"].value == "Sans objet"
    odd = openpyxl.load_workbook(out / "readiness_U03_2026Q4.xlsx")
    where = plan(questionnaires["readiness"]).inputs["in_unit_name"]
    assert odd[where.sheet][where.a1].value == '<Community> "Liaison"'


def test_personalised_workbooks_equal_directly_written_ones(questionnaires):
    qn = questionnaires["risk"]
    unit = Unit("U9", 'A&B <unit> "quoted"', system_id="S9", system_name="Speech & text")
    spec = WorkbookSpec(qn, None, "R1", "en")
    fast = PersonalisedWriter(spec, with_system=True).render(unit)
    direct = io.BytesIO()
    write_workbook(WorkbookSpec(qn, unit, "R1", "en", generated_at=spec.generated_at), direct)
    a = openpyxl.load_workbook(io.BytesIO(fast))
    b = openpyxl.load_workbook(io.BytesIO(direct.getvalue()))
    assert a.sheetnames == b.sheetnames
    for ws in a:
        other = b[ws.title]
        assert [[c.value for c in r] for r in ws.iter_rows()] == [
            [c.value for c in r] for r in other.iter_rows()
        ], ws.title
        assert ws.oddFooter.left.text == other.oddFooter.left.text
    assert {p.name: p.value for p in a.custom_doc_props.props} == {
        p.name: p.value for p in b.custom_doc_props.props
    }


def test_sheets_can_be_protected_with_a_password(tmp_path):
    result = CliRunner().invoke(
        cli, ["generate", "readiness", "--password", "s3cret", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "readiness_blank.xlsx")
    assert wb["Assessment"].protection.password  # stored as a hash
    plain = tmp_path / "plain"
    CliRunner().invoke(cli, ["generate", "readiness", "-o", str(plain)])
    assert not openpyxl.load_workbook(plain / "readiness_blank.xlsx")[
        "Assessment"
    ].protection.password


@pytest.mark.parametrize(
    ("roster", "expected"),
    [
        ("unit_name,email\nTraffic,t@example.org\n", "line 1: the header lacks unit_id"),
        (
            "unit_id,unit_name,email\nU1,Traffic,not-an-address\n",
            'line 2, column email: "not-an-address" is not an email address',
        ),
        (
            "unit_id,unit_name,system_id,system_name\nU1,Traffic,S1,ANPR\nU2,Cyber,S1,Face\n",
            'line 3, column system_id: "S1" is already listed on line 2',
        ),
        ("unit_id,unit_name\nU1,Traffic\n,Cyber\n", "line 3, column unit_id: is empty"),
        ("unit_id,unit_name,language\nU1,Traffic,de\n", 'line 2, column language: "de" has no'),
        (
            "unit_id,unit_name\nU1," + "x" * 201 + "\n",
            "line 2, column unit_name: is 201 characters",
        ),
    ],
)
def test_a_bad_roster_gets_row_precise_errors(tmp_path, roster, expected):
    path = tmp_path / "units.csv"
    path.write_text(roster, encoding="utf-8")
    result = CliRunner().invoke(cli, ["generate", "--units", str(path), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert f"units.csv, {expected}" in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("*.xlsx"))


def test_unknown_questionnaire_and_language_are_usage_errors(tmp_path):
    r = CliRunner().invoke(cli, ["generate", "riks", "-o", str(tmp_path)])
    assert r.exit_code == 2 and "unknown questionnaire riks" in r.output
    r = CliRunner().invoke(cli, ["generate", "--lang", "xx", "-o", str(tmp_path)])
    assert r.exit_code == 2 and 'no "xx" translation' in r.output


def test_python_m_runs_the_same_command():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "rai_sheets", "--help"], capture_output=True, text=True, check=True
    )
    assert "generate" in out.stdout


def test_output_opens_without_repair_in_libreoffice(tmp_path, libreoffice, questionnaires):
    """LibreOffice loads each workbook, and every result formula computes without an error."""
    for qid, qn in questionnaires.items():
        path = tmp_path / f"{qid}.xlsx"
        write_workbook(WorkbookSpec(qn), path.open("wb"))
        libreoffice.load(Path(path))
        libreoffice.recalc()
        values = libreoffice.get([m.name for m in qn.metrics])
        assert not [v for v in values if isinstance(v, str) and v.startswith("#ERR")]
