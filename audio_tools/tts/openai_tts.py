"""``openai[:tts-1|tts-1-hd|gpt-4o-mini-tts]``: OpenAI's speech endpoint through the ``openai`` client.

The client comes from the settings' OpenAI key and base URL (an OpenAI-compatible server),
through :mod:`audio_tools.openai_service`, which also maps the service's errors.
Audio is asked for as raw 16-bit PCM at 24 kHz, which needs no decoding; the file format a
caller wants is produced when the whole speech is saved. One request takes at most
4096 characters; longer text is split by :mod:`audio_tools.tts`. The async path uses
``AsyncOpenAI`` and sends a long text's requests concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import numpy as np

from audio_tools import openai_service
from audio_tools.config import Settings
from audio_tools.errors import BackendError
from audio_tools.registry import BackendSpec
from audio_tools.tts.base import BaseBackend

__all__ = ["MODELS", "OpenAIBackend", "make"]

SAMPLE_RATE = 24000  # OpenAI's "pcm": signed 16-bit little-endian, 24 kHz, mono
MAX_CHARS = 4096
DEFAULT_MODEL = "tts-1"
DEFAULT_VOICE = "alloy"
CONCURRENT_REQUESTS = 4
MIN_PCM_BYTES = 2 * SAMPLE_RATE // 20  # 50 ms: less is not a spoken chunk
WHAT = "the speech request"
TTS1_VOICES = ("alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer")
ALL_VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer",
              "verse", "marin", "cedar")
MODELS: dict[str, tuple[str, ...]] = {
    "tts-1": TTS1_VOICES,
    "tts-1-hd": TTS1_VOICES,
    "gpt-4o-mini-tts": ALL_VOICES,
}


class OpenAIBackend(BaseBackend):
    """OpenAI text-to-speech.

    Args:
        model: ``tts-1``, ``tts-1-hd``, ``gpt-4o-mini-tts``, or a compatible server's model
            (which is offered every voice).
        settings: the service's key and address.
    """

    name = "openai"
    model: str
    max_chars = MAX_CHARS
    sample_rate = SAMPLE_RATE
    default_voice = DEFAULT_VOICE

    def __init__(self, model: str, settings: Settings) -> None:
        self.model = model
        self.voices = MODELS.get(model, ALL_VOICES)
        self.settings = settings
        self.client = openai_service.client(settings)

    def synthesize_chunk(self, text: str, voice: str) -> np.ndarray:
        """One request to ``/audio/speech`` (see :meth:`TTSBackend.synthesize_chunk`)."""
        with openai_service.openai_errors(self.settings, WHAT):
            response = self.client.audio.speech.create(
                model=self.model, voice=self.check_voice(voice), input=text, response_format="pcm"
            )
        return _pcm_samples(response)

    async def asynthesize_chunks(self, chunks: Sequence[str], voice: str) -> list[np.ndarray]:
        """The chunks' requests sent concurrently (at most :data:`CONCURRENT_REQUESTS` at once), in order."""
        voice = self.check_voice(voice)
        limit = asyncio.Semaphore(CONCURRENT_REQUESTS)
        async with openai_service.async_client(self.settings) as client:

            async def one(text: str) -> np.ndarray:
                async with limit:
                    with openai_service.openai_errors(self.settings, WHAT):
                        response = await client.audio.speech.create(
                            model=self.model, voice=voice, input=text, response_format="pcm"
                        )
                return _pcm_samples(response)

            return list(await asyncio.gather(*(one(chunk) for chunk in chunks)))


def _pcm_samples(response: Any) -> np.ndarray:
    """The samples of a ``pcm`` answer, refused when it is text (JSON, HTML) or too short to be speech."""
    kind = str(response.response.headers.get("content-type", "")).lower()
    data: bytes = response.content
    usable = len(data) - len(data) % 2
    if kind.startswith(("application/json", "text/")) or usable < MIN_PCM_BYTES:
        msg = (f"The speech service answered with no usable audio ({usable} bytes of {kind or 'unknown type'}). "
               f"Try again, or another voice or backend.")
        raise BackendError(msg)
    return np.frombuffer(data[:usable], dtype="<i2").astype(np.float32) / 32768.0


def make(spec: BackendSpec, settings: Settings) -> OpenAIBackend:
    """Factory for ``openai[:model]``.

    Raises:
        BackendUnavailableError: neither an OpenAI key nor a compatible server is configured.
    """
    openai_service.require_configured(settings, "text-to-speech")
    return OpenAIBackend(spec.model or DEFAULT_MODEL, settings)
