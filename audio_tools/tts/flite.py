"""``flite[:voice]``: CMU Flite, a small offline English synthesiser (voices kal, awb, rms, slt...).

The ``flite`` program runs with an argument list; the text goes through a private file.
Voices differ in native rate (kal is 8 kHz); every chunk is resampled to 16 kHz.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from audio_tools.audio import load_audio
from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError
from audio_tools.registry import BackendSpec
from audio_tools.tts.base import BaseBackend, run_program

__all__ = ["FliteBackend", "make"]

SAMPLE_RATE = 16000
MAX_CHARS = 2000
DEFAULT_VOICE = "slt"
TIMEOUT_S = 300.0
LIST_TIMEOUT_S = 30.0


class FliteBackend(BaseBackend):
    """The ``flite`` program.

    Args:
        binary: path of the ``flite`` executable.
        voices: the voices it reports with ``-lv``.
        default_voice: the voice used when none is given.
        settings: caps for decoding its output.
    """

    name = "flite"
    english_only = True
    max_chars = MAX_CHARS
    sample_rate = SAMPLE_RATE
    model = None  # the spec names a default voice, not a model

    def __init__(self, binary: str, voices: tuple[str, ...], default_voice: str, settings: Settings) -> None:
        self.binary = binary
        self.voices = voices
        self.default_voice = self.check_voice(default_voice)
        self.settings = settings

    def synthesize_chunk(self, text: str, voice: str) -> np.ndarray:
        """Speak ``text`` with a flite voice (see :meth:`TTSBackend.synthesize_chunk`)."""
        voice = self.check_voice(voice)
        with tempfile.TemporaryDirectory(prefix="audio_tools-") as tmp:
            text_file, wav = Path(tmp, "input.txt"), Path(tmp, "speech.wav")
            text_file.write_text(text, encoding="utf-8")
            run_program([self.binary, "-voice", voice, "-f", str(text_file), "-o", str(wav)],
                         timeout=TIMEOUT_S, what="flite")
            return load_audio(wav, sr=self.sample_rate, settings=self.settings)


def list_voices(binary: str) -> tuple[str, ...]:
    """The voices compiled into ``binary`` (``flite -lv``: ``Voices available: kal awb ...``)."""
    printed = run_program([binary, "-lv"], timeout=LIST_TIMEOUT_S, what="flite")
    return tuple(printed.partition(":")[2].split())


def make(spec: BackendSpec, settings: Settings) -> FliteBackend:
    """Factory for ``flite[:voice]``.

    Raises:
        BackendUnavailableError: flite is not installed or has no voices.
        InvalidInputError: the spec names a voice flite does not have.
    """
    binary = shutil.which("flite")
    if binary is None:
        msg = "flite is not installed. Install it ('apt-get install flite', 'brew install flite') or use espeak."
        raise BackendUnavailableError(msg)
    voices = list_voices(binary)
    if not voices:
        msg = f"{binary} -lv lists no voices; reinstall flite with its voices."
        raise BackendUnavailableError(msg)
    default = spec.model or (DEFAULT_VOICE if DEFAULT_VOICE in voices else voices[0])
    return FliteBackend(binary, voices, default, settings)
