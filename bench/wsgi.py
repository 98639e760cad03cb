"""WSGI entry point of the bench configuration, for the throughput run only:
`gunicorn --pythonpath REPO "bench.wsgi:app"` (never deploy this; production uses `wsgi:app`)."""
from bench.app import create_bench_app

app = create_bench_app()
