"""The docs stay true: every figure and every default is documented with its source."""

from __future__ import annotations

from conftest import ROOT

from testbed.metrics.definitions import METRICS
from testbed.params import source_of
from testbed.registry import Registry
from testbed.report.catalogue import defaults_of, render_catalogue

DOCS = ROOT / "docs"


def test_every_default_of_every_builtin_item_has_a_source(registry: Registry) -> None:
    missing = [f"{item.category} {item.name}: {field}"
               for item in registry.items() if item.plugin in {"machines", "translators",
                                                               "software", "architectures"}
               for field in defaults_of(item)
               if not source_of(item.params_model, field, item.sources)]
    assert not missing, "defaults without a source:\n" + "\n".join(missing)


def test_the_catalogue_page_is_current(own_registry: Registry) -> None:
    assert (DOCS / "catalogue.md").read_text() == render_catalogue(own_registry), \
        "run `testbed plugins --builtin --format markdown > docs/catalogue.md`"


def test_every_reported_metric_is_defined_in_the_metrics_page() -> None:
    page = (DOCS / "metrics.md").read_text()
    for name in METRICS:
        assert f"### `{name}`" in page, f"docs/metrics.md does not define {name}"
