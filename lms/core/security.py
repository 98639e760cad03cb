"""Random tokens, password hashing and the gate that schedules it.

Passwords are hashed with argon2id (argon2-cffi), at the cost the configuration names
(PASSWORD_HASH_MEMORY_KIB, _TIME_COST, _PARALLELISM; production refuses less than OWASP's floor, see
config.ARGON2_FLOOR). Hashes of before (werkzeug's scrypt and pbkdf2) still verify; `needs_rehash` says when a
stored hash should be replaced at the next right password (an older scheme, or argon2id at a lower cost).

The gate: a hash costs about 0.1 s of CPU on purpose, so a class signing in at once must not take every core
and every thread from the pages. Each worker process hashes on its own few threads
(PASSWORD_HASHES_AT_ONCE), at a lower CPU priority than the threads serving pages, so the kernel serves a
page first and hashes with what is left; argon2 releases the GIL while it works, so the worker's other
threads go on serving pages (gunicorn's gthread workers, lms/gunicorn_conf.py). At most
PASSWORD_HASH_QUEUE more wait, each for at most PASSWORD_HASH_WAIT_SECONDS; past either bound `HashingBusy`
(a 503 with Retry-After) asks the person to try again in a few seconds, and the sign-in page answers it
with the form still filled in.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitedTooLong
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.security import check_password_hash

from config import ARGON2_FLOOR

# Seconds a person is told to wait after the gate was full (Retry-After).
RETRY_AFTER_SECONDS = 5


def new_token(nbytes: int = 32) -> tuple[str, str]:
    """A fresh URL-safe random token and the SHA-256 hex digest under which it is stored."""
    token = secrets.token_urlsafe(nbytes)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The stored form of a token. Tokens are random and long, so a plain SHA-256 suffices."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class HashingBusy(ServiceUnavailable):
    """Every hashing thread of this worker is taken and the wait is full or over: try again in a few seconds.

    An HTTP 503 with Retry-After, so that any page that hashes (a set-password link, an enrolment key) gets
    the error page; the sign-in page catches it and keeps its form."""

    user_message = _l("Many people are signing in right now. Try again in a few seconds.")

    def __init__(self):
        super().__init__(retry_after=RETRY_AFTER_SECONDS)


@lru_cache(maxsize=8)
def _hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)


def _cost() -> tuple[int, int, int]:
    """The configured (memory KiB, passes, lanes); OWASP's floor outside an application (a bare script)."""
    config = current_app.config if has_app_context() else ARGON2_FLOOR
    return tuple(int(config.get(key, floor)) for key, floor in ARGON2_FLOOR.items())


@lru_cache(maxsize=8)
def _dummy_hash(memory_kib: int, time_cost: int, parallelism: int) -> str:
    """A valid hash of a random password at the configured cost: checking against it when the account does
    not exist costs the same time as a real check, so response times do not reveal which emails have accounts."""
    return _hasher(memory_kib, time_cost, parallelism).hash(secrets.token_hex(16))


def _hash(cost: tuple[int, int, int], password: str) -> str:
    return _hasher(*cost).hash(password)


def _verify(cost: tuple[int, int, int], password_hash: str | None, password: str) -> bool:
    """The work itself, on a hashing thread: argon2id, an older werkzeug hash, or the dummy (then False)."""
    if not password_hash:
        _verify_argon2(cost, _dummy_hash(*cost), password)
        return False
    if password_hash.startswith("$argon2"):
        return _verify_argon2(cost, password_hash, password)
    return check_password_hash(password_hash, password)


def _verify_argon2(cost, password_hash: str, password: str) -> bool:
    try:
        # The hash carries its own parameters: one made at an older cost still verifies.
        return _hasher(*cost).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    """A salted argon2id hash of a password, at the configured cost (through the gate: may raise HashingBusy)."""
    cost = _cost()
    return _through_gate(_hash, cost, password)


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the hash (argon2id, or werkzeug's scrypt or pbkdf2 of before); always spends
    the time of one check, also without a hash. Through the gate: may raise HashingBusy."""
    return _through_gate(_verify, _cost(), password_hash, password)


def needs_rehash(password_hash: str | None) -> bool:
    """Whether a stored hash should be replaced by a new one once its password is known to be right: a scheme
    of before (scrypt, pbkdf2), or argon2id at other parameters than the configured ones."""
    if not password_hash:
        return False
    if not password_hash.startswith("$argon2id$"):
        return True
    try:
        return _hasher(*_cost()).check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


class _Gate:
    """One worker process's hashing threads and its bounded wait (see the module's docstring)."""

    def __init__(self, threads: int, queue: int, wait: float, niceness: int):
        self.settings = (threads, queue, wait, niceness)
        self.pid = os.getpid()
        self.wait = wait
        # Taken without waiting by each hash, given back when it ended: the hashing and the waiting together.
        self.room = threading.BoundedSemaphore(threads + queue)
        self.taken = 0  # how many hold room now (gate_state); counted under the lock
        self._count_lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lms-hashing",
                                       initializer=_lower_priority, initargs=(niceness,))

    def run(self, work, *args):
        """The result of `work(*args)` on a hashing thread, or HashingBusy when the gate is full or the wait
        runs out before a thread takes it."""
        if not self.room.acquire(blocking=False):
            raise HashingBusy()
        self._count(1)
        try:
            future = self.pool.submit(work, *args)
            try:
                return future.result(timeout=self.wait)
            except WaitedTooLong:
                if future.cancel():
                    raise HashingBusy() from None
                return future.result()  # it has started: it ends within one hash's time
        finally:
            self._count(-1)
            self.room.release()

    def _count(self, step: int) -> None:
        with self._count_lock:
            self.taken += step


def _lower_priority(niceness: int) -> None:
    """Run this hashing thread at a lower CPU priority, `niceness` above the request threads' (Linux gives each
    thread its own nice value; elsewhere setpriority would reach the whole process, so it is left as it is)."""
    if niceness and sys.platform.startswith("linux"):
        try:
            thread = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + niceness))
        except OSError:  # a container that forbids it: the gate's bounds still hold
            pass


_gates_lock = threading.Lock()


def _gate() -> _Gate | None:
    """This process's gate for the current application (made at its first hash: after gunicorn's fork, whose
    child has none of its parent's threads), or None outside an application."""
    if not has_app_context():
        return None
    app = current_app._get_current_object()
    config = app.config
    settings = (int(config.get("PASSWORD_HASHES_AT_ONCE", 1)), int(config.get("PASSWORD_HASH_QUEUE", 8)),
                float(config.get("PASSWORD_HASH_WAIT_SECONDS", 10)), int(config.get("PASSWORD_HASH_NICENESS", 5)))
    with _gates_lock:
        gate = app.extensions.get("lms.password_gate")
        if gate is None or gate.pid != os.getpid() or gate.settings != settings:
            if gate is not None and gate.pid == os.getpid():
                gate.pool.shutdown(wait=False)
            gate = app.extensions["lms.password_gate"] = _Gate(*settings)
    return gate


def _through_gate(work, *args):
    gate = _gate()
    return work(*args) if gate is None else gate.run(work, *args)


def gate_state() -> dict:
    """How full this process's gate is (tests and diagnostics): {"taken": hashing or waiting, "room": the bound}."""
    gate = _gate()
    if gate is None:
        return {"taken": 0, "room": 0}
    threads, queue = gate.settings[:2]
    return {"taken": gate.taken, "room": threads + queue}
