"""``pocketsphinx``: offline English speech recognition, streamed, on every core.

The file is decoded as a stream of blocks (:func:`audio_tools.audio.stream_audio`); the
pocketsphinx endpointer finds the utterances; consecutive utterances are grouped into
decode blocks of up to :data:`MAX_BLOCK_S` (with the silences between them, which decodes as
accurately as the whole file at once) and each block is decoded with its own acoustic
normalisation. Word times are the block's start plus the decoder's word times. pocketsphinx
holds the GIL, so long files are decoded by worker processes
(:mod:`audio_tools.stt.pocketsphinx_workers`), a bounded number of blocks at a time. Memory
is bounded by the block sizes whatever the audio holds: a group of utterances is decoded as
soon as no later utterance can join it, so silence after speech pins nothing.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from audio_tools.audio import SAMPLE_RATE, AudioBlock, AudioInfo
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.language import is_english
from audio_tools.registry import BackendSpec, load_once
from audio_tools.stt.base import STTRequest
from audio_tools.stt.pocketsphinx_decoder import decode_block, load_decoder
from audio_tools.stt.pocketsphinx_workers import WorkerPool
from audio_tools.stt.split import quiet_cuts
from audio_tools.transcript import DEFAULT_PAUSE_S, Transcript, Word, split_at_pauses

__all__ = ["PocketsphinxBackend", "SpeechBlock", "decode_block", "make", "speech_blocks"]

MAX_BLOCK_S = 25.0  # utterances are grouped into decode blocks up to this long
MAX_UTTERANCE_S = 60.0  # longer continuous "speech" (noise, music) is cut at a quiet moment
PARALLEL_MIN_S = 90.0  # shorter files are decoded in this process (no worker start-up)
STREAM_BLOCK_S = 30.0
LOOKBACK_S = 1.0  # audio kept before the endpointer's position, for an utterance about to start



@dataclass(frozen=True)
class SpeechBlock:
    """Audio to decode in one go: 16-bit PCM at 16 kHz, and the time of its first sample."""

    start: float
    pcm: bytes

    @property
    def end(self) -> float:
        return self.start + len(self.pcm) / 2 / SAMPLE_RATE


class PocketsphinxBackend:
    """The ``pocketsphinx`` family: CMU PocketSphinx with its bundled US English model.

    Args:
        workers: processes that decode long files; one decodes in this process.
        parallel_min_s: files at least this long use the worker processes.
        pause_s: a pause between words at least this long starts a new segment.
    """

    name = "pocketsphinx"
    model: str | None = "en-us"

    def __init__(self, workers: int | None = None, parallel_min_s: float = PARALLEL_MIN_S,
                 pause_s: float = DEFAULT_PAUSE_S) -> None:
        self.workers = workers if workers is not None else len(os.sched_getaffinity(0))
        self.parallel_min_s = parallel_min_s
        self.pause_s = pause_s
        self._pool: WorkerPool | None = None
        self._pool_lock = threading.Lock()

    def transcribe(self, info: AudioInfo, request: STTRequest) -> Transcript:
        """Recognise English speech in ``info.path`` (see :class:`audio_tools.stt.base.STTBackend`)."""
        if request.task == "translate" or not is_english(request.language):
            what = "translation" if request.task == "translate" else f"language {request.language!r}"
            model = request.settings.whisper_model
            msg = (f"pocketsphinx, the offline fallback, recognises English only, so {what} cannot be done. "
                   f"Put Whisper weights on this machine ('hf download {model}', or a local checkpoint: "
                   f"whisper:/path/to/whisper or AUDIO_TOOLS_WHISPER_MODEL), or use openai:whisper-1.")
            raise InvalidInputError(msg)
        total = info.duration
        stream = request.stream(info.path, STREAM_BLOCK_S)
        words: list[Word] = []
        end = 0.0
        try:
            for block, block_words in self._decode_all(speech_blocks(_checked(stream, request)), total):
                words.extend(block_words)
                end = block.end
                request.report(end, total)
        finally:
            stream.close()
        request.report(total, total)
        duration = max(total, end)
        return Transcript(source=request.source, language="en", duration_s=duration, backend=self.name,
                          model=self.model, segments=split_at_pauses(_clipped(words, duration), self.pause_s))

    def close(self) -> None:
        """Stop the worker processes (started again when needed)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def _decode_all(self, blocks: Iterable[SpeechBlock],
                    total: float) -> Iterator[tuple[SpeechBlock, list[Word]]]:
        """Decoded blocks in order; at most two blocks per worker in flight."""
        if self.workers < 2 or total < self.parallel_min_s:
            for block in blocks:
                yield block, decode_block(block.pcm, block.start)
            return
        pool = self._executor()
        pending: deque[tuple[SpeechBlock, Future[list[Word]]]] = deque()
        try:
            for block in blocks:
                pending.append((block, pool.submit(block.pcm, block.start)))
                if len(pending) >= 2 * self.workers:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _, future in pending:
                future.cancel()

    def _executor(self) -> WorkerPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = WorkerPool(self.workers)
            return self._pool


def make(spec: BackendSpec, settings: Settings) -> PocketsphinxBackend:
    """Registry factory: ``pocketsphinx`` (its bundled en-us model is the only one).

    Raises:
        InvalidInputError: a model was named.
        BackendUnavailableError: the pocketsphinx package or its model is missing.
    """
    if spec.model not in (None, "en-us"):
        msg = f"pocketsphinx has only its bundled en-us model, not {spec.model!r}. Use the spec 'pocketsphinx'."
        raise InvalidInputError(msg)
    load_decoder()
    return load_once(("pocketsphinx",), PocketsphinxBackend)  # its worker pool is shared by every caller


