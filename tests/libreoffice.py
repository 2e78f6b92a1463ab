"""A real spreadsheet application for the tests: headless LibreOffice driven through UNO.

One soffice process serves the whole test run; `LibreOffice` talks to `lo_bridge.py`, which runs
under Debian's /usr/bin/python3 because that is where the `uno` module imports.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

BRIDGE = Path(__file__).with_name("lo_bridge.py")
SYSTEM_PYTHON = "/usr/bin/python3"
XLSX, ODS, XLS = "Calc MS Excel 2007 XML", "calc8", "MS Excel 97"
# CSV import as a careless user's LibreOffice would do it: comma, double quotes, UTF-8, from
# line 1, special numbers detected, and (the 13th token) formulas evaluated.
CSV_EVALUATING_FORMULAS = "44,34,76,1,,0,false,true,false,false,false,-1,true"


def missing_reason() -> str | None:
    if not shutil.which("soffice"):
        return (
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc python3-uno"
        )
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    if probe.returncode != 0:
        return "python3-uno is not installed for /usr/bin/python3: apt-get install python3-uno"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LibreOffice:
    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="rai-lo-")
        port = _free_port()
        self.office = subprocess.Popen(
            [
                "soffice",
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                f"--accept=socket,host=127.0.0.1,port={port};urp;",
                f"-env:UserInstallation=file://{self.profile}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.bridge = subprocess.Popen(
            [SYSTEM_PYTHON, str(BRIDGE), str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _ask(self, **req: Any) -> dict[str, Any]:
        assert self.bridge.stdin and self.bridge.stdout
        self.bridge.stdin.write(json.dumps(req, default=str) + "\n")
        self.bridge.stdin.flush()
        line = self.bridge.stdout.readline()
        if not line:
            raise RuntimeError("the LibreOffice bridge stopped")
        out: dict[str, Any] = json.loads(line)
        if not out.get("ok"):
            raise RuntimeError(out.get("error"))
        return out

    def load(self, path: Path) -> None:
        self._ask(op="load", path=str(path))

    def load_csv(self, path: Path) -> None:
        """Open a CSV file the way that is most dangerous: with formulas evaluated."""
        self._ask(
            op="load",
            path=str(path),
            filter="Text - txt - csv (StarCalc)",
            options=CSV_EVALUATING_FORMULAS,
        )

    def formula_cells(self) -> list[str]:
        """Every cell of the open document that holds a formula ("Sheet1.A2")."""
        return list(self._ask(op="formulas")["cells"])

    def set(self, cells: list[tuple[str, str, Any]]) -> None:
        self._ask(op="set", cells=cells)

    def recalc(self) -> None:
        self._ask(op="calc")

    def get(self, names: list[str]) -> list[Any]:
        """Values of named cells: numbers as float, text as str, blanks as ""."""
        values = self._ask(op="get", names=names)["values"]
        return [
            "" if kind == "empty" else (f"#ERR{v}" if kind == "error" else v) for kind, v in values
        ]

    def text(self, cells: list[tuple[str, str]]) -> list[str]:
        """What cells show, by sheet and A1 address (for cells without a defined name)."""
        return list(self._ask(op="text", cells=cells)["values"])

    def save(self, path: Path, filter_name: str = XLSX, password: str = "") -> None:
        self._ask(op="save", path=str(path), filter=filter_name, password=password)

    def close_doc(self) -> None:
        self._ask(op="close")

    def stop(self) -> None:
        try:
            if self.bridge.stdin:
                self.bridge.stdin.close()
            self.bridge.wait(timeout=10)
        finally:
            self.office.terminate()
            try:
                self.office.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.office.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def required() -> bool:
    return os.environ.get("RAI_SHEETS_REQUIRE_LIBREOFFICE") == "1"
