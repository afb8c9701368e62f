"""The text-to-speech API: validation, backend and voice selection, output files.

Speech comes from flite (a system program that runs in milliseconds), so these tests
exercise the real path without models.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import (
    BackendUnavailableError,
    InputTooLargeError,
    InvalidInputError,
    OperationCancelledError,
    OutputExistsError,
)
from audio_tools.tts import TTS_BACKENDS, Speech, select_backend, synthesize, synthesize_speech
from audio_tools.tts.join import PAUSE_S
from audio_tools.tts.text_split import split_text

pytestmark = pytest.mark.usefixtures("offline_tts")


def test_import_loads_no_heavy_library() -> None:
    code = ("import sys, audio_tools.tts; "
            "print(sorted(m for m in ('torch', 'transformers', 'openai') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("family", sorted(TTS_BACKENDS.families()))
def test_every_family_builds_or_says_why_not(family: str, settings: Settings) -> None:
    try:
        backend = TTS_BACKENDS.get(family, settings)
    except BackendUnavailableError as e:  # openai unconfigured; hf without local weights
        assert family in ("openai", "hf") and ("OPENAI_API_KEY" in str(e) or "hf download" in str(e))
    else:
        assert backend.name == ("offline" if family == "auto" else family)
        assert backend.default_voice in backend.voices


def test_synthesize_returns_speech(settings: Settings) -> None:
    speech = synthesize("Hello there.", backend="flite:slt", settings=settings)
    assert isinstance(speech, Speech)
    assert speech.samples.dtype == np.float32
    assert speech.samples.ndim == 1
    assert speech.sample_rate == 16000
    assert (speech.backend, speech.voice, speech.chunks) == ("flite", "slt", 1)
    assert 0.5 < speech.duration_s < 3.0
    assert 0.05 < np.abs(speech.samples).max() <= 1.0


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_refused(settings: Settings, text: str) -> None:
    with pytest.raises(InvalidInputError, match="empty"):
        synthesize(text, backend="flite", settings=settings)


def test_text_over_the_cap_is_refused(settings: Settings) -> None:
    with pytest.raises(InputTooLargeError, match="AUDIO_TOOLS_MAX_TEXT_CHARS"):
        synthesize("word " * 101, backend="flite", settings=settings.with_(max_text_chars=500))


def test_unknown_voice_lists_the_valid_ones(settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match=r"no voice 'alloy'.*slt"):
        synthesize("Hello.", backend="flite", voice="alloy", settings=settings)


def test_unknown_backend_lists_the_families(settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match="espeak"):
        synthesize("Hello.", backend="nosuch", settings=settings)


def test_english_only_backend_refuses_other_languages(settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match="espeak"):
        synthesize("Bonjour.", backend="flite", language="fr", settings=settings)


def test_auto_offline_picks_flite_for_english_and_espeak_otherwise(settings: Settings) -> None:
    tts, voice = select_backend("auto", settings=settings)
    assert (tts.name, voice) == ("flite", "slt")
    tts, voice = select_backend("auto", language="zh", settings=settings)
    assert (tts.name, voice) == ("espeak", "zh")
    tts, voice = select_backend("auto", voice="cmn", settings=settings)
    assert (tts.name, voice) == ("espeak", "cmn")
    tts, voice = select_backend("auto", voice="awb", settings=settings)
    assert (tts.name, voice) == ("flite", "awb")
    with pytest.raises(InvalidInputError, match=r"flite.*espeak-ng"):
        select_backend("auto", voice="nobody", settings=settings)


def test_auto_picks_openai_when_configured(settings: Settings) -> None:
    tts, voice = select_backend("auto", settings=settings.with_(openai_api_key="test-key"))
    assert (tts.name, tts.model, voice) == ("openai", "tts-1", "alloy")


def test_openai_voices_depend_on_the_model(settings: Settings) -> None:
    settings = settings.with_(openai_api_key="test-key")
    assert select_backend("openai:gpt-4o-mini-tts", voice="verse", settings=settings)[1] == "verse"
    with pytest.raises(InvalidInputError, match="shimmer"):
        select_backend("openai:tts-1", voice="verse", settings=settings)


def test_openai_unconfigured_is_unavailable(settings: Settings) -> None:
    with pytest.raises(BackendUnavailableError, match="OPENAI_API_KEY"):
        synthesize("Hello.", backend="openai", settings=settings)


def test_espeak_language_falls_back_to_its_primary_code(settings: Settings) -> None:
    assert select_backend("espeak", language="fr-CA", settings=settings)[1] == "fr"
    with pytest.raises(InvalidInputError, match="cmn"):
        select_backend("espeak", language="klingon", settings=settings)


def test_long_text_is_spoken_in_chunks_joined_with_pauses(settings: Settings) -> None:
    tts, _ = select_backend("flite", settings=settings)
    tts.max_chars = 120  # type: ignore[misc]  # this instance only: the registry is cleared after the test
    text = " ".join(f"This is sentence number {i}, spoken by the offline voice." for i in range(6))
    chunks = split_text(text, tts.max_chars)
    assert len(chunks) == 3
    speech = synthesize(text, backend="flite", voice="kal", settings=settings)
    parts = [synthesize(chunk, backend="flite", voice="kal", settings=settings) for chunk in chunks]
    assert speech.chunks == 3
    expected = sum(len(p.samples) for p in parts) + 2 * round(PAUSE_S * speech.sample_rate)
    assert len(speech.samples) == expected


def test_cancel_stops_before_speaking(settings: Settings) -> None:
    import threading

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(OperationCancelledError):
        synthesize("Hello.", backend="flite", settings=settings, cancel=cancel)


def test_synthesize_speech_writes_a_new_workspace_file(settings: Settings) -> None:
    made = synthesize_speech("Hello there.", backend="flite", settings=settings)
    first = made.path
    second = synthesize_speech("Hello there.", backend="flite", format="mp3", settings=settings).path
    assert (made.backend, made.sample_rate) == ("flite", 16000)
    assert made.duration_s == pytest.approx(probe(first).duration, abs=0.01)
    assert first.parent == settings.workspace / "outputs"
    assert first != second
    assert probe(first).codec == "pcm_s16le"
    assert probe(second).codec == "mp3"


def test_synthesize_speech_to_a_named_file(settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "hello.flac"
    assert synthesize_speech("Hello.", "kal", "flite", path=target, settings=settings).path == target
    info = probe(target)
    assert (info.codec, info.sample_rate) == ("flac", 16000)
    with pytest.raises(OutputExistsError):
        synthesize_speech("Hello.", backend="flite", path=target, settings=settings)
    synthesize_speech("Hello again.", backend="flite", path=target, overwrite=True, settings=settings)
    assert probe(target).duration > info.duration


def test_bad_output_format_is_refused_before_synthesis(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="wav"):
        synthesize_speech("Hello.", backend="flite", format="exe", settings=settings)
    with pytest.raises(InvalidInputError, match="wav"):
        synthesize_speech("Hello.", backend="flite", path=tmp_path / "x.txt", settings=settings)
