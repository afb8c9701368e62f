"""``audio-agent probe`` and ``audio-agent convert``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from audio_tools.agents.cli.common import ForceOption, JsonOption, emit, settings_of


def probe_command(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="An audio file in any format ffmpeg reads.")],
    as_json: JsonOption = False,
) -> None:
    """Show an audio file's duration, sample rate, channels, codec and size."""
    from audio_tools.audio import probe

    info = probe(file, settings=settings_of(ctx))
    text = (f"{info.path}\n  duration {info.duration:.2f} s, {info.sample_rate} Hz, {info.channels} ch, "
            f"codec {info.codec}, format {info.format}, {info.size_bytes} bytes")
    emit(asdict(info), as_json=as_json, text=text)


def convert_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The audio file to read.")],
    output: Annotated[str, typer.Argument(help="The file to write; its suffix picks the format.")],
    sample_rate: Annotated[
        int | None, typer.Option("--sr", min=1000, max=384000, help="Resample to this rate.")
    ] = None,
    channels: Annotated[
        int | None, typer.Option("--channels", min=1, max=8, help="Mix to this many channels.")
    ] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Convert an audio file to wav, flac, mp3, ogg or m4a."""
    from audio_tools.audio import convert, probe
    from audio_tools.outputs import check_output_path

    settings = settings_of(ctx)
    target = check_output_path(output, overwrite=force)
    convert(source, target, sr=sample_rate, channels=channels, overwrite=force, settings=settings)
    info = probe(target, settings=settings)
    emit(asdict(info), as_json=as_json, text=f"Wrote {target} ({info.duration:.2f} s, {info.codec}).")
