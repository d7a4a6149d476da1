"""The protocol core is sans-I/O: importing it loads neither Django nor an HTTP client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_it_imports_the_core_without_django_or_network_libraries() -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import trm.exchange.protocol, trm.exchange.trustlist, trm.exchange.wire, trm.exchange.suite;"
        "import trm.exchange.vectors, trm.exchange.negative, trm.exchange.summary;"
        "banned = {'django', 'httpx', 'httpcore', 'requests', 'urllib3'};"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in banned);"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, str(SRC)], capture_output=True, text=True, check=True, timeout=60
    )
    assert "django" not in result.stdout
    assert "httpx" not in result.stdout
    assert result.stdout.strip() == "", result.stdout
