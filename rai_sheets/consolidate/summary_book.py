"""The summary workbook's machinery: a book of cached formats, and sheets with a cursor that
write tables on a shared column grid, always as values and with text made inert."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..files import FORMULA_STARTS
from ..i18n import is_rtl, text
from ..workbook.layout import col_letter
from ..workbook.styles import FONT, NAVY, RTL_FONT
from .aggregate import Consolidation
from .streamed_rows import Block, RowWriter, excel_serial, number, splice, string_tail

GREY_TAB = "#A6A6A6"  # the coordinator's sheets, after the chief's
# the short texts of streamed cells (levels, statuses, names) are kept as made, per style
SHORT_TEXT, MAX_REMEMBERED = 80, 20_000


@dataclass(frozen=True)
class Styled:
    """A table value written in a style of its own, not its column's."""

    value: Any
    style: str


def wraps(style: str) -> bool:
    """Whether text in this style wraps (and so sets its row's height)."""
    return style.startswith("wrap") or style in ("flag", "grid")


class Sheet:
    """A worksheet with a cursor and a few typed writers; text is always written inert."""

    def __init__(
        self,
        book: SummaryBook,
        name: str,
        widths: list[int],
        landscape: bool = True,
        grey: bool = False,
    ):
        self.book = book
        self.ws: Worksheet = book.wb.add_worksheet(name)
        self.part = f"xl/worksheets/sheet{self.ws.index + 1}.xml"  # as xlsxwriter names it
        if grey:
            self.ws.set_tab_color(GREY_TAB)
        self.row = 0
        self.widths = widths
        for i, w in enumerate(widths):
            self.ws.set_column(i, i, w)
        if landscape:
            self.ws.set_landscape()
        self.ws.set_paper(9)
        self.ws.fit_to_pages(1, 0)
        self.ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        self.ws.hide_gridlines(2)
        c = book.c
        footer = book.t("summary.footer_round", round=c.round_id) if c.round_id else ""
        footer = footer or book.t("summary.footer")
        start, end = footer.replace("&", "&&"), book.t("summary.page")
        if book.rtl:  # read from the right: the sheet, and its footer
            self.ws.right_to_left()
            start, end = end, start
        self.ws.set_footer(f"&L{start}&R{end}")

    def text(self, r: int, c: int, value: Any, style: str = "cell") -> None:
        s = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        quote = s.startswith(FORMULA_STARTS)
        self.ws.write_string(r, c, s, self.book.fmt(style, quote=quote))

    def number(self, r: int, c: int, value: Any, style: str = "int") -> None:
        if isinstance(value, str):  # a result in words, such as "Not yet due"
            self.text(r, c, value, "center")
        elif value is None or (isinstance(value, float) and pd.isna(value)):
            self.ws.write_blank(r, c, None, self.book.fmt(style))
        else:
            self.ws.write_number(r, c, float(value), self.book.fmt(style))

    def fill_where(
        self,
        first: int,
        last: int,
        c0: int,
        c1: int,
        colour: str,
        *,
        equals: str | None = None,
        between: tuple[float, float] | None = None,
    ) -> None:
        """Colour cells of a range that equal a text or fall between two numbers."""
        if last < first:
            return
        rule: dict[str, Any] = {"type": "cell", "format": self.book.fill(colour)}
        if equals is not None:
            rule |= {"criteria": "==", "value": '"' + equals.replace('"', '""') + '"'}
        elif between is not None:
            rule |= {"criteria": "between", "minimum": between[0], "maximum": between[1]}
        self.ws.conditional_format(first, c0, last, c1, rule)

    def title(self, text: str, subtitle: str = "") -> None:
        self.text(0, 0, text, "title")
        if subtitle:
            self.text(1, 0, subtitle, "subtitle")
        self.row = 3

    def heading(self, text: str, note: str = "") -> None:
        self.text(self.row, 0, text, "h2")
        self.row += 1
        if note:
            self.paragraph(note, "note")

    def paragraph(self, value: str, style: str = "finding", span: int = 0) -> None:
        """A text across the sheet's columns (or `span` of them), wrapped, as tall as it needs."""
        span = span or len(self.widths)
        if span > 1:
            self.ws.merge_range(self.row, 0, self.row, span - 1, "", self.book.fmt(style))
        self.text(self.row, 0, value, style)
        size = self.book.STYLES[style].get("font_size", 10)
        height = height_of([value], [sum(self.widths[:span]) * 10 / size]) * size // 10
        self.ws.set_row(self.row, max(height, 15))
        self.row += 1

    def table(
        self,
        headers: list[str],
        rows: list[list[Any]],
        styles: list[str],
        empty: str = "",
        spans: list[int] | None = None,
        charted: bool = False,
    ) -> tuple[int, int]:
        """Write a table at the cursor; return (first data row, last data row).

        `spans` gives how many grid columns each table column covers (merged), so that
        tables of different shapes share one sheet's column widths. Row heights follow the
        longest wrapped text, since spreadsheets do not fit them when a file is opened.
        A table a chart reads is `charted`: its rows stay where xlsxwriter finds the
        values it copies into the chart.
        """
        spans = spans or [1] * len(headers)
        starts = [sum(spans[:i]) for i in range(len(spans))]
        self._row(self.row, headers, ["header"] * len(headers), starts, spans)
        self.ws.set_row(self.row, max(30, height_of(headers, self._widths(starts, spans))))
        first = self.row + 1
        if not rows:
            self.text(first, 0, empty or self.book.t("summary.none"), "note")
            self.row = first + 2
            return first, first - 1
        last = self._body(first, rows, styles, starts, spans, stream=not charted)
        self.row = last + 2
        return first, last

    def list_table(
        self, name: str, headers: list[str], rows: list[list[Any]], styles: list[str], empty: str
    ) -> tuple[int, int]:
        """A filterable Excel table at the cursor, its header row repeated on every printed
        page and kept in view; return (first data row, last data row)."""
        if not rows:
            return self.table(headers, rows, styles, empty)
        spans = [1] * len(headers)
        starts = list(range(len(headers)))
        header = self.row
        first = header + 1
        last = self._body(first, rows, styles, starts, spans)
        # xlsxwriter records every cell a table covers; told of one data row, it records a
        # row's worth, and the table's range is set to all its rows when the file is spliced
        self.book.table_ranges[name] = (
            f"A{header + 1}:{col_letter(len(headers) - 1)}{first + 1}",
            f"A{header + 1}:{col_letter(len(headers) - 1)}{last + 1}",
        )
        self.ws.add_table(
            header,
            0,
            first,
            len(headers) - 1,
            {
                "name": name,
                "style": None,
                "columns": [
                    {"header": h, "header_format": self.book.fmt("header")} for h in headers
                ],
            },
        )
        self.ws.set_row(header, max(30, height_of(headers, self._widths(starts, spans))))
        self.ws.repeat_rows(header)
        self.ws.freeze_panes(first, 1)
        self.row = last + 2
        return first, last

    def _widths(self, starts: list[int], spans: list[int]) -> list[float]:
        return [
            sum(self.widths[st : st + sp]) if st + sp <= len(self.widths) else 12
            for st, sp in zip(starts, spans, strict=True)
        ]

    def _body(
        self,
        first: int,
        rows: list[list[Any]],
        styles: list[str],
        starts: list[int],
        spans: list[int],
        stream: bool = True,
    ) -> int:
        """The rows of a table from `first`, each as tall as its wrapped text; the last row.

        The rows are streamed (see streamed_rows), unless a chart reads them: then they go to
        xlsxwriter's store."""
        per_line = [_per_line(w) for w in self._widths(starts, spans)]
        wrapping = [wraps(st) for st in styles]
        if stream:
            return self._stream(first, rows, styles, (starts, spans), wrapping, per_line)
        for i, values in enumerate(rows):
            r = first + i
            self._row(r, values, styles, starts, spans)
            height = _row_height(values, wrapping, per_line)
            if height > 16:
                self.ws.set_row(r, height)
        return first + len(rows) - 1

    def _stream(
        self,
        first: int,
        rows: list[list[Any]],
        styles: list[str],
        grid: tuple[list[int], list[int]],
        wrapping: list[bool],
        per_line: list[int],
    ) -> int:
        """Each row as sheet XML (see streamed_rows); `grid` is the columns' starts and spans."""
        starts, spans = grid
        writer = RowWriter(first, starts[-1] + spans[-1])
        makers = [self.book.cell_maker(st) for st in styles]
        letters = [writer.letters[c] for c in starts]
        # the cells a merged table column covers beyond its first: blank, in its style
        covered = [
            (i, letters[i], [writer.letters[c] for c in range(st + 1, st + sp)])
            for i, (st, sp) in enumerate(zip(starts, spans, strict=True))
            if sp > 1
        ]
        numbers = [self.book.style_number(st) for st in styles]
        for i, values in enumerate(rows):
            r = first + i
            n = str(r + 1)
            cells = [
                self.book.cell_maker(v.style)(letter + n, v.value)
                if isinstance(v, Styled)
                else make(letter + n, v)
                for make, letter, v in zip(makers, letters, values, strict=True)
            ]
            if covered:
                cells = self._merged(cells, values, numbers, covered, writer, n)
            height = _row_height(values, wrapping, per_line)
            writer.row(r, cells, height if height > 16 else 0)
        self.book.blocks.setdefault(self.part, []).append(writer.done())
        return first + len(rows) - 1

    def _merged(
        self,
        cells: list[str],
        values: list[Any],
        numbers: list[int],
        covered: list[tuple[int, str, list[str]]],
        writer: RowWriter,
        n: str,
    ) -> list[str]:
        """A row's cells with the blanks of its merged columns, in column order; `numbers`
        are the columns' style numbers."""
        out: list[list[str]] = [[c] for c in cells]
        for i, start, blanks in covered:
            v = values[i]
            number = self.book.style_number(v.style) if isinstance(v, Styled) else numbers[i]
            out[i] += [f'<c r="{b}{n}" s="{number}"/>' for b in blanks]
            writer.merge(f"{start}{n}:{blanks[-1]}{n}")
        return [c for group in out for c in group]

    def _row(
        self, r: int, values: list[Any], styles: list[str], starts: list[int], spans: list[int]
    ) -> None:
        for v, st, c, sp in zip(values, styles, starts, spans, strict=True):
            if isinstance(v, Styled):
                v, st = v.value, v.style
            if sp > 1:
                self.ws.merge_range(r, c, r, c + sp - 1, "", self.book.fmt(st))
            if st == "date":
                if v is not None and not pd.isna(v):
                    self.ws.write_datetime(
                        r, c, pd.Timestamp(v).to_pydatetime(), self.book.fmt("date")
                    )
                else:
                    self.number(r, c, None, "date")
            elif st in ("int", "pct"):
                self.number(r, c, v, st)
            else:
                self.text(r, c, v, st)


