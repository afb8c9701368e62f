"""``openai[:tts-1|tts-1-hd|gpt-4o-mini-tts]``: OpenAI's speech endpoint through the ``openai`` client.

The client reads ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` (an OpenAI-compatible server).
Audio is asked for as raw 16-bit PCM at 24 kHz, which needs no decoding; the file format a
caller wants is produced when the whole speech is saved. One request takes at most
4096 characters; longer text is split by :mod:`audio_tools.tts`. The async path uses
``AsyncOpenAI`` and sends a long text's requests concurrently.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError, BackendError, BackendUnavailableError, InvalidInputError
from audio_tools.registry import BackendSpec
from audio_tools.tts.base import BaseBackend

__all__ = ["MODELS", "OpenAIBackend", "make", "openai_configured"]

SAMPLE_RATE = 24000  # OpenAI's "pcm": signed 16-bit little-endian, 24 kHz, mono
MAX_CHARS = 4096
DEFAULT_MODEL = "tts-1"
DEFAULT_VOICE = "alloy"
CONCURRENT_REQUESTS = 4
# A local OpenAI-compatible server may need no key, but the client insists on one.
PLACEHOLDER_KEY = "not-needed"
TTS1_VOICES = ("alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer")
ALL_VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer",
              "verse", "marin", "cedar")
MODELS: dict[str, tuple[str, ...]] = {
    "tts-1": TTS1_VOICES,
    "tts-1-hd": TTS1_VOICES,
    "gpt-4o-mini-tts": ALL_VOICES,
}


def openai_configured() -> bool:
    """Whether ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` is set (so the service can be tried)."""
    return bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"))


class OpenAIBackend(BaseBackend):
    """OpenAI text-to-speech.

    Args:
        model: ``tts-1``, ``tts-1-hd``, ``gpt-4o-mini-tts``, or a compatible server's model
            (which is offered every voice).
        client_options: ``api_key`` and ``base_url`` for the ``OpenAI`` clients.
    """

    name = "openai"
    model: str
    max_chars = MAX_CHARS
    sample_rate = SAMPLE_RATE
    default_voice = DEFAULT_VOICE

    def __init__(self, model: str, client_options: dict[str, Any]) -> None:
        import openai

        self.model = model
        self.voices = MODELS.get(model, ALL_VOICES)
        self.client_options = client_options
        self.client = openai.OpenAI(**client_options)

    def synthesize_chunk(self, text: str, voice: str) -> np.ndarray:
        """One request to ``/audio/speech`` (see :meth:`TTSBackend.synthesize_chunk`)."""
        import openai

        try:
            response = self.client.audio.speech.create(
                model=self.model, voice=self.check_voice(voice), input=text, response_format="pcm"
            )
        except openai.OpenAIError as e:
            raise _translated(e, self.client_options) from e
        return _pcm_samples(response.content)

    async def asynthesize_chunks(self, chunks: Sequence[str], voice: str) -> list[np.ndarray]:
        """The chunks' requests sent concurrently (at most :data:`CONCURRENT_REQUESTS` at once), in order."""
        import openai

        voice = self.check_voice(voice)
        limit = asyncio.Semaphore(CONCURRENT_REQUESTS)
        async with openai.AsyncOpenAI(**self.client_options) as client:

            async def one(text: str) -> np.ndarray:
                async with limit:
                    try:
                        response = await client.audio.speech.create(
                            model=self.model, voice=voice, input=text, response_format="pcm"
                        )
                    except openai.OpenAIError as e:
                        raise _translated(e, self.client_options) from e
                return _pcm_samples(response.content)

            return list(await asyncio.gather(*(one(chunk) for chunk in chunks)))


def _pcm_samples(data: bytes) -> np.ndarray:
    usable = len(data) - len(data) % 2
    if usable == 0:
        msg = "The speech service returned no audio. Try again, or another voice or backend."
        raise BackendError(msg)
    return np.frombuffer(data[:usable], dtype="<i2").astype(np.float32) / 32768.0


def _translated(error: Exception, client_options: dict[str, Any]) -> AudioToolsError:
    """The audio_tools error for an ``openai`` exception, with advice."""
    import openai

    where = client_options.get("base_url") or "the OpenAI API"
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        msg = f"{where} refused the credentials ({error.message}). Check OPENAI_API_KEY."
        return BackendUnavailableError(msg)
    if isinstance(error, openai.APIConnectionError):
        msg = f"Cannot reach {where} ({error}). Check the network and OPENAI_BASE_URL, or use an offline backend."
        return BackendUnavailableError(msg)
    if isinstance(error, openai.BadRequestError):
        msg = f"{where} rejected the speech request: {error.message}. Check the model, voice and text."
        return InvalidInputError(msg)
    if isinstance(error, openai.APIStatusError):
        msg = f"{where} failed (HTTP {error.status_code}): {error.message}. Try again later."
        return BackendError(msg)
    msg = f"The speech request to {where} failed: {error}. Try again later."
    return BackendError(msg)


def make(spec: BackendSpec, settings: Settings) -> OpenAIBackend:
    """Factory for ``openai[:model]``.

    Raises:
        BackendUnavailableError: neither ``OPENAI_API_KEY`` nor ``OPENAI_BASE_URL`` is set.
    """
    api_key = os.environ.get("OPENAI_API_KEY")
    base_url = os.environ.get("OPENAI_BASE_URL") or None
    if not api_key and not base_url:
        msg = ("The openai text-to-speech backend needs OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible "
               "server). Set it, or use an offline backend such as flite, festival or espeak.")
        raise BackendUnavailableError(msg)
    return OpenAIBackend(spec.model or DEFAULT_MODEL, {"api_key": api_key or PLACEHOLDER_KEY, "base_url": base_url})
