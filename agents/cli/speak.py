"""``audio-agent speak``: text to an audio file."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from agents.cli.common import emit, output_target, settings_of

__all__ = ["speak_command"]

STDIN_MARK = "-"


def speak_command(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What to say; '-' reads the text from standard input.")],
    output: Annotated[str, typer.Option("--output", "-o", help="The file to write; its suffix picks the format.")],
    tts: Annotated[
        str | None,
        typer.Option("--tts", help="Backend spec: auto, openai[:MODEL], hf:MODEL, flite[:VOICE], festival[:VOICE], "
                                   "espeak[:VOICE] (default: AUDIO_TOOLS_TTS or auto)."),
    ] = None,
    voice: Annotated[str | None, typer.Option("--voice", help="A voice of the backend, e.g. slt, alloy, cmn.")] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="The text's language (en, zh, fr...) when no voice is given.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
) -> None:
    """Speak TEXT into an audio file; long text is split at sentences and joined seamlessly."""
    from audio_tools.audio import OUTPUT_FORMATS, save_audio
    from audio_tools.errors import InvalidInputError
    from audio_tools.tts import synthesize

    settings = settings_of(ctx)
    target = output_target(output, force=force)
    if target.suffix.lower() not in OUTPUT_FORMATS:  # refused before spending time on synthesis
        msg = f"Cannot write {target.name!r}: use a suffix of {', '.join(OUTPUT_FORMATS)}."
        raise InvalidInputError(msg)
    spoken = sys.stdin.read() if text == STDIN_MARK else text
    speech = synthesize(spoken, voice=voice, backend=tts, language=language, settings=settings)
    path = save_audio(speech.samples, speech.sample_rate, target, overwrite=force, settings=settings)
    data = {"path": str(path), "duration": round(speech.duration, 3), "sample_rate": speech.sample_rate,
            "backend": speech.backend, "voice": speech.voice, "chunks": speech.chunks}
    emit(data, as_json=as_json, text=f"Wrote {path} ({speech.duration:.2f} s, {speech.backend}, voice {speech.voice}).")
