"""The ``synthesize_story_audio`` tool: a story and a music description in, a narrated mix out."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from pydantic import BaseModel

from audio_tools.story import synthesize_story
from audio_tools.tools.base import AudioTool
from audio_tools.tools.inputs import AudioFormat, StoryInput

__all__ = ["StoryAudioTool"]


class StoryAudioTool(AudioTool):
    """Read a story aloud over generated music (speech, then music to fit, then the mix).

    The speech and music backends are the workspace settings' ``tts`` and ``music``.
    """

    name: str = "synthesize_story_audio"
    description: str = (
        "Narrate a story over background music in one step: speaks the text, composes music from the "
        "description and mixes them (music intro, music lowered under the voice, outro). Returns the path "
        "of the new audio file (inside the workspace) and its length."
    )
    args_schema: type[BaseModel] = StoryInput
    cancellable: ClassVar[bool] = True

    def _execute(
        self,
        speech_text: str,
        music_prompt: str,
        voice: str | None = None,
        duration_s: float | None = None,
        format: AudioFormat = "wav",
        cancel: threading.Event | None = None,
    ) -> tuple[str, dict[str, Any]]:
        target = self.workspace.new_output(f".{format}", stem="story")
        story = synthesize_story(speech_text, music_prompt, voice=voice, duration_s=duration_s, out=target,
                                 settings=self.settings, cancel=cancel)
        return self.output_result(
            story.path, f"{story.tts_backend} + {story.music_backend}", "Story",
            tts_backend=story.tts_backend, music_backend=story.music_backend, voice=story.voice,
            speech_s=round(story.speech_s, 3), music_s=round(story.music_s, 3),
            seed=story.seed, integrated_lufs=round(story.mix.integrated_lufs, 2),
        )
