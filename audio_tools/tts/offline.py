"""``offline``: flite for English, espeak-ng for every other language; what ``auto`` falls back to.

The language comes from the ``language`` argument or, failing that, from the voice (a flite
voice such as ``slt`` means English, an espeak voice such as ``cmn`` means that language).
"""

from __future__ import annotations

import numpy as np

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError
from audio_tools.language import is_english
from audio_tools.registry import BackendSpec
from audio_tools.tts.base import TTSBackend

__all__ = ["ENGLISH_SPEC", "OTHER_SPEC", "OfflineRouter", "make"]

ENGLISH_SPEC = "flite"
OTHER_SPEC = "espeak"


class OfflineRouter:
    """Routes each request to flite (English) or espeak-ng (other languages).

    Both are taken from the registry on first need, so a machine without espeak-ng still
    speaks English, and one without flite speaks English with espeak-ng. The size and rate
    attributes describe the English route.

    Args:
        settings: passed to the registry.
    """

    name = "offline"
    model = None

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def english(self) -> TTSBackend:
        """The flite backend, or espeak-ng where flite is not installed."""
        from audio_tools.tts import TTS_BACKENDS

        try:
            return TTS_BACKENDS.get(ENGLISH_SPEC, self.settings)
        except BackendUnavailableError:
            return self.other

    @property
    def other(self) -> TTSBackend:
        """The espeak-ng backend."""
        from audio_tools.tts import TTS_BACKENDS

        return TTS_BACKENDS.get(OTHER_SPEC, self.settings)

    @property
    def voices(self) -> tuple[str, ...]:
        """flite's voices, then espeak-ng's."""
        return (*self.english.voices, *self.other.voices)

    @property
    def default_voice(self) -> str:
        """flite's default voice."""
        return self.english.default_voice

    @property
    def max_chars(self) -> int:
        """flite's chunk size."""
        return self.english.max_chars

    @property
    def sample_rate(self) -> int:
        """flite's rate."""
        return self.english.sample_rate

    def select(self, voice: str | None, language: str | None) -> tuple[TTSBackend, str]:
        """flite for English or a flite voice, espeak-ng otherwise (see :meth:`TTSBackend.select`)."""
        if voice is None:
            route = self.english if is_english(language) else self.other
            return route.select(None, language)
        if voice in self.english.voices:
            return self.english.select(voice, language)
        try:
            return self.other.select(voice, language)
        except InvalidInputError as e:
            msg = (f"No offline voice {voice!r}. English voices (flite): {', '.join(self.english.voices)}; "
                   f"other languages (espeak-ng): {', '.join(self.other.voices)}.")
            raise InvalidInputError(msg) from e

    def synthesize_chunk(self, text: str, voice: str) -> np.ndarray:
        """Speak with whichever backend owns ``voice``."""
        backend, checked = self.select(voice, None)
        return backend.synthesize_chunk(text, checked)


def make(spec: BackendSpec, settings: Settings) -> OfflineRouter:
    """Factory for ``offline``.

    Raises:
        InvalidInputError: a model was given (the voice chooses the engine).
    """
    if spec.model is not None:
        msg = f"The offline backend takes no model (got {spec.model!r}); name a voice, or 'flite:slt' / 'espeak'."
        raise InvalidInputError(msg)
    return OfflineRouter(settings)
