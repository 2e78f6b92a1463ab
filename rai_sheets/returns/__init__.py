"""Stage 3: an untrusted returned file -> a `ReturnedFile` with its issues: preflight, reading,
normalising, schema validation, the validation report and the feedback workbooks."""
