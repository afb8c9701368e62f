"""``festival[:voice]``: the Festival speech system, offline and English (e.g. the HTS voice ``slt``).

``text2wave`` runs with an argument list, the text in a private file. The voice goes into
Scheme code (``-eval '(voice_NAME)'``), so it must be one of the voices Festival itself
lists; each also answers to its speaker's short name (``slt`` for ``cmu_us_slt_arctic_hts``).
"""

from __future__ import annotations

import re
from pathlib import Path

from audio_tools.config import Settings
from audio_tools.registry import BackendSpec
from audio_tools.tts.base import ProgramBackend, find_program, pick_voice, run_program

__all__ = ["FestivalBackend", "make"]

SAMPLE_RATE = 22050
MAX_CHARS = 2000
DEFAULT_VOICE = "slt"
TIMEOUT_S = 600.0
LIST_TIMEOUT_S = 60.0
INSTALL = "Install it with a voice ('apt-get install festival festvox-us-slt-hts') or use flite."
_VOICE_NAME = re.compile(r"[a-z0-9_]+")
# cmu_us_slt_arctic_hts -> slt, kal_diphone -> kal
_SHORT_NAME = re.compile(r"(?:cmu|cstr|nitech)_[a-z]+_([a-z0-9]+)_.*|([a-z0-9]+)_diphone")


class FestivalBackend(ProgramBackend):
    """Festival's ``text2wave``.

    Args:
        binary: path of ``text2wave``.
        names: voice (short names and full names) -> Festival's voice name.
        default_voice: the voice used when none is given.
        settings: caps for decoding its output.
    """

    name = "festival"
    program = "festival"
    timeout_s = TIMEOUT_S
    english_only = True
    max_chars = MAX_CHARS
    sample_rate = SAMPLE_RATE
    model = None  # the spec names a default voice, not a model

    def __init__(self, binary: str, names: dict[str, str], default_voice: str, settings: Settings) -> None:
        self.names = names
        super().__init__(binary, tuple(names), default_voice, settings)

    def command(self, voice: str, text_file: Path, wav: Path) -> list[str]:
        """``text2wave -o WAV -eval (voice_NAME) TEXT``; NAME is one Festival itself listed."""
        return [self.binary, "-o", str(wav), "-eval", f"(voice_{self.names[voice]})", str(text_file)]


def list_voices(festival: str) -> dict[str, str]:
    """Festival's installed voices, by short name and by full name."""
    printed = run_program([festival, "--batch", "(print (voice.list))"], timeout=LIST_TIMEOUT_S,
                          what="festival")
    full_names = [name for name in re.findall(r"[A-Za-z0-9_]+", printed)
                  if _VOICE_NAME.fullmatch(name) and name != "nil"]  # nil: the empty list
    names: dict[str, str] = {}
    for full in full_names:
        short = _SHORT_NAME.fullmatch(full)
        if short is not None:
            names.setdefault(short.group(1) or short.group(2), full)
    names.update({full: full for full in full_names})
    return names


def make(spec: BackendSpec, settings: Settings) -> FestivalBackend:
    """Factory for ``festival[:voice]``.

    Raises:
        BackendUnavailableError: Festival is not installed or has no voice.
        InvalidInputError: the spec names a voice Festival does not have.
    """
    festival = find_program("festival", install=INSTALL)
    text2wave = find_program("text2wave", install=INSTALL)
    names = list_voices(festival)
    default = pick_voice(tuple(names), DEFAULT_VOICE, none_found="Festival has no voices installed. Install one, "
                                                                  "e.g. 'apt-get install festvox-us-slt-hts'.")
    return FestivalBackend(text2wave, names, spec.model or default, settings)
