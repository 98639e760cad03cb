"""What a serving process does once, after its application is built and before it serves.

A built application holds a quarter of a million objects that live as long as the process (modules, the mappers,
the templates, the compiled statements): Python's cycle collector walked them all at every full collection, about
0.1 s on the bench machine (issue 25), and a full collection falls inside whichever request happens to trigger it.
`settle` collects the start-up garbage once, then moves what is left out of the collector's reach (`gc.freeze`, as
Python's documentation advises for servers), so that a full collection walks only what requests have made since.
Objects frozen here are still freed when nothing refers to them; only a cycle among them would stay.

This module knows no feature.
"""
from __future__ import annotations

import gc


def settle() -> None:
    """Collect the start-up garbage, then freeze every object left (call once per serving process, after the
    application is built: a gunicorn worker builds its own, `wsgi.py`)."""
    gc.collect()
    gc.freeze()
