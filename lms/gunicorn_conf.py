"""gunicorn's settings for the platform: `gunicorn -c python:lms.gunicorn_conf --workers 4 ... wsgi:app`.

gunicorn reads the names below that are its settings (`worker_class`, `threads`, `logger_class`,
`on_starting`, `child_exit`); the command line adds the rest (and wins where it names the same). They do four
things:

- each worker serves requests on several threads (`gthread`), so a worker whose thread is hashing a password
  at sign-in (about 0.1 s of CPU, on purpose; lms.core.security, which lets the other threads run meanwhile and
  hashes at a lower priority) goes on serving pages on its other threads. This file is the one place of that
  choice: the operator's service (docs/operations.md) and the benchmarks start gunicorn with it;

- the metrics of several workers (lms.core.metrics): when gunicorn starts, the values an earlier run left in
  PROMETHEUS_MULTIPROC_DIR are removed; when a worker ends (a restart, a crash, a timeout), its live gauges
  are forgotten, so that the pool's figures count only the workers alive;
- gunicorn's own lines (its master's and workers': "Booting worker", "WORKER TIMEOUT", the access log if
  turned on) are written as the platform's are, one JSON object a line with LMS_LOG_FORMAT=json;
- emails are masked in them as in the platform's (lms.privacy.logmask).

The master process imports the platform to read this file: after an upgrade restart the service
(`systemctl restart`); a reload (HUP) would start workers with the code the master already holds.
"""
from __future__ import annotations

from gunicorn.glogging import Logger

from config import log_format
from lms.core.logs import formatter
from lms.core.metrics import clear_multiprocess_dir, forget_process
from lms.privacy.logmask import add_masking


class PlatformLogger(Logger):
    """gunicorn's logger, its handlers writing the platform's format, emails masked."""

    def setup(self, cfg):
        """Set gunicorn's handlers up (again at each reload), then give them the platform's format and mask."""
        super().setup(cfg)
        kind = log_format()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if kind == "json":
                    handler.setFormatter(formatter("json"))
                add_masking(handler)


# Threads per worker: enough that the sign-in gate's hashing and waiting threads (LMS_PASSWORD_HASHES_AT_ONCE
# + LMS_PASSWORD_HASH_QUEUE, 1 + 8 by default) leave some to pages, few enough that each can hold a database
# connection of SQLAlchemy's pool (5 + 10 overflow by default) and the GIL is not fought over by many.
worker_class = "gthread"
threads = 12

logger_class = PlatformLogger


def on_starting(server):
    """The master starts: no worker has counted yet, so the values of an earlier run go."""
    clear_multiprocess_dir()


def child_exit(server, worker):
    """A worker ended (in the master): its live gauges stop counting."""
    forget_process(worker.pid)
