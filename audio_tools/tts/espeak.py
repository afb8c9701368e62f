"""``espeak[:voice]``: eSpeak NG, offline, over a hundred languages (``cmn`` Chinese, ``en-us``...).

A voice is a language code that ``espeak-ng --voices`` lists, either in its Language column
or among the other languages a voice covers (``zh``, ``en``); case does not matter. The
program runs with an argument list, the text (UTF-8) in a private file.
"""

from __future__ import annotations

import re
from pathlib import Path

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.registry import BackendSpec
from audio_tools.tts.base import ProgramBackend, find_program, pick_voice, run_program

__all__ = ["EspeakBackend", "make"]

SAMPLE_RATE = 22050
MAX_CHARS = 2000
DEFAULT_VOICE = "en-us"
TIMEOUT_S = 300.0
LIST_TIMEOUT_S = 30.0
_OTHER_LANGUAGE = re.compile(r"\(([A-Za-z][A-Za-z0-9-]*) \d+\)")


class EspeakBackend(ProgramBackend):
    """The ``espeak-ng`` program (constructed as :class:`ProgramBackend`; voices are language codes)."""

    name = "espeak"
    program = "espeak-ng"
    timeout_s = TIMEOUT_S
    max_chars = MAX_CHARS
    sample_rate = SAMPLE_RATE
    model = None  # the spec names a default voice, not a model

    def __init__(self, binary: str, voices: tuple[str, ...], default_voice: str, settings: Settings) -> None:
        self._by_lower = {voice.lower(): voice for voice in voices}
        super().__init__(binary, voices, default_voice, settings)

    def check_voice(self, voice: str) -> str:
        """The listed spelling of ``voice`` (compared without case).

        Raises:
            InvalidInputError: espeak-ng has no such voice; the message lists them.
        """
        found = self._by_lower.get(voice.strip().lower().replace("_", "-"))
        if found is not None:
            return found
        return super().check_voice(voice)

    def voice_for_language(self, language: str | None) -> str:
        """The voice for a language code (``zh``, ``cmn``, ``fr-FR``; ``fr-CA`` falls back to ``fr``)."""
        if language is None:
            return self.default_voice
        code = language.strip().lower().replace("_", "-")
        for candidate in (code, code.partition("-")[0]):
            if candidate in self._by_lower:
                return self._by_lower[candidate]
        msg = f"espeak-ng has no voice for language {language!r}. Choose one of: {', '.join(self.voices)}."
        raise InvalidInputError(msg)

    def command(self, voice: str, text_file: Path, wav: Path) -> list[str]:
        """``espeak-ng -v VOICE -b 1 -f TEXT -w WAV`` (``-b 1``: the text is UTF-8)."""
        return [self.binary, "-v", voice, "-b", "1", "-f", str(text_file), "-w", str(wav)]


def list_voices(binary: str) -> tuple[str, ...]:
    """Every language code ``espeak-ng --voices`` names, in the order it lists them."""
    printed = run_program([binary, "--voices"], timeout=LIST_TIMEOUT_S, what="espeak-ng")
    codes: dict[str, None] = {}
    for line in printed.splitlines()[1:]:  # the first line is the header
        columns = line.split()
        if len(columns) < 5:
            continue
        codes.setdefault(columns[1], None)
        for other in _OTHER_LANGUAGE.findall(line):
            codes.setdefault(other, None)
    return tuple(codes)


def make(spec: BackendSpec, settings: Settings) -> EspeakBackend:
    """Factory for ``espeak[:voice]``.

    Raises:
        BackendUnavailableError: espeak-ng is not installed or lists no voices.
        InvalidInputError: the spec names a voice espeak-ng does not have.
    """
    binary = find_program("espeak-ng", install="Install it ('apt-get install espeak-ng', 'brew install espeak-ng').")
    voices = list_voices(binary)
    default = pick_voice(voices, DEFAULT_VOICE,
                         none_found=f"{binary} --voices lists no voices; reinstall espeak-ng with its data.")
    return EspeakBackend(binary, voices, spec.model or default, settings)