def speech_blocks(blocks: Iterable[AudioBlock], max_block_s: float = MAX_BLOCK_S) -> Iterator[SpeechBlock]:
    """Group the utterances the endpointer finds in a stream into decode blocks.

    A block runs from the start of its first utterance to the end of its last, silences
    included, and is at most ``max_block_s`` long unless one utterance is longer;
    continuous speech over :data:`MAX_UTTERANCE_S` is cut at its quietest moment.
    Silence yields nothing.
    """
    from pocketsphinx import Endpointer

    endpointer = Endpointer(sample_rate=SAMPLE_RATE)
    frame = endpointer.frame_bytes // 2
    groups = _Groups(max_block_s)
    buffer = groups.buffer
    for block in blocks:
        buffer.append(block.samples)
        while buffer.unread >= frame:
            speech = endpointer.process(buffer.read(frame))
            if endpointer.in_speech:
                yield from groups.check_length(endpointer.speech_start)
                buffer.forget_before(groups.keep_from(endpointer.speech_start))
            else:
                if speech is not None:  # an utterance just ended
                    yield from groups.add(endpointer.speech_start, endpointer.speech_end)
                yield from groups.flush_when_full()
                buffer.forget_before(groups.keep_from())
    if endpointer.in_speech:
        yield from groups.add(endpointer.speech_start, buffer.end)
    yield from groups.flush()


class _Groups:
    """Utterances waiting to be decoded together, and the audio they need."""

    def __init__(self, max_block_s: float) -> None:
        self.max_block_s = max_block_s
        self.buffer = _Buffer()
        self.group: tuple[float, float] | None = None
        self.floor = 0.0  # audio before this went into an earlier block

    def add(self, start: float, end: float) -> Iterator[SpeechBlock]:
        """Add an utterance; the group so far is yielded first if the block would grow too long."""
        start = max(start, self.floor)
        if self.group is not None and end - self.group[0] > self.max_block_s:
            yield from self.flush()
        self.group = (start if self.group is None else self.group[0], end)

    def check_length(self, speech_start: float) -> Iterator[SpeechBlock]:
        """Cut the utterance in progress at a quiet moment once it is over :data:`MAX_UTTERANCE_S`."""
        start = max(speech_start, self.floor)
        if self.buffer.position - start > MAX_UTTERANCE_S:
            yield from self.flush()
            cut = self.buffer.quiet_point(start, MAX_UTTERANCE_S)
            yield self.buffer.block(start, cut)
            self.floor = cut

    def flush_when_full(self) -> Iterator[SpeechBlock]:
        """Yield the group once no later utterance can join it, so that silence pins no audio.

        A later utterance starts at most :data:`LOOKBACK_S` before the reading position, so
        with the group it would make a block over the limit: :meth:`add` would flush first.
        """
        if self.group is not None and self.buffer.position - LOOKBACK_S - self.group[0] > self.max_block_s:
            yield from self.flush()

    def flush(self) -> Iterator[SpeechBlock]:
        if self.group is not None:
            yield self.buffer.block(*self.group)
            self.floor = max(self.floor, self.group[1])
            self.group = None

    def keep_from(self, speech_start: float | None = None) -> float:
        """The earliest time still needed: the group's, the utterance in progress's, or a little
        before the reading position (where an utterance may be found to have started)."""
        times = [self.buffer.position - LOOKBACK_S]
        if self.group is not None:
            times.append(self.group[0])
        if speech_start is not None:
            times.append(max(speech_start, self.floor))
        return min(times)


class _Buffer:
    """Recent 16-bit samples of the stream, addressed by time from the start of the file."""

    def __init__(self) -> None:
        self.samples = np.empty(0, dtype=np.int16)
        self.offset = 0  # stream index of samples[0]
        self.read_index = 0  # stream index of the next sample for the endpointer

    @property
    def position(self) -> float:
        return self.read_index / SAMPLE_RATE

    @property
    def end(self) -> float:
        return (self.offset + len(self.samples)) / SAMPLE_RATE

    @property
    def unread(self) -> int:
        return self.offset + len(self.samples) - self.read_index

    def append(self, samples: np.ndarray) -> None:
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)
        self.samples = np.concatenate([self.samples, pcm])

    def read(self, count: int) -> bytes:
        start = self.read_index - self.offset
        self.read_index += count
        return self.samples[start:start + count].tobytes()

    def block(self, start: float, end: float) -> SpeechBlock:
        first = max(self.offset, round(start * SAMPLE_RATE))
        last = max(first, round(end * SAMPLE_RATE))
        return SpeechBlock(first / SAMPLE_RATE, self.samples[first - self.offset:last - self.offset].tobytes())

    def quiet_point(self, start: float, max_s: float) -> float:
        first = max(self.offset, round(start * SAMPLE_RATE)) - self.offset
        window = self.samples[first:self.read_index - self.offset].astype(np.float32)
        cuts = quiet_cuts(window, SAMPLE_RATE, max_s)
        return (self.offset + first + (cuts[0] if cuts else len(window))) / SAMPLE_RATE

    def forget_before(self, time: float) -> None:
        drop = min(round(time * SAMPLE_RATE), self.read_index) - self.offset
        if drop > 0:
            self.samples = self.samples[drop:]
            self.offset += drop


def _checked(blocks: Iterator[AudioBlock], request: STTRequest) -> Iterator[AudioBlock]:
    for block in blocks:
        request.check_cancelled()
        yield block
    request.check_cancelled()


def _clipped(words: list[Word], duration: float) -> list[Word]:
    for word in words:
        word.end = min(word.end, duration)
        word.start = min(word.start, word.end)
    return words
