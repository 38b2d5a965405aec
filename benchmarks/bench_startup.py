"""Start-up of the `dedup` command: `dedup --help` and `dedup status`, timed like hyperfine.

Run from the repository root:

    .venv/bin/python benchmarks/bench_startup.py [--runs 20]

Each command runs once to warm the file cache, then ``--runs`` times; the minimum and median
wall times are printed beside a bare interpreter's (``python -c pass``, the floor), with the
slowest imports of a ``status`` run from ``python -X importtime``. ``status`` reads a store
made from the bundled seeds, so it has feeds' worth of rows to count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.3
DEDUP = [sys.executable, "-c", "from dedup.cli import main; main()"]


def _time(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def _slowest_imports(cmd: list[str], env: dict[str, str], n: int = 8) -> list[str]:
    out = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True, env=env
    ).stderr
    rows = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    top = [(us, name) for us, name in rows if not name.startswith("   ")]  # top-level only
    return [f"{us / 1000:6.1f} ms {name.strip()}" for us, name in sorted(top, reverse=True)[:n]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dedup-startup-") as tmp:
        env = {**os.environ, "DEDUP_DB": str(Path(tmp) / "dedup.sqlite"), "DEDUP_WORKERS": "0"}
        subprocess.run(
            [*DEDUP, "import", str(ROOT / "examples" / "seeds")],
            check=True,
            capture_output=True,
            env=env,
        )
        floor = _time([sys.executable, "-c", "pass"], args.runs, env)
        print(f"python -c pass: min {floor[0]:.3f} s, median {floor[1]:.3f} s (the floor)")
        for name, extra in (("--help", ["--help"]), ("status", ["status"])):
            best, median = _time([*DEDUP, *extra], args.runs, env)
            verdict = "MET" if median <= TARGET_S else "MISSED"
            print(
                f"dedup {name}: min {best:.3f} s, median {median:.3f} s over {args.runs} runs "
                f"(target <= {TARGET_S} s) {verdict}"
            )
        print("slowest top-level imports of `dedup status`:")
        for line in _slowest_imports([*DEDUP, "status"], env):
            print(f"  {line}")


if __name__ == "__main__":
    main()
