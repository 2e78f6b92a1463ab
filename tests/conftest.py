from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rai_sheets.content import default_content_dir, load_questionnaire
from rai_sheets.model import Questionnaire

from .libreoffice import LibreOffice, missing_reason, required


@pytest.fixture(scope="session")
def libreoffice() -> Iterator[LibreOffice]:
    """One headless LibreOffice for the whole run; skips visibly where it is missing."""
    reason = missing_reason()
    if reason:
        if required():
            pytest.fail(f"RAI_SHEETS_REQUIRE_LIBREOFFICE=1 but {reason}")
        pytest.skip(reason)
    lo = LibreOffice()
    yield lo
    lo.stop()


@pytest.fixture(scope="session")
def content_dir() -> Path:
    return default_content_dir()


@pytest.fixture(scope="session")
def questionnaires() -> dict[str, Questionnaire]:
    return {q: load_questionnaire(q) for q in ("readiness", "risk", "action")}
