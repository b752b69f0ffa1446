"""The helpdesk's standard reports: declarations only, imported with the
manifest; the code they name is imported when a report is first opened."""

from app.reporting.standard import Param, ReportRollup, StandardReport

R = "modules.helpdesk.reports"
FROM = Param("from", "From", "date", default=f"{R}.common:year_ago", hint="Tickets created on or after this day.")
TO = Param("to", "To", "date", default=f"{R}.common:today", hint="Tickets created on or before this day.")
BY = Param("by", "Count by", "choice", choices=f"{R}.common:period_choices", default=f"{R}.common:default_period")
TEAM = Param("team", "Team", "choice", choices=f"{R}.common:team_choices")
CHANNEL = Param("channel", "Channel", "choice", choices=f"{R}.common:channel_choices")


def _report(key, title, description, run, params, order):
    return StandardReport(f"helpdesk.{key}", title, description, "helpdesk.view", f"{R}.{run}", "Helpdesk",
                          params, order)


REPORTS = [
    _report("volume", "Ticket volume", "Tickets created and solved week by week or month by month, and by team "
            "and channel.", "volume:volume", (FROM, TO, BY, TEAM, CHANNEL), order=10),
    _report("sla-times", "Response and resolution times", "Median time to first response and to resolution, "
            "and the share within the SLA's targets, by team.", "times:sla_times", (FROM, TO, CHANNEL), order=20),
    _report("satisfaction", "Satisfaction by team and agent", "Good and bad ratings from the satisfaction "
            "survey, by team and by agent.", "satisfaction:satisfaction", (FROM, TO), order=30),
]

ROLLUPS = [ReportRollup("helpdesk.ticket_days", "Tickets per day of creation, team and channel",
                        "modules.helpdesk.ticket_days:rebuild", "modules.helpdesk.ticket_days:in_step"),
           ReportRollup("helpdesk.ticket_times", "Each ticket's response and resolution times",
                        "modules.helpdesk.ticket_times:rebuild", "modules.helpdesk.ticket_times:in_step")]
