"""Model fields whose values are encrypted at rest with the node's field keys (AES-256-GCM).

The associated data is "<app_label>.<model>.<field>", so a ciphertext moved to another
column fails to decrypt. Values cannot be searched or ordered in the database: look up
by a keyed blind index (see blind_index) where exact search is needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.conf import settings
from django.db import models

from trm.lib.fieldcrypto import FieldCipher

_ST = TypeVar("_ST")  # what the field accepts
_GT = TypeVar("_GT")  # what reading it returns

if TYPE_CHECKING:
    # django-stubs types a field by what it accepts and what it returns (nullable or not).
    _GenericField = models.Field
    _GenericTextField = models.TextField
    _GenericDateField = models.DateField
else:
    # Django's field classes are not subscriptable at run time; these add nothing else.
    class _GenericField(models.Field, Generic[_ST, _GT]):
        pass

    class _GenericTextField(models.TextField, Generic[_ST, _GT]):
        pass

    class _GenericDateField(models.DateField, Generic[_ST, _GT]):
        pass


def cipher() -> FieldCipher:
    field_cipher: FieldCipher = settings.FIELD_CIPHER
    return field_cipher


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash of a normalised value for exact-match lookup without storing the value."""
    key = hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).digest()
    normal = " ".join(value.casefold().split())
    return hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()


class _EncryptedMixin(_GenericField[_ST, _GT]):
    def _aad(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return self.from_text(cipher().decrypt(value, aad=self._aad()))

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return cipher().encrypt(self.to_text(value), aad=self._aad())


class EncryptedTextField(_EncryptedMixin[_ST, _GT], _GenericTextField[_ST, _GT]):
    """Free text (names, narratives, contact details), encrypted."""

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None


class EncryptedCharField(EncryptedTextField[_ST, _GT]):
    """Short text, encrypted; max_length limits the plaintext, checked by validation."""

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        self.plain_max_length = max_length
        super().__init__(*args, **kwargs)
        if max_length is not None:
            from django.core.validators import MaxLengthValidator

            self.validators.append(MaxLengthValidator(max_length))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults: dict[str, Any] = {
            "form_class": forms.CharField,
            "max_length": self.plain_max_length,
            "widget": forms.TextInput,
        }
        defaults.update(kwargs)
        return super().formfield(**defaults)


class EncryptedDateField(_EncryptedMixin[_ST, _GT], _GenericDateField[_ST, _GT]):
    """A date (e.g. of birth), encrypted; compare in Python, not in the database."""

    def get_internal_type(self) -> str:
        return "TextField"

    def to_text(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    def from_text(self, text: str) -> Any:
        return dt.date.fromisoformat(text)

    def get_prep_value(self, value: Any) -> Any:
        value = self.to_python(value)
        if value is None:
            return None
        return cipher().encrypt(self.to_text(value), aad=self._aad())

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return value

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None


class EncryptedJSONField(_EncryptedMixin[_ST, _GT], _GenericTextField[_ST, _GT]):
    """Structured data (lists of aliases, documents, contacts), encrypted as one JSON text."""

    # Any JSON value goes in and comes back out (not the text the column holds).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_text(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    def from_text(self, text: str) -> Any:
        return json.loads(text)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return cipher().encrypt(self.to_text(value), aad=self._aad())

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: Any) -> str:
        return self.to_text(self.value_from_object(obj))

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None


def encrypted_fields(model: type[models.Model]) -> list[_EncryptedMixin[Any, Any]]:
    return [f for f in model._meta.concrete_fields if isinstance(f, _EncryptedMixin)]
