"""The standard reports pipeline contributes (see app/reporting/standard.py):
declarations only, imported with the manifest; the code they name is
imported when a report is first opened."""

from app.reporting.standard import Param, ReportRollup, StandardReport

R = "modules.pipeline.reports"
YEAR = Param("year", "Fiscal year", "year", default=f"{R}.periods:this_year",
             hint="The year the fiscal year starts in.")
FROM = Param("from", "From", "date", hint="Optional: a date range instead of the fiscal year.")
TO = Param("to", "To", "date")
FUND = Param("fund", "Fund", "choice", choices=f"{R}.periods:fund_choices")
APPEAL = Param("appeal", "Appeal", "choice", choices=f"{R}.periods:appeal_choices")
PIPELINE = Param("pipeline", "Pipeline", "choice", choices=f"{R}.pipeline:pipeline_choices")
PERIOD = (YEAR, FROM, TO)


def _giving(key, title, description, run, params=(YEAR,), order=100):
    return StandardReport(f"giving.{key}", title, description, "giving.view", f"{R}.{run}", "Giving",
                          params, order)


def _pipeline(key, title, description, run, order=100):
    return StandardReport(f"pipeline.{key}", title, description, "pipeline.view", f"{R}.{run}", "Pipeline",
                          (*PERIOD, PIPELINE), order)


REPORTS = [
    _giving("lybunt", "LYBUNT", "Donors who gave last year but not (yet) this year, with what they gave.",
            "lapsed:lybunt", order=10),
    _giving("sybunt", "SYBUNT", "Donors who gave in some earlier year but not this year, with their giving.",
            "lapsed:sybunt", order=20),
    _giving("retention", "Donor retention", "Last year's donors who gave again: overall, new and repeat "
            "donors, beside the sector's medians, year over year.", "retention:retention", order=30),
    _giving("conversion", "First-time donor conversion", "New donors who went on to give a second gift.",
            "retention:conversion", order=40),
    _giving("pyramid", "Donor pyramid", "Donors and giving by gift band.", "amounts:pyramid",
            (*PERIOD, FUND, APPEAL), order=50),
    _giving("by-fund", "Giving by fund", "Gifts and totals per fund.", "breakdown:by_fund",
            (*PERIOD, APPEAL), order=60),
    _giving("by-appeal", "Giving by appeal", "Gifts and totals per appeal.", "breakdown:by_appeal",
            (*PERIOD, FUND), order=70),
    _giving("by-month", "Giving by month", "Gifts and totals month by month.", "breakdown:by_month",
            (*PERIOD, FUND, APPEAL), order=80),
    _giving("average-median", "Average and median gift", "The typical gift, this year against last.",
            "amounts:average_median", (*PERIOD, FUND, APPEAL), order=90),
    _giving("top-donors", "Top donors", "The donors who gave most in the period.", "amounts:top_donors",
            (*PERIOD, FUND, APPEAL), order=100),
    _giving("pledges", "Pledges outstanding", "Open pledges: what was paid, what is still to come and what is "
            "overdue.", "pledges:outstanding", (FUND,), order=110),
    _pipeline("win-rate", "Win rate", "Opportunities won and lost, per pipeline.", "pipeline:win_rate", order=10),
    _pipeline("time-in-stage", "Time in stage", "How long opportunities stay in each stage.",
              "pipeline:time_in_stage", order=20),
    _pipeline("forecast-actual", "Forecast against actual", "What was expected to close each month, and what "
              "was won.", "pipeline:forecast_actual", order=30),
]

ROLLUPS = [ReportRollup("pipeline.gift_days", "Daily gift totals, overall and per fund and appeal",
                        "modules.pipeline.gift_rollup:rebuild_fund_days", "modules.pipeline.gift_rollup:in_step"),
           ReportRollup("pipeline.donor_years", "Donors per fiscal year",
                        "modules.pipeline.donor_years:rebuild", "modules.pipeline.donor_years:in_step")]
