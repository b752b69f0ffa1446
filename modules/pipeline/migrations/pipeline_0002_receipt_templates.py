"""default receipt templates

Revision ID: pipeline_0002
Revises: pipeline_0001
Create Date: 2026-11-22

A thank-you letter, a year-end giving statement and a tribute notification
that administrators can use as they are or edit (Receipt templates). Only
added where no template of that name exists, so running it again, or on a
database where someone already made their own, changes nothing. The texts
are frozen here: later changes to the merge fields do not rewrite them.
"""
import sqlalchemy as sa
from alembic import op

revision = "pipeline_0002"
down_revision = "pipeline_0001"
branch_labels = None
depends_on = None

SIGNATURE = ('<p>With gratitude,</p>\n'
             '<p class="signature">{{ org.signature if org.signature else "The team at " ~ org.name }}</p>\n')

THANK_YOU_BODY = """<p>Dear {{ donor.salutation }},</p>
{% if gift.in_kind %}
<p>Thank you for your generous gift of {{ gift.in_kind_description }}, which we received on {{ gift.date }}{% if gift.tribute %}, given {{ gift.tribute }}{% endif %}.</p>
{% else %}
<p>Thank you for your generous gift of <strong>{{ gift.amount }}</strong>{% if gift.fund %} to the {{ gift.fund }}{% endif %}, which we received on {{ gift.date }}{% if gift.tribute %}, given {{ gift.tribute }}{% endif %}.</p>
{% endif %}
<p>Gifts like yours are what make our work possible. Every one of them goes straight to the people and the causes we serve, and we could not do it without friends like you.</p>
<p>If you have any questions about your gift, or would like to hear more about what it helps us do, simply reply to this letter or get in touch; we are always glad to hear from you.</p>
""" + SIGNATURE + """<p class="tax-note">Gift no. {{ gift.number }}{% if gift.payment_method %} · {{ gift.payment_method }}{% endif %}{% if gift.reference %} · reference {{ gift.reference }}{% endif %}.
{% if gift.in_kind %}We do not place a value on gifts in kind.{% endif %}
No goods or services were provided in exchange for this gift. Please keep this letter for your tax records.</p>
"""

STATEMENT_BODY = """<h2>Your giving in {{ statement.year }}</h2>
<p>Dear {{ donor.salutation }},</p>
<p>Thank you for your support throughout {{ statement.year }}. This statement lists the gifts you made to {{ org.name }} between 1 January and 31 December {{ statement.year }}.</p>
<table>
  <thead><tr><th>Date</th><th>Fund</th><th>Reference</th><th class="amount">Amount</th></tr></thead>
  <tbody>
  {% for row in statement.gifts %}
    <tr><td>{{ row.date }}</td><td>{{ row.fund }}{% if row.in_kind %}<br><small>In kind: {{ row.description }}</small>{% endif %}</td><td>{{ row.reference }}</td><td class="amount">{{ "In kind" if row.in_kind else row.amount }}</td></tr>
  {% endfor %}
  </tbody>
  <tfoot><tr><td colspan="3">Total of your gifts of money</td><td class="amount">{{ statement.total }}</td></tr></tfoot>
</table>
{% if statement.has_in_kind %}
<p class="small">Gifts in kind are listed without a value and are not included in the total.</p>
{% endif %}
<p>No goods or services were provided in exchange for these gifts. Please keep this statement for your tax records.</p>
""" + SIGNATURE

TRIBUTE_BODY = """<p>Dear {{ notify.salutation }},</p>
<p>We are writing to let you know that {{ donor.name }} has made a gift to {{ org.name }} {{ gift.tribute }}.</p>
<p>A gift like this is a lasting way of remembering and celebrating someone, and we wanted you to know that {{ gift.tribute_name }} is being honoured through the work it supports.</p>
<p>Thank you for allowing us to share this with you.</p>
""" + SIGNATURE

TEMPLATES = [
    ("thank_you", "Thank-you letter", "Thank you for your gift to {{ org.name }}", THANK_YOU_BODY),
    ("statement", "Year-end giving statement", "Your {{ statement.year }} giving statement from {{ org.name }}",
     STATEMENT_BODY),
    ("tribute", "Tribute notification", "A gift {{ gift.tribute }}", TRIBUTE_BODY),
]


def _table():
    return sa.table("pipeline_receipt_template", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("name", sa.String), sa.column("subject", sa.String), sa.column("body", sa.Text),
                    sa.column("is_default", sa.Boolean), sa.column("updated_at", sa.DateTime))


def upgrade():
    table = _table()
    bind = op.get_bind()
    for kind, name, subject, body in TEMPLATES:
        if bind.execute(sa.select(table.c.id).where(table.c.name == name)).first() is not None:
            continue
        has_default = bind.execute(sa.select(table.c.id).where(table.c.kind == kind,
                                                               table.c.is_default.is_(True))).first()
        bind.execute(table.insert().values(kind=kind, name=name, subject=subject, body=body,
                                           is_default=has_default is None, updated_at=sa.func.current_timestamp()))


def downgrade():
    table = _table()
    for _kind, name, _subject, body in TEMPLATES:
        op.execute(table.delete().where(table.c.name == name, table.c.body == body))
