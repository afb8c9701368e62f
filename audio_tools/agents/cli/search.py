"""``audio-agent search``, ``ask``, ``summarize`` and ``clip``: the recordings, asked and heard."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from audio_tools.agents.cli.common import JsonOption, OutputOption, emit, settings_of
from audio_tools.agents.cli.recordings import StoreOption, open_store, parse_time

if TYPE_CHECKING:
    from audio_tools.config import Settings

__all__ = ["ask_command", "clip_command", "search_command", "summarize_command"]

SourceOption = Annotated[
    list[str] | None, typer.Option("--source", help="Only this recording (its path in the workspace); repeatable.")
]
SpeakerOption = Annotated[str | None, typer.Option("--speaker", help="Only what this speaker said (S1, or a name).")]
LlmOption = Annotated[
    str | None,
    typer.Option("--llm", help="Chat model: openai[:MODEL], ollama:MODEL, openai-compatible:MODEL@URL or none "
                               "(default: AUDIO_TOOLS_LLM, else OpenAI when a key is set, else none: offline)."),
]


def search_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many hits.")] = 5,
    source: SourceOption = None,
    speaker: SpeakerOption = None,
    phrase: Annotated[str | None, typer.Option("--phrase", help="Only chunks containing these exact words.")]
    = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find the moments in the recordings that answer QUERY, each as SOURCE @ mm:ss."""
    from audio_tools.rag.search import search
    from audio_tools.transcript import clock

    hits = search(open_store(settings_of(ctx), store), query, k, source=_sources(source), speaker=speaker,
                  phrase=phrase)
    if as_json:
        sys.stdout.write(json.dumps([h.to_dict() for h in hits], ensure_ascii=False) + "\n")
        return
    if not hits:
        typer.echo("No matches. Ingest recordings first (audio-agent ingest PATH), or use other words.")
    for hit in hits:
        who = f" [{hit.speaker}]" if hit.speaker else ""
        typer.echo(f"{hit.source} @ {clock(hit.cite_start)}{who} (score {hit.score:.3f}): {hit.cite_text.strip()}")


def ask_command(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="A question about the recordings.")],
    llm: LlmOption = None,
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="How many passages to answer from.")] = 5,
    source: SourceOption = None,
    speaker: SpeakerOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer QUESTION from the recordings, citing SOURCE @ mm:ss (extractive and offline without --llm)."""
    from audio_tools.agents.llm import chat_model_for
    from audio_tools.rag.answers import ask

    settings = settings_of(ctx)
    model = chat_model_for(llm, settings)
    with _llm_errors(model, settings):
        answer = ask(open_store(settings, store), question, llm=model, k=k, source=_sources(source), speaker=speaker)
    emit(answer.to_dict(), as_json=as_json, text=answer.answer)


def summarize_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The recording (its path in the workspace, as `store list` shows).")],
    llm: LlmOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Key points, decisions and action items (owner, due date) of one recording, each with its moment."""
    from audio_tools.agents.llm import chat_model_for
    from audio_tools.errors import InvalidInputError
    from audio_tools.rag.summaries import summarize_transcript

    settings = settings_of(ctx)
    recordings = open_store(settings, store)
    transcript = recordings.transcript(source)
    if transcript is None:
        msg = f"{source} is not in the store; ingest it first (audio-agent ingest {source}), or see `store list`."
        raise InvalidInputError(msg)
    model = chat_model_for(llm, settings)
    titles = {s.source: s.title for s in recordings.list_sources()}
    with _llm_errors(model, settings):
        summary = summarize_transcript(transcript, source=source, title=titles.get(source), llm=model)
    emit(summary.to_dict(), as_json=as_json, text=summary.to_text())


def clip_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The recording (its path in the workspace).")],
    start: Annotated[str, typer.Argument(help="Start: seconds, mm:ss or h:mm:ss.")],
    end: Annotated[str, typer.Argument(help="End: seconds, mm:ss or h:mm:ss.")],
    output: OutputOption,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Cut START..END of SOURCE (with half a second either side) into OUTPUT, to hear the cited moment."""
    from audio_tools.audio import probe
    from audio_tools.rag.excerpts import clip

    settings = settings_of(ctx)
    written = clip(source, parse_time(start), parse_time(end), settings=settings, output=output, overwrite=force)
    seconds = probe(written, settings=settings).duration
    emit({"path": str(written), "duration_s": round(seconds, 3)}, as_json=as_json,
         text=f"Wrote {written} ({seconds:.1f} s).")


def _llm_errors(model: object | None, settings: Settings) -> contextlib.AbstractContextManager[None]:
    """The chat model's errors as ours; nothing without a model (``openai`` takes ~0.5 s to import)."""
    if model is None:
        return contextlib.nullcontext()
    from audio_tools.openai_service import openai_errors

    return openai_errors(settings, "chat model")


def _sources(values: list[str] | None) -> tuple[str, ...] | None:
    return tuple(values) if values else None
