"""What the benchmark scripts share: the machine they ran on, and percentiles.

A figure measured on a shared machine means little without the cores, the load and the free
memory it was measured with; every script prints :func:`machine` with its figures (once before
and once after, since the load changes while it runs).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

import numpy as np
import psutil

__all__ = ["LOAD_WARNING", "load_note", "machine", "percentiles"]

LOAD_WARNING = 3.0  # a 1-minute load average above this: the figures are slowed by other processes


def machine() -> dict[str, Any]:
    """Cores, load averages, RAM and CPU model of this machine, now."""
    memory = psutil.virtual_memory()
    one, five, fifteen = os.getloadavg()
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "load_average": [round(one, 2), round(five, 2), round(fifteen, 2)],
        "ram_total_gb": round(memory.total / 2**30, 1),
        "ram_available_gb": round(memory.available / 2**30, 1),
        "python": platform.python_version(),
        "gpus": _gpus(),
    }


def load_note(before: dict[str, Any], after: dict[str, Any]) -> str:
    """One line on the machine and its load during a measurement, with a warning above :data:`LOAD_WARNING`."""
    loads = [before["load_average"][0], after["load_average"][0]]
    line = (f"{before['cores']} cores ({before['cpu']}), {before['ram_total_gb']} GB RAM "
            f"({before['ram_available_gb']} GB available), load average {loads[0]:g} before, {loads[1]:g} after")
    if max(loads) > LOAD_WARNING:
        line += f"  ** load above {LOAD_WARNING:g}: other processes slowed these figures **"
    return line


def percentiles(values: Sequence[float], scale: float = 1000.0, digits: int = 1) -> dict[str, float]:
    """p50, p95, min and max of ``values`` times ``scale`` (seconds to milliseconds by default)."""
    array = np.asarray(values, dtype=np.float64) * scale
    p50, p95 = np.percentile(array, [50, 95])
    return {"p50": round(float(p50), digits), "p95": round(float(p95), digits),
            "min": round(float(array.min()), digits), "max": round(float(array.max()), digits), "n": len(array)}


def _gpus() -> list[str]:
    """The NVIDIA GPUs ``nvidia-smi -L`` lists; [] without the tool (no torch import: it takes seconds)."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return []
    listed = subprocess.run([tool, "-L"], capture_output=True, text=True, timeout=30, check=False)
    return [line.split(" (UUID")[0] for line in listed.stdout.splitlines() if line.startswith("GPU ")]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
