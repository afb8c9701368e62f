"""Search terms of a text: lower case, no punctuation, numbers as digits, light stemming, no stopwords.

Speech-to-text writes ``20 users``, ``15 %`` and ``20th of March`` where a question says
``twenty users``, ``fifteen percent`` and ``twentieth``; :func:`terms` maps both to the same
terms (``20``, ``user``, ``15``, ``percent``), so that lexical matching of questions against
transcripts does not depend on how numbers were written. Stemming only folds the endings that
matter most in questions (plurals, ``-ed``, ``-ing``, a final ``e``): ``increased``,
``increases`` and ``increase`` are one term. The terms are for matching, not for people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["STOPWORDS", "terms", "terms_of_words", "words"]

_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just let lets me more most my myself no nor not of off
on once only or other our ours ourselves out over own same she should so some such than that thats the their
theirs them themselves then there theres these they this those through to too under until up very was we were
what whats when where which while who whom whose why will with would you your yours yourself yourselves im ive
weve were youre theyre dont didnt doesnt isnt arent wasnt cant wont shall may might must also yes okay ok oh uh
um yeah
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_UNIT_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
               "sixteen seventeen eighteen nineteen")
_TEN_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_UNITS = {word: value for value, word in enumerate(_UNIT_WORDS.split())}
_TENS = {word: 10 * value for value, word in enumerate(_TEN_WORDS.split(), start=2)}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
# Ordinals as their numbers; "second" is left alone (mostly a unit of time), as are "first" and "last"
_ORDINALS = {
    "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40,
    "fiftieth": 50, "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100,
}
_SMALL = frozenset({*_UNITS, *_TENS})
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:'[a-z]+)?|%|[.,;:!?]")
_PUNCTUATION = frozenset(".,;:!?")  # kept until numbers are read, so that "ninety, five" stays two numbers
_NUMBER_GAP = re.compile(r"(?<=\d) (?=[.,]\d)")


def words(text: str) -> list[str]:
    """The words of ``text`` with numbers as digits: lower case, no punctuation, nothing dropped or stemmed."""
    text = _NUMBER_GAP.sub("", text.lower().replace("’", "'"))  # Whisper writes "11 ,000" and "3 .4"
    raw = _TOKEN.findall(re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text))
    tokens = ["percent" if t == "%" else _plain_number(t) if t[0].isdigit() else t.replace("'", "") for t in raw]
    return [t for t in _numbers_as_digits([t for t in tokens if t]) if t not in _PUNCTUATION]


def terms(text: str) -> list[str]:
    """The search terms of ``text``, in order: :func:`words` without stopwords, each lightly stemmed."""
    return terms_of_words(words(text))


def terms_of_words(said: Iterable[str]) -> list[str]:
    """:func:`terms` of a text from its :func:`words` (kept, say, from when the text was stored)."""
    return [_stem(w) for w in said if w not in STOPWORDS]


def _plain_number(token: str) -> str:
    """``42,000`` → ``42000``; ``3.4`` stays; a trailing separator is dropped."""
    if "," in token and re.fullmatch(r"\d{1,3}(?:,\d{3})+", token):
        return token.replace(",", "")
    return token.strip(".,")


def _numbers_as_digits(tokens: list[str]) -> list[str]:
    """Runs of number words (``forty two thousand``, ``nine hundred``) replaced by their value in digits."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        value, used = _number_at(tokens, index)
        if used:
            out.append(str(value))
            index += used
        else:
            out.append(tokens[index])
            index += 1
    return out


def _number_at(spoken: list[str], index: int) -> tuple[int, int]:
    """The value of the number words starting at ``index`` and how many tokens they take (0: none).

    Words follow as in spoken numbers: a unit or a ten, then a scale or (after a ten) a unit, a
    scale, then a smaller number; ``and`` only after a scale. ``three nine`` is two numbers.
    """
    total = current = 0
    last = ""  # what the previous word was: "unit", "ten", "scale"
    last_scale = 0
    position = used = index
    while position < len(spoken):
        word = spoken[position]
        if word in _ORDINALS and last in ("", "ten", "scale") and not (last == "ten" and _ORDINALS[word] >= 10):
            current += _ORDINALS[word]
            used = position + 1
            break
        if word in _UNITS and last in ("", "ten", "scale") and not (last == "ten" and _UNITS[word] >= 10):
            current += _UNITS[word]
            last = "unit"
        elif word in _TENS and last in ("", "scale"):
            current += _TENS[word]
            last = "ten"
        elif word in _SCALES and (last in ("unit", "ten") or (last == "scale" and _SCALES[word] > last_scale)):
            scale = last_scale = _SCALES[word]
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
            last = "scale"
        elif word == "and" and last == "scale" and position + 1 < len(spoken) and spoken[position + 1] in _SMALL:
            position += 1
            continue
        else:
            break
        position += 1
        used = position
    return total + current, used - index


def _stem(word: str) -> str:
    """A light English stem: plurals, ``-ed``, ``-ing`` and a final ``e`` folded (``increases`` → ``increas``)."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[:-len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # planned → plan, running → run
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word
