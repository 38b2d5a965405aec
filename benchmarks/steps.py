"""Benchmarks run each measured step in a fresh interpreter, so one step's peak memory and
caches never colour the next: ``script --step ARGS...`` prints its figures as a JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run_step(script: str, *args: str) -> dict[str, Any]:
    """Run ``script --step ARGS...`` and return the JSON object on its last line of output."""
    out = subprocess.run(
        [sys.executable, script, "--step", *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
