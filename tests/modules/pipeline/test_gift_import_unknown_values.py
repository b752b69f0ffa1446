"""Gift import on a fresh database (issue 15, part 2): four donors, then a
104-row file from another system whose Fund column says "General" and
"Building" (and, in four rows each, "general" and "building") and whose
Appeal column says "Year end 2026". The preview lists those values with
their rows; creating them imports every row and makes each once; mapping
them points every row at the existing fund; the CLI's --create-funds does
the same; undo removes what the import created unless something else uses
it by then; a payment method is only ever mapped."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.gift_import import run as runner
from modules.pipeline.models import Appeal, Fund, Gift, GiftImport
from tests.conftest import csrf_from
from tests.modules.pipeline.test_gift_import import work

FILE = Path(__file__).parent / "files" / "gifts_from_old_system.csv"
DONORS = [("ada@example.org", "Ada", "Lovelace"), ("alan@example.org", "Alan", "Turing"),
          ("grace@example.org", "Grace", "Hopper"), ("edsger@example.org", "Edsger", "Dijkstra")]
# what the preview stores when every value is to be created (NAMES: as the preview showed them)
CREATE_ALL = {"fund": {"general": "create", "building": "create"}, "appeal": {"year end 2026": "create"},
              "names": {"fund": {"general": "General", "building": "Building"},
                        "appeal": {"year end 2026": "Year end 2026"}}}
TOTAL = Decimal(sum(range(10, 114)))  # the file's amounts: 10.00 to 113.00


@pytest.fixture
def donors(app):
    with app.app_context():
        for email, first, last in DONORS:
            records.create("person", {"first_name": first, "last_name": last}, records.Details(
                emails=[{"email": email, "label": "", "is_primary": True}]))
        db.session.commit()


def _post(client, url, data, page=None, **kw):
    return client.post(url, data={**data, "csrf_token": csrf_from(client, page or url)}, **kw)


def _upload(client, data: bytes | None = None) -> str:
    """Upload the file, keep the guessed columns; the preview's URL."""
    response = _post(client, "/pipeline/gifts/imports/", {"file": (FILE.open("rb") if data is None else
                                                                   io.BytesIO(data),
                                                                   "gifts_from_old_system.csv")},
                     content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    map_url = response.headers["Location"]
    page = client.get(map_url).get_data(as_text=True)
    form = {name: value for name, value in re.findall(
        r'<select id="(col-\d+)" name="col-\d+">.*?<option value="([a-z_]*)" selected>', page, re.S)}
    response = _post(client, map_url, {**form, "match_rule": "email", "create_donors": "n"})
    assert response.status_code == 303
    return response.headers["Location"]


def _unknown_rows(page: str) -> list[tuple[str, str, str]]:
    """(list, value, rows) of each row of the unknown-values table, as shown."""
    return [(kind, value, rows) for value, kind, rows in re.findall(
        r'<tr>\s*<th scope="row"><label for="unknown-\d+-choice">([^<]+)</label></th>\s*<td>([^<]+)</td>'
        r'\s*<td class="num">(\d+)</td>', page)]


def _fields(page: str) -> dict[str, tuple[str, list[str]]]:
    """value shown -> (its choice field's name, the option labels in order)."""
    out = {}
    for name, value in re.findall(r'<label for="(unknown-\d+-choice)">([^<]+)</label>', page):
        select_html = re.search(rf'<select id="{name}".*?</select>', page, re.S).group(0)
        out[value] = (name, re.findall(r'<option value="[^"]*"[^>]*>([^<]+)</option>', select_html))
    return out


def _choices(page: str, wanted: dict[str, str]) -> dict[str, str]:
    """The form as a browser posts it: each value shown, and its choice:
    `wanted[value]` (a token), else what the page has selected."""
    data = dict(re.findall(r'<input type="hidden" name="(unknown-\d+-value)" value="([^"]*)">', page))
    for value, (name, _) in _fields(page).items():
        select_html = re.search(rf'<select id="{name}".*?</select>', page, re.S).group(0)
        selected = re.search(r'<option value="([^"]*)" selected>', select_html)
        data[name] = wanted.get(value, selected.group(1) if selected else "")
    return data


def _count(app, model, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)
                                 .where(func.lower(model.name) == name.lower()))


