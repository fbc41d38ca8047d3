"""gunicorn's threaded worker (``gthread``), with client connections spread evenly over the workers.

The workers share one listening socket, and a client keeps its connection alive: whichever worker
accepted it first serves all its requests. That first race is lopsided: under 20 users the split was
14/1/5 or 4/10/6 over three workers (measured with ``ss`` during ``encadena bench load``), while the
operating system gives each worker the same CPU. So the worker holding 10 connections answered them
2.5 times slower than the one holding 4, and those requests were the p99.

Here every worker publishes how many connections it holds on a board shared with its siblings
(anonymous shared memory, made by the master before it forks), and accepts a new connection only
while it holds at most one more than the least loaded worker. The least loaded worker always
accepts, so a new client is never left waiting. ``service/gunicorn_conf.py`` gives the board a slot
per worker and closes a kept-alive connection after a number of requests, so a split that drifted
(a client gone, a worker replaced) evens out again as clients reconnect.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable

from gunicorn.workers.gthread import ThreadWorker

# More than any sane worker count on one machine (settings cap WEB_CONCURRENCY at 64).
SLOTS = 64
EMPTY = -1
# How many connections more than the least loaded worker a worker may hold and still accept.
SLACK = 0
# A worker that does not accept looks at the board again after at most this long (gthread's loop
# otherwise sleeps up to 1 s when idle): a sibling's accept may have made it one of the least loaded,
# and until it looks, no worker may be accepting.
RECHECK_S = 0.02


class ConnectionBoard:
    """Connections held per worker slot, in memory the master shares with the workers it forks."""

    def __init__(self, slots: int = SLOTS):
        # An anonymous map is MAP_SHARED: a child writes to the same memory as its parent.
        self._memory = mmap.mmap(-1, slots * 4)
        self._counts = memoryview(self._memory).cast("i")
        for slot in range(slots):
            self._counts[slot] = EMPTY

    def claim(self, taken: Iterable[int | None]) -> int:
        """The lowest slot no live worker holds (called by the master before a fork)."""
        used = set(taken)
        slot = next(s for s in range(len(self._counts)) if s not in used)
        self._counts[slot] = EMPTY  # not counted until the worker serves (it warms up first)
        return slot

    def publish(self, slot: int, connections: int) -> None:
        self._counts[slot] = connections

    def clear(self, slot: int) -> None:
        self._counts[slot] = EMPTY

    def counts(self) -> list[int]:
        return [n for n in self._counts.tolist() if n != EMPTY]

    def least(self) -> int:
        return min(self.counts(), default=0)


class BalancedThreadWorker(ThreadWorker):
    """``gthread`` that accepts connections only while it holds no more than ``SLACK`` above the
    least loaded worker on ``board``.

    gthread's event loop asks ``worker_connections`` on every pass whether it may accept; here that
    answer also publishes the worker's own count, so the board is as fresh as the loops. This leans on
    gthread's internals (``nr_conns``, ``_accepting``, ``wait_for_and_dispatch_events``; gunicorn is
    pinned in uv.lock): tests/test_gunicorn_worker.py checks the spread on a live gunicorn.
    """

    board: ConnectionBoard | None = None  # set in the master (service/gunicorn_conf.py) before forking
    slot: int | None = None  # set per worker by the master's pre_fork hook

    @property
    def worker_connections(self) -> int:
        limit = self._connection_limit
        if self.board is None or self.slot is None:
            return limit
        held = self.nr_conns
        self.board.publish(self.slot, held)
        # Returning what it holds makes the loop's ``nr_conns < worker_connections`` false: no accept.
        return limit if held <= self.board.least() + SLACK else held

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._connection_limit = value

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        if self.board is not None and not self._accepting:
            timeout = min(timeout, RECHECK_S)
        super().wait_for_and_dispatch_events(timeout)
