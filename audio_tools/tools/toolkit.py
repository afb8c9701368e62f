"""``AudioToolkit``: every audio tool, configured once for one workspace.

The toolkit holds everything a language model must not choose: the workspace root, caps,
backends per capability, the device and the retention of outputs. Its tools share loaded
models through the capability registries (one model per backend spec and device).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Literal

from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import ConfigDict, Field, PrivateAttr

from audio_tools.config import Settings
from audio_tools.tools.base import AudioTool
from audio_tools.tools.mix import MixSpeechWithMusicTool
from audio_tools.tools.speech_to_text import SpeechToTextTool
from audio_tools.tools.story import StoryAudioTool
from audio_tools.tools.text_to_music import TextToMusicTool
from audio_tools.tools.text_to_speech import TextToSpeechTool
from audio_tools.workspace import Workspace

__all__ = ["TOOL_NAMES", "AudioToolkit"]

SECONDS_PER_DAY = 86400.0
ToolName = Literal[
    "text_to_speech", "speech_to_text", "text_to_music", "mix_speech_with_music", "synthesize_story_audio"
]
TOOL_NAMES: tuple[ToolName, ...] = (
    "text_to_speech", "speech_to_text", "text_to_music", "mix_speech_with_music", "synthesize_story_audio"
)


TOOL_CLASSES: dict[ToolName, Callable[..., AudioTool]] = {
    "text_to_speech": TextToSpeechTool,
    "speech_to_text": SpeechToTextTool,
    "text_to_music": TextToMusicTool,
    "mix_speech_with_music": MixSpeechWithMusicTool,
    "synthesize_story_audio": StoryAudioTool,
}


class AudioToolkit(BaseToolkit):
    """The audio tools for one workspace.

    Example::

        toolkit = AudioToolkit(root="work", tts="flite", stt="pocketsphinx", music="synth")
        agent = create_agent(model, toolkit.get_tools())

    Attributes:
        root: the workspace directory (inputs must lie in it; outputs go to ``outputs/``);
            ``settings.workspace`` when omitted.
        settings: caps and defaults; from ``AUDIO_TOOLS_*`` variables when omitted.
        stt: speech-to-text backend spec, overriding ``settings.stt``.
        tts: text-to-speech backend spec, overriding ``settings.tts``.
        music: text-to-music backend spec, overriding ``settings.music``.
        device: ``cpu``, ``cuda`` or ``auto``, overriding ``settings.device``.
        retention_days: after each write, remove outputs older than this; ``settings.retention_days``
            when omitted; 0 or less keeps them.
        max_output_bytes: after each write, remove the oldest outputs beyond this total size.
        include: the tools :meth:`get_tools` returns (all by default).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    root: str | os.PathLike[str] | None = None
    settings: Settings = Field(default_factory=Settings.from_env)
    stt: str | None = None
    tts: str | None = None
    music: str | None = None
    device: Literal["auto", "cpu", "cuda"] | None = None
    retention_days: float | None = None
    max_output_bytes: int | None = Field(default=None, ge=0)
    include: tuple[ToolName, ...] = TOOL_NAMES
    _workspace: Workspace | None = PrivateAttr(default=None)

    @classmethod
    def from_env(cls, **overrides: Any) -> AudioToolkit:
        """A toolkit configured by ``AUDIO_TOOLS_*`` variables; keyword arguments win.

        Args:
            **overrides: toolkit fields (``root``, ``tts``, ``retention_days``...) or settings
                (``max_text_chars``...); None values are ignored.
        """
        fields = set(cls.model_fields) - {"settings"}
        own = {k: v for k, v in overrides.items() if k in fields and v is not None}
        settings = Settings.from_env(**{k: v for k, v in overrides.items() if k not in fields})
        return cls(settings=settings, **own)

    @property
    def workspace(self) -> Workspace:
        """The workspace every tool is confined to; its settings carry the overrides, backends and caps.

        Raises:
            InvalidInputError: the root is not a directory.
        """
        if self._workspace is None:
            changes = {name: getattr(self, name) for name in ("stt", "tts", "music", "device")}
            if self.root is not None:
                changes["workspace"] = self.root
            settings = self.settings.with_(**{k: v for k, v in changes.items() if v is not None})
            self._workspace = Workspace(settings=settings)
        return self._workspace

    def get_tools(self) -> list[BaseTool]:
        """The tools named in ``include``, sharing this toolkit's workspace and settings.

        Raises:
            InvalidInputError: the root is not a directory.
        """
        days = self.settings.retention_days if self.retention_days is None else self.retention_days
        retention_s = days * SECONDS_PER_DAY if days > 0 else None
        workspace = self.workspace
        return [
            TOOL_CLASSES[name](workspace=workspace, retention_s=retention_s, max_output_bytes=self.max_output_bytes)
            for name in self.include
        ]
