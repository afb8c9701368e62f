"""Hardening finding 10: MOV/MP4 external data references are turned off explicitly.

They are skipped today only because ffmpeg's default is off. Every ffprobe run passes
``-enable_drefs 0``, and so does every ffmpeg run reading a MOV/MP4/M4A input (other demuxers
refuse the option as unknown, so ffmpeg gets it with the demuxer ffprobe found). Files this
package wrote itself in its private temporary folder are the only inputs without it.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers.tool_workspace import OFFLINE_BACKENDS, make_music, make_speech

from audio_tools.audio import load_audio, probe, stream_audio
from audio_tools.config import Settings
from audio_tools.mix import mix_speech_over_music
from audio_tools.stt import transcribe

DREFS_OFF = ["-enable_drefs", "0"]


def input_options(args: list[str]) -> list[tuple[str, list[str]]]:
    """Each input of a run and the options given before it (since the previous input)."""
    if Path(args[0]).name == "ffprobe":
        return [(args[-1], args[1:-1])]
    found, start = [], 1
    for i, arg in enumerate(args[:-1]):
        if arg == "-i":
            found.append((args[i + 1], args[start:i]))
            start = i + 2
    return found


def has_pair(options: list[str], pair: list[str]) -> bool:
    return any(options[i:i + 2] == pair for i in range(len(options) - 1))


def test_every_mov_input_is_opened_with_drefs_off(tmp_path: Path, spawns: list[Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    private = tmp_path / "private-tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    settings = Settings(workspace=tmp_path, **OFFLINE_BACKENDS)
    wav = make_speech(tmp_path / "speech.wav")
    m4a = tmp_path / "speech.m4a"
    music = make_music(tmp_path / "music.wav", seconds=4.0)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True)
    before = len(spawns)

    assert probe(m4a, settings=settings).duration > 2
    assert load_audio(m4a, settings=settings).size > 0
    assert sum(b.samples.size for b in stream_audio(m4a, settings=settings)) > 0
    assert "fox" in transcribe(m4a, settings=settings).text
    mix_speech_over_music(m4a, music, tmp_path / "mix.wav", settings=settings)

    runs = spawns[before:]
    checked = 0
    for spawn in runs:
        for source, options in input_options(spawn.args):
            path = source.removeprefix("file:")
            if source == "pipe:0" or Path(path).is_relative_to(private) or path == str(tmp_path / "mix.wav"):
                continue  # what this package wrote itself
            if path.endswith(".m4a") or has_pair(options, ["-f", "mov"]):
                checked += 1
                assert has_pair(options, DREFS_OFF), spawn.args
    assert checked >= 3
    probes = [s for s in runs if Path(s.args[0]).name == "ffprobe"]
    assert probes and all(has_pair(s.args, DREFS_OFF) for s in probes), probes
