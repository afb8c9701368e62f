"""``auto``: MusicGen when its default weights are on this machine, else the offline synthesizer.

Nothing is downloaded to decide: only a local folder or the Hugging Face cache counts.
"""

from __future__ import annotations

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.music.base import MusicBackend
from audio_tools.music.hub import DEFAULT_MUSICGEN_MODEL, weights_available
from audio_tools.registry import BackendSpec

__all__ = ["choose", "make"]


def choose() -> str:
    """The spec ``auto`` stands for on this machine now."""
    return f"musicgen:{DEFAULT_MUSICGEN_MODEL}" if weights_available(DEFAULT_MUSICGEN_MODEL) else "synth"


def make(spec: BackendSpec, settings: Settings) -> MusicBackend:
    """Registry factory for ``auto``: the backend :func:`choose` names, shared with its own spec.

    Raises:
        InvalidInputError: a model was given (``auto`` takes none).
    """
    from audio_tools.music import MUSIC_BACKENDS

    if spec.model is not None:
        msg = f"'auto' takes no model (got {spec.model!r}); use 'musicgen:{spec.model}' to pick one."
        raise InvalidInputError(msg)
    return MUSIC_BACKENDS.get(choose(), settings)
