"""The evaluation meters of tests/helpers/scoring.py: the acceptance criteria's WER normaliser, turns, bass level."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.scoring import band_rms_db, normalise_words, segments_within_turns, wer

from audio_tools.transcript import Segment

# A copy of the acceptance criteria's normaliser and WER (the evaluation's reference script), kept
# verbatim in behaviour as the oracle the helper is checked against.
_R_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
           "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_R_TENS = ("_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_R_ORD = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
          "twelve": "twelfth"}


def _r_spell(n: int) -> str:
    if n < 20:
        return _R_ONES[n]
    if n < 100:
        return _R_TENS[n // 10] + ("" if n % 10 == 0 else " " + _R_ONES[n % 10])
    if n < 1000:
        return _R_ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + _r_spell(n % 100))
    if n < 10**6:
        return _r_spell(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + _r_spell(n % 1000))
    if n < 10**9:
        return _r_spell(n // 10**6) + " million" + ("" if n % 10**6 == 0 else " " + _r_spell(n % 10**6))
    return " ".join(_R_ONES[int(d)] for d in str(n))


def _r_ordinal(n: int) -> str:
    *head, last = _r_spell(n).split()
    last = _R_ORD.get(last) or (last[:-1] + "ieth" if last.endswith("y") else last + "th")
    return " ".join([*head, last])


def _r_spell_numbers(s: str) -> str:
    s = re.sub(r"(?<=\d),(?=\d{3}\b)", "", s)
    s = re.sub(r"\$(\d+)", r"\1 dollars", s).replace("%", " percent")
    s = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: _r_ordinal(int(m.group(1))), s)
    s = re.sub(r"(\d+)\.(\d+)",
               lambda m: _r_spell(int(m.group(1))) + " point " + " ".join(_R_ONES[int(d)] for d in m.group(2)), s)
    return re.sub(r"\d+", lambda m: " " + _r_spell(int(m.group(0))) + " ", s)


def _r_words(s: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", _r_spell_numbers(s).lower())


def _r_wer(ref: str, hyp: str) -> float:
    r, h = _r_words(ref), _r_words(hyp)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)] / max(1, len(r))


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("20 users", "twenty users"),
        ("March 20th", "march twentieth"),
        ("$300", "three hundred dollars"),
        ("15%", "fifteen percent"),
        ("3.14 metres", "three point one four metres"),
        ("1,000,000 people", "one million people"),
        ("21st, 22nd and 23rd", "twenty first twenty second and twenty third"),
        ("the 100th and 1000th", "the one hundredth and one thousandth"),
        ("9th 12th 5th 8th 3rd 90th", "ninth twelfth fifth eighth third ninetieth"),
        ("2.05%", "two point zero five percent"),
        ("$1,250.75", "one thousand two hundred fifty dollars seventy five"),
        ("1234567890", "one two three four five six seven eight nine zero"),  # a billion and up: digit by digit
        ("It's 4 O'Clock -- the END, isn't it?", "it's four o'clock the end isn't it"),
    ],
)
def test_numbers_score_like_their_spoken_forms(written: str, spoken: str) -> None:
    assert normalise_words(written) == spoken.split()
    assert wer(written, spoken) == 0.0


@pytest.mark.parametrize(
    ("text", "words"),
    [  # the reference's quirks, kept so that scores stay comparable
        ("$3.50 each", ["three", "dollars", "fifty", "each"]),
        ("1,0000", ["one", "zero"]),
        ("10,000th", ["ten", "zeroth"]),
        ("100 007", ["one", "hundred", "seven"]),
        ("1.2.3", ["one", "point", "two", "three"]),
    ],
)
def test_normaliser_quirks(text: str, words: list[str]) -> None:
    assert normalise_words(text) == words == _r_words(text)


@pytest.mark.parametrize(
    ("ref", "hyp", "expected"),
    [
        ("the cat sat", "the cat sat", 0.0),
        ("the cat sat", "The Cat, sat!", 0.0),
        ("the cat sat", "the bat sat", 1 / 3),  # substitution
        ("the cat sat", "the sat", 1 / 3),  # deletion
        ("the cat sat", "the cat sat down", 1 / 3),  # insertion
        ("the cat sat", "", 1.0),
        ("", "hello there", 2.0),  # an empty reference counts as one word
        ("a b c d", "b c d a", 0.5),
        ("it costs $300, up 15%", "it costs three hundred dollars up fifteen per cent", 0.25),
    ],
)
def test_wer_is_word_level_levenshtein_over_reference_length(ref: str, hyp: str, expected: float) -> None:
    assert wer(ref, hyp) == pytest.approx(expected)


_WORDS = ["the", "Users", "isn't", "O'Clock", "march", "point", "dollars", "percent", "twenty", "one", "—", "Ça"]
_SPOKEN = {"20": "twenty", "$300": "three hundred dollars", "15%": "fifteen percent", "20th": "twentieth"}


def _number(rng: random.Random) -> str:
    n = rng.choice([rng.randrange(20), rng.randrange(100), rng.randrange(10**4), rng.randrange(10**7),
                    rng.randrange(10**12)])
    form = rng.randrange(7)
    if form == 0:
        return f"${n}"
    if form == 1:
        return f"{n}%"
    if form == 2:
        return f"{n}.{rng.randrange(1000):0{rng.randrange(1, 4)}d}"
    if form == 3:
        return f"{n}{rng.choice(['st', 'nd', 'rd', 'th'])}"
    if form == 4:
        return f"{n:,}"
    return rng.choice([str(n), *_SPOKEN])


def _sentence(rng: random.Random) -> list[str]:
    return [_number(rng) if rng.random() < 0.4 else rng.choice(_WORDS) for _ in range(rng.randrange(12))]


def _mistakes(rng: random.Random, tokens: list[str]) -> list[str]:
    out = []
    for token in tokens:
        roll = rng.random()
        if roll < 0.1:
            continue  # deleted
        if roll < 0.2:
            token = rng.choice(_WORDS)  # substituted
        elif token in _SPOKEN and roll < 0.6:
            token = _SPOKEN[token]  # said, not written
        out.append(token + rng.choice(["", "", ",", ".", "?"]))
        if rng.random() < 0.1:
            out.append(_number(rng))  # inserted
    return out


def test_wer_matches_the_reference_on_random_pairs() -> None:
    rng = random.Random(20240601)  # noqa: S311 (reproducible test data)
    for _ in range(2000):
        ref = _sentence(rng)
        ref_text, hyp_text = " ".join(ref), " ".join(_mistakes(rng, ref))
        assert normalise_words(ref_text) == _r_words(ref_text), ref_text
        assert normalise_words(hyp_text) == _r_words(hyp_text), hyp_text
        assert wer(ref_text, hyp_text) == _r_wer(ref_text, hyp_text), (ref_text, hyp_text)


def test_segments_within_turns_counts_segments_inside_one_turn() -> None:
    turns = [{"start": 0.0, "end": 5.0}, {"start": 6.0, "end": 10.0}]
    segments = [
        Segment(0.5, 4.0, "inside"),
        Segment(4.5, 5.9, "inside the first turn's slack"),
        Segment(4.0, 7.0, "across two turns"),
        Segment(9.0, 12.0, "past the slack"),
    ]
    assert segments_within_turns(segments, turns) == 2
    assert segments_within_turns(segments, turns, tolerance_s=2.5) == 4
    assert segments_within_turns([], turns) == 0


def test_band_rms_reads_bass_and_ignores_treble(write_tone: Callable[..., Path], tmp_path: Path) -> None:
    bass = write_tone(tmp_path / "bass.wav", seconds=3.0, freq=50.0)  # amplitude 0.5: RMS -9.03 dBFS
    treble = write_tone(tmp_path / "treble.wav", seconds=3.0, freq=1000.0)
    two_butterworths_at_half_cutoff = -2 * 10 * math.log10(1 + 0.5**4)
    assert band_rms_db(bass, 0.5, 2.0) == pytest.approx(-9.03 + two_butterworths_at_half_cutoff, abs=0.1)
    assert band_rms_db(treble, 0.5, 2.0) < -60
