"""Staff pages for satisfaction and the portal: the statistics page
(/helpdesk/stats), the portal settings (/helpdesk/portal-settings), and the
rating shown on a ticket's page (`ticket_rating(ticket_id)` in templates)."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField
from wtforms.validators import NumberRange

from app import audit, edits, settings
from app.extensions import db
from app.htmx import redirect_after_post
from app.permissions import permission_required
from modules.helpdesk.kb import feedback
from modules.helpdesk.kb.models import Article
from modules.helpdesk.surveys import stats
from modules.helpdesk.surveys.models import RATINGS, Satisfaction
from modules.helpdesk.views import bp


@bp.app_template_global("ticket_rating")
def ticket_rating(ticket_id: int) -> Satisfaction | None:
    return db.session.scalar(select(Satisfaction).where(Satisfaction.ticket_id == ticket_id))


@bp.get("/stats")
@permission_required("helpdesk.view")
def stats_page():
    minutes = int(settings.get("helpdesk", "deflection_minutes") or 30)
    top = feedback.deflected_by_article(minutes)
    titles = dict(db.session.execute(select(Article.id, Article.title).where(
        Article.id.in_([a for a, _ in top]))).all()) if top else {}
    return render_template("helpdesk/stats.html", agents=stats.by_agent(), teams=stats.by_team(),
                           comments=stats.recent_comments(), ratings=RATINGS, minutes=minutes,
                           deflected=feedback.deflections(minutes),
                           top=[(titles.get(a, f"#{a}"), a, n) for a, n in top])


class PortalSettingsForm(FlaskForm):
    portal_org_tickets = BooleanField("Customers see their organisation's tickets in the help centre",
                                      description="People linked to an organisation (an employer, ...) see every "
                                                  "ticket of the people linked to it, and can reply to them.")
    deflection_minutes = IntegerField(
        "Count an opened suggestion as a deflection after (minutes)", validators=[NumberRange(1, 1440)],
        description="A suggested article opened from the new-request form, with no request sent from that "
                    "form within this time, counts as a question answered by the knowledge base.")


def _stored_form(formdata=None):
    """The form as the stored settings fill it (`formdata=...`: as posted)."""
    kwargs = {} if formdata is ... else {"formdata": formdata}
    return PortalSettingsForm(**kwargs, portal_org_tickets=bool(settings.get("helpdesk", "portal_org_tickets")),
                              deflection_minutes=int(settings.get("helpdesk", "deflection_minutes") or 30))


@bp.route("/portal-settings", methods=["GET", "POST"])
@permission_required("helpdesk.admin")
def portal_settings():
    form = _stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate_on_submit():
        if not edits.settle(form, settings.Edited("helpdesk"), _stored_form):
            status = 409
        else:
            changed = settings.put("helpdesk", {"portal_org_tickets": bool(form.portal_org_tickets.data),
                                                "deflection_minutes": form.deflection_minutes.data})
            if changed:
                audit.record(audit.UPDATE, object_type="core_setting", object_id="helpdesk",
                             summary="Changed the help-centre settings", changes=changed)
            db.session.commit()
            flash(edits.saved_message("Saved the help-centre settings.", form), "success")
            return redirect_after_post(url_for("helpdesk.portal_settings"))
    if form.errors:
        status = 422
    return render_template("helpdesk/portal_settings.html", form=form), status
