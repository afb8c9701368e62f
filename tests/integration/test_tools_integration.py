"""LangChain's standard integration tests (``ToolsIntegrationTests``) for every audio tool, offline.

Each tool runs for real (flite, pocketsphinx, synth) in a workspace holding real audio, so
every call must return a non-None artifact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_tests.integration_tests import ToolsIntegrationTests

from audio_tools.tools.mix import MixSpeechWithMusicTool
from audio_tools.tools.speech_to_text import SpeechToTextTool
from audio_tools.tools.story import StoryAudioTool
from audio_tools.tools.text_to_music import TextToMusicTool
from audio_tools.tools.text_to_speech import TextToSpeechTool
from tests.helpers.tool_workspace import make_music, make_speech, offline_workspace


@pytest.fixture(scope="module")
def seeded_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    make_speech(root / "speech.wav")
    make_music(root / "music.wav")
    return root


class _InWorkspace:
    """Builds each tool on the module's offline workspace, which holds speech.wav and music.wav."""

    root: Path

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _root(cls, seeded_root: Path) -> None:
        cls.root = seeded_root

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"workspace": offline_workspace(self.root)}


class TestTextToSpeechIntegration(_InWorkspace, ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> type[TextToSpeechTool]:
        return TextToSpeechTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"text": "Hello from the audio tools.", "voice": "slt", "format": "mp3"}


class TestTextToMusicIntegration(_InWorkspace, ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> type[TextToMusicTool]:
        return TextToMusicTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"prompt": "calm piano and strings, slow", "duration_s": 2.0}


class TestSpeechToTextIntegration(_InWorkspace, ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> type[SpeechToTextTool]:
        return SpeechToTextTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"audio_path": "speech.wav", "language": "en", "timestamps": True}


class TestMixSpeechWithMusicIntegration(_InWorkspace, ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> type[MixSpeechWithMusicTool]:
        return MixSpeechWithMusicTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"speech_path": "speech.wav", "music_path": "music.wav", "intro_s": 1.0, "outro_s": 1.0}


class TestStoryAudioIntegration(_InWorkspace, ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> type[StoryAudioTool]:
        return StoryAudioTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"speech_text": "Once upon a time, a fox found a key.", "music_prompt": "gentle harp, slow",
                "voice": "rms", "duration_s": 4.0}
