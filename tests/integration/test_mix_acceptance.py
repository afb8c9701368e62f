"""The story mix's acceptance: a flite and a festival voice over the loud bass-only bed, default parameters.

Five figures are measured on the mix of a 3 s intro + about 40 s of speech + outro and
recorded as test properties (``--junitxml`` keeps them; ``-s`` prints them):

- integrated loudness -16 ± 1 LUFS and true peak ≤ -1 dBTP;
- the bed audible in the intro (≥ -28 LUFS) and ducked 8–20 dB under the voice, read below
  100 Hz, where the bed lives and the voice barely reaches;
- pocketsphinx's word error rate on the mix at most 0.05 above that on the clean voice
  (a plain whole-file decode at 16 kHz).

A story is also made end to end with the offline backends (flite, synth).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers.scoring import band_rms_db, wer

from audio_tools.audio import load_audio
from audio_tools.config import Settings
from audio_tools.metrics import loudness
from audio_tools.mix import MixResult, mix_speech_over_music
from audio_tools.story import synthesize_story
from audio_tools.tts import synthesize_speech

BED = Path(__file__).parents[1] / "fixtures" / "music_bed_-14lufs.flac"
# flite's Scottish male voice (16 kHz) and festival's HTS female voice (22.05 kHz).
VOICES = ["flite:awb", "festival:slt"]
STORY = (
    "Once upon a time there was a small village by the sea. Every morning the fishermen took their boats out "
    "before the sun came up. A young girl named Anna watched them from the hill behind her house. One day she "
    "found an old map hidden under a loose stone in the garden. The map showed an island that nobody in the "
    "village had ever seen. Anna showed the map to her grandfather, who had been a sailor for forty years. He "
    "looked at it for a long time and then he smiled. We will need a good boat, he said, and enough bread and "
    "water for three days. They left the next morning when the sea was calm and the sky was clear."
)
INTRO_S = 3.0


def recognise(path: Path) -> str:
    """What pocketsphinx's bundled US English model hears in the whole file, decoded at once."""
    from pocketsphinx import Decoder

    pcm = (np.clip(load_audio(path, 16000), -1.0, 1.0) * 32767).astype(np.int16).tobytes()
    decoder = Decoder(samprate=16000)
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    return decoder.hyp().hypstr if decoder.hyp() is not None else ""


@pytest.fixture(scope="module", params=VOICES)
def clean_voice(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voice") / "story.wav"
    return synthesize_speech(STORY, backend=request.param, path=path).path


@pytest.fixture(scope="module")
def story_mix(clean_voice: Path, tmp_path_factory: pytest.TempPathFactory) -> MixResult:
    out = tmp_path_factory.mktemp("mix") / "story.wav"
    return mix_speech_over_music(clean_voice, BED, out, intro_s=INTRO_S)


def test_the_bed_fixture_is_loud_and_bass_only() -> None:
    lufs, _ = loudness(BED)
    assert lufs == pytest.approx(-14.0, abs=0.1)
    full = band_rms_db(BED, 0.0, 30.0, lowpass_hz=20000)
    # Its notes are all under 100 Hz: a 200 Hz low-pass (which barely touches them) keeps it all.
    assert band_rms_db(BED, 0.0, 30.0, lowpass_hz=200) == pytest.approx(full, abs=0.5)


@pytest.mark.slow
def test_story_mix_meets_the_acceptance_figures(
    story_mix: MixResult, clean_voice: Path, record_property: Callable[[str, object], None]
) -> None:
    lufs, peak = loudness(story_mix.path)
    intro_lufs, _ = loudness(story_mix.path, 0.0, INTRO_S)
    # The bed after its fade-in, against the bed under the voice (a second in, to its last second).
    intro_bass = band_rms_db(story_mix.path, 1.5, INTRO_S - 1.5)
    under_bass = band_rms_db(story_mix.path, INTRO_S + 1.0, story_mix.speech_end_s - INTRO_S - 2.0)
    clean_wer = wer(STORY, recognise(clean_voice))
    mix_wer = wer(STORY, recognise(story_mix.path))
    figures = {
        "integrated_lufs": lufs,
        "true_peak_dbtp": peak,
        "intro_music_lufs": intro_lufs,
        "duck_db": round(intro_bass - under_bass, 2),
        "wer_clean": round(clean_wer, 3),
        "wer_mix": round(mix_wer, 3),
    }
    for name, value in figures.items():
        record_property(name, value)
    print(f"\nstory mix acceptance figures: {figures}")
    assert lufs == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0
    assert intro_lufs >= -28.0
    assert 8.0 <= intro_bass - under_bass <= 20.0
    assert mix_wer <= clean_wer + 0.05


@pytest.mark.slow
def test_story_end_to_end_with_offline_backends(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "story.mp3"
    story = synthesize_story(
        "The fox ran through the snow. The moon was bright and the night was quiet.",
        "calm piano and soft strings, slow", tts="flite:slt", music="synth", seed=11, out=out, settings=settings,
    )
    assert story.path == out
    assert (story.tts_backend, story.voice, story.music_backend, story.seed) == ("flite", "slt", "synth", 11)
    assert story.music_s == pytest.approx(story.duration_s, abs=0.01)  # one piece of music, not looped
    assert story.duration_s == pytest.approx(3.0 + story.speech_s + 3.0, abs=0.01)
    lufs, peak = loudness(out)
    assert lufs == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0
    assert loudness(out, 0.0, 3.0)[0] >= -28.0


def test_story_loops_music_when_the_cap_is_shorter(settings: Settings, tmp_path: Path) -> None:
    capped = settings.with_(max_music_s=4.0)
    story = synthesize_story("A short tale of a cat and a hat.", "happy ukulele, fast", tts="flite",
                             music="synth", seed=1, out=tmp_path / "story.wav", settings=capped)
    assert story.music_s == pytest.approx(4.0)
    assert story.duration_s > story.music_s + 2.0
    assert loudness(story.path, story.duration_s - 2.5, 1.0)[0] > -40.0  # the looped bed plays the outro
