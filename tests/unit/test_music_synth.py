"""The offline ``synth`` music backend: prompt words, determinism, exact length, level, streaming."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio_tools.audio import save_audio
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.metrics import loudness
from audio_tools.music import MUSIC_BACKENDS
from audio_tools.music.synth import PEAK_CEILING, SynthBackend, _convolve, soft_limit
from audio_tools.music.synth_arrange import Arranger
from audio_tools.music.synth_plan import HARMONIC_MINOR, MAJOR, NATURAL_MINOR, plan_music

SR = 32000


@pytest.fixture(scope="module")
def synth() -> SynthBackend:
    return SynthBackend()


@pytest.mark.parametrize(
    ("prompt", "mood", "scale", "bpm"),
    [
        ("Happy upbeat tune", "happy", MAJOR, 128.0),
        ("a sad, melancholic piano piece", "sad", NATURAL_MINOR, 70.0),
        ("calm ambient background", "calm", MAJOR, 76.0),
        ("EPIC cinematic trailer at 90 bpm", "epic", NATURAL_MINOR, 90.0),
        ("dark and ominous, slow", "dark", HARMONIC_MINOR, 64.0),
        ("something for a story", "neutral", MAJOR, 100.0),
        ("happy but mostly sad, sad, sad", "sad", NATURAL_MINOR, 70.0),
        ("fast at 400 bpm", "neutral", MAJOR, 200.0),
    ],
)
def test_prompt_words_choose_mood_mode_and_tempo(prompt: str, mood: str, scale: tuple[int, ...], bpm: float) -> None:
    plan = plan_music(prompt, seed=1)
    assert (plan.mood, plan.scale, plan.bpm) == (mood, scale, bpm)


def test_instrument_words_replace_the_band_and_negations_remove() -> None:
    assert plan_music("calm piano and strings", 1).band == ("piano", "strings")
    assert "drums" in plan_music("happy", 1).band
    assert "drums" not in plan_music("happy, no drums", 1).band
    assert plan_music("violin, cello and a glockenspiel", 1).band == ("strings", "bells")
    assert plan_music("background, no pad", 1).band == ("piano", "bass", "drums")
    assert plan_music("sad, without piano, just strings and bass", 1).band == ("strings", "bass")
    assert plan_music("calm, no pad, no piano, no bass", 1).band == ("strings",)  # something must play


def test_chords_follow_the_mode() -> None:
    plan = plan_music("sad", seed=4)
    for bar in range(4):
        root, third, fifth = plan.chord(bar)
        assert {third - root, fifth - root} <= {3, 4, 6, 7, 8}  # triads built from the scale
        assert all(s % 12 in plan.scale for s in (root, third, fifth))


def test_same_seed_same_music_other_seed_or_prompt_differs(synth: SynthBackend) -> None:
    a = synth.generate("calm piano, slow", 6.0, seed=11)
    assert np.array_equal(a, synth.generate("calm piano, slow", 6.0, seed=11))
    assert not np.allclose(a, synth.generate("calm piano, slow", 6.0, seed=12))
    assert not np.allclose(a, synth.generate("happy guitar and drums, fast", 6.0, seed=11))


@pytest.mark.parametrize("seconds", [0.01, 1.0, 2.345678, 7.5])
def test_length_is_exact_and_samples_float32(synth: SynthBackend, seconds: float) -> None:
    samples = synth.generate("epic strings and drums", seconds, seed=2)
    assert samples.dtype == np.float32 and samples.shape == (round(seconds * SR),)


def test_44100_option() -> None:
    backend = MUSIC_BACKENDS.get("synth:44100", Settings())
    assert (backend.name, backend.sample_rate) == ("synth:44100", 44100)
    assert len(backend.generate("bells", 1.5, seed=1)) == 66150
    with pytest.raises(InvalidInputError, match="synth:44100"):
        MUSIC_BACKENDS.get("synth:48000", Settings())


@pytest.mark.parametrize(
    "prompt",
    ["happy upbeat guitar and drums", "sad piano", "epic cinematic orchestra with drums", "dark ominous",
     "romantic flute and strings", "fast 150 bpm organ, bells, bass and drums", "calm pad"],
)
def test_loudness_is_sane_and_peaks_stay_under_minus_1_dbfs(
    synth: SynthBackend, prompt: str, tmp_path: Path, settings: Settings
) -> None:
    samples = synth.generate(prompt, 12.0, seed=5)
    assert 20 * np.log10(np.max(np.abs(samples))) <= -1.0
    lufs, _true_peak = loudness(save_audio(samples, SR, tmp_path / "m.wav", settings=settings), settings=settings)
    assert -24.0 <= lufs <= -12.0


def test_every_part_sounds_and_the_end_fades_out(synth: SynthBackend) -> None:
    samples = synth.generate("happy piano, bass and drums", 20.0, seed=3)
    rms = np.sqrt(np.mean(samples.reshape(20, SR) ** 2, axis=1))
    assert np.all(rms[:17] > 0.02)  # no silent second before the fade-out
    assert abs(samples[-1]) < 1e-3 and abs(samples[0]) < 1e-3


def test_stream_yields_the_same_samples_in_bar_sized_blocks(synth: SynthBackend) -> None:
    blocks = list(synth.stream("sad piano", 10.0, seed=8))
    plan = plan_music("sad piano", 8)
    assert len(blocks) == int(np.ceil(10.0 / (4 * plan.beat_s)))
    assert max(len(b) for b in blocks) <= round(4 * plan.beat_s * SR) + 1
    np.testing.assert_array_equal(np.concatenate(blocks), synth.generate("sad piano", 10.0, seed=8))


def test_progress_reports_seconds_up_to_the_total(synth: SynthBackend) -> None:
    seen: list[tuple[float, float]] = []
    synth.generate("calm", 9.0, seed=1, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (9.0, 9.0) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_block_convolution_equals_whole_convolution() -> None:
    rng = np.random.default_rng(1)
    signal, ir = rng.standard_normal(5000), rng.standard_normal(700)
    tail = np.zeros(len(ir) - 1)
    parts = []
    for start in range(0, 5000, 1300):
        block, tail = _convolve(signal[start : start + 1300], ir, tail)
        parts.append(block)
    np.testing.assert_allclose(np.concatenate(parts), np.convolve(signal, ir)[:5000], atol=1e-9)


def test_soft_limit_is_transparent_below_threshold_and_bounded_above() -> None:
    x = np.linspace(-5.0, 5.0, 10001)
    y = soft_limit(x)
    quiet = np.abs(x) <= 0.5
    np.testing.assert_array_equal(y[quiet], x[quiet])
    assert np.max(np.abs(y)) < PEAK_CEILING < 10 ** (-1 / 20)
    assert np.all(np.diff(y) >= 0)  # monotonic: no folding


def test_arranger_events_fall_in_their_bar() -> None:
    plan = plan_music("happy guitar, piano, bass, drums and flute", 3)
    arranger = Arranger(plan, 3)
    bar_s = 4 * plan.beat_s
    for bar in range(8):
        events = arranger.bar(bar)
        assert {e.instrument for e in events} >= {"guitar", "piano", "bass", "kick", "snare", "hat"}
        assert all(bar * bar_s <= e.time_s < (bar + 1) * bar_s for e in events)
        assert all(0.0 < e.velocity <= 1.05 for e in events)


@pytest.mark.parametrize("prompt", ["calm piano, slow", "happy guitar", "dark pad", "romantic flute and strings"])
def test_the_music_is_in_its_key(synth: SynthBackend, prompt: str) -> None:
    samples = synth.generate(prompt, 8.0, seed=2).astype(np.float64)
    plan = plan_music(prompt, 2)
    power = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freq = np.fft.rfftfreq(len(samples), 1 / SR)
    band = (freq > 60) & (freq < 2000)
    pitch_class = np.round(69 + 12 * np.log2(freq[band] / 440)).astype(int) % 12
    energy = np.bincount(pitch_class, weights=power[band], minlength=12)
    in_scale = [(plan.tonic + step) % 12 for step in plan.scale]
    assert energy[in_scale].sum() / energy.sum() > 0.9
