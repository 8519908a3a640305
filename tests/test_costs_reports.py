"""Cost reports and claim packs, with real SQLite and real files: a few runs of the real CLI per command, the
rest through the functions those commands call, called as ``localize/cli/costs.py`` calls them.

The key check is reconciliation: every table (CSV and XLSX) sums to the ledger's own total to the cent,
computed here straight from SQLite as Decimal."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

from localize.cli.costs import work_of
from localize.costs import ledger
from localize.costs.claim_pack import write_pack
from localize.costs.policies import claim as policy_claim
from localize.costs.policies import claimed_amount, load_policy
from localize.costs.report import table_rows, write_report
from localize.costs.tables import UNASSIGNED, tables
from localize.job import load_job
from tests.conftest import localize
from tests.test_costs import YEARLY, add, claim, last_hash, launch, make_job, opened

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
TABLES = ("series", "episode", "language", "stage")


def ledger_sum(work: Path) -> Decimal:
    with sqlite3.connect(work / "state.sqlite") as db:
        return sum((Decimal(a) for (a,) in db.execute("SELECT amount_cny FROM ledger")), Decimal(0))


def costed_job(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Entries across episodes, languages, stages and currencies, one with an invoice, one unassigned."""
    job, work = make_job(tmp_path, targets="[en, es]")
    invoice = tmp_path / "发票.pdf"
    invoice.write_bytes(b"%PDF-1.4 invoice for dubbing \xe9\x85\x8d\xe9\x9f\xb3")
    add(job, work, "配音演员", "1200", "CNY", episode="3", lang="en", stage="dub", invoice=invoice)
    add(job, work, "translation", "1000", "USD", date="2025-03-15", episode="1", lang="en", stage="translate")
    add(job, work, "subtitling", "333.33", "USD", date="2025-07-01", episode="10", lang="es", stage="translate")
    add(job, work, "review", "0.01", "CNY", episode="2", lang="es", stage="review")
    add(job, work, "correction", "-10.5", "CNY", episode="3", lang="en", stage="dub")
    add(job, work, "项目管理", "99.99")
    return job, work, invoice


def report(job: Path, work: Path, out: Path) -> list[Path]:
    """What ``costs report`` writes, written as it writes it, in-process."""
    with opened(work) as store:
        return write_report(ledger.entries(store.db), load_job(job).series.title, out)


def pack(job: Path, work: Path, out: Path, policy: str | Path, claimed: str = "0") -> dict[str, bytes]:
    """What ``claim pack`` writes, written as it writes it, in-process; the pack's files."""
    loaded = load_job(job)
    with opened(work) as store:
        result = policy_claim(store, work_of(loaded), load_policy(str(policy)), claimed_amount(claimed))
        return write_pack(store, result, out)


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has no UTF-8 BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def sheet_rows(book: zipfile.ZipFile, index: int) -> list[list[str | Decimal]]:
    root = ET.fromstring(book.read(f"xl/worksheets/sheet{index}.xml"))
    rows = []
    for row in root.iterfind(".//m:row", NS):
        cells: list[str | Decimal] = []
        for cell in row.iterfind("m:c", NS):
            if cell.get("t") == "inlineStr":
                cells.append(cell.findtext("m:is/m:t", namespaces=NS) or "")
            else:
                cells.append(Decimal(cell.findtext("m:v", namespaces=NS)))
        rows.append(cells)
    return rows


