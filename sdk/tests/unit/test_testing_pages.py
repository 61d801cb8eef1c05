from __future__ import annotations

import pytest
from shopkit.testing import csp_blocked

pytestmark = pytest.mark.unit


def test_inline_and_off_site_code_is_reported_and_same_origin_files_are_not() -> None:
    clean = (
        '<html><head><link rel="stylesheet" href="/static/app.css">'
        '<script src="/static/app.js"></script></head>'
        '<body><form action="/login" method="post"></form></body></html>'
    )
    dirty = (
        "<html><head><style>p{}</style><script>alert(1)</script>"
        '<script src="//cdn.example/x.js"></script></head>'
        '<body onload="go()"><p style="color:red"><a href="javascript:go()">x</a></p>'
        '<form action="https://evil.example/"></form><iframe></iframe></body></html>'
    )

    assert csp_blocked(clean) == []
    assert len(csp_blocked(dirty)) == 8
