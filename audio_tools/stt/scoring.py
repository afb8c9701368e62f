"""How well a transcript's segments line up with known speaker turns (for evaluations)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from audio_tools.transcript import Segment

__all__ = ["segments_within_turns"]


def segments_within_turns(segments: Sequence[Segment], turns: Iterable[dict[str, Any]],
                          tolerance_s: float = 1.0) -> int:
    """How many segments have their start and end both inside one turn (± ``tolerance_s``).

    Args:
        segments: transcript segments.
        turns: true turns, each with ``start`` and ``end`` in seconds (``truth.json``).
        tolerance_s: slack on both sides of each turn.

    Returns:
        The count, between 0 and ``len(segments)``.
    """
    spans = [(float(t["start"]) - tolerance_s, float(t["end"]) + tolerance_s) for t in turns]
    return sum(any(low <= s.start and s.end <= high for low, high in spans) for s in segments)
