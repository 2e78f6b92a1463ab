"""The workbook contract, defined once: sheet names, columns, cell positions and names.

Generator, reader, validation and tests import these names; nothing else hard-codes a cell
address. `plan(questionnaire)` places every question, input, helper and result cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ..content.question_types import LOG_FIELDS, family_of
from ..i18n import text
from ..model import DEFAULT_LANGUAGE, SCORED_TYPES, Metric, Question, Questionnaire

# The fixed sheets, by their English names; in another language their names come from the
# interface catalogue (`fixed_sheet`), the question sheets' from the content (`sheet::<lang>`).
# Reading back never goes by a sheet's name: answers are found through the defined names.
INSTRUCTIONS = "Instructions"
RESULTS = "Results"
CHANGES = "Changes"
LISTS = "_lists"
META = "_meta"
ISSUES_SHEET = "Issues"  # first sheet of a feedback workbook
FIXED_SHEETS = {
    INSTRUCTIONS: "sheet.instructions",
    RESULTS: "sheet.results",
    CHANGES: "sheet.changes",
}


def fixed_sheet(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The name of a fixed sheet (INSTRUCTIONS, RESULTS, CHANGES) in a workbook in `lang`."""
    return text(FIXED_SHEETS[name], lang)


def sheet_ref(name: str) -> str:
    """A sheet's name as a formula writes it: quoted, any apostrophe doubled."""
    return "'" + name.replace("'", "''") + "'"


TITLE_ROW = 0
SUBTITLE_ROW = 1
PROGRESS_ROW = 2  # "31 of 41 required answers given"
NOTE_ROW = 3  # a one-line legend or hint above the table
HEADER_ROW = 4  # 0-based: row 5 holds the column headers of question sheets
FIRST_ROW = 5

# Longest text accepted in a free-text answer, by field kind.
TEXT_LIMIT = {"text": 500, "longtext": 4000}


def text_limit(kind: str) -> int:
    """The longest text accepted for a free-text field kind."""
    return TEXT_LIMIT["longtext" if kind == "longtext" else "text"]


# Meta keys written to `_meta` and to the custom document properties.
META_KEYS = (
    "questionnaire",
    "version",
    "content_hash",
    "unit_id",
    "unit_name",
    "system_id",
    "system_name",
    "round",
    "language",
    "generated_at",
    "generator",
)
META_NAMES_HEADER = ("name", "kind", "id")  # the defined names themselves carry the cell
META_CARRIED = "carried"  # 4th column of the names table: the answer carried over, as text
CARRIED_FROM, MIGRATED_FROM = "carried_from", "migrated_from"  # _meta keys, when carried

# Columns per family: (key, width). A key is a field key ("" for single-input questions),
# "ref", "label", "principle", "guidance", or "rule:param" for item results. The header is the
# setting `column_<key>`, else the catalogue's `column.<family>.<key>` (see `column_header`).
COLUMNS: dict[str, tuple[tuple[str, int], ...]] = {
    "form": (
        ("ref", 10),
        ("label", 50),
        ("", 19),
        ("item_points:", 7),
        ("comment", 30),
        ("principle", 18),
        ("guidance", 44),
    ),
    "text": (
        ("ref", 16),
        ("label", 46),
        ("", 62),
        ("guidance", 44),
    ),
    "risk": (
        ("ref", 9),
        ("label", 42),
        ("principle", 15),
        ("likelihood", 13),
        ("impact", 11),
        ("risk_level:inherent", 15),
        ("note", 22),
        ("mitigation", 32),
        ("mitigation_status", 11),
        ("owner", 14),
        ("due", 11),
        ("residual_likelihood", 12),
        ("residual_impact", 11),
        ("risk_level:residual", 15),
        ("item_attention:", 17),
    ),
    "check": (
        ("ref", 9),
        ("label", 52),
        ("principle", 20),
        ("status", 14),
        ("owner", 18),
        ("due", 12),
        ("evidence", 24),
        ("notes", 30),
        ("item_attention:", 16),
    ),
    "log": (
        ("ref", 5),
        ("date", 12),
        ("stage", 24),
        ("decision", 34),
        ("decided_by", 18),
        ("risk_level", 13),
        ("conditions", 28),
        ("rationale", 28),
        ("next_review", 12),
    ),
}
# Hidden helper columns to the right of the visible ones, per family.
HELPERS: dict[str, tuple[str, ...]] = {
    "form": ("weighted", "attainable", "pending", "na", "critical_low"),
    "text": (),
    "risk": ("rank_inherent", "rank_residual", "rank_in_place", "pending", "na"),
    "check": ("stage_due", "done", "overdue", "no_evidence", "pending", "na"),
    "log": (),
}


