"""The report filter forms (sent by GET, so no CSRF token): they draw the filters, the schema reads them.

What a filter value may be is decided once, by `lms.reports.filters` (the schema the exports and
the API use too). These forms only render the selects with their choices and the date inputs, and
`show` puts the schema's messages next to the fields that were wrong.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_babel import ngettext
from wtforms import BooleanField, DateField, HiddenField, SelectField

from lms.access import visible_institutions
from lms.catalog.queries import courses_beyond_draft
from lms.core.forms import Form, options
from lms.institutions.queries import countries_in, institutions_by_code
from lms.reports.filters import (
    CERTIFICATIONS, EXCLUDE, EXPIRY_WINDOWS, NOT_A_CHOICE, SHOW, ExpiringFilters, ReportFilters,
)
from lms.runs.queries import run_codes

CERTIFICATION_LABELS = {"certified": _l("Certified"), "expiring": _l("Expiring soon"),
                        "expired": lazy_pgettext("certificate", "Expired"),
                        "revoked": _l("Certificate revoked"), "never": _l("Never certified")}


def certification_field():
    """The certification select: any, or one of the certifications, best first."""
    return SelectField(_l("Certification"), choices=options(
        [("", _l("Any certification"))] + [(name, CERTIFICATION_LABELS[name]) for name in CERTIFICATIONS]))


def recorded_field():
    """The "leave out recorded completions" check box; it sends recorded=exclude (the schema's one value)."""
    return BooleanField(_l("Leave out recorded completions"), false_values=("", "false"),
                        render_kw={"value": EXCLUDE},
                        description=_l("Training done elsewhere and recorded by hand counts unless this is ticked."))


def withdrawn_field():
    """The "show withdrawn" check box; it sends withdrawn=show (the schema's one value)."""
    return BooleanField(_l("Show withdrawn"), false_values=("", "false"), render_kw={"value": SHOW})


def run_choices(form) -> None:
    """The run filter lists the codes of the runs there are; without runs it is left out of the form."""
    codes = run_codes()
    if codes:
        form.run.choices = options([("", _l("All runs"))] + [(code, code) for code in codes])
    else:
        del form.run


class _Filters(Form):
    """What the filter forms share: no CSRF token (GET), and `show`."""

    class Meta:
        csrf = False

    #: The names of the filters left out of the figures because of a message, set by `show`.
    left_out: tuple[str, ...] = ()

    def show(self, filters: ReportFilters | ExpiringFilters, errors: Mapping[str, list]
             ) -> ReportFilters | ExpiringFilters:
        """Show the schema's reading: its messages on their fields, the values it read in the others.

        Returns the filters the page applies: the schema's valid ones, less a select's value that is
        not among its choices (a course that is gone, another institution's code for a coordinator),
        which gets "Not a valid choice." and is left out like a bad value. The figures then always
        match what the form shows (a select cannot show a value it does not offer); no one sees more
        by it, as the viewer's scope is applied in SQL whatever the filters say (the exports and the
        API, which have no choices, apply such a value, and it matches nothing there).
        """
        left_out = {}
        for field in self:
            value = getattr(filters, field.name, None)
            if field.name in errors:
                field.errors = list(errors[field.name])
                left_out[field.name] = None
                if isinstance(field, HiddenField):
                    field.data = field.raw_data = None  # not sent again with the next "Apply"
            elif value is not None and isinstance(field, SelectField) and str(value) not in {
                    str(choice.value) for choice in field.choices}:
                field.errors = [NOT_A_CHOICE]
                left_out[field.name] = None
            elif value is not None and isinstance(field, BooleanField):
                field.data = True
            elif value is not None:
                field.data, field.raw_data = str(value) if isinstance(field, SelectField) else value, None  # shown as read: a date without spaces, a country upper-cased
        self.left_out = tuple(left_out)
        return filters.replace(**left_out)


class FilterForm(_Filters):
    """Course, institution (admins), country (admins), enrolment and completion periods, certification,
    and whether withdrawn enrolments are shown."""

    course = SelectField(_l("Course"))
    institution = SelectField(_l("Institution"))
    country = SelectField(_l("Country"))
    enrolled_from = DateField(_l("Enrolled from"))
    enrolled_to = DateField(_l("Enrolled until"))
    completed_from = DateField(_l("Completed from"))
    completed_to = DateField(_l("Completed until"))
    certification = certification_field()
    withdrawn = withdrawn_field()
    recorded = recorded_field()
    run = SelectField(_l("Run"))

    def __init__(self, viewer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        run_choices(self)
        scope = visible_institutions(viewer)
        self.course.choices = options([("", _l("All courses"))] + [(c.slug, c.title) for c in courses_beyond_draft()])
        self.institution.choices = options([("", _l("All institutions"))] + [
            (i.code, f"{i.name} ({i.code})") for i in institutions_by_code(scope)])
        self.country.choices = options([("", _l("All countries"))] + [(c, c) for c in countries_in(scope)])


class DrilldownFilterForm(_Filters):
    """The drill-down's periods, certification and "show withdrawn"; its path names the institution and the course, and the country of the
    report it came from is carried along unseen."""

    country = HiddenField(_l("Country"))
    enrolled_from = DateField(_l("Enrolled from"))
    enrolled_to = DateField(_l("Enrolled until"))
    completed_from = DateField(_l("Completed from"))
    completed_to = DateField(_l("Completed until"))
    certification = certification_field()
    withdrawn = withdrawn_field()
    recorded = recorded_field()
    run = SelectField(_l("Run"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        run_choices(self)


class ExpiringFilterForm(_Filters):
    """The expiring certificates page: institution (admins), window, and whether the expired are shown."""

    institution = SelectField(_l("Institution"))
    within = SelectField(_l("Expiring within"))
    expired = BooleanField(_l("Show expired too"), false_values=("", "false"), render_kw={"value": SHOW})

    def __init__(self, viewer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution.choices = options([("", _l("All institutions"))] + [
            (i.code, f"{i.name} ({i.code})") for i in institutions_by_code(visible_institutions(viewer))])
        self.within.choices = options([("", _l("The institution's notice period"))] + [
            (str(days), ngettext("%(num)d day", "%(num)d days", days)) for days in EXPIRY_WINDOWS])
