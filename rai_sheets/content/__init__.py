"""Stage 1: the content tables in source_content/ -> a `Questionnaire`, with problems that name
file, line and column."""
