"""Request records (what a load generator saw) and the figures drawn from them.

Every load generator writes one CSV line per request: `epoch seconds,endpoint,milliseconds,
outcome`, where outcome is `ok` or the kind of error (`http 503`, `timeout`, `connect`...).
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Record:
    t: float
    endpoint: str
    ms: float
    outcome: str


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of unsorted values (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def read_records(paths: Iterable[Path]) -> list[Record]:
    records: list[Record] = []
    for path in paths:
        with path.open(newline="") as handle:
            for row in csv.reader(handle):
                if len(row) == 4:
                    records.append(Record(float(row[0]), row[1], float(row[2]), row[3]))
    return records


def endpoint_table(records: Iterable[Record], window: tuple[float, float]) -> dict[str, Any]:
    """Per endpoint within the window: requests, req/s, errors by kind, p50/p95/p99 (ms)."""
    start, end = window
    by: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if start <= record.t <= end:
            by[record.endpoint].append(record)
    seconds = max(end - start, 1e-9)
    table: dict[str, Any] = {}
    for endpoint in sorted(by):
        rows = by[endpoint]
        times = [r.ms for r in rows]
        table[endpoint] = {
            "requests": len(rows),
            "rps": round(len(rows) / seconds, 1),
            "errors": dict(Counter(r.outcome for r in rows if r.outcome != "ok")),
            "p50": round(percentile(times, 0.50), 1),
            "p95": round(percentile(times, 0.95), 1),
            "p99": round(percentile(times, 0.99), 1),
        }
    return table


def timeline(records: Iterable[Record], start: float, end: float) -> dict[str, Any]:
    """Per endpoint, per time bucket (about 60 over the run): req/s and p50/p95/p99 (ms)."""
    bucket = max(1.0, (end - start) / 60)
    by: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if start <= record.t <= end:
            by[record.endpoint][int((record.t - start) // bucket)].append(record.ms)
    out: dict[str, Any] = {"bucket": bucket, "endpoints": {}}
    for endpoint, buckets in sorted(by.items()):
        keys = sorted(buckets)
        out["endpoints"][endpoint] = {
            "t": [round((k + 0.5) * bucket, 1) for k in keys],
            "rps": [round(len(buckets[k]) / bucket, 2) for k in keys],
            "p50": [round(percentile(buckets[k], 0.50), 1) for k in keys],
            "p95": [round(percentile(buckets[k], 0.95), 1) for k in keys],
            "p99": [round(percentile(buckets[k], 0.99), 1) for k in keys],
        }
    return out


def errors_by_kind(records: Iterable[Record], window: tuple[float, float]) -> dict[str, int]:
    start, end = window
    return dict(
        Counter(
            f"{r.endpoint}: {r.outcome}"
            for r in records
            if r.outcome != "ok" and start <= r.t <= end
        )
    )
