"""``audio-agent ingest``: recordings into the meeting store, with a progress bar per file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from audio_tools.agents.cli.common import JsonOption, emit, settings_of
from audio_tools.agents.cli.recordings import StoreOption, open_store

if TYPE_CHECKING:
    from audio_tools.rag.reports import IngestReport

__all__ = ["ingest_command"]


def ingest_command(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="Audio files, folders (every audio file in them) or globs, "
                                                    "inside the workspace.")],
    store: StoreOption = None,
    stt: Annotated[str | None, typer.Option("--stt", help="Speech-to-text spec (default: AUDIO_TOOLS_STT or "
                                                          "auto); a better one re-indexes.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Transcribe again even when the stored transcript of "
                                                        "the same content and spec could be used.")] = False,
    title: Annotated[str | None, typer.Option("--title", help="The recordings' title (default: the file name).")]
    = None,
    as_json: JsonOption = False,
) -> None:
    """Transcribe recordings and index them for search; unchanged files are skipped, changed ones replaced."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    from audio_tools.rag.reports import IngestEvent

    settings = settings_of(ctx)
    recordings = open_store(settings, store)
    console = Console(stderr=True)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} files"),
                   console=console, transient=True, disable=not console.is_terminal)
    task = bar.add_task("ingesting", total=None)

    def progress(event: IngestEvent) -> None:
        bar.update(task, total=event.total, completed=event.index + (event.stage == "done"),
                   description=f"{event.stage} {event.path}")

    with bar:
        report = recordings.ingest(paths, stt=stt, force=force, title=title, progress=progress)
    emit(report.to_dict(), as_json=as_json, text=_text(report))
    if not report.ok:
        raise typer.Exit(1)


def _text(report: IngestReport) -> str:
    lines = []
    for f in report.files:
        if f.outcome == "failed":
            lines.append(f"failed     {f.path}: {f.reason}")
        else:
            how = "transcribed" if f.transcribed else "stored transcript"
            lines.append(f"{f.outcome:<10} {f.source or f.path}: {f.chunks} chunks (+{f.added} -{f.removed}, {how})")
    lines.append(f"{report.count('added')} added, {report.count('replaced')} replaced, "
                 f"{report.count('unchanged')} unchanged, {report.count('failed')} failed.")
    return "\n".join(lines)
