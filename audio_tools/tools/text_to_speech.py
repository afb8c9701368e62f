"""The ``text_to_speech`` tool: text in, a new speech file in ``outputs/`` out."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, Field

from audio_tools.tools.base import AudioTool, tool_errors
from audio_tools.tools.inputs import AudioFormat, TextToSpeechInput
from audio_tools.tts import SpeechFile, asynthesize_speech, synthesize_speech

__all__ = ["TextToSpeechTool"]


class TextToSpeechTool(AudioTool):
    """Speak text into an audio file with the workspace's text-to-speech backend.

    Speech is joined on disk as it is spoken (memory holds one chunk) and stops once past the
    settings' ``max_output_s``. The async path is natively async for the OpenAI backend
    (concurrent requests, no thread held while waiting) and runs offline engines in a worker
    thread.
    """

    name: str = "text_to_speech"
    description: str = (
        "Turn text into spoken audio. Give the words to say; optionally a voice and a file format. "
        "Returns the path of the new audio file (inside the workspace) and its length."
    )
    args_schema: type[BaseModel] = TextToSpeechInput
    backend: str | None = Field(default=None, description="Backend spec; the settings' ``tts`` when None.")

    def _execute(self, text: str, voice: str | None = None, format: AudioFormat = "wav") -> tuple[str, dict[str, Any]]:
        target = self.workspace.new_output(f".{format}", stem="speech")
        spoken = synthesize_speech(text, voice, self.backend, path=target, settings=self.settings)
        return self._result(spoken)

    async def _arun(
        self, text: str, voice: str | None = None, format: AudioFormat = "wav"
    ) -> tuple[str, dict[str, Any]]:
        with tool_errors(self.name, self.workspace.root):
            target = self.workspace.new_output(f".{format}", stem="speech")
            spoken = await asynthesize_speech(text, voice, self.backend, path=target, settings=self.settings)
            return await asyncio.to_thread(self._result, spoken)

    def _result(self, spoken: SpeechFile) -> tuple[str, dict[str, Any]]:
        return self.output_result(spoken.path, spoken.backend, "Speech", voice=spoken.voice)
