"""``auto``: the best text-to-speech this machine can run now.

OpenAI (or the compatible server) when the settings name a key or a base URL; otherwise
``offline``: flite for English, espeak-ng for every other language.
"""

from __future__ import annotations

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.registry import BackendSpec

__all__ = ["choose"]


def choose(spec: BackendSpec, settings: Settings) -> BackendSpec:
    """The spec ``auto`` stands for with these settings.

    Raises:
        InvalidInputError: a model was given (``auto`` chooses it).
    """
    if spec.model is not None:
        msg = f"The auto backend takes no model (got {spec.model!r}); name a backend instead, e.g. 'flite:slt'."
        raise InvalidInputError(msg)
    return BackendSpec("openai" if settings.openai_configured else "offline")
