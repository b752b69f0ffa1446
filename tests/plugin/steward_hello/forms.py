"""Hello's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class GreetingForm(FlaskForm):
    text = StringField("Greeting", validators=[
        DataRequired("Write a greeting."),
        Length(max=200, message="Keep it under 200 characters."),
    ], filters=[lambda v: v.strip() if isinstance(v, str) else v],
        description="Something friendly, like “Welcome, volunteers!”")
