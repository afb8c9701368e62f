"""Meeting summaries: key points, decisions and action items (owner, due date), each at its moment.

Two ways, one result (:class:`Summary`):

- extractive (offline, no model): the transcript is cut into sentences (segments joined until a
  sentence ends, so "Action item for Tom," + "finish the translation by..." is one); sentences
  that decide ("we will", "let's", "we agreed") are decisions, sentences that assign work
  ("action item for Tom", "Tom will", "I will") are action items with their owner and due date
  (:func:`~audio_tools.rag.due_dates.find_due_date`), and the most informative of the rest
  (numbers, words the meeting repeats) are key points;
- with a chat model: map-reduce. Each window of timestamped lines is mapped to notes in JSON, and
  the notes are reduced to one summary in the same JSON. Moments come back as ``mm:ss`` and are
  checked against the transcript.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from audio_tools.errors import BackendError
from audio_tools.rag.due_dates import find_due_date
from audio_tools.transcript import SENTENCE_ENDS, Transcript, clock

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = ["ActionItem", "Summary", "SummaryItem", "summarize_transcript"]

MAX_KEY_POINTS = 6
KEY_POINTS_PER_SENTENCES = 6  # one key point per this many sentences, before the cap
JOIN_GAP_S = 1.5  # an unfinished sentence continues in the next segment when it starts this soon
LLM_WINDOW_CHARS = 6000  # of timestamped lines per map call: well inside an 8k-token context

_STOPWORD_TEXT = (
    "a an and are as at be been but by can could did do does for from had has have he her him his how i if in into "
    "is it its let's me more most my no not now of on one or our out over she so than that the their them then "
    "there these they this those to too up us very was we were what when where which who why will with would you "
    "your yes okay ok thank thanks all just also about again"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
GREETING = re.compile(r"^(?:welcome|hi|hello|good (?:morning|afternoon)|thank you|thanks|great, see you|see you|bye)\b",
                      re.IGNORECASE)
DECISION = re.compile(
    r"\b(?:we (?:have )?decided|we've decided|decision is|we agreed|agreed to|approved|we will|we'll|"
    r"we are going to|we're going to|let's|let us|we should go with|go with)\b",
    re.IGNORECASE,
)
ASSIGNMENT = re.compile(r"\b(?:action item|to-?do|follow[- ]up|assigned to|owner is)\b", re.IGNORECASE)
FIRST_PERSON = re.compile(r"\b(?:I will|I'll|I am going to|I'm going to|I can take|I'll take)\b", re.IGNORECASE)
NAMED_OWNER = [
    re.compile(r"\b(?i:action item|to-?do|follow[- ]up)s?\s+(?i:for|to)\s+(?P<name>[A-Z][a-z]+)\b"),
    re.compile(r"\b(?i:assigned to)\s+(?P<name>[A-Z][a-z]+)\b"),
    re.compile(r"\b(?P<name>[A-Z][a-z]+),?\s+"
               r"(?:will|is going to|needs to|has to|should|can you|could you|please)\b"),
    re.compile(r"^(?P<name>[A-Z][a-z]+),\s"),
]
NOT_NAMES = frozenset({"I", "We", "The", "This", "That", "It", "They", "You", "He", "She", "Our", "So", "And", "But",
                       "Then", "Also", "Great", "Okay", "Yes", "No", "Let", "What", "When", "Who", "Everyone",
                       "Someone", "Somebody", "Thanks", "Thank", "Well", "Now", "Next", "First", "Finally"})
TASK_PREFIX = re.compile(
    r"^(?:(?:an?\s+)?(?:action item|to-?do|follow[- ]up)s?\s+(?:for|to)\s+[A-Z][a-z]+\s*[:,.]?\s*"
    r"|[A-Z][a-z]+,\s+(?:can you|could you|please)\s+|[A-Z][a-z]+\s+(?:will|is going to|needs to|has to)\s+"
    r"|I(?:'ll| will| am going to|'m going to)\s+)",
    re.IGNORECASE,
)
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
MOMENT = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


@dataclass
class SummaryItem:
    """A key point or a decision, and the moment it was said."""

    text: str
    start: float
    end: float
    speaker: str | None = None


@dataclass
class ActionItem:
    """Work someone took on: what, who, by when, and the moment it was said.

    ``owner`` is the name said ("Tom"), or the speaker's label for "I will..." when speakers
    are known; None when nobody was named.
    """

    task: str
    owner: str | None
    due: str | None
    start: float
    end: float
    speaker: str | None = None


@dataclass
class Summary:
    """What a meeting was about, what it decided, and who does what by when."""

    source: str
    title: str | None
    method: Literal["extractive", "llm"]
    key_points: list[SummaryItem] = field(default_factory=list)
    decisions: list[SummaryItem] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-able dict (the CLI's ``--json`` and the tool's artifact)."""
        return asdict(self)

    def to_text(self) -> str:
        """The summary for people, each item with its ``source @ mm:ss``."""
        lines = [f"Summary of {self.title or self.source} ({self.method})"]
        for heading, items in (("Key points", self.key_points), ("Decisions", self.decisions)):
            if items:
                lines += [f"{heading}:", *(f"- {_said_by(i.speaker)}{i.text} ({self._at(i.start)})" for i in items)]
        if self.action_items:
            lines.append("Action items:")
            for item in self.action_items:
                owner = item.owner or "unassigned"
                due = f", due {item.due}" if item.due else ""
                lines.append(f"- {owner}: {item.task}{due} ({self._at(item.start)})")
        if len(lines) == 1:
            lines.append("Nothing was said that could be summarised.")
        return "\n".join(lines)

    def _at(self, seconds: float) -> str:
        return f"{self.source} @ {clock(seconds)}"


