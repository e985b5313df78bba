"""The case desk's page, as the server sends it, fetches nothing from another host (tests/offline.py)."""

from __future__ import annotations

import urllib.request

from tests.casedesk.conftest import Desk
from tests.offline import network_references


def test_the_served_case_desk_page_fetches_nothing(desk: Desk) -> None:
    with urllib.request.urlopen(desk.url, timeout=180) as r:
        assert r.status == 200
        page = r.read().decode("utf-8")
    assert "<html" in page.lower() and "<script" in page.lower()
    assert network_references(page) == []
