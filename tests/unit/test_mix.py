"""Mixing a voice over music: levels, layout, formats, and every bad input refused with a typed error.

Real ffmpeg runs on a short flite recording and the committed bass-only bed; nothing is mocked.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers.scoring import band_rms_db

from audio_tools.audio import probe, save_audio
from audio_tools.config import Settings
from audio_tools.errors import (
    InputTooLargeError,
    InvalidAudioError,
    InvalidInputError,
    OutputExistsError,
    PathNotAllowedError,
)
from audio_tools.metrics import loudness
from audio_tools.mix import MixOptions, MixResult, check_output_path, mix_speech_over_music

BED = Path(__file__).parents[1] / "fixtures" / "music_bed_-14lufs.flac"


def mix(speech: Path, music: Path, out: Path, **options: object) -> MixResult:
    return mix_speech_over_music(speech, music, out, **options)  # type: ignore[arg-type]


def test_defaults_reach_the_loudness_target_under_the_peak_ceiling(speech_wav: Path, tmp_path: Path) -> None:
    result = mix(speech_wav, BED, tmp_path / "mix.wav")
    speech_s = probe(speech_wav).duration
    assert result.path == tmp_path / "mix.wav"
    assert result.duration_s == pytest.approx(3.0 + speech_s + 3.0, abs=0.01)
    assert probe(result.path).duration == pytest.approx(result.duration_s, abs=0.01)
    assert (result.sample_rate, result.channels, result.renders) == (16000, 1, 1)
    assert (result.speech_start_s, result.speech_end_s) == (3.0, pytest.approx(3.0 + speech_s))
    lufs, peak = loudness(result.path)
    assert (lufs, peak) == (result.integrated_lufs, result.true_peak_db)
    assert lufs == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0


def test_the_bed_plays_the_intro_ducks_under_the_voice_and_returns(speech_wav: Path, tmp_path: Path) -> None:
    result = mix(speech_wav, BED, tmp_path / "mix.flac", intro_s=4.0, outro_s=4.0)
    intro = band_rms_db(result.path, 2.0, 2.0)
    under = band_rms_db(result.path, 4.5, result.speech_end_s - 5.0)
    outro = band_rms_db(result.path, result.speech_end_s + 1.0, 1.0)  # before the fade-out
    assert 8.0 <= intro - under <= 20.0
    assert outro == pytest.approx(intro, abs=2.0)


def test_a_short_bed_is_looped_to_cover_the_outro(speech_wav: Path, tmp_path: Path) -> None:
    t = np.arange(2 * 16000) / 16000
    short = save_audio(0.5 * np.sin(2 * np.pi * 60 * t), 16000, tmp_path / "short.wav")
    result = mix(speech_wav, short, tmp_path / "mix.wav", intro_s=2.0, outro_s=5.0, fade_s=0.5)
    assert result.duration_s == pytest.approx(2.0 + probe(speech_wav).duration + 5.0, abs=0.01)
    assert band_rms_db(result.path, result.speech_end_s + 2.0, 2.0) > -30.0  # music still playing


def test_stereo_music_gives_a_stereo_mix_at_its_rate(speech_wav: Path, write_tone: Callable[..., Path],
                                                     tmp_path: Path) -> None:
    music = write_tone(tmp_path / "stereo.wav", seconds=4.0, freq=70.0, sr=32000, channels=2)
    result = mix(speech_wav, music, tmp_path / "mix.mp3", intro_s=1.0, outro_s=1.0)
    info = probe(result.path)
    assert (info.channels, info.sample_rate, info.codec) == (2, 32000, "mp3")
    assert (result.channels, result.sample_rate) == (2, 32000)
    assert result.integrated_lufs == pytest.approx(-16.0, abs=1.0)
    assert result.true_peak_db <= -1.0


@pytest.mark.parametrize("suffix", [".ogg", ".m4a"])
def test_lossy_formats_are_measured_after_encoding(speech_wav: Path, tmp_path: Path, suffix: str) -> None:
    result = mix(speech_wav, BED, tmp_path / f"mix{suffix}", intro_s=1.0, outro_s=1.0, target_lufs=-14.0,
                 true_peak_db=-2.0)
    assert loudness(result.path) == (result.integrated_lufs, result.true_peak_db)
    assert result.integrated_lufs == pytest.approx(-14.0, abs=1.0)
    assert result.true_peak_db <= -2.0


@pytest.mark.parametrize("options", [{"duck_db": 0.0}, {"voice_band_duck_db": 0.0}, {"intro_s": 0.0, "fade_s": 0.0}])
def test_ducking_and_padding_can_be_turned_off(speech_wav: Path, tmp_path: Path, options: dict[str, float]) -> None:
    result = mix(speech_wav, BED, tmp_path / "mix.wav", **options)
    assert result.integrated_lufs == pytest.approx(-16.0, abs=1.0)
    assert result.true_peak_db <= -1.0


def test_no_shell_and_no_caller_text_in_filter_graphs(speech_wav: Path, tmp_path: Path, spawns: list) -> None:
    odd = tmp_path / "voice;amovie=x [out]'.wav"
    odd.write_bytes(speech_wav.read_bytes())
    mix(odd, BED, tmp_path / "mix,1=2.wav", intro_s=1.0, outro_s=1.0)
    assert spawns
    for spawn in spawns:
        assert Path(spawn.executable).name in ("ffmpeg", "ffprobe"), spawn
        assert spawn.args[1] in ("-nostdin", "-hide_banner")
        graphs = [spawn.args[i + 1] for i, a in enumerate(spawn.args) if a in ("-filter_complex", "-af")]
        for graph in graphs:
            assert "amovie" not in graph and "voice" not in graph and "mix," not in graph, graph


@pytest.mark.parametrize(
    "bad",
    [
        {"intro_s": math.nan},
        {"intro_s": 1e9},
        {"intro_s": -1.0},
        {"outro_s": math.inf},
        {"outro_s": 60.5},
        {"fade_s": -0.5},
        {"duck_db": -3.0},
        {"duck_db": 41.0},
        {"voice_band_duck_db": 25.0},
        {"music_gain_db": 20.0},
        {"target_lufs": 0.0},
        {"true_peak_db": 1.0},
        {"sample_rate": 44100.5},
        {"sample_rate": 100},
        {"intro_s": "3"},
        {"duck_db": True},
    ],
)
def test_nonsense_numbers_are_refused_before_any_work(speech_wav: Path, tmp_path: Path,
                                                      bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        mix(speech_wav, BED, tmp_path / "mix.wav", **bad)
    with pytest.raises(InvalidInputError):
        MixOptions(**bad)  # type: ignore[arg-type]
    assert not (tmp_path / "mix.wav").exists()


def test_fades_longer_than_the_mix_are_refused(speech_wav: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="fade_s"):
        mix(speech_wav, BED, tmp_path / "mix.wav", intro_s=0.0, outro_s=0.0, fade_s=25.0)


def test_an_existing_output_is_kept_unless_overwrite(speech_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "mix.wav"
    out.write_bytes(b"precious")
    with pytest.raises(OutputExistsError):
        mix(speech_wav, BED, out)
    assert out.read_bytes() == b"precious"
    result = mix(speech_wav, BED, out, overwrite=True)
    assert probe(result.path).duration > 5.0
    assert [p.name for p in tmp_path.iterdir()] == ["mix.wav"]  # no partial file left behind


def test_unknown_output_format_is_refused(speech_wav: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="suffix"):
        mix(speech_wav, BED, tmp_path / "mix.xyz")
    with pytest.raises(PathNotAllowedError):
        check_output_path("http://example.com/mix.wav")


def test_missing_corrupt_and_silent_inputs_get_typed_errors(speech_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "mix.wav"
    with pytest.raises(InvalidInputError, match="No such file"):
        mix(tmp_path / "missing.wav", BED, out)
    with pytest.raises(InvalidInputError, match="No such file"):
        mix(speech_wav, tmp_path / "missing.flac", out)
    corrupt = tmp_path / "corrupt.flac"
    corrupt.write_bytes(os.urandom(4096))
    with pytest.raises(InvalidAudioError):
        mix(speech_wav, corrupt, out)
    silent = save_audio(np.zeros(16000 * 3, dtype=np.float32), 16000, tmp_path / "silent.wav")
    with pytest.raises(InvalidAudioError, match="silent"):
        mix(speech_wav, silent, out)
    with pytest.raises(InvalidAudioError, match="silent"):
        mix(silent, BED, out)
    with pytest.raises(PathNotAllowedError):
        mix("concat:a.wav|b.wav", BED, out)  # type: ignore[arg-type]
    assert not out.exists()


def test_a_mix_over_the_duration_cap_is_refused(speech_wav: Path, tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path, max_duration_s=8.0)
    with pytest.raises(InputTooLargeError, match="AUDIO_TOOLS_MAX_DURATION_S"):
        mix_speech_over_music(speech_wav, BED, tmp_path / "mix.wav", intro_s=5.0, settings=settings)
