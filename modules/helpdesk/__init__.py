"""Helpdesk: tickets from email with threading that never splits a
conversation, agent replies and internal notes, queues per team. Builds on
contacts (requesters are contacts) and on the core's inbound mail intake
(app/intake/) and mail service (app/mail/)."""

from app.registry import MailboxKind, Module, NavItem, RecordKind, Schedule, migrations_dir
from modules.contacts.hooks import ContactHooks

module = Module(
    name="helpdesk",
    title="Helpdesk",
    requires=("contacts",),
    description="Tickets from email, threaded; agent replies and internal notes; team queues.",
    permissions={
        "helpdesk.view": "See tickets and their conversations",
        "helpdesk.reply": "Reply to tickets, add internal notes, assign and change status",
        "helpdesk.admin": "Manage helpdesk teams, business hours, SLA policies and rules",
    },
    blueprint="modules.helpdesk.views:bp",
    models="modules.helpdesk.models",
    migrations=migrations_dir(__file__),
    records=[RecordKind("helpdesk_ticket", "Ticket", "helpdesk.ticket", "ticket_id", "helpdesk.view"),
             RecordKind("helpdesk_team", "Helpdesk team")],
    nav=[NavItem("Helpdesk", "helpdesk.queue", "helpdesk.view", order=50)],
    styles=["css/helpdesk.css", "css/helpdesk-sla.css"],
    mailboxes=[MailboxKind("helpdesk.tickets", "Helpdesk tickets", "modules.helpdesk.intake:handle",
                           "Each message becomes a ticket, or a reply on the ticket it answers.")],
    # Fallback threading window: same requester, same subject, within this many days.
    settings={"thread_days": 7, "ack_per_hour": 3, "auto_close_days": 7},
    schedules=[Schedule("helpdesk.sla", "Flag SLA breaches and email the team's lead",
                        "modules.helpdesk.sla:run_checks", every=60),
               Schedule("helpdesk.auto_close", "Close tickets left waiting on the customer",
                        "modules.helpdesk.autoclose:run", every=3600)],
    cli="modules.helpdesk.cli:group",
    seed="modules.helpdesk.seed:seed",
    extends={"contacts": ContactHooks(panels="modules.helpdesk.contact_hooks:panels",
                                      timeline="modules.helpdesk.contact_hooks:timeline",
                                      merge="modules.helpdesk.contact_hooks:merge",
                                      export="modules.helpdesk.contact_hooks:export",
                                      erase="modules.helpdesk.contact_hooks:erase",
                                      section="helpdesk")},
)
