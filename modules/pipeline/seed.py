"""Demo and benchmark giving for `flask seed --contacts N` (the manifest's
`seed` hook), run after contacts.

About half of the contacts give over the last five years, each with a
profile: one-off donors, loyal yearly donors (some not yet this year),
lapsed donors who stopped one to three years ago, occasional donors,
monthly donors (a RecurringGift and its monthly gifts, some ended), and a few
major donors with large gifts and pledges paid by installments. Spouses and
households get soft credits; gifts carry funds, appeals (when they fall in
an appeal's dates), payment methods, a few tributes, and are acknowledged
unless recent. A few opportunities per thousand contacts sit across the
starting pipelines with their stage history.

Every choice comes from the module's `random.Random` and dates are offsets
from today, so one seed gives one dataset (on a given day). Rows are built
in memory per chunk of donors and inserted with executemany
(`insert_returning_ids` where later rows need the ids), never through the ORM
one by one.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from dateutil.relativedelta import relativedelta
from faker import Faker
from sqlalchemy import insert, select

from app import audit
from app.database import insert_returning_ids
from app.extensions import db
from app.models import User
from modules.contacts.models import HOUSEHOLD, ORGANISATION, Contact
from modules.pipeline.gifts import default_currency
from modules.pipeline.models import (
    LOST,
    OPEN,
    WON,
    Appeal,
    Fund,
    Gift,
    LostReason,
    Opportunity,
    Pipeline,
    Pledge,
    PledgeInstallment,
    RecurringGift,
    SoftCredit,
    StageChange,
)

CHUNK = 5000  # donors per chunk
YEARS = 5
FUNDS = ("Building fund", "Scholarships", "Emergency relief")
PROFILES = (("one_off", 40), ("loyal", 22), ("lapsed", 15), ("occasional", 12), ("monthly", 8), ("major", 3))
SMALL = (10, 20, 25, 25, 50, 50, 75, 100, 100, 150, 250, 500)
MONTHLY = (5, 10, 10, 15, 20, 25, 50)
METHODS = (("card", 30), ("online", 30), ("cheque", 20), ("bank", 12), ("cash", 8))
MIN_OPPORTUNITIES = 30
OPPORTUNITIES_PER_THOUSAND = 5
NEXT_STEPS = ("Send the proposal", "Arrange a site visit", "Call to follow up", "Invite to the gala",
              "Prepare the budget", "Thank and report back")
ASKS = ("Capital campaign gift", "Scholarship endowment", "Annual leadership gift", "Program grant",
        "Emergency appeal match", "Building naming gift")


def _cents(whole: float) -> Decimal:
    return Decimal(str(round(whole, 2))).quantize(Decimal("0.01"))


_NOONS: dict[date, datetime] = {}


def _noon(day: date) -> datetime:
    """Midday UTC of `day` (cached: seeding asks for the same days again and again)."""
    value = _NOONS.get(day)
    if value is None:
        value = _NOONS[day] = datetime.combine(day, time(12), tzinfo=UTC)
    return value


class Seeder:
    def __init__(self, rng: random.Random, today: date | None = None):
        self.rng = rng
        self.today = today or datetime.now(UTC).date()
        self.first_day = date(self.today.year - YEARS + 1, 1, 1)  # five calendar years, this one included
        self.currency = default_currency()
        fake = Faker("en_US")
        fake.seed_instance(rng.getrandbits(64))
        self.tribute_names = [fake.name() for _ in range(200)]
        self.funds = self._funds()
        self.appeals = self._appeals()
        self.users = list(db.session.scalars(select(User.id).order_by(User.id)))
        self.method_names = [m for m, _ in METHODS]
        self.method_weights = list(accumulate(w for _, w in METHODS))
        self.fund_ids = [f for f, _ in self.funds]
        self.fund_weights = list(accumulate(w for _, w in self.funds))

    # Reference data -----------------------------------------------------------------

    def _funds(self) -> list[tuple[int, int]]:
        """(fund id, weight): mostly the first (general) fund."""
        have = {f.name: f for f in db.session.scalars(select(Fund))}
        position = max((f.position for f in have.values()), default=0)
        for name in FUNDS:
            if name not in have:
                position += 1
                have[name] = Fund(name=name, position=position)
                db.session.add(have[name])
        db.session.flush()
        ordered = sorted(have.values(), key=lambda f: (f.position, f.id))
        return [(f.id, 70 if i == 0 else 10) for i, f in enumerate(ordered) if f.active]

    def _appeals(self) -> list[tuple[int, date, date]]:
        have = {a.name: a for a in db.session.scalars(select(Appeal))}
        wanted = []
        for year in range(self.first_day.year, self.today.year + 1):
            wanted += [(f"Spring appeal {year}", f"SPR{year}", date(year, 3, 1), date(year, 5, 31)),
                       (f"Year-end appeal {year}", f"YE{year}", date(year, 11, 1), date(year, 12, 31))]
        for name, code, start, end in wanted:
            if name not in have:
                have[name] = Appeal(name=name, code=code, starts_on=start, ends_on=end,
                                    active=end >= self.today)
                db.session.add(have[name])
        db.session.flush()
        return [(have[name].id, start, end) for name, _, start, end in wanted]

    # Drawing ------------------------------------------------------------------------

    def day_between(self, start: date, end: date) -> date:
        span = (end - start).days
        return start + timedelta(days=self.rng.randint(0, max(span, 0)))

    def any_day(self) -> date:
        return self.day_between(self.first_day, self.today)

    def fund(self) -> int | None:
        if not self.funds:
            return None
        return self.rng.choices(self.fund_ids, cum_weights=self.fund_weights)[0]

    def appeal(self, day: date) -> int | None:
        for appeal_id, start, end in self.appeals:
            if start <= day <= end:
                return appeal_id if self.rng.random() < 0.6 else None
        return None

    def gift(self, contact_id: int, amount: Decimal, day: date, **extra) -> dict:
        rng = self.rng
        row = {"contact_id": contact_id, "amount": amount, "currency": self.currency, "received_on": day,
               "fund_id": self.fund(), "appeal_id": self.appeal(day),
               "payment_method": rng.choices(self.method_names, cum_weights=self.method_weights)[0],
               "reference": "",
               "anonymous": rng.random() < 0.02, "in_kind": False, "in_kind_description": "",
               "tribute_kind": "", "tribute_name": "", "tribute_notify_id": None, "tribute_notified_at": None,
               "pledge_id": None, "recurring_id": None, "opportunity_id": None, "import_id": None, "notes": "",
               "acknowledged_at": (_noon(day + timedelta(days=rng.randint(2, 10)))
                                   if (self.today - day).days > 14 else None),
               "created_at": _noon(day), "updated_at": _noon(day), "created_by_id": None}
        if rng.random() < 0.01:
            row["tribute_kind"] = rng.choice(("memory", "honour"))
            row["tribute_name"] = rng.choice(self.tribute_names)
        row.update(extra)
        return row


class Chunk:
    """One chunk of donors' rows, inserted together; gifts point at pledges
    and recurring gifts by their position in this chunk until those have ids."""

    def __init__(self, seeder: Seeder):
        self.s = seeder
        self.gifts: list[dict] = []
        self.gift_pledge: list[int | None] = []
        self.gift_recurring: list[int | None] = []
        self.credits: list[list[tuple[int, str]]] = []
        self.pledges: list[dict] = []
        self.installments: list[list[tuple[date, Decimal]]] = []
        self.recurring: list[dict] = []

    def add(self, row: dict, credit_to: list[tuple[int, str]], pledge: int | None = None,
            recurring: int | None = None) -> None:
        self.gifts.append(row)
        self.credits.append(credit_to)
        self.gift_pledge.append(pledge)
        self.gift_recurring.append(recurring)

    def write(self) -> int:
        if self.pledges:
            pledge_ids = insert_returning_ids(Pledge.__table__, self.pledges)
            db.session.execute(insert(PledgeInstallment.__table__), [
                {"pledge_id": pid, "due_on": due, "amount": amount}
                for pid, schedule in zip(pledge_ids, self.installments, strict=True) for due, amount in schedule])
        else:
            pledge_ids = []
        recurring_ids = insert_returning_ids(RecurringGift.__table__, self.recurring) if self.recurring else []
        for row, p, r in zip(self.gifts, self.gift_pledge, self.gift_recurring, strict=True):
            row["pledge_id"] = pledge_ids[p] if p is not None else None
            row["recurring_id"] = recurring_ids[r] if r is not None else None
        gift_ids = insert_returning_ids(Gift.__table__, self.gifts) if self.gifts else []
        credits = [{"gift_id": gid, "contact_id": cid, "amount": row["amount"], "role": role}
                   for gid, row, credit_to in zip(gift_ids, self.gifts, self.credits, strict=True)
                   for cid, role in credit_to]
        if credits:
            db.session.execute(insert(SoftCredit.__table__), credits)
        return len(self.gifts)


class Donors:
    """The giving history of one donor at a time, into a Chunk."""

    def __init__(self, seeder: Seeder, partners: dict[int, list[tuple[int, str]]]):
        self.s, self.partners = seeder, partners

    def history(self, out: Chunk, contact_id: int, profile: str) -> None:
        s, rng = self.s, self.s.rng
        credit_to = self.partners.get(contact_id, []) if rng.random() < 0.6 else []
        amount = Decimal(rng.choice(SMALL))

        def give(day: date, value: Decimal = amount, **extra) -> None:
            out.add(s.gift(contact_id, value, day, **extra), credit_to)

        if profile == "one_off":
            give(s.any_day())
        elif profile == "occasional":
            for _ in range(rng.randint(2, 4)):
                give(s.any_day(), Decimal(rng.choice(SMALL)))
        elif profile in ("loyal", "lapsed"):
            years = list(range(s.first_day.year, s.today.year + 1))
            if profile == "loyal":
                years = years[rng.randint(0, len(years) - 2):]
            else:  # stopped one to three years ago, after one to three years of giving
                stop = s.today.year - rng.randint(1, 3)
                years = [y for y in years if y <= stop][-rng.randint(1, 3):]
            month, dom = rng.randint(1, 12), rng.randint(1, 28)
            for year in years:
                day = date(year, month, dom) + timedelta(days=rng.randint(-20, 20))
                if s.first_day <= day <= s.today:
                    give(day, _cents(float(amount) * (1 + 0.05 * (year - years[0]))))
        elif profile == "monthly":
            self.monthly(out, contact_id, credit_to)
        else:
            self.major(out, contact_id, credit_to)

    def monthly(self, out: Chunk, contact_id: int, credit_to) -> None:
        s, rng = self.s, self.s.rng
        months = int(rng.triangular(1, YEARS * 12 - 1, 1))  # most started in the last two years
        start = (s.today.replace(day=1) - relativedelta(months=months)) + timedelta(days=rng.randint(0, 27))
        ended = rng.random() < 0.2 and months > 3
        end = start + relativedelta(months=rng.randint(2, months - 1)) if ended else None
        amount = Decimal(rng.choice(MONTHLY))
        out.recurring.append({
            "contact_id": contact_id, "amount": amount, "currency": s.currency, "frequency": "monthly",
            "starts_on": start, "ends_on": end, "fund_id": s.fund(), "appeal_id": None,
            "payment_method": "direct_debit", "reference": f"DD{contact_id:08d}",
            "status": "ended" if ended else "active", "created_at": _noon(start), "created_by_id": None})
        index = len(out.recurring) - 1
        day, last = start, min(end or s.today, s.today)
        while day <= last:
            row = s.gift(contact_id, amount, day, payment_method="direct_debit", appeal_id=None,
                         tribute_kind="", tribute_name="")
            out.add(row, credit_to, recurring=index)
            day += relativedelta(months=1)

    def major(self, out: Chunk, contact_id: int, credit_to) -> None:
        s, rng = self.s, self.s.rng
        for _ in range(rng.randint(2, 5)):
            out.add(s.gift(contact_id, Decimal(rng.choice((1000, 2500, 5000, 10000, 25000))), s.any_day(),
                           payment_method=rng.choice(("cheque", "bank", "stock"))), credit_to)
        if rng.random() < 0.6:
            total = Decimal(rng.choice((5000, 10000, 25000, 50000, 100000)))
            count = rng.randint(2, 5)
            pledged = s.day_between(s.today - timedelta(days=4 * 365), s.today - timedelta(days=30))
            part = (total / count).quantize(Decimal("0.01"))
            schedule = [(pledged + relativedelta(months=1, years=i), part) for i in range(count - 1)]
            schedule.append((pledged + relativedelta(months=1, years=count - 1), total - part * (count - 1)))
            paid = [(due, amt) for due, amt in schedule if due <= s.today]
            out.pledges.append({"contact_id": contact_id, "amount": total, "currency": s.currency,
                                "pledged_on": pledged, "fund_id": s.fund(), "appeal_id": None,
                                "opportunity_id": None, "status": "fulfilled" if len(paid) == count else "open",
                                "notes": "", "created_at": _noon(pledged), "created_by_id": None})
            out.installments.append(schedule)
            for due, amt in paid:
                paid_on = min(due + timedelta(days=rng.randint(0, 10)), s.today)
                out.add(s.gift(contact_id, amt, paid_on, payment_method="bank", tribute_kind="", tribute_name=""),
                        credit_to, pledge=len(out.pledges) - 1)


def _partners(contacts: list[tuple[int, str, int | None]]) -> dict[int, list[tuple[int, str]]]:
    """Whom a donor's gifts soft-credit: a person's spouse (the other of the
    first two members of their household); a household's first two members."""
    members: dict[int, list[int]] = {}
    for cid, kind, household_id in contacts:
        if household_id is not None and kind != HOUSEHOLD:
            members.setdefault(household_id, []).append(cid)
    out: dict[int, list[tuple[int, str]]] = {}
    for household_id, ids in members.items():
        couple = ids[:2]
        out[household_id] = [(m, "household") for m in couple]
        if len(couple) == 2:
            out[couple[0]] = [(couple[1], "spouse")]
            out[couple[1]] = [(couple[0], "spouse")]
    return out


