"""``generate_music`` / ``text_to_music``: checks on arguments, backends chosen, files written, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from audio_tools.agents.cli.music import music_command
from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import (
    BackendUnavailableError,
    InputTooLargeError,
    InvalidInputError,
    OutputExistsError,
)
from audio_tools.music import MUSIC_BACKENDS, generate_music, text_to_music
from audio_tools.music.audiocraft import AudiocraftBackend
from audio_tools.music.hub import weights_available


@pytest.mark.parametrize(
    ("prompt", "duration", "error", "words"),
    [
        ("", 5.0, InvalidInputError, "prompt is empty"),
        ("   \n", 5.0, InvalidInputError, "prompt is empty"),
        (None, 5.0, InvalidInputError, "prompt is empty"),
        ("calm", 0.0, InvalidInputError, "must be positive"),
        ("calm", -3, InvalidInputError, "must be positive"),
        ("calm", float("nan"), InvalidInputError, "number of seconds"),
        ("calm", float("inf"), InvalidInputError, "number of seconds"),
        ("calm", "10", InvalidInputError, "number of seconds"),
        ("calm", True, InvalidInputError, "number of seconds"),
        ("calm", 301.0, InputTooLargeError, "over the limit of 300 s"),
        ("x" * 100_001, 5.0, InputTooLargeError, "characters"),
    ],
)
def test_bad_requests_are_refused_with_what_to_do(prompt: Any, duration: Any, error: type[Exception],
                                                   words: str, settings: Settings) -> None:
    with pytest.raises(error, match=words):
        generate_music(prompt, duration, backend="synth", settings=settings)


@pytest.mark.parametrize("seed", [-1, 2**31, 1.5, True])
def test_bad_seeds_are_refused(seed: Any, settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match="seed"):
        generate_music("calm", 1.0, backend="synth", seed=seed, settings=settings)


def test_the_cap_follows_the_settings(settings: Settings) -> None:
    with pytest.raises(InputTooLargeError, match="AUDIO_TOOLS_MAX_MUSIC_S"):
        generate_music("calm", 11.0, backend="synth", settings=settings.with_(max_music_s=10.0))


def test_music_records_backend_prompt_and_the_seed_drawn(settings: Settings) -> None:
    music = generate_music("  happy piano  ", 1.25, backend="synth", settings=settings)
    assert (music.backend, music.prompt, music.sample_rate) == ("synth", "happy piano", 32000)
    assert music.duration_s == 1.25 and music.samples.dtype == np.float32
    again = generate_music("happy piano", 1.25, backend="synth", seed=music.seed, settings=settings)
    assert np.array_equal(music.samples, again.samples)


@pytest.mark.parametrize("family", sorted(MUSIC_BACKENDS.families()))
def test_every_family_builds_or_says_why_not(family: str, settings: Settings) -> None:
    try:
        backend = MUSIC_BACKENDS.get(family, settings)
    except BackendUnavailableError as e:  # no MusicGen weights here; audiocraft not installed
        assert family in ("musicgen", "audiocraft") and ("hf download" in str(e) or "audiocraft" in str(e))
    else:
        assert backend.name == "synth" and backend.sample_rate > 0  # auto without weights is synth


def test_families_are_registered_without_importing_their_libraries() -> None:
    code = ("import sys, audio_tools.music; "
            "print(sorted(m for m in ('torch', 'transformers', 'audiocraft') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_unknown_backends_are_named(settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match="Known backends: audiocraft, auto, musicgen, synth"):
        generate_music("calm", 1.0, backend="jukebox", settings=settings)
    with pytest.raises(InvalidInputError, match="takes no model"):
        generate_music("calm", 1.0, backend="auto:facebook/musicgen-small", settings=settings)


def test_auto_falls_back_to_synth_without_musicgen_weights(settings: Settings) -> None:
    if weights_available():
        pytest.skip("facebook/musicgen-small is cached here, so auto would pick it")
    assert generate_music("calm", 0.5, settings=settings).backend == "synth"


def test_text_to_music_writes_a_new_file_in_the_workspace(settings: Settings) -> None:
    made = text_to_music("epic drums", 2.0, backend="synth", seed=1, settings=settings)
    path = made.path
    assert (made.backend, made.duration_s) == ("synth", 2.0)
    assert path.parent == settings.workspace / "outputs" and path.name.startswith("music-")
    assert probe(path, settings=settings).duration == pytest.approx(2.0, abs=0.01)


def test_text_to_music_writes_the_format_asked_and_never_overwrites(settings: Settings) -> None:
    target = settings.workspace / "bed.flac"
    assert text_to_music("calm", 1.0, backend="synth", path=target, settings=settings).path == target
    assert probe(target, settings=settings).codec == "flac"
    with pytest.raises(OutputExistsError):
        text_to_music("calm", 1.0, backend="synth", path=target, settings=settings)


def test_audiocraft_missing_names_the_install(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setitem(sys.modules, "audiocraft", None)  # makes `import audiocraft` fail even if installed
    with pytest.raises(BackendUnavailableError, match=r"langchain-audio-tools\[audiocraft\]") as caught:
        generate_music("calm", 1.0, backend="audiocraft:small", settings=settings)
    assert "torch 2.1" in str(caught.value) and "separate virtual environment" in str(caught.value)


class StandInMusicGen:
    """Stands in for ``audiocraft.models.MusicGen`` (audiocraft cannot be installed beside this torch).

    It follows audiocraft's API: ``set_generation_params(duration=...)``, a progress callback
    called with (tokens generated, tokens to generate), and ``generate`` returning [B, C, T]
    with ``int(duration * frame_rate)`` frames.
    """

    sample_rate = 32000
    frame_rate = 50

    def __init__(self) -> None:
        import torch

        self.device = torch.device("cpu")
        self.duration = 0.0
        self.callback: Any = None

    def set_generation_params(self, duration: float) -> None:
        self.duration = duration

    def set_custom_progress_callback(self, callback: Any) -> None:
        self.callback = callback

    def generate(self, descriptions: list[str], progress: bool = False) -> Any:
        import torch

        frames = int(self.duration * self.frame_rate)
        for step in range(1, frames + 1):
            if progress and self.callback is not None:
                self.callback(step, frames)
        noise = torch.randn(len(descriptions), 2, frames * self.sample_rate // self.frame_rate)
        return noise * 0.1


def test_audiocraft_adapter_asks_enough_frames_and_mixes_to_mono(settings: Settings) -> None:
    backend = AudiocraftBackend(StandInMusicGen(), "audiocraft:small")
    seen: list[tuple[float, float]] = []
    samples = backend.generate("calm", 1.2345, seed=1, progress=lambda d, t: seen.append((d, t)))
    assert samples.ndim == 1 and samples.dtype == np.float32 and len(samples) >= round(1.2345 * 32000)
    assert np.array_equal(samples, backend.generate("calm", 1.2345, seed=1))
    assert seen[-1] == (1.2345, 1.2345) and all(d <= 1.2345 for d, _ in seen)


def run_cli(*args: str) -> Any:
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("music")(music_command)
    return CliRunner().invoke(app, ["music", *args])


def test_cli_writes_music_and_reports_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("sad piano", "-d", "1.5", "-o", "bed.mp3", "--music", "synth", "--seed", "4", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"] == "synth" and data["seed"] == 4 and data["duration"] == 1.5
    assert probe(tmp_path / "bed.mp3").duration == pytest.approx(1.5, abs=0.06)

    refused = run_cli("sad piano", "-d", "1", "-o", "bed.mp3", "--music", "synth")
    assert isinstance(refused.exception, OutputExistsError)
    replaced = run_cli("happy", "-d", "1", "-o", "bed.mp3", "--music", "synth", "--force")
    assert replaced.exit_code == 0 and "1.00 s of music, synth" in replaced.stdout
    assert probe(tmp_path / "bed.mp3").duration == pytest.approx(1.0, abs=0.06)
