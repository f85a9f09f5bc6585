"""Machine names become the MTConnect agent's XML IDs: valid, and never two alike."""

from __future__ import annotations

import re

from testbed.live.mtconnect import xml_ids

NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


def test_any_names_give_distinct_valid_ids() -> None:
    names = ["mill-1", "mill 1", "mill_1", "1st lathe", "Zelle/3", "mill_1_2"]
    ids = xml_ids(names)
    assert ids[:5] == ["mill-1", "mill_1", "mill_1_2", "_1st_lathe", "Zelle_3"]
    assert len(set(ids)) == len(ids)
    assert all(NCNAME.match(i) for i in ids)
