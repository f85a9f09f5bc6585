"""The one Jinja2 environment every HTML page is rendered with.

Jinja2 is the field's standard templating engine; its autoescape puts every value a page shows
(a scenario's, architecture's, machine's or claim's name, a description, a command line) through
HTML escaping, so no page module escapes by hand and none can forget to. Only markup the testbed
builds itself is marked safe: the inline SVG charts, whose text parts :mod:`charts` escapes.
``StrictUndefined`` turns a misspelt variable into an error instead of a blank.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from testbed.report.format import compact, interval, mean
from testbed.units import format_duration


@cache
def environment() -> Environment:
    """Created once, on first use: templates are read from the package (testbed/report/templates)
    and compiled once per process."""
    env = Environment(
        loader=PackageLoader("testbed.report", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(mean=mean, interval=interval, compact=compact,
                       duration=format_duration, exact=repr)
    return env


def render(template: str, **context: Any) -> str:
    """The page ``template`` (a file in templates/) filled with ``context``."""
    return environment().get_template(template).render(**context)
