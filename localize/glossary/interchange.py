"""Import and export by file extension: TBX (.tbx, .xml) and CSV (.csv) on one side, our YAML on the other."""

from __future__ import annotations

from pathlib import Path

from localize.errors import BadInput
from localize.glossary.csvio import read_csv, write_csv
from localize.glossary.tbx import read_tbx, write_tbx
from localize.glossary.terms import Glossary, dump_glossary, read_glossary
from localize.store import atomic_write_text

TBX_SUFFIXES = (".tbx", ".xml")


def import_glossary(source: Path, output: Path, *, source_language: str | None = None,
                    default_kind: str | None = None) -> Glossary:
    """Read TBX or CSV and write it as glossary YAML (atomically); returns what was written."""
    source, output = Path(source), Path(output)
    if output.suffix not in {".yaml", ".yml"}:
        raise BadInput(f"{output}: the glossary is written as YAML; name the output *.yaml")
    if not source.is_file():
        raise BadInput(f"file to import not found: {source}")
    if source.suffix.lower() in TBX_SUFFIXES:
        glossary = read_tbx(source, source_language, default_kind)
    elif source.suffix.lower() == ".csv":
        glossary = read_csv(source, source_language or "zh-Hans")
    else:
        raise BadInput(f"{source}: cannot import '{source.suffix}' files; use .tbx (TBX-Basic or martif) or .csv")
    atomic_write_text(output, dump_glossary(glossary))
    return glossary


def export_glossary(source: Path, output: Path) -> Glossary:
    """Write a glossary YAML as TBX-Basic or CSV (atomically); returns the glossary exported."""
    output = Path(output)
    glossary = read_glossary(Path(source))
    if output.suffix.lower() in TBX_SUFFIXES:
        text = write_tbx(glossary, title=Path(source).stem)
    elif output.suffix.lower() == ".csv":
        text = write_csv(glossary)
    else:
        raise BadInput(f"{output}: cannot export to '{output.suffix}'; name the output *.tbx or *.csv")
    atomic_write_text(output, text)
    return glossary
