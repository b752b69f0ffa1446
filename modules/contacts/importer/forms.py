"""Forms of the import steps. The column mapping is a table of selects built
from the file's headers, read in the view."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from app.forms import choices
from modules.contacts.importer.matching import RULES


class UploadForm(FlaskForm):
    file = FileField("File", description="A CSV file (any common encoding; comma, semicolon, tab or pipe "
                                         "between columns) or an Excel workbook (.xlsx), with a header row.",
                     render_kw={"accept": ".csv,.txt,.tsv,.xlsx,text/csv,"
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


class SaveMappingForm(FlaskForm):
    mapping_name = StringField("Save this mapping as", validators=[
        DataRequired("Give the mapping a name."), Length(max=120)],
        description="Reuse it for the next file with the same columns.")


class MatchForm(FlaskForm):
    match_rule = RadioField("Find existing contacts", choices=choices(RULES), default="email")
    on_match = RadioField("When a row matches an existing contact", default="update", choices=choices({
        "update": "Update the contact (empty cells never overwrite what it has)",
        "skip": "Skip the row"}))
    on_new = RadioField("When a row matches no contact", default="create", choices=choices({
        "create": "Create a new contact", "skip": "Skip the row"}))
