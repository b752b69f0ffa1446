"""The core service for templates users write (app.templating): what the
sandbox refuses, that everything else comes out as Jinja would write it,
and the child process previews and checks render in. The limits against
resource exhaustion have their own tests in tests/security/."""

from __future__ import annotations

import time

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app import templating
from app.templating import Limits, TemplateProblem

CONTEXT = {
    "donor": {"name": "Grace <Hopper>", "first_name": "Grace", "address_lines": ["1 Navy Way", "Arlington VA"]},
    "gifts": [{"date": f"{m} March", "amount": f"${m * 10}.00", "fund": "General" if m % 2 else "Roof", "n": m}
              for m in range(1, 8)],
    "tree": [{"name": "a", "children": [{"name": "b", "children": [{"name": "c", "children": []}]}]}],
    "year": 2026,
}


@pytest.mark.parametrize("source, message", [
    ("{{ donor.__class__.__mro__ }}", "Not allowed in a template: access to attribute '__class__'"),
    ("{{ donor.setdefault('name', 'x') }}", "Not allowed in a template"),
    ("{{ donor.update({'name': 'x'}) }}", "Not allowed in a template"),
    ("{{ ''.__class__.__subclasses__() }}", "Not allowed in a template"),
    ("{{ self.__init__.__globals__ }}", "Not allowed in a template"),
    ("{{ (1).to_bytes(1000000000, 'big') }}", "Not allowed in a template: calling int.to_bytes() is not allowed"),
    ("{{ 'x'.translate({120: 'y'}) }}", "Not allowed in a template: calling str.translate() is not allowed"),
    ("{{ {}.fromkeys(range(10)) }}", "Not allowed in a template: calling dict.fromkeys() is not allowed"),
    ("{{ 'x'|urlize }}", "No filter named 'urlize' (line 1)."),
    ("{{ config }}", "Unknown merge field “config”."),
    ("{{ donor.nmae }}", "Unknown merge field “nmae”: check its spelling against the list of fields."),
    ("{% for i in range(100000) %}x{% endfor %}", "This template builds a list that is too long (over 10,000 items)."),
    ("{{ 'x' * 100000000 }}", "This template builds text that is too long (over 200,000 characters)."),
    ("{{ 10 ** 100000 }}", "This template makes a number that is too big (over 1,000 digits)."),
    ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
     "This template does too much work: it calls a macro inside itself too deeply."),
])
def test_the_sandbox_refuses_what_a_template_must_not_do(source, message):
    with pytest.raises(TemplateProblem) as refused:
        templating.render(source, CONTEXT)
    assert str(refused.value).startswith(message)


# Templates using loops, macros, call blocks, filters, formatting and
# concatenation: the guarded sandbox must write exactly what Jinja writes.
SAME_AS_JINJA = [
    "<p>Dear {{ donor.first_name }}, from {{ donor.name }}</p>",
    "{% for g in gifts %}{{ loop.index }}/{{ loop.length }} {{ g.date }}: {{ g.amount }}{% if not loop.last %}, "
    "{% endif %}{% else %}none{% endfor %}",
    "{% for g in gifts if g.n is odd %}{{ loop.revindex }}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% for t in tree recursive %}<{{ t.name }}{{ loop.depth }}>{{ loop(t.children) }}{% endfor %}",
    "{% macro row(g) %}<tr><td>{{ g.amount }}</td><td>{{ caller() }}</td></tr>{% endmacro %}"
    "{% for g in gifts %}{% call row(g) %}{{ g.fund|upper }}{% endcall %}{% endfor %}",
    "{% set total %}{% for g in gifts %}{{ g.n }}{% endfor %}{% endset %}{{ total }} {{ total|length }}",
    "{% filter title %}thank you, {{ donor.first_name }}{% endfilter %}",
    "{{ donor.address_lines|join('<br>') }} {{ gifts|map(attribute='amount')|join(', ') }}",
    "{{ gifts|sum(attribute='n') }} {{ [[1, 2], [3]]|sum(start=[]) }} {{ gifts|selectattr('n', 'even')|list|length }}",
    "{% for fund, items in gifts|groupby('fund') %}{{ fund }}={{ items|length }};{% endfor %}",
    "{{ gifts|sort(attribute='n', reverse=true)|map(attribute='n')|list }} {{ gifts|max(attribute='n') }}",
    "{{ 'the quick brown fox jumps over the lazy dog'|wordwrap(10) }}|{{ 'one\ntwo'|indent(2, first=true) }}",
    "{{ '%s gave %05.1f (%d%%)'|format(donor.first_name, 3.14159, 7) }} {{ '%(a)s-%(b)s' % {'a': 1, 'b': 2} }}",
    "{{ '{} in {}'.format(donor.first_name, year) }} {{ '{first_name}'.format_map(donor) }} {{ '{:>8}'.format('x') }}",
    "{{ ('<i>{}</i>'|safe).format(donor.name) }} {{ ('%s!'|safe) % donor.name }} {{ ('<b>'|safe) ~ donor.name }}",
    "{{ donor.first_name ~ ' & ' ~ year ~ '<b>' }} {{ 'ab' * 3 }} {{ [1, 2] + [3] }} {{ 2 ** 10 }}",
    "{{ 'x'|center(9) }}|{{ 'Grace'.ljust(8, '.') }}|{{ 'a-b-c'.replace('-', '+', 1) }}|{{ ', '.join(['a', 'b']) }}",
    "{{ range(7)|batch(3, 0)|list }} {{ range(7)|slice(3)|list }} {{ 'abc'|reverse }} {{ gifts|first }}",
    "{{ donor|dictsort }} {{ donor.items()|list|length }} {{ 'a b  c'|wordcount }} {{ '<i>x</i>'|striptags }}",
    "{{ donor.name|e }} {{ donor.name|safe }} {{ donor.name|string }} {{ gifts[0] }}",
]


