"""One letter: which template, its merge fields, the rendered subject and
body. The same code serves the gift page, the template preview and the
batch job, so what a preview shows is what donors get."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import extract, select
from sqlalchemy.orm import selectinload

from app import templating
from app.extensions import db
from modules.contacts.models import Contact
from modules.pipeline.models import Gift, ReceiptTemplate
from modules.pipeline.receipts import fields

THANK_YOU, STATEMENT, TRIBUTE = "thank_you", "statement", "tribute"
KINDS = ReceiptTemplate.KINDS


class NoTemplate(LookupError):
    pass


@dataclass
class Letter:
    kind: str
    template: ReceiptTemplate
    recipient: Contact           # who the letter goes to (the notified person for a tribute)
    subject: str
    body: str                    # sanitised HTML from the administrator's template
    to_name: str
    to_lines: list[str]
    date: str
    gift: Gift | None = None
    year: int | None = None
    extra: dict = field(default_factory=dict)

    def frame(self) -> dict:
        """What pdf.page_html needs."""
        return {"to_name": self.to_name, "to_lines": self.to_lines, "date": self.date, "body": self.body,
                "subject": self.subject}

    @property
    def filename(self) -> str:
        if self.kind == STATEMENT:
            return f"statement-{self.year}-{slug(self.recipient.display_name)}.pdf"
        return f"{self.kind.replace('_', '-')}-{self.gift.id}.pdf"


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "donor"


def template_for(kind: str, template_id: int | None = None) -> ReceiptTemplate:
    """The chosen template (when it is of `kind`), else the default of the kind."""
    if template_id:
        chosen = db.session.get(ReceiptTemplate, template_id)
        if chosen is not None and chosen.kind == kind:
            return chosen
    found = db.session.scalar(select(ReceiptTemplate).where(ReceiptTemplate.kind == kind)
                              .order_by(ReceiptTemplate.is_default.desc(), ReceiptTemplate.id).limit(1))
    if found is None:
        raise NoTemplate(f"There is no {KINDS[kind].lower()} template; add one under Receipt templates.")
    return found


def render(template: ReceiptTemplate, context: dict, *, isolated: bool = False) -> tuple[str, str]:
    """(subject, body HTML); templating.TemplateProblem when the template
    fails. The body in its format (Markdown or HTML) through the core's
    render_html, as the editor's preview does: the PDF, the email and the
    preview are the same HTML. Isolated: both in one child process (for
    web requests)."""
    sources = (template.subject or KINDS[template.kind], template.body, template.format or templating.HTML)
    if isolated:
        subject, body = templating.isolated(_render_both, *sources, context)
    else:
        subject, body = _render_both(*sources, context)
    return " ".join(subject.split())[:200], body


def _render_both(subject: str, body: str, format: str, context: dict) -> tuple[str, str]:
    return templating.render(subject, context), templating.render_html(body, context, format)


def gift_options():
    """Load options for gifts a letter is written for: donor and addresses,
    fund, appeal, and the notified person of a tribute."""
    return (selectinload(Gift.contact).selectinload(Contact.addresses), selectinload(Gift.fund),
            selectinload(Gift.appeal), selectinload(Gift.tribute_notify).selectinload(Contact.addresses),
            selectinload(Gift.receipt))


def load_gifts(ids: list[int]) -> list[Gift]:
    if not ids:
        return []
    found = {g.id: g for g in db.session.scalars(select(Gift).where(Gift.id.in_(ids)).options(*gift_options()))}
    return [found[i] for i in ids if i in found]


def thank_you(gift: Gift, template: ReceiptTemplate, today: date, *, isolated: bool = False) -> Letter:
    """The gift's thank-you letter; its receipt number must have been given
    (`numbers.assign`) and committed before, as the gift page and batch runs do."""
    context = fields.thank_you(gift, today)
    subject, body = render(template, context, isolated=isolated)
    donor = context["donor"]
    return Letter(THANK_YOU, template, gift.contact, subject, body, donor["addressee"], donor["address_lines"],
                  context["today"], gift=gift)


def tribute(gift: Gift, template: ReceiptTemplate, today: date, *, isolated: bool = False) -> Letter:
    if gift.tribute_notify is None:
        raise NoTemplate("This gift names nobody to tell about the tribute.")
    context = fields.tribute(gift, today)
    subject, body = render(template, context, isolated=isolated)
    notify = context["notify"]
    return Letter(TRIBUTE, template, gift.tribute_notify, subject, body, notify["addressee"],
                  notify["address_lines"],
                  context["today"], gift=gift)


def statement(contact: Contact, year: int, gifts: list[Gift], template: ReceiptTemplate, today: date, *,
              isolated: bool = False) -> Letter:
    context = fields.year_statement(contact, year, gifts, today)
    subject, body = render(template, context, isolated=isolated)
    donor = context["donor"]
    return Letter(STATEMENT, template, contact, subject, body, donor["addressee"], donor["address_lines"],
                  context["today"], year=year, extra={"count": len(gifts)})


def year_gifts(contact_ids: list[int], year: int) -> dict[int, list[Gift]]:
    """Each donor's own gifts received in `year` (one query), for statements."""
    out: dict[int, list[Gift]] = {cid: [] for cid in contact_ids}
    if not contact_ids:
        return out
    rows = db.session.scalars(
        select(Gift).where(Gift.contact_id.in_(contact_ids), Gift.received_on >= date(year, 1, 1),
                           Gift.received_on <= date(year, 12, 31))
        .options(selectinload(Gift.fund)).order_by(Gift.received_on, Gift.id))
    for gift in rows:
        out[gift.contact_id].append(gift)
    return out


def load_contacts(ids: list[int]) -> list[Contact]:
    found = {c.id: c for c in db.session.scalars(
        select(Contact).where(Contact.id.in_(ids)).options(selectinload(Contact.addresses)))}
    return [found[i] for i in ids if i in found]


def donor_years(contact_id: int, limit: int = 6) -> list[int]:
    """The latest years a donor gave in, newest first (for statement copies)."""
    year = extract("year", Gift.received_on)
    return [int(y) for y in db.session.scalars(
        select(year).where(Gift.contact_id == contact_id).group_by(year).order_by(year.desc()).limit(limit))]
