"""receipt templates have a format: Markdown or HTML

Revision ID: pipeline_0011
Revises: pipeline_0010_letters
Create Date: 2026-12-06

`pipeline_receipt_template.format` is "markdown" or "html"; every template
made so far is HTML. The three letters pipeline_0002 ships, where they are
still exactly as shipped (a new install, or nobody edited them), become the
same letters written in Markdown, so that a development officer can edit
them; a template someone changed stays as it is, in HTML. The fund reads
"to {{ gift.fund }}": a fund's own wording in letters says whether it takes
"the". The thank-you letter prints its receipt number, and both tax notes
are the organisation's country wording ({{ org.tax_statement }}) instead of
the US sentence every organisation printed. The texts are frozen here.
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "pipeline_0011"
down_revision = "pipeline_0010_letters"
branch_labels = None
depends_on = None

SIGNATURE = """With gratitude,

{{ org.signature if org.signature else "The team at " ~ org.name }}
"""

THANK_YOU = """Dear {{ donor.salutation }},

{% if gift.in_kind %}
Thank you for your generous gift of {{ gift.in_kind_description }}, which we received on {{ gift.date }}{% if gift.tribute %}, given {{ gift.tribute }}{% endif %}.
{% else %}
Thank you for your generous gift of **{{ gift.amount }}**{% if gift.fund %} to {{ gift.fund }}{% endif %}, which we received on {{ gift.date }}{% if gift.tribute %}, given {{ gift.tribute }}{% endif %}.
{% endif %}

Gifts like yours are what make our work possible. Every one of them goes straight to the people and the causes we serve, and we could not do it without friends like you.

If you have any questions about your gift, or would like to hear more about what it helps us do, simply reply to this letter or get in touch; we are always glad to hear from you.

""" + SIGNATURE + """
---

{{ "Receipt no. " ~ gift.receipt_number ~ " · " if gift.receipt_number }}Gift no. {{ gift.number }}{% if gift.payment_method %} · {{ gift.payment_method }}{% endif %}{% if gift.reference %} · reference {{ gift.reference }}{% endif %}.{% if gift.in_kind %} We do not place a value on gifts in kind.{% endif %}
{{ org.tax_statement }}
"""

STATEMENT = """## Your giving in {{ statement.year }}

Dear {{ donor.salutation }},

Thank you for your support throughout {{ statement.year }}. This statement lists the gifts you made to {{ org.name }} between 1 January and 31 December {{ statement.year }}.

| Date | Fund | Reference | Amount |
| --- | --- | --- | ---: |
{% for row in statement.gifts %}
| {{ row.date }} | {% if row.in_kind %}In kind: {{ row.description }}{% if row.fund %}, {{ row.fund }}{% endif %}{% else %}{{ row.fund }}{% endif %} | {{ row.reference }} | {{ "In kind" if row.in_kind else row.amount }} |
{% endfor %}
| **Total of your gifts of money** | | | **{{ statement.total }}** |

{% if statement.has_in_kind %}
Gifts in kind are listed without a value and are not included in the total.
{% endif %}

{{ org.tax_statement }}

""" + SIGNATURE

TRIBUTE = """Dear {{ notify.salutation }},

We are writing to let you know that {{ donor.name }} has made a gift to {{ org.name }} {{ gift.tribute }}.

A gift like this is a lasting way of remembering and celebrating someone, and we wanted you to know that {{ gift.tribute_name }} is being honoured through the work it supports.

Thank you for allowing us to share this with you.

""" + SIGNATURE

MARKDOWN = {"Thank-you letter": THANK_YOU, "Year-end giving statement": STATEMENT, "Tribute notification": TRIBUTE}


def _shipped() -> dict[str, str]:
    """The HTML bodies pipeline_0002 shipped, by template name."""
    path = Path(__file__).with_name("pipeline_0002_receipt_templates.py")
    spec = importlib.util.spec_from_file_location("pipeline_0002_texts", path)
    texts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(texts)
    return {name: body for _kind, name, _subject, body in texts.TEMPLATES}


def _table():
    return sa.table("pipeline_receipt_template", sa.column("id", sa.Integer), sa.column("name", sa.String),
                    sa.column("body", sa.Text), sa.column("format", sa.String))


def upgrade():
    op.add_column("pipeline_receipt_template", sa.Column("format", sa.String(length=10), nullable=False,
                                                         server_default="html"))
    table = _table()
    for name, html in _shipped().items():
        op.execute(table.update().where(table.c.name == name, table.c.body == html, table.c.format == "html")
                   .values(body=MARKDOWN[name], format="markdown"))


def downgrade():
    table = _table()
    for name, html in _shipped().items():
        op.execute(table.update().where(table.c.name == name, table.c.body == MARKDOWN[name])
                   .values(body=html))
    op.drop_column("pipeline_receipt_template", "format")
