"""Benchmarks run each measured step in a fresh interpreter, so one step's peak memory and
caches never colour the next: ``script --step ARGS...`` prints its figures as a JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def run_step(script: str, *args: str) -> dict[str, Any]:
    """Run ``script --step ARGS...`` and return the JSON object on its last line of output."""
    out = subprocess.run(
        [sys.executable, script, "--step", *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def write_jsonl(records: Iterable[Any], path: Path) -> Path:
    """Article records as the JSON Lines ``dedup import`` reads (source, id, title, text,
    published), for the benchmarks' stores built from Reuters."""
    with path.open("w", encoding="utf-8") as out:
        for r in records:
            item = {
                "source": r.source,
                "id": r.key.rsplit(":", 1)[-1],
                "title": r.title,
                "text": r.text,
                "published": r.published.isoformat() if r.published else None,
            }
            out.write(json.dumps(item) + "\n")
    return path
