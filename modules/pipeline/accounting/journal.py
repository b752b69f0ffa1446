"""From gifts to journal lines to CSV. Pure: the export view reads the
gifts and the mapping, this builds what the accounting package imports.

Per day and currency, one journal: a debit of the day's total to the deposit
account, and one credit per income account (each fund's, or the default
one). Debits equal credits in every journal, and the file's total is the sum
of the gifts, whichever shape."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from modules.contacts.lists.export import safe_cell

SHAPES = {"quickbooks": "QuickBooks Online journal entries", "xero": "Xero manual journals"}
DATE_FORMATS = {"dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y", "iso": "%Y-%m-%d"}


@dataclass(frozen=True)
class Line:
    journal: str  # the journal number: STW-20260314-GBP
    day: date
    account: str
    debit: Decimal
    credit: Decimal
    description: str


@dataclass(frozen=True)
class Mapping:
    deposit: str  # the bank or clearing account the money lands in
    default_income: str
    by_fund: dict[int, str]  # fund id -> income account
    tax_rate: str = "Tax Exempt"  # Xero's tax rate name for donations
    date_format: str = "dmy"

    def income(self, fund_id: int | None) -> str:
        return self.by_fund.get(fund_id or 0) or self.default_income


def lines(rows, mapping: Mapping, fund_names: dict[int, str]) -> list[Line]:
    """`rows`: (day, currency, fund_id, amount sum, gift count), any order."""
    days: dict[tuple[date, str], dict[str, tuple[Decimal, int, set[str]]]] = defaultdict(dict)
    for day, currency, fund_id, amount, count in rows:
        account = mapping.income(fund_id)
        total, n, funds = days[(day, currency)].get(account, (Decimal("0.00"), 0, set()))
        funds.add(fund_names.get(fund_id, "No fund") if fund_id else "No fund")
        days[(day, currency)][account] = (total + Decimal(amount), n + int(count), funds)
    out: list[Line] = []
    for (day, currency), accounts in sorted(days.items()):
        number = f"STW-{day:%Y%m%d}-{currency}"
        total = sum((a for a, _, _ in accounts.values()), Decimal("0.00"))
        gifts = sum(n for _, n, _ in accounts.values())
        out.append(Line(number, day, mapping.deposit, total, Decimal("0.00"),
                        f"Donations received {day.isoformat()} ({gifts} gift{'s' if gifts != 1 else ''})"))
        for account, (amount, n, funds) in sorted(accounts.items()):
            out.append(Line(number, day, account, Decimal("0.00"), amount,
                            f"Donations: {', '.join(sorted(funds))} ({n} gift{'s' if n != 1 else ''})"))
    return out


def _money(value: Decimal) -> str:
    return f"{value:.2f}" if value else ""


def to_csv(shape: str, journal: list[Line], currency: str, mapping: Mapping) -> str:
    fmt = DATE_FORMATS.get(mapping.date_format, DATE_FORMATS["dmy"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if shape == "quickbooks":
        writer.writerow(["Journal No", "Journal Date", "Currency", "Memo", "Account", "Debits", "Credits",
                         "Description"])
        for line in journal:
            writer.writerow([line.journal, line.day.strftime(fmt), currency, "Steward donations",
                             safe_cell(line.account), _money(line.debit), _money(line.credit),
                             safe_cell(line.description)])
    elif shape == "xero":  # one currency, the organisation's: amounts positive for debits, negative for credits
        writer.writerow(["*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount"])
        for line in journal:
            amount = line.debit if line.debit else -line.credit
            writer.writerow([f"Steward donations {line.journal}", line.day.strftime(fmt),
                             safe_cell(line.description), safe_cell(line.account), safe_cell(mapping.tax_rate),
                             f"{amount:.2f}"])
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return buffer.getvalue()
