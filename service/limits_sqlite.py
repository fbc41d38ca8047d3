"""A ``limits`` storage in one SQLite file, so every gunicorn worker of a host shares its rate limits.

flask-limiter's memory storage counts per worker (a client spread over N workers would get N times
its limit); Redis (``REDIS_URL``) shares counts across hosts. On one machine with no server besides
Neo4j, this file does it: fixed windows, one row per key, written in short ``IMMEDIATE``
transactions (SQLite's write lock makes each increment atomic across processes). Scheme:
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
        now = time.time()
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value, expires FROM counters WHERE key = ?", (key,)).fetchone()
            if row is None or row[1] <= now:
                value = amount
                db.execute("INSERT OR REPLACE INTO counters (key, value, expires) VALUES (?, ?, ?)",
                           (key, value, now + expiry))
            else:
                value = row[0] + amount
                db.execute("UPDATE counters SET value = ? WHERE key = ?", (value, key))
            self._increments += 1
            if self._increments % PURGE_EVERY == 0:
                db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return value

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