def test_report_tables_reconcile_to_the_ledger(tmp_path: Path) -> None:
    job, work, _ = costed_job(tmp_path)
    total = ledger_sum(work)
    assert total == Decimal("7100.00") + Decimal("2399.98") + Decimal("1200") + Decimal("0.01") \
        - Decimal("10.50") + Decimal("99.99")
    done = localize("costs", "report", job, "--work", work, "-o", tmp_path / "report")
    assert done.code == 0, done.stderr
    assert done.stdout == f"wrote 7 files to {tmp_path / 'report'}: 6 entries, total {total} CNY\n"
    for name in TABLES:
        rows = read_csv(tmp_path / "report" / f"costs_by_{name}.csv")
        body, last = rows[1:-1], rows[-1]
        assert sum(Decimal(r[2]) for r in body) == total == Decimal(last[2]), name
        assert sum(int(r[1]) for r in body) == int(last[1]) == 6
        assert all(re.fullmatch(r"-?\d+\.\d\d", r[2]) for r in rows[1:]), "amounts are exact 2-decimal strings"
    episodes = [r[0] for r in read_csv(tmp_path / "report" / "costs_by_episode.csv")[1:-1]]
    assert episodes == ["1", "2", "3", "10", "(未指定 unassigned)"]  # numeric order, unassigned last
    languages = {r[0]: r[2] for r in read_csv(tmp_path / "report" / "costs_by_language.csv")[1:-1]}
    assert languages == {"en": "8289.50", "es": "2399.99", "(未指定 unassigned)": "99.99"}
    stages = [r[0] for r in read_csv(tmp_path / "report" / "costs_by_stage.csv")[1:-1]]
    assert stages == ["翻译 translate", "审校 review", "配音 dub", "(未指定 unassigned)"]  # pipeline order

    with zipfile.ZipFile(tmp_path / "report" / "costs.xlsx") as book:
        assert book.testzip() is None
        for part in book.namelist():
            ET.fromstring(book.read(part))  # every part is well-formed XML
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} \
            <= set(book.namelist())
        sheets = ET.fromstring(book.read("xl/workbook.xml")).findall(".//m:sheet", NS)
        assert [sheet.get("name") for sheet in sheets] == ["剧集 Series", "集 Episode", "语言 Language", "环节 Stage"]
        for index in range(1, 5):
            rows = sheet_rows(book, index)
            assert sum(r[2] for r in rows[1:-1]) == total == rows[-1][2]
        assert "配音演员" not in str(sheet_rows(book, 1)) and "合计 Total" in str(sheet_rows(book, 1))

    html = (tmp_path / "report" / "summary.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "<script" not in html.lower()
    assert "按环节的成本 Cost by stage" in html and "按语言的成本 Cost by language" in html
    assert "配音 dub" in html and "翻译 translate" in html  # stage labels in both languages
    assert f"{total} CNY" in html


def test_report_is_deterministic(tmp_path: Path) -> None:
    job, work, _ = costed_job(tmp_path)
    for name in ("a", "b"):
        assert len(report(job, work, tmp_path / name)) == 7
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert not [f for f in files if f.startswith(".")], "no temp files left behind"
    for name in files:
        first, second = ((tmp_path / d / name).read_bytes() for d in ("a", "b"))
        if name == "summary.html":
            first, second = (re.sub(rb"<p class=\"generated\">.*?</p>", b"", x) for x in (first, second))
        assert first == second, name


def test_report_of_an_empty_ledger(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    done = localize("costs", "report", job, "--work", work, "-o", tmp_path / "report")
    assert done.code == 0, done.stderr
    assert read_csv(tmp_path / "report" / "costs_by_stage.csv")[-1] == ["合计 Total", "0", "0.00"]
    assert not work.exists(), "a report reads the ledger; it makes no work store"


def test_claim_pack(tmp_path: Path) -> None:
    job, work, invoice = costed_job(tmp_path)
    launch(work)
    manifest = work / "ep01" / "package" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"episode": "ep01", "files": []}\n', encoding="utf-8")
    out = tmp_path / "out" / "claim.zip"
    done = localize("claim", "pack", job, "--work", work, "--policy", "city-30", "-o", out)
    assert done.code == 0, done.stderr
    assert [p.name for p in out.parent.iterdir()] == ["claim.zip"], "written by temp file + rename"

    with zipfile.ZipFile(out) as pack:
        files = {name: pack.read(name) for name in pack.namelist()}
    assert done.stdout == f"wrote {out}: {len(files)} files, subsidy after caps 3206.85 CNY\n"
    listed = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert set(listed) == set(files) - {"SHA256SUMS"}
    assert all(hashlib.sha256(files[name]).hexdigest() == digest for name, digest in listed.items())

    assert json.loads(files["summary.json"]) == json.loads(json.dumps(claim(job, work, "city-30")))
    summary = json.loads(files["summary.json"])
    # counted: 配音演员 1200 + translation 7100.00 + subtitling 2399.98 + correction -10.50 (its stage is dub)
    # = 10689.49 (the 0.01 "review" counts: reviewing the translation is 译制; 项目管理 is not);
    # × 0.30 = 3206.847 → 3206.85
    assert (summary["eligible_cost"], summary["subsidy_after_caps"]) == ("10689.49", "3206.85")
    html = files["summary.html"].decode("utf-8")
    assert "封顶后补助" in html and "Subsidy after caps" in html and "3206.85" in html

    digest = hashlib.sha256(invoice.read_bytes()).hexdigest()
    assert files[f"invoices/{digest}.pdf"] == invoice.read_bytes()
    assert files["manifests/ep01/package/manifest.json"] == manifest.read_bytes()
    with sqlite3.connect(work / "state.sqlite") as db:
        hashes = [h for (h,) in db.execute("SELECT entry_sha256 FROM ledger ORDER BY id")]
    ledger_rows = list(csv.DictReader(io.StringIO(files["ledger.csv"].decode("utf-8-sig"))))
    assert [r["entry_sha256"] for r in ledger_rows] == hashes
    launches = list(csv.DictReader(io.StringIO(files["launches.csv"].decode("utf-8-sig"))))
    assert [(r["platform"], r["language"], r["episodes"]) for r in launches] == [("YouTube", "en", "1-80")]
    # the head an auditor keeps: the newest ledger entry's hash, in both summaries
    assert summary["ledger_head"] == {"entries": 6, "entry_sha256": hashes[-1], "head_recorded": True}
    assert summary["launches_head"]["entries"] == 1 and hashes[-1] in html


def test_claim_pack_under_a_yearly_cap(tmp_path: Path) -> None:
    job, work, _ = costed_job(tmp_path)
    launch(work)
    (tmp_path / "yearly.yaml").write_text(YEARLY, encoding="utf-8")
    out = tmp_path / "claim.zip"
    written = pack(job, work, out, tmp_path / "yearly.yaml", "297000")
    with zipfile.ZipFile(out) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == written
        summary = json.loads(archive.read("summary.json"))
        html = archive.read("summary.html").decode("utf-8")
    # this policy counts translat/dub/配音 only: 1200 + 7100.00 + 2399.98 − 10.50 = 10689.48 (review 0.01 is out);
    # × 0.30 = 3206.844 → 3206.84; the yearly cap leaves 300000 − 297000 = 3000.00, which binds
    assert (summary["claimable"], summary["eligible_cost"], summary["subsidy_before_caps"],
            summary["company_year_remaining"], summary["subsidy_after_caps"], summary["capped_by"]) == \
        (True, "10689.48", "3206.84", "3000.00", "3000.00", ["cap_per_company_year"])
    assert "企业年度上限" in html and "297000.00" in html and "年度剩余额度" in html
    assert summary["ledger_head"]["entry_sha256"] == last_hash(work)


def test_claim_pack_with_unmet_conditions_still_lists_them(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    add(job, work, "translation", "1000")
    out = tmp_path / "claim.zip"
    done = localize("claim", "pack", job, "--work", work, "--policy", "city-30", "-o", out)
    assert done.code == 1 and "overseas_launch" in done.stderr
    with zipfile.ZipFile(out) as pack:
        summary = json.loads(pack.read("summary.json"))
        assert "境外主流平台上线" in pack.read("summary.html").decode("utf-8")
    assert [u["condition"] for u in summary["unmet_conditions"]] == ["overseas_launch"]


def test_claim_pack_unknown_policy_writes_nothing(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    add(job, work, "translation", "1000")
    done = localize("claim", "pack", job, "--work", work, "--policy", "nowhere-99", "-o", tmp_path / "claim.zip")
    assert done.code == 2 and not (tmp_path / "claim.zip").exists()


def test_stages_are_in_pipeline_order_and_every_row_is_labelled_in_both_languages() -> None:
    stages = ["package.youtube-shorts", "fit.en", "zz-marketing", "draft.es", "source_cues", "", "import", "dub",
              "draft.en", "band", "ingest", "shots", "fit.dub.en", "fit.es"]
    entries = [{"stage": stage, "amount_cny": "1.00"} for stage in stages]
    table = next(t for t in tables(entries) if t.name == "stage")
    assert [key for key, _, _ in table.rows] == [
        "ingest", "shots", "import", "source_cues", "draft.en", "draft.es", "fit.en", "fit.es", "dub", "fit.dub.en",
        "band", "package.youtube-shorts", "zz-marketing", UNASSIGNED]
    labels = [row[0] for row in table_rows(table)]
    assert labels == [
        "环节 Stage", "导入 ingest", "镜头检测 shots", "字幕导入 import", "源字幕 source_cues", "翻译初稿 draft.en",
        "翻译初稿 draft.es", "译文字幕适配 fit.en", "译文字幕适配 fit.es", "配音 dub", "配音对轨 fit.dub.en",
        "原字幕区域检测 band", "打包 package.youtube-shorts", "其他 zz-marketing", UNASSIGNED, "合计 Total"]
    assert all(re.fullmatch(r"[\u4e00-\u9fff（）()]+ [ -~]+", label) for label in labels), "Chinese, then English"
