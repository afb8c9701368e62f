"""Speaker labels on real audio with the real encoder: the dev meetings, one voice, given counts, a transcript.

The dev meetings (``examples/meetings``, three voices each) carry their true turns in
``truth.json``; the other cases are rendered with the project's offline TTS
(:mod:`helpers.speaker_cases`), or are real LibriVox speech from Debian's
``pocketsphinx-testdata`` (installed by the setup script).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from helpers.diarization import der, turn_accuracy, turns_of
from helpers.speaker_cases import conversation, render, with_noise

from audio_tools.audio import load_audio, save_audio
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.speakers import SpeakerTurn, diarize, label_speakers, speaker_count
from audio_tools.transcript import Segment, Transcript, Word, split_at_pauses

MEETINGS = Path(__file__).parents[2] / "examples" / "meetings"
TRUTH = json.loads((MEETINGS / "truth.json").read_text())
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
HELD_OUT_VOICE = "flite:kal16"  # not a voice of the dev meetings


@pytest.fixture(scope="module")
def dev_turns() -> dict[str, list[SpeakerTurn]]:
    return {name: diarize(MEETINGS / f"{name}.flac", settings=Settings()) for name in TRUTH}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_dev_meetings_count_and_turns(dev_turns: dict[str, list[SpeakerTurn]], name: str) -> None:
    truth = turns_of(TRUTH[name]["turns"])
    found = turns_of(dev_turns[name])
    assert speaker_count(dev_turns[name]) == len({t[2] for t in truth}) == 3
    assert turn_accuracy(truth, found) >= 0.95
    assert der(truth, found, collar=0.25).rate <= 0.05


def test_turns_are_ordered_named_by_first_appearance_and_apart(dev_turns: dict[str, list[SpeakerTurn]]) -> None:
    for turns in dev_turns.values():
        assert turns[0].speaker == "S1"
        names = list(dict.fromkeys(t.speaker for t in turns))
        assert names == [f"S{i}" for i in range(1, len(names) + 1)]
        for before, after in itertools.pairwise(turns):
            assert before.start < before.end <= after.start


def test_one_voice_is_not_split() -> None:
    samples, _truth = render(conversation([HELD_OUT_VOICE], 8))
    assert speaker_count(diarize(samples)) == 1


@pytest.mark.skipif(not LIBRIVOX.is_dir(), reason="pocketsphinx-testdata is not installed")
def test_one_real_reader_is_not_split() -> None:
    clips = [load_audio(path) for path in sorted(LIBRIVOX.glob("*.wav"))]
    gap = np.zeros(9600, dtype=np.float32)
    samples = np.concatenate([piece for clip in clips for piece in (clip, gap)])
    assert speaker_count(diarize(samples)) == 1


@pytest.mark.parametrize(("gap_s", "snr_db", "given"), [(0.0, None, None), (0.6, 15.0, 3)],
                         ids=["turns-without-pauses", "white-noise-15dB-count-given"])
def test_harder_conversations(gap_s: float, snr_db: float | None, given: int | None) -> None:
    samples, truth = render(conversation(["flite:kal16", "flite:slt", "espeak:en-us"], 9, seed=6), gap_s)
    if snr_db is not None:
        samples = with_noise(samples, snr_db)
    found = diarize(samples, num_speakers=given)
    assert speaker_count(found) == 3
    assert turn_accuracy(truth, turns_of(found)) >= 0.95


@pytest.mark.skipif(not LIBRIVOX.is_dir(), reason="pocketsphinx-testdata is not installed")
def test_two_real_speakers() -> None:
    """The LibriVox reader and the speaker of pocketsphinx's ``cards`` recordings, taking turns."""
    reader = [load_audio(path) for path in sorted(LIBRIVOX.glob("*.wav"))]
    cards = [load_audio(path) for path in sorted(LIBRIVOX.parent.glob("cards/*.wav"))]
    gap = np.zeros(9600, dtype=np.float32)
    pieces, truth, at = [], [], 0.0
    for speaker, clip in [pair for both in zip(reader, cards, strict=False)
                          for pair in (("L", both[0]), ("C", both[1]))]:
        truth.append((at, at + clip.size / 16000, speaker))
        pieces += [clip, gap]
        at += (clip.size + gap.size) / 16000
    found = diarize(np.concatenate(pieces))
    assert speaker_count(found) == 2
    assert turn_accuracy(truth, turns_of(found)) == 1.0


def test_speaker_count_given(dev_turns: dict[str, list[SpeakerTurn]]) -> None:
    path = MEETINGS / "support_weekly.flac"
    assert speaker_count(diarize(path, num_speakers=2)) == 2
    assert speaker_count(diarize(path, max_speakers=2)) == 2
    assert speaker_count(diarize(path, min_speakers=3, max_speakers=4)) == 3
    four = diarize(path, num_speakers=4)
    assert speaker_count(four) in (3, 4)  # a fourth group may be smoothed away
    truth = turns_of(TRUTH["support_weekly"]["turns"])
    assert turn_accuracy(truth, turns_of(four)) >= 0.75


def test_bad_counts_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="num_speakers"):
        diarize(np.zeros(16000, dtype=np.float32), num_speakers=0)


def test_silence_has_no_turns() -> None:
    assert diarize(np.zeros(3 * 16000, dtype=np.float32)) == []


def test_a_file_from_the_workspace(tmp_path: Path) -> None:
    samples, _ = render(conversation(["flite:kal16", "flite:slt"], 4, seed=1))
    path = save_audio(samples, 16000, tmp_path / "two.flac")
    assert speaker_count(diarize(path, settings=Settings(workspace=tmp_path))) == 2


def test_label_speakers_on_a_transcript() -> None:
    """A transcript whose words follow the true turns (one segment spanning two turns) gets their speakers."""
    meeting = TRUTH["design_review"]
    words = []
    for turn in meeting["turns"]:
        texts = turn["text"].split()
        step = (turn["end"] - turn["start"]) / len(texts)
        words += [Word(turn["start"] + i * step, turn["start"] + (i + 0.8) * step, t) for i, t in enumerate(texts)]
    segments = split_at_pauses(words, pause_s=1.0)  # turns 0.6 s apart: all in one segment
    transcript = Transcript(source="design_review.flac", language="en", duration_s=meeting["duration"],
                            backend="test", model=None, segments=segments)
    assert len(transcript.segments) == 1
    labelled = label_speakers(transcript, MEETINGS / "design_review.flac")
    assert [s.text for s in labelled.segments] == [t["text"] for t in meeting["turns"]]
    letters = {t["speaker"]: s.speaker for s, t in zip(labelled.segments, meeting["turns"], strict=True)}
    assert sorted(letters.values()) == ["S1", "S2", "S3"]
    assert [s.speaker for s in labelled.segments] == [letters[t["speaker"]] for t in meeting["turns"]]
    assert [s.id for s in labelled.segments] == list(range(len(meeting["turns"])))
    assert all(isinstance(s, Segment) and s.words for s in labelled.segments)


@pytest.mark.parametrize("threshold", [0.0, -0.1, 2.0, float("nan")])
def test_bad_thresholds_are_refused(threshold: float) -> None:
    with pytest.raises(InvalidInputError, match="threshold"):
        diarize(np.zeros(16000, dtype=np.float32), threshold=threshold)
