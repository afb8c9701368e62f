"""Answers to questions about the recordings, each claim cited as ``source @ mm:ss``.

A retrieval chain, not an agent: :func:`ask` searches once and answers from the hits.

- Without a chat model (the offline default) the answer is extractive: the cited moment of the
  best hit, quoted. (Fused ranks say which hit is best, not how much better: a second quote
  chosen by score would as often be noise as help.)
- With one, the model sees the hits as numbered passages, each with its moment, and must cite
  them as ``[n]``; the numbers are replaced by ``source @ mm:ss`` and only the passages it cited
  become citations. A reply that cites nothing keeps no citations: nothing is invented for it.

``Answer.to_dict()`` is the CLI's ``ask --json``: ``{"answer", "citations": [{"source", "start",
"end", "text"}], ...}`` where a citation's start/end is the cited moment, not the whole chunk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from audio_tools.transcript import clock

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from audio_tools.rag.search import Hit
    from audio_tools.rag.store import RecordingStore

__all__ = ["Answer", "AnswerCitation", "answer_question", "ask"]

SEARCH_K = 5
PASSAGE_REFERENCE = re.compile(r"\[(\d{1,2})\]")
ANSWER_PROMPT = (
    "You answer questions about recorded meetings using only the numbered passages below. After every "
    "claim, cite the passage it comes from as [n]. If the passages do not answer the question, say that the "
    "recordings do not say, and cite nothing. Be brief."
)


@dataclass
class AnswerCitation:
    """A cited moment: the recording, the seconds the quote spans, and what was said."""

    source: str
    start: float
    end: float
    text: str

    @property
    def label(self) -> str:
        """``source @ mm:ss``."""
        return f"{self.source} @ {clock(self.start)}"


@dataclass
class Answer:
    """An answer and the moments it rests on."""

    question: str
    answer: str
    method: Literal["extractive", "llm"]
    citations: list[AnswerCitation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"answer", "citations", "question", "method"}``, JSON-able."""
        return {"answer": self.answer, "citations": [asdict(c) for c in self.citations], "question": self.question,
                "method": self.method}


def ask(
    store: RecordingStore, question: str, *, llm: BaseChatModel | None = None, k: int = SEARCH_K, **filters: Any
) -> Answer:
    """Search the store for ``question`` and answer from the hits.

    Args:
        store: the recordings.
        question: what the user asked.
        llm: a chat model for a written answer; None: extractive, offline.
        k: how many hits to answer from.
        **filters: passed to :func:`~audio_tools.rag.search.search` (``source``, ``speaker``...).
    """
    from audio_tools.rag.search import search

    return answer_question(question, search(store, question, k=k, **filters), llm=llm)


def answer_question(question: str, hits: Sequence[Hit], *, llm: BaseChatModel | None = None) -> Answer:
    """Answer ``question`` from ``hits`` (best first), extractively or with ``llm``."""
    if not hits:
        return Answer(question=question, method="llm" if llm is not None else "extractive",
                      answer="Nothing in the stored recordings matches the question. Ingest the recording first, "
                             "or ask in other words.")
    if llm is None:
        return _extractive(question, hits)
    return _written(question, hits, llm)


def _citation(hit: Hit) -> AnswerCitation:
    return AnswerCitation(source=hit.source, start=hit.cite_start, end=hit.cite_end, text=hit.cite_text)


def _extractive(question: str, hits: Sequence[Hit]) -> Answer:
    citation = _citation(hits[0])
    return Answer(question=question, answer=f'"{citation.text.strip()}" ({citation.label})', method="extractive",
                  citations=[citation])


def _written(question: str, hits: Sequence[Hit], llm: BaseChatModel) -> Answer:
    from langchain_core.messages import HumanMessage, SystemMessage

    passages = "\n".join(
        f"[{n}] {_citation(hit).label}{_speaker(hit)}: {hit.text.strip()}" for n, hit in enumerate(hits, start=1)
    )
    reply = llm.invoke([SystemMessage(ANSWER_PROMPT), HumanMessage(f"Question: {question}\n\nPassages:\n{passages}")])
    cited: list[int] = []

    def label(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= len(hits):
            return match.group(0)
        if number not in cited:
            cited.append(number)
        return f"({_citation(hits[number - 1]).label})"

    text = PASSAGE_REFERENCE.sub(label, str(reply.text)).strip()
    return Answer(question=question, answer=text, method="llm", citations=[_citation(hits[n - 1]) for n in cited])


def _speaker(hit: Hit) -> str:
    return f" ({hit.speaker})" if hit.speaker else ""
