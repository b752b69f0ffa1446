"""Letters to PDF with WeasyPrint, and several PDFs into one.

The frame around a letter (letterhead, date, the recipient's address where
a window envelope shows it, the footer with the registration number) is
pipeline/letter.html with its print stylesheet; the body is what the
administrator's template rendered. WeasyPrint may fetch nothing from the
network or the disk: a template with <img src="file:///..."> or an http
URL gets an empty image, so templates cannot read files or reach servers.
"""

from __future__ import annotations

import io
import logging

from flask import current_app
from markupsafe import Markup

from modules.pipeline.receipts import options

# WeasyPrint logs every CSS property it skips; letters need none of that.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def fetcher():
    """WeasyPrint's URL fetcher for letters: embedded data: URLs only."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, timeout=2, allow_redirects=False)


def page_html(letters: list[dict], paper: str | None = None) -> str:
    """The HTML of one document holding `letters`, each on new pages. A letter
    is {"to_name", "to_lines", "date", "body" (HTML), "subject"}."""
    for letter in letters:
        # The sandbox escaped every merge field; the rest is the administrator's HTML.
        letter["body"] = Markup(letter["body"])  # noqa: S704
    # Straight through the app's Jinja environment, without the page
    # context processors: jobs render letters outside any request.
    template = current_app.jinja_env.get_template("pipeline/letter.html")
    return template.render(letters=letters, paper=paper or options.paper_size(), org_name=_org_name(),
                           org_lines=options.org_address_lines(), logo=_logo(),
                           registration=options.get("receipts_registration"))


def _logo() -> str:
    from app import organisation

    return organisation.logo_data_uri()


def _org_name() -> str:
    from app import settings

    return settings.get("core", "org_name") or ""


def to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=fetcher(), base_url="about:blank").write_pdf()


def letters_pdf(letters: list[dict], paper: str | None = None) -> bytes:
    return to_pdf(page_html(letters, paper))


def combine(parts: list, out) -> int:
    """Write the PDFs in `parts` (paths or bytes) one after another to `out`
    (a path or a binary file); returns the number of pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part) if isinstance(part, bytes) else str(part))
    pages = len(writer.pages)
    if isinstance(out, (str, bytes)) or hasattr(out, "__fspath__"):
        with open(out, "wb") as handle:
            writer.write(handle)
    else:
        writer.write(out)
    writer.close()
    return pages
