"""What LangChain's standard tool suites (unit and integration) need for every audio tool.

A suite class mixes in :class:`StandardToolCase`, names its ``tool_class`` and provides
``root``, the workspace folder (empty for the unit suites; holding ``speech.wav`` and
``music.wav`` for the integration suites, which run each example for real).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from langchain_core.tools import BaseTool

from audio_tools.tools.mix import MixSpeechWithMusicTool
from audio_tools.tools.speech_to_text import SpeechToTextTool
from audio_tools.tools.story import StoryAudioTool
from audio_tools.tools.text_to_music import TextToMusicTool
from audio_tools.tools.text_to_speech import TextToSpeechTool
from helpers.tool_workspace import offline_workspace

__all__ = ["EXAMPLE_CALLS", "StandardToolCase"]

# One valid call of each tool; the paths name the files of the integration workspace.
EXAMPLE_CALLS: dict[type[BaseTool], dict[str, Any]] = {
    TextToSpeechTool: {"text": "Hello from the audio tools.", "voice": "slt", "format": "mp3"},
    TextToMusicTool: {"prompt": "calm piano and strings, slow", "duration_s": 2.0},
    SpeechToTextTool: {"audio_path": "speech.wav", "language": "en", "timestamps": True},
    MixSpeechWithMusicTool: {"speech_path": "speech.wav", "music_path": "music.wav", "intro_s": 1.0,
                             "outro_s": 1.0},
    StoryAudioTool: {"speech_text": "Once upon a time, a fox found a key.", "music_prompt": "gentle harp, slow",
                     "voice": "rms", "duration_s": 4.0},
}


class StandardToolCase:
    """Builds ``tool_class`` on an offline workspace at ``root`` and calls it with its example."""

    tool_class: ClassVar[type[BaseTool]]
    root: Path

    @property
    def tool_constructor(self) -> type[BaseTool]:
        return self.tool_class

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"workspace": offline_workspace(self.root)}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return dict(EXAMPLE_CALLS[self.tool_class])
