"""Problems found in returned files, as data: `Issue` and the catalogue of message templates.

Every issue has a stable code, a severity, the file, and where it applies the sheet and the
A1 cell. Messages are rendered from the catalogue once, with the respondent's language where
the catalogue has it; tests format the same templates rather than retyping the words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Template:
    severity: str
    en: str
    fr: str = ""

    def text(self, lang: str) -> str:
        return self.fr if lang == "fr" and self.fr else self.en


CATALOGUE: dict[str, Template] = {
    # preflight: is the file safe and sane to open?
    "empty-file": Template(
        ERROR, "The file is empty (0 bytes). Ask the unit to send the workbook again."
    ),
    "file-too-large": Template(
        ERROR,
        "The file is {size_mb:.1f} MB, over the {limit_mb} MB limit for a returned workbook. Ask the unit to send the original workbook.",
    ),
    "unreadable": Template(ERROR, "The file cannot be read: {reason}."),
    "legacy-xls": Template(
        ERROR,
        "This is an old-format Excel file (.xls). Open it in Excel and use File > Save As > Excel Workbook (.xlsx), then send it again.",
        "Ce fichier est au format Excel ancien (.xls). Ouvrez-le dans Excel, puis Fichier > Enregistrer sous > Classeur Excel (.xlsx), et renvoyez-le.",
    ),
    "encrypted": Template(
        ERROR,
        "The workbook is protected by a password to open. Ask the unit to remove it (File > Info > Protect Workbook > Encrypt with Password, clear the password) and send it again.",
        "Le classeur est protégé par un mot de passe à l'ouverture. Demandez à l'unité de le retirer et de le renvoyer.",
    ),
    "not-xlsx": Template(
        ERROR,
        "This is not an Excel workbook but {kind} with an .xlsx name. Ask the unit to send the workbook they filled in, saved as .xlsx.",
    ),
    "ods-format": Template(
        ERROR,
        "This is an OpenDocument spreadsheet (.ods). In LibreOffice use File > Save As and choose 'Excel 2007-365 (.xlsx)', then send it again.",
        "Ceci est un classeur OpenDocument (.ods). Dans LibreOffice, Fichier > Enregistrer sous > « Excel 2007-365 (.xlsx) », puis renvoyez-le.",
    ),
    "corrupt-archive": Template(
        ERROR,
        "The file is damaged or incomplete ({reason}); it may have been cut short by a mail gateway. Ask the unit to send it again, if possible zipped.",
    ),
    "damaged-workbook": Template(
        ERROR,
        "The workbook opens but its sheet {sheet} is damaged ({detail}); it may have been broken by a program or in transit. Ask the unit to send it again, or to save it again from Excel.",
        "Le classeur s'ouvre mais sa feuille {sheet} est endommagée ({detail}). Demandez à l'unité de le renvoyer, ou de l'enregistrer à nouveau depuis Excel.",
    ),
    "macro-enabled": Template(
        ERROR,
        "The workbook contains macros ({detail}), which are not accepted. Ask the unit to save it as a plain Excel Workbook (.xlsx) and send it again.",
    ),
    "zip-bomb": Template(
        ERROR,
        "The file was refused unopened: {detail}. A real returned workbook is far smaller; it may be malicious.",
    ),
    "unsafe-xml": Template(
        ERROR,
        "The workbook's XML contains a DTD or entity declarations ({part}), which are refused: they can be used to attack the reader.",
    ),
    "duplicate-part": Template(
        ERROR,
        "The workbook's archive holds the part {part} twice; no spreadsheet program writes this, and readers would disagree on which copy counts. It was refused unopened: ask the unit to save the workbook again from Excel or LibreOffice and send it again.",
    ),
    "encrypted-part": Template(
        ERROR,
        "The part {part} of the workbook's archive is zip-encrypted, which no spreadsheet program writes; it cannot be read. Ask the unit to send the workbook itself, saved from Excel or LibreOffice.",
    ),
    "unsafe-path": Template(
        ERROR,
        "The workbook's archive holds a part named {part}, an absolute path or one that climbs out of the archive; it may be malicious and was refused unopened.",
    ),
    "external-link": Template(
        ERROR,
        "The workbook links outside itself ({part}: {kind}). Links to other workbooks, DDE links, embedded objects and data connections are not accepted, and nothing is ever followed. Ask the unit to remove them (in Excel: Data > Edit Links > Break Link; delete embedded objects) and send it again.",
        "Le classeur contient des liens vers l'extérieur ({part} : {kind}). Les liens vers d'autres classeurs, les liens DDE, les objets incorporés et les connexions de données ne sont pas acceptés. Supprimez-les (Données > Modifier les liens > Rompre le lien) et renvoyez le classeur.",
    ),
    "too-large-when-read": Template(
        ERROR,
        "The workbook would need more memory to read than a returned workbook may use ({detail}). It was refused; the other files were processed. If the unit did not craft it, ask them to copy their answers into a fresh copy of the workbook they were sent.",
    ),
    "too-slow-when-read": Template(
        ERROR,
        "Reading the workbook took longer than the {seconds}-second limit for one file, so it was stopped; the other files were processed. Ask the unit to save the workbook again from Excel or LibreOffice and send it again.",
    ),
    "reader-crashed": Template(
        ERROR,
        "The reader stopped while reading this file ({detail}); the file is damaged or made to crash readers. It was refused; the other files were processed. Ask the unit to save the workbook again from Excel or LibreOffice and send it again.",
    ),
    # identification: is this one of ours, the right version, the right unit?
    "unknown-workbook": Template(
        ERROR,
        "This workbook was not made by rai-sheets (it has no _meta sheet or document properties). Ask the unit to fill in the workbook they were sent.",
    ),
    "unknown-questionnaire": Template(
        ERROR,
        'The workbook says it is questionnaire "{found}", which this content does not have ({known}).',
    ),
    "old-template": Template(
        ERROR,
        "The workbook was made from content version {found}; the current version is {expected}. `rai-sheets migrate` carries its answers into a current workbook (the feedback workbook is that one): answer the new questions listed there and send it back.",
        "Le classeur a été créé avec la version {found} ; la version actuelle est {expected}. `rai-sheets migrate` reprend vos réponses dans un classeur actuel (le classeur de retour est celui-là) : répondez aux nouvelles questions qu'il indique et renvoyez-le.",
    ),
    "newer-template": Template(
        ERROR,
        "The workbook was made from content version {found}, newer than this content's version {expected}. Use the content it was made with (--content).",
    ),
    "content-changed": Template(
        WARNING,
        "The workbook was made from a different edition of content version {version} (hash {found}, expected {expected}); answers are read, but check that the questions match.",
    ),
    "identity-mismatch": Template(
        ERROR,
        'The workbook\'s _meta sheet says {key} "{meta}" but its document properties say "{prop}": it may have been copied from another unit\'s workbook.',
    ),
    "name-missing": Template(
        ERROR,
        "The defined name {name} is missing, so the answer to {question} cannot be found. Ask the unit to fill in an unmodified copy of the workbook.",
    ),
    "question-text-edited": Template(
        WARNING,
        'The text of question {question} was changed: it reads "{found}" instead of "{expected}". The answer is read, but may answer a different question.',
    ),
    "unknown-unit": Template(ERROR, 'Unit "{unit}" is not on the roster {roster}.'),
    "unknown-system": Template(ERROR, 'AI system "{system}" is not on the roster {roster}.'),
    "wrong-unit": Template(
        ERROR,
        'AI system "{system}" belongs to unit {owner} on the roster, but this workbook was made for unit {unit}.',
    ),
    "wrong-round": Template(
        ERROR,
        'The workbook belongs to round "{found}", not to round "{expected}" being consolidated.',
    ),
    "unit-not-identified": Template(
        WARNING,
        "This is a blank workbook filled in without a roster entry; it is identified by its answers only: {found}. Check that the names are right.",
        "Ce classeur vierge a été rempli sans entrée de la liste des unités ; il est identifié par ses seules réponses : {found}. Vérifiez que les noms sont justes.",
    ),
    "duplicate-return": Template(
        WARNING,
        "Unit {unit}{system} returned {questionnaire} more than once: also in {others}. The one saved last counts ({kept}).",
    ),
    # answers
    "not-in-list": Template(
        ERROR,
        '"{found}" is not a choice for {question}. Choose one of: {allowed}.',
        "« {found} » n'est pas un choix possible pour {question}. Choisissez parmi : {allowed}.",
    ),
    "required-missing": Template(
        ERROR,
        "{question} has no answer. An answer is required{hint}.",
        "{question} est sans réponse. Une réponse est requise{hint}.",
    ),
    "formula-in-answer": Template(
        ERROR,
        "The answer to {question} is a formula ({formula}), not a typed answer. Formulas in answer cells are not accepted and never evaluated: type the answer itself, or choose it from the dropdown.",
        "La réponse à {question} est une formule ({formula}) et non une réponse saisie. Les formules ne sont pas acceptées dans les cellules de réponse : saisissez la réponse, ou choisissez-la dans la liste.",
    ),
    "not-a-date": Template(
        ERROR,
        '"{found}" in {question} is not a date. Enter a date such as 2026-03-31.',
        "« {found} » dans {question} n'est pas une date. Saisissez une date comme 2026-03-31.",
    ),
    "implausible-date": Template(
        ERROR,
        "{found} in {question} is outside the plausible range {low} to {high}. Check the year.",
        "{found} dans {question} est hors de la plage plausible {low} à {high}. Vérifiez l'année.",
    ),
    "not-a-number": Template(
        ERROR,
        '"{found}" in {question} is not a number.',
        "« {found} » dans {question} n'est pas un nombre.",
    ),
    "text-too-long": Template(
        ERROR, "The text in {question} is {length} characters long; keep it under {limit}."
    ),
    "incomplete-rating": Template(
        ERROR,
        "{question} has a {given} but no {missing}. Rate both, or neither.",
        "{question} a une {given} mais pas de {missing}. Évaluez les deux, ou aucune.",
    ),
    "residual-without-mitigation": Template(
        ERROR,
        "{question} has a residual rating but no planned mitigation. Describe the mitigation the residual rating assumes.",
        "{question} a une évaluation résiduelle mais aucune mesure d'atténuation. Décrivez la mesure prévue.",
    ),
    "done-without-evidence": Template(
        WARNING,
        "{question} is marked done but has no evidence reference. Add a reference to the document that shows it.",
        "{question} est marqué terminé sans référence de preuve. Ajoutez une référence.",
    ),
    "carried-unreviewed": Template(
        WARNING,
        "Every one of the {count} answers carried over from round {round} came back unchanged. Check with the unit that they were reviewed.",
        "Les {count} réponses reprises de la campagne {round} sont toutes revenues inchangées. Vérifiez avec l'unité qu'elles ont été relues.",
    ),
    # issue 9: honest results (N/A needs a reason; residuals; acceptance; mostly N/A)
    "na-without-reason": Template(
        ERROR,
        "{question} is marked not applicable without a reason. Write in this cell why it cannot apply.",
        "{question} est marqué sans objet sans raison. Écrivez dans cette cellule pourquoi il ne s'applique pas.",
    ),
    "residual-above-inherent": Template(
        WARNING,
        "{question} has a residual level ({residual}) above its inherent level ({inherent}): a mitigation cannot make a risk worse. Check both ratings.",
        "{question} a un niveau résiduel ({residual}) supérieur à son niveau inhérent ({inherent}) : une mesure ne peut pas aggraver un risque. Vérifiez les deux évaluations.",
    ),
    "acceptance-missing": Template(
        ERROR,
        "The highest residual risk is {level}. {problem}. Record on the Acceptance sheet who accepts it, in a role allowed to accept {level}.",
        "Le risque résiduel le plus élevé est {level}. {problem}. Indiquez sur la feuille Acceptance qui l'accepte, dans une fonction autorisée à accepter le niveau {level}.",
    ),
    "mostly-not-applicable": Template(
        WARNING,
        "Not applicable is chosen for {count} of the {total} statements of {dimension}, more than a fifth. Check that they really cannot apply: the dimension's score rests on the others.",
        "Sans objet est choisi pour {count} des {total} énoncés de {dimension}, plus d'un cinquième. Vérifiez qu'ils ne s'appliquent vraiment pas : le score de la dimension repose sur les autres.",
    ),
    # results: the formulas the respondent saw
    "result-mismatch": Template(
        WARNING,
        "{metric} shows {found} but the answers give {expected}. The workbook was probably not recalculated; the score is recomputed from the answers.",
    ),
    "formula-overwritten": Template(
        WARNING,
        "The formula of {metric} was replaced by a typed value ({found}); the answers give {expected}. The score is recomputed from the answers.",
    ),
    # the run itself
    "internal-error": Template(
        ERROR,
        "rai-sheets could not process this file: {detail}. Please report this; the other files were processed.",
    ),
}


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
    safe = {k: printable(v) if isinstance(v, str) else v for k, v in params.items()}
    return CATALOGUE[code].text(lang).format(**safe)


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
