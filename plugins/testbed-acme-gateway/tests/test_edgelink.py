"""ACME's own tests of its plugin, written with the testbed's pytest fixtures."""

from pathlib import Path

CLAIMS = Path(__file__).resolve().parent.parent / "claims.yaml"


def test_the_testbed_sees_edgelink(testbed_registry):
    item = testbed_registry.translators["acme-edgelink"]
    assert item.plugin == "acme"
    assert item.defaults().output == "opcua"


def test_plc_data_flows_through_edgelink_in_a_reference_shop(reference_shop, run_reference):
    shop = reference_shop("acme-edgelink", "plc-modbus-rtu", machines=4)
    outcome = run_reference(shop)
    assert outcome.metrics["delivered_fraction"] > 0.99


def test_the_latency_claim_holds(verify_claims):
    report = verify_claims(CLAIMS, only={"EL-LAT-1"})
    (claim,) = report.claims
    assert claim.verdict == "PASS", claim.cases[0].detail
