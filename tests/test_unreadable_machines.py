"""An adviser lists four ways to connect a shop that owns a machine nothing reads, and one only
a broker reads: every command says, in one go, which architecture cannot read which machine,
where that machine is in the file, and what could read it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from testbed import (
    ADAPTING_ROLES,
    ArchitectureKind,
    ArchitectureParams,
    Wiring,
    WiringContext,
    WiringError,
    hookimpl,
)
from testbed.cli import main
from testbed.errors import InputError
from testbed.registry import load_registry
from testbed.scenario import load_scenario
from testbed.unreadable import assemble_all

SHOP = """\
name: shop with odd machines
seed: 1
horizon: 1h
replications: 1
shop:
  backbone: lan
  internet: broadband
  links:
    - {name: lan, kind: lan, latency: 1ms, bandwidth: 100Mbps}
    - {name: broadband, kind: wan, latency: 30ms, bandwidth: 20Mbps}
  machines:
    - {name: bench, kind: paper-station}
    - name: weigher
      kind: plc-modbus-tcp
      protocol: scale-bus
      link: lan
    - name: robot
      kind: opcua-machine
      protocol: mqtt-json
      link: lan
    - {name: press, kind: opcua-machine, link: lan}
software:
  - {name: mes, kind: onprem-mes}
  - {name: cloud, kind: cloud-iot-platform}
  - {name: cloud-mes, kind: vendor-cloud-mes}
architectures:
  - {name: drivers, kind: point-to-point, consumers: [mes, cloud]}
  - {name: hub, kind: edge-gateway-hub, consumers: [mes, cloud]}
  - {name: uns, kind: unified-namespace, consumers: [mes, cloud]}
  - {name: vendor, kind: vendor-cloud, consumers: [cloud-mes, cloud]}
"""
WEIGHER = SHOP.splitlines().index("    - name: weigher") + 1
ROBOT = SHOP.splitlines().index("    - name: robot") + 1


def problems(err: str, line: int) -> list[str]:
    return [text for text in err.splitlines() if text.startswith(f"shop.yaml:{line}: ")]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shop.yaml").write_text(SHOP)
    return Path("shop.yaml")


def test_validate_names_every_architecture_and_machine_with_its_line(
        shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(shop)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    weigher = problems(err, WEIGHER)
    assert [p.split("'")[1] for p in weigher] == ["drivers", "hub", "uns", "vendor"]
    for problem in weigher:
        assert "shop.machines[1]: architecture" in problem
        assert "cannot read machine 'weigher' (kind plc-modbus-tcp, protocol 'scale-bus')" \
            in problem
        assert "no installed translator reads 'scale-bus': a plugin must add one" in problem
        assert problem.endswith("no installed kind of architecture can read it and feed the "
                                "same consumers")
    # Only the broker reads JSON over MQTT: the unified namespace can, the other three cannot,
    # and listing the broker under their translators would not change that. The vendor's
    # cloud MES reads nothing a broker sends, so for its consumers no architecture will do.
    robot = problems(err, ROBOT)
    assert [p.split("'")[1] for p in robot] == ["drivers", "hub", "vendor"]
    for problem in robot:
        assert "installed translators that read 'mqtt-json': " in problem
        assert "mqtt-broker (broker, emits 'mqtt-sparkplug')" in problem
        assert "listing it under this architecture's translators: would not make it " \
               "readable" in problem
    assert [p.rpartition("; ")[2] for p in robot] == [
        "kinds of architecture that can read it and feed the same consumers: unified-namespace",
        "kinds of architecture that can read it and feed the same consumers: unified-namespace",
        "no installed kind of architecture can read it and feed the same consumers"]
    assert len(err.splitlines()) == len(weigher) + len(robot)


@pytest.mark.parametrize("command", [["run", "--quiet"], ["compare"]])
def test_run_and_compare_refuse_before_simulating_with_the_same_problems(
        shop: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(shop)]) == 2
    expected = capsys.readouterr().err
    assert main([*command, str(shop), "--out", "out"]) == 2
    assert capsys.readouterr().err == expected


def _listed_only(ctx: WiringContext[ArchitectureParams]) -> Wiring:
    """Reads each machine only through a translator the scenario lists: the shape of a
    product line whose integrator installs exactly what was quoted."""
    for machine in ctx.machines:
        reader = next((o for o in ctx.translators.values()
                       if o.preferred and machine.params.protocol in o.params.inputs), None)
        if reader is None:
            raise WiringError(f"no listed translator reads {machine.params.protocol!r}")
        first = ctx.place(reader.kind, machine)
        for consumer in ctx.consumers():
            hops = [first, *(ctx.place_as(kind, f"{kind}>{consumer.id}") for kind in ctx.chain(
                first.params.output, set(consumer.params.accepts), ADAPTING_ROLES | {"driver"}))]
            ctx.connect(machine, [*hops, ctx.add_software(consumer)])
    return ctx.wiring


class ListedOnly:
    @hookimpl
    def testbed_register_architectures(
            self, register: Callable[[ArchitectureKind[Any]], None]) -> None:
        register(ArchitectureKind("listed-only", "only translators the scenario lists",
                                  params=ArchitectureParams, wire=_listed_only))


def test_a_translator_that_would_fix_it_if_listed_is_named(tmp_path: Path) -> None:
    path = tmp_path / "lathe.yaml"
    path.write_text(SHOP.replace("    - name: weigher\n      kind: plc-modbus-tcp\n"
                                 "      protocol: scale-bus\n",
                                 "    - name: lathe\n      kind: cnc-rs232-1990s\n")
                    .split("architectures:")[0]
                    + "architectures:\n  - {name: quoted, kind: listed-only, consumers: [mes]}\n")
    registry = load_registry(extra_plugins=[("listed-only", ListedOnly())])
    with pytest.raises(InputError) as caught:
        assemble_all(load_scenario(path, registry), registry, str(path))
    found = {p.field: p for p in caught.value.problems}
    lathe, robot = found["shop.machines[1]"], found["shop.machines[2]"]
    assert lathe.line == WEIGHER
    assert "architecture 'quoted' (listed-only) cannot read machine 'lathe'" in lathe.message
    assert "listing '- kind: serial-retrofit-kit' or " in lathe.message
    assert "under this architecture's translators: makes it readable" in lathe.message
    # Here the broker would do: this architecture takes whatever translator is listed.
    assert "listing '- kind: mqtt-broker' under this architecture's translators: makes it " \
           "readable" in robot.message
