"""The catalogue's search and filter form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from lms.core.forms import Form

SEARCH_MAX = 100  # characters of a search or filter value that are read


class CatalogueForm(Form):
    """Search and filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=SEARCH_MAX)])
    language = SelectField(_l("Language"), validate_choice=False)
    topic = SelectField(_l("Topic"), validate_choice=False)
