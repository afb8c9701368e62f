"""Citations inside a chunk: the sentence or segment that best answers a query, to the second.

A chunk spans up to half a minute; a citation points at the few seconds that answer. The
chunk's segments are cut into *passages*: sentences (at ``.``, ``?``, ``!`` in the words, by
word times; a sentence may run on over a segment boundary, as Whisper often cuts mid-sentence),
or whole segments when the transcript has no punctuation. Each passage is scored by how much
of the query's weighted terms it holds (:func:`audio_tools.rag.terms.terms`: case, punctuation,
numbers and endings folded, stopwords out), plus an optional ``similarity`` (an embedding
model's cosine, say), plus a small bonus when it holds the kind of answer asked for (a name for
"who", a month or weekday for "when", a number for "how many") that the query does not already
say. Meetings are full of a question followed by its answer, and the question is what echoes
the query best: a question passage (a ``?``, or a wh-word and mostly the query's terms) hands
its score to the reply after it, which is cited instead.

Measured on six rendered meetings (30 questions, Whisper tiny.en, the top chunk of MiniLM + BM25
fused): the citation lies inside the answer turn (± 1 s) for 0.90 of questions (0.93 with MiniLM
as ``similarity``), against 0.43 for the best single segment and 0 for the whole chunk; the
hand-over to the reply is most of the gain. A call takes about 0.3 ms.

On the larger eval (``benchmarks/meeting_search_eval.py``: 8 meetings, 63 questions, distractor
meetings on the same topics), with the chunks ranked as before, MiniLM as ``similarity`` put the
top citation inside the answer turn for 0.60 of questions against 0.52 by words alone; given
the chunk that holds the answer, 0.86 on the tuning half and 0.70 on the held-out half. Search
calls :func:`cite_passages` with the passages and vectors the store keeps (cut at ingest by
:func:`passages`, words included), so citing reads no transcript and embeds nothing per query;
a weight of 0.5 or 2 instead of 1 for the similarity measured no better on the tuning half.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from audio_tools.errors import InvalidInputError
from audio_tools.rag.terms import terms, terms_of_words, words
from audio_tools.transcript import Segment, Word, joined_words, timed_words

__all__ = ["Citation", "Passage", "Similarity", "cite", "cite_passages", "passages"]

Similarity = Callable[[str, Sequence[str]], Sequence[float]]
"""``similarity(query, texts)``: one score per text, higher is closer (e.g. cosine in [-1, 1])."""

SENTENCE_ENDS = (".", "?", "!")
WH_WORDS = frozenset(("what", "which", "who", "whom", "whose", "when", "where", "why", "how"))
# How a question starts when the transcript has no question marks
QUESTION_STARTS = WH_WORDS | {"is", "are", "was", "were", "do", "does", "did", "can", "could", "should",
                              "would", "will", "shall", "may", "might", "have", "has", "had", "am"}
# A passage with a wh-word, at least this share of whose terms are the query's, asks the query's
# question even without a question mark ("That is great news which channel grew the most.")
ECHO_SHARE = 0.5
# A passage runs on over a segment boundary unless the speaker changes or there is a pause this long.
RUN_ON_PAUSE_S = 2.0
# A reply this short (seconds) takes the next passage of the same segment too: "The payment form." + "It still..."
MIN_REPLY_S = 3.0
# Added to a passage that holds the kind of answer the query asks for: a name for "who", a date for
# "when", a number for "how many"; it decides between passages that hold the query's words equally.
ANSWER_KIND_BONUS = 0.1
_TIME_TEXT = """
january february march april may june july august september october november december monday tuesday wednesday
thursday friday saturday sunday today tomorrow tonight yesterday morning afternoon evening noon midnight week weeks
month months year years quarter weekend am pm
"""
_TIME_WORDS = frozenset(_TIME_TEXT.split())
# How much of its score a question passage hands to its reply.
QUESTION_HANDOVER = 1.0
SIMILARITY_WEIGHT = 1.0


@dataclass(frozen=True)
class Citation:
    """The moment in a recording that answers a query.

    Attributes:
        start: where it starts, in seconds from the start of the recording.
        end: where it ends, in seconds.
        text: what is said there.
        score: how well it matched (0 when nothing matched; not comparable across queries).
    """

    start: float
    end: float
    text: str
    score: float = 0.0


@dataclass(frozen=True)
class Passage:
    """A sentence of a chunk (or, without punctuation, a segment): what a citation is made of.

    :func:`passages` cuts a chunk's segments into them; the store keeps them, with a vector each,
    so that a search cites without reading the transcript again (:func:`cite_passages`).

    Attributes:
        start: where its first word starts (seconds).
        end: where its last word ends.
        text: its words.
        segment: the position, among the chunk's segments, of the segment of its first word.
        last_segment: the position of the segment of its last word.
        speaker: who says it, when known.
        question: whether it asks (ends with ``?``; without punctuation: starts like a question).
        words: its :func:`~audio_tools.rag.terms.words`, cut once (the store keeps them, so that
            citing reads no text again); empty: cut from ``text`` when needed.
    """

    start: float
    end: float
    text: str
    segment: int
    last_segment: int
    speaker: str | None
    question: bool
    words: tuple[str, ...] = ()

    def said(self) -> tuple[str, ...]:
        """Its words (:func:`~audio_tools.rag.terms.words`)."""
        return self.words or tuple(words(self.text))


def cite(query: str, segments: Sequence[Segment], *, similarity: Similarity | None = None) -> Citation:
    """The sentence or segment among ``segments`` that best answers ``query``.

    Args:
        query: the question or search text.
        segments: the segments of one chunk, in time order (:func:`~audio_tools.rag.chunks.chunk_segments`).
        similarity: scores passages against the query besides the shared terms (an embedding
            model's cosine); called once, with every passage.

    Returns:
        The cited passage. A question that echoes the query is replaced by the reply after it.
        When no term matches (and no ``similarity`` is given), the first passage.

    Raises:
        InvalidInputError: ``segments`` holds no speech.
    """
    found = passages(segments)
    similar = None
    if similarity is not None and found:
        similar = list(similarity(query, [p.text for p in found]))
    return cite_passages(query, found, similarities=similar)


def cite_passages(query: str, found: Sequence[Passage], *, similarities: Sequence[float] | None = None) -> Citation:
    """:func:`cite` over passages already cut (:func:`passages`), with their similarities to the query if known.

    Args:
        query: the question or search text.
        found: the passages of one chunk, in time order.
        similarities: one score per passage (an embedding model's cosine), added to the term score.

    Raises:
        InvalidInputError: no passages, or not one similarity per passage.
    """
    if not found:
        msg = "There is nothing to cite: the segments hold no speech."
        raise InvalidInputError(msg)
    wanted = set(terms(query))
    scores = _lexical_scores(query, found)
    kinds = _answer_kinds(query)
    if kinds:
        asked = set(words(query))
        scores = [s + ANSWER_KIND_BONUS * sum(_holds(p, kind, asked) for kind in kinds)
                  for s, p in zip(scores, found, strict=True)]
    if similarities is not None:
        if len(similarities) != len(found):
            msg = (f"similarity returned {len(similarities)} scores for {len(found)} passages; it must return one "
                   f"each.")
            raise InvalidInputError(msg)
        scores = [s + SIMILARITY_WEIGHT * float(x) for s, x in zip(scores, similarities, strict=True)]
    candidates: list[tuple[float, bool, int, int]] = []  # (score, is a reply, first passage, last passage)
    for index, passage in enumerate(found):
        reply = _reply_after(found, index) if passage.question or _echoes(passage, wanted) else None
        if reply is None:
            candidates.append((scores[index], False, index, index))
            continue
        first, last = reply
        candidates.append((scores[index] * QUESTION_HANDOVER + max(scores[first:last + 1]), True, first, last))
    # Ties go to replies (the meeting asked the query's question, and this is what it answered), then to
    # the earliest.
    score, _, first, last = max(candidates, key=lambda c: (c[0], c[1], -c[2]))
    chosen = found[first:last + 1]
    return Citation(start=float(chosen[0].start), end=float(chosen[-1].end), text=" ".join(p.text for p in chosen),
                    score=float(score))


def _echoes(passage: Passage, wanted: set[str]) -> bool:
    """Whether the passage asks the query's question without a question mark: a wh-word, and mostly query terms."""
    said = passage.said()
    if not WH_WORDS.intersection(said):
        return False
    held = set(terms_of_words(said))
    return bool(held) and len(held & wanted) >= ECHO_SHARE * len(held)


def _answer_kinds(query: str) -> set[str]:
    """The kinds of answer the query asks for: ``name`` (who), ``time`` (when), ``number`` (how many)."""
    asked = words(query)
    pairs = set(itertools.pairwise(asked))
    kinds = set()
    if {"who", "whom", "whose"} & set(asked):
        kinds.add("name")
    if "when" in asked or {("what", "time"), ("what", "date"), ("what", "day"), ("how", "long")} & pairs:
        kinds.add("time")
    if {("how", "many"), ("how", "much"), ("what", "percentage")} & pairs:
        kinds.add("number")
    return kinds


def _holds(passage: Passage, kind: str, asked: set[str]) -> bool:
    """Whether the passage (not a question) holds an answer of that kind that the query does not already say."""
    if passage.question:
        return False
    if kind == "name":  # a capitalised word after the first: not "I", a month or a word of the query
        return any(text[:1].isupper() and (plain := text.lower().strip(".,;:!?")) not in asked
                   and plain not in _TIME_WORDS and plain not in ("i", "i'm", "i'll", "i've")
                   for text in passage.text.split()[1:])
    said = passage.said()
    if kind == "time":
        return bool(_TIME_WORDS.intersection(said))
    return any(w[0].isdigit() for w in said)


def passages(segments: Sequence[Segment]) -> list[Passage]:
    """The sentences (or, without punctuation, the segments) of a chunk's segments, in time order.

    A sentence ends at ``.``, ``?`` or ``!`` in the words, and runs on over a segment boundary
    unless the speaker changes or there is a pause of :data:`RUN_ON_PAUSE_S`; its times are its
    words' times.
    """
    spoken = [(i, s) for i, s in enumerate(segments) if s.text.strip()]
    punctuated = any(s.text.strip().endswith(SENTENCE_ENDS) for _, s in spoken)
    found: list[Passage] = []
    current: list[Word] = []
    first = last = 0
    speaker: str | None = None

    def close() -> None:
        nonlocal current
        if current:
            text = joined_words(current)
            found.append(Passage(start=float(current[0].start), end=float(current[-1].end), text=text,
                                 segment=first, last_segment=last, speaker=speaker,
                                 question=_is_question(current, punctuated), words=tuple(words(text))))
        current = []

    for index, segment in spoken:
        if current and (not punctuated or segment.speaker != speaker
                        or segment.start - current[-1].end >= RUN_ON_PAUSE_S):
            close()
        for word in timed_words(segment):
            if not word.text.strip():
                continue
            if not current:
                first, speaker = index, segment.speaker
            current.append(word)
            last = index
            if punctuated and word.text.strip().endswith(SENTENCE_ENDS):
                close()
    close()
    return found


def _is_question(words: Sequence[Word], punctuated: bool) -> bool:
    text = joined_words(words)
    if punctuated:
        return text.endswith("?")
    first = text.split(maxsplit=1)[0].lower().strip(",.;:") if text else ""
    return first in QUESTION_STARTS


def _reply_after(passages: Sequence[Passage], index: int) -> tuple[int, int] | None:
    """The passages answering the question at ``index``: the next one, with the rest of its segment if short."""
    first = index + 1
    if first >= len(passages) or passages[first].question:
        return None
    last = first
    while (passages[last].end - passages[first].start < MIN_REPLY_S and last + 1 < len(passages)
           and passages[last + 1].segment == passages[last].last_segment and not passages[last + 1].question):
        last += 1
    return first, last


def _lexical_scores(query: str, passages: Sequence[Passage]) -> list[float]:
    """Share of the query's term weight each passage holds; a term is weighted by its rarity among the passages."""
    wanted = list(dict.fromkeys(terms(query)))
    if not wanted:
        return [0.0] * len(passages)
    held = [set(terms_of_words(p.said())) for p in passages]
    count = len(passages)
    weights = {t: math.log(1.0 + (count + 1) / (1 + sum(t in h for h in held))) for t in wanted}
    total = sum(weights.values())
    return [sum(weights[t] for t in wanted if t in h) / total for h in held]
