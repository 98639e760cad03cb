"""Prometheus metrics: what the platform counts, and who may read them at /metrics.

The metrics (all named `lms_...`; docs/operations.md#monitoring lists them for the operator):

- `lms_http_requests_total{endpoint, method, status_class}`: requests answered, by the Flask endpoint's name
  (`learning.lesson`, never the URL: ids in paths would make a series per object), the method (the usual
  ones, else `other`) and the status class (`2xx` ... `5xx`); `unmatched` names requests no route took;
- `lms_http_request_duration_seconds{endpoint}`: a histogram of the time from the first request hook to
  the response (a streamed body's sending is not in it);
- `lms_db_pool_checked_out`, `lms_db_pool_size`, `lms_db_pool_overflow`: the database connection pool, kept
  up to date by the pool's own checkout and checkin events (`watch_pool`), so that a request costs no
  query and a scrape needs none;
- features count their own events beside their code (the sign-in throttle's refusals, lms.auth.throttle).

Several gunicorn workers each count in their own process. With PROMETHEUS_MULTIPROC_DIR set (before the
process starts: prometheus_client reads it when it is imported), every process writes its values into
files there and /metrics adds up every worker's (`exposition`); the pool gauges count live workers only.
`lms.gunicorn_conf` empties the folder when gunicorn starts and forgets a dead worker's gauges.

A request costs two hooks: a clock reading before, a counter and a histogram after; nothing of it touches
the database.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import time
from pathlib import Path

from flask import Flask, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import disable_created_metrics, generate_latest, multiprocess
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
if os.environ.get(MULTIPROC_DIR):
    # Every process writes its values there from the first metric on: the folder must exist first (a
    # command run with the service's environment, before gunicorn made it, would fail otherwise).
    os.makedirs(os.environ[MULTIPROC_DIR], exist_ok=True)

# No `..._created` series beside each counter (a second series per label set, which Prometheus does not need;
# the multiprocess mode never has them): the same exposition with one worker or several.
disable_created_metrics()

# Methods counted by name; any other a client invents is "other", so that it cannot add series at will.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: pages answer in milliseconds, reports and exports in seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter("lms_http_requests", "HTTP requests answered, by endpoint, method and status class",
                   ("endpoint", "method", "status_class"))
DURATION = Histogram("lms_http_request_duration_seconds", "Time to answer a request, by endpoint",
                     ("endpoint",), buckets=DURATION_BUCKETS)
# "livesum": the sum over the workers alive now (a dead worker's connections are gone with it).
POOL_CHECKED_OUT = Gauge("lms_db_pool_checked_out", "Database connections in use", multiprocess_mode="livesum")
POOL_SIZE = Gauge("lms_db_pool_size", "Database connections the pools keep open (their size)",
                  multiprocess_mode="livesum")
POOL_OVERFLOW = Gauge("lms_db_pool_overflow", "Database connections open beyond the pools' size",
                      multiprocess_mode="livesum")

_STARTED = "lms_metrics_started"
# The flag on a pool entry while it is counted as checked out: a checkout retried on the same entry (a failed
# ping) is counted once, and only a counted one is taken off at checkin. In `record_info`, which outlives a
# reconnection (`info` is emptied then).
_COUNTED = "lms_metrics_out"


def init_metrics(app: Flask) -> None:
    """Count and time every request (register before other request hooks: the time includes theirs)."""
    app.before_request(_start_clock)
    app.after_request(_count)


def _start_clock() -> None:
    g.setdefault(_STARTED, time.perf_counter())


def _count(response):
    endpoint = request.endpoint or "unmatched"
    method = request.method if request.method in METHODS else "other"
    REQUESTS.labels(endpoint, method, f"{response.status_code // 100}xx").inc()
    started = g.get(_STARTED)
    if started is not None:
        DURATION.labels(endpoint).observe(time.perf_counter() - started)
    return response


def watch_pool(engine: Engine) -> None:
    """Keep the pool gauges true from the pool's events: connections in use for every kind of pool, and for a
    QueuePool (PostgreSQL's, and a SQLite file's) its size and the connections open beyond it."""
    pool = engine.pool
    queue = pool if isinstance(pool, QueuePool) else None
    if queue is not None:
        POOL_SIZE.set(queue.size())

    @event.listens_for(pool, "checkout")
    def _out(_dbapi_connection, record, _proxy):
        if not record.record_info.get(_COUNTED):
            record.record_info[_COUNTED] = True
            POOL_CHECKED_OUT.inc()
        if queue is not None:
            POOL_OVERFLOW.set(max(0, queue.overflow()))

    @event.listens_for(pool, "checkin")
    def _in(_dbapi_connection, record):
        if record.record_info.pop(_COUNTED, False):
            POOL_CHECKED_OUT.dec()
        if queue is not None:
            # The event comes before the connection is back: a full queue means it will be closed.
            full = queue.size() > 0 and queue.checkedin() >= queue.size()
            POOL_OVERFLOW.set(max(0, queue.overflow() - (1 if full else 0)))

    @event.listens_for(pool, "detach")
    def _detached(_dbapi_connection, record):
        if record.record_info.pop(_COUNTED, False):
            POOL_CHECKED_OUT.dec()


def _address_allowed(address: str | None, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False  # no address (a Unix socket) is no internal address
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket is 127.0.0.1
    return any(ip in network for network in networks)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()


def may_read_metrics() -> bool:
    """Whether this request may read the metrics: it carries `Authorization: Bearer <LMS_METRICS_TOKEN>`
    (compared in constant time), or it comes from an address of LMS_METRICS_ALLOW (`request.remote_addr`:
    the client's, after the trusted proxies, lms.core.proxies).

    A request with `X-Forwarded-For` while no proxy is trusted (LMS_TRUSTED_PROXIES=0) came through a proxy
    the settings do not know of, or says it did: its address is the proxy's (127.0.0.1 behind a local
    nginx), not the client's, so the address rule is not applied to it. Otherwise a proxy left at 0 would
    open the metrics to the whole world.
    """
    config = current_app.config
    token = config["METRICS_TOKEN"]
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(_digest(given.strip()), _digest(token)):
            return True
    if not config["TRUSTED_PROXIES"] and "X-Forwarded-For" in request.headers:
        return False
    return _address_allowed(request.remote_addr, config["METRICS_ALLOW"])


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type: this process's, or with
    PROMETHEUS_MULTIPROC_DIR every worker's added up."""
    if os.environ.get(MULTIPROC_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# The files prometheus_client writes per process: counter_123.db, gauge_livesum_123.db, histogram_123.db...
_VALUE_FILE = re.compile(r"(counter|gauge_[a-z]+|histogram|summary)_\d+\.db")


def clear_multiprocess_dir() -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR of the values of earlier runs (gunicorn's master calls it at start, before
    any worker counts: old counters would add up with new ones, old gauges never go). Other files are left."""
    folder = os.environ.get(MULTIPROC_DIR)
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for item in path.iterdir():
        if _VALUE_FILE.fullmatch(item.name):
            item.unlink(missing_ok=True)


def forget_process(pid: int) -> None:
    """A worker ended: its live gauges (the pool's) stop counting; its counters stay in the sums."""
    if os.environ.get(MULTIPROC_DIR):
        multiprocess.mark_process_dead(pid)
