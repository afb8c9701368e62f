"""The ``speech_to_text`` tool: a workspace file or base64 audio in, a timestamped transcript out."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from pathlib import PurePosixPath
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from audio_tools.audio import decode_base64, probe
from audio_tools.registry import BackendSpec
from audio_tools.safe_open import OpenedFile, open_local
from audio_tools.stt import Speakers, transcribe
from audio_tools.tools.base import AudioTool
from audio_tools.tools.echo import echo
from audio_tools.tools.inputs import SpeechToTextInput
from audio_tools.transcript import Segment, Transcript, labelled_text

__all__ = ["BASE64_DISPLAY_NAME", "BASE64_SOURCE", "SpeechToTextTool"]

BASE64_SOURCE = "<base64>"  # the source of audio given as base64: there is no file
BASE64_DISPLAY_NAME = "base64 audio"


class SpeechToTextTool(AudioTool):
    """Transcribe speech with the workspace's speech-to-text backend.

    The content is the transcript's text (with segment times when asked); the artifact adds
    ``transcript``, the serialised :class:`~audio_tools.transcript.Transcript` with every
    segment and word. With ``speakers``, each segment has its speaker (``S1``, ``S2``...), the
    artifact's ``speakers`` lists them, and the content puts ``[S1]`` before each speaker's
    words: a line per segment with timestamps, else a line per change of speaker. The
    transcript's ``source`` is the file's path relative to the workspace (``<base64>`` for
    base64 audio) and its ``display_name`` the file's name. Cancelling the async call stops
    the backend, or the speaker labelling, at its next checkpoint.
    """

    name: str = "speech_to_text"
    description: str = (
        "Transcribe speech in an audio file into text. Give the path of a file inside the workspace "
        "(or small audio as base64); optionally the language, whether to include timestamps, names to spell right, "
        "and whether to label who speaks (speakers)."
    )
    args_schema: type[BaseModel] = SpeechToTextInput
    backend: str | None = Field(default=None, description="Backend spec; the settings' ``stt`` when None.")
    cancellable: ClassVar[bool] = True

    def _execute(
        self,
        audio_path: str | None = None,
        audio_base64: str | None = None,
        language: str | None = None,
        timestamps: bool = False,
        hotwords: str | None = None,
        speakers: Speakers = None,
        cancel: threading.Event | None = None,
    ) -> tuple[str, dict[str, Any]]:
        ask = _Ask(language, timestamps, hotwords, speakers)
        if audio_path is not None:
            with self.workspace.open_input(audio_path) as opened:
                return self._transcribe(opened, ask, cancel)
        data = decode_base64(audio_base64 or "", settings=self.settings)
        with self.workspace.temp_dir() as tmp:
            path = tmp / "base64_audio"
            path.write_bytes(data)
            with open_local(path, self.settings) as opened:
                return self._transcribe(opened, ask, cancel, from_base64=True)

    def _transcribe(
        self, opened: OpenedFile, ask: _Ask, cancel: threading.Event | None, from_base64: bool = False,
    ) -> tuple[str, dict[str, Any]]:
        info = probe(opened, settings=self.settings)
        transcript = transcribe(opened, backend=self.backend, language=ask.language, hotwords=ask.hotwords,
                                speakers=ask.speakers, cancel=cancel, settings=self.settings)
        # transcribe() names the file by its name; the identity kept is workspace-relative.
        relative = None if from_base64 else self.relative(opened.path)
        transcript = dataclasses.replace(
            transcript,
            source=relative or BASE64_SOURCE,
            display_name=PurePosixPath(relative).name if relative else BASE64_DISPLAY_NAME,
        )
        artifact = {
            "path": None if from_base64 else str(opened.path),
            "relative_path": relative,
            "duration_s": round(transcript.duration_s, 3),  # as decoded: a header's estimate can be far off
            "sample_rate": info.sample_rate,
            "format": info.format,
            "backend": str(BackendSpec(transcript.backend, transcript.model)),
            "language": transcript.language,
            "text": transcript.text,
            "speakers": transcript.speakers,
            "transcript": transcript.to_dict(),
        }
        return _content(transcript, artifact, ask.timestamps), artifact


@dataclasses.dataclass(frozen=True)
class _Ask:
    """What the call asked for, besides the audio."""

    language: str | None
    timestamps: bool
    hotwords: str | None
    speakers: Speakers


def _content(transcript: Transcript, artifact: dict[str, Any], timestamps: bool) -> str:
    # The file's name is the one part an attacker chose: escaped so that it stays on this line, and short.
    language = f", {echo(transcript.language)}" if transcript.language else ""
    head = (f"Transcript of {echo(transcript.display_name or transcript.source)} ({artifact['duration_s']:.1f} s, "
            f"{echo(artifact['backend'])}{language})")
    if not transcript.text:
        return f"{head}: no speech was recognised."
    spoken = [s for s in transcript.segments if s.text.strip()]
    if timestamps:
        lines = [f"[{s.start:.2f}-{s.end:.2f}] {labelled_text(s)}" for s in spoken]
    elif transcript.speakers:  # who said what: a line per change of speaker
        lines = [labelled_text(Segment(0.0, 0.0, " ".join(s.text.strip() for s in turn), speaker=speaker))
                 for speaker, turn in itertools.groupby(spoken, key=lambda s: s.speaker)]
    else:
        return f"{head}:\n{transcript.text}"
    return f"{head}:\n" + "\n".join(lines)
