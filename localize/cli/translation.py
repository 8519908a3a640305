"""Translation resources: glossary (lint, import, export), tm (translation memory) and models (offline models)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from localize.cli import main
from localize.errors import EXIT_QC_FAILED, BadInput
from localize.glossary.terms import KINDS


@main.group()
def glossary() -> None:
    """Glossaries: lint them, import and export TBX-Basic or CSV."""


@glossary.command("lint")
@click.argument("paths", metavar="PATH...", nargs=-1, required=True, type=click.Path())
def glossary_lint(paths: tuple[str, ...]) -> None:
    """Find conflicts, duplicates, empty targets, missing notes and shadowed terms (exit 1 on errors).

    Example: localize glossary lint glossaries/
    """
    from localize.glossary import glossary_files, lint

    files = glossary_files(paths)
    findings = lint(files)
    for finding in findings:
        click.echo(f"{finding.file}: {finding.where} {finding.term}: {finding.severity}: {finding.message}")
    errors = sum(f.severity == "error" for f in findings)
    click.echo(f"{len(files)} glossaries: {errors} errors, {len(findings) - errors} warnings")
    if errors:
        sys.exit(EXIT_QC_FAILED)


@glossary.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, metavar="OUT.yaml", help="The glossary YAML to write.")
@click.option("--source-language", metavar="TAG", help="Source language (default: TBX's Chinese terms; CSV zh-Hans).")
@click.option("--kind", type=click.Choice(KINDS), help="Kind for TBX entries without a subjectField.")
def glossary_import(file: str, output: str, source_language: str | None, kind: str | None) -> None:
    """Import a TBX (TBX-Basic or martif) or CSV glossary as YAML.

    Example: localize glossary import client.tbx -o glossaries/client.yaml --kind plot
    """
    from localize.glossary import import_glossary

    imported = import_glossary(Path(file), Path(output), source_language=source_language, default_kind=kind)
    click.echo(f"wrote {output}: {len(imported.terms)} terms; check it with: localize glossary lint {output}")


@glossary.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, metavar="OUT", help="OUT.tbx (TBX-Basic) or OUT.csv.")
def glossary_export(file: str, output: str) -> None:
    """Export a glossary YAML as TBX-Basic (ISO 30042, DCA style) or CSV.

    Example: localize glossary export glossaries/zh-en.micro-drama.yaml -o zh-en.tbx
    """
    from localize.glossary import export_glossary

    exported = export_glossary(Path(file), Path(output))
    click.echo(f"wrote {output}: {len(exported.terms)} terms")


@main.group("tm")
def tm_group() -> None:
    """Translation memory: import and export TMX 1.4b, look up matches (101, 100, 95-99 … 50-74)."""


@tm_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--tm", "tm_path", required=True, metavar="TM.sqlite", help="The memory (created if missing).")
@click.option("--target-lang", metavar="TAG", help="Import only this target language (zh-TW counts as zh-Hant).")
@click.option("--source-lang", default="zh-Hans", show_default=True, metavar="TAG",
              help='Source language of units whose file says srclang="*all*".')
def tm_import(file: str, tm_path: str, target_lang: str | None, source_lang: str) -> None:
    """Import a TMX file; units already in the memory are not added twice.

    Example: localize tm import client.tmx --tm work/tm.sqlite --target-lang en
    """
    from localize.languages import normalize_tag
    from localize.translate.tm import TranslationMemory
    from localize.translate.tmx import read_tmx

    content = read_tmx(Path(file), target_lang=normalize_tag(target_lang) if target_lang else None,
                       source_lang=normalize_tag(source_lang))
    added = TranslationMemory.open(Path(tm_path), create=True).add(content.units)
    for reason in content.skipped[:5]:
        click.echo(f"skipped {reason}", err=True)
    click.echo(f"imported {added} new units from {file} into {tm_path} "
               f"({len(content.units) - added} already there, {len(content.skipped)} tu skipped)")


@tm_group.command("export")
@click.option("--tm", "tm_path", metavar="TM.sqlite", help="The memory to export.")
@click.option("--job", "job_file", metavar="JOB", help="Instead: the job's series memory (its TMX files and every "
              "approval imported with 'localize review import').")
@click.option("-o", "--output", required=True, metavar="OUT.tmx", help="The TMX 1.4b file to write.")
@click.option("--target-lang", metavar="TAG", help="Export only this target language.")
def tm_export(tm_path: str | None, job_file: str | None, output: str, target_lang: str | None) -> None:
    """Export a memory as TMX 1.4b (the same memory always gives the same bytes).

    Example: localize tm export --job jobs/sample.yaml -o series.en.tmx --target-lang en
    """
    from localize.languages import normalize_tag
    from localize.store import atomic_write_bytes
    from localize.translate.tm import TranslationMemory
    from localize.translate.tmx import tmx_bytes

    if (tm_path is None) == (job_file is None):
        raise BadInput("give either --tm TM.sqlite or --job JOB")
    if job_file:
        from localize.job import load_job
        from localize.review_round import series_memory

        memory = series_memory(load_job(job_file))
    else:
        memory = TranslationMemory.open(Path(tm_path))
    units = memory.units(normalize_tag(target_lang) if target_lang else None)
    atomic_write_bytes(Path(output), tmx_bytes(units))
    click.echo(f"wrote {output}: {len(units)} units")


@tm_group.command("lookup")
@click.argument("text")
@click.option("--tm", "tm_path", required=True, metavar="TM.sqlite", help="The memory to search.")
@click.option("--target-lang", required=True, metavar="TAG", help="Language of the translation wanted.")
@click.option("--context-before", default="", metavar="TEXT", help="The source segment before (for 101 matches).")
@click.option("--context-after", default="", metavar="TEXT", help="The source segment after (for 101 matches).")
def tm_lookup(text: str, tm_path: str, target_lang: str, context_before: str, context_after: str) -> None:
    """Print the best match as score, band and target separated by tabs, or "no match" below 50.

    Example: localize tm lookup --tm work/tm.sqlite --target-lang en "你给我站住！"
    """
    from localize.languages import normalize_tag
    from localize.translate.tm import TranslationMemory

    found = TranslationMemory.open(Path(tm_path)).lookup(text, normalize_tag(target_lang), context_before,
                                                         context_after)
    click.echo(f"{found.score}\t{found.band}\t{found.target}" if found else "no match")


@tm_group.command("from-subtitles")
@click.argument("source", type=click.Path(dir_okay=False))
@click.argument("target", type=click.Path(dir_okay=False))
@click.option("--source-lang", default="zh-Hans", show_default=True, metavar="TAG")
@click.option("--target-lang", required=True, metavar="TAG")
@click.option("-o", "--output", required=True, metavar="OUT.tmx", help="The TMX 1.4b file to write.")
def tm_from_subtitles(source: str, target: str, source_lang: str, target_lang: str, output: str) -> None:
    """Turn an already translated episode (two subtitle files) into approved TMX units, paired by time.

    Example: localize tm from-subtitles ep01.zh.srt ep01.en.srt --target-lang en -o ep01.en.tmx
    """
    from localize.formats import read_track
    from localize.languages import normalize_tag
    from localize.store import atomic_write_bytes
    from localize.translate.align import pair_by_time
    from localize.translate.tm import TranslationMemory
    from localize.translate.tmx import tmx_bytes

    source_tag, target_tag = normalize_tag(source_lang), normalize_tag(target_lang)
    pairs = pair_by_time(list(read_track(Path(source), source_tag).cues),
                         list(read_track(Path(target), target_tag).cues), source_tag, target_tag)
    memory = TranslationMemory.in_memory()
    memory.add_approved([s for s, _ in pairs], [t for _, t in pairs], source_tag, target_tag,
                        f"subtitles:{Path(target).name}")
    atomic_write_bytes(Path(output), tmx_bytes(memory.units(target_tag)))
    click.echo(f"wrote {output}: {len(pairs)} units")


@main.group()
def models() -> None:
    """Speech and translation models available offline."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
def models_list(as_json: bool) -> None:
    """List models in the cache and pip-installed bundles.

    Example: localize models list
    """
    from localize.model_cache import list_models

    entries = list_models()
    if as_json:
        click.echo(json.dumps([e.__dict__ for e in entries], indent=2))
        return
    for entry in entries:
        click.echo(f"{entry.name:<10} {entry.kind:<8} {entry.state:<36} {entry.location}")


@models.command("install-translation")
@click.argument("package_file", metavar="[FILE.argosmodel]", required=False, type=click.Path(dir_okay=False))
@click.option("--pair", metavar="FROM-TO", help="Download this pair from the Argos index instead (online only).")
def models_install_translation(package_file: str | None, pair: str | None) -> None:
    """Install an Argos Translate package for the offline argos engine.

    Example: localize models install-translation translate-zh_en-1_9.argosmodel
    """
    from localize.translate.argos import install_package, install_pair

    if (package_file is None) == (pair is None):
        raise click.UsageError("give either FILE.argosmodel or --pair FROM-TO")
    package = install_package(Path(package_file)) if package_file else install_pair(pair or "")
    click.echo(f"installed {package.pair} (package {package.version}) into {package.folder}")
