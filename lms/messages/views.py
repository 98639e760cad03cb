"""The messages' blueprint: no pages, only its templates folder (`templates/mail/`), which lms.mail renders the
reminders and the messages of events from."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("messages", __name__, template_folder="templates")
