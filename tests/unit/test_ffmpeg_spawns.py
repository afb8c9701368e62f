"""Every code path that starts ffmpeg does it safely: an argument list, no shell, ``-nostdin``,
and file inputs only as ``file:`` absolute paths behind protocol and format whitelists.

Spawns are seen twice: by the ``subprocess.Popen`` audit event (the ``spawns`` fixture, which
also sees what a shell would run) and by a wrapper of ``Popen.__init__`` that records how the
caller passed its arguments (list or string, ``shell``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pytest

from audio_tools.audio import SAMPLE_RATE, convert, load_audio, probe, save_audio, stream_audio
from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError
from audio_tools.workspace import Workspace

SHELLS = {"sh", "bash", "dash", "zsh", "cmd", "cmd.exe", "powershell"}


@pytest.fixture
def popen_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    calls: list[tuple[Any, dict[str, Any]]] = []
    original = subprocess.Popen.__init__

    def recording_init(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        calls.append((args, {"shell": kwargs.get("shell", False), "positional": rest}))
        original(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", recording_init)
    return calls


def _option(args: list[str], name: str, before: int) -> str | None:
    """The value of the last ``name`` option before position ``before``."""
    found = None
    for i in range(before - 1):
        if args[i] == name:
            found = args[i + 1]
    return found


def _check_ffmpeg_command(args: list[str]) -> None:
    program = Path(args[0]).name
    assert program in {"ffmpeg", "ffprobe"}, args
    if program == "ffmpeg":
        assert "-nostdin" in args, args
        inputs = [i + 1 for i, a in enumerate(args) if a == "-i"]
        output = args[-1]
        assert output == "pipe:1" or output.startswith("file:/"), args
    else:
        inputs = [len(args) - 1]  # ffprobe takes its input last, without -i
    assert inputs, args
    for position in inputs:
        source = args[position]
        if source == "pipe:0":
            assert _option(args, "-protocol_whitelist", position) == "pipe", args
        else:
            assert source.startswith("file:/"), args
            assert _option(args, "-protocol_whitelist", position) == "file", args
            whitelist = _option(args, "-format_whitelist", position)
            assert whitelist and "hls" not in whitelist.split(",") and "concat" not in whitelist.split(","), args


def test_every_ffmpeg_spawn_is_a_safe_argument_list(
    workspace: Workspace,
    settings: Settings,
    speech_wav: Path,
    spawns: list[Any],
    popen_calls: list[tuple[Any, dict[str, Any]]],
) -> None:
    samples = np.sin(np.arange(SAMPLE_RATE) / 10).astype(np.float32) * 0.3
    paths = [save_audio(samples, SAMPLE_RATE, workspace.root / f"tone.{fmt}", settings=settings)
             for fmt in ("wav", "mp3", "ogg", "flac", "m4a")]
    after_save = len(spawns)
    assert after_save == 5 * 2  # encode, then decode what was written before publishing it

    path = paths[0]
    assert load_audio(path, settings=settings).size == SAMPLE_RATE
    assert load_audio(path.read_bytes(), settings=settings).size == SAMPLE_RATE
    assert sum(b.samples.size for b in stream_audio(path, block_s=0.25, settings=settings)) == SAMPLE_RATE
    assert probe(paths[1], settings=settings).codec == "mp3"
    convert(speech_wav, workspace.root / "speech.ogg", sr=8000, channels=1, settings=settings)
    after_all = len(spawns)
    # two loads + stream: probe and decode each; probe; convert: probe, encode and check
    assert after_all - after_save == 3 * 2 + 1 + 3

    assert len(popen_calls) == len(spawns)
    for args, how in popen_calls:
        assert isinstance(args, list), args
        assert all(isinstance(a, str) for a in args), args
        assert how["shell"] is False
        assert not how["positional"]  # shell= can't hide among positional arguments
    for spawn in spawns:
        assert Path(spawn.executable).name not in SHELLS, spawn
        assert spawn.args[:2] != ["/bin/sh", "-c"], spawn
        _check_ffmpeg_command(spawn.args)
    programs = [Path(s.args[0]).name for s in spawns]
    assert programs.count("ffprobe") == 5 and programs.count("ffmpeg") == 5 * 2 + 4 + 1


def test_refused_inputs_spawn_nothing(workspace: Workspace, spawns: list[Any]) -> None:
    for name in ("concat:a|b", "../x.wav", "-i.wav", "http://127.0.0.1/x"):
        with pytest.raises(AudioToolsError):
            load_audio(workspace.resolve_input(name), settings=workspace.settings)
    assert spawns == []


def test_stream_closed_early_stops_ffmpeg(settings: Settings, speech_wav: Path) -> None:
    before = {c.pid for c in psutil.Process().children()}
    blocks = stream_audio(speech_wav, block_s=0.1, settings=settings)
    first = next(blocks)
    assert first.start == 0.0 and first.samples.size == 1600
    started = [c for c in psutil.Process().children() if c.pid not in before]
    assert [c.name() for c in started] == ["ffmpeg"]
    blocks.close()
    assert not started[0].is_running()  # killed and reaped, not left as a zombie
