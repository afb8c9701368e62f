"""``flite[:voice]``: CMU Flite, a small offline English synthesiser (voices kal, awb, rms, slt...).

The ``flite`` program runs with an argument list; the text goes through a private file.
Voices differ in native rate (kal is 8 kHz); every chunk is resampled to 16 kHz.
"""

from __future__ import annotations

from pathlib import Path

from audio_tools.config import Settings
from audio_tools.registry import BackendSpec
from audio_tools.tts.base import ProgramBackend, find_program, pick_voice, run_program

__all__ = ["FliteBackend", "make"]

SAMPLE_RATE = 16000
MAX_CHARS = 2000
DEFAULT_VOICE = "slt"
TIMEOUT_S = 300.0
LIST_TIMEOUT_S = 30.0


class FliteBackend(ProgramBackend):
    """The ``flite`` program (constructed as :class:`ProgramBackend`; voices from ``flite -lv``)."""

    name = "flite"
    program = "flite"
    timeout_s = TIMEOUT_S
    english_only = True
    max_chars = MAX_CHARS
    sample_rate = SAMPLE_RATE
    model = None  # the spec names a default voice, not a model

    def command(self, voice: str, text_file: Path, wav: Path) -> list[str]:
        """``flite -voice VOICE -f TEXT -o WAV``."""
        return [self.binary, "-voice", voice, "-f", str(text_file), "-o", str(wav)]


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
    binary = find_program("flite", install="Install it ('apt-get install flite', 'brew install flite') or use espeak.")
    voices = list_voices(binary)
    default = pick_voice(voices, DEFAULT_VOICE,
                         none_found=f"{binary} -lv lists no voices; reinstall flite with its voices.")
    return FliteBackend(binary, voices, spec.model or default, settings)
