"""The core described with the same manifest as a module: its permissions,
navigation, dashboard widgets, jobs and search, pointing at its code with
the same lazy references. It is always enabled."""

from __future__ import annotations

from app.registry import AdminLink, JobHandler, Module, NavItem, RecordKind, Schedule, SearchProvider, Widget

core = Module(
    name="core",
    title="Core",
    description="Users, roles, settings, jobs, mail and the audit log.",
    permissions={
        "core.dashboard": "See the dashboard",
        "core.search": "Use the global search",
        "admin.users": "Manage users and invitations",
        "admin.roles": "Manage roles and their permissions",
        "admin.settings": "Change organisation settings",
        "admin.modules": "See which modules are enabled",
        "admin.modules_choose": "Choose which modules are enabled (applies at the next start)",
        "admin.audit": "Read the audit log",
        "admin.mail": "See the mail outbox and retry messages",
        "admin.jobs": "See background jobs and retry failed ones",
        "admin.webhooks": "Manage webhook endpoints, see and replay their deliveries",
        "admin.api_tokens": "See and revoke everyone's API tokens",
    },
    role_defaults={
        "core.dashboard": ("manager", "staff", "volunteer"),
        "core.search": ("manager", "staff", "volunteer"),
    },
    nav=[
        NavItem("Dashboard", "dashboard.index", "core.dashboard", order=0),
        NavItem("Admin", "admin.index", "admin.*", order=1000),
    ],
    admin=[
        AdminLink("Users", "admin.users", "admin.users", "Who can sign in, their roles, invitations.", 10),
        AdminLink("Sign-in lockouts", "admin.lockouts", "admin.users",
                  "Who is waiting to sign in after failed attempts; lift a wait.", 15),
        AdminLink("Roles", "admin.roles", "admin.roles", "What each role may see and do.", 20),
        AdminLink("Organisation", "admin.settings", "admin.settings",
                  "Name, logo, address, country, timezone, currency and locale.", 30),
        AdminLink("Modules", "admin.modules", "admin.modules", "Which modules are enabled.", 40),
        AdminLink("Audit log", "admin.audit", "admin.audit", "Who did what, and when.", 50),
        AdminLink("Mail server", "admin.mail_server", "admin.settings",
                  "The SMTP server Steward sends through; send a test email.", 55),
        AdminLink("Outbox", "admin.outbox", "admin.mail", "Every email Steward sent or will send.", 60),
        AdminLink("Mailboxes", "admin.mailboxes", "admin.settings",
                  "Mailboxes Steward reads: bounces, helpdesk tickets.", 65),
        AdminLink("Jobs", "admin.jobs", "admin.jobs", "Background work, its progress and failures.", 70),
        AdminLink("Webhooks", "webhooks.endpoints", "admin.webhooks",
                  "Send events to other systems: endpoints, their deliveries, replay.", 75),
        AdminLink("API tokens", "api_tokens.admin_list", "admin.api_tokens",
                  "Everyone's personal access tokens for the REST API; revoke any.", 76),
    ],
    widgets=[
        Widget("getting-started", "Getting started", "admin.settings", "app.dashboard:getting_started_widget", order=0),
        Widget("recent-activity", "Recent activity", "admin.audit", "app.dashboard:recent_activity_widget", order=900),
    ],
    jobs=[JobHandler("core.deliver_mail", "app.mail.delivery:deliver"),
          JobHandler("core.deliver_webhooks", "app.webhooks.delivery:deliver")],
    schedules=[Schedule("core.mailboxes", "Read the mailboxes", "app.intake.polling:poll_all", every=60),
               Schedule("core.webhooks", "Send stranded webhook deliveries", "app.webhooks.sweep:sweep", every=300)],
    search=[SearchProvider("Users", "admin.users", "app.admin.users:search_users")],
    records=[
        RecordKind("core_user", "User", "admin.edit_user", "user_id", "admin.users"),
        RecordKind("core_role", "Role", "admin.edit_role", "role_id", "admin.roles"),
        RecordKind("core_invitation", "Invitation"),
        RecordKind("core_setting", "Settings"),
        RecordKind("core_job", "Background job", "admin.job", "job_id", "admin.jobs"),
        RecordKind("core_schedule", "Recurring work"),
        RecordKind("core_mailbox", "Mailbox", "admin.edit_mailbox", "mailbox_id", "admin.settings"),
        RecordKind("core_inbound_message", "Inbound message", "admin.inbound_message", "inbound_id", "admin.settings"),
        RecordKind("core_mail_message", "Email", "admin.outbox_message", "message_id", "admin.mail"),
        RecordKind("core_webhook_endpoint", "Webhook endpoint", "webhooks.endpoint", "endpoint_id", "admin.webhooks"),
        RecordKind("core_api_token", "API token"),
        RecordKind("signin_limit", "Sign-in wait"),
        RecordKind("endpoint", "Page"),
    ],
    settings={"org_name": "Steward", "postal_address": "", "logo": "",  # app/organisation.py
              "country": "", "timezone": "UTC", "currency": "USD", "locale": "en",
              "enabled_modules": None,  # app/module_choice.py
              "webhooks_allowed_hosts": ""},  # app/webhooks/guard.py
    country_settings={"country": "country", "timezone": "timezone", "currency": "currency", "locale": "locale"},
)