@dataclass(frozen=True)
class _Sentence:
    text: str
    start: float
    end: float
    speaker: str | None


def summarize_transcript(
    transcript: Transcript, *, source: str | None = None, title: str | None = None, llm: BaseChatModel | None = None
) -> Summary:
    """Summarise one meeting.

    Args:
        transcript: the meeting's transcript (speakers on segments, when known, name owners of "I will...").
        source: how citations name the recording; ``transcript.source`` when None.
        title: the meeting's title, for the heading.
        llm: a chat model for the map-reduce summary; None: extractive, offline.

    Raises:
        BackendError: the model's answer was not the JSON asked for, twice.
    """
    name = source if source is not None else transcript.source
    sentences = list(_sentences(transcript))
    if llm is None:
        return _extractive(sentences, name, title)
    return _map_reduce(sentences, name, title, llm)


def _sentences(transcript: Transcript) -> Iterator[_Sentence]:
    pending: list[Any] = []
    for segment in transcript.segments:
        text = segment.text.strip()
        if not text:
            continue
        if pending and (segment.speaker != pending[-1].speaker or segment.start - pending[-1].end > JOIN_GAP_S):
            yield _joined(pending)
            pending = []
        pending.append(segment)
        if text.endswith(SENTENCE_ENDS):
            yield _joined(pending)
            pending = []
    if pending:
        yield _joined(pending)


def _joined(segments: Sequence[Any]) -> _Sentence:
    text = " ".join(s.text.strip() for s in segments)
    return _Sentence(text=text, start=segments[0].start, end=segments[-1].end, speaker=segments[0].speaker)


def _extractive(sentences: list[_Sentence], source: str, title: str | None) -> Summary:
    summary = Summary(source=source, title=title, method="extractive")
    rest: list[_Sentence] = []
    for sentence in sentences:
        if GREETING.match(sentence.text):
            continue
        question = sentence.text.endswith("?")
        item = _action_item(sentence)
        # A question assigns work only when it asks someone by name ("Maria, can you...?").
        if item is not None and not (question and _named_owner(sentence.text) is None):
            summary.action_items.append(item)
        elif question:
            continue
        elif DECISION.search(sentence.text):
            summary.decisions.append(_item(sentence))
        else:
            rest.append(sentence)
    summary.key_points = [_item(s) for s in _key_points(rest, len(sentences))]
    return summary


def _action_item(sentence: _Sentence) -> ActionItem | None:
    text = sentence.text
    owner = _named_owner(text)
    assigned = ASSIGNMENT.search(text) is not None
    first_person = FIRST_PERSON.search(text) is not None
    if not (assigned or first_person or owner is not None):
        return None
    if owner is None and first_person:
        owner = sentence.speaker
    task = TASK_PREFIX.sub("", text).strip().rstrip(".?")
    return ActionItem(task=task[:1].lower() + task[1:] if task else text, owner=owner, due=find_due_date(text),
                      start=sentence.start, end=sentence.end, speaker=sentence.speaker)


def _named_owner(text: str) -> str | None:
    for pattern in NAMED_OWNER:
        match = pattern.search(text)
        if match is not None and match["name"] not in NOT_NAMES:
            return match["name"]
    return None


def _key_points(sentences: list[_Sentence], total: int) -> list[_Sentence]:
    words = [set(_content_words(s.text)) for s in sentences]
    frequency = Counter(w for bag in words for w in bag)

    def score(index: int) -> float:
        bag = words[index]
        if len(bag) < 3:
            return 0.0
        repeated = sum(math.log1p(frequency[w] - 1) for w in bag)
        numbers = sum(1 for w in bag if w.isdigit())
        return (repeated + 1.5 * numbers + 0.1 * len(bag)) / math.sqrt(len(bag))

    wanted = min(MAX_KEY_POINTS, max(1, math.ceil(total / KEY_POINTS_PER_SENTENCES)))
    ranked = sorted((i for i in range(len(sentences)) if score(i) > 0), key=score, reverse=True)[:wanted]
    return [sentences[i] for i in sorted(ranked)]


