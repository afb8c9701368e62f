"""A small OpenAI-compatible HTTP server on 127.0.0.1 for tests that drive the real ``openai`` client.

It stands in for the remote service, so it decodes and renders audio itself (ffmpeg and flite
through ``subprocess``) instead of using the package under test.

Endpoints:

* ``POST /v1/audio/transcriptions`` -- multipart upload (``file``, ``model``,
  ``response_format`` = ``json`` | ``verbose_json`` | ``text``, ``language``). Segments are the
  speech bursts of the uploaded audio found by frame energy, with times relative to the upload.
  Their text comes from ``segment_text`` (default: ``"speech"``).
* ``POST /v1/audio/translations`` -- the same, as if translated to English.
* ``POST /v1/audio/speech`` -- JSON ``{model, input, voice, response_format, speed}``. Real speech
  rendered by ``flite`` and encoded by ffmpeg as mp3, opus, aac, flac, wav or pcm (raw s16le,
  24 kHz mono, like OpenAI's). ``input`` over 4096 characters is a 400, as with OpenAI.
* ``POST /v1/embeddings`` -- JSON ``{model, input, encoding_format, dimensions}``; ``input`` a string,
  a list of strings or token lists. Each vector is the text's words hashed into
  :data:`EMBEDDING_MODELS`' dimension (or ``dimensions``), unit length: texts sharing words are
  near. ``encoding_format`` ``float`` or ``base64`` (little-endian float32, what the ``openai``
  client asks for by default). An empty string is a 400 and an unknown model a 404, as with OpenAI.

Every request is recorded in :attr:`OpenAIServer.requests`; :meth:`OpenAIServer.fail_next`
makes the next requests fail (to exercise retries; they ask for a retry after 10 ms);
:meth:`OpenAIServer.add_route` adds more endpoints. Usage::

    with OpenAIServer() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test")
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import json
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

from audio_tools.config import Settings

__all__ = ["Burst", "OpenAIServer", "RecordedRequest", "Response", "hashed_words", "openai_settings", "speech_bursts"]

SAMPLE_RATE = 16000
FRAME_S = 0.02
THRESHOLD_DB = -45.0  # frames louder than this (dBFS RMS) are speech
MIN_GAP_S = 0.45  # quieter stretches shorter than this do not split a burst
MIN_BURST_S = 0.1
MAX_SPEECH_CHARS = 4096
SPEECH_RATE = 24000
FLITE_VOICES = {  # OpenAI voice -> flite voice
    "alloy": "slt", "ash": "awb", "ballad": "rms", "coral": "slt", "echo": "kal", "fable": "awb",
    "onyx": "rms", "nova": "slt", "sage": "slt", "shimmer": "slt", "verse": "awb", "marin": "slt",
    "cedar": "rms",
}
SPEECH_FORMATS: dict[str, tuple[list[str], str]] = {  # response_format -> (ffmpeg args, MIME type)
    "mp3": (["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"], "audio/mpeg"),
    "opus": (["-c:a", "libopus", "-b:a", "32k", "-f", "ogg"], "audio/ogg"),
    "aac": (["-c:a", "aac", "-b:a", "64k", "-f", "adts"], "audio/aac"),
    "flac": (["-c:a", "flac", "-f", "flac"], "audio/flac"),
    "wav": (["-c:a", "pcm_s16le", "-f", "wav"], "audio/wav"),
    "pcm": (["-c:a", "pcm_s16le", "-f", "s16le"], "audio/pcm"),
}
SPEED_RANGE = (0.25, 4.0)
EMBEDDING_MODELS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}
RETRY_AFTER_MS = 10
POLL_S = 0.05  # how often the serving thread checks for shutdown


@dataclass
class RecordedRequest:
    """One request the server received.

    Attributes:
        method: ``POST``, ``GET``...
        path: the URL path (``/v1/audio/transcriptions``).
        headers: request headers, names lower-cased.
        body: the raw body.
        fields: form fields (multipart; a repeated field becomes a list) or the JSON object's members.
        files: uploaded files of a multipart body, by field name: ``(filename, content)``.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    fields: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class Response:
    """What a route answers."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        return cls(status, json.dumps(data).encode())

    @classmethod
    def error(cls, status: int, message: str, param: str | None = None) -> Response:
        kind = "invalid_request_error" if status < 500 else "server_error"
        return cls.json({"error": {"message": message, "type": kind, "param": param, "code": None}}, status)


@dataclass(frozen=True)
class Burst:
    """A stretch of speech in seconds from the start of the analysed audio."""

    start: float
    end: float


Route = Callable[[RecordedRequest], Response]


class OpenAIServer:
    """An OpenAI-compatible server on 127.0.0.1 (port chosen by the OS unless given), run in a background thread.

    Args:
        segment_text: text of a transcription segment given its samples (16 kHz mono float32).
        api_key: when set, requests without ``Authorization: Bearer <api_key>`` get a 401.
        port: the port to listen on (0: one the OS picks); a taken port raises ``OSError``.
    """

    def __init__(self, segment_text: Callable[[np.ndarray], str] | None = None,
                 api_key: str | None = None, port: int = 0) -> None:
        self.segment_text = segment_text or (lambda _samples: "speech")
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], Route] = {
            ("POST", "/v1/audio/transcriptions"): self._transcriptions,
            ("POST", "/v1/audio/translations"): self._transcriptions,
            ("POST", "/v1/audio/speech"): self._speech,
            ("POST", "/v1/embeddings"): self._embeddings,
        }
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The ``base_url`` to give the ``openai`` client (ends in ``/v1``)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> OpenAIServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(POLL_S,), name="openai-server",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_route(self, method: str, path: str, route: Route) -> None:
        """Serve ``method path`` with ``route`` (e.g. ``/v1/chat/completions``)."""
        self._routes[(method.upper(), path)] = route

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next ``count`` requests (any route) with ``status`` before serving normally."""
        with self._lock:
            self._failures.extend([status] * count)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests for one path, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def handle(self, request: RecordedRequest) -> Response:
        with self._lock:
            self.requests.append(request)
            failure = self._failures.pop(0) if self._failures else None
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return Response.error(401, "Incorrect API key provided.")
        if failure is not None:  # asks the client to retry after 10 ms, so tests do not sleep
            response = Response.error(failure, "Injected failure; retry the request.")
            response.headers["retry-after-ms"] = str(RETRY_AFTER_MS)
            return response
        route = self._routes.get((request.method, request.path))
        if route is None:
            return Response.error(404, f"Unknown endpoint {request.method} {request.path}.")
        try:
            return route(request)
        except (KeyError, ValueError) as e:
            return Response.error(400, f"Bad request: {e}")

    def _transcriptions(self, request: RecordedRequest) -> Response:
        if "file" not in request.files:
            return Response.error(400, "Missing required parameter: 'file'.", "file")
        if not request.fields.get("model"):
            return Response.error(400, "Missing required parameter: 'model'.", "model")
        try:
            samples = decode(request.files["file"][1])
        except subprocess.CalledProcessError:
            return Response.error(400, "The audio file could not be decoded or its format is not supported.",
                                  "file")
        duration = len(samples) / SAMPLE_RATE
        segments: list[dict[str, Any]] = []
        for i, burst in enumerate(speech_bursts(samples)):
            part = samples[int(burst.start * SAMPLE_RATE):int(burst.end * SAMPLE_RATE)]
            segments.append({
                "id": i, "seek": 0, "start": burst.start, "end": burst.end, "text": self.segment_text(part),
                "tokens": [], "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.2,
                "no_speech_prob": 0.01,
            })
        text = " ".join(s["text"] for s in segments)
        response_format = request.fields.get("response_format", "json")
        if response_format == "text":
            return Response(200, text.encode(), "text/plain")
        if response_format == "json":
            return Response.json({"text": text})
        if response_format == "verbose_json":
            language = request.fields.get("language") or "english"
            task = "translate" if request.path.endswith("translations") else "transcribe"
            return Response.json({"task": task, "language": language, "duration": duration,
                                  "text": text, "segments": segments})
        return Response.error(400, f"Unsupported response_format {response_format!r}.", "response_format")

    def _speech(self, request: RecordedRequest) -> Response:
        text = request.fields.get("input")
        if not isinstance(text, str) or not text.strip():
            return Response.error(400, "Missing required parameter: 'input'.", "input")
        if len(text) > MAX_SPEECH_CHARS:
            return Response.error(400, f"'input' is too long: {len(text)} characters, the maximum is "
                                       f"{MAX_SPEECH_CHARS}.", "input")
        voice = FLITE_VOICES.get(str(request.fields.get("voice")))
        if voice is None:
            return Response.error(400, f"Unknown voice {request.fields.get('voice')!r}.", "voice")
        response_format = request.fields.get("response_format", "mp3")
        if response_format not in SPEECH_FORMATS:
            return Response.error(400, f"Unsupported response_format {response_format!r}.", "response_format")
        speed = float(request.fields.get("speed", 1.0))
        if not SPEED_RANGE[0] <= speed <= SPEED_RANGE[1]:
            msg = f"'speed' must be between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}."
            return Response.error(400, msg, "speed")
        codec_args, mime = SPEECH_FORMATS[response_format]
        return Response(200, render_speech(text, voice, speed, codec_args), mime)


    def _embeddings(self, request: RecordedRequest) -> Response:
        model = request.fields.get("model")
        if model not in EMBEDDING_MODELS:
            return Response.error(404, f"The model `{model}` does not exist or you do not have access to it.", "model")
        texts = request.fields.get("input")
        if isinstance(texts, str) or (isinstance(texts, list) and texts and isinstance(texts[0], int)):
            texts = [texts]
        if not isinstance(texts, list) or not texts or any(t in ("", []) for t in texts):
            return Response.error(400, "'$.input' is invalid. Please check the API reference.", "input")
        dimension = int(request.fields.get("dimensions") or EMBEDDING_MODELS[model])
        encoding = request.fields.get("encoding_format", "float")
        data = []
        for i, text in enumerate(texts):
            words = [str(t) for t in text] if isinstance(text, list) else re.findall(r"\w+", str(text).lower())
            vector = hashed_words(words, dimension)
            embedding: Any = (base64.b64encode(vector.astype("<f4").tobytes()).decode() if encoding == "base64"
                              else vector.tolist())
            data.append({"object": "embedding", "index": i, "embedding": embedding})
        tokens = sum(len(t) if isinstance(t, list) else len(str(t).split()) for t in texts)
        return Response.json({"object": "list", "data": data, "model": model,
                              "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


def hashed_words(words: list[str], dimension: int) -> np.ndarray:
    """A unit vector with ±1 added at a hashed place for each word (a fixed vector when there are none)."""
    vector = np.zeros(dimension, dtype=np.float64)
    for word in words or [""]:
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        vector[int.from_bytes(digest[:4], "little") % dimension] += 1.0 if digest[4] & 1 else -1.0
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def decode(data: bytes) -> np.ndarray:
    """Any audio file's bytes as 16 kHz mono float32 samples (raises CalledProcessError)."""
    with tempfile.NamedTemporaryFile() as f:  # a file, so that formats needing seeks decode
        f.write(data)
        f.flush()
        raw = subprocess.run(
            ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", f.name,
             "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"],
            capture_output=True, check=True, timeout=120,
        ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def speech_bursts(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[Burst]:
    """Stretches where the 20 ms frame RMS is above :data:`THRESHOLD_DB`, short gaps bridged."""
    frame = int(FRAME_S * sample_rate)
    count = len(samples) // frame
    if count == 0:
        return []
    frames = samples[:count * frame].astype(np.float64).reshape(count, frame)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = np.flatnonzero(level > THRESHOLD_DB)
    bursts: list[Burst] = []
    if len(loud) == 0:
        return bursts
    start = prev = loud[0]
    for i in [*loud[1:], None]:
        if i is not None and (i - prev - 1) * FRAME_S < MIN_GAP_S:
            prev = i
            continue
        if (prev + 1 - start) * FRAME_S >= MIN_BURST_S:
            bursts.append(Burst(round(start * FRAME_S, 3), round((prev + 1) * FRAME_S, 3)))
        if i is not None:
            start = prev = i
    return bursts


def render_speech(text: str, voice: str, speed: float, codec_args: list[str]) -> bytes:
    """``text`` spoken by a flite voice at ``speed``, encoded by ffmpeg with ``codec_args``."""
    with tempfile.TemporaryDirectory() as tmp:
        text_file, wav = Path(tmp, "input.txt"), Path(tmp, "speech.wav")
        text_file.write_text(text, encoding="utf-8")
        subprocess.run(["flite", "-voice", voice, "-f", str(text_file), "-o", str(wav)],
                       check=True, capture_output=True, timeout=300)
        return subprocess.run(
            ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(wav),
             "-af", _tempo_filter(speed), "-ac", "1", "-ar", str(SPEECH_RATE), *codec_args, "-"],
            capture_output=True, check=True, timeout=300,
        ).stdout


def _tempo_filter(speed: float) -> str:
    # atempo takes 0.5..100 per instance: chain halvings for slower speeds
    stages = []
    while speed < 0.5:
        stages.append("atempo=0.5")
        speed /= 0.5
    stages.append(f"atempo={speed:.4f}")
    return ",".join(stages)


def _handler_for(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = RecordedRequest(self.command, self.path.split("?", 1)[0], headers, body)
            try:
                _parse_body(request)
                response = server.handle(request)
            except ValueError as e:
                response = Response.error(400, f"Malformed request body: {e}")
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)

    return Handler


def _parse_body(request: RecordedRequest) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict):
            msg = "the JSON body must be an object"
            raise ValueError(msg)
        request.fields = data
    elif content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                request.files[str(name)] = (filename, payload)
            elif name in request.fields:  # a repeated field (``timestamp_granularities[]``)
                previous = request.fields[str(name)]
                request.fields[str(name)] = [*(previous if isinstance(previous, list) else [previous]),
                                             payload.decode()]
            else:
                request.fields[str(name)] = payload.decode()


def openai_settings(server: OpenAIServer, settings: Settings, *, api_key: str | None = None) -> Settings:
    """``settings`` pointed at ``server``, with its key (or ``api_key``)."""
    return settings.with_(openai_base_url=server.base_url, openai_api_key=api_key or server.api_key or "test-key")
