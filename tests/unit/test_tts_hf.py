"""``hf:MODEL`` through the real transformers text-to-speech pipeline, with tiny random VITS models.

The models are built from configs and saved with ``save_pretrained``, then loaded by
directory exactly as a downloaded checkpoint would be. Their speech is noise (random
weights); the tests check shapes, rates, voices, chunking and errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError
from audio_tools.tts import select_backend, synthesize, synthesize_speech

VOCAB = ["<pad>", " ", *"abcdefghijklmnopqrstuvwxyz'", "<unk>"]

pytestmark = pytest.mark.usefixtures("offline_tts")


def build_tiny_vits(directory: Path, num_speakers: int = 1) -> Path:
    """A random VITS with tiny dimensions and a character tokenizer, saved to ``directory``."""
    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    directory.mkdir(parents=True)
    vocab_file = directory / "source_vocab.json"
    vocab_file.write_text(json.dumps({token: i for i, token in enumerate(VOCAB)}))
    tokenizer = VitsTokenizer(str(vocab_file), phonemize=False, normalize=True, add_blank=True)
    config = VitsConfig(
        vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, ffn_dim=16,
        flow_size=16, spectrogram_bins=33, upsample_initial_channel=16, upsample_rates=[8, 8, 4],
        upsample_kernel_sizes=[16, 16, 8], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1]],
        duration_predictor_filter_channels=16, duration_predictor_num_flows=1, prior_encoder_num_flows=1,
        prior_encoder_num_wavenet_layers=1, posterior_encoder_num_wavenet_layers=1,
        depth_separable_num_layers=1, sampling_rate=16000, pad_token_id=0, speaking_rate=4.0,
        num_speakers=num_speakers, speaker_embedding_size=8 if num_speakers > 1 else 0,
    )
    torch.manual_seed(0)
    VitsModel(config).eval().save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    vocab_file.unlink()
    return directory


@pytest.fixture(scope="session")
def tiny_vits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_vits(tmp_path_factory.mktemp("tts") / "tiny-vits")


@pytest.fixture(scope="session")
def tiny_vits_speakers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_vits(tmp_path_factory.mktemp("tts") / "tiny-vits-2spk", num_speakers=2)


def test_vits_directory_runs_through_the_pipeline(tiny_vits: Path, settings: Settings) -> None:
    speech = synthesize("hello world", backend=f"hf:{tiny_vits}", settings=settings)
    assert speech.backend == f"hf:{tiny_vits}"
    assert speech.voice == "default"
    assert speech.sample_rate == 16000
    assert speech.samples.dtype == np.float32
    assert speech.samples.ndim == 1
    assert speech.samples.size > 0
    assert np.all(np.abs(speech.samples) <= 1.0)
    path = synthesize_speech("hello", backend=f"hf:{tiny_vits}", format="flac", settings=settings).path
    assert probe(path).sample_rate == 16000


def test_pipeline_is_built_once(tiny_vits: Path, settings: Settings) -> None:
    first, _ = select_backend(f"hf:{tiny_vits}", settings=settings)
    second, _ = select_backend(f"hf:{tiny_vits}", settings=settings)
    assert first is second
    assert type(first.pipe).__name__ == "TextToAudioPipeline"  # type: ignore[attr-defined]


def test_long_text_is_split_under_the_model_limit(tiny_vits: Path, settings: Settings) -> None:
    tts, _ = select_backend(f"hf:{tiny_vits}", settings=settings)
    text = "the quick brown fox jumps over the lazy dog. " * 20  # 900 characters
    speech = synthesize(text, backend=f"hf:{tiny_vits}", settings=settings)
    assert tts.max_chars == 400
    assert speech.chunks == 3  # 8 + 8 + 4 sentences of 45 characters


def test_multi_speaker_voices(tiny_vits_speakers: Path, settings: Settings) -> None:
    spec = f"hf:{tiny_vits_speakers}"
    tts, _ = select_backend(spec, settings=settings)
    assert tts.voices == ("default", "0", "1")
    assert synthesize("good morning", backend=spec, voice="1", settings=settings).voice == "1"
    with pytest.raises(InvalidInputError, match="0, 1"):
        synthesize("good morning", backend=spec, voice="7", settings=settings)


def test_a_directory_without_a_model_is_unavailable(tmp_path: Path, settings: Settings) -> None:
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    with pytest.raises(BackendUnavailableError, match="save_pretrained"):
        synthesize("hello", backend=f"hf:{empty}", settings=settings)