def _content_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in STOPWORDS]


def _item(sentence: _Sentence) -> SummaryItem:
    return SummaryItem(text=sentence.text, start=sentence.start, end=sentence.end, speaker=sentence.speaker)


def _said_by(speaker: str | None) -> str:
    return f"[{speaker}] " if speaker else ""


# --- with a chat model: map-reduce ---------------------------------------------------------------

JSON_LAYOUT = (
    '{"key_points": [{"text": "...", "at": "mm:ss"}], "decisions": [{"text": "...", "at": "mm:ss"}], '
    '"action_items": [{"task": "...", "owner": "name or null", "due": "date as said, or null", "at": "mm:ss"}]}'
)
MAP_PROMPT = (
    "You take notes of a meeting. Below is part of its transcript, one line per sentence: [mm:ss] (speaker) "
    "text. Write only JSON in this layout, using only what the lines say, each item with the [mm:ss] of the "
    f"line it comes from:\n{JSON_LAYOUT}"
)
REDUCE_PROMPT = (
    "Below are notes, as JSON, taken from consecutive parts of one meeting. Merge them into one summary: "
    "drop repeats, keep every decision and action item, at most six key points, each item keeping its "
    f'"at". Write only JSON in the same layout:\n{JSON_LAYOUT}'
)


def _map_reduce(sentences: list[_Sentence], source: str, title: str | None, llm: BaseChatModel) -> Summary:
    notes = [_ask_json(llm, MAP_PROMPT, window) for window in _windows(sentences)]
    merged = notes[0] if len(notes) == 1 else _ask_json(llm, REDUCE_PROMPT, json.dumps(notes, ensure_ascii=False))
    moments = [s.start for s in sentences]
    speakers = {round(s.start, 2): s.speaker for s in sentences}

    def moment(raw: Any) -> tuple[float, float, str | None]:
        start = _nearest(_seconds(raw), moments)
        sentence = next((s for s in sentences if s.start == start), None)
        end = sentence.end if sentence is not None else start
        return start, end, speakers.get(round(start, 2))

    summary = Summary(source=source, title=title, method="llm")
    for key, target in (("key_points", summary.key_points), ("decisions", summary.decisions)):
        for entry in _entries(merged, key):
            start, end, speaker = moment(entry.get("at"))
            target.append(SummaryItem(text=str(entry.get("text", "")).strip(), start=start, end=end, speaker=speaker))
    for entry in _entries(merged, "action_items"):
        start, end, speaker = moment(entry.get("at"))
        summary.action_items.append(ActionItem(
            task=str(entry.get("task", "")).strip(), owner=_optional_text(entry.get("owner")),
            due=_optional_text(entry.get("due")), start=start, end=end, speaker=speaker))
    return summary


def _windows(sentences: list[_Sentence]) -> Iterator[str]:
    lines: list[str] = []
    size = 0
    for s in sentences:
        line = f"[{clock(s.start)}] ({s.speaker or 'unknown'}) {s.text}"
        if lines and size + len(line) > LLM_WINDOW_CHARS:
            yield "\n".join(lines)
            lines, size = [], 0
        lines.append(line)
        size += len(line) + 1
    yield "\n".join(lines) if lines else "(nothing was said)"


def _ask_json(llm: BaseChatModel, instructions: str, content: str) -> dict[str, Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    messages: list[Any] = [SystemMessage(instructions), HumanMessage(content)]
    for _attempt in range(2):
        reply = llm.invoke(messages)
        parsed = _parse_json(str(reply.text))
        if parsed is not None:
            return parsed
        messages += [reply, HumanMessage("That was not the JSON layout asked for. Write only the JSON object.")]
    msg = ("The chat model did not answer with the JSON summary asked for, twice; try another model, or "
           "summarise offline.")
    raise BackendError(msg)


def _parse_json(text: str) -> dict[str, Any] | None:
    body = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        value = json.loads(body[start:end + 1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _entries(notes: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = notes.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _seconds(raw: Any) -> float:
    match = MOMENT.match(str(raw).strip().strip("[]"))
    if match is None:
        return 0.0
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    return hours * 3600.0 + minutes * 60.0 + seconds


def _nearest(seconds: float, moments: list[float]) -> float:
    # mm:ss drops the fraction: the line said at or just before it is the one meant.
    earlier = [m for m in moments if m <= seconds + 1.0]
    if earlier:
        return max(earlier)
    return moments[0] if moments else 0.0


def _optional_text(value: Any) -> str | None:
    if value is None or str(value).strip().lower() in {"", "null", "none", "unknown"}:
        return None
    return str(value).strip()
