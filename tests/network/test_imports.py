from __future__ import annotations

import io

import pytest

from tests.network import builders
from trm.network import imports
from trm.network.models import Attendance, Participant, Position

HEADER = "Country,Organisation,Last name,First name,Role,Position,Institution,E-mail,Phone\r\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\r\n" for r in rows)).encode()


@pytest.fixture
def network(db):
    for code in ("BG", "RO", "XK"):
        builders.country(code)
    builders.organisation()


def test_it_imports_a_list_and_registers_everyone(network):
    m = builders.meeting()
    data = _csv(
        "Bulgaria,,Petrova,Ana,National coordinator,National Coordinator,Council of Ministers,ana@bg.example,+359 2 1",
        "Kosovo*,,Berisha,Drita,deputy,Deputy,Ministry,drita@xk.example,",
        ",RCMP,Lund,Eva,,Programme Manager,RCMP,eva@rcmp.example,",
    )
    result = imports.import_participants(data, filename="list.csv", by=None, register_for=m, today=builders.TODAY)
    assert (result.created, result.updated, result.registered) == (3, 0, 3)
    assert Attendance.objects.filter(meeting=m, status="registered").count() == 3
    ana = Participant.objects.get(email="ana@bg.example")
    assert ana.country.code == "BG"
    assert ana.positions.get().kind == "coordinator"
    assert Participant.objects.get(email="drita@xk.example").country.code == "XK"
    assert Participant.objects.get(email="eva@rcmp.example").positions.get().kind == "partner"


def test_it_reports_malformed_rows_with_line_numbers_and_imports_nothing(network):
    data = _csv(
        "Bulgaria,,Petrova,Ana,,,,ana@bg.example,",
        "Bulgaria,,,Ivan,,,,not-an-address,",
        "Atlantis,,Smith,Jo,,,,jo@example.org,",
        "Romania,,Pop,Ion,astronaut,,,ion@ro.example,",
    )
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_participants(data, filename="list.csv", by=None, today=builders.TODAY)
    lines = sorted({e.line for e in refused.value.errors})
    assert lines == [3, 4, 5]
    messages = " ".join(str(e) for e in refused.value.errors)
    assert "Line 3" in messages and "Last name is empty" in messages
    assert "not-an-address" not in messages and "Atlantis" not in messages
    assert not Participant.objects.exists()


def test_it_refuses_a_file_without_the_required_columns(network):
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_participants(b"Name,Country\r\nAna,BG\r\n", filename="x.csv", by=None, today=builders.TODAY)
    assert refused.value.errors[0].line == 1


def test_it_refuses_other_file_types_and_broken_files(network):
    with pytest.raises(imports.ImportRefused):
        imports.import_participants(b"%PDF", filename="x.pdf", by=None, today=builders.TODAY)
    with pytest.raises(imports.ImportRefused):
        imports.import_participants(b"not a zip", filename="x.xlsx", by=None, today=builders.TODAY)
    with pytest.raises(imports.ImportRefused):
        imports.import_participants(b"\xff\xfe\x00", filename="x.csv", by=None, today=builders.TODAY)
    with pytest.raises(imports.ImportRefused):
        imports.import_participants(b"", filename="x.csv", by=None, today=builders.TODAY)


def test_it_merges_the_same_e_mail_inside_a_file_and_says_so(network):
    data = _csv(
        "Bulgaria,,Petrova,Ana,,,,ana@bg.example,",
        "Bulgaria,,Petrova,Ana,,,,ANA@bg.example,+359 2 2",
    )
    result = imports.import_participants(data, filename="l.csv", by=None, today=builders.TODAY)
    assert result.created == 1
    assert Participant.objects.get().phone == "+359 2 2"
    assert [n.line for n in result.notes] == [3]


def test_it_updates_people_already_in_the_directory(network):
    existing = builders.person(code="BG", email="ana@bg.example")
    data = _csv("Bulgaria,,Petrova,Ana,,Head of Office,Council of Ministers,ana@bg.example,")
    result = imports.import_participants(data, filename="l.csv", by=None, today=builders.TODAY)
    assert (result.created, result.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.last_name == "Petrova"
    assert Position.objects.filter(participant=existing).count() == 2


def test_it_reads_excel_files_and_semicolon_csv(network):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Country", "Last name", "First name", "E-mail"])
    sheet.append(["Romania", "Pop", "Ion", "ion@ro.example"])
    sheet.append(["Romania", None, "Dan", "dan@ro.example"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_participants(buffer.getvalue(), filename="l.xlsx", by=None, today=builders.TODAY)
    assert [e.line for e in refused.value.errors] == [3]
    data = b"Country;Last name;First name;E-mail\nRomania;Pop;Ion;ion@ro.example\n"
    assert imports.import_participants(data, filename="l.csv", by=None, today=builders.TODAY).created == 1


def test_export_round_trips_and_defuses_formulas(network):
    p = builders.person(code="BG")
    p.last_name = "=HYPERLINK()"
    p.phone = "+359 2 123"
    p.save(update_fields=["last_name", "phone"])
    rows = imports.export_rows(Participant.objects.all(), today=builders.TODAY)
    text = imports.to_csv(rows).decode("utf-8-sig")
    assert "'=HYPERLINK()" in text and ",+359 2 123" in text
    assert imports.to_xlsx(rows, title="Participants")[:2] == b"PK"
    table = imports.read_table(imports.to_csv(rows), "back.csv")
    assert table[1][1][2] == "=HYPERLINK()"


def test_it_refuses_rows_with_more_cells_than_columns(network):
    data = _csv("Bulgaria,,Petrova,Ana,,,,ana@bg.example,,extra")
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_participants(data, filename="l.csv", by=None, today=builders.TODAY)
    assert [e.line for e in refused.value.errors] == [2]
    assert not Participant.objects.exists()


def test_it_refuses_an_excel_file_that_would_unpack_beyond_the_limit_before_reading_it(network, monkeypatch):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (imports.MAX_EXPANDED_BYTES + 1))
    data = buffer.getvalue()
    assert len(data) < imports.MAX_BYTES  # small on the wire, huge once unpacked
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: pytest.fail("must not expand the file"))
    with pytest.raises(imports.ImportRefused) as refused:
        imports.read_table(data, "bomb.xlsx")
    assert "too large once unpacked" in refused.value.errors[0].message


def test_it_stops_reading_a_table_at_the_row_and_column_limits(network):
    rows = "".join(f"Romania,,P{i},I,,,,p{i}@ro.example,\r\n" for i in range(imports.MAX_ROWS + 5))
    with pytest.raises(imports.ImportRefused) as refused:
        imports.read_table((HEADER + rows).encode(), "long.csv")
    assert "rows" in refused.value.errors[0].message
    wide = ",".join(["x"] * (imports.MAX_COLUMNS + 1)) + "\r\n"
    with pytest.raises(imports.ImportRefused) as refused:
        imports.read_table(wide.encode(), "wide.csv")
    assert "columns" in refused.value.errors[0].message
