"""The case desk's page, as the server sends it, fetches nothing from another host (tests/offline.py)."""

from __future__ import annotations

from tests.casedesk.conftest import DeskRegister, start_desk
from tests.offline import fetch_page, network_references


def test_the_served_case_desk_page_fetches_nothing(desk_register: DeskRegister) -> None:
    # a desk of its own: the shared desk's kernels are held by the browser tests' pages until culled
    with start_desk(desk_register) as desk:
        page = fetch_page(desk.url)
        assert "<html" in page.lower() and "<script" in page.lower()
        assert network_references(page) == []
