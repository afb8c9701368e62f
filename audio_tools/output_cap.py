"""The one cap on generated audio: speech, music, mixes and stories (``settings.max_output_s``)."""

from __future__ import annotations

from audio_tools.errors import InputTooLargeError

__all__ = ["check_output_length"]


def check_output_length(seconds: float, limit_s: float, *, what: str, advice: str) -> None:
    """Refuse generated audio of ``seconds`` when it is longer than ``limit_s``.

    Args:
        seconds: how long the output is, or would be.
        limit_s: the cap, ``settings.max_output_s``.
        what: the output's name at the start of the message, e.g. ``"The mix"``.
        advice: what to do instead, e.g. ``"Give shorter text"``; the message adds raising the setting.

    Raises:
        InputTooLargeError: ``seconds`` is over ``limit_s``.
    """
    if seconds > limit_s:
        msg = (f"{what} lasts {seconds:.1f} s, over the {limit_s:g} s limit on generated audio. "
               f"{advice}, or raise AUDIO_TOOLS_MAX_OUTPUT_S.")
        raise InputTooLargeError(msg)
