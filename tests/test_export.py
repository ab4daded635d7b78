"""Applications export: XLSX and CSV read back, formula injection, text identifiers, dates."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from bot.services.export import (
    DEFAULT_KEYS,
    Column,
    default_columns,
    neutralize,
    to_csv,
    to_rows,
    to_xlsx,
)
from storage.applications import Application

BASE = Application(
    id=1,
    number="ХК-0001",
    user_id=501,
    cluster_id=3,
    org_name="ООО «Химпром»",
    inn="7707083893",
    ogrn="1027700132195",
    region="Татарстан",
    products="Полиэтилен; ПВХ",
    okved="20.16",
    contact_name="Иван Петров",
    phone="+79123456789",
    email="ivan@example.ru",
    comment="Нужна консультация\nпо сертификации",
    consent_version="2026-01",
    consent_at="2026-11-26T19:55:00.000Z",
    language="ru",
    campaign=None,
    username="ivan",
    full_name="Иван Петров",
    status="new",
    assignee_id=None,
    assignee_name=None,
    staff_chat_id=None,
    staff_message_id=None,
    created_at="2026-11-26T19:58:31.123Z",
    updated_at="2026-11-26T19:58:31.123Z",
)

HEADERS = {key: f"Заголовок {key}" for key in DEFAULT_KEYS}
HEADERS["number"] = "Номер"
HEADERS["org_name"] = "Организация"
COLUMNS = default_columns(HEADERS.__getitem__)
CLUSTERS = {3: "Казанский химический кластер"}


def extra(app: Application, key: str) -> object:
    if key == "cluster":
        return CLUSTERS.get(app.cluster_id)
    if key == "status":
        return {"new": "Новая", "accepted": "Принята"}[app.status]
    return None


APPS = [
    BASE,
    dataclasses.replace(
        BASE,
        id=2,
        number="ХК-0002",
        org_name='=HYPERLINK("http://evil")',
        inn="0012345678",
        ogrn=None,
        products="@SUM(A1)",
        okved="-2+3",
        status="accepted",
        assignee_name="Мария",
    ),
    dataclasses.replace(
        BASE,
        id=3,
        number="ХК-0003",
        org_name="АО\x00 Ре\x07агент\x1f",
        contact_name="\x01=cmd|' /C calc'!A0",
        comment="\tвнутренний\rтекст",
        email="#N/A",
        created_at="2026-12-31T23:59:59.999+03:00",
    ),
]


def col(key: str) -> int:
    """0-based index of a default column."""
    return DEFAULT_KEYS.index(key)


def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to see UTF-8
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture(scope="module")
def xlsx_bytes() -> bytes:
    return to_xlsx(APPS, COLUMNS, sheet_title="Заявки", extra=extra)


@pytest.fixture(scope="module")
def ws(xlsx_bytes):
    return read_xlsx(xlsx_bytes)


@pytest.fixture(scope="module")
def csv_rows() -> list[list[str]]:
    return read_csv(to_csv(APPS, COLUMNS, extra=extra))


# --- columns and rows ------------------------------------------------------------------------


def test_default_columns_order_and_headers():
    assert [c.key for c in COLUMNS][:4] == ["number", "created_at", "status", "cluster"]
    assert [c.key for c in COLUMNS][-2:] == ["consent_version", "consent_at"]
    assert COLUMNS[0] == Column("number", "Номер")
    assert {c.key for c in COLUMNS} - {"cluster"} <= {f.name for f in dataclasses.fields(BASE)}


def test_to_rows_uses_extra_fields_and_formats_dates():
    rows = to_rows(APPS, COLUMNS, extra)
    assert len(rows) == 3 and all(len(r) == len(COLUMNS) for r in rows)
    first = rows[0]
    assert first[col("cluster")] == "Казанский химический кластер"
    assert first[col("status")] == "Новая"  # extra overrides a field
    assert first[col("org_name")] == "ООО «Химпром»"
    assert first[col("created_at")] == "2026-11-26 19:58"
    assert first[col("consent_at")] == "2026-11-26 19:55"
    assert first[col("campaign")] is None
    # +03:00 is converted to UTC
    assert rows[2][col("created_at")] == "2026-12-31 20:59"
    # to_rows does not neutralize: that is each format's job
    assert rows[1][col("org_name")] == '=HYPERLINK("http://evil")'


def test_computed_column_without_extra_is_refused():
    with pytest.raises(ValueError, match="cluster"):
        to_rows(APPS, COLUMNS)
    plain = [Column("number", "N"), Column("inn", "ИНН")]
    assert to_rows(APPS[:2], plain) == [["ХК-0001", "7707083893"], ["ХК-0002", "0012345678"]]


def test_unparsable_timestamp_is_kept():
    app = dataclasses.replace(BASE, created_at="вчера")
    assert to_rows([app], [Column("created_at", "Дата")]) == [["вчера"]]


def test_neutralize():
    assert neutralize("=1+1") == "'=1+1"
    assert neutralize("+1+1") == "'+1+1"
    assert neutralize("-2+3") == "'-2+3"
    assert neutralize("@SUM(A1)") == "'@SUM(A1)"
    assert neutralize("\t=1") == "'\t=1"
    assert neutralize("\r=1") == "'\r=1"
    assert neutralize("\n=1") == "'\n=1"
    assert neutralize("+79123456789") == "+79123456789"
    assert neutralize("+7 912 345-67-89") == "'+7 912 345-67-89"
    assert neutralize("+79123456789\n=1") == "'+79123456789\n=1"
    assert neutralize("ООО Ромашка") == "ООО Ромашка"
    assert neutralize("a=b") == "a=b"
    assert neutralize("") == ""
    assert neutralize(42) == 42
    assert neutralize(None) is None


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_header_is_bold_frozen_and_filtered(ws):
    headers = [c.value for c in ws[1]]
    assert headers == [c.header for c in COLUMNS]
    assert all(c.font.bold for c in ws[1])
    assert not ws["A2"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:T{len(APPS) + 1}"
    assert ws.title == "Заявки"
    assert ws.max_row == len(APPS) + 1


def test_xlsx_values_and_cyrillic(ws):
    row = [c.value for c in ws[2]]
    assert row[col("number")] == "ХК-0001"
    assert row[col("org_name")] == "ООО «Химпром»"
    assert row[col("cluster")] == "Казанский химический кластер"
    assert row[col("status")] == "Новая"
    assert row[col("comment")] == "Нужна консультация\nпо сертификации"
    assert row[col("created_at")] == "2026-11-26 19:58"
    assert ws.cell(row=2, column=col("created_at") + 1).data_type == "s"
    assert row[col("campaign")] is None


@pytest.mark.parametrize(
    ("row", "key", "text"),
    [
        (3, "org_name", '=HYPERLINK("http://evil")'),
        (3, "products", "@SUM(A1)"),
        (3, "okved", "-2+3"),
        (4, "contact_name", "=cmd|' /C calc'!A0"),
        (4, "comment", "\tвнутренний\nтекст"),
        (4, "email", "#N/A"),  # openpyxl would make this an error cell
    ],
)
def test_xlsx_formula_like_text_is_a_plain_string(ws, row, key, text):
    cell = ws.cell(row=row, column=col(key) + 1)
    assert cell.value == text
    assert cell.data_type == "s"


def test_xlsx_quote_prefix_on_risky_text(ws):
    assert ws.cell(row=3, column=col("org_name") + 1).quotePrefix
    assert ws.cell(row=3, column=col("inn") + 1).quotePrefix
    assert not ws.cell(row=2, column=col("region") + 1).quotePrefix


def test_xlsx_has_no_formula_elements(xlsx_bytes):
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    assert "HYPERLINK" in sheet  # present, as text


def test_xlsx_phone_stays_readable_text(ws):
    cell = ws.cell(row=2, column=col("phone") + 1)
    assert cell.value == "+79123456789"
    assert cell.data_type == "s"


def test_xlsx_identifiers_stay_text(ws):
    inn = ws.cell(row=3, column=col("inn") + 1)
    assert inn.value == "0012345678" and inn.data_type == "s"
    ogrn = ws.cell(row=2, column=col("ogrn") + 1)
    assert ogrn.value == "1027700132195" and ogrn.data_type == "s"
    okved = ws.cell(row=2, column=col("okved") + 1)
    assert okved.value == "20.16" and okved.data_type == "s"


def test_xlsx_control_characters_are_stripped(ws):
    assert ws.cell(row=4, column=col("org_name") + 1).value == "АО Реагент"


def test_xlsx_column_widths_fit_content_and_are_capped():
    long = dataclasses.replace(BASE, comment="слово " * 100, language="ru")
    ws = read_xlsx(to_xlsx([long], COLUMNS, sheet_title="Заявки", extra=extra))

    def width(key: str) -> float:
        return ws.column_dimensions[get_column_letter(col(key) + 1)].width

    assert width("number") == len("ХК-0001") + 2  # longest of header and values, plus padding
    assert width("org_name") == len("ООО «Химпром»") + 2
    assert width("status") == len("Заголовок status") + 2
    assert width("cluster") == len("Казанский химический кластер") + 2
    assert width("comment") == 60  # capped


def test_xlsx_empty_export_is_just_the_header():
    ws = read_xlsx(to_xlsx([], COLUMNS, sheet_title="Заявки", extra=extra))
    assert ws.max_row == 1
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert ws.freeze_panes == "A2"


def test_xlsx_sheet_title_is_made_valid():
    ws = read_xlsx(to_xlsx([], COLUMNS, sheet_title="Заявки: [все]/2026?" * 3, extra=extra))
    assert len(ws.title) <= 31
    assert not set(ws.title) & set("\\*?:/[]")
    assert ws.title.startswith("Заявки")
    assert read_xlsx(to_xlsx([], COLUMNS, sheet_title="''", extra=extra)).title == "Sheet1"


def test_xlsx_hostile_header_is_text():
    ws = read_xlsx(to_xlsx([BASE], [Column("org_name", "=1+1")], sheet_title="x"))
    assert ws["A1"].value == "=1+1" and ws["A1"].data_type == "s"


# --- CSV -------------------------------------------------------------------------------------


def test_csv_format_bom_delimiter_crlf():
    data = to_csv(APPS[:1], COLUMNS, extra=extra)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    header_line = text.split("\r\n", 1)[0]
    assert header_line.split(";")[:2] == ["Номер", "Заголовок created_at"]
    assert text.endswith("\r\n")
    # the embedded newline of the comment is quoted, not a new record
    assert '"Нужна консультация\nпо сертификации"' in text
    assert '"Полиэтилен; ПВХ"' in text


def test_csv_values_and_cyrillic(csv_rows):
    assert csv_rows[0] == [c.header for c in COLUMNS]
    assert len(csv_rows) == len(APPS) + 1
    row = csv_rows[1]
    assert row[col("number")] == "ХК-0001"
    assert row[col("org_name")] == "ООО «Химпром»"
    assert row[col("cluster")] == "Казанский химический кластер"
    assert row[col("products")] == "Полиэтилен; ПВХ"
    assert row[col("comment")] == "Нужна консультация\nпо сертификации"
    assert row[col("created_at")] == "2026-11-26 19:58"
    assert row[col("campaign")] == ""


def test_csv_formula_injection_is_neutralized(csv_rows):
    evil = csv_rows[2]
    assert evil[col("org_name")] == '\'=HYPERLINK("http://evil")'
    assert evil[col("products")] == "'@SUM(A1)"
    assert evil[col("okved")] == "'-2+3"
    other = csv_rows[3]
    assert other[col("contact_name")] == "'=cmd|' /C calc'!A0"
    assert other[col("comment")] == "'\tвнутренний\nтекст"


def test_csv_phone_and_identifiers_kept(csv_rows):
    assert csv_rows[1][col("phone")] == "+79123456789"
    assert csv_rows[2][col("inn")] == "0012345678"
    assert csv_rows[1][col("ogrn")] == "1027700132195"
    assert csv_rows[2][col("ogrn")] == ""


def test_csv_control_characters_are_stripped(csv_rows):
    assert csv_rows[3][col("org_name")] == "АО Реагент"
    assert csv_rows[3][col("created_at")] == "2026-12-31 20:59"


def test_csv_empty_export_is_just_the_header():
    rows = read_csv(to_csv([], COLUMNS, extra=extra))
    assert rows == [[c.header for c in COLUMNS]]


def test_same_text_in_both_formats(ws, csv_rows):
    for r, csv_row in enumerate(csv_rows[1:], start=2):
        for c, value in enumerate(csv_row, start=1):
            xlsx_value = ws.cell(row=r, column=c).value
            assert neutralize("" if xlsx_value is None else xlsx_value) == value


def test_line_breaks_are_normalized_and_leading_break_is_neutralized():
    app = dataclasses.replace(BASE, comment="\r=1+1", products="а\r\nб\rв")
    columns = [Column("comment", "К"), Column("products", "П")]
    assert to_rows([app], columns) == [["\n=1+1", "а\nб\nв"]]
    assert read_csv(to_csv([app], columns))[1] == ["'\n=1+1", "а\nб\nв"]
    ws = read_xlsx(to_xlsx([app], columns, sheet_title="x"))
    assert [c.value for c in ws[2]] == ["\n=1+1", "а\nб\nв"]
    assert ws["A2"].data_type == "s"
