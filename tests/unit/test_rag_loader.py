"""AudioTranscriptLoader and AudioBlobParser with the fast offline recogniser (pocketsphinx)."""

from __future__ import annotations

import hashlib
import itertools
import shutil
from pathlib import Path

import pytest
from langchain_core.document_loaders import Blob

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError, PathNotAllowedError
from audio_tools.rag.chunks import ChunkOptions, chunk_id
from audio_tools.rag.loader import AudioBlobParser, AudioTranscriptLoader, transcribe_recording
from audio_tools.workspace import Workspace

STT = "pocketsphinx"


@pytest.fixture
def recording(workspace: Workspace, speech_wav: Path) -> Path:
    (workspace.root / "calls").mkdir()
    return Path(shutil.copy(speech_wav, workspace.root / "calls" / "quick_fox.wav"))


def test_loader_yields_chunks_with_times_and_ids(settings: Settings, recording: Path) -> None:
    documents = AudioTranscriptLoader("calls/quick_fox.wav", settings=settings, stt=STT).load()
    assert documents
    sha = hashlib.sha256(recording.read_bytes()).hexdigest()
    for index, document in enumerate(documents):
        metadata = document.metadata
        assert metadata["source"] == "calls/quick_fox.wav"
        assert metadata["source_sha256"] == sha
        assert (metadata["stt_spec"], metadata["stt_backend"]) == (STT, "pocketsphinx")
        assert metadata["title"] == "quick fox"
        assert 0 <= metadata["start"] < metadata["end"] <= 3.5
        assert document.id == chunk_id("calls/quick_fox.wav", sha, STT, index)
        assert document.page_content.strip()


def test_loader_takes_absolute_paths_and_options(settings: Settings, recording: Path) -> None:
    options = ChunkOptions(max_chars=1, max_seconds=20)  # one segment per chunk
    loader = AudioTranscriptLoader([recording], settings=settings, stt=STT, options=options)
    documents = list(loader.lazy_load())
    assert [d.metadata["first_segment"] for d in documents] == [d.metadata["last_segment"] for d in documents]
    assert {d.metadata["source"] for d in documents} == {"calls/quick_fox.wav"}


def test_loader_is_lazy(settings: Settings, recording: Path) -> None:
    loader = AudioTranscriptLoader(["calls/quick_fox.wav", "calls/missing.wav"], settings=settings, stt=STT)
    assert next(itertools.islice(loader.lazy_load(), 1)).metadata["source"] == "calls/quick_fox.wav"
    with pytest.raises(InvalidInputError, match="No such file"):
        loader.load()


def test_loader_refuses_files_outside_the_workspace(settings: Settings, speech_wav: Path) -> None:
    with pytest.raises(PathNotAllowedError, match="--workspace"):
        AudioTranscriptLoader(speech_wav, settings=settings, stt=STT).load()


def test_the_loader_defaults_to_the_settings_stt(settings: Settings) -> None:
    assert AudioTranscriptLoader("x.wav", settings=settings.with_(stt=STT)).stt == STT


def test_transcribe_recording_names_the_transcript(settings: Settings, recording: Path) -> None:
    info, transcript = transcribe_recording("calls/quick_fox.wav", settings, stt=STT, recorded_at=5.0, title="Fox")
    assert (transcript.source, transcript.display_name) == ("calls/quick_fox.wav", "quick_fox.wav")
    assert (info.recorded_at, info.title, info.source) == (5.0, "Fox", "calls/quick_fox.wav")


def test_blob_from_a_workspace_path_is_read_there(settings: Settings, recording: Path) -> None:
    parser = AudioBlobParser(settings=settings, stt=STT)
    from_path = parser.parse(Blob.from_path(recording))
    assert from_path == AudioTranscriptLoader("calls/quick_fox.wav", settings=settings, stt=STT).load()


def test_blob_with_data_is_transcribed_from_a_private_copy(settings: Settings, recording: Path) -> None:
    data = recording.read_bytes()
    parser = AudioBlobParser(settings=settings, stt=STT)
    documents = parser.parse(Blob.from_data(data))
    sha = hashlib.sha256(data).hexdigest()
    assert documents
    assert {d.metadata["source"] for d in documents} == {f"blob-{sha[:12]}"}
    assert {d.metadata["source_sha256"] for d in documents} == {sha}

    named = parser.parse(Blob.from_data(data, path=str(recording), metadata={"recorded_at": 1_700_000_000}))
    assert {d.metadata["source"] for d in named} == {"calls/quick_fox.wav"}
    assert {d.metadata["recorded_at"] for d in named} == {1_700_000_000}
    assert [d.page_content for d in named] == [d.page_content for d in documents]
    with pytest.raises(InvalidInputError, match="recorded_at"):
        parser.parse(Blob.from_data(data, metadata={"recorded_at": "yesterday"}))


def test_blob_refusals(settings: Settings, speech_wav: Path) -> None:
    parser = AudioBlobParser(settings=settings, stt=STT)
    with pytest.raises(PathNotAllowedError, match="--workspace"):
        parser.parse(Blob.from_path(speech_wav))
    with pytest.raises(InvalidInputError, match="neither data nor a path"):
        parser.parse(Blob.model_construct(data=None, path=None, metadata={}))
