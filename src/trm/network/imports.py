"""Import and export participant lists (CSV, Excel), laid out like a meeting report's annex.

Import is all or nothing: every row is checked first, and one bad row refuses the whole
file, with each problem reported by line number (the header is line 1). Errors name the
column, never the value, so no address or name ends up in a message or a log. People are
recognised by e-mail (case-insensitive): a repeat inside the file is merged into the first
row (later non-empty cells win) and reported; someone already in the directory is updated
(empty cells never erase what is known).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from trm.accounts.models import User
from trm.lib.text import text_problem
from trm.network import access, directory, meetings
from trm.network.models import (
    Attendance,
    Meeting,
    NetworkCountry,
    Participant,
    PartnerOrganisation,
    PositionKind,
)
from trm.vocab.countries import country_names

MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024
MAX_COLUMNS = 60
# What the zip of an XLSX may declare once unpacked (checked before openpyxl expands anything).
MAX_EXPANDED_BYTES = 40 * 1024 * 1024
MAX_ZIP_MEMBERS = 200

# Column → accepted headers (lower-case). Order is the export order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "country": ("country", "country/organisation", "delegation"),
    "organisation": ("organisation", "organization", "partner organisation"),
    "last_name": ("last name", "surname", "family name"),
    "first_name": ("first name", "given name", "name"),
    "role": ("role", "role in the network"),
    "position": ("position", "title", "function"),
    "institution": ("institution", "office", "ministry"),
    "email": ("e-mail", "email", "e-mail address", "email address"),
    "phone": ("phone", "telephone", "tel."),
}
REQUIRED = ("last_name", "first_name", "email")
HEADERS = {
    "country": "Country",
    "organisation": "Organisation",
    "last_name": "Last name",
    "first_name": "First name",
    "role": "Role",
    "position": "Position",
    "institution": "Institution",
    "email": "E-mail",
    "phone": "Phone",
}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


class ImportRefused(Exception):
    """The file was refused; nothing was imported. ``errors`` say where and why."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = list(errors)


@dataclass
class Row:
    line: int
    values: dict[str, str]
    country: NetworkCountry | None = None
    organisation: PartnerOrganisation | None = None
    merged_lines: list[int] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    registered: int = 0
    notes: list[RowError] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of a CSV or XLSX file; the first row is the header."""
    if len(data) > MAX_BYTES:
        raise ImportRefused([RowError(0, _("The file is larger than 2 MB."))])
    if filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    if filename.lower().endswith((".csv", ".txt")):
        return _read_csv(data)
    raise ImportRefused([RowError(0, _("Upload a .csv or .xlsx file."))])


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([RowError(0, _("The CSV file is not UTF-8 text."))]) from None
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            _check_shape(len(rows), len(cells))
            rows.append((reader.line_num, [_undefuse(c.strip()) for c in cells]))
    except csv.Error:
        raise ImportRefused([RowError(reader.line_num, _("The CSV is malformed here."))]) from None
    return rows


def _check_shape(rows_read: int, cells: int) -> None:
    """Stop reading as soon as the table is larger than any import may be (header included)."""
    if rows_read > MAX_ROWS:
        raise ImportRefused([RowError(0, _("More than %(n)d rows.") % {"n": MAX_ROWS})])
    if cells > MAX_COLUMNS:
        raise ImportRefused([RowError(rows_read + 1, _("More than %(n)d columns.") % {"n": MAX_COLUMNS})])


def _check_zip(data: bytes) -> None:
    """An XLSX is a zip: refuse one that would expand beyond the limit before anything expands."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ImportRefused([RowError(0, _("The Excel file cannot be read."))]) from None
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_EXPANDED_BYTES:
        raise ImportRefused([RowError(0, _("The Excel file is too large once unpacked."))])


def _read_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise ImportRefused([RowError(0, _("The Excel file cannot be read."))]) from None
    sheet = book.worksheets[0]
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            _check_shape(len(rows), len(cells))
            rows.append((number, ["" if c is None else str(c).strip() for c in cells]))
    finally:
        book.close()
    return rows


