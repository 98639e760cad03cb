"""Shared counters with expiry: Redis when configured, else (and while Redis is down) this worker's memory.

What needs a count that every worker agrees on (the sign-in throttle) asks here. Each operation is
atomic: in Redis because INCR and SET NX are, in memory under one lock. So two requests that race for
the last allowed attempt cannot both get it, on one worker or across workers sharing Redis.

If Redis does not answer, the operations fall back to the worker's memory (counts are then per worker,
which is weaker but never an error page), a warning is logged once, and Redis is tried again after
`RETRY_SECONDS`; its return is logged too.
"""
from __future__ import annotations

import logging
import threading
import time

import redis
from flask import current_app

log = logging.getLogger("lms.counters")

RETRY_SECONDS = 30  # how long a worker keeps to its memory before asking Redis again
TIMEOUT_SECONDS = 0.5  # a Redis that answers slower than this counts as down: sign-in must not hang


class MemoryCounters:
    """Counters in this process's memory, expiring after their time; one lock makes each operation atomic."""

    def __init__(self):
        self._lock = threading.Lock()
        self._values: dict[str, tuple[int, float]] = {}  # key -> (value, monotonic expiry)

    def _live(self, key: str, now: float) -> tuple[int, float] | None:
        item = self._values.get(key)
        if item is not None and item[1] <= now:
            del self._values[key]
            return None
        return item

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` to the counter and return the new value; a new counter expires after `expiry` seconds."""
        with self._lock:
            now = time.monotonic()
            item = self._live(key, now)
            value, expires = item if item else (0, now + expiry)
            self._values[key] = (value + amount, expires)
            return value + amount

    def get(self, key: str) -> int | None:
        """The counter's value, None if it is not set or has expired."""
        with self._lock:
            item = self._live(key, time.monotonic())
            return item[0] if item else None

    def set(self, key: str, value: int, expiry: float) -> None:
        """Set the counter to `value` for `expiry` seconds."""
        with self._lock:
            self._values[key] = (value, time.monotonic() + expiry)

    def claim(self, key: str, expiry: float) -> bool:
        """True for the first caller only (until `expiry` seconds have passed)."""
        with self._lock:
            now = time.monotonic()
            if self._live(key, now) is not None:
                return False
            self._values[key] = (1, now + expiry)
            return True

    def ttl(self, key: str) -> float:
        """Seconds until the counter expires (0 if it is not set)."""
        with self._lock:
            now = time.monotonic()
            item = self._live(key, now)
            return max(0.0, item[1] - now) if item else 0.0

    def delete(self, *keys: str) -> None:
        """Forget these counters."""
        with self._lock:
            for key in keys:
                self._values.pop(key, None)

    def clear(self) -> None:
        """Forget every counter (tests)."""
        with self._lock:
            self._values.clear()


class RedisCounters:
    """The same operations on a Redis server, under `prefix`."""

    def __init__(self, url: str, prefix: str):
        self.client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS,
                                           socket_timeout=TIMEOUT_SECONDS)
        self.prefix = prefix + ":"

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """INCRBY, and the expiry set on a new key, in one transaction."""
        pipe = self.client.pipeline(transaction=True)
        pipe.incrby(self.prefix + key, amount)
        pipe.expire(self.prefix + key, max(1, int(expiry)), nx=True)
        return int(pipe.execute()[0])

    def get(self, key: str) -> int | None:
        """GET as an int."""
        value = self.client.get(self.prefix + key)
        return None if value is None else int(value)

    def set(self, key: str, value: int, expiry: float) -> None:
        """SET with EX."""
        self.client.set(self.prefix + key, value, ex=max(1, int(expiry)))

    def claim(self, key: str, expiry: float) -> bool:
        """SET NX EX: only one caller gets True."""
        return bool(self.client.set(self.prefix + key, 1, nx=True, ex=max(1, int(expiry))))

    def ttl(self, key: str) -> float:
        """PTTL in seconds (0 if the key is not set)."""
        ms = self.client.pttl(self.prefix + key)
        return max(0.0, ms / 1000) if ms and ms > 0 else 0.0

    def delete(self, *keys: str) -> None:
        """DEL."""
        self.client.delete(*(self.prefix + key for key in keys))

    def clear(self) -> None:
        """Delete the keys under the prefix (tests)."""
        for key in self.client.scan_iter(self.prefix + "*"):
            self.client.delete(key)


class Counters:
    """Redis counters (when `url` is a redis:// address) with this worker's memory as the fallback."""

    def __init__(self, url: str, prefix: str = "lms"):
        self.memory = MemoryCounters()
        self.shared = RedisCounters(url, prefix) if url.startswith(("redis://", "rediss://", "unix://")) else None
        self._down_since: float | None = None
        self._lock = threading.Lock()

    def _call(self, name: str, *args):
        shared = self.shared
        if shared is not None and not self._resting():
            try:
                result = getattr(shared, name)(*args)
            except redis.RedisError as exc:
                self._went_down(exc)
            else:
                self._came_back()
                return result
        return getattr(self.memory, name)(*args)

    def _resting(self) -> bool:
        down = self._down_since
        return down is not None and time.monotonic() - down < RETRY_SECONDS

    def _went_down(self, exc: Exception) -> None:
        with self._lock:
            first = self._down_since is None
            self._down_since = time.monotonic()
        if first:
            log.warning("Redis does not answer (%s): sign-in limits fall back to this worker's memory "
                        "and are counted per worker until it is back", exc.__class__.__name__)

    def _came_back(self) -> None:
        if self._down_since is not None:
            with self._lock:
                self._down_since = None
            log.warning("Redis answers again: sign-in limits are shared between workers again")

    def redis_state(self) -> str:
        """"not used" without Redis, else "ok" when it answers a PING now (within TIMEOUT_SECONDS), else
        "unreachable"; asked whatever the fallback is doing (the readiness check)."""
        if self.shared is None:
            return "not used"
        try:
            self.shared.client.ping()
        except redis.RedisError:
            return "unreachable"
        return "ok"

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` atomically; a new counter expires after `expiry` seconds. Returns the new value."""
        return self._call("incr", key, expiry, amount)

    def get(self, key: str) -> int | None:
        """The value, or None."""
        return self._call("get", key)

    def set(self, key: str, value: int, expiry: float) -> None:
        """Set a value for `expiry` seconds."""
        self._call("set", key, value, expiry)

    def claim(self, key: str, expiry: float) -> bool:
        """True for exactly one caller (across workers when shared) until `expiry` seconds pass."""
        return self._call("claim", key, expiry)

    def ttl(self, key: str) -> float:
        """Seconds the key still lives."""
        return self._call("ttl", key)

    def delete(self, *keys: str) -> None:
        """Forget these counters."""
        self._call("delete", *keys)

    def clear(self) -> None:
        """Forget every counter, shared and in memory (tests)."""
        self.memory.clear()
        if self.shared is not None:
            try:
                self.shared.clear()
            except redis.RedisError:
                pass


def init_counters(app) -> None:
    """Give the app its counters, from RATELIMIT_STORAGE_URI (memory:// or redis://...)."""
    app.extensions["lms.counters"] = Counters(app.config["RATELIMIT_STORAGE_URI"], app.config["RATELIMIT_KEY_PREFIX"])


def counters() -> Counters:
    """The current app's counters."""
    return current_app.extensions["lms.counters"]
