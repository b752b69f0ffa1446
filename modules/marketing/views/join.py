"""Public sign-up forms, one per topic, at /marketing/join/<slug>, and the
confirmation link they send (double opt-in).

The sign-up POST is exempt from CSRF: the same form is embedded as plain
HTML on the organisation's own website, which cannot carry Steward's token
(and a forged sign-up only sends a confirmation email). A honeypot field and
a rate limit per address keep bots out; no third-party captcha. A filled-in
honeypot gets the same "check your email" answer as a person, and nothing is
stored or sent.

The confirmation page never confirms on GET (link scanners fetch every
link): it shows a button, and a small external script presses it at once
when scripts run, so a person confirms in one click from the email.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for

from app.extensions import csrf, db
from app.limiter import limiter
from app.permissions import public
from modules.marketing import signups, tokens
from modules.marketing import topics as topic_service
from modules.marketing.forms import SignupForm
from modules.marketing.models import Topic
from modules.marketing.views import bp
from modules.marketing.views.public import render_public

JOIN_LIMIT = "10 per hour"


def _joinable(slug: str):
    topic = topic_service.by_slug(slug)
    if topic is None or not topic.joinable:
        abort(404)
    return topic


@bp.route("/join/<slug>", methods=["GET", "POST"])
@csrf.exempt
@public
@limiter.limit(JOIN_LIMIT, methods=["POST"], scope="marketing-join")
def join(slug: str):
    topic = _joinable(slug)
    form = SignupForm()
    if request.args.get("sent") and request.method == "GET":
        return render_public("marketing/join_sent.html", topic=topic)
    if request.method == "POST" and form.validate():
        if not form.website.data:  # the honeypot is empty: a person
            signups.start(topic, form.email.data, form.first_name.data or "", form.last_name.data or "",
                          topic.consent_wording, request.remote_addr)
            db.session.commit()
        return redirect(url_for("marketing.join", slug=topic.slug, sent=1), code=303)
    status = 422 if form.errors else 200
    return render_public("marketing/join.html", status, topic=topic, form=form)


@bp.route("/join/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str):
    try:
        signup = tokens.read_confirm_token(token)
    except tokens.LinkProblem as problem:
        return render_public("marketing/confirm_invalid.html", 410 if problem.why == "expired" else 404,
                             why=problem.why)
    topic = db.session.get(Topic, signup.topic_id)
    if signup.confirmed_at is None and not topic.joinable:
        return render_public("marketing/confirm_invalid.html", 410, why="closed")
    if request.method == "GET":
        return render_public("marketing/confirm.html", topic=topic, signup=signup, token=token,
                             done=signup.confirmed_at is not None)
    _contact, first = signups.confirm(signup, request.remote_addr)
    db.session.commit()
    return render_public("marketing/confirm.html", topic=topic, signup=signup, token=token, done=True, first=first)
