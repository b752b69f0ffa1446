"""Forms for opportunities, the board's moves, winning and losing, and the
pipeline admin pages. Choices are filled in by the views."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.currencies import CurrencyField
from app.forms import DateField, choices
from modules.pipeline.form_fields import AmountField
from modules.pipeline.models import FREQUENCIES, OUTCOMES, PAYMENT_METHODS

OUTCOME_LABELS = {"open": "Open", "won": "Won", "lost": "Lost"}


def _currency():
    return CurrencyField(required=True)


def _choose(message: str):
    def check(form, field):
        if not field.data:
            raise ValidationError(message)
    return check


class OpportunityForm(FlaskForm):
    contact = HiddenField()
    name = StringField("Name", validators=[DataRequired("Give the opportunity a name."), Length(max=200)],
                       description="What is asked for, like “2027 capital grant” or “Annual major gift”.")
    amount = AmountField("Amount", allow_zero=True, description="The amount you expect, like 25,000.")
    currency = _currency()
    stage = SelectField("Stage", coerce=int, validators=[_choose("Choose a stage.")])
    expected_close = DateField("Expected close date", validators=[Optional()],
                               description="The month it is expected to close counts in the forecast.")
    owner = SelectField("Owner", coerce=int)
    next_step = StringField("Next step", validators=[Length(max=200)])
    notes = TextAreaField("Notes")


class MoveForm(FlaskForm):
    stage = SelectField("Move to stage", coerce=int, validators=[_choose("Choose a stage.")])
    back = HiddenField()


class LoseForm(FlaskForm):
    stage = HiddenField()
    lost_reason = SelectField("Why was it lost?", coerce=int, validators=[_choose("Choose why it was lost.")])
    lost_note = TextAreaField("Note (optional)", validators=[Length(max=2000)])
    back = HiddenField()


class WinGiftForm(FlaskForm):
    amount = AmountField("Amount")
    received_on = DateField("Date received", validators=[InputRequired("Enter the date the gift was received.")])
    fund = SelectField("Fund", coerce=int)
    appeal = SelectField("Appeal", coerce=int)
    payment_method = SelectField("Payment method", choices=choices([("", "Not recorded")] +
                                                                   list(PAYMENT_METHODS.items())))


class WinPledgeForm(FlaskForm):
    amount = AmountField("Pledged amount")
    pledged_on = DateField("Pledged on", validators=[InputRequired("Enter the date of the pledge.")])
    installments = IntegerField("Number of installments", default=1, validators=[
        InputRequired("Enter how many installments."),
        NumberRange(1, 360, "Between 1 and 360 installments.")])
    frequency = SelectField("Frequency", choices=choices(FREQUENCIES), default="yearly")
    first_due = DateField("First installment due", validators=[InputRequired("Enter when the first is due.")])
    fund = SelectField("Fund", coerce=int)
    appeal = SelectField("Appeal", coerce=int)


class PipelineForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the pipeline a name."), Length(max=120)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    records_gifts = BooleanField("Winning records a gift or pledge",
                                 description="For major gifts and grants: a won opportunity offers to record "
                                             "the gift or pledge.")


class StageForm(FlaskForm):
    name = StringField("Stage name", validators=[DataRequired("Give the stage a name."), Length(max=80)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])
    probability = IntegerField("Probability (%)", default=0, validators=[
        InputRequired("Enter a probability from 0 to 100."),
        NumberRange(0, 100, "A probability is from 0 to 100.")])
    outcome = SelectField("Counts as", choices=choices([(o, OUTCOME_LABELS[o]) for o in OUTCOMES]))


class StageDeleteForm(FlaskForm):
    move_to = SelectField("Move its opportunities to", coerce=int, validate_choice=False)


class LostReasonForm(FlaskForm):
    name = StringField("Reason", validators=[DataRequired("Write the reason."), Length(max=120)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])


class ArchiveForm(FlaskForm):
    """A bare POST (CSRF only) for buttons like archive, move up/down."""


class StateForm(FlaskForm):
    """A button that sets a state (archived=1, active=0) rather than toggling
    it, so a click on a stale page cannot undo someone else's click."""

    def wanted(self, name: str, current: bool) -> bool:
        """The state posted as `name` ("1"/"0"); a page older than this
        (nothing posted) still toggles, as it did."""
        value = request.form.get(name)
        return (not current) if value not in ("0", "1") else value == "1"
