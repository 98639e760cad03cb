"""What the privacy feature's writes share: their log, and the error of a refused privacy action."""
from __future__ import annotations

import logging

log = logging.getLogger("lms.privacy")


class PrivacyError(ValueError):
    """A refused privacy action; the message is a code the views turn into words."""
