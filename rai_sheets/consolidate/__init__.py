"""Stage 4: accepted returns -> the summary frames, the findings, the leadership workbook and the
tidy data."""
