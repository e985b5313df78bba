"""The case desk's page, as the server sends it, fetches nothing from another host (tests/offline.py)."""

from __future__ import annotations

from tests.casedesk.conftest import Desk
from tests.offline import fetch_page, network_references


def test_the_served_case_desk_page_fetches_nothing(desk: Desk) -> None:
    page = fetch_page(desk.url)  # a kernel held by an earlier test's page makes the desk "busy" for a while
    assert "<html" in page.lower() and "<script" in page.lower()
    assert network_references(page) == []
