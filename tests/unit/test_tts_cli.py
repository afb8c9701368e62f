"""``audio-agent speak``, run through typer with flite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from audio_tools.agents.cli.speak import speak_command
from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError, OutputExistsError

app = typer.Typer()
app.command("speak")(speak_command)


@app.callback()
def _root() -> None:
    """A group, as in the real application, so that commands are named."""


pytestmark = pytest.mark.usefixtures("offline_tts")


def speak(settings: Settings, *args: str, stdin: str | None = None) -> typer.testing.Result:
    return CliRunner().invoke(app, ["speak", *args], obj=settings, input=stdin)


def test_speak_writes_the_file_and_reports_json(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "hello.flac"
    result = speak(settings, "Hello from the command line.", "-o", str(out), "--tts", "flite", "--voice", "awb",
                   "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["path"] == str(out)
    assert (data["backend"], data["voice"], data["chunks"]) == ("flite", "awb", 1)
    assert data["duration"] == pytest.approx(probe(out).duration, abs=0.01)


def test_speak_reads_standard_input(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "piped.wav"
    result = speak(settings, "-", "-o", str(out), "--tts", "espeak", "--language", "de", stdin="Guten Abend.")
    assert result.exit_code == 0, result.output
    assert "voice de" in result.stdout
    assert probe(out).duration > 0.5


def test_speak_refuses_to_replace_without_force(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "taken.wav"
    out.write_bytes(b"keep me")
    result = speak(settings, "Hello.", "-o", str(out), "--tts", "flite")
    assert isinstance(result.exception, OutputExistsError)
    assert out.read_bytes() == b"keep me"
    assert speak(settings, "Hello.", "-o", str(out), "--tts", "flite", "--force").exit_code == 0
    assert probe(out).duration > 0.3


def test_speak_refuses_an_unknown_suffix(settings: Settings, tmp_path: Path) -> None:
    result = speak(settings, "Hello.", "-o", str(tmp_path / "x.txt"), "--tts", "flite")
    assert isinstance(result.exception, InvalidInputError)
