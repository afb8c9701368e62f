"""Evaluation meters for tests and benchmarks: word error rate, segments inside true turns, a bass-band level.

:func:`normalise_words` and :func:`wer` are the acceptance criteria's definitions: numbers
are spelled out first (``"20 users"`` scores like ``"twenty users"``, ``"March 20th"`` like
``"March twentieth"``, and ``"$300"``, ``"15%"``, ``"3.5"`` like their spoken forms), then
the words are the lower-case runs of letters, digits and apostrophes. The word error rate is
the Levenshtein distance over words divided by the reference length.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from audio_tools.ffmpeg import input_args, run_ffmpeg
from audio_tools.numbers import filter_number
from audio_tools.transcript import Segment

__all__ = ["band_rms_db", "normalise_words", "segments_within_turns", "spell_numbers", "wer"]

FFMPEG_TIMEOUT_S = 120.0
_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((10**6, "million"), (1000, "thousand"), (100, "hundred"))
_SPELLED_DIGITS_FROM = 10**9  # from a billion on, numbers are read digit by digit
_IRREGULAR_ORDINALS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                       "nine": "ninth", "twelve": "twelfth"}
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}\b)")
_DOLLARS = re.compile(r"\$(\d+)")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b")
_DECIMAL = re.compile(r"(\d+)\.(\d+)")
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[a-z0-9']+")
_RMS_LEVEL = re.compile(r"RMS level dB:\s+(-?[\d.]+|-inf)")


def spell_numbers(text: str) -> str:
    """``text`` with its numbers, amounts, percentages, ordinals and decimals in words."""
    text = _THOUSANDS_COMMA.sub("", text)
    text = _DOLLARS.sub(r"\1 dollars", text).replace("%", " percent")
    text = _ORDINAL.sub(lambda m: _ordinal(int(m.group(1))), text)
    text = _DECIMAL.sub(lambda m: f"{_cardinal(int(m.group(1)))} point {_digits(m.group(2))}", text)
    return _NUMBER.sub(lambda m: f" {_cardinal(int(m.group(0)))} ", text)


def normalise_words(text: str) -> list[str]:
    """The words of ``text`` as the acceptance criteria count them (see the module docstring)."""
    return _WORD.findall(spell_numbers(text).lower())


def wer(ref: str, hyp: str) -> float:
    """Word error rate of ``hyp`` against ``ref`` (both normalised by :func:`normalise_words`).

    Returns:
        (substitutions + deletions + insertions) / number of reference words; the number of
        hypothesis words when the reference is empty.
    """
    r, h = normalise_words(ref), normalise_words(hyp)
    row = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(h) + 1):
            best = min(row[j] + 1, row[j - 1] + 1, diagonal + (r[i - 1] != h[j - 1]))
            diagonal, row[j] = row[j], best
    return row[len(h)] / max(1, len(r))


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


def band_rms_db(path: str | os.PathLike[str], start: float, dur: float, lowpass_hz: float = 100.0) -> float:
    """RMS level (dBFS) of the part of the signal below ``lowpass_hz`` in ``[start, start + dur]``.

    Two 2-pole low-pass filters in series isolate a bass-only music bed, which speech barely
    reaches, so its level can be read under a voice.
    """
    band = f"lowpass=f={filter_number(lowpass_hz, 3)}"
    args = ["-ss", filter_number(start), "-t", filter_number(dur), *input_args(os.fspath(path)), "-map", "0:a:0",
            "-af", f"{band},{band},astats=measure_overall=RMS_level:measure_perchannel=none", "-f", "null", "-"]
    stderr = run_ffmpeg(args, timeout=FFMPEG_TIMEOUT_S, loglevel="info").stderr.decode(errors="replace")
    return float(_RMS_LEVEL.findall(stderr)[-1])


def _cardinal(n: int) -> str:
    if n >= _SPELLED_DIGITS_FROM:
        return _digits(str(n))
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    size, name = next((size, name) for size, name in _SCALES if n >= size)
    count, rest = divmod(n, size)
    return f"{_cardinal(count)} {name}" + (f" {_cardinal(rest)}" if rest else "")


def _ordinal(n: int) -> str:
    *head, last = _cardinal(n).split()
    if last in _IRREGULAR_ORDINALS:
        last = _IRREGULAR_ORDINALS[last]
    else:
        last = last[:-1] + "ieth" if last.endswith("y") else last + "th"
    return " ".join([*head, last])


def _digits(digits: str) -> str:
    return " ".join(_ONES[int(d)] for d in digits)
