"""A workspace with real audio in it, configured for offline backends, for the tool tests.

Fixture files are made with the ``flite`` and ``ffmpeg`` programs directly (not with the
package under test): ``speech.wav`` (a spoken sentence, 16 kHz mono) and ``music.wav``
(a two-note tone bed, 32 kHz).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from audio_tools.config import Settings
from audio_tools.workspace import Workspace

__all__ = [
    "OFFLINE_BACKENDS",
    "SPEECH_TEXT",
    "call_tool",
    "make_music",
    "make_speech",
    "offline_workspace",
    "snapshot",
]

OFFLINE_BACKENDS = {"tts": "flite", "stt": "pocketsphinx", "music": "synth", "device": "cpu"}
SPEECH_TEXT = "The quick brown fox jumps over the lazy dog. Then it runs home."


def make_speech(path: Path, text: str = SPEECH_TEXT, voice: str = "slt") -> Path:
    """``text`` spoken by flite into ``path`` (16 kHz mono wav)."""
    raw = path.with_suffix(".flite.wav")
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(raw)], check=True, capture_output=True)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(raw), "-ar", "16000", "-ac", "1",
                    str(path)], check=True, capture_output=True)
    raw.unlink()
    return path


def make_music(path: Path, seconds: float = 8.0) -> Path:
    """A soft two-tone bed of ``seconds`` into ``path`` (32 kHz mono)."""
    graph = (f"sine=frequency=220:duration={seconds}[a];sine=frequency=330:duration={seconds}[b];"
             f"[a][b]amix=inputs=2,volume=0.3")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-filter_complex", graph, "-ar", "32000",
                    "-ac", "1", str(path)], check=True, capture_output=True)
    return path


def offline_workspace(root: Path, **overrides: Any) -> Workspace:
    """A workspace at ``root`` using flite, pocketsphinx and synth on the CPU; ``overrides`` change caps."""
    settings = Settings(workspace=root, **{**OFFLINE_BACKENDS, **overrides})
    return Workspace(root, settings)


def snapshot(*roots: Path) -> dict[str, tuple[int, str]]:
    """Every file and link under ``roots``: path -> (size, sha256 of content or link target)."""
    found: dict[str, tuple[int, str]] = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in [*files, *(d for d in dirs if Path(folder, d).is_symlink())]:
                path = Path(folder, name)
                if path.is_symlink():
                    found[str(path)] = (0, "link:" + os.readlink(path))
                else:
                    data = path.read_bytes()
                    found[str(path)] = (len(data), hashlib.sha256(data).hexdigest())
    return found


def call_tool(tool: BaseTool, args: dict[str, Any], call_id: str = "call-1") -> ToolMessage:
    """Invoke ``tool`` as an agent would (a tool call), so that the result is a ``ToolMessage``."""
    message = tool.invoke({"name": tool.name, "args": args, "id": call_id, "type": "tool_call"})
    assert isinstance(message, ToolMessage)
    return message
