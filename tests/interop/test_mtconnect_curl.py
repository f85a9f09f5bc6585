"""A shop-floor dashboard's first look at the MTConnect machines of a real ``testbed live``
process: the URL from its startup line, fetched with curl, answers documents that the MTConnect
Institute's schemas accept, and what it reports moves forward as the run goes on.

Needs ``curl`` (Debian package ``curl``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from live_process import Live, require, start_live, wait_for_simulated
from lxml import etree

pytestmark = pytest.mark.live
SCHEMAS = Path(__file__).resolve().parents[1] / "live" / "mtconnect"
MT = {"s": "urn:mtconnect.org:MTConnectStreams:2.4", "d": "urn:mtconnect.org:MTConnectDevices:2.4"}


def fetch(url: str, document: str) -> Any:
    answer = subprocess.run(["curl", "--silent", "--show-error", "--fail", "--max-time", "10",
                             url], capture_output=True, timeout=30)
    assert answer.returncode == 0, answer.stderr
    parsed = etree.fromstring(answer.stdout)
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / f"MTConnect{document}_2.4_1.0.xsd")))
    schema.assertValid(parsed)
    return parsed


def part_counts(current: Any) -> dict[str, int]:
    return {e.get("dataItemId"): int(e.text)
            for e in current.xpath("//s:PartCount", namespaces=MT)}


def test_curl_reads_the_agent_the_startup_line_names(tmp_path: Path) -> None:
    require(shutil.which("curl") is not None,
            "curl is not installed (Debian: apt-get install curl)")
    live: Live
    with start_live(tmp_path / "out") as live:
        named = re.search(r"MTConnect agent: (http://\S+) \(probe, current, sample\): "
                          r"mill-1, mill-2", live.output())
        assert named is not None, live.output()
        url = named.group(1)
        assert url == f"http://127.0.0.1:{live.mtconnect_port}/"

        probe = fetch(url + "probe", "Devices")
        assert probe.xpath("d:Devices/d:Device/@name", namespaces=MT) == ["mill-1", "mill-2"]
        first = fetch(url + "current", "Streams")
        wait_for_simulated(live, 180)
        time.sleep(0.5)
        second = fetch(url + "current", "Streams")
        before, after = (int(d.find("s:Header", MT).get("lastSequence"))
                         for d in (first, second))
        assert after > before  # a temperature every 5 simulated seconds per mill
        counts = part_counts(second)
        assert len(counts) == 2
        assert all(counts[k] >= v for k, v in part_counts(first).items())
        # A request line too long for any agent: refused by the HTTP layer, quietly, and the
        # agent goes on serving.
        overlong = subprocess.run(["curl", "--silent", "--max-time", "10", "--output",
                                   "/dev/null", "--write-out", "%{http_code}",
                                   url + "x" * 10_000], capture_output=True, text=True,
                                  timeout=30)
        assert overlong.stdout == "400"
        fetch(url + "current", "Streams")
        assert live.stop() == 0, live.output()[-3000:]
        assert "Traceback" not in live.output()