def _opportunities(seeder: Seeder, contacts: list[tuple[int, str, int | None]], n: int) -> int:
    """A few opportunities per thousand contacts across the active pipelines,
    each with its stage history from the first stage."""
    rng, today = seeder.rng, seeder.today
    pipelines = list(db.session.scalars(select(Pipeline).where(Pipeline.archived.is_(False))
                                        .order_by(Pipeline.position, Pipeline.id)))
    if not pipelines or not contacts:
        return 0
    reasons = list(db.session.scalars(select(LostReason.id).where(LostReason.active.is_(True))
                                      .order_by(LostReason.position)))
    orgs = [c for c, kind, _ in contacts if kind == ORGANISATION]
    people = [c for c, kind, _ in contacts if kind != ORGANISATION]
    rows, paths = [], []
    # A small demo still gets a board worth looking at; at scale, a few per thousand.
    for i in range(min(max(2, n // 10), max(MIN_OPPORTUNITIES, n * OPPORTUNITIES_PER_THOUSAND // 1000))):
        pipeline = pipelines[i % len(pipelines)]
        grant = "grant" in pipeline.name.lower()
        contact_id = rng.choice(orgs if grant and orgs else people or orgs)
        open_stages = [st for st in pipeline.stages if st.outcome == OPEN]
        won = [st for st in pipeline.stages if st.outcome == WON]
        lost = [st for st in pipeline.stages if st.outcome == LOST]
        if not open_stages:
            continue
        ending = rng.choices((OPEN, WON, LOST), (6, 2, 2))[0]
        if ending == WON and won:
            path = open_stages + won[:1]
        elif ending == LOST and lost:
            path = open_stages[:rng.randint(1, len(open_stages))] + lost[:1]
        else:
            path = open_stages[:rng.randint(1, len(open_stages))]
        created = today - timedelta(days=rng.randint(len(path) * 7, 540))
        steps = sorted(rng.sample(range(1, max(2, (today - created).days)), len(path) - 1)) if len(path) > 1 else []
        times = [_noon(created)] + [_noon(created + timedelta(days=d)) for d in steps]
        final = path[-1]
        closed = times[-1].date() if final.outcome != OPEN else None
        amount = Decimal(rng.choice((2500, 5000, 10000, 25000, 50000, 100000, 250000)))
        rows.append({
            "pipeline_id": pipeline.id, "stage_id": final.id, "contact_id": contact_id,
            "name": rng.choice(ASKS) + ("" if not grant else f" {created.year}"), "amount": amount,
            "currency": seeder.currency,
            "expected_close": None if closed else today + timedelta(days=rng.randint(-15, 240)),
            "owner_id": seeder.users[i % len(seeder.users)] if seeder.users else None,
            "next_step": rng.choice(NEXT_STEPS) if not closed else "", "notes": "", "closed_on": closed,
            "lost_reason_id": rng.choice(reasons) if final.outcome == LOST and reasons else None, "lost_note": "",
            "stage_entered_at": times[-1], "created_at": times[0], "updated_at": times[-1], "created_by_id": None})
        paths.append((contact_id, [st.id for st in path], times))
    if not rows:
        return 0
    ids = insert_returning_ids(Opportunity.__table__, rows)
    changes = [{"opportunity_id": oid, "contact_id": cid, "from_stage_id": stages[k - 1] if k else None,
                "to_stage_id": stage, "at": times[k], "user_id": None}
               for oid, (cid, stages, times) in zip(ids, paths, strict=True) for k, stage in enumerate(stages)]
    db.session.execute(insert(StageChange.__table__), changes)
    return len(rows)


def seed(n: int, rng: random.Random, progress, *, today: date | None = None) -> None:
    """The hook; `today` pins the dates everything is drawn around (tests)."""
    seeder = Seeder(rng, today)
    contacts = [tuple(r) for r in db.session.execute(
        select(Contact.id, Contact.kind, Contact.household_id).where(Contact.deleted_at.is_(None))
        .order_by(Contact.id))]
    partners = _partners(contacts)
    donors = sorted(rng.sample([c[0] for c in contacts], min(len(contacts), max(1, n // 2)))) if contacts else []
    names, weights = [p for p, _ in PROFILES], [w for _, w in PROFILES]
    history = Donors(seeder, partners)
    gifts = 0
    for start in range(0, len(donors), CHUNK):
        out = Chunk(seeder)
        for contact_id in donors[start:start + CHUNK]:
            history.history(out, contact_id, rng.choices(names, weights)[0])
        gifts += out.write()
        db.session.commit()
        progress(min(start + CHUNK, len(donors)), len(donors), "donors")
    opportunities = _opportunities(seeder, contacts, n)
    audit.record(audit.CREATE, object_type="pipeline_gift",
                 summary=f"Added {gifts:,} demo gifts from {len(donors):,} donors and {opportunities:,} "
                         "opportunities (demo data, flask seed)")
    db.session.commit()
