"""``audio-agent mix`` and ``audio-agent story``: a voice over music, mixed so it stays clear."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from audio_tools.agents.cli.common import ForceOption, JsonOption, OutputOption, emit, read_text, settings_of
from audio_tools.mix_options import MIX_OPTIONS

__all__ = ["MIX_FLAGS", "mix_command", "story_command"]

MIX_FLAGS = {"intro_s": "--intro", "outro_s": "--outro", "music_gain_db": "--music-gain", "duck_db": "--duck",
             "fade_s": "--fade", "target_lufs": "--lufs"}
"""The command-line flag of each mix option the commands take."""


def _mix_option(name: str) -> Any:
    """The ``typer.Option`` of the mix option ``name``: its help, range and default from :data:`MIX_OPTIONS`."""
    option = MIX_OPTIONS[name]
    return typer.Option(MIX_FLAGS[name], help=f"{option.description} Range {option.low:g} to {option.high:g} "
                                              f"{option.unit}; default {option.default:g}.")


IntroOption = Annotated[float | None, _mix_option("intro_s")]
OutroOption = Annotated[float | None, _mix_option("outro_s")]
MusicGainOption = Annotated[float | None, _mix_option("music_gain_db")]
DuckOption = Annotated[float | None, _mix_option("duck_db")]
FadeOption = Annotated[float | None, _mix_option("fade_s")]
LufsOption = Annotated[float | None, _mix_option("target_lufs")]


def mix_command(
    ctx: typer.Context,
    speech: Annotated[str, typer.Argument(help="The voice: an audio file.")],
    music: Annotated[str, typer.Argument(help="The music bed: an audio file (looped or trimmed to fit).")],
    output: OutputOption,
    intro: IntroOption = None,
    outro: OutroOption = None,
    music_gain: MusicGainOption = None,
    duck: DuckOption = None,
    fade: FadeOption = None,
    lufs: LufsOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Mix SPEECH over MUSIC: music intro, music ducked under the voice, outro; loudness-normalised and limited."""
    from audio_tools.mix import mix_speech_over_music
    from audio_tools.outputs import check_output_path

    target = check_output_path(output, overwrite=force)
    options = _given(music_gain_db=music_gain, duck_db=duck, intro_s=intro, outro_s=outro, fade_s=fade,
                     target_lufs=lufs)
    result = mix_speech_over_music(speech, music, target, **options, overwrite=force, settings=settings_of(ctx))
    emit(_mix_data(result), as_json=as_json,
         text=f"Wrote {result.path} ({result.duration_s:.2f} s, {result.integrated_lufs:.1f} LUFS, "
              f"true peak {result.true_peak_db:.1f} dBTP).")


def story_command(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The story; '-' reads it from standard input.")],
    music_prompt: Annotated[
        str, typer.Option("--music-prompt", "-m", help="What the music should be like, e.g. 'calm piano, slow'.")
    ],
    output: OutputOption,
    tts: Annotated[
        str | None, typer.Option("--tts", help="Speech backend spec, e.g. flite:slt, openai:tts-1 (default: auto).")
    ] = None,
    music: Annotated[
        str | None, typer.Option("--music", help="Music backend spec: musicgen[:MODEL], synth, auto (default).")
    ] = None,
    voice: Annotated[str | None, typer.Option("--voice", help="A voice of the speech backend.")] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, max=2**31 - 1, help="Makes the music reproducible.")
    ] = None,
    intro: IntroOption = None,
    outro: OutroOption = None,
    music_gain: MusicGainOption = None,
    duck: DuckOption = None,
    lufs: LufsOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Read TEXT aloud over music generated from --music-prompt, mixed so the voice stays clear."""
    from audio_tools.outputs import check_output_path
    from audio_tools.story import synthesize_story

    target = check_output_path(output, overwrite=force)
    story = read_text(text)
    options = _given(intro_s=intro, outro_s=outro, music_gain_db=music_gain, duck_db=duck, target_lufs=lufs)
    result = synthesize_story(story, music_prompt, voice=voice, tts=tts, music=music, seed=seed, out=target,
                              overwrite=force, settings=settings_of(ctx), **options)
    data = {"speech_s": round(result.speech_s, 3), "music_s": round(result.music_s, 3),
            "tts_backend": result.tts_backend, "voice": result.voice, "music_backend": result.music_backend,
            "seed": result.seed, **_mix_data(result.mix)}
    emit(data, as_json=as_json,
         text=f"Wrote {result.path} ({result.duration_s:.2f} s; voice {result.tts_backend}/{result.voice}, "
              f"music {result.music_backend} seed {result.seed}; {result.mix.integrated_lufs:.1f} LUFS).")


def _given(**options: float | None) -> dict[str, Any]:
    """The options given on the command line; the library's defaults stand for the rest."""
    return {name: value for name, value in options.items() if value is not None}


def _mix_data(result: Any) -> dict[str, Any]:
    return {"path": str(result.path), "duration": round(result.duration_s, 3),
            "integrated_lufs": result.integrated_lufs, "true_peak_db": result.true_peak_db,
            "sample_rate": result.sample_rate, "channels": result.channels,
            "speech_start": round(result.speech_start_s, 3), "speech_end": round(result.speech_end_s, 3)}
