"""Speakers in the meeting store, end to end: real Whisper tiny.en, the speaker encoder, MiniLM and Chroma.

``examples/meetings/design_review.flac`` (three voices; truth in ``truth.json``) is ingested with
the default chunks, which hold several turns each (so a speaker filter keeps the chunks that
speaker talks in, and cites what that speaker says); search, rename and summarize run through
the ``audio-agent`` command table.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import audio_tools.stt
from audio_tools.agents.cli.main import app
from audio_tools.config import Settings
from audio_tools.rag.store import RecordingStore

pytestmark = pytest.mark.slow
MEETING = Path(__file__).parents[2] / "examples" / "meetings" / "design_review.flac"
SOURCE = "design_review.flac"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> RecordingStore:
    root = tmp_path_factory.mktemp("workspace")
    shutil.copy(MEETING, root / SOURCE)
    made = RecordingStore(Settings(workspace=root))
    report = made.ingest(SOURCE)
    assert report.ok, report.to_dict()
    assert report.files[0].transcribed and report.files[0].speakers == ["S1", "S2", "S3"]
    return made


def run(store: RecordingStore, *args: str) -> str:
    result = CliRunner().invoke(app, ["--workspace", str(store.settings.workspace), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_search_by_speaker_returns_only_that_speakers_chunks(store: RecordingStore) -> None:
    hits = json.loads(run(store, "search", "buttons dark blue contrast", "--speaker", "S2", "-k", "5", "--json"))
    assert hits and {h["speaker"] for h in hits} == {"S2"}
    assert "dark blue" in hits[0]["text"]  # B's turn, the second voice to speak
    transcript = store.transcript(SOURCE)
    assert transcript is not None
    said_by_s2 = [(s.start, s.end) for s in transcript.segments if s.speaker == "S2"]
    for hit in hits:  # every citation is something S2 said
        assert any(start - 0.01 <= hit["cite_start"] and hit["cite_end"] <= end + 0.01 for start, end in said_by_s2)
    everyone = json.loads(run(store, "search", "buttons dark blue contrast", "-k", "20", "--json"))
    assert len(hits) < len(everyone)


def test_rename_is_seen_by_the_next_search_without_transcribing(store: RecordingStore,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("speech-to-text ran for a rename")

    monkeypatch.setattr(audio_tools.stt, "transcribe", refuse)
    before = json.loads(run(store, "search", "design review website", "--speaker", "S1", "--json"))
    assert before

    renamed = json.loads(run(store, "store", "rename-speaker", SOURCE, "S1", "Tom", "--json"))

    assert renamed == {"source": SOURCE, "old": "S1", "new": "Tom", "chunks": renamed["chunks"]}
    assert renamed["chunks"] >= len(before)
    tom = json.loads(run(store, "search", "design review website", "--speaker", "Tom", "--json"))
    assert tom and {h["speaker"] for h in tom} == {"Tom"}
    assert {h["start"] for h in before} <= {h["start"] for h in tom}
    assert json.loads(run(store, "search", "design review website", "--speaker", "S1", "--json")) == []
    transcript = store.transcript(SOURCE)
    assert transcript is not None and transcript.speakers[0] == "Tom" and "S1" not in transcript.speakers
    stored = json.loads((next((store.settings.store_path / "transcripts").glob("*.json"))).read_text())
    assert {s.get("speaker") for s in stored["segments"]} >= {"Tom"}

    again = store.ingest(SOURCE)  # the names stay; nothing is transcribed or written
    assert again.files[0].outcome == "unchanged" and not again.files[0].transcribed
    assert again.files[0].speakers[0] == "Tom"


def test_summaries_name_the_renamed_speakers(store: RecordingStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio_tools.stt, "transcribe", None)
    store.rename_speaker(SOURCE, "S2", "Ana")
    summary = json.loads(run(store, "summarize", SOURCE, "--json"))
    decision = next(d for d in summary["decisions"] if "dark blue" in d["text"])
    assert decision["speaker"] == "Ana"  # "We will change the buttons to dark blue", said by B
    # design_review has no "I will..." of its own; Tom is the owner named in the action item.
    assert any(i["owner"] == "Tom" for i in summary["action_items"])
