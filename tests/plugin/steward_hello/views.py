"""Hello's pages: the list of greetings and the form that adds one."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, url_for

from app import settings
from app.extensions import db
from app.htmx import redirect_after_post
from app.permissions import permission_required
from steward_hello import services
from steward_hello.forms import GreetingForm

# Mounted by the core at /hello/; templates live in templates/hello/.
bp = Blueprint("hello", __name__, template_folder="templates")


def _page(form: GreetingForm):
    return render_template("hello/index.html", form=form, greetings=services.recent(),
                           greeting=settings.get("hello", "greeting"))


@bp.get("/")
@permission_required("hello.view")
def index():
    return _page(GreetingForm())


@bp.post("/new")
@permission_required("hello.edit")
def new():
    form = GreetingForm()
    if not form.validate_on_submit():
        return _page(form), 422
    services.add(form.text.data)
    db.session.commit()
    flash("Greeting added.", "success")
    return redirect_after_post(url_for("hello.index"), trigger="greetings-changed")
