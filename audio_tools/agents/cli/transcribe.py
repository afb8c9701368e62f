"""``audio-agent transcribe``: a recording to text, JSON or subtitles."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from audio_tools.agents.cli.common import settings_of

if TYPE_CHECKING:
    from audio_tools.transcript import Transcript

__all__ = ["OutputFormat", "transcribe_command"]

PROGRESS_MIN_S = 60.0  # shorter files finish before a bar is worth drawing


class OutputFormat(str, Enum):
    """What ``--format`` writes."""

    txt = "txt"
    json = "json"
    srt = "srt"
    vtt = "vtt"


def transcribe_command(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="An audio file in any format ffmpeg reads.")],
    stt: Annotated[
        str | None,
        typer.Option("--stt", help="Backend spec: auto, faster-whisper[:MODEL], pocketsphinx, whisper[:MODEL], "
                                   "openai[:MODEL] (default: AUDIO_TOOLS_STT or auto)."),
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="The spoken language as a code (en, de...); default: detect.")
    ] = None,
    hotwords: Annotated[
        str | None,
        typer.Option("--hotwords", help="Names and terms said in the recording, e.g. 'Nova, Orbit', given to "
                                        "Whisper and OpenAI as a prompt."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="txt (a line per segment), json, srt or vtt.")
    ] = OutputFormat.txt,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
) -> None:
    """Transcribe FILE into timestamped text; json is the transcript with every segment and word."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    from audio_tools.paths import check_output_file
    from audio_tools.stt import transcribe
    from audio_tools.workspace import atomic_output

    settings = settings_of(ctx)
    target = check_output_file(output, overwrite=force) if output is not None else None
    console = Console(stderr=True)
    bar = Progress(TextColumn("transcribing"), BarColumn(), TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
                   TimeRemainingColumn(), console=console, transient=True, disable=not console.is_terminal)
    task: list[TaskID] = []

    def progress(done_s: float, total_s: float) -> None:
        if total_s < PROGRESS_MIN_S:
            return
        if not task:
            task.append(bar.add_task("transcribe", total=total_s))
        bar.update(task[0], completed=done_s)

    with bar:
        transcript = transcribe(file, backend=stt, language=language, hotwords=hotwords, progress=progress,
                                settings=settings)
    text = render(transcript, output_format)
    if target is None:
        sys.stdout.write(text)
        return
    with atomic_output(target, overwrite=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {target} ({len(transcript.segments)} segments, {transcript.duration_s:.1f} s, "
               f"{transcript.backend}).", err=True)


def render(transcript: Transcript, output_format: OutputFormat) -> str:
    """The transcript as ``output_format`` text, ending with a newline."""
    if output_format is OutputFormat.json:
        return transcript.to_json() + "\n"
    if output_format is OutputFormat.srt:
        return transcript.to_srt()
    if output_format is OutputFormat.vtt:
        return transcript.to_vtt()
    return "".join(f"{s.text.strip()}\n" for s in transcript.segments if s.text.strip())
