"""`python -m rai_sheets`: the same command as `rai-sheets`."""

from .cli import main

main()
