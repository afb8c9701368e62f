"""The notebooks' stand-in model answers a malformed request with a 400, not a dropped connection or a hang."""

from __future__ import annotations

import http.client
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notebooks"))
from standin_llm import StandinLLM  # the module lives beside the notebooks


@pytest.fixture
def address() -> Iterator[tuple[str, int]]:
    with StandinLLM(["hello"]) as standin:
        parts = urlsplit(standin.base_url)
        assert parts.hostname == "127.0.0.1" and parts.port is not None
        yield parts.hostname, parts.port


@pytest.mark.parametrize(("body", "length"), [(b"{not json", None), (b"[1]", None), (b"", "-1")])
def test_a_malformed_request_gets_a_400(address: tuple[str, int], body: bytes, length: str | None) -> None:
    connection = http.client.HTTPConnection(*address, timeout=5)
    connection.putrequest("POST", "/v1/chat/completions")
    connection.putheader("Content-Length", length or str(len(body)))
    connection.endheaders()
    connection.send(body)
    answer = connection.getresponse()
    assert answer.status == 400
    assert "Not a JSON object" in json.loads(answer.read())["error"]["message"]
