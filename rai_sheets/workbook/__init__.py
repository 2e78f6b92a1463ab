"""Stage 2: a `Questionnaire` (and a unit) -> an .xlsx workbook: the layout contract, the Excel
formulas (the twin of scoring/), the styles and each sheet."""
