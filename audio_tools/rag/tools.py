"""The recording tools: search, ask, summarise, ingest and play back meetings, as LangChain tools.

Same standard as the audio tools (:class:`~audio_tools.tools.base.AudioTool`): typed arguments,
``(content, artifact)`` results, failures as :class:`~langchain_core.tools.ToolException` text the
model can act on, paths confined to the workspace. The store and the chat model are set on the
instances (by :class:`RecordingToolkit`), never chosen by the model.

What a recording says reaches the model as quoted data: escaped and clipped like every other
model-facing text (:func:`~audio_tools.tools.echo.model_text`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from audio_tools.config import Settings
from audio_tools.tools.base import AudioTool
from audio_tools.tools.echo import echo, model_text
from audio_tools.tools.inputs import MAX_PATH_CHARS
from audio_tools.transcript import clock
from audio_tools.workspace import Workspace

if TYPE_CHECKING:
    from audio_tools.rag.store import RecordingStore

__all__ = [
    "AskRecordingsTool",
    "IngestRecordingTool",
    "PlayExcerptTool",
    "RecordingToolkit",
    "SearchRecordingsTool",
    "SummarizeRecordingTool",
]

MAX_QUERY_CHARS = 500
MAX_HITS = 20
MAX_QUOTE_CHARS = 400  # of a hit's chunk shown to the model; the artifact has all of it
MAX_EXCERPT_S = 600.0

_SOURCE_HELP = "A recording's path in the workspace, as search results name it (e.g. 'meetings/review.flac')."


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchRecordingsInput(_Args):
    """Arguments of ``search_recordings``."""

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS,
                       description="What to look for in the recorded meetings, in plain words.")
    k: int = Field(default=5, ge=1, le=MAX_HITS, description="How many moments to return.")
    source: str | None = Field(default=None, max_length=MAX_PATH_CHARS,
                               description="Only this recording. " + _SOURCE_HELP)
    speaker: str | None = Field(default=None, max_length=64,
                                description="Only what this speaker said (a label such as 'S2', or a name).")


class AskRecordingsInput(_Args):
    """Arguments of ``ask_recordings``."""

    question: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="A question about the meetings.")
    source: str | None = Field(default=None, max_length=MAX_PATH_CHARS,
                               description="Only this recording. " + _SOURCE_HELP)


class SummarizeRecordingInput(_Args):
    """Arguments of ``summarize_recording``."""

    source: str = Field(min_length=1, max_length=MAX_PATH_CHARS, description=_SOURCE_HELP)


class IngestRecordingInput(_Args):
    """Arguments of ``ingest_recording``."""

    path: str = Field(min_length=1, max_length=MAX_PATH_CHARS,
                      description="An audio file or a folder of them inside the workspace, relative to its root.")


class PlayExcerptInput(_Args):
    """Arguments of ``play_excerpt``."""

    source: str = Field(min_length=1, max_length=MAX_PATH_CHARS, description=_SOURCE_HELP)
    start: float = Field(ge=0, le=24 * 3600, allow_inf_nan=False, description="Start of the moment, in seconds.")
    end: float = Field(gt=0, le=24 * 3600, allow_inf_nan=False, description="End of the moment, in seconds.")

    @model_validator(mode="after")
    def _ordered(self) -> PlayExcerptInput:
        if self.end <= self.start:
            msg = "end must be after start (both in seconds from the start of the recording)"
            raise ValueError(msg)
        return self


class _RecordingTool(AudioTool):
    """A tool over the meeting store: :attr:`store` is shared by the toolkit's tools (one model, one client)."""

    store: Any = Field(default=None, exclude=True, description="The RecordingStore; from the settings when None.")

    def recordings(self) -> RecordingStore:
        """The store, made from this tool's settings on first use."""
        if self.store is None:
            from audio_tools.rag.store import RecordingStore

            self.store = RecordingStore(self.settings)
        return self.store

    def quoted(self, text: str, limit: int = MAX_QUOTE_CHARS) -> str:
        """What a recording says, as data for the model: one line, escaped and clipped."""
        return model_text(" ".join(text.split()), self.workspace.root, limit)


