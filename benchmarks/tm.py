"""Translation-memory speed: a 50,000-unit memory must answer a lookup in milliseconds, not seconds.

The memory is built from synthetic micro-drama lines (forms of address, archetypes, threats and confessions
glued from phrase lists), which share far more characters with each other than real prose does: the fuzzy
index meets its worst case, many candidates per query. Queries are of three kinds:

* exact: lines in the memory (100 % matches through the hash index);
* fuzzy: lines in the memory with one to three characters replaced or one phrase swapped (50–99 %);
* new: lines built from a second phrase list the memory has never seen (mostly no match).

Prints a table and writes ``benchmarks/results/tm.json``. Run: ``python benchmarks/tm.py [--units 50000]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from localize.translate.tm import TranslationMemory, TranslationUnit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "tm.json"
TARGET_MS = 50.0

OPENERS = ["", "", "", "你听着，", "说实话，", "我告诉你，", "没想到，", "放心吧，", "求求你，", "记住，"]
SUBJECTS = ["我", "你", "他", "她", "我们", "林总", "苏小姐", "王爷", "少爷", "老婆", "妈", "师父", "陈医生", "顾总",
            "这个赘婿", "那个女人", "沈家大小姐", "战神", "龙王", "三少爷"]
ADVERBS = ["今天", "明天", "刚才", "其实", "一直", "终于", "根本", "已经", "从来没有", "马上", "一定", "绝对不会"]
VERBS = ["喜欢", "不想见", "要娶", "看不起", "答应了", "骗了", "救了", "找到了", "欠了", "离不开", "恨透了", "保护",
         "认出了", "背叛了", "放过"]
OBJECTS = ["这个女人", "那份合同", "你的孩子", "苏家", "三千万", "那块玉佩", "整个公司", "你妈", "他的未婚妻",
           "这场婚礼", "我的命", "所有人", "林家的一切", "这杯酒", "那个秘密"]
ENDINGS = ["！", "。", "吗？", "吧。", "啊！", "呢？", "……"]
NEW_WORDS = ["皇上", "微臣", "贵妃", "御花园", "圣旨", "太子殿下", "江湖", "掌门", "武林盟主", "秘籍", "客栈", "侠客"]
REPLACEMENTS = "甲乙丙丁戊己庚辛壬癸"


def line(rng: random.Random) -> str:
    return "".join(rng.choice(part) for part in (OPENERS, SUBJECTS, ADVERBS, VERBS, OBJECTS, ENDINGS))


def new_line(rng: random.Random) -> str:
    return "".join(rng.choice(NEW_WORDS) for _ in range(rng.randint(2, 4))) + rng.choice(ENDINGS)


def edited(rng: random.Random, text: str) -> str:
    if rng.random() < 0.5:
        chars = list(text)
        for index in rng.sample(range(len(chars)), min(len(chars), rng.randint(1, 3))):
            chars[index] = rng.choice(REPLACEMENTS)
        return "".join(chars)
    old = next(o for o in rng.sample(OBJECTS, len(OBJECTS)) if o in text)
    return text.replace(old, rng.choice(OBJECTS), 1)


def timings(lookup: Callable[[str], object], queries: list[str]) -> tuple[list[float], int]:
    times, hits = [], 0
    for query in queries:
        started = time.perf_counter()
        hits += lookup(query) is not None
        times.append((time.perf_counter() - started) * 1000)
    return times, hits


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
            "max_ms": round(ordered[-1], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(20250101)
    sources: dict[str, None] = {}
    while len(sources) < args.units:
        sources[line(rng)] = None
    units = [TranslationUnit(s, f"line {i}", "zh-Hans", "en", origin="benchmark") for i, s in enumerate(sources)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tm.sqlite"
        started = time.perf_counter()
        memory = TranslationMemory.open(path, create=True)
        memory.add(units)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        memory.lookup("索引预热", "en")
        index_s = time.perf_counter() - started
        in_memory = list(sources)
        exact = rng.sample(in_memory, args.queries)
        fuzzy = [edited(rng, s) for s in rng.sample(in_memory, args.queries)]
        novel = [new_line(rng) for _ in range(args.queries)]
        rows = {}
        for kind, queries in (("exact", exact), ("fuzzy", fuzzy), ("new", novel)):
            times, hits = timings(lambda q: memory.lookup(q, "en"), queries)
            rows[kind] = {**summary(times), "queries": len(queries), "matched": hits}
        size_mb = path.stat().st_size / 1e6
        memory.close()
    report = {
        "units": args.units, "build_s": round(build_s, 2), "fuzzy_index_s": round(index_s, 2),
        "db_mb": round(size_mb, 1), "lookups": rows, "target_ms": TARGET_MS,
        "passed": all(r["p95_ms"] < TARGET_MS for r in rows.values()),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
    }
    print(f"TM of {args.units} units: built in {build_s:.2f} s ({size_mb:.1f} MB), "
          f"fuzzy index {index_s:.2f} s on first fuzzy lookup")
    print(f"{'lookup':<8}{'queries':>8}{'matched':>8}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for kind, row in rows.items():
        print(f"{kind:<8}{row['queries']:>8}{row['matched']:>8}{row['median_ms']:>11.2f}{row['p95_ms']:>9.2f}"
              f"{row['max_ms']:>9.2f}")
    print(f"target p95 < {TARGET_MS:.0f} ms: {'PASS' if report['passed'] else 'FAIL'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
