"""``festival[:voice]``: the Festival speech system, offline and English (e.g. the HTS voice ``slt``).

``text2wave`` runs with an argument list, the text in a private file. The voice goes into
Scheme code (``-eval '(voice_NAME)'``), so it must be one of the voices Festival itself
lists; each also answers to its speaker's short name (``slt`` for ``cmu_us_slt_arctic_hts``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from audio_tools.audio import load_audio
from audio_tools.config import Settings
from audio_tools.errors import BackendError, BackendUnavailableError
from audio_tools.registry import BackendSpec
from audio_tools.tts.base import BaseBackend, run_program

__all__ = ["FestivalBackend", "make"]

SAMPLE_RATE = 22050
MAX_CHARS = 2000
DEFAULT_VOICE = "slt"
TIMEOUT_S = 600.0
LIST_TIMEOUT_S = 60.0
_VOICE_NAME = re.compile(r"[a-z0-9_]+")
# cmu_us_slt_arctic_hts -> slt, kal_diphone -> kal
_SHORT_NAME = re.compile(r"(?:cmu|cstr|nitech)_[a-z]+_([a-z0-9]+)_.*|([a-z0-9]+)_diphone")


class FestivalBackend(BaseBackend):
    """Festival's ``text2wave``.

    Args:
        binary: path of ``text2wave``.
        names: voice (short names and full names) -> Festival's voice name.
        default_voice: the voice used when none is given.
        settings: caps for decoding its output.
    """

    name = "festival"
    english_only = True
    max_chars = MAX_CHARS
    sample_rate = SAMPLE_RATE
    model = None  # the spec names a default voice, not a model

    def __init__(self, binary: str, names: dict[str, str], default_voice: str, settings: Settings) -> None:
        self.binary = binary
        self.names = names
        self.voices = tuple(names)
        self.default_voice = self.check_voice(default_voice)
        self.settings = settings

    def synthesize_chunk(self, text: str, voice: str) -> np.ndarray:
        """Speak ``text`` with a Festival voice (see :meth:`TTSBackend.synthesize_chunk`)."""
        festival_voice = self.names[self.check_voice(voice)]
        with tempfile.TemporaryDirectory(prefix="audio_tools-") as tmp:
            text_file, wav = Path(tmp, "input.txt"), Path(tmp, "speech.wav")
            text_file.write_text(text, encoding="utf-8")
            run_program([self.binary, "-o", str(wav), "-eval", f"(voice_{festival_voice})", str(text_file)],
                        timeout=TIMEOUT_S, what="festival")
            if not wav.is_file() or wav.stat().st_size == 0:  # text2wave exits 0 even when Scheme fails
                msg = f"festival wrote no audio for voice {voice!r}; check that the voice is installed."
                raise BackendError(msg)
            return load_audio(wav, sr=self.sample_rate, settings=self.settings)


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
    festival, text2wave = shutil.which("festival"), shutil.which("text2wave")
    if festival is None or text2wave is None:
        msg = ("Festival is not installed. Install it with a voice ('apt-get install festival "
               "festvox-us-slt-hts') or use flite.")
        raise BackendUnavailableError(msg)
    names = list_voices(festival)
    if not names:
        msg = "Festival has no voices installed. Install one, e.g. 'apt-get install festvox-us-slt-hts'."
        raise BackendUnavailableError(msg)
    default = spec.model or (DEFAULT_VOICE if DEFAULT_VOICE in names else next(iter(names)))
    return FestivalBackend(text2wave, names, default, settings)
