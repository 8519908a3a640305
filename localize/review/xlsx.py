"""The bilingual spreadsheet many freelancers review in: one row per cue of each sentence, the hints beside
it, a status column with a drop-down, the fingerprint on a hidden sheet. openpyxl writes and reads it (loaded
only here: it is not needed to run a job)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from localize.errors import BadInput
from localize.formats.cuelines import format_clock
from localize.review.units import STATES, Fingerprint, ReviewedUnit, ReviewFile, ReviewUnit

COLUMNS = ("unit", "cue", "start", "end", "speaker", "addressee", "source", "target", "status", "max chars", "dub slot",
           "glossary", "match", "qa", "before", "after")
WIDTHS = {"source": 40, "target": 48, "glossary": 40, "qa": 30, "before": 30, "after": 30}  # wrapped; the rest 12
META_SHEET = "localize"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entry times: the same units give the same bytes
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _row(unit: ReviewUnit, index: int) -> list[str | int]:
    segment = unit.segments[index]
    first = index == 0  # unit-wide hints on the unit's first row only, so edits stay readable
    glossary = "; ".join(f"{t.source} → {' / '.join(t.approved)}" + (f" (never: {', '.join(t.forbidden)})"
                                                                      if t.forbidden else "") for t in unit.terms)
    return [unit.id, segment.cue, format_clock(segment.start_ms, "."), format_clock(segment.end_ms, "."),
            unit.speaker, unit.addressee, segment.source, segment.target, unit.state,
            unit.max_chars if first else "", f"{unit.dub_slot_ms / 1000:.2f} s" if first and unit.dub_slot_ms else "",
            glossary if first else "", unit.match if first else "",
            "; ".join(unit.flags) if first else "", unit.before if first else "", unit.after if first else ""]


def _deterministic(data: bytes) -> bytes:
    """The workbook re-zipped with fixed entry times and a fixed "modified" property: openpyxl stamps the clock
    into both when it saves."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = MODIFIED.sub(rb"\g<1>2020-01-01T00:00:00Z\g<2>", content)
            target.writestr(zipfile.ZipInfo(info.filename, FIXED_TIME), content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_xlsx(units: list[ReviewUnit], fingerprint: Fingerprint, source_language: str,
               target_language: str) -> bytes:
    from datetime import datetime

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.properties.created = book.properties.modified = datetime(2020, 1, 1)
    sheet = book.active
    sheet.title = f"{fingerprint.episode} {target_language}"[:31]
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for unit in units:
        for index in range(len(unit.segments)):
            sheet.append(_row(unit, index))
    wrapped = [COLUMNS.index(name) for name in WIDTHS]  # only the text columns: a style per cell is what costs
    for row in sheet.iter_rows(min_row=2):
        for column in wrapped:
            row[column].alignment = wrap
    for number, name in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(number)].width = WIDTHS.get(name, 12)
    sheet.freeze_panes = "A2"
    status = get_column_letter(COLUMNS.index("status") + 1)
    rule = DataValidation(type="list", formula1=f'"{",".join(STATES)}"', allow_blank=False)
    rule.add(f"{status}2:{status}{max(sheet.max_row, 2)}")
    sheet.add_data_validation(rule)
    meta = book.create_sheet(META_SHEET)
    meta.append(["fingerprint", fingerprint.token()])
    meta.append(["source language", source_language])
    meta.append(["target language", target_language])
    meta.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return _deterministic(buffer.getvalue())


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip() if not isinstance(value, str) else value


def read_xlsx(data: bytes, source: Path | str) -> ReviewFile:
    """The units of a review spreadsheet; BadInput names the file and the row."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BadInput(f"{source}: not an XLSX workbook ({type(exc).__name__}); save it as .xlsx") from None
    if META_SHEET not in book.sheetnames:
        raise BadInput(f"{source}: the hidden '{META_SHEET}' sheet is gone; export the file again")
    meta = {_cell(row[0]): _cell(row[1]) for row in book[META_SHEET].iter_rows(values_only=True) if len(row) >= 2}
    sheet = book[book.sheetnames[0]]
    rows = sheet.iter_rows(values_only=True)
    header = tuple(_cell(v) for v in next(rows, ()))
    missing = [name for name in ("unit", "cue", "target", "status") if name not in header]
    if missing:
        raise BadInput(f"{source}: the header lost its column(s) {', '.join(missing)}; export the file again")
    at = {name: header.index(name) for name in ("unit", "cue", "target", "status")}
    units: dict[str, tuple[list[tuple[int, str]], list[str]]] = {}
    for number, row in enumerate(rows, 2):
        unit_id = _cell(row[at["unit"]]) if len(row) > at["unit"] else ""
        if not unit_id:
            continue
        cue, state = _cell(row[at["cue"]]), _cell(row[at["status"]]) or "initial"
        if not cue.isdigit():
            raise BadInput(f"{source} row {number}: cue {cue!r} is not a cue number (unit {unit_id})")
        if state not in STATES:
            raise BadInput(f"{source} row {number}: unknown status {state!r} (unit {unit_id}); "
                           f"statuses are {', '.join(STATES)}")
        targets, states = units.setdefault(unit_id, ([], []))
        targets.append((int(cue), _cell(row[at["target"]])))
        states.append(state)
    book.close()
    reviewed = tuple(ReviewedUnit(unit_id, tuple(targets), min(states, key=STATES.index))
                     for unit_id, (targets, states) in units.items())
    return ReviewFile(Fingerprint.from_token(meta.get("fingerprint", "")), meta.get("source language", ""),
                      meta.get("target language", ""), reviewed)