def _row_height(values: list[Any], wrapping: list[bool], per_line: list[int]) -> int:
    """Points a table row needs for the text of its cells that wrap (in their column's style,
    or their own)."""
    lines = 1
    for value, wrap, chars in zip(values, wrapping, per_line, strict=True):
        if isinstance(value, Styled):
            value, wrap = value.value, wraps(value.style)
        if wrap and value is not None:
            lines = max(lines, _lines(value, chars))
    return 13 * lines + 3


def height_of(texts: Sequence[Any], widths: Sequence[float]) -> int:
    """Points of row height that wrapped texts need in columns of these widths."""
    lines = 1
    for value, width in zip(texts, widths, strict=True):
        if value is not None:
            lines = max(lines, _lines(value, _per_line(width)))
    return 13 * lines + 3


def _per_line(width: float) -> int:
    """Characters a line holds in a column of this width."""
    return max(int(width * 1.15) - 1, 4)


def _lines(value: Any, chars: int) -> int:
    """Lines a value's text takes in a column of `chars` characters a line (a blank, one)."""
    text = value if isinstance(value, str) else "" if _missing(value) else str(value)
    if "\n" in text:
        return sum(wrapped_lines(part, chars) for part in text.split("\n"))
    return wrapped_lines(text, chars) if text else 1