def header_key(family: str, key: str) -> str:
    """The settings key of a column header: `column_<key>`, and `column_question` for the
    question text of a sheet of questions answered in words."""
    if family == "text" and key == "label":
        return "column_question"
    return f"column_{_column_id(key)}"


def _column_id(key: str) -> str:
    return key.replace(":", "_").strip("_") or "answer"


def column_header(qn: Questionnaire, family: str, key: str, lang: str) -> str:
    """A column's header in `lang`: the content's setting, else the catalogue's default."""
    return qn.say(header_key(family, key), lang, f"column.{family}.{_column_id(key)}")


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int  # 0-based
    col: int  # 0-based

    @property
    def a1(self) -> str:
        return f"{col_letter(self.col)}{self.row + 1}"

    @property
    def abs_ref(self) -> str:
        return f"{sheet_ref(self.sheet)}!${col_letter(self.col)}${self.row + 1}"


def col_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class SheetPlan:
    name: str  # as the workbook names it, in its language
    family: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # (kind, id) per row from FIRST_ROW
    key: str = ""  # the content's (English) name of the sheet, which its sections give

    @property
    def columns(self) -> tuple[tuple[str, int], ...]:
        return COLUMNS[self.family]

    def col(self, key: str) -> int:
        for i, (k, _) in enumerate(self.columns):
            if k == key:
                return i
        if key in HELPERS[self.family]:
            return len(self.columns) + HELPERS[self.family].index(key)
        raise KeyError(key)


@dataclass
class ResultsTable:
    scope: str  # "all" or "each:..."
    metrics: list[list[Metric]]  # rows x columns
    top: int  # 0-based row of the table header


@dataclass
class Plan:
    questionnaire: Questionnaire
    lang: str
    sheets: list[SheetPlan]
    inputs: dict[str, Cell]  # in_ name -> cell
    label_cells: dict[str, Cell]  # question id -> the cell holding its text
    question_rows: dict[str, Cell]  # question id -> first cell of its row
    outputs: dict[str, Cell]  # metric id -> cell
    helpers: dict[tuple[str, str], Cell]  # (question id, helper key) -> cell
    results: list[ResultsTable]

    def sheet(self, name: str) -> SheetPlan:
        """A question sheet by its name in this plan's language, or by its English name."""
        return next(s for s in self.sheets if name in (s.name, s.key))

    def sheet_of(self, q: Question) -> SheetPlan:
        return self.sheet(section_sheet(self.questionnaire, q.section_id))

    @property
    def results_sheet(self) -> str:
        return fixed_sheet(RESULTS, self.lang)


def sheet_family(qn: Questionnaire, sheet: str) -> str:
    """A sheet's layout: "form" as soon as it has a scored statement, else its questions'."""
    families = {
        family_of(q.type)
        for s in qn.sections
        if s.sheet == sheet
        for q in qn.section_questions(s.id)
    }
    return "form" if "form" in families else min(families)


def section_sheet(qn: Questionnaire, section_id: str) -> str:
    return next(s.sheet for s in qn.sections if s.id == section_id)


