from collections.abc import Callable
from pathlib import Path

import pytest

from audio_tools.audio import extract, probe
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError, OutputExistsError


@pytest.fixture
def three_seconds(tmp_path: Path, write_tone: Callable[..., Path]) -> Path:
    return write_tone(tmp_path / "a.wav", seconds=3.0)


def test_a_range_is_cut_into_a_new_file_and_never_over_an_existing_one(
        three_seconds: Path, tmp_path: Path, settings: Settings) -> None:
    out = extract(three_seconds, tmp_path / "cut.flac", 1.0, 2.5, settings=settings)
    assert probe(out, settings=settings).duration == pytest.approx(1.5, abs=0.05)
    with pytest.raises(OutputExistsError):
        extract(three_seconds, out, 0.0, 1.0, settings=settings)
    assert probe(out, settings=settings).duration == pytest.approx(1.5, abs=0.05)


def test_a_range_past_the_end_is_clamped(three_seconds: Path, tmp_path: Path, settings: Settings) -> None:
    out = extract(three_seconds, tmp_path / "end.wav", 2.0, 99.0, settings=settings)
    assert probe(out, settings=settings).duration == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(("start", "end"), [(2.0, 1.0), (5.0, 6.0), (float("nan"), 1.0), (-1.0, 1.0), (0.0, "2")])
def test_empty_or_invalid_ranges_are_refused_and_write_nothing(
        three_seconds: Path, tmp_path: Path, settings: Settings, start: float, end: float) -> None:
    with pytest.raises(InvalidInputError):
        extract(three_seconds, tmp_path / "bad.wav", start, end, settings=settings)
    assert not (tmp_path / "bad.wav").exists()