class SearchRecordingsTool(_RecordingTool):
    """Hybrid search over every ingested meeting; each hit names the moment that answers, ``source @ mm:ss``."""

    name: str = "search_recordings"
    description: str = (
        "Search the recorded meetings for what was said about something. Returns the best moments, each as "
        "'source @ mm:ss' with the words said there. Use it before answering any question about meetings, and "
        "cite the moments you use."
    )
    args_schema: type[BaseModel] = SearchRecordingsInput

    def _execute(self, query: str, k: int = 5, source: str | None = None,
                 speaker: str | None = None) -> tuple[str, dict[str, Any]]:
        from audio_tools.rag.search import search

        hits = search(self.recordings(), query, k, source=source, speaker=speaker)
        artifact = {"query": query, "hits": [{**h.to_dict(), "cite_text": h.cite_text} for h in hits]}
        if not hits:
            return "No recorded meeting matches. Try other words, or ingest the recording first.", artifact
        lines = [f"{len(hits)} moments, best first:"]
        for n, hit in enumerate(hits, start=1):
            who = f" [{echo(hit.speaker)}]" if hit.speaker else ""
            lines.append(f"{n}. {echo(hit.source)} @ {clock(hit.cite_start)}-{clock(hit.cite_end)}{who}: "
                         f"\"{self.quoted(hit.cite_text)}\" (context: \"{self.quoted(hit.text)}\")")
        return "\n".join(lines), artifact


class AskRecordingsTool(_RecordingTool):
    """A retrieval answer with citations (the tool's own chat model, or extractive quotes without one)."""

    name: str = "ask_recordings"
    description: str = (
        "Answer a question from the recorded meetings, with each claim cited as 'source @ mm:ss'."
    )
    args_schema: type[BaseModel] = AskRecordingsInput
    llm: Any = Field(default=None, exclude=True, description="Chat model for written answers; None: extractive.")

    def _execute(self, question: str, source: str | None = None) -> tuple[str, dict[str, Any]]:
        from audio_tools.openai_service import openai_errors
        from audio_tools.rag.answers import ask

        with openai_errors(self.settings, "chat model"):
            answer = ask(self.recordings(), question, llm=self.llm, source=source)
        return self.quoted(answer.answer, 4 * MAX_QUOTE_CHARS), answer.to_dict()


class SummarizeRecordingTool(_RecordingTool):
    """Key points, decisions and action items (owner, due date) of one ingested meeting."""

    name: str = "summarize_recording"
    description: str = (
        "Summarise one recorded meeting: key points, decisions, and action items with owner and due date, "
        "each with its 'source @ mm:ss'."
    )
    args_schema: type[BaseModel] = SummarizeRecordingInput
    llm: Any = Field(default=None, exclude=True, description="Chat model for map-reduce; None: extractive.")

    def _execute(self, source: str) -> tuple[str, dict[str, Any]]:
        from audio_tools.errors import InvalidInputError
        from audio_tools.openai_service import openai_errors
        from audio_tools.rag.summaries import summarize_transcript

        store = self.recordings()
        transcript = store.transcript(source)
        if transcript is None:
            msg = (f"{echo(source)} is not in the meeting store. Ingest it first with ingest_recording, or search "
                   f"to see which recordings exist.")
            raise InvalidInputError(msg)
        with openai_errors(self.settings, "chat model"):
            summary = summarize_transcript(transcript, source=source, llm=self.llm)
        return self.quoted(summary.to_text(), 6000), summary.to_dict()


