"""The ``text_to_music`` tool: a description and a length in, a new music file in ``outputs/`` out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from audio_tools.audio import save_audio
from audio_tools.music import generate_music
from audio_tools.tools.base import AudioTool
from audio_tools.tools.inputs import TextToMusicInput

__all__ = ["TextToMusicTool"]


class TextToMusicTool(AudioTool):
    """Generate music from a text description with the workspace's text-to-music backend."""

    name: str = "text_to_music"
    description: str = (
        "Compose instrumental music from a description (genre, mood, instruments, tempo) and a length in "
        "seconds. Returns the path of the new audio file (inside the workspace) and its length."
    )
    args_schema: type[BaseModel] = TextToMusicInput
    backend: str | None = Field(default=None, description="Backend spec; the settings' ``music`` when None.")

    def _execute(self, prompt: str, duration_s: float) -> tuple[str, dict[str, Any]]:
        music = generate_music(prompt, duration_s, backend=self.backend, settings=self.settings)
        target = self.workspace.new_output(".wav", stem="music")
        path = save_audio(music.samples, music.sample_rate, target, settings=self.settings)
        return self.output_result(path, music.backend, "Music", seed=music.seed)
