"""``audio-agent music``: a description in, a music file out."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Annotated

import typer

from audio_tools.agents.cli.common import ForceOption, JsonOption, OutputOption, emit, settings_of

__all__ = ["music_command"]


def music_command(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="What the music should be like, e.g. 'calm piano and strings, slow'.")],
    output: OutputOption,
    duration: Annotated[float, typer.Option("--duration", "-d", help="Length in seconds.")] = 30.0,
    music: Annotated[
        str | None,
        typer.Option("--music", help="Backend spec: auto, synth[:44100], musicgen[:MODEL or folder], "
                                     "audiocraft[:small|medium|large] (default: AUDIO_TOOLS_MUSIC or auto)."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Reproduce a result: same prompt, length, backend "
                                                            "and seed give the same music.")] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Compose DURATION seconds of instrumental music from PROMPT (offline with the synth backend)."""
    from audio_tools.audio import save_audio
    from audio_tools.music import generate_music
    from audio_tools.outputs import check_output_path

    settings = settings_of(ctx)
    target = check_output_path(output, overwrite=force)
    with _progress_bar(enabled=not as_json and sys.stderr.isatty()) as progress:
        made = generate_music(prompt, duration, backend=music, seed=seed, progress=progress, settings=settings)
    path = save_audio(made.samples, made.sample_rate, target, overwrite=force, settings=settings)
    data = {"path": str(path), "duration": round(made.duration_s, 3), "sample_rate": made.sample_rate,
            "backend": made.backend, "seed": made.seed, "prompt": made.prompt}
    emit(data, as_json=as_json,
         text=f"Wrote {path} ({made.duration_s:.2f} s of music, {made.backend}, seed {made.seed}).")


@contextlib.contextmanager
def _progress_bar(*, enabled: bool) -> Iterator[Callable[[float, float], None] | None]:
    """A progress callback drawing a bar on standard error, or None when disabled."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Composing", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
