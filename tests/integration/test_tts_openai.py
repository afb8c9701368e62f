"""The openai backend with the real ``openai`` client against the loopback OpenAI-compatible server.

The server renders speech with flite (voice ``echo`` is flite's fast ``kal``) and, like
OpenAI, refuses more than 4096 characters per request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.openai_server import MAX_SPEECH_CHARS, OpenAIServer, openai_settings

from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError
from audio_tools.tts import asynthesize, asynthesize_speech, select_backend, synthesize, synthesize_speech
from audio_tools.workspace import Workspace

SPEECH_PATH = "/v1/audio/speech"
SENTENCES = [
    "The lighthouse keeper climbed the spiral stairs one last time before the storm.",
    "Below him, the harbour lights flickered like candles in a draughty room.",
    "He had kept the lamp burning for thirty years, through fog and gale and calm.",
    "Tonight the wind carried the smell of salt and something older, like iron.",
    "Far out on the water, a single boat was making for the rocks.",
]


def story(chars: int) -> str:
    """Numbered sentences, cut to exactly ``chars`` characters."""
    parts: list[str] = []
    i = 0
    while sum(len(p) + 1 for p in parts) < chars:
        parts.append(f"{SENTENCES[i % len(SENTENCES)]} That was moment {i + 1}.")
        i += 1
    return " ".join(parts)[:chars]


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as running:
        yield running


@pytest.fixture
def settings(server: OpenAIServer, workspace: Workspace) -> Settings:
    """The workspace's settings, pointed at :func:`server`."""
    return openai_settings(server, workspace.settings)


def test_ten_thousand_characters_become_one_file(server: OpenAIServer, settings: Settings, tmp_path: Path) -> None:
    text = story(10_000)
    assert len(text) == 10_000
    out = synthesize_speech(text, voice="echo", backend="openai:tts-1", path=tmp_path / "story.wav",
                            settings=settings).path

    requests = server.requests_to(SPEECH_PATH)
    assert len(requests) >= 3
    inputs = [r.fields["input"] for r in requests]
    assert all(len(i) <= MAX_SPEECH_CHARS for i in inputs)
    assert " ".join(inputs).split() == text.split()
    assert {(r.fields["model"], r.fields["voice"], r.fields["response_format"]) for r in requests} == \
        {("tts-1", "echo", "pcm")}

    tts, _ = select_backend("openai:tts-1", settings=settings)
    parts_s = sum(len(tts.synthesize_chunk(i, "echo")) / tts.sample_rate for i in inputs)
    duration = probe(out).duration
    assert duration == pytest.approx(parts_s, rel=0.01)


async def test_async_path_matches_the_sync_one(server: OpenAIServer, settings: Settings) -> None:
    text = story(5_000)
    spoken = await asynthesize(text, voice="echo", backend="openai", settings=settings)
    assert spoken.chunks == 2
    assert len(server.requests_to(SPEECH_PATH)) == 2
    again = synthesize(text, voice="echo", backend="openai", settings=settings)
    assert spoken.backend == again.backend == "openai:tts-1"
    assert np.array_equal(spoken.samples, again.samples)


async def test_async_speech_file_in_another_format(server: OpenAIServer, settings: Settings) -> None:
    made = await asynthesize_speech("Good evening.", "echo", "openai:gpt-4o-mini-tts", format="mp3",
                                    settings=settings)
    path = made.path
    assert made.backend == "openai:gpt-4o-mini-tts" and made.sample_rate == 24000
    assert made.duration_s == pytest.approx(probe(path).duration, abs=0.1)
    assert path.parent == settings.workspace / "outputs"
    assert probe(path).codec == "mp3"
    assert server.requests_to(SPEECH_PATH)[0].fields["model"] == "gpt-4o-mini-tts"


def test_a_failed_request_is_retried_by_the_client(server: OpenAIServer, settings: Settings) -> None:
    server.fail_next(1, status=500)
    speech = synthesize("Try again.", voice="echo", backend="openai", settings=settings)
    assert speech.duration_s > 0.3
    assert len(server.requests_to(SPEECH_PATH)) == 2


def test_wrong_key_is_reported_as_unavailable(workspace: Workspace) -> None:
    with OpenAIServer(api_key="right-key") as locked:
        wrong = openai_settings(locked, workspace.settings, api_key="wrong-key")
        with pytest.raises(BackendUnavailableError, match="OPENAI_API_KEY"):
            synthesize("Hello.", backend="openai", settings=wrong)