# --- checking ------------------------------------------------------------------------------


def _header_map(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    lookup = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = lookup.get(title.strip().lower())
        if key is not None and key not in found:
            found[key] = index
    missing = [HEADERS[k] for k in REQUIRED if k not in found]
    if missing:
        return found, [RowError(1, _("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)})]
    return found, []


def _country_lookup() -> dict[str, str]:
    names = {name.lower().rstrip("*"): code for code, name in country_names().items()}
    names.update({code.lower(): code for code in country_names()})
    return names


def role_lookup() -> dict[str, str]:
    """Role names (English labels or codes, lower-case) to PositionKind values."""
    return {str(label).lower(): value for value, label in PositionKind.choices} | {v: v for v in PositionKind.values}


def check_rows(table: list[tuple[int, list[str]]]) -> tuple[list[Row], list[RowError], list[RowError]]:
    """(rows to import, errors, notes); rows with the same e-mail are merged into one."""
    body = [(n, cells) for n, cells in table if any(cells)]
    if not body:
        return [], [RowError(0, _("The file is empty."))], []
    _header_line, header = body[0]
    columns, errors = _header_map(header)
    if errors:
        return [], errors, []
    if len(body) - 1 > MAX_ROWS:
        return [], [RowError(0, _("More than %(n)d rows.") % {"n": MAX_ROWS})], []
    countries = {c.code: c for c in NetworkCountry.objects.all()}
    orgs = {o.name.lower(): o for o in PartnerOrganisation.objects.all()}
    orgs.update({o.short_name.lower(): o for o in PartnerOrganisation.objects.exclude(short_name="")})
    country_codes = _country_lookup()
    notes: list[RowError] = []
    by_email: dict[str, Row] = {}
    for line, cells in body[1:]:
        if len(cells) > len(header):
            errors.append(RowError(line, _("More cells than columns.")))
            continue
        values = {key: (cells[i] if i < len(cells) else "") for key, i in columns.items()}
        row = Row(line=line, values=values)
        row_errors = _check_row(row, countries, country_codes, orgs)
        errors.extend(row_errors)
        if row_errors:
            continue
        email = directory.normalise_email(values["email"])
        values["email"] = email
        first = by_email.get(email)
        if first is None:
            by_email[email] = row
            continue
        first.merged_lines.append(line)
        for key, value in values.items():
            if value:
                first.values[key] = value
        first.country = row.country or first.country
        first.organisation = row.organisation or first.organisation
        notes.append(RowError(line, _("Same e-mail as line %(first)d: merged into it.") % {"first": first.line}))
    return list(by_email.values()), errors, notes


def _check_row(
    row: Row, countries: dict[str, NetworkCountry], codes: dict[str, str], orgs: dict[str, PartnerOrganisation]
) -> list[RowError]:
    errors = []
    values = row.values
    for key, value in values.items():
        if text_problem(value) is not None:
            errors.append(
                RowError(row.line, _("%(column)s holds characters that are not allowed.") % {"column": HEADERS[key]})
            )
    for key in REQUIRED:
        if not values.get(key):
            errors.append(RowError(row.line, _("%(column)s is empty.") % {"column": HEADERS[key]}))
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            errors.append(RowError(row.line, _("E-mail is not a valid address.")))
    for key in ("first_name", "last_name", "position", "institution"):
        if len(values.get(key, "")) > 200:
            errors.append(RowError(row.line, _("%(column)s is too long.") % {"column": HEADERS[key]}))
    if len(values.get("phone", "")) > 40:
        errors.append(RowError(row.line, _("Phone is too long.")))
    country_text = values.get("country", "")
    if country_text:
        code = codes.get(country_text.lower().rstrip("*"))
        if code is None:
            errors.append(RowError(row.line, _("Country is not a known country.")))
        elif code not in countries:
            errors.append(RowError(row.line, _("Country is not in the network (add it to the directory first).")))
        else:
            row.country = countries[code]
    org_text = values.get("organisation", "")
    if org_text:
        row.organisation = orgs.get(org_text.lower())
        if row.organisation is None:
            errors.append(RowError(row.line, _("Organisation is not in the directory (add it first).")))
    if not country_text and not org_text:
        errors.append(RowError(row.line, _("Give a country or an organisation.")))
    role = values.get("role", "")
    if role and role.lower() not in role_lookup():
        errors.append(RowError(row.line, _("Role is not one of the network's roles.")))
    return errors


# --- importing -----------------------------------------------------------------------------


@transaction.atomic
def import_participants(
    data: bytes, *, filename: str, by: User, register_for: Meeting | None = None, today: date
) -> ImportResult:
    """Import a participant list; with ``register_for`` everyone on it is registered for that meeting."""
    access.check("import_participants", by, register_for)
    rows, errors, notes = check_rows(read_table(data, filename))
    if errors:
        raise ImportRefused(errors)
    result = ImportResult(notes=notes)
    existing = {p.email: p for p in Participant.objects.filter(email__in=[r.values["email"] for r in rows])}
    for row in rows:
        participant = existing.get(row.values["email"])
        if participant is None:
            participant = directory.add_participant(
                first_name=row.values["first_name"],
                last_name=row.values["last_name"],
                email=row.values["email"],
                phone=row.values.get("phone", ""),
                country=row.country,
                organisation=row.organisation,
                by=by,
            )
            result.created += 1
        else:
            changes = {
                k: v
                for k, v in (
                    ("first_name", row.values["first_name"]),
                    ("last_name", row.values["last_name"]),
                    ("phone", row.values.get("phone", "")),
                    ("country", row.country),
                    ("organisation", row.organisation),
                )
                if v
            }
            directory.update_participant(participant, by=by, **changes)
            result.updated += 1
            result.notes.append(RowError(row.line, _("Already in the directory (same e-mail): updated.")))
        _maybe_add_position(participant, row, by=by, today=today)
        if register_for is not None:
            already = Attendance.objects.filter(
                meeting=register_for, participant=participant, status="registered"
            ).exists()
            meetings.register(register_for, participant=participant, by=by)
            result.registered += 0 if already else 1
    return result


def _maybe_add_position(participant: Participant, row: Row, *, by: User, today: date) -> None:
    role = row.values.get("role", "").lower()
    title, institution = row.values.get("position", ""), row.values.get("institution", "")
    if not (role or title or institution):
        return
    kind = role_lookup().get(role) or (PositionKind.PARTNER if row.organisation else PositionKind.OFFICE)
    current = participant.positions.current(today)
    if current.filter(kind=kind, title=title, institution=institution).exists():
        return
    directory.add_position(
        participant,
        kind=kind,
        title=title,
        institution=institution,
        country=row.country,
        organisation=row.organisation,
        start_date=today,
        by=by,
    )


# --- exporting -----------------------------------------------------------------------------


def export_rows(attendances_or_participants: Iterable[Any], *, today: date) -> list[list[str]]:
    """Header plus one row per person (Attendance rows keep the position held at the meeting)."""
    out = [[HEADERS[k] for k in COLUMNS]]
    for item in attendances_or_participants:
        if isinstance(item, Attendance):
            person, position, institution, role = item.participant, item.position, item.institution, ""
        else:
            person = item
            current = person.current_positions(today)
            first = current[0] if current else None
            position = first.title if first else ""
            institution = first.institution if first else ""
            role = str(first.get_kind_display()) if first else ""
        out.append(
            [
                person.country.name if person.country is not None else "",
                str(person.organisation or ""),
                person.last_name,
                person.first_name,
                role,
                position,
                institution,
                person.email,
                person.phone,
            ]
        )
    return out


def to_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_defuse(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list[str]], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Participants"
    for row in rows:
        sheet.append([_defuse(c) for c in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHI", (18, 22, 18, 16, 24, 30, 34, 30, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_PHONE = re.compile(r"^\+[0-9 ()/.-]+$")


def _defuse(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PHONE.match(value):
        return "'" + value
    return value


def _undefuse(value: str) -> str:
    return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@") else value
