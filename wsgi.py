"""WSGI entry point: `gunicorn "wsgi:app"` (each worker builds the application, then settles its heap)."""
from lms import create_app
from lms.core.startup import settle

app = create_app()
settle()