@pytest.mark.parametrize("source", SAME_AS_JINJA)
def test_what_is_allowed_comes_out_as_jinja_writes_it(source):
    jinja = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                                          lstrip_blocks=True)
    assert templating.render(source, CONTEXT) == jinja.from_string(source).render(**CONTEXT)


def test_the_names_a_template_reads_are_its_merge_fields():
    assert templating.names_used("{% set x = 1 %}{% for g in gifts %}{{ donor.name }}{{ x }}{% endfor %}"
                                 "{{ range(2)|list }}") == {"gifts", "donor"}
    with pytest.raises(TemplateProblem, match=r"^Unexpected end of template\..*'if' \(line 1\)\.$"):
        templating.names_used("{% if donor %}")
    with pytest.raises(TemplateProblem, match="^Templates are limited to 50,000 characters.$"):
        templating.names_used("x" * 50_001)


def test_the_output_and_the_source_are_bounded():
    page = "{% for i in range(10000) %}" + "0123456789" * 3 + "{% endfor %}"
    with pytest.raises(TemplateProblem, match=r"^This template builds text that is too long \(over 200,000"):
        templating.render(page, CONTEXT)
    with pytest.raises(TemplateProblem, match="^Templates are limited to 50,000 characters.$"):
        templating.render("x" * 50_001, CONTEXT)


def test_the_main_limits_follow_the_settings(app, ctx, monkeypatch):
    from config import load_config

    loop = "{% for i in range(50) %}{{ i }}{% endfor %}"
    assert templating.render(loop, {}).endswith("4849")
    assert templating.current_limits() == Limits()  # unset: the defaults
    monkeypatch.setenv("TEMPLATE_WORK_LIMIT", "40")
    monkeypatch.setenv("TEMPLATE_SECONDS", "7")
    monkeypatch.setenv("TEMPLATE_MEMORY_MB", "99")
    config = load_config()
    for key in ("TEMPLATE_WORK_LIMIT", "TEMPLATE_SECONDS", "TEMPLATE_MEMORY_MB"):
        monkeypatch.setitem(app.config, key, config[key])
    assert templating.current_limits() == Limits(steps=40, seconds=7, memory_mb=99)
    with pytest.raises(TemplateProblem, match=r"^This template does too much work: it loops over more than 40 items"):
        templating.render(loop, {})


def test_an_isolated_render_answers_like_one_in_process():
    source = "{% for g in gifts %}{{ g.amount }} {% endfor %}{{ donor.name }}"
    assert templating.render_isolated(source, CONTEXT) == templating.render(source, CONTEXT)
    with pytest.raises(TemplateProblem, match="^Unknown merge field “nobody”.$"):
        templating.render_isolated("{{ nobody }}", CONTEXT)


def test_a_child_that_does_not_answer_in_time_is_killed(ctx):
    started = time.monotonic()
    with pytest.raises(TemplateProblem, match=r"^This template takes too long to fill in \(more than 0.2 seconds\)"):
        templating.isolated(time.sleep, 60, limits=Limits(seconds=0.2))  # stuck where no check runs
    assert time.monotonic() - started < 30  # killed at the deadline plus the grace, not after the minute


def test_a_bug_in_the_child_is_an_error_not_a_template_problem():
    with pytest.raises(templating.IsolatedFailure, match="ZeroDivisionError"):
        templating.isolated(divmod, 1, 0)
