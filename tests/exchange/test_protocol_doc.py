"""docs/protocol.md states what the code does: codes, statuses, types and field sets."""

from __future__ import annotations

import re
from pathlib import Path

from trm.exchange import schemas
from trm.exchange.errors import HTTP_STATUS, Code
from trm.exchange.messages import MESSAGE_TYPES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()


def test_it_documents_every_error_code_with_its_http_status() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", DOC, flags=re.MULTILINE))
    assert rows == {str(code): str(status) for code, status in HTTP_STATUS.items()}
    assert set(rows) == {str(code) for code in Code}


def test_it_documents_every_message_type_and_its_fields() -> None:
    for type_, schema in schemas.BODY_SCHEMAS.items():
        heading = re.search(rf"^### 5\.\d+ `{type_}`", DOC, flags=re.MULTILINE)
        assert heading is not None, type_
        section = DOC[heading.end() : DOC.find("\n### ", heading.end())]
        documented = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
        assert documented == list(schema["properties"]), type_
    assert len(re.findall(r"^### 5\.\d+ ", DOC, flags=re.MULTILINE)) == len(MESSAGE_TYPES)


def test_it_documents_the_limits_in_use() -> None:
    from trm.exchange import protocol, trustlist

    assert protocol.DEFAULT_MAX_BYTES == 262_144 and "262,144 bytes" in DOC
    assert protocol.DEFAULT_RECEIPT_MAX_BYTES == 16_384 and "16,384 bytes" in DOC
    assert trustlist.DEFAULT_MAX_BYTES == 1_048_576 and "1,048,576 bytes" in DOC
    assert protocol.DEFAULT_CLOCK_SKEW.total_seconds() == 300 and "300 s" in DOC
    assert protocol.DEFAULT_MAX_LIFETIME.days == 30 and protocol.DEFAULT_TTL.days == 7


def test_it_names_only_vectors_that_exist() -> None:
    import json

    from trm.exchange import suite

    vectors = Path(__file__).resolve().parents[2] / "docs" / "vectors"
    names = {
        case["name"]
        for file in ("negative.json", "receipts_negative.json", "trustlist_negative.json", "messages.json")
        for case in json.loads((vectors / file).read_text())["cases"]
    }
    names |= set(suite.by_name())  # the runner's HTTP cases are in no file
    cited = set(re.findall(r"`((?:c\d\d|r\d\d|t\d\d|accept|order)_[a-z0-9_]+)`", DOC))
    assert cited and cited <= names, sorted(cited - names)
