"""Admin: subscription topics. Add, edit (with the core edit guard), archive
and bring back; each topic's page shows its sign-up address and the HTML
snippet to embed on the organisation's website."""

from __future__ import annotations

from flask import flash, render_template, request, url_for

from app import edits
from app.extensions import db
from app.htmx import redirect_after_post
from app.links import external_url
from app.permissions import permission_required
from modules.marketing import topics as topic_service
from modules.marketing.forms import TopicForm
from modules.marketing.models import TOPIC_KINDS, Topic
from modules.marketing.views import bp
from modules.marketing.views.overview import subscriber_counts

ADMIN = "marketing.admin"


@bp.get("/topics")
@permission_required(ADMIN)
def topics():
    return render_template("marketing/topics.html", topics=topic_service.all_topics(), counts=subscriber_counts(),
                           kinds=TOPIC_KINDS)




@bp.get("/topics/<int:topic_id>")
@permission_required("marketing.view")
def topic(topic_id: int):
    item = db.get_or_404(Topic, topic_id)
    join_url = external_url("marketing.join", slug=item.slug) if item.joinable else None
    # The snippet as plain text (str, not Markup): the page escapes it into the textarea.
    snippet = str(render_template("marketing/_embed_snippet.html", topic=item, join_url=join_url)) if join_url else ""
    return render_template("marketing/topic.html", topic=item, join_url=join_url, kinds=TOPIC_KINDS,
                           count=subscriber_counts().get(item.id, 0), snippet=snippet)


def _edit(item: Topic | None):
    def stored_form(formdata=None):
        """The form as the stored topic fills it; `formdata=...`: as posted."""
        return TopicForm(obj=item) if formdata is ... else TopicForm(obj=item, formdata=formdata)

    form = stored_form(None if request.method == "GET" else ...)
    if request.method == "GET" and item is None:
        form.on_preference_page.data = True
    status = 200
    if request.method == "GET":
        if item is not None:
            edits.stamp(form)
    elif form.validate_on_submit() and item is not None and not edits.settle(form, item, stored_form):
        status = 409
    elif not form.errors:
        # Checked after settle: the name may now be the one someone else saved.
        if topic_service.name_taken(form.name.data, item):
            form.name.errors.append(f"There is already a topic named “{form.name.data}”.")
        else:
            values = {"name": form.name.data, "description": form.description.data or "",
                      "consent_wording": form.consent_wording.data or "", "kind": form.kind.data,
                      "on_preference_page": bool(form.on_preference_page.data)}
            created = item is None
            item, changed = topic_service.save(item, values)
            if created:
                message = f"Added the topic “{item.name}”."
            else:
                message = edits.saved_message(f"Saved the topic “{item.name}”." if changed else "Nothing changed.",
                                              form)
            db.session.commit()
            flash(message, "success")
            return redirect_after_post(url_for("marketing.topic", topic_id=item.id))
    if form.errors:
        status = 422
    return render_template("marketing/topic_form.html", form=form, item=item), status


@bp.route("/topics/new", methods=["GET", "POST"])
@permission_required(ADMIN)
def topic_new():
    return _edit(None)


@bp.route("/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@permission_required(ADMIN)
def topic_edit(topic_id: int):
    return _edit(db.get_or_404(Topic, topic_id))


@bp.post("/topics/<int:topic_id>/archive")
@permission_required(ADMIN)
def topic_archive(topic_id: int):
    """Sets the state the button asks for (archived=1 or 0), so a click on a
    stale page changes nothing. Archived topics take no sign-ups and leave the
    preference page; their subscriptions and consent history stay."""
    item = db.get_or_404(Topic, topic_id)
    wanted = request.form.get("archived") == "1"
    if topic_service.set_archived(item, wanted):
        db.session.commit()
        flash(f"{'Archived' if wanted else 'Brought back'} the topic “{item.name}”.", "success")
    return redirect_after_post(url_for("marketing.topic", topic_id=item.id))
