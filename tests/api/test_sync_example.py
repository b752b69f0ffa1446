"""The worked example of docs/api.md, docs/examples/sync_contacts.py, run
against the live app over HTTP: it creates, then updates only what changed,
retries nothing twice, and names the CSV line of a wrong row."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from app.extensions import db
from modules.contacts.models import Contact, ExternalId
from tests.api_client import make_token

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "sync_contacts.py"


def _script():
    spec = importlib.util.spec_from_file_location("sync_contacts", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("member_no,first_name,last_name,email,phone,city,postcode,country,tags,notes\n"
                    + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _people(app) -> dict:
    with app.app_context():
        rows = db.session.execute(db.select(Contact.display_name, Contact.email, Contact.city)
                                  .where(Contact.deleted_at.is_(None)).order_by(Contact.id)).all()
        return {name: (email, city) for name, email, city in rows}


def test_the_csv_sync_example(app, admin, server, tmp_path, monkeypatch, capsys):
    sync = _script()
    token = make_token(app, admin.email, name="CSV sync")
    monkeypatch.setenv("STEWARD_TOKEN", token)
    csv_file = _write(tmp_path / "people.csv", [
        "M1,Ada,Lovelace,ada@example.org,,London,N1 1AA,GB,Donor;Board,ignored",
        "M2,Grace,Hopper,grace@example.org,+1 202 555 0100,Arlington,,US,,",
        "M3,Alan,Turing,,,,,,Volunteer,",
    ])
    args = [str(csv_file), "--url", server, "--id-column", "member_no", "--system", "mis"]
    assert sync.main(args) == 0
    assert "created 3, updated 0, unchanged 0" in capsys.readouterr().out
    assert _people(app) == {"Ada Lovelace": ("ada@example.org", "London"),
                            "Grace Hopper": ("grace@example.org", "Arlington"), "Alan Turing": (None, None)}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ExternalId)
                                 .where(ExternalId.system == "mis")) == 3
    # Again: nothing changes.
    assert sync.main(args) == 0
    assert "created 0, updated 0, unchanged 3" in capsys.readouterr().out
    # Alan gets an email and moves: matched by his member number, updated.
    _write(csv_file, ["M1,Ada,Lovelace,ada@example.org,,London,N1 1AA,GB,Donor;Board,",
                      "M2,Grace,Hopper,grace@example.org,+1 202 555 0100,Arlington,,US,,",
                      "M3,Alan,Turing,alan@example.org,,Manchester,,GB,Volunteer,",
                      "M4,Mary,Somerville,mary@example.org,,,,,,"])
    assert sync.main(args) == 0
    assert "created 1, updated 1, unchanged 2" in capsys.readouterr().out
    assert _people(app)["Alan Turing"] == ("alan@example.org", "Manchester") and len(_people(app)) == 4
    # A wrong row: the batch is refused whole and the line is named.
    _write(csv_file, ["M5,Bad,Email,not-an-email,,,,,,", "M6,Fine,Person,fine@example.org,,,,,,"])
    assert sync.main(args) == 1
    out = capsys.readouterr()
    assert "line 2: emails[0].email: Enter a valid email address" in out.out
    assert len(_people(app)) == 4
