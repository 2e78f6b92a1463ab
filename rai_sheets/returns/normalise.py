"""Values read the way a forgiving human would read them.

Surrounding spaces and the case of list labels do not matter; a label in another language of
the content, or a choice's code, is understood; numbers stored as text and dates typed as text
(ISO, day/month/year, or with the month's name in English, French, Spanish or Arabic) are
converted, Arabic-Indic digits included. Whatever still cannot be understood is returned as it
was, for the validation schema to reject with a precise message.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from ..model import DATE, FREE_KINDS, INTEGER, NUMBER, SELECT, Questionnaire

EXCEL_EPOCH = date(1899, 12, 30)
SERIAL_RANGE = (18264, 109575)  # 1950-01-01 .. 2199-12-31 as Excel serial numbers
MONTH_NAMES = (
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "janv févr mars avr mai juin juil août sept oct nov déc",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "ene feb mar abr may jun jul ago sep oct nov dic",
    # Arabic: the names used in Egypt and the Maghreb, then those of the Levant and Iraq
    "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
    "كانون_الثاني شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين_الأول تشرين_الثاني كانون_الأول",
)
MONTHS = {
    name.replace("_", " "): i + 1 for names in MONTH_NAMES for i, name in enumerate(names.split())
}
MONTHS |= {"setiembre": 9, "sept": 9, "ابريل": 4, "اغسطس": 8, "اكتوبر": 10, "إبريل": 4}
# Arabic-Indic and Eastern Arabic-Indic (Persian) digits, and the Arabic decimal and thousands
# separators, read as the ASCII a number or a date is parsed from.
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.", "٬")
DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T].*)?$")
# "31 March 2026", "1er mars 2026", "31 de marzo de 2026", "31 مارس 2026", "31 كانون الثاني 2026"
WORDY = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th|er|º|°)?\s+([^\W\d_]+(?: [^\W\d_]+)?)\.?,?\s+(\d{4})$",
    re.UNICODE,
)
SPANISH_OF = re.compile(r"\s(?:de|del)\s")  # "31 de marzo de 2026" -> "31 marzo 2026"
WORDY_US = re.compile(r"^([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", re.UNICODE)
SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    return SPACES.sub(" ", text).strip().casefold()


def _ascii_digits(text: str) -> str:
    """Arabic-Indic digits and separators as ASCII ("٢٠٢٦-٠٣-٣١" -> "2026-03-31")."""
    return text.translate(DIGITS)


@lru_cache(maxsize=64)
def choice_lookup(qn: Questionnaire, scale_id: str) -> dict[str, str]:
    """Every way of writing a choice (its labels in all languages, its code) -> its code."""
    out: dict[str, str] = {}
    for c in qn.scales[scale_id].choices:
        out.setdefault(_key(c.code), c.code)
        out.setdefault(_key(c.code.replace("_", " ")), c.code)
        for label in c.label.by_lang.values():
            if label:
                out[_key(label)] = c.code
    return out


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw)


def is_blank(raw: Any) -> bool:
    """Nothing was answered: an empty cell, spaces, or a value that only looks like one (a
    NaN or infinite number, and the day before 1900-01-01 that such a number or a zero shows
    as in a date cell)."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return True
    if isinstance(raw, float):
        return not math.isfinite(raw)
    if isinstance(raw, datetime):
        raw = raw.date()
    return isinstance(raw, date) and raw <= EXCEL_EPOCH


def normalise(raw: Any, kind: str, scale_id: str | None, qn: Questionnaire) -> Any:
    """The value as rai-sheets understands it, or `raw` unchanged when it cannot be."""
    if is_blank(raw):
        return None
    if kind == SELECT and scale_id:
        return choice_lookup(qn, scale_id).get(_key(_text(raw)), raw)
    if kind == DATE:
        return to_date(raw)
    if kind in (NUMBER, INTEGER):
        return to_number(raw)
    if kind in FREE_KINDS:
        return _text(raw).strip()
    return raw


def to_date(raw: Any) -> Any:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if SERIAL_RANGE[0] <= raw <= SERIAL_RANGE[1]:
            return EXCEL_EPOCH + timedelta(days=int(raw))
        return raw
    if not isinstance(raw, str):
        return raw
    text = SPANISH_OF.sub(" ", _ascii_digits(_key(raw)))
    try:
        if m := YMD.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := DMY.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if (m := WORDY.match(text)) and m[2] in MONTHS:
            return date(int(m[3]), MONTHS[m[2]], int(m[1]))
        if (m := WORDY_US.match(text)) and m[1] in MONTHS:
            return date(int(m[3]), MONTHS[m[1]], int(m[2]))
    except ValueError:  # 31/02/2026
        return raw
    return raw


def to_number(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return float(raw)
    if not isinstance(raw, str):
        return raw
    text = _ascii_digits(raw.strip()).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return raw
