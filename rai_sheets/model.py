"""The content model: frozen, typed dataclasses that flow through every stage.

A `Questionnaire` is loaded from `source_content/<id>/` by `content.py`; the generator, the
formulas, the Python scorer, the reader and the validation schemas all take it as their one
source of truth.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from . import i18n

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Text:
    """A piece of text in one or more languages; falls back to the default language."""

    by_lang: Mapping[str, str]

    def get(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.by_lang.get(lang) or self.by_lang.get(DEFAULT_LANGUAGE, "")

    def has(self, lang: str) -> bool:
        return bool(self.by_lang.get(lang))

    def __bool__(self) -> bool:
        return any(self.by_lang.values())


EMPTY_TEXT = Text({})


@dataclass(frozen=True)
class Choice:
    code: str
    label: Text
    points: float | None  # None: "not applicable", excluded from scores
    description: Text = EMPTY_TEXT


@dataclass(frozen=True)
class Scale:
    id: str
    choices: tuple[Choice, ...]

    def labels(self, lang: str = DEFAULT_LANGUAGE) -> list[str]:
        return [c.label.get(lang) for c in self.choices]

    def by_code(self, code: str) -> Choice:
        for c in self.choices:
            if c.code == code:
                return c
        raise KeyError(code)

    @cached_property
    def scored(self) -> bool:
        """A scale with points; its choices without points mean "not applicable"."""
        return any(c.points is not None for c in self.choices)

    @cached_property
    def na_codes(self) -> tuple[str, ...]:
        """The "not applicable" choices: no points, on a scale whose other choices have them."""
        return tuple(c.code for c in self.choices if c.points is None) if self.scored else ()

    @cached_property
    def codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.choices)

    @cached_property
    def rated_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices if c.points is not None)

    @cached_property
    def max_points(self) -> float:
        pts = [c.points for c in self.choices if c.points is not None]
        return max(pts) if pts else 0.0


@dataclass(frozen=True)
class CorePrinciple:
    id: str
    label: Text


@dataclass(frozen=True)
class Principle:
    id: str
    core_id: str
    label: Text


# Field kinds: how an input cell is typed and validated.
SELECT, TEXT, LONGTEXT, DATE, NUMBER, INTEGER = (
    "select",
    "text",
    "longtext",
    "date",
    "number",
    "integer",
)
FREE_KINDS = {TEXT, LONGTEXT}


@dataclass(frozen=True)
class Field:
    """One input cell of a question. `key` is "" for single-input questions.

    `rated_only`: the dropdown offers only the scale's choices that have points (a residual
    likelihood cannot be "not applicable")."""

    key: str
    kind: str
    scale_id: str | None
    required: bool
    rated_only: bool = False


@dataclass(frozen=True)
class Section:
    id: str
    label: Text
    description: Text
    sheet: str  # the sheet's English name: the key that groups sections into sheets
    sheet_label: Text = EMPTY_TEXT  # its name in other languages (`sheet::<lang>`)


@dataclass(frozen=True)
class Question:
    id: str
    section_id: str
    principle_id: str | None
    type: str
    scale_id: str | None
    required: bool
    weight: float
    label: Text
    guidance: Text
    prefill: str | None  # roster column that pre-fills and locks this answer
    fields: tuple[Field, ...]
    critical: bool = False  # readiness: a low score caps the overall band

    @property
    def na_field(self) -> Field | None:
        """The input that may hold a "not applicable" choice, if this type has one."""
        key = NA_FIELDS.get(self.type)
        return self.field(key[0]) if key else None

    @property
    def reason_field(self) -> Field | None:
        """Where the reason for a "not applicable" answer is written."""
        key = NA_FIELDS.get(self.type)
        return self.field(key[1]) if key else None

    def input_name(self, f: Field) -> str:
        return f"in_{self.id}" + (f"_{f.key}" if f.key else "")

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


@dataclass(frozen=True)
class Level:
    id: str
    label: Text
    rank: int
    colour: str


@dataclass(frozen=True)
class Band:
    id: str
    label: Text
    min_fraction: float
    colour: str


@dataclass(frozen=True)
class Rule:
    """One row of rules.csv: a metric pattern, the rule that computes it and its scope."""

    metric: str  # pattern such as "{section}_percent"
    rule: str
    scope: (
        str  # "all", "each:section", "each:core", "each:principle", "each:level", "each:question"
    )
    source: str
    param: str
    label: Text


@dataclass(frozen=True)
class Metric:
    """A rule expanded for one scope instance: the thing behind an `out_` name."""

    id: str
    rule: Rule
    scope_id: str | None  # section, core, principle, level or question id

    @property
    def name(self) -> str:
        return f"out_{self.id}"

    @property
    def source_id(self) -> str:
        """The metric this one reads (its rule's `source`), for the same scope instance."""
        placeholder = "{" + self.rule.scope.removeprefix("each:") + "}"
        return self.rule.source.replace(placeholder, self.scope_id or "")


@dataclass(frozen=True, eq=False)  # identity equality: cached layouts key on it
class Questionnaire:
    id: str
    version: str
    settings: Mapping[str, Text]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    scales: Mapping[str, Scale]
    cores: tuple[CorePrinciple, ...]
    principles: tuple[Principle, ...]
    levels: tuple[Level, ...] = ()
    matrix: Mapping[tuple[str, str], str] = field(default_factory=dict)
    bands: tuple[Band, ...] = ()
    rules: tuple[Rule, ...] = ()
    languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)
    content_hash: str = ""

    def setting(self, key: str, lang: str = DEFAULT_LANGUAGE, default: str = "") -> str:
        t = self.settings.get(key)
        return t.get(lang) if t else default

    def say(self, key: str, lang: str = DEFAULT_LANGUAGE, default_key: str = "") -> str:
        """A words setting: the content's text in `lang`, else the interface catalogue's
        default for it (`default_key`, by default `setting.<key>`) in `lang`, else English."""
        t = self.settings.get(key)
        if t and t.has(lang):
            return t.get(lang)
        default_key = default_key or f"setting.{key}"
        known = i18n.has(default_key)
        if known and i18n.catalogue()[default_key].get(lang):
            return i18n.text(default_key, lang)
        if t:
            return t.get(DEFAULT_LANGUAGE)
        return i18n.text(default_key) if known else ""

    @property
    def title(self) -> Text:
        return self.settings.get("title", Text({DEFAULT_LANGUAGE: self.id}))

    def sheet_name(self, sheet: str, lang: str = DEFAULT_LANGUAGE) -> str:
        """The name a question sheet has in a workbook in `lang` (its English name, `sheet`,
        where the content gives no translation)."""
        for s in self.sections:
            if s.sheet == sheet and s.sheet_label.has(lang):
                return s.sheet_label.get(lang)
        return sheet

    @cached_property
    def critical_below(self) -> float:
        """A critical statement scoring below this many points caps the overall band."""
        try:
            return float(self.setting("critical_below") or 2)
        except ValueError:
            return 2.0

    @cached_property
    def acceptance_level(self) -> str:
        """The lowest residual level that someone must accept (the `acceptance` rule's param)."""
        return next((r.param for r in self.rules if r.rule == "acceptance"), "")

    @cached_property
    def stage_order(self) -> tuple[str, ...]:
        """The life-cycle stages in order (the codes of the `lifecycle` scale)."""
        scale = self.scales.get("lifecycle")
        return tuple(c.code for c in scale.choices) if scale else ()

    @cached_property
    def questions_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def principles_by_id(self) -> dict[str, Principle]:
        return {p.id: p for p in self.principles}

    @cached_property
    def levels_by_id(self) -> dict[str, Level]:
        return {lv.id: lv for lv in self.levels}

    def section_questions(self, section_id: str) -> list[Question]:
        return [q for q in self.questions if q.section_id == section_id]

    def inputs(self) -> Iterator[tuple[Question, Field]]:
        for q in self.questions:
            for f in q.fields:
                yield q, f

    @cached_property
    def input_names(self) -> dict[str, tuple[Question, Field]]:
        return {q.input_name(f): (q, f) for q, f in self.inputs()}

    @cached_property
    def metrics(self) -> tuple[Metric, ...]:
        return tuple(_expand_rules(self))

    @cached_property
    def metrics_by_id(self) -> dict[str, Metric]:
        return {m.id: m for m in self.metrics}

    def scope_ids(self, scope: str) -> list[str]:
        kind = scope.removeprefix("each:")
        if kind == "section":
            return [
                s.id for s in self.sections if any(_scored(q) for q in self.section_questions(s.id))
            ]
        if kind == "core":
            used = {
                self.principles_by_id[q.principle_id].core_id
                for q in self.questions
                if q.principle_id and _scored(q)
            }
            return [c.id for c in self.cores if c.id in used]
        if kind == "principle":
            used_p = {q.principle_id for q in self.questions if _scored(q)}
            return [p.id for p in self.principles if p.id in used_p]
        if kind == "level":
            return [lv.id for lv in sorted(self.levels, key=lambda lv: lv.rank)]
        if kind == "question":
            return [q.id for q in self.questions if _scored(q)]
        return []

    @cached_property
    def _all_scored(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if _scored(q))

    def scored_questions(self, scope: str = "all", scope_id: str | None = None) -> list[Question]:
        """The scored items (scale, risk, check) that fall in one scope instance."""
        qs = list(self._all_scored)
        kind = scope.removeprefix("each:")
        if kind == "section":
            return [q for q in qs if q.section_id == scope_id]
        if kind == "principle":
            return [q for q in qs if q.principle_id == scope_id]
        if kind == "core":
            return [
                q
                for q in qs
                if q.principle_id and self.principles_by_id[q.principle_id].core_id == scope_id
            ]
        if kind == "question":
            return [q for q in qs if q.id == scope_id]
        return qs

    @cached_property
    def metric_questions(self) -> dict[str, list[Question]]:
        """The scored items each metric reads, computed once (the scorer's hot path)."""
        return {m.id: self.scored_questions(m.rule.scope, m.scope_id) for m in self.metrics}

    @cached_property
    def field_names(self) -> dict[tuple[str, str], str]:
        """(question id, field key) -> input name."""
        return {(q.id, f.key): q.input_name(f) for q, f in self.inputs()}

    def scope_label(self, scope: str, scope_id: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
        kind = scope.removeprefix("each:")
        if scope_id is None:
            return ""
        if kind == "section":
            return next(s.label.get(lang) for s in self.sections if s.id == scope_id)
        if kind == "core":
            return next(c.label.get(lang) for c in self.cores if c.id == scope_id)
        if kind == "principle":
            return self.principles_by_id[scope_id].label.get(lang)
        if kind == "level":
            return self.levels_by_id[scope_id].label.get(lang)
        if kind == "question":
            return self.questions_by_id[scope_id].label.get(lang)
        return scope_id


SCORED_TYPES = {"scale", "risk", "check"}
# Per scored type: (the field that may be "not applicable", the field that gives the reason).
NA_FIELDS = {"scale": ("", "comment"), "risk": ("likelihood", "note"), "check": ("status", "notes")}


def _scored(q: Question) -> bool:
    return q.type in SCORED_TYPES


def _expand_rules(qn: Questionnaire) -> Iterator[Metric]:
    for rule in qn.rules:
        if rule.scope == "all":
            yield Metric(rule.metric, rule, None)
            continue
        kind = rule.scope.removeprefix("each:")
        for sid in qn.scope_ids(rule.scope):
            yield Metric(rule.metric.replace("{" + kind + "}", sid), rule, sid)


@dataclass(frozen=True)
class Unit:
    """One roster row: a unit, optionally with one AI system it owns."""

    unit_id: str
    unit_name: str
    email: str = ""
    language: str = ""
    system_id: str = ""
    system_name: str = ""
    row: int = 0  # line in the roster file, for messages

    def value(self, column: str) -> str:
        return str(getattr(self, column, "") or "")
