"""The whisper backend on tiny random checkpoints saved like real ones (loaded by path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.tiny_whisper import build_tiny_whisper

from audio_tools.audio import load_audio, save_audio
from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError
from audio_tools.stt import STT_BACKENDS, transcribe

MEETINGS = Path(__file__).parents[2] / "examples" / "meetings"


@pytest.fixture(scope="session")
def tiny_whisper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper"))


@pytest.fixture(scope="session")
def tiny_whisper_words(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper-words"), word_timestamps=True)


@pytest.fixture(scope="session")
def long_meeting(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both bundled meetings end to end: 79 s, three 30 s chunks and more."""
    audio = np.concatenate([load_audio(MEETINGS / "design_review.flac"), load_audio(MEETINGS / "support_weekly.flac")])
    return save_audio(audio, 16000, tmp_path_factory.mktemp("long") / "meetings.flac")


@pytest.fixture
def constructions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts ASR pipeline constructions."""
    from transformers.pipelines.automatic_speech_recognition import AutomaticSpeechRecognitionPipeline

    made: list[int] = []
    original = AutomaticSpeechRecognitionPipeline.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(AutomaticSpeechRecognitionPipeline, "__init__", counting)
    return made


def _check_times(segments: list[Any], duration: float) -> None:
    previous = 0.0
    for segment in segments:
        assert previous <= segment.start <= segment.end <= duration
        previous = segment.end


def test_long_audio_is_chunked_and_batched_and_the_pipeline_built_once(
    tiny_whisper: Path, long_meeting: Path, constructions: list[int], settings: Settings,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    batched = settings.with_(whisper_batch_size=2)
    spec = f"whisper:{tiny_whisper}"
    backend: Any = STT_BACKENDS.get(spec, batched)
    batches: list[int] = []
    generate = backend.pipe.model.generate

    def spy(*args: Any, **kwargs: Any) -> Any:
        batches.append(int(kwargs["input_features"].shape[0]))
        return generate(*args, **kwargs)

    monkeypatch.setattr(backend.pipe.model, "generate", spy)
    progress: list[tuple[float, float]] = []
    first = transcribe(long_meeting, backend=spec, language="en", progress=lambda d, t: progress.append((d, t)),
                       settings=batched)
    second = transcribe(long_meeting, backend=spec, settings=batched)
    other = STT_BACKENDS.get(spec, settings)  # other settings: another backend, the same loaded pipeline

    assert len(constructions) <= 1  # once per process: an earlier test may have loaded it already
    assert other is not backend and other.pipe is backend.pipe
    assert batches == [2, 2, 2, 2]  # 79 s in 30 s chunks with 5 s strides: 4 chunks, 2 per batch, twice
    for transcript in (first, second):
        assert transcript.backend == "whisper"
        assert transcript.model == str(tiny_whisper)
        assert transcript.duration_s == pytest.approx(79.0, abs=0.1)
        assert transcript.segments
        _check_times(transcript.segments, transcript.duration_s)
    assert first.language == "en"
    assert progress[-1] == (first.duration_s, first.duration_s)


def test_word_timestamps_become_segments_split_at_pauses(tiny_whisper_words: Path, speech_wav: Path) -> None:
    transcript = transcribe(speech_wav, backend=f"whisper:{tiny_whisper_words}", task="translate")
    assert transcript.language == "en"
    _check_times(transcript.segments, transcript.duration_s)
    assert any(segment.words for segment in transcript.segments)
    for segment in transcript.segments:
        _check_times(segment.words, transcript.duration_s)
        assert segment.text == " ".join(w.text for w in segment.words)


def test_a_directory_without_weights_says_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailableError, match="hf download"):
        transcribe(MEETINGS / "design_review.flac", backend=f"whisper:{tmp_path}")


def test_an_uncached_hub_model_is_not_downloaded_offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Settings
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # read by huggingface_hub itself
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(BackendUnavailableError, match=r"whisper-tiny.*HF_HUB_OFFLINE is set"):
        STT_BACKENDS.get("whisper:openai/whisper-tiny", settings.with_(hf_offline=True))


def test_auto_picks_whisper_when_its_weights_are_local(tiny_whisper: Path, speech_wav: Path) -> None:
    transcript = transcribe(speech_wav, backend=f"auto:{tiny_whisper}", language="de")
    assert (transcript.backend, transcript.model) == ("whisper", str(tiny_whisper))


@pytest.mark.parametrize("raw", ["zero", "0", "-3"])
def test_a_bad_batch_size_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInputError, match=r"AUDIO_TOOLS_WHISPER_BATCH_SIZE|whisper_batch_size"):
        Settings.from_env({"AUDIO_TOOLS_WHISPER_BATCH_SIZE": raw})
