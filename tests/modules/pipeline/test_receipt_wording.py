"""The tax wording of receipts follows the organisation's country (chosen at
setup or in Admin → Organisation) and reaches templates as org.tax_statement."""

from __future__ import annotations

import modules.contacts.models  # noqa: F401  (the pipeline models refer to Contact by name)
from app import regional
from modules.pipeline.receipts import fields


def test_the_wording_follows_the_country(app):
    with app.test_request_context():
        assert fields.org()["tax_statement"] == "Please keep this letter for your records."
        regional.store(regional.resolve({"country": "GB", "receipt_wording": ""}))
        assert "Gift Aid declaration" in fields.org()["tax_statement"]
        regional.store(regional.resolve({"country": "US", "receipt_wording": ""}))
        assert fields.org()["tax_statement"].startswith("No goods or services were provided")
        regional.store({"receipt_wording": "ca"})
        assert fields.org()["tax_statement"].startswith("Official receipt for income tax purposes.")
