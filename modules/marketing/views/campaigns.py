"""Campaigns: the list (keyset pages, newest first), writing one (the core
edit guard, the template editor with a live preview), its page (audience
size, the checklist, what freezing left out), duplicate and delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import audit, edits
from app.extensions import db
from app.htmx import confirm_page, is_htmx, redirect_after_post
from app.paging import keyset
from app.permissions import permission_required
from app.templating import editor
from modules.marketing import checklist, rendering, template_checks
from modules.marketing.campaign_forms import CampaignForm, campaign_form, form_data
from modules.marketing.campaign_models import CAMPAIGN_STATES, DRAFT, SEQUENCE_STEP, Campaign
from modules.marketing.views import bp

SEND = "marketing.send"
FIELDS = ("name", "subject", "preheader", "sender_id", "reply_to", "topic_id", "layout_id", "format", "body",
          "track_clicks", "track_opens", "ab_share", "ab_wait_minutes", "ab_metric")


@bp.get("/campaigns")
@permission_required("marketing.view")
def campaigns():
    from modules.marketing.tracking import stats

    listing = keyset(select(Campaign).where(Campaign.status != SEQUENCE_STEP), Campaign.id, newest_first=True)
    results = stats.for_campaigns([c for c in listing.items if c.sent_count])  # two grouped queries a page
    return render_template("marketing/campaigns.html", listing=listing, states=CAMPAIGN_STATES, results=results)


def field_groups() -> list[editor.FieldGroup]:
    return editor.field_groups(rendering.FIELDS)


def _page(form: CampaignForm, campaign: Campaign | None, status: int = 200, preview=None):
    checks = checklist.by_field(checklist.run(campaign)) if campaign is not None else {}
    return render_template("marketing/campaign_form.html", form=form, campaign=campaign,
                           field_groups=field_groups(), preview=preview, checks=checks), status


def _check(form: CampaignForm) -> bool:
    ok = form.validate_on_submit()
    for f, fmt in ((form.subject, None), (form.subject_b, None), (form.subject_c, None), (form.preheader, None),
                   (form.body, form.format.data)):
        if fmt is not None and fmt not in ("markdown", "html"):
            continue
        found = template_checks.problems(f.data or "", fmt)
        if found:
            f.errors = list(f.errors) + found
            ok = False
    return ok


def _values(form: CampaignForm) -> dict:
    values = {name: getattr(form, name).data for name in FIELDS}
    values["body"] = values["body"] or ""
    values["audience"] = form.audience()
    values["ab_subjects"] = form.ab_subjects()
    values["ab_share"] = values["ab_share"] or 20
    values["ab_wait_minutes"] = values["ab_wait_minutes"] or 240
    return values


@bp.route("/campaigns/new", methods=["GET", "POST"])
@permission_required(SEND)
def campaign_new():
    form = campaign_form(None if request.method == "GET" else ...)
    if request.method == "GET":
        return _page(form, None)
    if not _check(form):
        return _page(form, None, 422)
    campaign = Campaign(created_by_id=current_user.id, **_values(form))
    db.session.add(campaign)
    db.session.flush()
    audit.record(audit.CREATE, campaign, summary=f"Added the campaign “{campaign.name}”")
    db.session.commit()
    flash(f"The campaign “{campaign.name}” is saved as a draft.", "success")
    return redirect_after_post(url_for("marketing.campaign", campaign_id=campaign.id))


def _draft(campaign_id: int) -> Campaign:
    campaign = db.get_or_404(Campaign, campaign_id)
    if campaign.status != DRAFT:
        abort(409, "Only a draft can be changed; cancel its schedule first.")
    return campaign


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@permission_required(SEND)
def campaign_edit(campaign_id: int):
    campaign = _draft(campaign_id)

    def stored_form(formdata=None):
        return campaign_form(formdata, form_data(campaign))

    form = stored_form(None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _page(form, campaign)
    if form.validate_on_submit() and not edits.settle(form, campaign, stored_form):
        return _page(form, campaign, 409)
    if not _check(form):
        return _page(form, campaign, 422)
    values = _values(form)
    changes = audit.diff(campaign, values)
    if "body" in changes:
        changes["body"] = (f"{len(changes['body'][0] or '')} characters", f"{len(changes['body'][1])} characters")
    if "audience" in changes:
        changes["audience"] = ("before", "changed")
    if "ab_subjects" in changes:
        changes["ab_subjects"] = (", ".join(changes["ab_subjects"][0] or []), ", ".join(changes["ab_subjects"][1]))
    for name, value in values.items():
        setattr(campaign, name, value)
    if changes:
        audit.record(audit.UPDATE, campaign, summary=f"Edited the campaign “{campaign.name}”", changes=changes)
    db.session.commit()
    flash(edits.saved_message("The campaign is saved." if changes else "Nothing changed.", form), "success")
    return redirect_after_post(url_for("marketing.campaign", campaign_id=campaign.id))


@bp.post("/campaigns/preview")
@permission_required(SEND)
def campaign_body_preview():
    """The editor's live preview: the body in its layout, with sample values."""
    campaign = db.session.get(Campaign, request.args.get("campaign_id", type=int) or 0)
    form = campaign_form(...)
    body = form.body.data or ""
    fmt = form.format.data
    found = template_checks.problems(body, fmt) if fmt in ("markdown", "html") else []
    result = editor.preview(body, fmt, rendering.sample_context(), problems=found,
                            note="With sample values; the campaign's page previews it as any contact, in its layout.")
    if is_htmx():
        return editor.preview_fragment(result)
    return _page(form, campaign, 200, preview=result)


