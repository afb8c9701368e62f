"""``audio-agent mix`` and ``audio-agent story``, run through typer with real ffmpeg, flite and synth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from audio_tools.agents.cli.mix import mix_command, story_command
from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError, OutputExistsError

BED = Path(__file__).parents[1] / "fixtures" / "music_bed_-14lufs.flac"

app = typer.Typer()
app.command("mix")(mix_command)
app.command("story")(story_command)


@app.callback()
def _root() -> None:
    """A group, as in the real application, so that commands are named."""


def run(settings: Settings, *args: str, stdin: str | None = None) -> typer.testing.Result:
    return CliRunner().invoke(app, list(args), obj=settings, input=stdin)


def test_mix_writes_and_reports_json(settings: Settings, speech_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "mixed.mp3"
    result = run(settings, "mix", str(speech_wav), str(BED), "-o", str(out), "--intro", "2", "--outro", "1",
                 "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["path"] == str(out)
    assert data["speech_start"] == 2.0
    assert data["duration"] == pytest.approx(probe(out).duration, abs=0.1)  # MP3 frames pad the end
    assert data["integrated_lufs"] == pytest.approx(-16.0, abs=1.0)
    assert data["true_peak_db"] <= -1.0


def test_mix_refuses_to_replace_without_force(settings: Settings, speech_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "mixed.wav"
    out.write_bytes(b"keep me")
    result = run(settings, "mix", str(speech_wav), str(BED), "-o", str(out))
    assert isinstance(result.exception, OutputExistsError)
    assert out.read_bytes() == b"keep me"
    result = run(settings, "mix", str(speech_wav), str(BED), "-o", str(out), "--force", "--lufs", "-20")
    assert result.exit_code == 0, result.output
    assert "-20.0 LUFS" in result.stdout


def test_mix_refuses_nonsense_numbers(settings: Settings, speech_wav: Path, tmp_path: Path) -> None:
    result = run(settings, "mix", str(speech_wav), str(BED), "-o", str(tmp_path / "m.wav"), "--intro", "nan")
    assert isinstance(result.exception, InvalidInputError)
    result = run(settings, "mix", str(speech_wav), str(BED), "-o", str(tmp_path / "m.wav"), "--duck", "-5")
    assert isinstance(result.exception, InvalidInputError)


def test_story_reads_standard_input_and_reports_json(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "story.wav"
    result = run(settings, "story", "-", "--music-prompt", "calm piano, slow", "-o", str(out), "--tts", "flite",
                 "--voice", "slt", "--music", "synth", "--seed", "7", "--intro", "1", "--outro", "1", "--json",
                 stdin="Once upon a time a fox lived in the woods.")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["tts_backend"], data["voice"], data["music_backend"], data["seed"]) == ("flite", "slt", "synth", 7)
    assert data["duration"] == pytest.approx(1.0 + data["speech_s"] + 1.0, abs=0.02)
    assert data["integrated_lufs"] == pytest.approx(-16.0, abs=1.0)
    assert probe(out).duration == pytest.approx(data["duration"], abs=0.05)
