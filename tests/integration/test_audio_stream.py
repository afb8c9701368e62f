"""Streaming decode of a 12-minute file: blocks in order with their start times, flat memory.

Memory is measured in fresh interpreters (peak RSS growth over the RSS before decoding) and
in-process with tracemalloc (numpy reports its buffers to it). Loading the same file whole
is measured too, so that the test shows the measure would see a whole-file copy.

The peak is Linux's VmHWM, reset after the imports: ``ru_maxrss`` would not do, as a child
inherits its parent's high-water mark across exec (here, pytest's).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from audio_tools.audio import BYTES_PER_SAMPLE, SAMPLE_RATE, load_audio, probe, stream_audio
from audio_tools.config import Settings

LONG_S = 720
SHORT_S = 60
MB = 1 << 20

STATUS = Path("/proc/self/status")
MEASURE = textwrap.dedent(
    """
    import json, re, sys
    from pathlib import Path
    from audio_tools.audio import load_audio, stream_audio
    from audio_tools.config import Settings

    def status_bytes(field):
        text = Path("/proc/self/status").read_text()
        return int(re.search(field + r":\\s+(\\d+) kB", text).group(1)) * 1024

    mode, path = sys.argv[1], sys.argv[2]
    settings = Settings(workspace=".")
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark
    base = status_bytes("VmRSS")
    samples = 0
    if mode == "stream":
        for block in stream_audio(path, block_s=30.0, settings=settings):
            samples += block.samples.size
    else:
        samples = load_audio(path, settings=settings).size
    print(json.dumps({"growth": status_bytes("VmHWM") - base, "samples": samples}))
    """
)


def _render(path: Path, seconds: int) -> Path:
    """A 44.1 kHz mono FLAC: a tone under pink noise, from ffmpeg's own sources."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}",
         "-f", "lavfi", "-i", f"anoisesrc=color=pink:sample_rate=44100:amplitude=0.02:duration={seconds}",
         "-filter_complex", "amix=inputs=2:duration=first", "-ac", "1", "-c:a", "flac", str(path)],
        check=True, timeout=300,
    )
    return path


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("long")
    return {"long": _render(folder / "long.flac", LONG_S), "short": _render(folder / "short.flac", SHORT_S)}


@pytest.fixture
def stream_settings(recordings: dict[str, Path]) -> Settings:
    return Settings(workspace=recordings["long"].parent)


def _measure(mode: str, path: Path) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, mode, str(path)],
        capture_output=True, text=True, timeout=300, cwd=path.parent, check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, int] = json.loads(done.stdout)
    return result


def test_long_file_is_long(recordings: dict[str, Path], stream_settings: Settings) -> None:
    info = probe(recordings["long"], settings=stream_settings)
    assert info.duration == pytest.approx(LONG_S)
    assert (info.sample_rate, info.channels) == (44100, 1)


@pytest.mark.parametrize("block_s", [30.0, 7.0])
def test_blocks_start_where_they_should(
    block_s: float, recordings: dict[str, Path], stream_settings: Settings
) -> None:
    block = round(block_s * SAMPLE_RATE)
    starts, sizes = [], []
    for item in stream_audio(recordings["long"], block_s=block_s, settings=stream_settings):
        assert item.samples.dtype == np.float32 and item.samples.ndim == 1
        starts.append(item.start)
        sizes.append(item.samples.size)
    count = -(-LONG_S * SAMPLE_RATE // block)
    assert len(starts) == count
    assert starts == [i * block / SAMPLE_RATE for i in range(count)]
    assert all(size == block for size in sizes[:-1]) and 0 < sizes[-1] <= block
    assert sum(sizes) == LONG_S * SAMPLE_RATE


def test_streamed_blocks_equal_the_whole_load(recordings: dict[str, Path], stream_settings: Settings) -> None:
    blocks = [b.samples for b in stream_audio(recordings["short"], block_s=4.5, settings=stream_settings)]
    np.testing.assert_array_equal(np.concatenate(blocks), load_audio(recordings["short"], settings=stream_settings))


@pytest.mark.skipif(not STATUS.exists(), reason="peak RSS is read from Linux's /proc/self/status")
def test_stream_memory_is_flat(recordings: dict[str, Path]) -> None:
    long_stream = _measure("stream", recordings["long"])
    short_stream = _measure("stream", recordings["short"])
    long_load = _measure("load", recordings["long"])
    decoded_bytes = LONG_S * SAMPLE_RATE * BYTES_PER_SAMPLE  # 46 MB of float32

    assert long_stream["samples"] == long_load["samples"] == LONG_S * SAMPLE_RATE
    assert long_load["growth"] > decoded_bytes  # the measure sees a whole-file copy
    assert long_stream["growth"] < 24 * MB, long_stream
    assert long_stream["growth"] < short_stream["growth"] + 12 * MB, (long_stream, short_stream)
    assert long_stream["growth"] < long_load["growth"] / 4, (long_stream, long_load)


def test_stream_python_allocations_stay_within_a_few_blocks(
    recordings: dict[str, Path], stream_settings: Settings
) -> None:
    block_s = 10.0
    block_bytes = int(block_s * SAMPLE_RATE) * BYTES_PER_SAMPLE
    total = 0
    tracemalloc.start()
    try:
        for item in stream_audio(recordings["long"], block_s=block_s, settings=stream_settings):
            total += item.samples.size
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == LONG_S * SAMPLE_RATE
    assert peak < 5 * block_bytes, f"peak {peak / MB:.1f} MB for {block_bytes / MB:.1f} MB blocks"


def test_abandoned_stream_does_not_hold_the_interpreter(recordings: dict[str, Path]) -> None:
    """A generator left unfinished at exit must not keep Python alive until ffmpeg's timeout."""
    script = textwrap.dedent(
        f"""
        from audio_tools.audio import stream_audio
        from audio_tools.config import Settings
        blocks = stream_audio({str(recordings["long"])!r}, block_s=1.0, settings=Settings(ffmpeg_timeout_s=600))
        print(next(blocks).start)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0.0"
