"""The pages the dashboard serves fetch nothing from another host (the check of tests/offline.py): the
city's and a county's page as the server sends them, and the page it sends when it is busy. The browser
tests prove the same from the other side (every non-loopback request aborted, none made)."""

from __future__ import annotations

from fiscalrisk.dashboard_server import BUSY_PAGE
from tests.dashboard.conftest import COUNTY, ScanEnv, launch_dashboard, running
from tests.offline import fetch_page, network_references


def test_the_served_dashboard_pages_fetch_nothing(scan_env: ScanEnv) -> None:
    # servers of their own: a page fetched here holds a kernel until culled, which the shared servers'
    # browser tests would then wait for
    with running(city=launch_dashboard(scan_env, data=True), county=launch_dashboard(scan_env, COUNTY)) as servers:
        for name, server in servers.items():
            page = fetch_page(server.url)
            assert "<html" in page.lower() and "<script" in page.lower(), name  # a whole page, with its scripts
            assert network_references(page) == [], name


def test_the_busy_page_fetches_nothing() -> None:
    assert network_references(BUSY_PAGE) == []
