"""Template formats (app.templating.formats): a Markdown template is turned
into HTML on its source, with its Jinja tags intact, then filled in by the
sandbox with autoescape, then sanitised by nh3; an HTML template skips the
first step. So a merge value can never become markup or Markdown, and no
template or value can bring a script, an on* attribute or a javascript:
link into a letter."""

from __future__ import annotations

import pytest

from app import templating
from app.templating import TemplateProblem
from app.templating.markdown import to_html

DONOR = {"name": "*Bob* <b>x</b>", "first_name": "_Bob_", "website": "https://example.org/?a=1&b=2"}


def md(source: str, **context) -> str:
    return templating.render_html(source, {"donor": DONOR, **context}, "markdown")


def test_a_merge_value_prints_literally_never_as_markdown_or_markup():
    out = md("Dear **{{ donor.name }}** and {{ donor.first_name }},")
    assert out == "<p>Dear <strong>*Bob* &lt;b&gt;x&lt;/b&gt;</strong> and _Bob_,</p>"
    # The same value in an HTML template: escaped too.
    assert templating.render_html("<p>{{ donor.name }}</p>", {"donor": DONOR}, "html") == \
        "<p>*Bob* &lt;b&gt;x&lt;/b&gt;</p>"
    # A value that looks like a Jinja tag is text, not a tag.
    assert md("{{ x }}", x="{{ donor.name }} {% if 1 %}") == "<p>{{ donor.name }} {% if 1 %}</p>"


def test_block_tags_on_their_own_line_stay_blocks_not_paragraphs():
    source = ("Dear {{ donor.first_name }},\n{% if gift %}\nThank you for **{{ gift }}**.\n{% else %}\n"
              "Thank you.\n{% endif %}\nBye")
    assert to_html(source) == ("<p>Dear {{ donor.first_name }},</p>\n{% if gift %}\n"
                               "<p>Thank you for <strong>{{ gift }}</strong>.</p>\n{% else %}\n"
                               "<p>Thank you.</p>\n{% endif %}\n<p>Bye</p>\n")
    assert md(source, gift="$5") == "<p>Dear _Bob_,</p>\n<p>Thank you for <strong>$5</strong>.</p>\n<p>Bye</p>"
    assert md(source, gift="") == "<p>Dear _Bob_,</p>\n<p>Thank you.</p>\n<p>Bye</p>"


def test_a_for_loop_repeats_list_items_and_table_rows():
    rows = [{"date": "1 May", "fund": "Roof|Walls", "amount": "$10.00"},
            {"date": "2 May", "fund": "Food", "amount": "$2.50"}]
    out = md("| Date | Fund | Amount |\n| --- | --- | ---: |\n{% for row in rows %}\n"
             "| {{ row.date }} | {{ row.fund|upper }} | {{ row.amount }} |\n{% endfor %}\n"
             "| **Total** | | **$12.50** |\n\nAfter the table.", rows=rows)
    assert out.count("<tr>") == 4  # the heading, two gifts, the total: the loop's own lines make no row
    assert "<td>ROOF|WALLS</td>\n<td class=\"align-right\">$10.00</td>" in out  # a | filter splits no cell
    assert "<td>2 May</td>" in out and '<td class="align-right"><strong>$12.50</strong></td>' in out
    assert 'style=' not in out  # alignment is a class (the CSP forbids style attributes)
    assert out.endswith("</table>\n<p>After the table.</p>")
    items = md("{% for row in rows %}\n- {{ row.date }}: {{ row.amount }}\n{% endfor %}", rows=rows)
    assert items == "<ul>\n<li>1 May: $10.00</li>\n<li>2 May: $2.50</li>\n</ul>"
    nested = md("{% for row in rows %}\n1. {{ row.date }}\n   {% if row.fund == 'Food' %}\n   - food\n   {% endif %}\n"
                "{% endfor %}", rows=rows)
    assert nested == "<ol>\n<li>1 May\n</li>\n<li>2 May\n<ul>\n<li>food</li>\n</ul>\n</li>\n</ol>"


