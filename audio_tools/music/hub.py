"""Where MusicGen weights come from (a local folder or the Hugging Face cache) and where it runs.

Importing this module imports neither torch nor transformers.

``auto`` asks :func:`weights_available` before choosing MusicGen, so that a machine
without the weights (or without a network) falls back to the offline synthesizer
instead of trying a download.
"""

from __future__ import annotations

from pathlib import Path

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError

__all__ = ["DEFAULT_MUSICGEN_MODEL", "local_folder", "missing_weights_message", "torch_device", "weights_available"]

DEFAULT_MUSICGEN_MODEL = "facebook/musicgen-small"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")


def local_folder(model: str) -> Path | None:
    """``model`` as an existing folder, or None when it names a hub repository."""
    path = Path(model).expanduser()
    return path.resolve() if path.is_dir() else None


def weights_available(model: str = DEFAULT_MUSICGEN_MODEL) -> bool:
    """Whether ``model`` (a folder or hub id) can be loaded without a download."""
    folder = local_folder(model)
    if folder is not None:
        return (folder / "config.json").is_file() and any((folder / f).is_file() for f in WEIGHT_FILES)
    from huggingface_hub import try_to_load_from_cache

    def cached(filename: str) -> bool:
        try:
            return isinstance(try_to_load_from_cache(model, filename), str)
        except ValueError:  # not a valid repository id
            return False

    return cached("config.json") and any(cached(f) for f in WEIGHT_FILES)


def missing_weights_message(model: str, reason: object) -> str:
    """What to tell a person whose MusicGen weights could not be loaded."""
    repo = DEFAULT_MUSICGEN_MODEL if local_folder(model) is not None else model
    return (f"MusicGen weights {model!r} could not be loaded ({reason}). Download them once on a machine "
            f"with internet access ('hf download {repo}', or 'huggingface-cli download {repo}'), or use "
            f"'musicgen:/path/to/folder' with a folder written by save_pretrained (model and processor). "
            f"Set HF_HUB_OFFLINE=1 to stop download attempts; the 'synth' backend works offline.")


def torch_device(settings: Settings) -> str:
    """``cuda`` or ``cpu`` for ``settings.device`` (``auto`` takes CUDA when torch sees it).

    Raises:
        BackendUnavailableError: ``cuda`` was asked for and torch sees no CUDA device.
    """
    import torch

    cuda = torch.cuda.is_available()
    if settings.device == "cuda" and not cuda:
        msg = "AUDIO_TOOLS_DEVICE is 'cuda' but no CUDA device is visible to torch; use 'auto' or 'cpu'."
        raise BackendUnavailableError(msg)
    return "cuda" if settings.device != "cpu" and cuda else "cpu"
