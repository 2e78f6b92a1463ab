"""Tidy long-format data for analysts: responses.csv and scores.csv (and Parquet if pyarrow is
installed). Rows are streamed to disk, so ten thousand returns never build one giant frame.

Text that a spreadsheet would take for a formula (starting with =, +, -, @, tab or carriage
return) is prefixed with an apostrophe, as OWASP recommends against CSV injection.

Lines are written as `csv.writer` writes them, from fields rendered once where they repeat:
a file's identity once per file, a question's columns and each choice's label once per
questionnaire, so that millions of lines cost little more than joining text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..files import atomic_output, inert
from ..model import SELECT, Metric, Questionnaire
from ..returns.returned import ReturnedFile
from ..scoring import CATEGORICAL_RULES, metric_label
from .aggregate import LANG, Consolidation

WHO_COLUMNS = (
    "file",
    "unit_id",
    "unit_name",
    "system_id",
    "system_name",
    "questionnaire",
    "version",
    "round",
)
RESPONSE_COLUMNS = (
    *WHO_COLUMNS,
    "question_id",
    "field",
    "principle_id",
    "sheet",
    "cell",
    "answer_label",
    "answer_value",
)
SCORE_COLUMNS = (*WHO_COLUMNS, "metric_id", "rule", "scope", "scope_id", "value", "label")
NEEDS_QUOTES = re.compile('[,"\r\n]')  # what makes csv.writer quote a field
CHUNK_LINES = 4096


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def field(value: Any) -> str:
    """One value as a CSV field, exactly as `csv.writer` writes it (the excel dialect): made
    inert, then quoted when it holds a comma, a quote or a line end."""
    value = inert(_plain(value))
    text = "" if value is None else str(value)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if NEEDS_QUOTES.search(text) else text


def fields(values: Iterable[Any]) -> str:
    return ",".join(map(field, values))


def _who(f: ReturnedFile) -> str:
    """The fields that identify a file, written once per file rather than once per row."""
    return fields(
        (
            f.name,
            f.unit_id,
            f.unit_name,
            f.system_id,
            f.system_name,
            f.questionnaire,
            f.version,
            f.round_id,
        )
    )


def response_lines(c: Consolidation) -> Iterator[str]:
    """responses.csv: a line per answer given, of each accepted return."""
    parts: dict[str, dict[str, tuple[str, dict[Any, str]]]] = {}
    places: dict[int, tuple[dict[str, tuple[str, str]], dict[str, str]]] = {}
    for f in c.kept:
        qn = c.contents[f.questionnaire]
        mine = parts.get(qn.id) or parts.setdefault(qn.id, _answer_parts(qn))
        where = places.get(id(f.cells))
        if where is None or where[0] is not f.cells:  # one map of cells per template
            where = places[id(f.cells)] = (f.cells, {n: fields(at) for n, at in f.cells.items()})
        who = _who(f)
        for name, value in f.answers.items():
            if value is None:
                continue
            fixed, choices = mine[name]
            shown = choices.get(value) if choices else None
            if shown is None:  # not a choice of the field's scale: as found, twice
                shown = f"{field(value)},{field(value)}"
            yield f"{who},{fixed},{where[1].get(name, ',')},{shown}\r\n"


def _answer_parts(qn: Questionnaire) -> dict[str, tuple[str, dict[Any, str]]]:
    """Per input: its question, field and principle, and for a choice field each code's label
    and code, as CSV fields; worked out once per questionnaire."""
    out: dict[str, tuple[str, dict[Any, str]]] = {}
    for name, (q, fld) in qn.input_names.items():
        choices: dict[Any, str] = {}
        if fld.kind == SELECT and fld.scale_id:
            for choice in qn.scales[fld.scale_id].choices:
                choices.setdefault(choice.code, fields((choice.label.get(LANG), choice.code)))
        out[name] = (fields((q.id, fld.key, q.principle_id or "")), choices)
    return out


def score_lines(c: Consolidation) -> Iterator[str]:
    """scores.csv: a line per metric of each accepted return."""
    metrics: dict[str, list[tuple[Metric, str, dict[Any, str]]]] = {}
    for f in c.kept:
        qn = c.contents[f.questionnaire]
        mine = metrics.get(qn.id)
        if mine is None:
            mine = metrics[qn.id] = [
                (m, fields((m.id, m.rule.rule, m.rule.scope, m.scope_id or "")), {})
                for m in qn.metrics
            ]
        who = _who(f)
        for m, fixed, shown in mine:
            value = f.scores.get(m.id)
            end = shown.get(value) if _named(m, value) else None
            if end is None:
                label = metric_label(qn, m, value, LANG)
                end = f"{field('' if value is None else value)},{field(label)}"
                if _named(m, value):
                    shown[value] = end
            yield f"{who},{fixed},{end}\r\n"


def _named(m: Metric, value: Any) -> bool:
    """A result shown as a word (a level, a band, a code): few of them, worth remembering."""
    return value is None or isinstance(value, str) or m.rule.rule in CATEGORICAL_RULES


def write_data(c: Consolidation, out_dir: Path) -> list[Path]:
    written = []
    for name, columns, lines in (
        ("responses", RESPONSE_COLUMNS, response_lines(c)),
        ("scores", SCORE_COLUMNS, score_lines(c)),
    ):
        path = out_dir / f"{name}.csv"
        with atomic_output(path) as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
            text.write(fields(columns) + "\r\n")
            chunk: list[str] = []
            for line in lines:  # user-supplied fields are made inert as lines are built
                chunk.append(line)
                if len(chunk) == CHUNK_LINES:
                    text.write("".join(chunk))
                    chunk.clear()
            text.write("".join(chunk))
            text.flush()
            text.detach()
        written.append(path)
        parquet = _write_parquet(path, out_dir / f"{name}.parquet", columns)
        if parquet:
            written.append(parquet)
    return written


def _write_parquet(csv_path: Path, target: Path, columns: tuple[str, ...]) -> Path | None:
    try:
        import pyarrow as pa  # optional: pip install 'rai-sheets[parquet]'
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq
    except ImportError:
        return None
    # Every column as text, as in the CSV: the value columns mix numbers, codes and dates.
    convert = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in columns}, strings_can_be_null=False
    )
    # Streamed in record batches: ten thousand returns make millions of rows.
    reader = pacsv.open_csv(csv_path, convert_options=convert)
    with atomic_output(target) as fh, pq.ParquetWriter(fh, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
    return target
