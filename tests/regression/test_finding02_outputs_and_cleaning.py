"""Hardening finding 2 (outputs and cleaning): a swapped ``outputs/`` must never redirect a write or a deletion.

Renaming ``outputs/`` and putting a symlink to an outside folder in its place while a story
was being made wrote the story outside; doing the same while ``clean_outputs`` ran deleted
all 300 files of an outside folder. A helper thread flips ``outputs/`` between the real
folder and such a symlink in a loop, bounded in time, while the tools write and clean.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from audio_tools import output_log
from audio_tools.audio import save_audio
from audio_tools.errors import AudioToolsError
from audio_tools.retention import clean_outputs
from audio_tools.workspace import Workspace

RACE_S = 3.0  # how long each race runs
FLIP_PAUSE_S = 0.003  # the issue flipped every 3 ms
OUTSIDE_FILES = 300
DAY = 86400.0


@contextlib.contextmanager
def flipping(outputs: Path, outside: Path) -> Iterator[None]:
    """Flip ``outputs`` between the real folder and a symlink to ``outside`` until the block ends."""
    real = outputs.with_name("outputs.real")
    link = outputs.with_name("outputs.link")
    stop = threading.Event()

    def flip() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):  # a tool may recreate outputs/ in the gap
                os.rename(outputs, real)
                os.symlink(outside, link)
                os.rename(link, outputs)
            time.sleep(FLIP_PAUSE_S)
            with contextlib.suppress(OSError):
                if outputs.is_symlink():
                    os.unlink(outputs)
                os.rename(real, outputs)
            time.sleep(FLIP_PAUSE_S)

    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    try:
        yield
    finally:
        stop.set()
        flipper.join()
        if outputs.is_symlink():
            outputs.unlink()
        link.unlink(missing_ok=True)
        if real.is_dir():
            if outputs.is_dir():  # one a tool made in a gap: keep what it holds
                for item in outputs.iterdir():
                    item.rename(real / item.name)
                outputs.rmdir()
            real.rename(outputs)


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def arena(tmp_path: Path) -> tuple[Workspace, Path]:
    root = tmp_path / "workspace"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "keep.txt").write_text("an outside file")
    workspace = Workspace(root)
    workspace.outputs.mkdir()
    return workspace, outside


def test_writes_never_land_outside_while_outputs_flips(arena: tuple[Workspace, Path]) -> None:
    workspace, outside = arena
    before = snapshot(outside)
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(1600) / 16000)).astype(np.float32)
    made: list[Path] = []
    deadline = time.monotonic() + RACE_S
    with flipping(workspace.outputs, outside):
        while time.monotonic() < deadline:
            try:
                made.append(save_audio(tone, 16000, workspace.new_output(".wav", stem="speech"),
                                       settings=workspace.settings))
            except AudioToolsError:  # refused while outputs/ was a link or missing: fine
                continue
    assert snapshot(outside) == before  # nothing written outside: no audio, no partial, no log
    assert made  # the race did not just refuse everything
    assert all(p.is_file() for p in made)  # each success landed in the real folder


def test_a_tool_never_writes_outside_while_outputs_flips(arena: tuple[Workspace, Path]) -> None:
    from audio_tools.tools import AudioToolkit

    workspace, outside = arena
    before = snapshot(outside)
    (tool,) = AudioToolkit(root=workspace.root, music="synth", retention_days=0,
                           include=("text_to_music",)).get_tools()
    deadline = time.monotonic() + RACE_S
    with flipping(workspace.outputs, outside):
        while time.monotonic() < deadline:
            tool.invoke({"name": tool.name, "args": {"prompt": "calm piano", "duration_s": 1.0},
                         "id": "1", "type": "tool_call"})
    assert snapshot(outside) == before
    # The race did not just refuse everything: music was published, in the real folder. (The
    # call itself may still report an error: reading the result back meets the flipping folder.)
    assert any(p.name.startswith("music-") for p in workspace.outputs.iterdir())


def test_cleaning_never_deletes_outside_while_outputs_flips(arena: tuple[Workspace, Path]) -> None:
    workspace, outside = arena
    then = time.time() - 30 * DAY
    # The outside folder looks like an outputs folder: generated names, recorded in its own log.
    for n in range(OUTSIDE_FILES):
        name = f"speech-20250101-120000-{n:08x}.wav"
        (outside / name).write_bytes(b"outside " * 10)
        os.utime(outside / name, (then, then))
        output_log.record(outside, name, when=then)
    before = snapshot(outside)
    deadline = time.monotonic() + RACE_S
    calls = 0
    with flipping(workspace.outputs, outside):
        while time.monotonic() < deadline:
            with contextlib.suppress(AudioToolsError):  # refused while outputs/ was a link: fine
                clean_outputs(workspace, older_than_s=0)
            calls += 1
    assert calls > 10
    assert snapshot(outside) == before
