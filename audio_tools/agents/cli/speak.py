"""``audio-agent speak``: text to an audio file."""

from __future__ import annotations

from typing import Annotated

import typer

from audio_tools.agents.cli.common import ForceOption, JsonOption, OutputOption, emit, read_text, settings_of

__all__ = ["speak_command"]


def speak_command(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What to say; '-' reads the text from standard input.")],
    output: OutputOption,
    tts: Annotated[
        str | None,
        typer.Option("--tts", help="Backend spec: auto, openai[:MODEL], hf:MODEL, flite[:VOICE], festival[:VOICE], "
                                   "espeak[:VOICE] (default: AUDIO_TOOLS_TTS or auto)."),
    ] = None,
    voice: Annotated[str | None, typer.Option("--voice", help="A voice of the backend, e.g. slt, alloy, cmn.")] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="The text's language (en, zh, fr...) when no voice is given.")
    ] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Speak TEXT into an audio file; long text is split at sentences and joined seamlessly."""
    from audio_tools.tts import synthesize_speech

    speech = synthesize_speech(read_text(text), voice, tts, language=language, path=output, overwrite=force,
                               settings=settings_of(ctx))
    data = {"path": str(speech.path), "duration": round(speech.duration_s, 3), "sample_rate": speech.sample_rate,
            "backend": speech.backend, "voice": speech.voice, "chunks": speech.chunks}
    emit(data, as_json=as_json,
         text=f"Wrote {speech.path} ({speech.duration_s:.2f} s, {speech.backend}, voice {speech.voice}).")
