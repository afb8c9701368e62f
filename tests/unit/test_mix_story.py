"""``synthesize_story``'s checks, all made before any speech or music is generated."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError, OutputExistsError
from audio_tools.story import synthesize_story


@pytest.mark.parametrize(
    "bad",
    [
        {"music_prompt": "   "},
        {"duration_s": math.nan},
        {"duration_s": 0.0},
        {"duration_s": 10_000.0},
        {"intro_s": -1.0},
        {"duck_db": math.inf},
        {"format": "xyz"},
    ],
)
def test_bad_arguments_are_refused_first(settings: Settings, bad: dict[str, object]) -> None:
    arguments: dict[str, object] = {"music_prompt": "calm piano", "tts": "no-such-backend", "settings": settings}
    arguments.update(bad)
    with pytest.raises(InvalidInputError) as caught:
        synthesize_story("Hello there.", **arguments)  # type: ignore[arg-type]
    assert "no-such-backend" not in str(caught.value)  # refused before the backend was looked up


def test_an_existing_output_is_refused_before_synthesis(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "story.wav"
    out.write_bytes(b"keep")
    with pytest.raises(OutputExistsError):
        synthesize_story("Hello there.", "calm piano", tts="no-such-backend", out=out, settings=settings)
    assert out.read_bytes() == b"keep"


def test_default_output_goes_to_the_workspace(settings: Settings) -> None:
    story = synthesize_story("Hello there, friend.", "calm piano", tts="flite", music="synth", seed=2,
                             intro_s=1.0, outro_s=1.0, format="flac", settings=settings)
    assert story.path.parent == settings.workspace / "outputs"
    assert story.path.name.startswith("story-") and story.path.suffix == ".flac"
