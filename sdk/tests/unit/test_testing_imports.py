from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit


def test_the_pact_and_database_helpers_do_not_need_schemathesis() -> None:
    """The web apps use `shopkit.testing` for pacts only and do not install the fuzz's tools."""
    probe = (
        "import sys, shopkit.testing, shopkit.testing.plugin;"
        "from shopkit.testing import find_pact_dir, pact_files_for;"
        "assert 'schemathesis' not in sys.modules and 'hypothesis' not in sys.modules;"
        "from shopkit.testing import fuzz_api;"
        "assert 'schemathesis' in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
