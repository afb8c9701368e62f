"""Hardening finding 2 (inputs): an input is opened once, and every later reader uses what was opened.

Paths were checked, then reopened by path for the check, each probe and each ffmpeg run:
swapping ``a.wav`` between an inside file and a symlink to an outside file every 3 ms made
``speech_to_text`` return the outside file's transcript in 20 of 60 calls, and a FIFO swapped
in after the check held ffprobe until its timeout. A helper thread flips the path in a loop
for a bounded time while the tool is called again and again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.tool_workspace import OFFLINE_BACKENDS, call_tool, make_music, make_speech
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from typer.testing import CliRunner

from audio_tools.config import Settings
from audio_tools.tools import AudioToolkit

RACE_S = 4.0  # how long the path is flipped
FLIP_S = 0.003
INSIDE_TEXT = "The quick brown fox jumps over the lazy dog."
OUTSIDE_TEXT = "Secret numbers seven eight nine are outside."


class Flipper(threading.Thread):
    """Flips a path between two states every :data:`FLIP_S` until :data:`RACE_S` have passed."""

    def __init__(self, states: tuple[Callable[[], None], Callable[[], None]], release: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.states = states
        self.release = release
        self.done = threading.Event()
        self.flips = 0

    def run(self) -> None:
        deadline = time.monotonic() + RACE_S
        try:
            while time.monotonic() < deadline:
                self.states[self.flips % 2]()
                self.flips += 1
                time.sleep(FLIP_S)
            self.states[0]()
        finally:
            self.done.set()
            self.release()


@contextlib.contextmanager
def flipping(states: tuple[Callable[[], None], Callable[[], None]],
             release: Callable[[], None] = lambda: None) -> Iterator[Flipper]:
    flipper = Flipper(states, release)
    flipper.start()
    try:
        yield flipper
    finally:
        flipper.join(RACE_S + 60)


def replace_with(path: Path, make: Callable[[Path], None]) -> None:
    """Put a new entry at ``path`` in one atomic rename (so that it never goes missing)."""
    fresh = path.with_name(f".{path.name}.{threading.get_ident()}.new")
    make(fresh)
    os.replace(fresh, path)



def calls_while(flipper: Flipper, tool: BaseTool, args: dict[str, Any]) -> list[ToolMessage]:
    results = []
    while not flipper.done.is_set():
        results.append(call_tool(tool, args))
    return results


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("recordings")
    inside = make_speech(folder / "inside.wav", text=INSIDE_TEXT)
    outside = make_speech(folder / "outside.wav", text=OUTSIDE_TEXT)
    return {"inside": inside.read_bytes(), "outside": outside.read_bytes()}


@pytest.fixture
def arena(tmp_path: Path, recordings: dict[str, bytes]) -> dict[str, Any]:
    root, outside = tmp_path / "workspace", tmp_path / "outside"
    (root / "real").mkdir(parents=True)
    outside.mkdir()
    (root / "a.wav").write_bytes(recordings["inside"])
    (root / "real" / "a.wav").write_bytes(recordings["inside"])
    (outside / "a.wav").write_bytes(recordings["outside"])
    settings = Settings(workspace=root, ffmpeg_timeout_s=2.0, **OFFLINE_BACKENDS)
    tools = {t.name: t for t in AudioToolkit(settings=settings).get_tools()}
    return {"root": root, "outside": outside, "tools": tools}


def inside_transcript(tool: BaseTool, path: str) -> str:
    message = call_tool(tool, {"audio_path": path})
    assert message.status == "success", message.content
    text = message.artifact["text"]
    assert "seven" not in text
    return str(text)


def test_a_file_flipped_to_an_outside_symlink_is_never_transcribed(arena: dict[str, Any],
                                                                    recordings: dict[str, bytes]) -> None:
    root, outside, stt = arena["root"], arena["outside"], arena["tools"]["speech_to_text"]
    expected = inside_transcript(stt, "a.wav")
    a = root / "a.wav"
    states = (lambda: replace_with(a, lambda p: p.write_bytes(recordings["inside"])),
              lambda: replace_with(a, lambda p: p.symlink_to(outside / "a.wav")))
    with flipping(states) as flipper:
        results = calls_while(flipper, stt, {"audio_path": "a.wav"})
    assert flipper.flips > 100
    texts = [m.artifact["text"] for m in results if m.status == "success"]
    assert texts and all(text == expected for text in texts), texts
    errors = [str(m.content) for m in results if m.status == "error"]
    assert all("outside the workspace" in e for e in errors), errors


def test_a_folder_flipped_to_an_outside_symlink_is_never_transcribed(arena: dict[str, Any]) -> None:
    root, outside, stt = arena["root"], arena["outside"], arena["tools"]["speech_to_text"]
    real, away = root / "real", root / "real.away"
    expected = inside_transcript(stt, "real/a.wav")

    def to_outside() -> None:  # as a person would: move the folder away, link another in its place
        real.rename(away)
        real.symlink_to(outside, target_is_directory=True)

    def back() -> None:
        if away.exists():
            real.unlink()
            away.rename(real)

    states = (back, to_outside)
    with flipping(states) as flipper:
        results = calls_while(flipper, stt, {"audio_path": "real/a.wav"})
    texts = [m.artifact["text"] for m in results if m.status == "success"]
    assert texts and all(text == expected for text in texts), texts
    errors = [str(m.content) for m in results if m.status == "error"]
    assert all("outside the workspace" in e or "No such file" in e for e in errors), errors


def test_a_fifo_swapped_in_never_stalls_a_call(arena: dict[str, Any], recordings: dict[str, bytes],
                                               tmp_path: Path) -> None:
    root, stt = arena["root"], arena["tools"]["speech_to_text"]
    a = root / "a.wav"
    kept = tmp_path / "fifos"  # a second name for each FIFO, so that a stuck reader can be let go
    kept.mkdir()

    def fifo(path: Path) -> None:
        os.mkfifo(path)
        os.link(path, kept / f"{len(os.listdir(kept))}")

    def release() -> None:
        for name in os.listdir(kept):
            with contextlib.suppress(OSError):  # ENXIO: nobody is reading it
                os.close(os.open(kept / name, os.O_WRONLY | os.O_NONBLOCK))

    states = (lambda: replace_with(a, lambda p: p.write_bytes(recordings["inside"])),
              lambda: replace_with(a, fifo))
    with flipping(states, release) as flipper:
        results = calls_while(flipper, stt, {"audio_path": "a.wav"})
    errors = [str(m.content) for m in results if m.status == "error"]
    # refused at once, never "took longer than 2 s and was stopped" (or "not audio" after it)
    assert all("not a regular file" in e for e in errors), errors
    assert any(m.status == "success" for m in results), errors


def inputs_of(args: list[str]) -> list[str]:
    if Path(args[0]).name == "ffprobe":
        return [args[-1]]
    return [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "-i" and args[i + 1] != "pipe:0"]


def private_or_descriptor(path: str) -> bool:
    """An open descriptor, or a file in the private temporary folder (what was decoded from one)."""
    return path.startswith("/dev/fd/") or Path(path).is_relative_to(tempfile.gettempdir())


@pytest.mark.parametrize("entry", ["speech_to_text", "mix_speech_with_music", "cli transcribe", "cli mix"])
def test_no_reader_reopens_the_path_after_the_open(entry: str, arena: dict[str, Any], tmp_path: Path,
                                                   spawns: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    root, tools = arena["root"], arena["tools"]
    make_music(root / "music.wav", seconds=4.0)
    private = tmp_path / "private-tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    if entry == "speech_to_text":
        assert call_tool(tools[entry], {"audio_path": "a.wav"}).status == "success"
    elif entry == "mix_speech_with_music":
        message = call_tool(tools[entry], {"speech_path": "a.wav", "music_path": "music.wav"})
        assert message.status == "success", message.content
    else:
        from audio_tools.agents.cli.main import app

        args = (["transcribe", str(root / "a.wav")] if entry == "cli transcribe"
                else ["mix", str(root / "a.wav"), str(root / "music.wav"), "-o", str(tmp_path / "mix.wav")])
        result = CliRunner().invoke(app, ["--workspace", str(root), *args])
        assert result.exit_code == 0, result.output
    inputs = [source.removeprefix("file:") for spawn in spawns for source in inputs_of(spawn.args)]
    given = {str(root / "a.wav"), str(root / "music.wav")}
    assert inputs and not given & set(inputs), inputs
    assert all(private_or_descriptor(s) or Path(s).parent.name == "outputs" for s in inputs), inputs
