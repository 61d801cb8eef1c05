"""CPU and memory of every shop process, about once a second, grouped the way a reader thinks
of the shop: one line per service (its granian workers summed), PostgreSQL, RabbitMQ, Redis,
nginx, the mail sink, each web app, and the load generator apart from the shop.

Memory is PSS (proportional set size: a shared page is split between the processes sharing it),
so PostgreSQL's shared buffers or granian's forked workers are not counted once per process and
the sum is the shop's real footprint. Reading it costs ~1 ms a process, so it is read every
MEMORY_EVERY samples and carried forward in between.

Processes come and go under us (another engineer restarts services, granian respawns a worker):
CPU is counted per pid as the growth of its cumulative CPU time since the sampler first saw it
(or since it started, when it started after the sampler), so a restart loses nothing and counts
nothing twice.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psutil

from shopkit_platform._paths import UP_STATE

MEMORY_EVERY = 5
LOAD = "load generator"
BARE = "bare handler"
# Not part of the shop: excluded from "whole shop" CPU.
OUTSIDE = frozenset({LOAD, BARE})
HOT = ("order-service", "inventory-service", "payment-service", "product-service",
       "search-service", "cart-service", "user-service")  # fmt: skip
SYSTEM = {"postgres": "postgres", "beam.smp": "rabbitmq", "erl_child_setup": "rabbitmq",
          "epmd": "rabbitmq", "inet_gethost": "rabbitmq", "redis-server": "redis"}  # fmt: skip


def _group_of_up_process(name: str) -> str:
    if name.startswith("gateway"):
        return "nginx"
    return name.removesuffix(" worker")


@dataclass
class Sample:
    t: float
    cpu: dict[str, float]  # CPU seconds used since the previous sample, per group
    rss: dict[str, int]  # memory now (PSS), bytes, per group


@dataclass
class Sampler:
    """A background thread; `mark(group, pid)` adds a process (and its children) by hand."""

    interval: float = 1.0
    samples: list[Sample] = field(default_factory=list)
    workers: dict[str, int] = field(default_factory=dict)
    _marked: dict[int, str] = field(default_factory=dict)
    _cpu_seen: dict[int, float] = field(default_factory=dict)
    _procs: dict[int, psutil.Process] = field(default_factory=dict)
    _memory: dict[int, int] = field(default_factory=dict)
    _count: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    started: float = 0.0

    def mark(self, group: str, pid: int) -> None:
        self._marked[pid] = group

    def start(self) -> None:
        self.started = time.time()
        self._collect(first=True)
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self._collect()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._collect()

    def _process(self, pid: int) -> psutil.Process | None:
        proc = self._procs.get(pid)
        if proc is None or not proc.is_running():
            try:
                proc = psutil.Process(pid)
            except psutil.Error:
                return None
            self._procs[pid] = proc
        return proc

    def _tree(self, pid: int) -> list[psutil.Process]:
        root = self._process(pid)
        if root is None:
            return []
        try:
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return [root]

    def _groups(self) -> dict[int, tuple[str, psutil.Process]]:
        found: dict[int, tuple[str, psutil.Process]] = {}
        try:
            state = json.loads(UP_STATE.read_text())
        except (OSError, ValueError):
            state = {"processes": []}
        workers: Counter[str] = Counter()
        for entry in state.get("processes", []):
            name = str(entry.get("name", "?"))
            group = _group_of_up_process(name)
            tree = self._tree(int(entry["pid"]))
            served = group.endswith("-service") or group in ("storefront", "admin")
            if served and not name.endswith(" worker"):
                # Every process of a service serves (shopkit.server: the process and the
                # workers it forked or started in place of one that died).
                workers[group] = max(1, len(tree))
            for proc in tree:
                found[proc.pid] = (group, proc)
        for pid, group in self._marked.items():
            for proc in self._tree(pid):
                found[proc.pid] = (group, proc)
        for proc in psutil.process_iter(["name"]):
            system = SYSTEM.get(proc.info["name"] or "")
            if system and proc.pid not in found:
                found[proc.pid] = (system, self._procs.setdefault(proc.pid, proc))
        self.workers = dict(workers)
        return found

    def _collect(self, *, first: bool = False) -> None:
        now = time.time()
        cpu: dict[str, float] = {}
        rss: dict[str, int] = {}
        fresh = self._count % MEMORY_EVERY == 0
        self._count += 1
        for pid, (group, proc) in self._groups().items():
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    used = times.user + times.system
                    created = proc.create_time()
                    if fresh or pid not in self._memory:
                        self._memory[pid] = proc.memory_full_info().pss
                    memory = self._memory[pid]
            except psutil.Error:
                continue
            before = self._cpu_seen.get(pid)
            if before is None:
                before = used if first or created < self.started else 0.0
            self._cpu_seen[pid] = used
            cpu[group] = cpu.get(group, 0.0) + max(0.0, used - before)
            rss[group] = rss.get(group, 0) + memory
        if not first:
            self.samples.append(Sample(now, cpu, rss))

    def cpu_since_last(self) -> dict[str, float]:
        """Sample now, without the thread: CPU seconds per group since the previous call
        (the first call only sets the baseline and returns nothing)."""
        first = not self._cpu_seen
        self._collect(first=first)
        return {} if first else self.samples[-1].cpu

    def cpu_between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds per group used in the samples taken within [start, end]."""
        total: dict[str, float] = {}
        for sample in self.samples:
            if start < sample.t <= end + self.interval / 2:
                for group, used in sample.cpu.items():
                    total[group] = total.get(group, 0.0) + used
        return total

    def peak_shop_memory(self) -> int:
        """The most memory (PSS, bytes) the whole shop held at once, outside processes excluded."""
        return max(
            (sum(v for g, v in s.rss.items() if g not in OUTSIDE) for s in self.samples), default=0
        )

    def workers_label(self) -> str:
        """'2 workers per hot service' (or a range when services differ), for the report."""
        counts = sorted({self.workers[s] for s in HOT if s in self.workers})
        if not counts:
            return "workers unknown"
        if len(counts) == 1:
            n = counts[0]
            return f"{n} worker{'s' if n > 1 else ''} per hot service"
        return f"{counts[0]}-{counts[-1]} workers per hot service"

    def to_json(self) -> dict[str, object]:
        return {
            "interval": self.interval,
            "workers": self.workers,
            "t": [round(s.t, 3) for s in self.samples],
            "cpu": [{k: round(v, 4) for k, v in s.cpu.items()} for s in self.samples],
            "rss": [s.rss for s in self.samples],
        }
