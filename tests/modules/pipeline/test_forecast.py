"""The forecast: open opportunities by expected close month and owner,
weighted by stage probability; won and lost ones left out; overdue ones in
the first month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.extensions import db
from app.models import User
from modules.pipeline import opportunities as service
from modules.pipeline.forecast import add_months, forecast
from modules.pipeline.models import Pipeline, Stage
from tests.conftest import make_user
from tests.modules.pipeline.test_opportunities import make_contact


def test_forecast_by_month_and_owner(app, ctx):
    ada = db.session.get(User, make_user(app, "ada@example.org", "staff", "Ada").id)
    stages = list(db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Major gifts")).stages)
    open_stage = next(s for s in stages if s.outcome == "open" and s.probability)
    won = next(s for s in stages if s.outcome == "won")
    contact = make_contact()
    start = date(2027, 1, 10)

    def add(amount, close, stage=open_stage, owner=ada):
        service.create(stage=stage, contact_id=contact.id, name="x", amount=Decimal(amount), expected_close=close,
                       owner_id=owner.id if owner else None)

    add("1000", date(2027, 1, 31))
    add("500", date(2026, 11, 1))  # overdue: counts in January
    add("2000", date(2027, 3, 5), owner=None)
    add("9999", date(2027, 2, 1), stage=won)  # won: not forecast
    add("7", date(2028, 6, 1))  # beyond the horizon
    add("300", None)  # no date
    db.session.commit()
    months = forecast(start, 3)
    assert [m.label for m in months] == ["January 2027", "February 2027", "March 2027", "No close date"]
    january, february, march, undated = months
    p = Decimal(open_stage.probability) / 100
    assert [(ln.owner, ln.count, ln.amount, ln.weighted) for ln in january.lines] == [
        ("Ada", 2, Decimal("1500.00"), (Decimal("1500") * p).quantize(Decimal("0.01")))]
    assert february.lines == []
    assert [(ln.owner, ln.amount) for ln in march.lines] == [("No owner", Decimal("2000.00"))]
    assert [(t.count, t.amount) for t in undated.totals()] == [(1, Decimal("300.00"))]
    assert forecast(start, 3, owner_id=ada.id)[2].lines == []
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 1)


def test_forecast_page(app, admin_client):
    with app.app_context():
        stage = db.session.scalar(db.select(Stage).join(Pipeline).where(Pipeline.name == "Grants",
                                                                        Stage.outcome == "open",
                                                                        Stage.probability > 0))
        contact = make_contact()
        service.create(stage=stage, contact_id=contact.id, name="Arts grant", amount=Decimal("40000"),
                       expected_close=service.today())
        db.session.commit()
        weighted = f"${Decimal(40000) * stage.probability / 100:,.0f}"
        month = service.today().strftime("%B %Y")
    html = admin_client.get("/pipeline/forecast").get_data(as_text=True)
    assert month in html
    assert "$40,000" in html and weighted in html and "<meter" in html
    assert admin_client.get("/pipeline/forecast?months=3&pipeline=999").status_code == 200
