"""What every text-to-speech backend provides, and the pieces they share.

A backend speaks one chunk of text at a time (at most ``max_chars`` characters) and always
returns float32 mono samples at its own ``sample_rate``; splitting long text and joining
the chunks is done once, in :mod:`audio_tools.tts`, for all of them.
"""

from __future__ import annotations

import abc
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from audio_tools.audio import load_audio
from audio_tools.config import Settings
from audio_tools.errors import BackendError, BackendUnavailableError, InvalidInputError
from audio_tools.language import is_english

__all__ = [
    "AsyncTTSBackend",
    "BaseBackend",
    "ProgramBackend",
    "TTSBackend",
    "find_program",
    "pick_voice",
    "run_program",
]

STDERR_TAIL_CHARS = 1000


class TTSBackend(Protocol):
    """A loaded text-to-speech backend.

    Attributes:
        name: the family (``flite``, ``openai``...).
        model: the model or voice named in the spec, if any.
        voices: the voices ``synthesize_chunk`` accepts.
        default_voice: the voice used when none is asked for.
        max_chars: the longest text one ``synthesize_chunk`` call takes.
        sample_rate: the rate of every array ``synthesize_chunk`` returns.
    """

    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str | None: ...

    @property
    def voices(self) -> tuple[str, ...]: ...

    @property
    def default_voice(self) -> str: ...

    @property
    def max_chars(self) -> int: ...

    @property
    def sample_rate(self) -> int: ...

    def select(self, voice: str | None, language: str | None) -> tuple[TTSBackend, str]:
        """The backend and the checked voice that will speak, given a voice and/or a language.

        Raises:
            InvalidInputError: an unknown voice, or a language the backend cannot speak.
        """
        ...

    def synthesize_chunk(self, text: str, voice: str) -> np.ndarray:
        """Speak ``text`` (at most ``max_chars``) with ``voice``: float32 mono at ``sample_rate``.

        Raises:
            BackendError: the engine failed.
        """
        ...


@runtime_checkable
class AsyncTTSBackend(Protocol):
    """A backend with a native async path (e.g. a remote API)."""

    async def asynthesize_chunks(self, chunks: Sequence[str], voice: str) -> list[np.ndarray]:
        """Speak each chunk (concurrently where the backend allows), results in order."""
        ...


class BaseBackend(abc.ABC):
    """Voice selection shared by the concrete backends; subclasses set the attributes.

    Attributes:
        english_only: the engine speaks English only; other languages are refused.
    """

    name: str
    model: str | None
    voices: tuple[str, ...]
    default_voice: str
    max_chars: int
    sample_rate: int
    english_only: bool = False

    def select(self, voice: str | None, language: str | None) -> tuple[TTSBackend, str]:
        """This backend and the voice to use (see :meth:`TTSBackend.select`)."""
        if self.english_only and not is_english(language):
            msg = (f"The {self.name} backend speaks English only, not {language!r}. Use the espeak backend "
                   f"(espeak:{language}) or the auto backend for other languages.")
            raise InvalidInputError(msg)
        return self, self.check_voice(voice if voice is not None else self.voice_for_language(language))

    @abc.abstractmethod
    def synthesize_chunk(self, text: str, voice: str) -> np.ndarray:
        """Speak one chunk (see :meth:`TTSBackend.synthesize_chunk`)."""

    def voice_for_language(self, language: str | None) -> str:
        """The voice for ``language`` when no voice is given; the default voice here."""
        return self.default_voice

    def check_voice(self, voice: str) -> str:
        """``voice`` itself when this backend has it.

        Raises:
            InvalidInputError: it does not; the message lists the voices it has.
        """
        if voice in self.voices:
            return voice
        msg = (f"The {self.name} backend has no voice {voice!r}. Choose one of: "
               f"{', '.join(self.voices)}.")
        raise InvalidInputError(msg)


class ProgramBackend(BaseBackend):
    """A local speech program that reads the text from a file and writes a WAV file.

    The text goes in a private file, never on the command line; subclasses say how the
    program is called in :meth:`command`, and set ``program`` (its name in messages) and
    ``timeout_s``.

    Args:
        binary: path of the program.
        voices: the voices it has.
        default_voice: the voice used when none is given.
        settings: caps for decoding its output.
    """

    program: str
    timeout_s: float

    def __init__(self, binary: str, voices: tuple[str, ...], default_voice: str, settings: Settings) -> None:
        self.binary = binary
        self.voices = voices
        self.default_voice = self.check_voice(default_voice)
        self.settings = settings

    def command(self, voice: str, text_file: Path, wav: Path) -> list[str]:
        """The argument list that speaks ``text_file`` into ``wav`` with ``voice`` (a checked voice)."""
        raise NotImplementedError

    def synthesize_chunk(self, text: str, voice: str) -> np.ndarray:
        """Run the program on ``text`` (see :meth:`TTSBackend.synthesize_chunk`).

        Raises:
            BackendError: the program failed, or exited without writing audio.
        """
        voice = self.check_voice(voice)
        with tempfile.TemporaryDirectory(prefix="audio_tools-") as tmp:
            text_file, wav = Path(tmp, "input.txt"), Path(tmp, "speech.wav")
            text_file.write_text(text, encoding="utf-8")
            run_program(self.command(voice, text_file, wav), timeout=self.timeout_s, what=self.program)
            if not wav.is_file() or wav.stat().st_size == 0:  # text2wave exits 0 even when Scheme fails
                msg = f"{self.program} wrote no audio for voice {voice!r}; check that the voice is installed."
                raise BackendError(msg)
            return load_audio(wav, sr=self.sample_rate, settings=self.settings)


def find_program(name: str, *, install: str) -> str:
    """The path of the program ``name``.

    Raises:
        BackendUnavailableError: it is not installed; ``install`` says how to install it.
    """
    binary = shutil.which(name)
    if binary is None:
        msg = f"{name} is not installed. {install}"
        raise BackendUnavailableError(msg)
    return binary


def pick_voice(voices: Sequence[str], preferred: str, *, none_found: str) -> str:
    """``preferred`` when the program has it, else the first voice it lists.

    Raises:
        BackendUnavailableError: it lists no voice; ``none_found`` is the message.
    """
    if not voices:
        raise BackendUnavailableError(none_found)
    return preferred if preferred in voices else voices[0]




def run_program(args: list[str], *, timeout: float, what: str) -> str:
    """Run a speech engine as an argument list (never a shell) and return what it printed.

    Args:
        args: the program and its arguments; text goes in files, never here.
        timeout: seconds before the program is killed.
        what: the engine's name for messages.

    Raises:
        BackendUnavailableError: the program is not installed.
        BackendError: it failed or ran past ``timeout``.
    """
    try:
        done = subprocess.run(  # noqa: S603 - an argument list built by the caller, no shell
            args, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False, shell=False
        )
    except FileNotFoundError as e:
        msg = f"{what} is not installed ({Path(args[0]).name} not found). Install it, e.g. 'apt-get install {what}'."
        raise BackendUnavailableError(msg) from e
    except subprocess.TimeoutExpired as e:
        msg = f"{what} took longer than {timeout:g} s and was stopped; give it shorter text."
        raise BackendError(msg) from e
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace")[-STDERR_TAIL_CHARS:].strip()
        msg = f"{what} failed (exit {done.returncode}): {stderr or 'no message'}. Check the text and the voice."
        raise BackendError(msg)
    return done.stdout.decode(errors="replace")
