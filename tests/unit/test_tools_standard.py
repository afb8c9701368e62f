"""LangChain's standard unit tests (``ToolsUnitTests``) for every audio tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_tests.unit_tests import ToolsUnitTests

from audio_tools.config import Settings
from audio_tools.tools.mix import MixSpeechWithMusicTool
from audio_tools.tools.speech_to_text import SpeechToTextTool
from audio_tools.tools.story import StoryAudioTool
from audio_tools.tools.text_to_music import TextToMusicTool
from audio_tools.tools.text_to_speech import TextToSpeechTool
from tests.helpers.tool_workspace import offline_workspace


class _InWorkspace:
    """Builds each tool on a fresh offline workspace (a temporary directory per test class)."""

    root: Path

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _root(cls, tmp_path_factory: pytest.TempPathFactory) -> None:
        cls.root = tmp_path_factory.mktemp("workspace")

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"workspace": offline_workspace(self.root)}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env = {"AUDIO_TOOLS_WORKSPACE": str(self.root), "AUDIO_TOOLS_TTS": "flite", "AUDIO_TOOLS_STT": "pocketsphinx",
               "AUDIO_TOOLS_MUSIC": "synth", "AUDIO_TOOLS_MAX_TEXT_CHARS": "500"}
        expected = Settings(workspace=self.root, tts="flite", stt="pocketsphinx", music="synth", max_text_chars=500)
        return env, {}, {"settings": expected}


class TestTextToSpeechUnit(_InWorkspace, ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[TextToSpeechTool]:
        return TextToSpeechTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"text": "Hello from the audio tools.", "voice": "slt", "format": "mp3"}


class TestTextToMusicUnit(_InWorkspace, ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[TextToMusicTool]:
        return TextToMusicTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"prompt": "calm piano and strings, slow", "duration_s": 2.0}


class TestSpeechToTextUnit(_InWorkspace, ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[SpeechToTextTool]:
        return SpeechToTextTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"audio_path": "speech.wav", "language": "en", "timestamps": True}


class TestMixSpeechWithMusicUnit(_InWorkspace, ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[MixSpeechWithMusicTool]:
        return MixSpeechWithMusicTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"speech_path": "speech.wav", "music_path": "music.wav", "intro_s": 1.0, "outro_s": 1.0}


class TestStoryAudioUnit(_InWorkspace, ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[StoryAudioTool]:
        return StoryAudioTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"speech_text": "Once upon a time, a fox found a key.", "music_prompt": "gentle harp, slow",
                "voice": "rms", "duration_s": 4.0}
