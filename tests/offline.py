"""What makes an HTML page reach the network when it opens: the check every test of the product's HTML
uses (report pages, the regions' index, exported bundles, the served dashboard, exported notebooks).

An offline intranet cannot load any of it; the page would open without scripts, styles or charts. Plain
``http://`` text (an SVG's ``xmlns``, a link an analyst may click, a comment in a stylesheet) is not a
request and is not reported.
"""

from __future__ import annotations

import re

_URL = r"\s*[\"']?\s*(?:https?:)?//"
#: Markup and code that fetch a resource from another host when the page opens.
NETWORK_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"<script\b[^>]*\bsrc\s*=" + _URL, re.I),
    re.compile(r"<link\b[^>]*\bhref\s*=" + _URL, re.I),
    re.compile(r"<(?:img|iframe|source|embed|video|audio)\b[^>]*\bsrc\s*=" + _URL, re.I),
    re.compile(r"@import\s+(?:url\()?" + _URL, re.I),
    re.compile(r"url\(" + _URL, re.I),
    re.compile(r"\bimport\s*\(\s*[\"']\s*https?://", re.I),
    re.compile(r"\.src\s*=\s*[\"']\s*https?://", re.I),
)
#: Content delivery networks, named anywhere in the page (a script may build the URL from parts).
CDN_HOSTS = re.compile(
    r"cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com|"
    r"code\.jquery\.com|ajax\.googleapis\.com|cdn\.plot\.ly|cdn\.bokeh\.org|stackpath\.bootstrapcdn\.com|"
    r"use\.fontawesome\.com|mathjax\.org", re.I)


def network_references(html: str) -> list[str]:
    """Every place of ``html`` that would fetch from another host, with some context (empty: offline)."""
    hits = []
    for pattern in (*NETWORK_PATTERNS, CDN_HOSTS):
        for m in pattern.finditer(html):
            hits.append(html[max(0, m.start() - 40):m.end() + 60].replace("\n", " "))
    return hits


def fetch_page(url: str, wait: float = 180.0) -> str:
    """The page a served app (Voila) sends for ``url``, as text.

    A page holds a kernel until it is closed and culled, and the servers cap their kernels: a page of an
    earlier test may still hold the last one, and the server then answers "busy" (HTTP 503). That answer
    is asked again, once a second, until ``wait`` seconds have passed; any other error is raised.
    """
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=wait) as r:
                assert r.status == 200, r.status
                return r.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or time.monotonic() > deadline:
                raise
            time.sleep(1.0)