def test_preview_lists_the_unknown_values_with_their_rows_and_near_matches(admin_client, donors):
    page = admin_client.get(_upload(admin_client)).get_data(as_text=True)
    assert _unknown_rows(page) == [("Fund", "Building", "52"), ("Fund", "General", "52"),
                                   ("Appeal", "Year end 2026", "104")]
    assert "<strong>0 ready</strong>" in page and "<strong>104 with problems</strong>" in page
    # Every row waits only for these choices: counted once, not listed 104 times.
    assert "104 rows of these wait only for the choices above." in page and "Rows with problems" not in page
    options = _fields(page)
    # The fresh database's own "General fund" is offered first for "General"; nothing is alike "Building".
    assert options["General"][1][:3] == ["Choose…", "Create “General” as a new fund", "Use “General fund” (near match)"]
    assert options["Building"][1] == ["Choose…", "Create “Building” as a new fund", "Use “General fund”"]
    assert options["Year end 2026"][1] == ["Choose…", "Create “Year end 2026” as a new appeal"]
    assert 'class="error"' not in page  # nothing is marked before the user has tried to import


def test_create_imports_all_104_and_makes_each_fund_once(admin_client, app, donors):
    preview_url = _upload(admin_client)
    page = admin_client.get(preview_url).get_data(as_text=True)
    # Checking again with the choices stores them: the rows are ready and the choices still chosen.
    choose = _choices(page, {"General": "create", "Building": "create", "Year end 2026": "create"})
    response = _post(admin_client, preview_url, {**choose, "action": "check"})
    assert response.status_code == 303
    page = admin_client.get(preview_url).get_data(as_text=True)
    assert "<strong>104 ready</strong>" in page and "<strong>0 with problems</strong>" in page
    assert page.count('<option value="create" selected>') == 3
    response = _post(admin_client, preview_url, {**_choices(page, {}), "action": "import"})
    assert response.status_code == 303 and re.search(r"/imports/\d+$", response.headers["Location"])
    work(app)
    with app.app_context():
        run = db.session.scalar(select(GiftImport))
        assert (run.status, run.created, run.failed) == ("finished", 104, 0)
        assert db.session.scalar(select(func.sum(Gift.amount))) == TOTAL
        by_fund = dict(db.session.execute(select(Fund.name, func.count(Gift.id)).join(Gift, Gift.fund_id == Fund.id)
                                          .group_by(Fund.name)).all())
        assert by_fund == {"General": 52, "Building": 52}  # "general" rows went to the one "General"
        assert db.session.scalar(select(func.count(Gift.id)).join(Appeal).where(Appeal.name == "Year end 2026")) == 104
    # The same file again (as the next import): nothing is unknown any more, nothing is made twice.
    page = admin_client.get(_upload(admin_client)).get_data(as_text=True)
    assert _unknown_rows(page) == [] and "<strong>104 ready</strong>" in page
    with app.app_context():
        second = db.session.scalar(select(GiftImport).order_by(GiftImport.id.desc()))
        runner.execute(second)
        db.session.commit()
        assert second.created == 104 and second.created_values == {}
    assert (_count(app, Fund, "general"), _count(app, Fund, "building"), _count(app, Appeal, "year end 2026")) \
        == (1, 1, 1)
    with app.app_context():
        assert db.session.scalar(select(func.count(Fund.id))) == 3  # "General fund", "General", "Building"


