"""Every default says how strong its source is, and guesses only ever become fewer."""

from __future__ import annotations

import dataclasses

import pytest

from testbed.registry import Registry
from testbed.report.catalogue import (
    UNPARSEABLE,
    count_by_strength,
    render_catalogue,
    sources,
    strength_or_unparseable,
)
from testbed.sources import SourceError, strength_of

# Guesses among the defaults of the built-in catalogue and the economics and effort settings.
# Lower it when you replace a guess with a public figure; never raise it (cite a source instead).
# Raised once, from 137 to 205, when issue 15 added eight machine kinds and two translators: their
# breakdowns, lots, state changes and prices have no public per-kind figure (CHANGELOG). Lowered
# to 198 when seven of their guesses found sources (the OPC Foundation nodesets and others).
GUESS_CEILING = 198


@pytest.mark.parametrize(("text", "strength"), [
    ("60-90 min per device (Koziolek et al., ICSE-SEIP 2019; paper)", "paper"),
    ("Ignition tag group default 1 s (Inductive Automation, Ignition 8.1 manual; vendor)",
     "vendor"),
    ("MTConnect standard vocabulary (standard)", "standard"),
    ("a 10-register read takes 23 ms (derived from the Modbus serial line spec (V1.02); "
     "standard)", "standard"),
    ("guess: a small on-device buffer", "guess"),
    ("definition of this kind", "definition"),
    ("no store-and-forward unless the kind says so", "none"),
])
def test_a_source_says_its_strength(text: str, strength: str) -> None:
    assert strength_of(text) == strength


@pytest.mark.parametrize("text", [
    "", "  ", "a hunch", "tag mapping at 1-5 tags/min (vendor calculator; weak)",
    "60-90 min (Koziolek et al., 2019; paper) for a handful of devices",
    "semantic data: mapping mostly automatic (a guess)",
])
def test_a_source_without_a_readable_strength_is_refused(text: str) -> None:
    with pytest.raises(SourceError, match=r"empty|strength"):
        strength_of(text)


def test_every_builtin_default_has_a_readable_source(own_registry: Registry) -> None:
    bad = [f"{where}: {text!r}" for where, text in sources(own_registry)
           if strength_or_unparseable(text) == UNPARSEABLE]
    assert not bad, "sources without a readable strength:\n" + "\n".join(bad)


def test_the_guesses_do_not_grow(own_registry: Registry) -> None:
    guesses = count_by_strength(own_registry)["guess"]
    assert guesses <= GUESS_CEILING, (
        f"{guesses} defaults are guesses, more than the {GUESS_CEILING} recorded: cite a "
        "public source for the new default, or say in the review why it must be a guess")


def test_the_catalogue_page_shows_a_plugins_malformed_source(own_registry: Registry) -> None:
    gateway = own_registry.translators["modbus-opcua-gateway"]
    careless = dataclasses.replace(gateway, sources={
        **gateway.sources, "capex_gbp": "list price (vendor site; weak, a guess)"})
    page = render_catalogue(Registry(translators={careless.name: careless}))
    assert "**unparseable source:** list price (vendor site; weak, a guess)" in page
    assert "**Unparseable sources: 1**" in page
