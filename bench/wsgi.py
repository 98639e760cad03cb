"""WSGI entry point of the bench configuration, for the throughput run only:
`gunicorn --pythonpath REPO "bench.wsgi:app"` (never deploy this; production uses `wsgi:app`, and this one starts
its workers the same way)."""
from bench.app import create_bench_app
from lms.core.startup import settle

app = create_bench_app()
settle()
