"""A campaign rendered for one recipient: merge fields filled in and
escaped, fallbacks, the layout around the body with its CSS inlined,
the plain-text part, and a template that fails raising, never sending
half a message."""

from __future__ import annotations

import pytest

from app.extensions import db
from modules.marketing import rendering
from modules.marketing.campaign_models import Campaign
from modules.marketing.rendering import RenderFailed, compile_parts, person_fields, recipient_context

LAYOUT = ("<style>.box { color: #123456; }</style><div class=\"box\"><p>{{ org.name }}</p>{{ content }}"
          "<p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p></div>")


class _Contact:
    def __init__(self, **kw):
        self.__dict__.update(dict(preferred_name="", first_name="", last_name="", display_name="", name="",
                                  email="", salutation="", addressee="", prefix="", kind="person", id=1), **kw)


def _context(**contact):
    person = _Contact(**contact)
    return recipient_context(None, person, [], {"unsubscribe_url": "https://example.org/u/abc"},
                             org={"name": "Riverside <Food> Bank", "address": "", "address_lines": [],
                                  "logo_url": ""})


def test_merge_fields_are_filled_in_escaped_and_the_css_inlined(app):
    with app.app_context():
        compiled = compile_parts("Hello {{ contact.first_name }} & co", "Read {{ org.name }}",
                                 "Dear {{ contact.first_name }},\n\n**News** for {{ contact.email }}.",
                                 "markdown", LAYOUT, "html")
        subject, html, text = compiled.render(_context(first_name="<b>Ann</b>", email="ann@example.org"))
    assert subject == "Hello <b>Ann</b> & co"  # a header is plain text: nothing to escape
    assert "Dear &lt;b&gt;Ann&lt;/b&gt;," in html and "<b>Ann</b>" not in html
    assert "<strong>News</strong> for ann@example.org." in html
    assert 'style="color:#123456"' in html and "<style>" not in html  # inlined, the rules gone
    assert "Riverside &lt;Food&gt; Bank" in html
    assert 'href="https://example.org/u/abc"' in html
    assert "display:none" in html and "Read Riverside &lt;Food&gt; Bank" in html  # the hidden preheader
    assert "Dear <b>Ann</b>," in text and "**News** for ann@example.org." in text
    assert "https://example.org/u/abc" in text


def test_a_missing_field_falls_back_and_a_failing_template_raises(app):
    with app.app_context():
        compiled = compile_parts("Hi", "", 'Hi {{ contact.first_name | default("friend", true) }}!', "markdown",
                                 "{{ content }}", "html")
        _, html, _ = compiled.render(_context(first_name=""))
        assert "Hi friend!" in html
        broken = compile_parts("Hi", "", "{{ contact.nickname.upper() }}", "markdown", "{{ content }}", "html")
        with pytest.raises(RenderFailed, match="Body"):
            broken.render(_context(first_name="Ann"))
        with pytest.raises(RenderFailed, match="Subject"):
            compile_parts("{% if %}", "", "x", "markdown", "{{ content }}", "html")


def test_a_sandbox_escape_is_refused(app):
    with app.app_context():
        compiled = compile_parts("Hi", "", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "html",
                                 "{{ content }}", "html")
        with pytest.raises(RenderFailed):
            compiled.render(_context())


def test_scripts_and_javascript_links_never_reach_the_message(app):
    with app.app_context():
        compiled = compile_parts("Hi", "", '<script>alert(1)</script><a href="javascript:alert(1)">x</a>'
                                 '<p onclick="x()">{{ contact.first_name }}</p>', "html", "{{ content }}", "html")
        _, html, _ = compiled.render(_context(first_name="Ann"))
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html and "Ann" in html


def test_compile_campaign_uses_the_default_layout_and_related_contacts(app):
    with app.app_context():
        campaign = Campaign(name="c", subject="For {{ related.first_name }}", body=(
            "{% for s in related_all %}{{ s.first_name }};{% endfor %}"), format="html")
        db.session.add(campaign)
        db.session.flush()
        compiled = rendering.compile_campaign(campaign)
        context = recipient_context(None, _Contact(first_name="Pat"),
                                    [_Contact(first_name="Sam"), _Contact(first_name="Alex")], {})
        subject, html, _ = compiled.render(context)
        db.session.rollback()
    # The layout the migration ships: the footer's links, its CSS inlined.
    assert subject == "For Sam" and "Sam;Alex;" in html and ">Unsubscribe</a>" in html
    assert 'class="email-footer" style="' in html
    assert person_fields(None)["salutation"] == "Friend"


def test_the_sending_engines_link_names_are_read_and_kept(app):
    """The engine passes {"unsubscribe", "preferences", "view"} and reads
    `links` back from the context for its headers."""
    with app.app_context():
        links = {"unsubscribe": "https://x.example/u", "preferences": "https://x.example/p",
                 "view": "https://x.example/v"}
        context = recipient_context(None, _Contact(first_name="Ann"), [], links, org={"name": "X"})
        compiled = compile_parts("Hi", "", '<a href="{{ unsubscribe_url }}">u</a> <a href="{{ preferences_url }}">p'
                                 '</a> <a href="{{ view_in_browser_url }}">v</a>', "html", "{{ content }}", "html")
        _, html, _ = compiled.render(context)
    assert context["links"] == links
    assert all(f'href="https://x.example/{k}"' in html for k in "upv")


def test_which_links_the_checklist_calls_well_formed():
    from modules.marketing.checklist import bad_link

    good = ["https://example.org/a?b=1", "http://localhost:5000/x", "mailto:ann@example.org", "tel:+441234",
            "{{ unsubscribe_url }}", "https://sub.example.co.uk"]
    bad = ["htp:/nowhere", "https://", "javascript:alert(1)", "www.example.org", "https://exa mple.org",
           "https://example"]
    assert [u for u in good if bad_link(u)] == [] and [u for u in bad if not bad_link(u)] == []