@bp.get("/campaigns/<int:campaign_id>")
@permission_required("marketing.view")
def campaign(campaign_id: int):
    from modules.marketing.views.campaign_send import campaign_page

    item = db.get_or_404(Campaign, campaign_id)
    if item.status == SEQUENCE_STEP:  # a sequence's step: its own page
        from modules.marketing.sequences.models import Step

        step = db.first_or_404(select(Step).where(Step.campaign_id == item.id))
        return redirect(url_for("marketing.sequence", sequence_id=step.sequence_id))
    return campaign_page(item)


@bp.post("/campaigns/<int:campaign_id>/duplicate")
@permission_required(SEND)
def campaign_duplicate(campaign_id: int):
    source = db.get_or_404(Campaign, campaign_id)
    copy = Campaign(name=f"{source.name} (copy)"[:200], created_by_id=current_user.id,
                    audience=dict(source.audience or {}), ab_subjects=list(source.ab_subjects or []),
                    **{name: getattr(source, name) for name in FIELDS if name != "name"})
    db.session.add(copy)
    db.session.flush()
    audit.record(audit.CREATE, copy, summary=f"Duplicated the campaign “{source.name}”")
    db.session.commit()
    flash(f"Made a draft copy of “{source.name}”.", "success")
    return redirect_after_post(url_for("marketing.campaign_edit", campaign_id=copy.id))


@bp.route("/campaigns/<int:campaign_id>/delete", methods=["GET", "POST"])
@permission_required(SEND)
def campaign_delete(campaign_id: int):
    campaign = _draft(campaign_id)
    if request.method == "GET":
        return confirm_page("Delete the campaign", f"Delete the draft “{campaign.name}”? This cannot be undone.",
                            "Delete the draft", url_for("marketing.campaign", campaign_id=campaign.id))
    audit.record(audit.DELETE, campaign, summary=f"Deleted the draft campaign “{campaign.name}”",
                 changes={"name": (campaign.name, None)})
    db.session.delete(campaign)
    db.session.commit()
    flash(f"Deleted the draft “{campaign.name}”.", "success")
    return redirect_after_post(url_for("marketing.campaigns"))
