"""pocketsphinx's decoder in this process: built once, and the one function that decodes a block.

Used by :mod:`audio_tools.stt.pocketsphinx` (short files, in this process) and by the worker
processes of :mod:`audio_tools.stt.pocketsphinx_workers` (each with its own decoder).
"""

from __future__ import annotations

import threading
from typing import Any

from audio_tools.errors import BackendError, BackendUnavailableError
from audio_tools.transcript import Word

__all__ = ["decode_block", "load_decoder"]

_decoder: Any = None
_decoder_lock = threading.Lock()


def decode_block(pcm: bytes, offset: float) -> list[Word]:
    """The words pocketsphinx hears in 16 kHz 16-bit mono ``pcm``, timed from ``offset``.

    Runs in worker processes (each with its own decoder) and in this one.

    Raises:
        BackendError: the decoder failed.
    """
    decoder = load_decoder()
    with _decoder_lock:
        try:
            decoder.reinit_feat()  # forget the last block's normalisation: results must not depend on order
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
        except RuntimeError as e:
            msg = f"pocketsphinx failed on the audio at {offset:.1f} s: {e}. Try another backend, e.g. whisper."
            raise BackendError(msg) from e
        rate = float(decoder.config["frate"])
        words = []
        for seg in decoder.seg():
            text = seg.word
            if text.startswith(("<", "[")):  # <s>, </s>, <sil>, [NOISE] fillers
                continue
            words.append(Word(
                start=round(offset + seg.start_frame / rate, 3),
                end=round(offset + (seg.end_frame + 1) / rate, 3),
                text=text.split("(", 1)[0],  # "read(2)": an alternative pronunciation
                confidence=round(min(1.0, max(0.0, float(seg.prob))), 4),
            ))
        return words


def load_decoder() -> Any:
    """This process's decoder, built on first use."""
    global _decoder
    with _decoder_lock:
        if _decoder is None:
            try:
                from pocketsphinx import Decoder

                _decoder = Decoder(loglevel="FATAL")
            except (ImportError, RuntimeError, ValueError) as e:
                msg = (f"pocketsphinx cannot start ({e}). Install it with its model: "
                       f"'pip install pocketsphinx'.")
                raise BackendUnavailableError(msg) from e
        return _decoder
