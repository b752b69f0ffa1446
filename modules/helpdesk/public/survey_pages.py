"""The satisfaction survey's page, opened from the email without signing
in: GET shows the rating chosen in the link, preselected, and a comment
box; only the POST records it (link scanners fetch, they do not post). A
forged or altered link is a 404."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.extensions import db
from app.forms import choices
from app.limiter import limiter
from app.permissions import public
from modules.helpdesk.models import Ticket
from modules.helpdesk.public import bp
from modules.helpdesk.public.render import not_found, page
from modules.helpdesk.surveys import service
from modules.helpdesk.surveys.models import RATINGS


class SurveyForm(FlaskForm):
    rating = RadioField("How did we do?", choices=choices(RATINGS),
                        validators=[InputRequired("Choose good or bad.")])
    comment = TextAreaField("Anything you would like to tell us? (optional)",
                            validators=[Optional(), Length(max=service.COMMENT_MAX)])


@bp.route("/survey/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30/hour", methods=["POST"])
def survey(token: str):
    found = service.read(token)
    if found is None:
        return not_found("This survey link is not valid. Please use the link from the email as it is.")
    ticket = db.session.get(Ticket, found.ticket_id)
    is_open = service.open_for_rating(found)
    if request.method == "GET":
        wanted = request.args.get("rating")
        form = SurveyForm(formdata=None, rating=wanted if wanted in RATINGS else found.rating,
                          comment=found.comment)
        return page("helpdesk/help/survey.html", form=form, survey=found, ticket=ticket, is_open=is_open)
    form = SurveyForm()
    if not is_open:
        return page("helpdesk/help/survey.html", 409, form=form, survey=found, ticket=ticket, is_open=False)
    if not form.validate_on_submit():
        return page("helpdesk/help/survey.html", 422, form=form, survey=found, ticket=ticket, is_open=True)
    changed = found.rating is not None
    service.rate(found, form.rating.data, form.comment.data or "")
    db.session.commit()
    return page("helpdesk/help/survey_thanks.html", survey=found, ticket=ticket, changed=changed, token=token)
