"""`localize --help` and `localize status` start fast because the CLI loads heavy modules only in the commands that
use them (their speed is measured by hand, not here: these tests check what gets imported, which can regress)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("av", "ffmpeg", "pysubs2", "faster_whisper", "ctranslate2", "onnxruntime", "rapidocr_onnxruntime",
         "argostranslate", "localize.engines", "localize.asr.oneshot")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_command_line_loads_no_engine_or_media_library_to_list_its_commands():
    assert _loaded_after("import localize.cli") == []


def test_status_builds_its_report_without_engines_or_media_libraries():
    assert _loaded_after("import localize.cli.run, localize.job, localize.report.series, "
                         "localize.report.status_table") == []
