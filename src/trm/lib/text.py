"""What text and numbers TRM accepts from outside, checked in one place.

Text that cannot be stored or encrypted (a lone surrogate cannot be encoded as UTF-8), or
that no person types (NUL, other C0 controls, Unicode non-characters), is refused as bad
input, never left to fail deep inside a verb as a server error. Integers that cannot be a
database id (below 1 or at least 2**63) are refused the same way.

The rule is one function, :func:`text_problem`; it is applied to

- form fields, through :data:`validate_text` (a Django validator) and :class:`StrictTextForm`;
- API schemas, through the pydantic types :data:`Text` and :data:`DbId`;
- whole JSON bodies and form posts, by ``trm.core.middleware.InputGuardMiddleware``,
  through :func:`json_problem` and :func:`form_problem`, so that no endpoint can forget;
- imports, by calling :func:`text_problem` on each cell.

Messages name the problem, never the value: they may be shown and logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, Field

# The largest and smallest ids a database integer key can hold (PostgreSQL bigint, SQLite).
DB_INT_MAX = 2**63 - 1
DB_INT_MIN = -(2**63)

# Controls that real text may contain: tab, line feed, carriage return.
_ALLOWED_CONTROLS = frozenset("\t\n\r")

TEXT_MESSAGE = _("This text contains characters that are not allowed (control characters or invalid Unicode).")
ID_MESSAGE = _("This is not a valid reference.")


def _bad_char(ch: str) -> bool:
    cp = ord(ch)
    if cp < 0x20:
        return ch not in _ALLOWED_CONTROLS
    if cp == 0x7F:
        return True
    if 0xD800 <= cp <= 0xDFFF:  # a lone surrogate: not a character, cannot be encoded
        return True
    if 0xFDD0 <= cp <= 0xFDEF:  # non-characters
        return True
    return (cp & 0xFFFE) == 0xFFFE  # U+xxFFFE and U+xxFFFF in every plane


def text_problem(value: str) -> str | None:
    """A short, value-free description of what is wrong with ``value``, or None if it is fine."""
    if value.isprintable() and value.isascii():
        return None  # the common case, checked in C
    if any(_bad_char(ch) for ch in value):
        return str(TEXT_MESSAGE)
    return None


def validate_text(value: Any) -> None:
    """Django validator: refuse NUL, other controls, lone surrogates and non-characters."""
    if isinstance(value, str) and text_problem(value) is not None:
        raise ValidationError(TEXT_MESSAGE, code="invalid_text")


def _check_text(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# Pydantic (django-ninja schemas): ``name: Text = ""`` refuses bad characters with a 422/400.
Text = Annotated[str, AfterValidator(_check_text)]
# A database id: 1 … 2**63-1. ``ids: list[DbId]`` refuses 2**63 instead of crashing the query.
DbId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]


def int_out_of_range(value: Any) -> bool:
    """True if ``value`` is an integer (or an integer string) no database column can hold."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        stripped = value.strip()
        digits = stripped[1:] if stripped[:1] in ("+", "-") else stripped
        if not (digits.isascii() and digits.isdigit()):
            return False  # not an integer at all: the field's own validation refuses it
        if len(digits) > 30:
            return True
        value = int(stripped)
    return isinstance(value, int) and not DB_INT_MIN <= value <= DB_INT_MAX


# Hard caps that hold for every field of every form, API body and query string, whatever its
# own (usually much smaller) max_length: no free text is longer, no list or object has more
# members. 100,000 characters are some fifty pages of minutes; no form offers 500 choices.
MAX_TEXT_CHARS = 100_000
MAX_ITEMS = 500


def _too_long() -> str:
    return str(_("A text is longer than %(n)d characters.") % {"n": MAX_TEXT_CHARS})


def _too_many() -> str:
    return str(_("A list has more than %(n)d items.") % {"n": MAX_ITEMS})


def json_problem(data: Any) -> str | None:
    """The first problem in a parsed JSON document: bad or over-long text in a key or value, a
    list or object over the cap, or a huge integer."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_TEXT_CHARS:
                return _too_long()
            problem = text_problem(item)
            if problem is not None:
                return problem
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            if int_out_of_range(item):
                return str(_("A number is out of range."))
        elif isinstance(item, dict):
            if len(item) > MAX_ITEMS:
                return _too_many()
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            if len(item) > MAX_ITEMS:
                return _too_many()
            stack.extend(item)
    return None


def form_problem(pairs: Iterable[tuple[str, Iterable[str]]]) -> str | None:
    """The first bad or over-long text among the names and values of a query string or form
    post, or a name given more values than the cap."""
    for key, values in pairs:
        problem = text_problem(key)
        if problem is not None:
            return problem
        values = list(values)
        if len(values) > MAX_ITEMS:
            return _too_many()
        for value in values:
            if len(value) > MAX_TEXT_CHARS:
                return _too_long()
            problem = text_problem(value)
            if problem is not None:
                return problem
    return None


class StrictTextForm(forms.Form):
    """A form whose text fields all refuse control characters and invalid Unicode.

    Use it (or :class:`StrictTextMixin` with a ModelForm) as the base of every form that
    takes free text.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_text_validators(self)


class StrictTextMixin:
    """Mixin for ModelForms: the same rule as :class:`StrictTextForm`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_text_validators(self)  # type: ignore[arg-type]


def add_text_validators(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and validate_text not in field.validators:
            field.validators.append(validate_text)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # generic only in the stubs
    """A ModelMultipleChoiceField that refuses ids no database can hold (a 400, not a crash)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else []:
            if int_out_of_range(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": "…"}
                )
        return super()._check_values(value)  # type: ignore[misc]  # private in the stubs, public in Django


class BoundedModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic only in the stubs
    """A ModelChoiceField that refuses ids no database can hold."""

    def to_python(self, value: Any) -> Any:
        if int_out_of_range(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)
