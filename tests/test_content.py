"""A coordinator's content: the built-in questionnaires load, and broken content is caught
with the file, line and column of each problem."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from rai_sheets.cli import cli
from rai_sheets.content.load import check_content


def test_the_three_tools_load_with_every_item_tagged_by_principle(questionnaires):
    readiness, risk, action = (questionnaires[q] for q in ("readiness", "risk", "action"))
    scored = readiness.scored_questions()
    assert 50 <= len(scored) <= 60
    assert len({q.section_id for q in scored}) == 10  # with the legal and regulatory dimension
    assert all(q.scale_id == "maturity" for q in scored)
    assert readiness.scales["maturity"].by_code("na").points is None
    assert readiness.scales["maturity"].by_code("dont_know").points == 0
    assert {q.id for q in scored if q.critical} >= {"legal_01", "legal_03", "data_02"}

    principles = {p.id for p in risk.principles}
    assert len(principles) == 17 and len(risk.cores) == 5
    per_principle = Counter(q.principle_id for q in risk.scored_questions())
    assert set(per_principle) == principles
    assert min(per_principle.values()) >= 3
    assert [lv.id for lv in sorted(risk.levels, key=lambda lv: lv.rank)] == [
        "low",
        "medium",
        "high",
        "extreme",
    ]
    assert len(risk.matrix) == 16

    stages = [s.id for s in action.sections if action.scored_questions("each:section", s.id)]
    assert stages == ["planning", "design", "deployment", "use", "evaluation"]
    for qn in questionnaires.values():
        for q in qn.scored_questions():
            assert q.principle_id in qn.principles_by_id, q.id
        assert "fr" in qn.languages


def test_content_check_passes_on_the_built_in_content():
    result = CliRunner().invoke(cli, ["content", "check"])
    assert result.exit_code == 0, result.output
    assert "Content is valid: readiness, risk, action." in result.output


def _broken_copy(content_dir: Path, tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(content_dir, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, start: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(start):
            return n
    raise AssertionError(start)


def test_content_check_names_file_line_and_column_of_each_problem(content_dir, tmp_path):
    root = _broken_copy(content_dir, tmp_path)
    questions = root / "risk" / "questions.csv"
    _edit(questions, "necess_1,lawful,necessity,", "necess_1,lawful,necesity,")
    _edit(questions, "necess_2,", "necess_1,")
    _edit(root / "risk" / "matrix.csv", "rare,low,low,medium,high", "rare,low,low,medium,severe")
    _edit(root / "readiness" / "bands.csv", "partial,35,", "partial,thirty-five,")

    result = CliRunner().invoke(cli, ["content", "check", str(root)])

    assert result.exit_code == 1
    out = result.output
    line = _line_of(questions, "necess_1,lawful,necesity")
    assert f'risk/questions.csv, line {line}, column principle_id: "necesity" is not one' in out
    dup = _line_of(questions, "necess_1,lawful,necessity")  # the row that was necess_2
    assert f'risk/questions.csv, line {dup}, column question_id: "necess_1" is used more' in out
    assert 'risk/matrix.csv, line 2, column severe: "severe" is not a level' in out
    assert 'readiness/bands.csv, line 3, column min_percent: "thirty-five" is not a number' in out


def test_content_check_finds_a_text_whose_comma_shifted_the_columns(content_dir, tmp_path):
    """An unquoted comma in a label pushes the guidance into a column the header lacks: the
    guidance would be silently lost, so the row is named."""
    root = _broken_copy(content_dir, tmp_path)
    questions = root / "action" / "questions.csv"
    line = _line_of(questions, "owning_unit,")
    _edit(questions, ",Owning unit,", ",Owning unit, in full,")  # the label, unquoted

    result = CliRunner().invoke(cli, ["content", "check", str(root)])

    assert result.exit_code == 1
    expected = f"action/questions.csv, line {line}: has 1 field(s) more than the header"
    assert expected in result.output


def test_content_check_reports_a_missing_column_and_an_unknown_scale(content_dir, tmp_path):
    root = _broken_copy(content_dir, tmp_path)
    _edit(root / "action" / "sections.csv", "section_id,sheet,", "section_id,tab,")
    _edit(
        root / "readiness" / "questions.csv",
        "lead_01,lead,accountability,scale,maturity",
        "lead_01,lead,accountability,scale,maturty",
    )
    problems = [str(p) for p in check_content(root)]
    assert any(p.startswith("action/sections.csv: lacks the column(s) sheet") for p in problems)
    assert any(
        p.startswith('readiness/questions.csv, line 5, column scale_id: "maturty"')
        for p in problems
    ), problems


def test_content_check_knows_the_acceptance_roles_and_the_critical_column(content_dir, tmp_path):
    root = _broken_copy(content_dir, tmp_path)
    _edit(root / "risk" / "acceptance.csv", "chief_officer,extreme,", "chief_officer,catastrophic,")
    _edit(
        root / "readiness" / "questions.csv",
        "legal_01,legal,legitimacy,scale,maturity,yes,,yes,",
        "legal_01,legal,legitimacy,scale,maturity,yes,,maybe,",
    )
    problems = [str(p) for p in check_content(root)]
    assert any(
        p.startswith('risk/acceptance.csv, line 4, column max_level: "catastrophic"')
        for p in problems
    )
    assert any(
        "readiness/questions.csv" in p and 'column critical: "maybe" must be yes or no' in p
        for p in problems
    )


def test_content_check_knows_the_question_maps_of_this_version(content_dir, tmp_path):
    root = _broken_copy(content_dir, tmp_path)
    qmap = root / "risk" / "question_map.csv"
    _edit(qmap, "2026.1,legit_1,legit_3,", "2026.1,legit_1,legit_33,")
    (root / "action" / "question_map.csv").write_text("old,new\nplan_1,plan_1\n", encoding="utf-8")
    problems = [str(p) for p in check_content(root)]
    line = _line_of(qmap, "2026.1,legit_1,legit_33")
    assert any(
        p.startswith(f'risk/question_map.csv, line {line}, column new_id: "legit_33" leads to')
        for p in problems
    ), problems
    assert any(p.startswith("action/question_map.csv: lacks the column(s)") for p in problems)


def test_every_id_in_a_question_map_exists_in_the_current_content(questionnaires, content_dir):
    import csv

    for qid, qn in questionnaires.items():
        with (content_dir / qid / "question_map.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows, qid
        assert all(not r["new_id"] or r["new_id"] in qn.questions_by_id for r in rows)
        assert all(r["from_version"] != qn.version for r in rows)
