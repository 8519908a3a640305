"""Pipeline stages as the cost reports order and name them: in pipeline order, each in Chinese and English.

Auditors read the reports in Chinese, engineers and the ledger in stage names, so every stage row shows both
("翻译初稿 draft.en"). Automatic entries carry the runner's stage names (``draft.<lang>``, ``fit.<lang>``,
``package.<profile>``); manual ones whatever ``costs add --stage`` was given, so the usual words of the trade
(translate, review, dub…) are known too. This is data kept here, not read from the runner, because the costs
wing never imports the pipeline; a stage it does not know sorts after the known ones, labelled 其他 (other).
"""

from __future__ import annotations

# (stage or stage family, Chinese name) in pipeline order; a family matches "<family>.<language or profile>".
STAGES: tuple[tuple[str, str], ...] = (
    ("ingest", "导入"),
    ("shots", "镜头检测"),
    ("transcribe", "语音识别"),
    ("import", "字幕导入"),
    ("ocr", "字幕识别"),
    ("source_cues", "源字幕"),
    ("speakers", "说话人识别"),
    ("translate", "翻译"),
    ("draft", "翻译初稿"),
    ("review", "审校"),
    ("post-edit", "译后编辑"),
    ("fit", "译文字幕适配"),
    ("tts", "语音合成"),
    ("dub", "配音"),
    ("fit.dub", "配音对轨"),
    ("mix", "混音"),
    ("qc", "质检"),
    ("band", "原字幕区域检测"),
    ("package", "打包"),
)
OTHER = "其他"


def _known(stage: str) -> tuple[int, str] | None:
    """The position and Chinese name of the stage's family: its longest match, so fit.dub.en is not fit."""
    name = stage.casefold()
    matches = [(len(family), index, zh) for index, (family, zh) in enumerate(STAGES)
               if name == family or name.startswith(f"{family}.")]
    if not matches:
        return None
    _, index, zh = max(matches)
    return index, zh


def stage_order(stage: str) -> tuple[int, str]:
    """Sort key: pipeline position, then the name (draft.en before draft.es); unknown stages after all known."""
    known = _known(stage)
    return (known[0] if known else len(STAGES), stage)


def stage_label(stage: str) -> str:
    """Chinese and English: "翻译初稿 draft.en", "其他 marketing" for a stage we have no name for."""
    known = _known(stage)
    return f"{known[1] if known else OTHER} {stage}"
