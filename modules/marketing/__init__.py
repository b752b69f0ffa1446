"""Marketing: subscription topics with consent, the suppression list, a
personal preference page with one-click unsubscribe, and public sign-up
forms with double opt-in. Campaigns, sending, bounces and sequences build
on these. Builds on contacts (its consent ledger and filter builder)."""

from app.registry import (
    AdminLink,
    JobHandler,
    MailboxKind,
    Module,
    NavItem,
    RecordKind,
    Schedule,
    WebhookEvent,
    migrations_dir,
)
from modules.contacts.hooks import ContactHooks
from modules.marketing.sending.options import DEFAULTS as SENDING_DEFAULTS

module = Module(
    name="marketing",
    title="Marketing",
    requires=("contacts",),
    description="Subscription topics with consent, sign-up forms with double opt-in, a preference page with "
                "one-click unsubscribe, and the suppression list.",
    permissions={
        "marketing.view": "See topics, subscribers and the subscriptions on contact pages",
        "marketing.edit": "Subscribe and unsubscribe contacts",
        "marketing.send": "Send campaigns",
        "marketing.admin": "Manage topics, sign-up forms and the suppression list",
    },
    # Sending in the organisation's name and the list of addresses never to
    # mail are for managers to decide; staff subscribe people day to day.
    role_defaults={"marketing.send": ("manager",), "marketing.admin": ("manager",)},
    blueprint="modules.marketing.views:bp",
    models="modules.marketing.models",
    migrations=migrations_dir(__file__),
    records=[RecordKind("marketing_topic", "Topic", "marketing.topic", "topic_id", "marketing.view"),
             RecordKind("marketing_suppression", "Suppressed address")],
    nav=[NavItem("Marketing", "marketing.index", "marketing.view", order=50)],
    styles=["css/marketing.css"],
    admin=[AdminLink("Subscription topics", "marketing.topics", "marketing.admin",
                     "Topics people subscribe to, their sign-up forms and what they agree to.", order=310),
           AdminLink("Suppression list", "marketing.suppressions", "marketing.admin",
                     "Addresses never to be mailed: bounces, complaints, unsubscribed from everything.",
                     order=320),
           AdminLink("Bounces and complaints", "marketing.bounces", "marketing.admin",
                     "Recent bounces and spam complaints, the soft-bounce rule and the providers' webhooks.",
                     order=330),
           AdminLink("Campaign senders", "marketing.senders", "marketing.admin",
                     "The From addresses campaigns may use, each verified by a confirmation email.", order=340),
           AdminLink("Campaign layouts", "marketing.layouts", "marketing.admin",
                     "The frame around every campaign: header, footer with the address and unsubscribe links.",
                     order=350),
           AdminLink("Campaign sending", "marketing.sending_settings", "marketing.admin",
                     "How fast campaigns go out (rate and caps), when they pause, bounce address and DKIM.",
                     order=360)],
    mailboxes=[MailboxKind("marketing.bounces", "Bounces and complaints", "modules.marketing.bounces.handler:handle",
                           "Delivery reports (DSNs) and spam complaints (ARF) for campaigns: hard bounces and "
                           "complaints suppress the address; soft bounces after a few.")],
    # The soft-bounce rule, and the secrets of the providers' webhooks
    # (Admin → Bounces and complaints; docs/marketing.md).
    settings={"soft_bounce_limit": 3, "soft_bounce_days": 30, "ses_topic_arns": "",
              "postmark_username": "", "postmark_password": "", "postmark_token": "", **SENDING_DEFAULTS},
    # The sending engine lives in modules/marketing/sending/ (its own work);
    # freezing.start_sending queues this job.
    jobs=[JobHandler("marketing.send_campaign", "modules.marketing.sending.job:run", resumable=True),
          JobHandler("marketing.send_sequence_steps", "modules.marketing.sequences.schedule:run_job",
                     resumable=True)],
    schedules=[Schedule("marketing.scheduled_campaigns", "Start scheduled campaigns",
                        "modules.marketing.scheduled:run", every=300),
               Schedule("marketing.ab_winners", "Pick A/B test winners and send the rest",
                        "modules.marketing.ab:decide_due", every=300),
               Schedule("marketing.sending_watch", "Restart campaigns left sending without a job",
                        "modules.marketing.sending.recover:watch", every=60),
               Schedule("marketing.sequence_steps", "Send the drip sequences' steps that are due",
                        "modules.marketing.sequences.schedule:run", every=60),
               Schedule("marketing.sequence_segments", "Enrol who joined a sequence's segment",
                        "modules.marketing.sequences.triggers:check_segments", every=300)],
    webhook_events=[
        WebhookEvent("contact.subscribed", "A contact subscribed to a topic",
                     "modules.marketing.signals:subscription_changed", "modules.marketing.webhooks:subscribed"),
        WebhookEvent("contact.unsubscribed", "A contact unsubscribed from a topic",
                     "modules.marketing.signals:subscription_changed", "modules.marketing.webhooks:unsubscribed"),
        WebhookEvent("campaign.sent", "A campaign finished sending",
                     "modules.marketing.signals:campaign_sent", "modules.marketing.webhooks:campaign_sent"),
    ],
    # REST API resources (app/api/), one file each, mounted under /api/v1.
    api=["modules.marketing.api.topics:blp", "modules.marketing.api.subscriptions:blp",
         "modules.marketing.api.campaigns:blp", "modules.marketing.api.suppressions:blp"],
    seed="modules.marketing.seed:seed",
    report_sources="modules.marketing.report_sources:sources",
    # Campaign reports for the reports module (docs/reports.md).
    standard_reports="modules.marketing.reports.catalogue:REPORTS",
    report_rollups="modules.marketing.reports.catalogue:ROLLUPS",
    extends={"contacts": ContactHooks(panels="modules.marketing.contact_hooks:panels",
                                      timeline="modules.marketing.contact_timeline:timeline",
                                      filters="modules.marketing.contact_hooks:filters",
                                      merge="modules.marketing.contact_hooks:merge",
                                      export="modules.marketing.contact_hooks:export",
                                      erase="modules.marketing.contact_hooks:erase",
                                      consent_topics="modules.marketing.contact_hooks:consent_topics"),
             # Replies to campaigns become helpdesk tickets that link the campaign (helpdesk/origins.py).
             "helpdesk": {"replied_to": "modules.marketing.helpdesk_replies:replied_to"}},
)
