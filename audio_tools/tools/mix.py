"""The ``mix_speech_with_music`` tool: two workspace files in, a mixed file in ``outputs/`` out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from audio_tools.mix import MixOptions, mix_speech_over_music
from audio_tools.tools.base import AudioTool
from audio_tools.tools.inputs import AudioFormat, MixInput

__all__ = ["MixSpeechWithMusicTool"]


class MixSpeechWithMusicTool(AudioTool):
    """Mix a voice over a music bed (intro, ducking under the voice, outro, loudness-normalised)."""

    name: str = "mix_speech_with_music"
    description: str = (
        "Mix a speech file over a music file: the music plays an intro, is lowered while the voice speaks "
        "and returns for an outro. Give the paths of both files inside the workspace. Returns the path of "
        "the new mixed file and its length."
    )
    args_schema: type[BaseModel] = MixInput

    def _execute(
        self,
        speech_path: str,
        music_path: str,
        intro_s: float = MixOptions.intro_s,
        outro_s: float = MixOptions.outro_s,
        duck_db: float = MixOptions.duck_db,
        music_gain_db: float = MixOptions.music_gain_db,
        format: AudioFormat = "wav",
    ) -> tuple[str, dict[str, Any]]:
        with self.workspace.open_input(speech_path) as speech, self.workspace.open_input(music_path) as music:
            target = self.workspace.new_output(f".{format}", stem="mix")
            result = mix_speech_over_music(speech, music, target, intro_s=intro_s, outro_s=outro_s, duck_db=duck_db,
                                           music_gain_db=music_gain_db, settings=self.settings)
        return self.output_result(
            result.path, result.backend, "Mix",
            speech_start_s=round(result.speech_start_s, 3), speech_end_s=round(result.speech_end_s, 3),
            integrated_lufs=round(result.integrated_lufs, 2), true_peak_db=round(result.true_peak_db, 2),
        )