def test_a_missing_choice_is_refused_next_to_its_row_and_the_others_are_kept(admin_client, app, donors):
    preview_url = _upload(admin_client)
    page = admin_client.get(preview_url).get_data(as_text=True)
    with app.app_context():
        general_fund = db.session.scalar(select(Fund.id).where(Fund.name == "General fund"))
    response = _post(admin_client, preview_url,
                     {**_choices(page, {"General": f"use:{general_fund}", "Year end 2026": "create"}),
                      "action": "import"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="unknown-0-choice"[^>]*aria-invalid="true".*?<p class="error" id="unknown-0-choice-error">'
                     r"Choose whether to create “Building” or use an existing fund.</p>", page, re.S)
    assert page.count('class="error"') == 1
    assert f'<option value="use:{general_fund}" selected>Use “General fund” (near match)</option>' in page
    assert '<option value="create" selected>Create “Year end 2026” as a new appeal</option>' in page
    # the rows were checked with what was chosen: Building's 52 rows are still waiting
    assert "<strong>52 ready</strong>" in page and "<strong>52 with problems</strong>" in page
    with app.app_context():
        assert db.session.scalar(select(GiftImport.status)) == "uploaded"
        assert db.session.scalar(select(func.count(Gift.id))) == 0
    # A choice that is not on offer (creating a fund from a made-up id) is refused too.
    response = _post(admin_client, preview_url, {**_choices(page, {"Building": "use:999999"}), "action": "import"})
    assert response.status_code == 422
    assert "That fund no longer exists; choose again." in response.get_data(as_text=True)


def test_mapping_to_an_existing_fund_points_every_row_at_it(admin_client, app, donors):
    with app.app_context():
        db.session.add(Fund(name="Building fund", code="BLD"))
        db.session.commit()
        general, building = (db.session.scalar(select(Fund.id).where(Fund.name == n))
                             for n in ("General fund", "Building fund"))
    preview_url = _upload(admin_client)
    page = admin_client.get(preview_url).get_data(as_text=True)
    assert _fields(page)["Building"][1][2] == "Use “Building fund” (near match)"
    response = _post(admin_client, preview_url, {**_choices(page, {"General": f"use:{general}",
                                                                   "Building": f"use:{building}",
                                                                   "Year end 2026": "create"}),
                                                 "action": "import"})
    assert response.status_code == 303
    work(app)
    with app.app_context():
        assert db.session.scalar(select(GiftImport.created)) == 104
        assert dict(db.session.execute(select(Gift.fund_id, func.count()).group_by(Gift.fund_id)).all()) == {
            general: 52, building: 52}
        assert db.session.scalar(select(func.count(Fund.id))) == 2  # no fund was created
        assert db.session.scalar(select(GiftImport.created_values)) == {"appeal": [
            db.session.scalar(select(Appeal.id).where(Appeal.name == "Year end 2026"))]}


def test_cli_create_funds_imports_all_104(app, donors):
    cli = app.test_cli_runner()
    without = cli.invoke(args=["pipeline", "import-gifts", str(FILE), "--dry-run"])
    assert without.exit_code == 0, without.output
    assert "fund “General” (52 row(s)): not known; its rows fail (--create-funds creates it)" in without.output
    assert "0 row(s) ready" in without.output and "104 with problems" in without.output
    dry = cli.invoke(args=["pipeline", "import-gifts", str(FILE), "--create-funds", "--dry-run"])
    assert "fund “Building” (52 row(s)): to be created" in dry.output and "104 row(s) ready" in dry.output
    assert _count(app, Fund, "general") == 0
    result = cli.invoke(args=["pipeline", "import-gifts", str(FILE), "--create-funds"])
    assert result.exit_code == 0, result.output
    assert "appeal “Year end 2026” (104 row(s)): created" in result.output
    assert "Imported 104 gift(s), created 0 donor(s); 0 row(s) failed." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Gift.id))) == 104
        assert db.session.scalar(select(func.sum(Gift.amount))) == TOTAL
    assert (_count(app, Fund, "general"), _count(app, Fund, "building"), _count(app, Appeal, "year end 2026")) \
        == (1, 1, 1)
    # Without the flag, a second file with a new fund fails its rows and creates nothing.
    again = cli.invoke(args=["pipeline", "import-gifts", str(FILE)])
    assert "Imported 104 gift(s)" in again.output  # every value is known now
    with app.app_context():
        assert db.session.scalar(select(func.count(Fund.id))) == 3


