"""Helpdesk: tickets from email with threading that never splits a
conversation, agent replies and internal notes, queues per team. Builds on
contacts (requesters are contacts) and on the core's inbound mail intake
(app/intake/) and mail service (app/mail/)."""

from app.registry import MailboxKind, Module, NavItem, RecordKind, Schedule, WebhookEvent, migrations_dir
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
        "kb.view_internal": "Read internal knowledge-base articles (staff-only answers)",
        "kb.edit": "Write and change knowledge-base articles and categories",
        "kb.publish": "Publish knowledge-base articles, or withdraw them",
    },
    role_defaults={"kb.view_internal": ("manager", "staff"), "kb.publish": ("manager",)},
    blueprint="modules.helpdesk.views:bp",
    # The public help centre: knowledge base, customer portal, request form, surveys.
    mounts={"/help": "modules.helpdesk.public:bp"},
    models="modules.helpdesk.models",
    migrations=migrations_dir(__file__),
    records=[RecordKind("helpdesk_ticket", "Ticket", "helpdesk.ticket", "ticket_id", "helpdesk.view"),
             RecordKind("helpdesk_team", "Helpdesk team"),
             RecordKind("helpdesk_kb_article", "Article", "helpdesk.kb_article", "article_id", "helpdesk.view"),
             RecordKind("helpdesk_kb_category", "KB category", "helpdesk.kb_category_edit", "category_id", "kb.edit"),
             RecordKind("helpdesk_portal_link", "Help-centre sign-in link"),
             RecordKind("helpdesk_portal_session", "Help-centre session"),
             RecordKind("helpdesk_satisfaction", "Satisfaction rating")],
    nav=[NavItem("Helpdesk", "helpdesk.queue", "helpdesk.view", order=50),
         NavItem("Knowledge base", "helpdesk.kb", "helpdesk.view", order=51, section=("helpdesk.kb",))],
    styles=["css/helpdesk.css", "css/helpdesk-sla.css", "css/helpdesk-kb.css"],
    mailboxes=[MailboxKind("helpdesk.tickets", "Helpdesk tickets", "modules.helpdesk.intake:handle",
                           "Each message becomes a ticket, or a reply on the ticket it answers."),
               MailboxKind("helpdesk.dropbox", "Logged on contacts' timelines", "modules.helpdesk.dropbox:handle",
                           "Staff BCC or forward their mail here; it is logged on the timelines of the "
                           "contacts it involves. No ticket is made.")],
    # Fallback threading window: same requester, same subject, within this many days.
    settings={"thread_days": 7, "ack_per_hour": 3, "auto_close_days": 7,
              # Help centre: customers see their organisation's tickets; minutes after which an
              # opened suggestion with no request sent counts as a deflection (kb/feedback.py).
              "portal_org_tickets": False, "deflection_minutes": 30},
    schedules=[Schedule("helpdesk.sla", "Flag SLA breaches and email the team's lead",
                        "modules.helpdesk.sla:run_checks", every=60),
               Schedule("helpdesk.auto_close", "Close tickets left waiting on the customer",
                        "modules.helpdesk.autoclose:run", every=3600)],
    webhook_events=[
        WebhookEvent("ticket.created", "A ticket was opened", "modules.helpdesk.signals:ticket_created",
                     "modules.helpdesk.webhooks:ticket_created"),
        WebhookEvent("ticket.solved", "A ticket was solved", "modules.helpdesk.signals:ticket_solved",
                     "modules.helpdesk.webhooks:ticket_solved"),
    ],
    # REST API resources (app/api/), one file each, mounted under /api/v1.
    api=["modules.helpdesk.api.tickets:blp", "modules.helpdesk.api.messages:blp", "modules.helpdesk.api.kb:blp"],
    cli="modules.helpdesk.cli:group",
    seed="modules.helpdesk.seed:seed",
    report_sources="modules.helpdesk.report_sources:sources",
    # Ticket volume, SLA times and satisfaction for the reports module (docs/reports.md).
    standard_reports="modules.helpdesk.reports.catalogue:REPORTS",
    report_rollups="modules.helpdesk.reports.catalogue:ROLLUPS",
    extends={"contacts": ContactHooks(panels="modules.helpdesk.contact_hooks:panels",
                                      timeline="modules.helpdesk.contact_hooks:timeline",
                                      merge="modules.helpdesk.contact_hooks:merge",
                                      export="modules.helpdesk.contact_hooks:export",
                                      erase="modules.helpdesk.contact_hooks:erase",
                                      section="helpdesk")},
)
