"""gunicorn's threaded worker (``gthread``), with client connections spread evenly over the workers.

The workers share one listening socket, and a client keeps its connection alive: whichever worker
accepted it first serves all its requests. That first race is lopsided: under 20 users the split was
14/1/5 or 4/10/6 over three workers (measured with ``ss`` during ``encadena bench load``), while the
operating system gives each worker the same CPU. So the worker holding 10 connections answered them
2.5 times slower than the one holding 4, and those requests were the p99.

Here every worker publishes how many connections it holds on a board shared with its siblings
(anonymous shared memory, made by the master before it forks), and accepts a new connection only
while it holds no more than the least loaded worker that is serving. A worker that does not accept
looks at the board again every ``RECHECK_S``, so one of the least loaded accepts within that. A
worker leaving its loop (stopping, restarting) takes its count off the board, and a count not
refreshed for ``STALE_S`` (a worker stuck or killed) no longer counts, so no stale low count can keep
the others from accepting. ``service/gunicorn_conf.py`` gives each worker its slot and closes a
kept-alive connection after a number of requests, so a split that drifted (clients gone) evens out
again as clients reconnect.
"""

from __future__ import annotations

import mmap
import time
from collections.abc import Iterable

from gunicorn.workers.gthread import ThreadWorker

# Slots for every worker alive at once: on a reload (HUP) the master starts a full new set before the
# old one stops, so twice the most workers the settings allow (64), with room to spare.
SLOTS = 256
EMPTY = -1
# How many connections more than the least loaded worker a worker may hold and still accept.
SLACK = 0
# A worker that does not accept looks at the board again after at most this long (gthread's loop
# otherwise sleeps up to 1 s when idle): a sibling's accept may have made it one of the least loaded.
RECHECK_S = 0.02
# A serving worker refreshes its count at least once a second (gthread's loop wakes that often); a
# count older than this belongs to a worker that is stuck or gone, and is left out.
STALE_S = 3.0


class ConnectionBoard:
    """Connections held per worker slot, with when each was published, in memory the master shares
    with the workers it forks."""

    def __init__(self, slots: int = SLOTS):
        # An anonymous map is MAP_SHARED: a child writes to the same memory as its parent.
        self._memory = mmap.mmap(-1, slots * 12)
        self._counts = memoryview(self._memory)[: slots * 4].cast("i")
        # Milliseconds of CLOCK_MONOTONIC, which every process on the machine shares.
        self._stamps = memoryview(self._memory)[slots * 4:].cast("q")
        for slot in range(slots):
            self._counts[slot] = EMPTY

    def claim(self, taken: Iterable[int | None]) -> int | None:
        """The lowest slot no live worker holds, called by the master before a fork (None when all are
        taken: that worker then accepts as plain gthread does)."""
        used = set(taken)
        slot = next((s for s in range(len(self._counts)) if s not in used), None)
        if slot is not None:
            self._counts[slot] = EMPTY  # not counted until the worker serves (it warms up first)
        return slot

    def publish(self, slot: int, connections: int) -> None:
        self._stamps[slot] = _now_ms()
        self._counts[slot] = connections

    def clear(self, slot: int) -> None:
        self._counts[slot] = EMPTY

    def counts(self) -> list[int]:
        """The counts of the workers serving now (published within ``STALE_S``)."""
        fresh_since = _now_ms() - int(STALE_S * 1000)
        stamps = self._stamps.tolist()
        return [n for n, stamp in zip(self._counts.tolist(), stamps, strict=True)
                if n != EMPTY and stamp >= fresh_since]

    def least(self) -> int:
        return min(self.counts(), default=0)


def _now_ms() -> int:
    return int(time.monotonic() * 1000)


class BalancedThreadWorker(ThreadWorker):
    """``gthread`` that accepts connections only while it holds no more than ``SLACK`` above the
    least loaded worker on ``board``.

    gthread's event loop asks ``worker_connections`` on every pass whether it may accept; here that
    answer also publishes the worker's own count, so the board is as fresh as the loops. This leans on
    gthread's internals (``nr_conns``, ``_accepting``, ``set_accept_enabled``,
    ``wait_for_and_dispatch_events``; gunicorn is pinned in uv.lock): tests/test_gunicorn_worker.py
    checks the spread on a live gunicorn.
    """

    board: ConnectionBoard | None = None  # set in the master (service/gunicorn_conf.py) before forking
    slot: int | None = None  # set per worker by the master's pre_fork hook

    @classmethod
    def check_config(cls, cfg, log) -> None:
        super().check_config(cfg, log)
        if cfg.reuse_port:
            # Each worker would listen on a socket of its own, and one that stops accepting would leave
            # the connections the kernel queued on it waiting.
            raise RuntimeError("BalancedThreadWorker needs the workers to share one socket: unset reuse_port.")

    @property
    def worker_connections(self) -> int:
        limit = self._connection_limit
        if self.board is None or self.slot is None or not self.alive:
            return limit
        held = self.nr_conns
        self.board.publish(self.slot, held)
        # Returning what it holds makes the loop's ``nr_conns < worker_connections`` false: no accept.
        return limit if held <= self.board.least() + SLACK else held

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._connection_limit = value

    def set_accept_enabled(self, enabled: bool) -> None:
        # gthread stops accepting when it leaves its loop (shutting down, restarting): its count must
        # not hold its siblings back while it finishes its last requests.
        if not enabled and not self.alive and self.board is not None and self.slot is not None:
            self.board.clear(self.slot)
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        if self.board is not None and self.alive and not self._accepting:
            timeout = min(timeout, RECHECK_S)
        super().wait_for_and_dispatch_events(timeout)
