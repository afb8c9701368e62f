"""``audio-agent store``: what the meeting store holds, and keeping it in step with the files."""

from __future__ import annotations

from typing import Annotated

import typer

from audio_tools.agents.cli.common import JsonOption, emit, settings_of
from audio_tools.agents.cli.recordings import StoreOption, open_store

__all__ = ["store_app"]

store_app = typer.Typer(help="Inspect and maintain the meeting store: info, list, remove, sync, rebuild, "
                             "rename-speaker.",
                        no_args_is_help=True)


@store_app.command("info")
def info_command(ctx: typer.Context, store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Where the store is, its embeddings, and how many recordings, chunks and transcripts it holds."""
    facts = open_store(settings_of(ctx), store).info()
    data = facts.to_dict()
    emit(data, as_json=as_json, text="\n".join(f"{key}: {value}" for key, value in data.items()))


@store_app.command("list")
def list_command(ctx: typer.Context, store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Every recording in the store, with its chunks and speech-to-text spec."""
    from audio_tools.transcript import clock

    sources = open_store(settings_of(ctx), store).list_sources()
    lines = [f"{s.source}  {clock(s.end_s)}  {s.chunks} chunks  {s.stt_spec}  {s.title!r}" for s in sources]
    emit({"sources": [s.to_dict() for s in sources]}, as_json=as_json,
         text="\n".join(lines) or "The store is empty; add recordings with: audio-agent ingest PATH")


@store_app.command("remove")
def remove_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The recording, as `store list` names it.")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Drop one recording's chunks (its transcript is kept, so adding it back costs no transcription)."""
    removed = open_store(settings_of(ctx), store).remove(source)
    emit({"source": source, "removed": removed}, as_json=as_json, text=f"Removed {removed} chunks of {source}.")


@store_app.command("sync")
def sync_command(ctx: typer.Context, store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Drop recordings whose files are gone; re-key moved files (same content, new path) without transcribing."""
    report = open_store(settings_of(ctx), store).sync()
    lines = [*(f"removed  {s}" for s in report.removed), *(f"moved    {a} -> {b}" for a, b in report.moved),
             *(f"changed  {s} (ingest it again)" for s in report.changed),
             f"{len(report.kept)} kept, {len(report.removed)} removed, {len(report.moved)} moved, "
             f"{len(report.changed)} changed."]
    emit(report.to_dict(), as_json=as_json, text="\n".join(lines))


@store_app.command("rebuild")
def rebuild_command(ctx: typer.Context, store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Index every stored transcript again (after changing the embeddings); nothing is transcribed."""
    chunks = open_store(settings_of(ctx), store).rebuild()
    emit({"chunks": chunks}, as_json=as_json, text=f"Rebuilt the store: {chunks} chunks.")


@store_app.command("rename-speaker")
def rename_speaker_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The recording, as `store list` names it.")],
    old: Annotated[str, typer.Argument(help="The speaker's label now (S1, or a name given before).")],
    new: Annotated[str, typer.Argument(help="The name to give (an existing speaker's name merges the two).")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Name a speaker in a recording's stored transcript and chunks; nothing is transcribed or embedded again."""
    from audio_tools.rag.speaker_labels import check_speaker_name

    changed = open_store(settings_of(ctx), store).rename_speaker(source, old, new)
    old, new = check_speaker_name(old), check_speaker_name(new)
    text = (f"{old} is already called {new} in {source}; nothing changed." if old == new
            else f"Renamed {old} to {new} in {source}: {changed} chunks changed.")
    emit({"source": source, "old": old, "new": new, "chunks": changed}, as_json=as_json, text=text)