def test_a_merge_field_inside_a_link_is_its_address_escaped_and_checked():
    assert md("Visit [our site]({{ donor.website }}).") == \
        '<p>Visit <a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer">our site</a>.</p>'
    assert md("[Write to us](mailto:{{ x }})", x="a@example.org") == \
        '<p><a href="mailto:a@example.org" rel="noopener noreferrer">Write to us</a></p>'
    # A value cannot put a script in a link, nor break out of the attribute.
    assert md("[x]({{ x }})", x="javascript:alert(1)") == '<p><a rel="noopener noreferrer">x</a></p>'
    # The quote stays inside the address: no onclick attribute is made.
    assert md("[x]({{ x }})", x='https://a.org/" onclick="alert(1)') == \
        '<p><a href="https://a.org/&quot; onclick=&quot;alert(1)" rel="noopener noreferrer">x</a></p>'


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_what_the_author_writes_is_sanitised_too(fmt):
    source = ('<p class="signature" style="position:fixed;top:0" onclick="steal()" id="x">'
              'Hi {{ donor.first_name }}</p>\n\n'
              '<script>alert(1)</script><style>body{color:red}</style>\n\n'
              '<a href="javascript:alert(1)" onmouseover="x()">a</a> <img src="x" onerror="alert(1)" alt="i">\n\n'
              '<img src="data:image/png;base64,iVBORw0KGgo=" alt="logo"> <a href="data:text/html,<script>">d</a>\n\n'
              '<iframe src="https://evil.example"></iframe><form action="/x"><input name="q"></form>')
    out = templating.render_html(source, {"donor": DONOR}, fmt)
    for gone in ("script", "alert", "<style", "color:red", "position", "onclick", "onmouseover", "onerror",
                 "javascript", "iframe", "<form", "<input", 'id="x"', "data:text"):
        assert gone not in out, gone
    # Classes stay for the letter's stylesheet; of a style, only properties of text and boxes (none here).
    assert '<p class="signature">Hi _Bob_</p>' in out
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="logo">' in out  # embedded images stay


def test_the_statement_layout_of_html_templates_is_kept():
    html = ('<table><thead><tr><th class="amount">Amount</th></tr></thead><tbody><tr><td colspan="3">x</td></tr>'
            '</tbody><tfoot><tr><td>Total</td></tr></tfoot></table>'
            '<p class="tax-note">Gift no. 1<br><small>s</small></p>')
    assert templating.render_html(html, {}, "html") == html


def test_markdown_line_breaks_and_html_are_kept_where_written():
    assert md("With gratitude,\nJo Smith") == "<p>With gratitude,<br>\nJo Smith</p>"
    assert md("Hi <em>{{ donor.first_name }}</em>") == "<p>Hi <em>_Bob_</em></p>"
    assert md("---\n\nSmall print") == "<hr>\n<p>Small print</p>"


def test_errors_keep_the_line_the_author_wrote():
    source = "Dear {{ donor.first_name }},\n\nSome text.\n\n| a |\n| --- |\n\n{{ donor.name|bogus }}"
    with pytest.raises(TemplateProblem, match=r"No filter named 'bogus' \(line 8\)\."):
        templating.names_used(source)
    with pytest.raises(TemplateProblem, match=r"\(line 3\)"):
        templating.names_used("a\n\n{% if x %}\n")
    with pytest.raises(TemplateProblem, match="Unknown merge field “nmae”"):
        md("{{ donor.nmae }}")
    with pytest.raises(TemplateProblem, match="Templates are limited to 50,000 characters."):
        md("x" * 50_001)
    with pytest.raises(ValueError, match="unknown template format"):
        templating.render_html("x", {}, "rtf")


def test_isolated_rendering_gives_the_same_html():
    source = "# Hello {{ donor.first_name }}\n\n- one\n- two"
    assert templating.render_html_isolated(source, {"donor": DONOR}, "markdown") == \
        md(source) == "<h1>Hello _Bob_</h1>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"


def test_a_letter_keeps_the_styles_of_text_and_boxes_and_a_page_shows_none():
    from app.templating.editor import preview

    source = '<p style="text-align:center; color:#1f5f8b; position:fixed; background:url(https://x.org/t.gif)">Hi</p>'
    assert templating.render_html(source, {}, "html") == '<p style="text-align:center;color:#1f5f8b">Hi</p>'
    assert str(preview(source, "html", {}).html) == "<p>Hi</p>"  # the page's CSP refuses style attributes
