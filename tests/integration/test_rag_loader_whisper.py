"""The loader on a bundled meeting with the bundled Whisper: chunks keep times, citations land in the answer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from langchain_core.document_loaders import Blob

from audio_tools.config import Settings
from audio_tools.rag.chunks import DEFAULT_CHUNK_OPTIONS, chunk_segments, chunk_transcript
from audio_tools.rag.citations import cite
from audio_tools.rag.loader import AudioBlobParser, AudioTranscriptLoader, transcribe_recording
from audio_tools.workspace import Workspace

pytestmark = pytest.mark.slow

MEETINGS = Path(__file__).parents[2] / "examples" / "meetings"
TURNS = json.loads((MEETINGS / "truth.json").read_text())["design_review"]["turns"]
STT = "faster-whisper"  # the bundled tiny.en
QUESTIONS = [  # (question, the turn that answers it)
    ("How many users found the pricing page quickly?", 1),
    ("What did users dislike about the buttons?", 3),
    ("When can the new website go live?", 6),
    ("Who will finish the Spanish translation, and by when?", 7),
]


@pytest.fixture(scope="module")
def meeting(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("workspace")
    shutil.copy(MEETINGS / "design_review.flac", root / "design_review.flac")
    return Workspace(root, Settings(workspace=root)).settings


def test_chunks_cover_the_meeting_within_the_default_limits(meeting: Settings) -> None:
    documents = AudioTranscriptLoader("design_review.flac", settings=meeting, stt=STT).load()

    assert len(documents) >= 2
    text = " ".join(d.page_content for d in documents).lower()
    assert "dark blue" in text
    assert "spanish" in text
    for document in documents:
        metadata = document.metadata
        assert metadata["end"] - metadata["start"] <= DEFAULT_CHUNK_OPTIONS.max_seconds
        assert len(document.page_content) <= DEFAULT_CHUNK_OPTIONS.max_chars
        assert (metadata["source"], metadata["stt_backend"], metadata["stt_model"], metadata["language"]) == (
            "design_review.flac", "faster-whisper", "tiny.en", "en")
        assert None not in metadata.values()
    starts = [d.metadata["start"] for d in documents]
    assert starts == sorted(starts)
    assert documents[0].metadata["start"] < 1.0
    assert documents[-1].metadata["end"] > 41.0


def test_citations_in_the_chunk_land_inside_the_answer(meeting: Settings) -> None:
    info, transcript = transcribe_recording("design_review.flac", meeting, stt=STT)
    documents = chunk_transcript(transcript, info, STT)
    for question, turn in QUESTIONS:
        answer = TURNS[turn]
        holding = max(documents, key=lambda d: _overlap(d.metadata["start"], d.metadata["end"], answer))
        citation = cite(question, chunk_segments(transcript, holding.metadata))
        assert answer["start"] - 1 <= citation.start < citation.end <= answer["end"] + 1, (question, citation)


def _overlap(start: float, end: float, turn: dict[str, float]) -> float:
    return min(end, turn["end"]) - max(start, turn["start"])


def test_a_blob_of_bytes_gives_the_same_chunks(meeting: Settings) -> None:
    data = (meeting.workspace / "design_review.flac").read_bytes()
    from_bytes = AudioBlobParser(settings=meeting, stt=STT).parse(
        Blob.from_data(data, path=str(meeting.workspace / "design_review.flac")))
    from_file = AudioTranscriptLoader("design_review.flac", settings=meeting, stt=STT).load()
    assert [(d.page_content, d.metadata["start"], d.metadata["source"]) for d in from_bytes] == [
        (d.page_content, d.metadata["start"], d.metadata["source"]) for d in from_file]
