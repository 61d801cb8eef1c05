"""What a profile gets from the harness, and how it starts its load generator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._sampler import LOAD, Sampler
from ._shop import GATEWAY

PLATFORM = Path(__file__).resolve().parents[1]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


@dataclass
class Context:
    sampler: Sampler
    work: Path  # this run's scratch folder (records, configs)
    gateway: str = GATEWAY
    lines: list[str] = field(default_factory=list)

    def say(self, line: str = "") -> None:
        """A line of the profile's summary (printed now, and kept for summary.txt)."""
        print(line, flush=True)
        self.lines.append(line)

    def python(self, module: str, config: dict[str, Any], name: str) -> subprocess.Popen[bytes]:
        """Start a load generator `python -m bench.<module> <config>` in its own process, marked
        as the load generator for the sampler."""
        path = self.work / f"{name}.json"
        path.write_text(json.dumps(config))
        paths = [str(PLATFORM), os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
        process = subprocess.Popen([sys.executable, "-m", f"bench.{module}", str(path)], env=env)
        self.sampler.mark(LOAD, process.pid)
        return process


def target(ok: bool) -> str:
    return "meets" if ok else "MISSES"