def _missing(value: Any) -> bool:
    return isinstance(value, float) and pd.isna(value)


@functools.lru_cache(maxsize=1 << 16)  # the same texts come back row after row
def wrapped_lines(text: str, per_line: int) -> int:
    """Lines a paragraph takes when wrapped at spaces, as a spreadsheet wraps it: a word that
    does not fit on what is left of a line starts the next one."""
    lines, used = 1, 0
    for word in text.split(" "):
        size = len(word)
        if used and used + 1 + size > per_line:
            lines, used = lines + 1, 0
        if size > per_line:  # a word longer than the line is broken where it must be
            lines += (used + size - 1) // per_line
            used = (used + size) % per_line or per_line
        else:
            used += size + (1 if used else 0)
    return lines


class SummaryBook:
    def __init__(self, c: Consolidation):
        self.c = c
        self.buf = io.BytesIO()
        self.wb: Workbook = xlsxwriter.Workbook(
            self.buf,
            {
                "in_memory": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._formats: dict[tuple[str, bool, str], Any] = {}
        self.rtl = is_rtl(c.lang)
        self.blocks: dict[str, list[Block]] = {}  # streamed rows, by sheet part
        self._makers: dict[str, Callable[[str, Any], str]] = {}
        self.table_ranges: dict[str, tuple[str, str]] = {}  # name -> (as written, as meant)

    def t(self, key: str, **params: Any) -> str:
        """The interface string `key` in the summary's language."""
        return text(key, self.c.lang, **params)

    STYLES: dict[str, dict[str, Any]] = {
        "title": {"bold": True, "font_size": 16, "font_color": NAVY},
        "subtitle": {"italic": True, "font_color": "#555555"},
        "h2": {"bold": True, "font_size": 12, "font_color": NAVY},
        "note": {"italic": True, "font_color": "#555555", "text_wrap": True, "valign": "top"},
        "header": {
            "bold": True,
            "font_color": "#FFFFFF",
            "bg_color": NAVY,
            "text_wrap": True,
            "border": 1,
            "valign": "vcenter",
        },
        "cell": {"border": 1, "valign": "top"},
        "wrap": {"border": 1, "text_wrap": True, "valign": "top"},
        "bold": {"border": 1, "bold": True, "valign": "top"},
        "wrapb": {"border": 1, "bold": True, "text_wrap": True, "valign": "top"},
        "center": {"border": 1, "align": "center", "valign": "top"},
        "wrapc": {"border": 1, "align": "center", "valign": "top", "text_wrap": True},
        "int": {"border": 1, "num_format": "0", "align": "center", "valign": "top"},
        "pct": {"border": 1, "num_format": "0%", "align": "center", "valign": "top"},
        "date": {"border": 1, "num_format": "yyyy-mm-dd", "align": "center", "valign": "top"},
        "finding": {"text_wrap": True, "valign": "top", "font_size": 11},
        "big": {"bold": True, "font_size": 11, "border": 1, "align": "center"},
        "grid": {"border": 1, "text_wrap": True, "valign": "top", "font_size": 9},
        "gridhead": {
            "bold": True,
            "border": 1,
            "text_wrap": True,
            "align": "center",
            "valign": "vcenter",
        },
        "flag": {
            "border": 1,
            "bold": True,
            "text_wrap": True,
            "valign": "top",
            "font_color": "#990000",
            "bg_color": "#F4CCCC",
        },
        "legend": {"border": 1, "text_wrap": True, "align": "center", "valign": "vcenter"},
    }

    def fmt(self, style: str, quote: bool = False, fill: str = "") -> Any:
        key = (style, quote, fill)
        if key not in self._formats:
            props = {"font_name": FONT, "font_size": 10, **self.STYLES[style]}
            if self.rtl:  # Arabic letters, and text that reads from the right
                props |= {"font_name": RTL_FONT, "reading_order": 2}
            if quote:
                props["quote_prefix"] = True  # shown as text, never evaluated
            if fill:
                props["bg_color"] = fill
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def style_number(self, style: str, quote: bool = False) -> int:
        """The style number a streamed cell carries: xlsxwriter's own, assigned now."""
        return int(self.fmt(style, quote)._get_xf_index())

    def cell_maker(self, style: str) -> Callable[[str, Any], str]:
        """(cell reference, value) -> the cell's XML, written as `Sheet._row` writes it."""
        if style not in self._makers:
            self._makers[style] = self._cell_maker(style)
        return self._makers[style]

    def _cell_maker(self, style: str) -> Callable[[str, Any], str]:

        def text_cell(ref: str, value: Any, style: str = style) -> str:
            s = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            tail = tails.get((style, s))
            if tail is None:  # the same texts come back row after row: made once each
                quote = s.startswith(FORMULA_STARTS)  # shown as text, never evaluated
                number = numbers.get((style, quote))
                if number is None:
                    number = numbers[style, quote] = self.style_number(style, quote)
                tail = string_tail(number, s)
                if len(s) <= SHORT_TEXT and len(tails) < MAX_REMEMBERED:
                    tails[style, s] = tail
            return f'<c r="{ref}"{tail}'

        tails: dict[tuple[str, str], str] = {}
        numbers: dict[tuple[str, bool], int] = {}

        if style == "date":
            plain = self.style_number("date")

            def date_cell(ref: str, value: Any) -> str:
                if value is None or pd.isna(value):
                    return number(ref, plain, None)
                return number(ref, plain, excel_serial(pd.Timestamp(value).to_pydatetime()))

            return date_cell
        if style in ("int", "pct"):
            styled = self.style_number(style)

            def number_cell(ref: str, value: Any) -> str:
                if isinstance(value, str):  # a result in words, such as "Not yet due"
                    return text_cell(ref, value, "center")
                if value is None or (isinstance(value, float) and pd.isna(value)):
                    return number(ref, styled, None)
                return number(ref, styled, float(value))

            return number_cell
        return text_cell

    def subtitle(self) -> str:
        """The round, when the summary was produced and how many workbooks it rests on."""
        c = self.c
        accepted = len(c.kept)
        parts = [
            self.t("summary.round", round=c.round_id) if c.round_id else self.t("summary.all"),
            self.t("summary.produced", when=f"{c.generated_at:%Y-%m-%d %H:%M}"),
            self.t(f"summary.accepted_count.{'one' if accepted == 1 else 'many'}", n=accepted),
        ]
        return " | ".join(parts)

    def level_fills(self, sheet: Sheet, first: int, last: int, c0: int, c1: int) -> None:
        """Risk level names in their own colour."""
        qn = self.c.contents.get("risk")
        for lv in qn.levels if qn else ():
            sheet.fill_where(first, last, c0, c1, lv.colour, equals=lv.label.get(self.c.lang))

    def band_fills(self, sheet: Sheet, first: int, last: int, c0: int, c1: int) -> None:
        """Scores coloured by the band they fall in, and band names by their own colour."""
        qn = self.c.contents.get("readiness")
        bands = qn.bands if qn else ()
        for i, b in enumerate(bands):
            upper = bands[i + 1].min_fraction if i + 1 < len(bands) else 10.0
            sheet.fill_where(first, last, c0, c1, b.colour, between=(b.min_fraction, upper - 1e-9))
            sheet.fill_where(first, last, c0, c1, b.colour, equals=b.label.get(self.c.lang))

    def fill(self, colour: str) -> Any:
        """A background colour for conditional formats, made once per colour."""
        key = ("fill", False, colour)
        if key not in self._formats:
            self._formats[key] = self.wb.add_format({"bg_color": colour})
        return self._formats[key]

    def close(self) -> bytes:
        self.wb.set_properties(
            {
                "title": self.t("summary.title"),
                "author": "rai-sheets",
                "comments": self.c.round_id,
            }
        )
        self.wb.close()
        return splice(self.buf.getvalue(), self.blocks, self.table_ranges)
