"""The equal-power crossfade that joins MusicGen windows, checked numerically."""

from __future__ import annotations

import numpy as np
import pytest

from audio_tools.errors import InvalidInputError
from audio_tools.music.crossfade import (
    correlation,
    equal_power_crossfade,
    equal_power_gains,
    join_with_crossfade,
)

SR = 8000


def tone(seconds: float, freq: float, phase: float = 0.0) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(round(seconds * SR)) / SR + phase)


def max_step(x: np.ndarray) -> float:
    return float(np.max(np.abs(np.diff(x))))


def test_gains_keep_power_constant_and_run_from_one_to_zero() -> None:
    fade_out, fade_in = equal_power_gains(257)
    np.testing.assert_allclose(fade_out**2 + fade_in**2, 1.0, atol=1e-12)
    assert (fade_out[0], fade_in[0]) == (1.0, 0.0)
    assert fade_out[-1] == pytest.approx(0.0, abs=1e-12) and fade_in[-1] == pytest.approx(1.0)
    assert np.all(np.diff(fade_out) < 0) and np.all(np.diff(fade_in) > 0)
    # the gain curves themselves have no jump: each step is at most (π/2)/(n-1)
    assert max_step(fade_in) <= np.pi / 2 / 256 + 1e-12


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.8, 1.0])
def test_gains_keep_power_constant_for_correlated_signals(rho: float) -> None:
    fade_out, fade_in = equal_power_gains(101, rho)
    np.testing.assert_allclose(fade_out**2 + fade_in**2 + 2 * rho * fade_out * fade_in, 1.0, atol=1e-12)
    assert (fade_out[0], fade_in[0]) == (1.0, 0.0) and fade_in[-1] == pytest.approx(1.0)
    if rho == 1.0:  # identical signals: an equal-gain fade
        np.testing.assert_allclose(fade_out + fade_in, 1.0, atol=1e-12)


def test_alike_signals_do_not_swell_through_the_fade() -> None:
    rng = np.random.default_rng(2)
    music = tone(0.5, 330.0) + 0.3 * rng.standard_normal(4000)
    assert correlation(music, music) == pytest.approx(1.0)
    np.testing.assert_allclose(equal_power_crossfade(music, music), music, atol=1e-9)
    # a slightly different rendering of the same music (as MusicGen's re-decoded context is)
    again = music + 0.2 * rng.standard_normal(4000)
    mixed = equal_power_crossfade(music, again)
    middle = slice(1500, 2500)
    power = np.mean(mixed[middle] ** 2) / np.mean(0.5 * (music[middle] ** 2 + again[middle] ** 2))
    assert 10 * np.log10(power) == pytest.approx(0.0, abs=0.3)  # plain sin/cos gains would add ~2.6 dB here


def test_uncorrelated_noise_keeps_its_level_through_the_fade() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 200, 4000))
    mixed = equal_power_crossfade(a, b)
    # mean power over many trials stays 1 at every position of the fade (within sampling noise)
    np.testing.assert_allclose(np.mean(mixed**2, axis=0).reshape(40, 100).mean(axis=1), 1.0, atol=0.05)


def test_join_is_continuous_where_a_hard_cut_clicks() -> None:
    overlap = SR // 4
    audio = tone(1.0, 220.0, phase=np.pi / 2)  # ends on a crest
    # the continuation stands for the last quarter second again, but out of phase: a hard cut jumps
    continuation = tone(1.25, 220.0, phase=-np.pi / 2) * 0.8
    hard_cut = np.concatenate([audio, continuation[overlap:]])
    joined = join_with_crossfade(audio, continuation, overlap)

    natural = max(max_step(audio), max_step(continuation))
    assert len(joined) == len(audio) + len(continuation) - overlap
    assert max_step(hard_cut[len(audio) - 5 : len(audio) + 5]) > 5 * natural
    assert max_step(joined) <= natural * 1.01
    # before and after the overlap the parts are untouched
    np.testing.assert_array_equal(joined[: len(audio) - overlap], audio[: len(audio) - overlap])
    np.testing.assert_array_equal(joined[len(audio) :], continuation[overlap:])
    # and at its two ends the fade equals the outgoing, then the incoming audio
    assert joined[len(audio) - overlap] == audio[len(audio) - overlap]
    assert joined[len(audio) - 1] == pytest.approx(continuation[overlap - 1])


def test_join_works_per_channel() -> None:
    audio = np.stack([tone(0.5, 300.0), tone(0.5, 450.0)])
    continuation = np.stack([tone(0.5, 300.0, 1.0), tone(0.5, 450.0, 2.0)])
    joined = join_with_crossfade(audio, continuation, 400)
    assert joined.shape == (2, 2 * 4000 - 400)
    np.testing.assert_allclose(joined[1], join_with_crossfade(audio[1], continuation[1], 400))


def test_bad_overlaps_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="longer than the audio"):
        join_with_crossfade(np.zeros(10), np.zeros(100), 20)
    with pytest.raises(InvalidInputError, match="at least 2"):
        equal_power_gains(1)
    with pytest.raises(InvalidInputError, match="differ in shape"):
        equal_power_crossfade(np.zeros(4), np.zeros(5))
