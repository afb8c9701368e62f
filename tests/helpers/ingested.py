"""A workspace holding the bundled meetings, ingested for real (bundled Whisper, MiniLM, embedded Chroma).

Ingesting both meetings takes about 6 s here; test modules share one workspace per module.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audio_tools.config import Settings
from audio_tools.rag.store import RecordingStore

__all__ = ["MEETINGS", "IngestedMeetings", "answer_turn", "ingest_meetings"]

MEETINGS = Path(__file__).resolve().parents[2] / "examples" / "meetings"


@dataclass
class IngestedMeetings:
    """The workspace, its settings and its store."""

    root: Path
    settings: Settings
    store: RecordingStore


def ingest_meetings(root: Path) -> IngestedMeetings:
    """Copy the bundled meetings into ``root`` and ingest them into ``root/.audio_store``."""
    for name in ("design_review.flac", "support_weekly.flac"):
        shutil.copy(MEETINGS / name, root / name)
    settings = Settings(workspace=root)
    store = RecordingStore(settings)
    report = store.ingest(["design_review.flac", "support_weekly.flac"])
    assert report.ok, report.to_dict()
    return IngestedMeetings(root, settings, store)


def answer_turn(meeting: str, turn: int) -> dict[str, Any]:
    """The true turn (start, end, speaker, text) of a bundled meeting."""
    truth = json.loads((MEETINGS / "truth.json").read_text(encoding="utf-8"))
    return truth[meeting]["turns"][turn]
