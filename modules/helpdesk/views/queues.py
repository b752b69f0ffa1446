"""/helpdesk/: the queues (my tickets, unassigned, a team's, all) with
filters, keyset paging, and bulk assign / status."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.htmx import page_or_fragment, redirect_after_post
from app.ids import parse_id
from app.models import User
from app.models.base import utcnow
from app.paging import keyset
from app.permissions import permission_required
from app.redirects import is_local_path
from modules.helpdesk import due_paging, queries, services, sla
from modules.helpdesk.models import PRIORITIES, STATUSES, Team, Ticket
from modules.helpdesk.views import bp


def users() -> list[User]:
    return db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()


@bp.get("/")
@permission_required("helpdesk.view")
def queue():
    view = request.args.get("view", "mine")
    view = view if view in queries.VIEWS else "all"
    team_id = parse_id(request.args.get("team"))
    status = request.args.get("status", "active")
    priority = request.args.get("priority", "")
    q = request.args.get("q", "").strip()[:100]
    stmt = queries.statement(view, current_user.id, team_id=team_id, status=status, priority=priority, q=q,
                              requester_id=parse_id(request.args.get("requester")))
    sort = "due" if request.args.get("sort") == "due" or (view == "overdue" and request.args.get("sort") != "new") \
        else "new"
    page = due_paging.page(stmt) if sort == "due" else keyset(stmt, Ticket.id, newest_first=True)
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    people = {u.id: u.name for u in users()}
    context = dict(page=page, view=view, views=queries.VIEWS, teams=teams, team_id=team_id, status=status,
                   priority=priority, q=q, statuses=STATUSES, priorities=PRIORITIES, people=people, sort=sort,
                   now=utcnow(), span_words=sla.span_words)
    response = page_or_fragment("helpdesk/queue.html", "helpdesk/_queue_rows.html", **context)
    return response, 200, {"Vary": "HX-Request"}


@bp.post("/bulk")
@permission_required("helpdesk.reply")
def bulk():
    ids = [i for i in (parse_id(v) for v in request.form.getlist("ticket")) if i][:500]
    status = request.form.get("status", "")
    assignee = request.form.get("assignee", "")
    tickets = db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))).all() if ids else []
    user = current_user._get_current_object()
    for ticket in tickets:
        if status in STATUSES and status != "merged":
            services.set_status(ticket, status, user)
        if assignee == "none":
            ticket.assignee_id = None
            services.touch(ticket)
        elif parse_id(assignee):
            ticket.assignee_id = parse_id(assignee)
            services.touch(ticket)
    db.session.commit()
    flash(f"Changed {len(tickets)} ticket(s)." if tickets else "Choose tickets first.",
          "success" if tickets else "error")
    back = request.form.get("back")
    return redirect_after_post(back if is_local_path(back) else url_for("helpdesk.queue"), "helpdesk-changed")
