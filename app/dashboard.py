"""The dashboard: widgets contributed by the core and the enabled modules."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from markupsafe import Markup

from app import mail, settings
from app.extensions import db
from app.htmx import is_htmx
from app.models import AuditEntry, Invitation, User
from app.permissions import can, permission_required

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@permission_required("core.dashboard")
def index():
    state = current_app.extensions["steward"]
    # Widgets return HTML rendered by their own (autoescaped) templates.
    widgets = [(w, Markup(w.render())) for w in state.widgets if can(w.permission)]  # noqa: S704
    return render_template("dashboard/index.html", widgets=widgets)


@bp.get("/dashboard/widgets/<name>")
@permission_required("core.dashboard")
def widget(name: str):
    """One widget's card on its own: the fragment with HX-Request (to
    refresh one card), a page otherwise. Also what `make bench` measures each
    widget by. 404 for a widget that is not enabled or the role may not see."""
    state = current_app.extensions["steward"]
    found = next((w for w in state.widgets if w.name == name and can(w.permission)), None)
    if found is None:
        abort(404)
    html = Markup(found.render())  # noqa: S704 (rendered by the widget's own autoescaped template)
    template = "dashboard/_widget.html" if is_htmx() else "dashboard/widget.html"
    return render_template(template, widget=found, html=html), 200, {"Vary": "HX-Request"}


def home_url() -> str:
    """Where a signed-in user lands: the dashboard, or else the first page
    their role opens (a custom role may leave the dashboard out)."""
    if can("core.dashboard"):
        return url_for("dashboard.index")
    state = current_app.extensions["steward"]
    item = next((item for item in state.nav if can(item.permission)), None)
    return url_for(item.endpoint) if item else url_for("auth.account")


def regional_done() -> bool:
    """Ticked only when really done: a country was chosen (at setup or in
    Admin → Organisation), or the timezone and the currency were both saved
    (a value is stored only when someone changed it from the default)."""
    return bool(settings.get("core", "country")) or (
        settings.is_stored("core", "timezone") and settings.is_stored("core", "currency"))


def getting_started_context() -> dict:
    org = settings.get_all("core")
    return {
        "named": org.get("org_name") not in (None, "", "Steward"),
        "regional": regional_done(),
        "has_colleagues": db.session.execute(db.select(User.id).offset(1).limit(1)).first() is not None
        or db.session.execute(db.select(Invitation.id).limit(1)).first() is not None,
        "mail_on": mail.delivery_enabled(),
    }


def recent_activity(limit: int = 8) -> list[AuditEntry]:
    return db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).all()


def getting_started_widget() -> str:
    return render_template("dashboard/_getting_started.html", **getting_started_context())


def recent_activity_widget() -> str:
    return render_template("dashboard/_recent_activity.html", entries=recent_activity())
