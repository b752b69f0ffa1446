"""A campaign up to the moment sending starts: its preview as any contact,
test sends (through the core mail service, marked as tests), and send now
or at a time (cancelled before it comes, nothing is sent). Both check the
checklist first and freeze the audience through freezing.py."""

from __future__ import annotations

from email.utils import formataddr

from flask import flash, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select

from app import audit, mail
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.ids import parse_id
from app.permissions import permission_required
from app.templating import TemplateProblem
from app.templating.sanitise import without_styles
from modules.contacts.lists import search
from modules.contacts.models import Contact, Relationship
from modules.marketing import ab, audience, campaign_links, checklist, freezing, rendering
from modules.marketing.campaign_forms import ScheduleForm, TestSendForm
from modules.marketing.campaign_models import CAMPAIGN_STATES, DRAFT, EXCLUSIONS, FREEZING, SCHEDULED, Campaign
from modules.marketing.sending import control
from modules.marketing.tracking import stats as tracking_stats
from modules.marketing.views import bp

SEND = "marketing.send"
PICKER_LIMIT = 10


def campaign_page(item: Campaign, *, schedule_form=None, test_form=None, status: int = 200, preview=None,
                  picked=None, found=(), q: str = ""):
    open_ = item.status in (DRAFT, SCHEDULED)
    n, capped = audience.estimate(item) if open_ else (item.recipients_total, False)
    items = checklist.run(item) if open_ else []
    progress = None if open_ else control.progress(item)  # the sending engine's live counts
    stats = None if open_ or item.status == FREEZING else tracking_stats.for_campaign(item)
    ab_results = ab.results(item) if stats is not None else []
    return render_template("marketing/campaign.html", campaign=item, states=CAMPAIGN_STATES, size=n,
                           progress=progress, stats=stats, ab_results=ab_results, ab_subjects=ab.subjects(item),
                           ab_metrics=ab.METRICS,
                           size_label=audience.estimate_label(n, capped), checks=items,
                           ready=checklist.passed(items), exclusions=EXCLUSIONS,
                           schedule_form=schedule_form or ScheduleForm(), test_form=test_form or TestSendForm(),
                           preview=preview, picked=picked, found=found, q=q), status


def related_of(campaign: Campaign, contact: Contact) -> list[Contact]:
    """Whom `contact` would be reached through with the campaign's expansion
    (a guardian's students), for the preview and the test."""
    expand = audience.expansion(campaign.audience or {})
    if expand is None:
        return []
    type_id, side, _ = expand
    R = Relationship
    mine, theirs = (R.contact_a_id, R.contact_b_id) if side == "a" else (R.contact_b_id, R.contact_a_id)
    return db.session.scalars(select(Contact).join(R, theirs == Contact.id).where(
        R.type_id == type_id, mine == contact.id, Contact.deleted_at.is_(None)).order_by(Contact.id)
        .limit(50)).all()


def render_for(campaign: Campaign, contact: Contact | None) -> tuple[str, str, str]:
    """(subject, html, text) as `contact` (or sample values) would get it."""
    compiled = rendering.compile_campaign(campaign)
    if contact is None:
        return compiled.render(rendering.sample_context())
    context = rendering.recipient_context(None, contact, related_of(campaign, contact),
                                          campaign_links.for_contact(contact.id, campaign.topic_id))
    return compiled.render(context)


def _picker(q: str):
    if not q.strip():
        return []
    condition = search.matching(q, Contact.id)
    stmt = select(Contact).where(Contact.deleted_at.is_(None))
    stmt = stmt.where(condition) if condition is not None else stmt.where(
        or_(Contact.email.ilike(q.strip() + "%"), Contact.display_name.ilike(q.strip() + "%")))
    return db.session.scalars(stmt.order_by(Contact.sort_name, Contact.id).limit(PICKER_LIMIT)).all()


@bp.get("/campaigns/<int:campaign_id>/preview")
@permission_required("marketing.view")
def campaign_preview(campaign_id: int):
    item = db.get_or_404(Campaign, campaign_id)
    q = request.args.get("q", "")[:100]
    picked = None
    contact_id = parse_id(request.args.get("contact"))
    if contact_id is not None:
        picked = db.session.get(Contact, contact_id)
        picked = picked if picked is not None and picked.deleted_at is None else None
    try:
        subject, html, _ = render_for(item, picked)
        preview = {"subject": subject, "html": Markup(without_styles(html))}  # noqa: S704 (sanitised)
    except TemplateProblem as problem:
        preview = {"problem": str(problem)}
    db.session.commit()  # a contact's first preference key, for the links
    return campaign_page(item, preview=preview, picked=picked, found=_picker(q), q=q)


