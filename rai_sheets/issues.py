"""Problems found in returned files, as data: `Issue` and the catalogue of message templates.

Every issue has a stable code, a severity, the file, and where it applies the sheet and the
A1 cell. Messages are rendered once, in the language of the workbook they are about, from the
catalogue `rai_sheets/locale/messages.csv` (one row per code, a column per language); tests
format the same templates rather than retyping the words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .i18n import DEFAULT, LANGUAGES, has, messages, text

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Template:
    """One message of the catalogue (`rai_sheets/locale/messages.csv`): its severity and its
    text per language. Sentences between `[[` and `]]` speak to the coordinator ("Ask the
    unit to..."): they are left out of what the unit itself is told (see `render_for_unit`)."""

    severity: str
    by_lang: dict[str, str]

    @property
    def en(self) -> str:
        return self.by_lang.get(DEFAULT, "")

    def text(self, lang: str) -> str:
        return self.by_lang.get(lang) or self.en


def _load() -> dict[str, Template]:
    return {
        code: Template(row["severity"], {lang: row.get(lang, "") for lang in LANGUAGES})
        for code, row in messages().items()
    }


CATALOGUE: dict[str, Template] = _load()


@dataclass(frozen=True)
class Issue:
    code: str
    file: str
    sheet: str = ""
    cell: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    lang: str = "en"

    @property
    def severity(self) -> str:
        return CATALOGUE[self.code].severity

    @property
    def message(self) -> str:
        return render(self.code, self.lang, **self.params)

    @property
    def message_for_unit(self) -> str:
        """The message without the advice addressed to the coordinator."""
        return render_for_unit(self.code, self.lang, **self.params)

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        return printable(f"[{self.file}]{where} {self.message}")

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.message,
        }


def render(code: str, lang: str = "en", **params: Any) -> str:
    """The message, with every text taken from a file made safe to print (see `printable`)."""
    return _format(ADVICE.sub(r"\1", CATALOGUE[code].text(lang)), params, lang)


def render_for_unit(code: str, lang: str = "en", **params: Any) -> str:
    """The message as the unit itself is told it: without the advice to the coordinator."""
    told = ADVICE.sub("", CATALOGUE[code].text(lang))
    return _format(SPACES_LEFT.sub(" ", told).strip(), params, lang)


def _format(template: str, params: dict[str, Any], lang: str) -> str:
    plain = {k: printable(v) if isinstance(v, str) else v for k, v in params.items()}
    safe = {k: _said(v, lang, plain) if isinstance(v, str) else v for k, v in plain.items()}
    return template.format(**safe)


def _said(shown: str, lang: str, params: dict[str, Any]) -> str:
    """A parameter (made printable: it may come from a file) with our own words in it said in
    the message's language. Such a word travels as its catalogue key (`word.kind_pdf`: "a PDF
    document"; "xl/styles.xml: word.zip_crc"), so that it survives pickling and the verdict
    cache; its own placeholders are filled from the issue's other parameters
    (`word.bomb_total`: "it would expand to {mb} MB (limit {limit} MB)")."""
    if "word." not in shown:
        return shown
    return OUR_WORD.sub(lambda m: text(m[0], lang, **params) if has(m[0]) else m[0], shown)


OUR_WORD = re.compile(r"\bword\.[a-z0-9_]+")


ADVICE = re.compile(r"\[\[(.*?)\]\]", re.S)  # a sentence addressed to the coordinator
SPACES_LEFT = re.compile(r"\s{2,}")


# C0 and C1 control characters (but tab and newline) and the bidirectional overrides and
# isolates, which can clear a terminal, move its cursor or make text read backwards.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Text from a returned file as it may be shown anywhere: control characters escaped
    (`ESC[2J` becomes `\\x1b[2J`), so that no value can drive a terminal or a log viewer."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, SKIPPED = (
    "accepted",
    "accepted-with-warnings",
    "rejected",
    "skipped",
)


def status_of(issues: list[Issue]) -> str:
    if any(i.severity == ERROR for i in issues):
        return REJECTED
    if issues:
        return ACCEPTED_WITH_WARNINGS
    return ACCEPTED
