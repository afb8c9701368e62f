"""Async twins of the blocking capabilities: the work runs in a thread, and stops when its task is cancelled.

Every capability takes a ``cancel`` event and checks it between steps; cancelling the
awaiting task sets it, so the worker stops at its next checkpoint instead of running on
unseen.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["in_thread"]

T = TypeVar("T")


async def in_thread(work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``work(*args, cancel=event, **kwargs)`` in a worker thread; ``event`` is set once the caller stops waiting."""
    cancel = kwargs.pop("cancel", None) or threading.Event()
    try:
        return await asyncio.to_thread(work, *args, cancel=cancel, **kwargs)
    finally:
        cancel.set()
