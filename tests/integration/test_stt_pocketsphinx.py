"""The pocketsphinx backend on the bundled dev meetings: accuracy, turn-aligned segments, silence."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.scoring import segments_within_turns, wer

from audio_tools.audio import AudioBlock, probe, save_audio
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError, OperationCancelledError
from audio_tools.stt import transcribe
from audio_tools.stt.base import STTRequest
from audio_tools.stt.pocketsphinx import MAX_BLOCK_S, MAX_UTTERANCE_S, PocketsphinxBackend, speech_blocks
from audio_tools.transcript import Transcript

MEETINGS = Path(__file__).parents[2] / "examples" / "meetings"
TRUTH = json.loads((MEETINGS / "truth.json").read_text())


@pytest.fixture(scope="module")
def progress() -> dict[str, list[tuple[float, float]]]:
    """The progress reports seen while :func:`transcripts` ran, by meeting."""
    return {name: [] for name in TRUTH}


@pytest.fixture(scope="module")
def transcripts(progress: dict[str, list[tuple[float, float]]]) -> dict[str, Transcript]:
    return {name: transcribe(MEETINGS / f"{name}.flac", backend="pocketsphinx", progress=_recorder(progress[name]))
            for name in TRUTH}


def test_word_error_rate_is_at_most_22_percent(transcripts: dict[str, Transcript]) -> None:
    reference = " ".join(turn["text"] for name in TRUTH for turn in TRUTH[name]["turns"])
    hypothesis = " ".join(transcripts[name].text for name in TRUTH)
    assert wer(reference, hypothesis) <= 0.22


def test_nine_in_ten_segments_lie_inside_one_turn(transcripts: dict[str, Transcript]) -> None:
    inside = sum(segments_within_turns(transcripts[n].segments, TRUTH[n]["turns"]) for n in TRUTH)
    total = sum(len(transcripts[n].segments) for n in TRUTH)
    assert total >= len(TRUTH)
    assert inside >= 0.9 * total


def test_times_are_ordered_inside_the_file_and_words_are_kept(transcripts: dict[str, Transcript]) -> None:
    for name, transcript in transcripts.items():
        assert transcript.duration_s == pytest.approx(TRUTH[name]["duration"], abs=0.05)
        assert (transcript.backend, transcript.language) == ("pocketsphinx", "en")
        words = [w for s in transcript.segments for w in s.words]
        assert [w.text for w in words] == transcript.text.split()
        previous = 0.0
        for word in words:
            assert previous <= word.start <= word.end <= transcript.duration_s
            assert 0.0 <= (word.confidence or 0.0) <= 1.0
            previous = word.end


def test_worker_processes_hear_the_same_words(transcripts: dict[str, Transcript]) -> None:
    backend = PocketsphinxBackend(workers=2, parallel_min_s=0.0)
    path = MEETINGS / "design_review.flac"
    try:
        parallel = backend.transcribe(probe(path), STTRequest(source=str(path), settings=Settings.from_env()))
    finally:
        backend.close()
    serial = transcripts["design_review"]
    assert [(w.text, w.start, w.end) for s in parallel.segments for w in s.words] == [
        (w.text, w.start, w.end) for s in serial.segments for w in s.words
    ]


def test_ten_seconds_of_silence_give_no_words(tmp_path: Path) -> None:
    path = save_audio(np.zeros(160_000, dtype=np.float32), 16000, tmp_path / "silence.wav")
    transcript = transcribe(path, backend="pocketsphinx")
    assert transcript.segments == []
    assert transcript.duration_s == pytest.approx(10.0)


def test_endless_speech_is_cut_into_bounded_blocks() -> None:
    """Loud noise, which the endpointer takes for speech that never pauses, is still cut."""
    noise = (np.random.default_rng(0).standard_normal(150 * 16000) * 0.1).astype(np.float32)
    blocks = list(speech_blocks(_as_stream(noise)))
    assert len(blocks) >= 3
    assert all(MAX_BLOCK_S < b.end - b.start <= MAX_UTTERANCE_S + 0.1 for b in blocks[:-1])
    assert all(a.end <= b.start for a, b in itertools.pairwise(blocks))


def test_other_languages_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="English only"):
        transcribe(MEETINGS / "design_review.flac", backend="pocketsphinx", language="de")


def test_a_set_cancel_event_stops_the_work() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(OperationCancelledError):
        transcribe(MEETINGS / "design_review.flac", backend="pocketsphinx", cancel=cancel)


def test_progress_reaches_the_duration(transcripts: dict[str, Transcript],
                                       progress: dict[str, list[tuple[float, float]]]) -> None:
    for name, seen in progress.items():
        duration = transcripts[name].duration_s
        assert len(seen) >= 2
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
        assert seen[-1] == (duration, duration)


def _recorder(seen: list[tuple[float, float]]) -> Callable[[float, float], None]:
    return lambda done, total: seen.append((done, total))


def _as_stream(samples: np.ndarray) -> Iterator[AudioBlock]:
    step = 30 * 16000
    for start in range(0, len(samples), step):
        yield AudioBlock(start / 16000, samples[start:start + step])
