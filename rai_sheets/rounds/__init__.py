"""Stage 5: a round by email: the round folder, mail in and out, collecting and status."""