class IngestRecordingTool(_RecordingTool):
    """Transcribe and index a recording (or a folder of them) so that it can be searched."""

    name: str = "ingest_recording"
    description: str = (
        "Add a recorded meeting (an audio file or folder in the workspace) to the searchable meeting store. "
        "Unchanged files are skipped. Transcription takes a while for long recordings."
    )
    args_schema: type[BaseModel] = IngestRecordingInput

    def _execute(self, path: str) -> tuple[str, dict[str, Any]]:
        report = self.recordings().ingest(path)
        lines = []
        for f in report.files:
            name = echo(f.source or f.path)
            if f.outcome == "failed":
                lines.append(f"{name}: failed: {self.quoted(f.reason or 'unknown reason')}")
            else:
                lines.append(f"{name}: {f.outcome}, {f.chunks} searchable chunks.")
        return "\n".join(lines) or "No audio files were found there.", report.to_dict()


class PlayExcerptTool(_RecordingTool):
    """Cut a cited moment out of the original recording, so that the user can hear it."""

    name: str = "play_excerpt"
    description: str = (
        "Cut the moment start..end (seconds) out of a recording into a new audio file the user can play, "
        "e.g. to let them hear a cited answer."
    )
    args_schema: type[BaseModel] = PlayExcerptInput

    def _execute(self, source: str, start: float, end: float) -> tuple[str, dict[str, Any]]:
        from audio_tools.errors import InvalidInputError
        from audio_tools.rag.excerpts import clip

        if end - start > MAX_EXCERPT_S:
            msg = f"An excerpt is at most {MAX_EXCERPT_S:.0f} s; ask for a shorter moment."
            raise InvalidInputError(msg)
        path = clip(source, start, end, settings=self.settings)
        return self.output_result(path, "ffmpeg", f"Excerpt of {echo(source)} @ {clock(start)}",
                                  source=source, start=start, end=end)


TOOL_CLASSES: dict[str, type[_RecordingTool]] = {
    "search_recordings": SearchRecordingsTool,
    "ask_recordings": AskRecordingsTool,
    "summarize_recording": SummarizeRecordingTool,
    "ingest_recording": IngestRecordingTool,
    "play_excerpt": PlayExcerptTool,
}


class RecordingToolkit(BaseToolkit):
    """The recording tools for one workspace and one store.

    Example::

        recordings = RecordingToolkit(root="work")
        agent = create_agent(model, AudioToolkit(root="work").get_tools() + recordings.get_tools())

    Attributes:
        root: the workspace; ``settings.workspace`` when omitted.
        settings: caps, store location and embeddings; from ``AUDIO_TOOLS_*`` variables when omitted.
        store: the store the tools share; made from the settings when omitted.
        llm: the chat model ``ask_recordings`` and ``summarize_recording`` write with; None: extractive.
        include: which tools (all but ``ask_recordings`` by default: an agent answers from search itself).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    root: str | None = None
    settings: Settings | None = None
    store: Any = None
    llm: Any = None
    include: tuple[str, ...] = ("search_recordings", "summarize_recording", "ingest_recording", "play_excerpt")
    _tools: list[BaseTool] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        """Build the tools once, sharing one workspace and one store."""
        unknown = [name for name in self.include if name not in TOOL_CLASSES]
        if unknown:
            msg = f"Unknown recording tools {unknown}; choose from {sorted(TOOL_CLASSES)}."
            raise ValueError(msg)
        settings = self.settings if self.settings is not None else Settings.from_env(workspace=self.root)
        workspace = Workspace(self.root, settings.with_(workspace=self.root) if self.root else settings)
        if self.store is None:
            from audio_tools.rag.store import RecordingStore

            self.store = RecordingStore(workspace.settings)
        for name in self.include:
            options: dict[str, Any] = {"workspace": workspace, "store": self.store}
            if TOOL_CLASSES[name].model_fields.get("llm") is not None:
                options["llm"] = self.llm
            self._tools.append(TOOL_CLASSES[name](**options))

    def get_tools(self) -> list[BaseTool]:
        """The configured tools."""
        return list(self._tools)

