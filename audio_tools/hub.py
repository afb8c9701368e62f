"""Hugging Face weights on this machine, and the torch device and dtype a model runs with.

Shared by every backend that loads a transformers model. Importing this module imports
neither torch, transformers nor huggingface_hub.

Whether weights are "available" is decided without any network access: a folder written
by ``save_pretrained``, or a hub id whose config and weights are already in the Hugging
Face cache (``HF_HUB_CACHE`` / ``HF_HOME``). ``auto`` backends ask this before choosing a
model, so a machine without the weights, or with ``HF_HUB_OFFLINE=1``, falls back instead
of trying a download.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError

if TYPE_CHECKING:
    import torch

__all__ = ["WEIGHT_FILES", "local_folder", "torch_device", "torch_dtype", "weights_available"]

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")


def local_folder(model: str) -> Path | None:
    """``model`` as an existing folder, or None when it names a hub repository."""
    path = Path(model).expanduser()
    return path.resolve() if path.is_dir() else None


def weights_available(model: str) -> bool:
    """Whether ``model`` (a folder or a hub id) can be loaded without a download."""
    folder = local_folder(model)
    if folder is not None:
        return (folder / "config.json").is_file() and any((folder / f).is_file() for f in WEIGHT_FILES)
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # without huggingface_hub nothing can be loaded from the hub
        return False

    def cached(filename: str) -> bool:
        try:
            return isinstance(try_to_load_from_cache(model, filename), str)
        except ValueError:  # not a valid repository id
            return False

    return cached("config.json") and any(cached(f) for f in WEIGHT_FILES)


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


def torch_dtype(device: str) -> torch.dtype:
    """The dtype to load weights in on ``device``: float16 on CUDA (half the memory), else float32."""
    import torch

    return torch.float16 if device == "cuda" else torch.float32
