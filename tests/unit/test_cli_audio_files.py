"""``audio-agent --version``, ``probe`` and ``convert``, in-process and through the installed script."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import audio_tools
from audio_tools.agents.cli.main import app
from audio_tools.errors import OutputExistsError, PathNotAllowedError

SCRIPT = Path(sys.executable).with_name("audio-agent")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def speech(tmp_path: Path, speech_wav: Path) -> Path:
    return Path(shutil.copy(speech_wav, tmp_path / "speech.wav"))


def _script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: install the package (make setup).")
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False)


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"audio-agent {audio_tools.__version__}\n"
    assert audio_tools.__version__ == importlib.metadata.version("langchain-audio-tools")


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "probe" in result.output and "convert" in result.output and "--workspace" in result.output


def test_probe_text_and_json(runner: CliRunner, speech: Path) -> None:
    result = runner.invoke(app, ["probe", str(speech)])
    assert result.exit_code == 0, result.output
    assert "16000 Hz, 1 ch, codec pcm_s16le" in result.output

    result = runner.invoke(app, ["probe", str(speech), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["path"] == str(speech)
    assert (data["sample_rate"], data["channels"], data["codec"], data["format"]) == (16000, 1, "pcm_s16le", "wav")
    assert data["size_bytes"] == speech.stat().st_size and data["duration"] > 1.0


def test_convert_refuses_overwrite_without_force(runner: CliRunner, speech: Path, tmp_path: Path) -> None:
    target = tmp_path / "speech.mp3"
    result = runner.invoke(app, ["convert", str(speech), str(target), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["codec"] == "mp3"
    first = target.read_bytes()

    result = runner.invoke(app, ["convert", str(speech), str(target), "--sr", "8000"])
    assert result.exit_code == 1
    assert isinstance(result.exception, OutputExistsError)
    assert "--force" in str(result.exception)
    assert target.read_bytes() == first

    result = runner.invoke(app, ["convert", str(speech), str(target), "--sr", "8000", "--force"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {target}")
    assert json.loads(runner.invoke(app, ["probe", str(target), "--json"]).output)["sample_rate"] == 8000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.mp3", "speech.wav"]


def test_convert_rejects_bad_options(runner: CliRunner, speech: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["convert", str(speech), str(tmp_path / "x.wav"), "--sr", "5"])
    assert result.exit_code == 2  # usage error from the option's range
    assert not (tmp_path / "x.wav").exists()


def test_url_is_refused_in_process(runner: CliRunner) -> None:
    result = runner.invoke(app, ["probe", "http://127.0.0.1/x"])
    assert isinstance(result.exception, PathNotAllowedError)


def test_installed_script_probe_and_version(speech: Path) -> None:
    done = _script("--version", cwd=speech.parent)
    assert done.returncode == 0 and done.stdout.strip() == f"audio-agent {audio_tools.__version__}"
    done = _script("probe", "speech.wav", "--json", cwd=speech.parent)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["path"] == str(speech)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["probe", "http://127.0.0.1/x"], "URL or an ffmpeg protocol"),
        (["probe", "concat:a.wav|b.wav"], "URL or an ffmpeg protocol"),
        (["probe", "missing.wav"], "No such file"),
        (["probe", "notes.wav"], "not audio"),
        (["convert", "speech.wav", "list.m3u8"], "is a playlist"),
        (["convert", "speech.wav", "speech.wav"], "--force"),
    ],
)
def test_installed_script_errors_exit_1_with_one_line(args: list[str], expected: str, speech: Path) -> None:
    (speech.parent / "notes.wav").write_text("not audio\n" * 10)
    before = sorted(speech.parent.iterdir())
    done = _script(*args, cwd=speech.parent)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], done.stderr
    assert sorted(speech.parent.iterdir()) == before
