"""``audio-agent ingest``: recordings into the meeting store, with a progress bar per file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import typer

from audio_tools.agents.cli.common import JsonOption, emit, settings_of
from audio_tools.agents.cli.recordings import StoreOption, open_store

if TYPE_CHECKING:
    from audio_tools.rag.reports import IngestReport
    from audio_tools.rag.store import RecordingStore
    from audio_tools.stt import Speakers

__all__ = ["ingest_command", "parse_ingest_speakers", "parse_speaker_names"]

NONE = "none"


def parse_ingest_speakers(value: str) -> str | int:
    """``--speakers``: ``auto``, a whole number of speakers from 1, or ``none`` (no labels).

    Raises:
        typer.BadParameter: anything else.
    """
    from audio_tools.agents.cli.transcribe import parse_speakers

    if value.strip().lower() == NONE:
        return NONE
    try:
        return parse_speakers(value)
    except typer.BadParameter as e:
        msg = f"{e}; or 'none' for no speaker labels"
        raise typer.BadParameter(msg) from e


def parse_speaker_names(value: str) -> list[tuple[str, str]]:
    """``--speaker-names "S1=Tom,S2=Ana"``: (label, name) pairs, in order.

    Raises:
        typer.BadParameter: a pair without ``=``, or a bad name.
    """
    from audio_tools.errors import InvalidInputError
    from audio_tools.rag.speaker_labels import check_speaker_name

    pairs = []
    for item in (p for p in value.split(",") if p.strip()):
        old, sep, new = item.partition("=")
        try:
            if not sep:
                msg = f"give LABEL=NAME pairs separated by commas (S1=Tom,S2=Ana); not {item!r}"
                raise InvalidInputError(msg)
            pairs.append((check_speaker_name(old), check_speaker_name(new)))
        except InvalidInputError as e:
            raise typer.BadParameter(str(e)) from e
    if not pairs:
        msg = "give LABEL=NAME pairs separated by commas (S1=Tom,S2=Ana)"
        raise typer.BadParameter(msg)
    return pairs


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
    speakers: Annotated[str, typer.Option("--speakers", metavar="auto|N|none",
                                          help="Speaker labels: auto (find how many speak), the count, or none. "
                                               "Stored labels that fit are kept; others mean transcribing again.")]
    = "auto",
    speaker_names: Annotated[str | None, typer.Option("--speaker-names", metavar="S1=Tom,S2=Ana",
                                                      help="Name the labelled speakers of every file ingested "
                                                           "(as `store rename-speaker` does).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Transcribe recordings and index them for search; unchanged files are skipped, changed ones replaced."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    from audio_tools.rag.reports import IngestEvent

    asked = parse_ingest_speakers(speakers)
    names = parse_speaker_names(speaker_names) if speaker_names is not None else []
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
        report = recordings.ingest(paths, stt=stt, force=force, title=title, progress=progress,
                                   speakers=None if asked == NONE else cast("Speakers", asked))
    renamed = _rename(recordings, report, names)
    emit({**report.to_dict(), **({"renamed": renamed} if names else {})}, as_json=as_json,
         text=_text(report, None if asked == NONE else asked, renamed))
    if not report.ok:
        raise typer.Exit(1)


def _rename(recordings: RecordingStore, report: IngestReport, names: list[tuple[str, str]]) -> list[dict[str, object]]:
    """Apply ``--speaker-names`` to each ingested file that has the label (others are left alone)."""
    done: list[dict[str, object]] = []
    for f in report.files:
        if f.outcome == "failed" or f.source is None:
            continue
        present = set(f.speakers)
        for old, new in names:
            if old in present and old != new:
                chunks = recordings.rename_speaker(f.source, old, new)
                present = (present - {old}) | {new}
                done.append({"source": f.source, "old": old, "new": new, "chunks": chunks})
    return done


def _text(report: IngestReport, asked: str | int | None, renamed: list[dict[str, object]]) -> str:
    from audio_tools.agents.cli.transcribe import speakers_line

    lines = []
    for f in report.files:
        if f.outcome == "failed":
            lines.append(f"failed     {f.path}: {f.reason}")
        else:
            how = "transcribed" if f.transcribed else "stored transcript"
            lines.append(f"{f.outcome:<10} {f.source or f.path}: {f.chunks} chunks (+{f.added} -{f.removed}, {how})")
            if asked is not None:
                lines.append(f"           {speakers_line(f.speakers, asked)}")
    lines.extend(f"renamed    {r['source']}: {r['old']} -> {r['new']} ({r['chunks']} chunks)" for r in renamed)
    lines.append(f"{report.count('added')} added, {report.count('replaced')} replaced, "
                 f"{report.count('unchanged')} unchanged, {report.count('failed')} failed.")
    return "\n".join(lines)
