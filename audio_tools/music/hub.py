"""Where MusicGen weights come from: the default checkpoint, and what to say when they are missing.

Finding weights and choosing the device are shared with every model backend: see
:mod:`audio_tools.hub`. Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

from audio_tools import hub
from audio_tools.hub import local_folder

__all__ = ["DEFAULT_MUSICGEN_MODEL", "missing_weights_message", "weights_available"]

DEFAULT_MUSICGEN_MODEL = "facebook/musicgen-small"


def weights_available(model: str = DEFAULT_MUSICGEN_MODEL) -> bool:
    """Whether MusicGen ``model`` (default: the small checkpoint) can be loaded without a download."""
    return hub.weights_available(model)


def missing_weights_message(model: str, reason: object) -> str:
    """What to tell a person whose MusicGen weights could not be loaded."""
    repo = DEFAULT_MUSICGEN_MODEL if local_folder(model) is not None else model
    return (f"MusicGen weights {model!r} could not be loaded ({reason}). Download them once on a machine "
            f"with internet access ('hf download {repo}', or 'huggingface-cli download {repo}'), or use "
            f"'musicgen:/path/to/folder' with a folder written by save_pretrained (model and processor). "
            f"Set HF_HUB_OFFLINE=1 to stop download attempts; the 'synth' backend works offline.")
