"""A copy of an installed model package (its metadata and model files), to tamper with in a test."""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

__all__ = ["copy_model_package"]


def copy_model_package(distribution: str, site: Path) -> None:
    """Copy ``distribution``'s ``.dist-info`` and model files under ``site``, laid out as installed."""
    for entry in metadata.distribution(distribution).files or []:
        source = Path(str(entry.locate()))
        if source.is_file() and (entry.parts[0].endswith(".dist-info") or "model" in entry.parts):
            target = site / str(entry)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
