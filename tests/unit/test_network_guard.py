"""The suite opens no network connection except to loopback (pytest-socket, see pyproject)."""

from __future__ import annotations

import socket
import threading

import pytest
from pytest_socket import SocketConnectBlockedError

NON_LOOPBACK = ("192.0.2.1", 80)  # TEST-NET-1: routable-looking, reserved for documentation


@pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")  # pytest-socket's own report
def test_non_loopback_connection_is_blocked() -> None:
    with pytest.raises(SocketConnectBlockedError, match=r"192\.0\.2\.1"):
        socket.create_connection(NON_LOOPBACK, timeout=1)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(SocketConnectBlockedError):
        sock.connect(NON_LOOPBACK)


def test_loopback_is_allowed() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted: list[bytes] = []

        def serve() -> None:
            conn, _ = server.accept()
            with conn:
                accepted.append(conn.recv(5))

        thread = threading.Thread(target=serve)
        thread.start()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"hello")
        thread.join(timeout=5)
    assert accepted == [b"hello"]