@bp.post("/campaigns/<int:campaign_id>/test")
@permission_required(SEND)
def campaign_test(campaign_id: int):
    item = db.get_or_404(Campaign, campaign_id)
    form = TestSendForm()
    if not form.validate_on_submit():
        return campaign_page(item, test_form=form, status=422)
    contact_id = parse_id(form.contact_id.data)
    contact = db.session.get(Contact, contact_id) if contact_id is not None else None
    try:
        subject, html, text = render_for(item, contact)
    except TemplateProblem as problem:
        form.addresses.errors = [f"It cannot be rendered: {problem}"]
        return campaign_page(item, test_form=form, status=422)
    banner = ('<p style="background-color:#fff3cd;color:#000000;padding:8px;border:1px solid #c9a400">'
              "TEST: this is a test of a campaign; its links are real.</p>")
    html = html.replace("<body>\n", "<body>\n" + banner, 1)
    text = "TEST: this is a test of a campaign.\n\n" + text
    # From the campaign's verified sender, with its Reply-To: the test looks as the send will.
    sender = item.sender
    headers = {"From": formataddr((sender.name, sender.email)) if sender.name else sender.email} if sender else {}
    reply_to = item.reply_to or (sender.reply_to if sender else "")
    if reply_to:
        headers["Reply-To"] = reply_to
    for address in form.addresses.addresses:
        mail.send(address, f"[Test] {subject}", text, html, category="marketing.test", headers=headers or None)
    audit.record(audit.UPDATE, item, summary=f"Sent a test of “{item.name}” to {', '.join(form.addresses.addresses)}")
    db.session.commit()
    flash(f"Sent a test to {', '.join(form.addresses.addresses)}.", "success")
    return redirect_after_post(url_for("marketing.campaign", campaign_id=item.id))


def _refused(item: Campaign, **forms):
    flash("Not yet: the checklist below has something to fix.", "error")
    return campaign_page(item, status=422, **forms)


@bp.route("/campaigns/<int:campaign_id>/send", methods=["GET", "POST"])
@permission_required(SEND)
def campaign_send(campaign_id: int):
    item = db.get_or_404(Campaign, campaign_id)
    if item.status != DRAFT:
        flash(f"This campaign is {CAMPAIGN_STATES[item.status].lower()}; only a draft can be sent.", "error")
        return redirect_after_post(url_for("marketing.campaign", campaign_id=item.id))
    if not checklist.passed(checklist.run(item)):
        return _refused(item)
    if request.method == "GET":
        n, capped = audience.estimate(item)
        return confirm_page("Send the campaign",
                            f"Send “{item.subject}” to {audience.estimate_label(n, capped)} now? "
                            "It cannot be called back once it starts.",
                            "Send now", url_for("marketing.campaign", campaign_id=item.id))
    n, capped = audience.estimate(item)
    freezing.start_sending(item, current_user)  # the job freezes the audience: this answers at once
    audit.record(audit.UPDATE, item, summary=f"Started sending “{item.name}”",
                 changes={"status": (DRAFT, item.status)})
    db.session.commit()
    flash(f"Sending “{item.name}” to {audience.estimate_label(n, capped)}: the audience is being prepared.",
          "success")
    return redirect_after_post(url_for("marketing.campaign", campaign_id=item.id))


@bp.post("/campaigns/<int:campaign_id>/schedule")
@permission_required(SEND)
def campaign_schedule(campaign_id: int):
    item = db.get_or_404(Campaign, campaign_id)
    form = ScheduleForm()
    if item.status != DRAFT:
        form.send_at.errors = ["Only a draft can be scheduled."]
        return campaign_page(item, schedule_form=form, status=409)
    if not form.validate_on_submit():
        return campaign_page(item, schedule_form=form, status=422)
    if not checklist.passed(checklist.run(item)):
        return _refused(item, schedule_form=form)
    freezing.schedule(item, form.send_at.data)
    audit.record(audit.UPDATE, item, summary=f"Scheduled “{item.name}”",
                 changes={"status": (DRAFT, SCHEDULED), "scheduled_at": (None, item.scheduled_at.isoformat())})
    db.session.commit()
    flash("The campaign is scheduled.", "success")
    return redirect_after_post(url_for("marketing.campaign", campaign_id=item.id))


@bp.post("/campaigns/<int:campaign_id>/unschedule")
@permission_required(SEND)
def campaign_cancel(campaign_id: int):
    item = db.get_or_404(Campaign, campaign_id)
    if freezing.cancel_schedule(item):
        audit.record(audit.UPDATE, item, summary=f"Cancelled the schedule of “{item.name}”",
                     changes={"status": (SCHEDULED, DRAFT)})
        db.session.commit()
        flash("The schedule is cancelled; the campaign is a draft again and nothing was sent.", "success")
    else:
        flash("It was not waiting to be sent any more.", "error")
    return redirect_after_post(url_for("marketing.campaign", campaign_id=item.id))
