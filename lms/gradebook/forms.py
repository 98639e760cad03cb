"""The gradebook's forms: the grading rule with the weights of items and modules, and one result overridden."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import Form, options
from lms.gradebook.models import MAX_REASON


def rule_choices():
    """The grading rules, as the settings say them."""
    return options([("mean", _l("The mean of the items' percentages")),
                    ("item_weights", _l("A weighted mean: a weight per item")),
                    ("module_weights", _l("A weighted mean of the modules: the mean within each module, "
                                          "then a weight per module"))])


class GradingForm(Form):
    """The grading rule; `weight_fields` adds a weight per item and module (`w-<kind>-<id>`)."""

    rule = SelectField(_l("How the total is made"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = rule_choices()

    def weights(self, keys) -> dict[tuple[str, int], object]:
        """{(kind, id): weight typed} of these keys (an empty field counts 1)."""
        found = {}
        for kind, item_id in keys:
            value = self[f"w-{kind}-{item_id}"].data
            found[(kind, item_id)] = 1 if value is None else value
        return found


def grading_form(keys, data=None, formdata=None) -> GradingForm:
    """A GradingForm with a weight field (0..1000, two decimals) for every (kind, id) of `keys`."""
    class Form(GradingForm):
        pass

    for kind, item_id in keys:
        setattr(Form, f"w-{kind}-{item_id}", DecimalField(
            _l("Weight"), places=2, validators=[Optional(), NumberRange(0, 1000)], render_kw={"inputmode": "decimal"}))
    return Form(data=data) if formdata is None else Form(formdata=formdata, data=data)


class OverrideForm(Form):
    """A result set by hand: the percentage and why."""

    percent = DecimalField(_l("Result (percent)"), places=2,
                           validators=[InputRequired(), NumberRange(0, 100)], render_kw={"inputmode": "decimal"})
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_REASON)],
                           description=_l("Required: why the result differs from the one computed (at most 500 "
                                          "characters). The trainee reads it with their grades."),
                           render_kw={"rows": 3})


class RemoveForm(Form):
    """The button that removes an override: its CSRF token."""
