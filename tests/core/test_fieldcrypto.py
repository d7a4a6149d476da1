from __future__ import annotations

import base64

import pytest
from django.db import connection

from tests.support.models import Secret
from trm.core.keyrotation import rotate
from trm.lib.fieldcrypto import (
    DecryptionError,
    FieldCipher,
    FieldKeyError,
    generate_key_spec,
    parse_keys,
)

# Fixed synthetic keys, so that test ids are the same in every worker.
K1 = "k1:" + base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")
K2 = "k2:" + base64.urlsafe_b64encode(bytes(range(32, 64))).decode().rstrip("=")


def raw_row(pk: int) -> tuple:
    with connection.cursor() as cur:
        cur.execute("SELECT name, narrative, born, contacts FROM support_secret WHERE id = %s", [pk])
        return cur.fetchone()


def test_it_round_trips_and_binds_to_the_column():
    c = FieldCipher.from_spec(K1)
    token = c.encrypt("Ana Example", aad="cases.person.first_name")
    assert "Ana" not in token
    assert c.decrypt(token, aad="cases.person.first_name") == "Ana Example"
    with pytest.raises(DecryptionError):
        c.decrypt(token, aad="cases.person.last_name")


def test_it_fails_loudly_with_a_wrong_key():
    token = FieldCipher.from_spec(K1).encrypt("x", aad="a")
    other = FieldCipher.from_spec(generate_key_spec("k1"))
    with pytest.raises(DecryptionError, match="failed authentication"):
        other.decrypt(token, aad="a")
    with pytest.raises(DecryptionError, match="no field key with id 'k1'"):
        FieldCipher.from_spec(K2).decrypt(token, aad="a")


def test_it_detects_tampering():
    c = FieldCipher.from_spec(K1)
    token = c.encrypt("value", aad="a")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(DecryptionError):
        c.decrypt(flipped, aad="a")
    with pytest.raises(DecryptionError, match="not a TRM ciphertext"):
        c.decrypt("plain text", aad="a")


@pytest.mark.parametrize(
    "spec", ["", "k1", "k1:", ":abc", "k-1:" + "A" * 43, "k1:" + "A" * 20, f"{K1},{K1}", "k1:A", "k1:" + "A" * 42 + "!"]
)
def test_it_refuses_malformed_key_specs(spec):
    with pytest.raises(FieldKeyError):
        parse_keys(spec)


@pytest.mark.django_db
def test_it_stores_only_ciphertext_in_the_database(settings):
    import datetime as dt

    settings.FIELD_CIPHER = FieldCipher.from_spec(K1)
    s = Secret.objects.create(
        name="Mirela Synthetic",
        narrative="Recruited through a job advert",
        born=dt.date(2001, 5, 4),
        contacts=[{"phone": "+359000000"}],
    )
    row = raw_row(s.pk)
    joined = " ".join(str(v) for v in row)
    for plain in ("Mirela", "Recruited", "2001", "+359000000"):
        assert plain not in joined
    assert all(str(v).startswith("trm1:k1:") for v in row)
    again = Secret.objects.get(pk=s.pk)
    assert again.name == "Mirela Synthetic"
    assert again.born == dt.date(2001, 5, 4)
    assert again.contacts == [{"phone": "+359000000"}]


@pytest.mark.django_db
def test_it_fails_loudly_when_the_configured_key_is_wrong(settings):
    settings.FIELD_CIPHER = FieldCipher.from_spec(K1)
    s = Secret.objects.create(name="Synthetic Name")
    settings.FIELD_CIPHER = FieldCipher.from_spec(generate_key_spec("k1"))
    with pytest.raises(DecryptionError):
        Secret.objects.get(pk=s.pk)


@pytest.mark.django_db
def test_it_refuses_lookups_on_encrypted_fields():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Secret.objects.filter(name="x"))


@pytest.mark.django_db
def test_it_rotates_keys(settings):
    settings.FIELD_CIPHER = FieldCipher.from_spec(K1)
    old = Secret.objects.create(name="Old Key Person", narrative="text")
    empty = Secret.objects.create(label="nothing encrypted")
    settings.FIELD_CIPHER = FieldCipher.from_spec(f"{K2},{K1}")
    new = Secret.objects.create(name="New Key Person")
    assert raw_row(old.pk)[0].startswith("trm1:k1:")
    report = rotate(batch_size=1)
    assert report.rows_rewritten == 1
    assert report.rows_checked == 3
    assert raw_row(old.pk)[0].startswith("trm1:k2:")
    assert raw_row(new.pk)[0].startswith("trm1:k2:")
    assert raw_row(empty.pk)[0] in ("", None)
    # The old key can now be removed.
    settings.FIELD_CIPHER = FieldCipher.from_spec(K2)
    assert Secret.objects.get(pk=old.pk).name == "Old Key Person"


def test_it_ignores_empty_items_in_the_key_list():
    primary, keys = parse_keys(f" {K2}, ,{K1},")
    assert primary == "k2"
    assert set(keys) == {"k1", "k2"}
