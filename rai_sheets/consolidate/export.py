"""Tidy long-format data for analysts: responses.csv and scores.csv (and Parquet if pyarrow is
installed). Rows are streamed to disk, so ten thousand returns never build one giant frame.

Text that a spreadsheet would take for a formula (starting with =, +, -, @, tab or carriage
return) is prefixed with an apostrophe, as OWASP recommends against CSV injection.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..files import atomic_output, inert
from ..model import SELECT, Questionnaire
from ..returns.returned import ReturnedFile
from ..scoring import metric_label
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


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _who(f: ReturnedFile) -> list[Any]:
    """The columns that identify a file, made inert once per file rather than once per row."""
    values = (
        f.name,
        f.unit_id,
        f.unit_name,
        f.system_id,
        f.system_name,
        f.questionnaire,
        f.version,
        f.round_id,
    )
    return [inert(v) for v in values]


def response_rows(c: Consolidation) -> Iterator[list[Any]]:
    for f in c.kept:
        qn = c.contents[f.questionnaire]
        who = _who(f)
        for name, value in f.answers.items():
            if value is None:
                continue
            q, fld = qn.input_names[name]
            sheet, cell = f.cells.get(name, ("", ""))
            label = value
            if fld.kind == SELECT and fld.scale_id:
                with contextlib.suppress(KeyError):  # an invalid code stays as found
                    label = qn.scales[fld.scale_id].by_code(value).label.get(LANG)
            yield [
                *who,
                q.id,
                fld.key,
                q.principle_id or "",
                sheet,
                cell,
                inert(_plain(label)),
                inert(_plain(value)),
            ]


def score_rows(c: Consolidation) -> Iterator[list[Any]]:
    for f in c.kept:
        qn: Questionnaire = c.contents[f.questionnaire]
        who = _who(f)
        for m in qn.metrics:
            value = f.scores.get(m.id)
            yield [
                *who,
                m.id,
                m.rule.rule,
                m.rule.scope,
                m.scope_id or "",
                "" if value is None else value,
                inert(metric_label(qn, m, value, LANG)),
            ]


def write_data(c: Consolidation, out_dir: Path) -> list[Path]:
    written = []
    for name, columns, rows in (
        ("responses", RESPONSE_COLUMNS, response_rows(c)),
        ("scores", SCORE_COLUMNS, score_rows(c)),
    ):
        path = out_dir / f"{name}.csv"
        with atomic_output(path) as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(columns)
            writer.writerows(rows)  # user-supplied fields are made inert as rows are built
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
