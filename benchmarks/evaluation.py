"""The test suite's evaluation meters and test files (``tests/helpers/``), for the benchmark scripts.

The meters are not part of the library. A script run as ``python benchmarks/<script>.py`` has
``benchmarks/`` on ``sys.path``, so ``from evaluation import wer`` finds this module, which
puts ``tests/`` on the path and imports the helpers from there.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers.diarization import der, turn_accuracy, turns_of
from helpers.lying_audio import lying_flac
from helpers.retrieval_scoring import (
    answer_turn,
    first_citation_inside,
    score_hits,
    summarise_answers,
    summarise_search,
)
from helpers.scoring import segments_within_turns, wer
from helpers.speaker_cases import conversation, render, with_noise

__all__ = [
    "answer_turn",
    "conversation",
    "der",
    "first_citation_inside",
    "lying_flac",
    "render",
    "score_hits",
    "segments_within_turns",
    "summarise_answers",
    "summarise_search",
    "turn_accuracy",
    "turns_of",
    "wer",
    "with_noise",
]
