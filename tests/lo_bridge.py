"""A LibreOffice bridge for the tests, run by Debian's /usr/bin/python3 (where `uno` imports).

It connects to a headless soffice listening on a socket and answers JSON requests, one per
line on stdin, with one JSON line on stdout:

  {"op": "load", "path": ...}                      open a workbook (hidden); optional
                                                   "filter" and "options" (e.g. CSV import)
  {"op": "set", "cells": [[name, kind, value]]}   kind: text, number, date (ISO), blank
  {"op": "calc"}                                   calculateAll()
  {"op": "get", "names": [...]}                    -> {"values": [[kind, value], ...]}
  {"op": "text", "cells": [[sheet, "A3"], ...]}    -> {"values": [shown text, ...]}
  {"op": "save", "path": ..., "filter": ...}       store as xlsx / ods / xls
  {"op": "formulas"}                               -> {"cells": ["Sheet1.A2", ...]}: every
                                                   cell holding a formula, on every sheet
  {"op": "close"}
"""

import json
import sys
import time
from datetime import date

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

EPOCH = date(1899, 12, 30)


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(port):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.time() + 60
    while True:
        try:
            ctx = resolver.resolve(
                f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"
            )
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.25)
    return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


_cells = {}


def cell_of(doc, name):
    """The cell behind a defined name, resolved once per loaded document."""
    if name not in _cells:
        rng = doc.NamedRanges.getByName(name).getReferredCells()
        addr = rng.getRangeAddress()
        _cells[name] = (rng.getCellByPosition(0, 0), addr.Sheet, addr.StartRow, addr.StartColumn)
    return _cells[name][0]


def read_many(doc, names):
    """Read many named cells with one getDataArray per sheet (one UNO call, not four a cell)."""
    for n in names:
        cell_of(doc, n)
    sheets = {}
    out = []
    for n in names:
        cell, sheet, row, col = _cells[n]
        if sheet not in sheets:
            s = doc.Sheets.getByIndex(sheet)
            cursor = s.createCursor()
            cursor.gotoEndOfUsedArea(False)
            end = cursor.getRangeAddress()
            sheets[sheet] = s.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).getDataArray()
        value = sheets[sheet][row][col]
        if isinstance(value, str):
            out.append(["text", value] if value != "" else ["empty", None])
        else:
            out.append(["number", value])
    errors = [i for i, n in enumerate(names) if out[i][0] == "empty" and _cells[n][0].getError()]
    for i in errors:
        out[i] = ["error", _cells[names[i]][0].getError()]
    return out


def read(cell):
    from com.sun.star.table.CellContentType import EMPTY, FORMULA, TEXT  # type: ignore

    t = cell.getType()
    if t == EMPTY:
        return ["empty", None]
    if t == TEXT:
        return ["text", cell.getString()]
    if t == FORMULA:
        if cell.getError():
            return ["error", cell.getError()]
        rtype = cell.FormulaResultType2  # 1 value, 2 string
        if rtype == 2:
            s = cell.getString()
            return ["text", s] if s != "" else ["empty", None]
        return ["number", cell.getValue()]
    return ["number", cell.getValue()]


def formula_cells(doc):
    """Addresses of the cells that hold a formula, on every sheet."""
    from com.sun.star.sheet.CellFlags import FORMULA  # type: ignore[import-not-found]

    found = []
    for i in range(doc.Sheets.getCount()):
        ranges = doc.Sheets.getByIndex(i).queryContentCells(FORMULA)
        text = ranges.getRangeAddressesAsString()
        found += [a for a in text.split(";") if a]
    return found


def main():
    port = int(sys.argv[1])
    desktop = connect(port)
    doc = None
    for line in sys.stdin:
        req = json.loads(line)
        try:
            op = req["op"]
            out = {"ok": True}
            if op == "load":
                if doc is not None:
                    doc.close(True)
                url = uno.systemPathToFileUrl(req["path"])
                _cells.clear()
                args = [prop("Hidden", True)]
                if req.get("filter"):
                    args.append(prop("FilterName", req["filter"]))
                if req.get("options"):
                    args.append(prop("FilterOptions", req["options"]))
                doc = desktop.loadComponentFromURL(url, "_blank", 0, tuple(args))
                if doc is None:
                    raise RuntimeError(f"LibreOffice could not open {req['path']}")
            elif op == "set":
                for name, kind, value in req["cells"]:
                    c = cell_of(doc, name)
                    if kind == "blank":
                        c.setString("")
                    elif kind == "text":
                        c.setString(value)
                    elif kind == "number":
                        c.setValue(value)
                    elif kind == "date":
                        c.setValue((date.fromisoformat(value) - EPOCH).days)
            elif op == "calc":
                doc.calculateAll()
            elif op == "get":
                out["values"] = read_many(doc, req["names"])
            elif op == "text":
                out["values"] = [
                    doc.Sheets.getByName(sheet).getCellRangeByName(a1).getString()
                    for sheet, a1 in req["cells"]
                ]
            elif op == "save":
                url = uno.systemPathToFileUrl(req["path"])
                args = [prop("FilterName", req["filter"]), prop("Overwrite", True)]
                if req.get("password"):
                    args.append(prop("Password", req["password"]))
                doc.storeToURL(url, tuple(args))
            elif op == "formulas":
                out["cells"] = formula_cells(doc)
            elif op == "close":
                if doc is not None:
                    doc.close(True)
                    doc = None
                    _cells.clear()
            else:
                raise ValueError(op)
        except Exception as exc:  # report to the test, keep serving
            out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
