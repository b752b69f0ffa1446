"""HTML as readable plain text (app/templating/plaintext.py): what a
campaign's text part, an HTML-only email in a ticket and a canned reply
show."""

from __future__ import annotations

from app.templating.plaintext import html_to_text


def test_text_keeps_paragraphs_lists_headings_and_links_and_drops_what_is_not_read():
    html = ('<div style="display:none;max-height:0">The preheader</div><h2>Spring appeal</h2>'
            '<p>Dear Zoë, 5*3 = 15 &amp; snake_case stays as written.</p><ul><li>meals</li><li>volunteers</li></ul>'
            '<p><a href="https://example.org/r?a=1&amp;b=2">Read the report</a></p>'
            '<img src="https://example.org/open.gif" alt="" width="1" height="1"><script>alert(1)</script>')
    text = html_to_text(html)
    assert text == ("## Spring appeal\n\nDear Zoë, 5*3 = 15 & snake_case stays as written.\n\n"
                    "- meals\n- volunteers\n\n[Read the report](https://example.org/r?a=1&b=2)\n")


def test_nothing_to_show_is_empty():
    assert html_to_text("") == "" and html_to_text("<p> </p><img src='x.gif'>") == ""
