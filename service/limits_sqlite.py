"""A ``limits`` storage in one SQLite file, so every gunicorn worker of a host shares its rate limits.

flask-limiter's memory storage counts per worker (a client spread over N workers would get N times
its limit); Redis (``REDIS_URL``) shares counts across hosts. On one machine with no server besides
Neo4j, this file does it: fixed windows, one row per key, each increment one
``INSERT ... ON CONFLICT DO UPDATE`` statement (atomic across processes under SQLite's write lock). Scheme:
``encadena+sqlite:///absolute/path.sqlite``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

# Rows whose window ended this long ago are deleted on an increment, now and then.
PURGE_EVERY = 500


class SQLiteStorage(Storage):
    """Fixed-window counters in a SQLite file shared by the processes of one host."""

    STORAGE_SCHEME = ["encadena+sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self.path = Path(str(uri).split("://", 1)[1]) if uri and "://" in uri else Path(".data/ratelimits.sqlite")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._increments = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        with self._connection() as db:
            db.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, "
                       "expires REAL NOT NULL)")

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per process and thread (a forked worker never reuses its parent's)."""
        owner = (os.getpid(), threading.get_ident())
        db = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "owner", None) != owner:
            db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db, self._local.owner = db, owner
        return db

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        # One statement, so SQLite's write lock is held inside C only. Four statements in a transaction
        # held it across Python code, where a thread could lose the GIL with the lock taken; the other
        # workers then slept in SQLite's busy handler (1-100 ms), each holding one of a worker's threads
        # (under 20 users: 9% of the workers' time in the limiter, measured with py-spy).
        now = time.time()
        db = self._connection()
        rows = db.execute(
            "INSERT INTO counters (key, value, expires) VALUES (?1, ?2, ?3 + ?4) ON CONFLICT (key) DO UPDATE SET "
            "value = CASE WHEN counters.expires <= ?3 THEN ?2 ELSE counters.value + ?2 END, "
            "expires = CASE WHEN counters.expires <= ?3 THEN ?3 + ?4 ELSE counters.expires END "
            "RETURNING value",
            (key, amount, now, expiry),
        ).fetchall()  # stepped to the end: the statement, and its lock, are done
        self._increments += 1
        if self._increments % PURGE_EVERY == 0:
            db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return int(rows[0][0])

    def get(self, key: str) -> int:
        row = self._connection().execute("SELECT value, expires FROM counters WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row and row[1] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        db = self._connection()
        count = db.execute("SELECT count(*) FROM counters").fetchone()[0]
        db.execute("DELETE FROM counters")
        return int(count)

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
