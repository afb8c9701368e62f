"""Hardening finding 9: a hard link inside the workspace to an outside file is not read by default.

With ``fs.protected_hardlinks=1`` a planted link only reaches files its planter could already
write, so this is defence in depth: agent-facing tools refuse inputs with more than one link,
and say which setting allows them (backups made with ``cp -al`` are legitimate).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from helpers.tool_workspace import OFFLINE_BACKENDS, call_tool, make_music, make_speech
from langchain_core.tools import BaseTool

from audio_tools.config import Settings
from audio_tools.tools import AudioToolkit
from audio_tools.workspace import Workspace

OUTSIDE_TEXT = "Secret numbers seven eight nine are outside."
SETTING = "AUDIO_TOOLS_ALLOW_HARDLINKS"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("links")
    root, outside = base / "workspace", base / "outside"
    root.mkdir()
    outside.mkdir()
    make_speech(outside / "secret.wav", text=OUTSIDE_TEXT)
    os.link(outside / "secret.wav", root / "linked.wav")
    make_music(root / "music.wav", seconds=4.0)
    return root


def tools_of(root: Path, **settings: Any) -> dict[str, BaseTool]:
    return {t.name: t for t in AudioToolkit(settings=Settings(workspace=root, **OFFLINE_BACKENDS, **settings))
            .get_tools()}



@pytest.mark.parametrize(("tool", "args"), [
    ("speech_to_text", {"audio_path": "linked.wav"}),
    ("mix_speech_with_music", {"speech_path": "linked.wav", "music_path": "music.wav"}),
])
def test_tools_refuse_hard_links_and_name_the_setting(tool: str, args: dict[str, Any], folder: Path) -> None:
    message = call_tool(tools_of(folder)[tool], args)
    assert message.status == "error", message.content
    assert "hard link" in str(message.content) and SETTING in str(message.content), message.content


def test_the_setting_allows_them(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SETTING, "1")
    assert Settings(workspace=folder).allow_hardlinks is True  # type: ignore[attr-defined]
    message = call_tool(tools_of(folder, allow_hardlinks=True)["speech_to_text"], {"audio_path": "linked.wav"})
    assert message.status == "success", message.content
    assert "seven" in message.artifact["text"]


def test_the_workspace_refuses_them_too(folder: Path) -> None:
    from audio_tools.errors import PathNotAllowedError

    with pytest.raises(PathNotAllowedError, match=SETTING):
        Workspace(folder, Settings(workspace=folder)).resolve_input("linked.wav")
