"""Marketing's standard reports: declarations only, imported with the
manifest; the code they name is imported when a report is first opened."""

from app.reporting.standard import Param, ReportRollup, StandardReport

R = "modules.marketing.reports.campaigns"
FROM = Param("from", "Started from", "date", hint="Optional: campaigns started on or after this day.")
TO = Param("to", "Started up to", "date", hint="Optional: campaigns started on or before this day.")
BY = Param("by", "Count by", "choice", choices=f"{R}:decay_choices", default=f"{R}:decay_default")


def _report(key, title, description, run, params=(FROM, TO), order=100):
    return StandardReport(f"marketing.{key}", title, description, "marketing.view", f"{R}:{run}", "Marketing",
                          params, order)


REPORTS = [
    _report("performance", "Campaign performance", "Per campaign: sent, delivered, bounced, unique opens and "
            "clicks, unsubscribes, and their rates.", "performance", order=10),
    _report("engagement-decay", "Engagement decay", "Of the people who received their first, second, third… "
            "campaign (or campaigns a month, two months… after their first), the share who opened and clicked.",
            "engagement_decay", (BY,), order=20),
    _report("unsubscribes", "Unsubscribes by campaign", "How many recipients of each campaign unsubscribed "
            "or complained.", "unsubscribes", order=30),
]

ROLLUPS = [ReportRollup("marketing.engagement", "Engagement decay: messages, opens and clicks per step",
                        "modules.marketing.engagement:rebuild", "modules.marketing.engagement:in_step"),
           ReportRollup("marketing.campaign_tally", "Campaign results: messages per kind of event, clicks per link",
                        "modules.marketing.tracking.tally:rebuild", "modules.marketing.tracking.tally:in_step")]
