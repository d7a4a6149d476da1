from __future__ import annotations

from trm.cli import resolve


def test_it_maps_two_words_to_one_command():
    available = {"audit_verify", "rotate_keys", "serve", "demo"}
    assert resolve(["audit", "verify"], available) == ["audit_verify"]
    assert resolve(["rotate-keys"], available) == ["rotate_keys"]
    assert resolve(["serve", "--bind", "127.0.0.1:9000"], available) == ["serve", "--bind", "127.0.0.1:9000"]
    assert resolve(["migrate"], available) == ["migrate"]
    assert resolve([], available) == []
