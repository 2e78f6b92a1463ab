"""Cell formats shared by the generated workbooks (one place for the look)."""

from __future__ import annotations

from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from ..model import DATE, INTEGER, NUMBER

NAVY = "#1F3864"
INPUT_FILL = "#FFF9E6"
CARRIED_FILL = "#DDEBF7"  # an answer carried over from an earlier round: review it
RESULT_FILL = "#EEF2F7"
NEEDS_ANSWER_FILL = "#F4B6B6"  # a required answer still missing, once the sheet is started
FONT = "Calibri"
# Calibri has no Arabic letters: a right-to-left workbook uses Arial, which Excel ships with
# Arabic glyphs on Windows and macOS; LibreOffice falls back to a font that has them (on
# Debian, Noto Sans Arabic or DejaVu Sans).
RTL_FONT = "Arial"


class Styles:
    def __init__(self, wb: Workbook, rtl: bool = False):
        self.wb = wb
        self.rtl = rtl
        self._fills: dict[str, Format] = {}
        f = wb.add_format
        base: dict[str, Any] = {"font_name": FONT, "font_size": 10, "valign": "top"}
        if rtl:  # text reads from the right, whatever its first character
            base |= {"font_name": RTL_FONT, "reading_order": 2}
        self.base = base
        self.title = f({**base, "bold": True, "font_size": 15, "font_color": NAVY})
        self.subtitle = f({**base, "italic": True, "font_color": "#555555"})
        self.h2 = f({**base, "bold": True, "font_size": 12, "font_color": NAVY})
        self.bold = f({**base, "bold": True})
        self.note = f({**base, "italic": True, "font_color": "#555555"})
        self.header = f(
            {
                **base,
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": NAVY,
                "text_wrap": True,
                "border": 1,
                "valign": "vcenter",
            }
        )
        self.section = f(
            {
                **base,
                "bold": True,
                "font_size": 11,
                "bg_color": "#D9E1F2",
                "border": 1,
                "font_color": NAVY,
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        # Fonts for the two parts of a section heading: its name, then what the section covers.
        self.section_name = f({**base, "bold": True, "font_size": 11, "font_color": NAVY})
        self.section_about = f({**base, "italic": True, "font_size": 9, "font_color": "#333333"})
        self._cells(base)
        self._answers(base)

    def _cells(self, base: dict[str, Any]) -> None:
        """Question rows, notes and progress lines."""
        f = self.wb.add_format
        self.ref = f({**base, "font_color": "#555555", "border": 1})
        self.ref_critical = f({**base, "font_color": "#9C0006", "bold": True, "border": 1})
        self.note_wrap = f({**base, "italic": True, "font_color": "#444444", "text_wrap": True})
        self.progress = f({**base, "bold": True, "font_size": 11, "font_color": "#7F3F00"})
        self.needs_answer = f({"bg_color": NEEDS_ANSWER_FILL})
        self.result_text = f(
            {**base, "bg_color": RESULT_FILL, "border": 1, "bold": True, "text_wrap": True}
        )
        self.wrap = f({**base, "text_wrap": True, "border": 1})
        self.small = f(
            {**base, "text_wrap": True, "font_size": 9, "font_color": "#444444", "border": 1}
        )
        self.long = f({**base, "text_wrap": True})
        self.locked = f(
            {**base, "text_wrap": True, "border": 1, "bg_color": "#F2F2F2", "bold": True}
        )

    def _answers(self, base: dict[str, Any]) -> None:
        """Answer cells (fresh and carried over), results and helper cells."""
        f = self.wb.add_format
        inp: dict[str, Any] = {
            **base,
            "locked": False,
            "bg_color": INPUT_FILL,
            "border": 1,
            "border_color": "#BF9000",
            "text_wrap": True,
        }
        start = "right" if self.rtl else "left"  # where a line starts
        self.input = f(inp)
        self.input_date = f({**inp, "num_format": "yyyy-mm-dd", "align": start})
        self.input_number = f({**inp, "num_format": "0.##"})
        carried = {**inp, "bg_color": CARRIED_FILL, "border_color": "#2F5597"}
        self.carried = f(carried)
        self.carried_date = f({**carried, "num_format": "yyyy-mm-dd", "align": start})
        self.carried_number = f({**carried, "num_format": "0.##"})
        res: dict[str, Any] = {**base, "bg_color": RESULT_FILL, "border": 1, "bold": True}
        res["align"] = "center"
        self.result = f(res)
        self.result_pct = f({**res, "num_format": "0%"})
        self.result_int = f({**res, "num_format": "0"})
        self.helper = f({**base, "font_color": "#999999"})
        self.table_cell = f({**base, "border": 1, "text_wrap": True})
        self.table_center = f({**base, "border": 1, "align": "center", "valign": "vcenter"})

    def input_for(self, kind: str) -> Format:
        if kind == DATE:
            return self.input_date
        if kind in (NUMBER, INTEGER):
            return self.input_number
        return self.input

    def carried_for(self, kind: str) -> Format:
        if kind == DATE:
            return self.carried_date
        if kind in (NUMBER, INTEGER):
            return self.carried_number
        return self.carried

    def result_for(self, rule: str) -> Format:
        if rule in ("percent", "completion"):
            return self.result_pct
        if rule in (
            "answered",
            "level_count",
            "status_count",
            "done_without_evidence",
            "overdue",
            "item_points",
        ):
            return self.result_int
        return self.result

    def fill(self, colour: str) -> Format:
        if colour not in self._fills:
            self._fills[colour] = self.wb.add_format({"bg_color": colour})
        return self._fills[colour]

    def centered_fill(self, colour: str) -> Format:
        key = "c" + colour
        if key not in self._fills:
            self._fills[key] = self.wb.add_format(
                {
                    **self.base,
                    "bg_color": colour,
                    "border": 1,
                    "align": "center",
                    "valign": "vcenter",
                    "text_wrap": True,
                }
            )
        return self._fills[key]
