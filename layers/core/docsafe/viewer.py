"""The result viewer: one static page (viewer.html beside this file) served at /viewer.

It runs in the browser against the API of the origin that served it, so it needs no
CORS and the key goes nowhere else. Its script and style are inline; the Content
Security Policy allows exactly those (by hash) and connections to this origin and, for
documents too large for a request body, to the upload bucket's origin (which gets only
the presigned form, never the key), so nothing injected into the page could run or send
the key elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


@cache
def viewer_page(storage_origin: str) -> tuple[str, dict[str, str]]:
    """The page and the headers to serve it with; `storage_origin` takes the uploads."""
    html = Path(__file__).with_name("viewer.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    styles = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    policy = "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(_hash(s) for s in scripts),
            "style-src " + " ".join(_hash(s) for s in styles),
            "img-src blob:",
            f"connect-src 'self' {storage_origin}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    return html, headers
