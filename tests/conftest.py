"""Fixtures every test may use: a private workspace, its settings, real recordings, spawn records.

Recordings are rendered by real tools (flite for speech, ffmpeg through ``save_audio`` for
tones), never mocked. Tests see no ``AUDIO_TOOLS_*`` variables from the developer's shell,
and Hugging Face libraries are kept offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.openai_server import OpenAIServer, openai_settings

from audio_tools.audio import save_audio
from audio_tools.config import ENV_PREFIX, Settings
from audio_tools.workspace import Workspace

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SPEECH_TEXT = "The quick brown fox jumps over the lazy dog."
SPEECH_VOICE = "slt"  # flite's 16 kHz voice


@dataclass(frozen=True)
class Spawn:
    """One subprocess start seen by the ``subprocess.Popen`` audit event."""

    executable: str
    args: list[str]


_recording: list[list[Spawn]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "subprocess.Popen" and _recording:
        executable, argv = args[0], args[1]
        command = [os.fsdecode(a) for a in argv]
        name = os.fsdecode(executable) if executable is not None else command[0]
        _recording[-1].append(Spawn(name, command))


sys.addaudithook(_audit)  # audit hooks cannot be removed; it records only inside `spawns`


@pytest.fixture(autouse=True)
def _no_audio_tools_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


@pytest.fixture
def offline_tts(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OpenAI configured in the environment, so that settings made from it speak offline.

    Use it for a whole module with ``pytestmark = pytest.mark.usefixtures("offline_tts")``.
    """
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty workspace in a fresh temporary directory, with default caps."""
    root = tmp_path / "workspace"
    root.mkdir()
    return Workspace(root, Settings(workspace=root))


@pytest.fixture
def settings(workspace: Workspace) -> Settings:
    """The settings of :func:`workspace` (change caps with ``settings.with_(...)``)."""
    return workspace.settings


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A loopback OpenAI-compatible server taking the key ``sk-test`` (:mod:`helpers.openai_server`)."""
    with OpenAIServer(api_key="sk-test") as running:
        yield running


@pytest.fixture
def on_openai_server(openai_server: OpenAIServer, settings: Settings) -> Settings:
    """:func:`settings` pointing the OpenAI backends at :func:`openai_server`."""
    return openai_settings(openai_server, settings)


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 2.5 s of real speech saying :data:`SPEECH_TEXT` (flite, 16 kHz mono WAV).

    Shared by the session: copy it before changing it.
    """
    flite = shutil.which("flite")
    if flite is None:
        pytest.fail("flite is not installed; run `make setup` (or apt-get install flite).")
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run([flite, "-voice", SPEECH_VOICE, "-t", SPEECH_TEXT, "-o", str(path)], check=True, timeout=60)
    return path


@pytest.fixture
def write_tone(settings: Settings) -> Callable[..., Path]:
    """A function writing a sine tone: ``write_tone(path, seconds=1.0, freq=440.0, sr=16000, channels=1)``.

    The format follows the suffix (anything ``save_audio`` writes); each channel gets its own
    frequency (``freq * (1 + channel)``) so that channels can be told apart.
    """

    def write(path: Path, seconds: float = 1.0, freq: float = 440.0, sr: int = 16000, channels: int = 1) -> Path:
        t = np.arange(round(seconds * sr)) / sr
        tones = np.stack([0.5 * np.sin(2 * np.pi * freq * (1 + c) * t) for c in range(channels)], axis=1)
        return save_audio(tones[:, 0] if channels == 1 else tones, sr, path, settings=settings)

    return write


@pytest.fixture
def spawns() -> Iterator[list[Spawn]]:
    """Every subprocess started during the test (from the audit hook: shells included)."""
    record: list[Spawn] = []
    _recording.append(record)
    try:
        yield record
    finally:
        _recording.pop()
