"""What the gateway's Content-Security-Policy would block on a rendered page, for the web apps'
tests: a cheap regression guard beside the browser tests, which check the real header.

The policy is `script-src 'self'; style-src 'self'; form-action 'self'; object-src 'none'`
with no 'unsafe-inline', so anything inline or off-site is reported.
"""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["csp_blocked"]


class _InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=...> (inline event handler)")
            elif name == "style":
                self.blocked.append(f"<{tag} style=...> (inline style)")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}=javascript:...>")
        if tag == "script" and not _same_origin(values.get("src")):
            self.blocked.append(f"<script src={values.get('src')!r}> (inline or off-site script)")
        if tag == "style":
            self.blocked.append("<style> block")
        stylesheet = tag == "link" and "stylesheet" in (values.get("rel") or "").split()
        if stylesheet and not _same_origin(values.get("href")):
            self.blocked.append(f"<link rel=stylesheet href={values.get('href')!r}>")
        action = values.get("action") if tag == "form" else None
        if action is not None and not _same_origin(action):
            self.blocked.append(f"<form action={action!r}> (off-site)")
        if tag in ("object", "embed", "iframe", "frame"):
            self.blocked.append(f"<{tag}>")


def _same_origin(url: str | None) -> bool:
    return url is not None and url.startswith("/") and not url.startswith("//")


def csp_blocked(html: str) -> list[str]:
    """Each thing on the page the policy would block, described; empty when the page is clean."""
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.blocked
