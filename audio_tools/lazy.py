"""Module attributes imported on first use, so that importing a package stays cheap."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, table: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``table[name]`` and caches the value in ``namespace``.

    Args:
        package: the package's name, for the error message.
        table: attribute name -> the module that defines it.
        namespace: the package's ``globals()``.
    """

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
