"""``audio-agent transcribe``, run through typer with pocketsphinx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from audio_tools.agents.cli.transcribe import transcribe_command
from audio_tools.config import Settings
from audio_tools.errors import OutputExistsError
from audio_tools.stt import transcribe
from audio_tools.transcript import Transcript

app = typer.Typer()
app.command("transcribe")(transcribe_command)


@app.callback()
def _root() -> None:
    """A group, as in the real application, so that commands are named."""


def run(settings: Settings, *args: str) -> typer.testing.Result:
    return CliRunner().invoke(app, ["transcribe", *args], obj=settings)


@pytest.fixture(scope="module")
def expected(speech_wav: Path) -> Transcript:
    return transcribe(speech_wav, backend="pocketsphinx")


def test_json_is_exactly_the_transcript(settings: Settings, speech_wav: Path, expected: Transcript) -> None:
    result = run(settings, str(speech_wav), "--stt", "pocketsphinx", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.to_json() + "\n"
    assert Transcript.from_json(result.stdout) == expected


@pytest.mark.parametrize(("fmt", "render"), [("srt", Transcript.to_srt), ("vtt", Transcript.to_vtt)])
def test_subtitles(settings: Settings, speech_wav: Path, expected: Transcript, fmt: str,
                   render: Callable[[Transcript], str]) -> None:
    result = run(settings, str(speech_wav), "--stt", "pocketsphinx", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout == render(expected)
    assert "quick brown fox" in result.stdout


def test_text_has_a_line_per_segment(settings: Settings, speech_wav: Path, expected: Transcript) -> None:
    result = run(settings, str(speech_wav), "--stt", "pocketsphinx")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [s.text for s in expected.segments]


def test_output_file_is_written_once_unless_forced(settings: Settings, speech_wav: Path, tmp_path: Path,
                                                   expected: Transcript) -> None:
    target = tmp_path / "out.srt"
    first = run(settings, str(speech_wav), "--stt", "pocketsphinx", "--format", "srt", "-o", str(target))
    assert first.exit_code == 0, first.output
    assert target.read_text() == expected.to_srt()

    again = run(settings, str(speech_wav), "--stt", "pocketsphinx", "-o", str(target))
    assert isinstance(again.exception, OutputExistsError)
    forced = run(settings, str(speech_wav), "--stt", "pocketsphinx", "--format", "txt", "-o", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text() == f"{expected.text}\n"
