"""``audio-agent transcribe``: a recording to text, JSON or subtitles, with speaker labels when asked."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, cast

import typer

from audio_tools.agents.cli.common import settings_of

if TYPE_CHECKING:
    from audio_tools.stt import Speakers
    from audio_tools.transcript import Transcript

__all__ = ["OutputFormat", "parse_speakers", "render", "speakers_line", "transcribe_command"]

PROGRESS_MIN_S = 60.0  # shorter files finish before a bar is worth drawing
AUTO = "auto"


def parse_speakers(value: str) -> str | int:
    """``--speakers``: ``auto`` (any case) or a whole number of speakers from 1.

    Raises:
        typer.BadParameter: anything else (a usage error naming the option).
    """
    text = value.strip()
    if text.lower() == AUTO:
        return AUTO
    count = int(text) if text.isascii() and text.isdigit() else 0
    if count < 1:
        msg = f"give 'auto' (find how many speak) or the number of speakers, a whole number from 1; not {value!r}"
        raise typer.BadParameter(msg)
    return count


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
    speakers: Annotated[
        str | None,
        typer.Option("--speakers", parser=parse_speakers, metavar="auto|N",
                     help="Label who speaks: auto finds how many speak, N sets the count. Segments get S1, S2... "
                          "(json: 'speaker'; txt, srt, vtt: '[S1] ' before the text). Offline."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="txt (a line per segment), json, srt or vtt.")
    ] = OutputFormat.txt,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
) -> None:
    """Transcribe FILE into timestamped text; json is the transcript with every segment and word.

    With --speakers, how many speakers were found is printed on standard error.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    from audio_tools.paths import check_output_file
    from audio_tools.stt import transcribe
    from audio_tools.workspace import atomic_output

    settings = settings_of(ctx)
    target = check_output_file(output, overwrite=force) if output is not None else None
    console = Console(stderr=True)
    bar = Progress(TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.completed:.0f}/{task.total:.0f} s"), TimeRemainingColumn(), console=console,
                   transient=True, disable=not console.is_terminal)
    task: list[TaskID] = []

    def progress(done_s: float, total_s: float) -> None:
        if total_s < PROGRESS_MIN_S:
            return
        if not task:
            task.append(bar.add_task("transcribing", total=total_s))
        # the speaker labels come after the backend's last report
        finding = speakers is not None and done_s >= total_s
        bar.update(task[0], completed=done_s, description="finding speakers" if finding else "transcribing")

    with bar:
        # typer is told str; parse_speakers made it "auto" or an int
        transcript = transcribe(file, backend=stt, language=language, hotwords=hotwords,
                                speakers=cast("Speakers", speakers), progress=progress, settings=settings)
    if speakers is not None:
        typer.echo(speakers_line(transcript, speakers), err=True)
    text = render(transcript, output_format)
    if target is None:
        sys.stdout.write(text)
        return
    with atomic_output(target, overwrite=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {target} ({len(transcript.segments)} segments, {transcript.duration_s:.1f} s, "
               f"{transcript.backend}).", err=True)


def render(transcript: Transcript, output_format: OutputFormat) -> str:
    """The transcript as ``output_format`` text, ending with a newline; ``[S1] `` before a labelled segment's text."""
    from audio_tools.transcript import labelled_text

    if output_format is OutputFormat.json:
        return transcript.to_json() + "\n"
    if output_format is OutputFormat.srt:
        return transcript.to_srt()
    if output_format is OutputFormat.vtt:
        return transcript.to_vtt()
    return "".join(f"{labelled_text(s)}\n" for s in transcript.segments if s.text.strip())


def speakers_line(transcript: Transcript | list[str], asked: str | int) -> str:
    """How many speakers ``transcript`` (or a list of their names) names, for standard error.

    ``asked`` is the ``--speakers`` value.
    """
    names = transcript if isinstance(transcript, list) else transcript.speakers
    if not names:
        return "No speakers found: nobody speaks in the recording, or nothing was recognised."
    numbered = sorted(names, key=lambda name: int(name[1:]) if name[1:].isdigit() else len(names) + 1)
    contiguous = numbered == [f"S{i}" for i in range(1, len(names) + 1)]
    shown = numbered[0] if len(names) == 1 else f"S1–S{len(names)}" if contiguous else ", ".join(numbered)
    found = f"{len(names)} speaker{'s' if len(names) != 1 else ''} found ({shown})"
    if asked == AUTO:
        return f"{found}; re-run with --speakers N to set the count."
    if len(names) < int(asked):
        return f"{found}, fewer than the {asked} asked: the others had too little speech to be told apart."
    return f"{found}."