def test_running_the_job_twice_makes_each_fund_once(app, donors):
    with app.app_context():
        run = runner.new_import(FILE.read_bytes(), FILE.name)
        run.value_choices = CREATE_ALL
        runner.execute(run)
        db.session.commit()
        runner.execute(run)  # a worker that died half-way runs it again: the first run is undone first
        db.session.commit()
        assert run.created == 104 and db.session.scalar(select(func.count(Gift.id))) == 104
        assert db.session.scalar(select(func.count(Fund.id))) == 3
        assert db.session.scalar(select(func.count(Appeal.id))) == 1
        assert sorted(len(ids) for ids in run.created_values.values()) == [1, 2]


def test_undo_removes_the_funds_it_created_unless_something_else_uses_them(admin_client, app, donors):
    with app.app_context():
        run = runner.new_import(FILE.read_bytes(), FILE.name)
        run.value_choices = CREATE_ALL
        runner.execute(run)
        db.session.commit()
        building = db.session.scalar(select(Fund.id).where(Fund.name == "Building"))
        contact_id = db.session.scalar(select(Gift.contact_id).limit(1))
        # Someone records a gift to "Building" by hand after the import.
        gifts.record_gift(contact_id=contact_id, amount=Decimal("5.00"), received_on=date(2026, 6, 1), fund_id=building)
        db.session.commit()
        import_id = run.id
    question = admin_client.get(f"/pipeline/gifts/imports/{import_id}/undo").get_data(as_text=True)
    assert "and the 3 fund(s) and appeal(s) it created that nothing else uses" in question
    response = _post(admin_client, f"/pipeline/gifts/imports/{import_id}/undo", {})
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("Removed the fund “General”, appeal “Year end 2026” it created. "
            "Kept the fund “Building” it created: other records use them now.") in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Gift.id))) == 1  # the hand-recorded gift
        assert sorted(db.session.scalars(select(Fund.name))) == ["Building", "General fund"]
        assert db.session.scalar(select(func.count(Appeal.id))) == 0
        assert db.session.get(GiftImport, import_id).created_values == {}


def test_a_payment_method_is_only_mapped_its_near_match_preselected(admin_client, app, donors):
    data = FILE.read_bytes().replace(b",Cheque\r\n", b",Cheques\r\n").replace(b",Cash\r\n", b",Venmo\r\n")
    preview_url = _upload(admin_client, data)
    page = admin_client.get(preview_url).get_data(as_text=True)
    shown = _unknown_rows(page)
    assert ("Payment method", "Cheques", "26") in shown and ("Payment method", "Venmo", "26") in shown
    options = _fields(page)
    assert options["Cheques"][1][:2] == ["Choose…", "Use “Cheque” (near match)"]
    assert not any(label.startswith("Create") for label in options["Venmo"][1])
    assert '<option value="use:cheque" selected>Use “Cheque” (near match)</option>' in page
    # Venmo has no near match: it must be chosen; "create" is refused for a fixed list.
    response = _post(admin_client, preview_url, {**_choices(page, {"General": "create", "Building": "create",
                                                                   "Year end 2026": "create", "Venmo": "create"}),
                                                 "action": "import"})
    assert response.status_code == 422
    assert "This list is fixed: choose which payment method “Venmo” means." in response.get_data(as_text=True)
    response = _post(admin_client, preview_url, {**_choices(page, {"General": "create", "Building": "create",
                                                                   "Year end 2026": "create", "Venmo": "use:online"}),
                                                 "action": "import"})
    assert response.status_code == 303
    work(app)
    with app.app_context():
        assert dict(db.session.execute(select(Gift.payment_method, func.count()).group_by(Gift.payment_method))
                    .all()) == {"online": 26, "cheque": 26, "card": 26, "bank": 26}