@lru_cache(maxsize=32)
def plan(qn: Questionnaire, lang: str = DEFAULT_LANGUAGE) -> Plan:
    """Where everything goes in a workbook of `qn` in `lang` (only the sheet names differ
    between languages: every cell is at the same row and column)."""
    sheets: dict[str, SheetPlan] = {}
    for s in qn.sections:
        qs = qn.section_questions(s.id)
        if not qs:
            continue
        sp = sheets.setdefault(
            s.sheet,
            SheetPlan(qn.sheet_name(s.sheet, lang), sheet_family(qn, s.sheet), key=s.sheet),
        )
        if sp.family != "log":
            sp.rows.append(("section", s.id))
        for q in qs:
            if q.type == "log":
                rows = len(q.fields) // len(LOG_FIELDS)
                sp.rows += [("log", f"{q.id}:{n:02d}") for n in range(1, rows + 1)]
            else:
                sp.rows.append(("question", q.id))
    inputs: dict[str, Cell] = {}
    labels: dict[str, Cell] = {}
    qrows: dict[str, Cell] = {}
    helpers: dict[tuple[str, str], Cell] = {}
    outputs: dict[str, Cell] = {}
    item_metrics: dict[tuple[str, str], Metric] = {}
    for m in qn.metrics:
        if m.rule.scope == "each:question" and m.scope_id:
            item_metrics[(m.scope_id, f"{m.rule.rule}:{m.rule.param}")] = m
    for sp in sheets.values():
        for i, (kind, ident) in enumerate(sp.rows):
            row = FIRST_ROW + i
            if kind == "log":
                qid, n = ident.split(":")
                q = qn.questions_by_id[qid]
                for f in q.fields:
                    if f.key.startswith(n + "_"):
                        inputs[q.input_name(f)] = Cell(sp.name, row, sp.col(f.key.split("_", 1)[1]))
                continue
            if kind != "question":
                continue
            q = qn.questions_by_id[ident]
            qrows[q.id] = Cell(sp.name, row, 0)
            labels[q.id] = Cell(sp.name, row, sp.col("label"))
            for f in q.fields:
                inputs[q.input_name(f)] = Cell(sp.name, row, sp.col(f.key))
            if q.type in SCORED_TYPES:
                for key in HELPERS[sp.family]:
                    helpers[(q.id, key)] = Cell(sp.name, row, sp.col(key))
            for col_key, _ in sp.columns:
                item = item_metrics.get((q.id, col_key))
                if item is not None:
                    outputs[item.id] = Cell(sp.name, row, sp.col(col_key))
    results = _plan_results(qn, outputs, fixed_sheet(RESULTS, lang))
    return Plan(qn, lang, list(sheets.values()), inputs, labels, qrows, outputs, helpers, results)


def _plan_results(qn: Questionnaire, outputs: dict[str, Cell], sheet: str) -> list[ResultsTable]:
    """Results sheet: one table per scope ("each:section" rows x rules), then the totals."""
    groups: dict[str, list] = {}
    for rule in qn.rules:
        if rule.scope != "each:question":
            groups.setdefault(rule.scope, []).append(rule)
    tables: list[ResultsTable] = []
    row = 3
    ordered = [s for s in groups if s != "all"] + (["all"] if "all" in groups else [])
    for scope in ordered:
        rules = groups[scope]
        by_rule = {id(r): [m for m in qn.metrics if m.rule is r] for r in rules}
        if scope == "all":
            grid = [[m] for r in rules for m in by_rule[id(r)]]
        else:
            ids = qn.scope_ids(scope)
            grid = [
                [next(m for m in by_rule[id(r)] if m.scope_id == sid) for r in rules] for sid in ids
            ]
        table = ResultsTable(scope, grid, row)
        for i, metrics in enumerate(grid):
            for j, m in enumerate(metrics):
                outputs[m.id] = Cell(sheet, row + 1 + i, 1 + j)
        tables.append(table)
        row += len(grid) + 3
    return tables


def list_name(scale_id: str, rated_only: bool = False) -> str:
    return f"lst_{scale_id}" + ("_rated" if rated_only else "")


def field_list(qn: Questionnaire, scale_id: str, rated_only: bool) -> str:
    """The dropdown list of a field: without its "not applicable" choices where it must be
    rated (such a list exists only for scales that have them)."""
    return list_name(scale_id, rated_only and bool(qn.scales[scale_id].na_codes))


def points_name(scale_id: str) -> str:
    return f"pts_{scale_id}"


# Defined names on the lists sheet used by formulas.
LEVEL_LABELS, LEVEL_RANKS = "lvl_label", "lvl_rank"
MATRIX, MATRIX_ROWS, MATRIX_COLS = "mtx_level", "mtx_likelihood", "mtx_impact"
BAND_MINS, BAND_LABELS = "bnd_min", "bnd_label"
