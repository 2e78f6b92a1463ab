from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rai_sheets.content.load import default_content_dir, load_questionnaire
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


@pytest.fixture(autouse=True)
def _history_in_tmp(tmp_path_factory, monkeypatch):
    """Commands that keep a history store keep it out of the working tree during tests."""
    folder = tmp_path_factory.mktemp("history")
    monkeypatch.setenv("RAI_SHEETS_HISTORY", str(folder / "history.sqlite"))


@pytest.fixture(scope="session")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The demo's two rounds, run once: last year's, then this year's with its mistakes."""
    from rai_sheets.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo") / "round")


@pytest.fixture(scope="session")
def content_dir() -> Path:
    return default_content_dir()


@pytest.fixture(scope="session")
def translated_content(tmp_path_factory) -> Path:
    """The built-in content with every gap in French, Spanish and Arabic filled by a stand-in
    translator (tests/translations.py): for tests of the mechanics, not of the words."""
    from .translations import fake_translate

    folder = tmp_path_factory.mktemp("translated") / "content"
    return fake_translate(default_content_dir(), folder, ("fr", "es", "ar"))


@pytest.fixture(scope="session")
def questionnaires() -> dict[str, Questionnaire]:
    return {q: load_questionnaire(q) for q in ("readiness", "risk", "action")}


@pytest.fixture()
def imap_server():
    """A real IMAP server (Debian's dovecot) on 127.0.0.1, with a temporary configuration.

    Yields (port, user, password, Maildir path). Mail must be owned by the dovecot user, so
    the fixture needs root (as CI and the development machines run); it skips, with the
    reason, where dovecot or root is missing, and fails instead when
    RAI_SHEETS_REQUIRE_SERVERS=1 (which .ci/run sets).
    """
    from .imap import Dovecot, missing_reason

    reason = missing_reason()
    if reason:
        if os.environ.get("RAI_SHEETS_REQUIRE_SERVERS") == "1":
            pytest.fail(f"RAI_SHEETS_REQUIRE_SERVERS=1 but {reason}")
        pytest.skip(reason)
    import shutil
    import tempfile

    # dovecot's own processes must reach this folder; pytest's tmp_path is private (0700)
    folder = Path(tempfile.mkdtemp(prefix="rai-dovecot-"))
    server = Dovecot(folder)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)
