"""Export applications to XLSX and CSV for staff.

Pure functions: they take applications and columns and return the file's bytes. All user-facing
text (headers, the sheet title, localized statuses, cluster names) comes from the caller.

Everything in an application was typed by an applicant, so every cell is treated as hostile:

* control characters that XML (and therefore XLSX) cannot carry are stripped and line breaks
  become "\n", in both formats, so the two exports hold the same text;
* formula injection (a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return)
  is defused: in CSV such a cell gets a leading ``'`` (the OWASP advice), in XLSX it is stored
  as a plain string cell (never a formula) with Excel's "quote prefix" flag, so it stays text
  even if someone edits the cell;
* identifiers (ИНН, ОГРН, phone numbers) stay text: leading zeros survive and nothing turns
  into a number in scientific notation;
* timestamps are written as ``YYYY-MM-DD HH:MM`` text in UTC, identically in both formats;
* the personal fields of an application whose applicant withdrew consent (``erased_at`` set)
  show the caller's localized marker (e.g. "[erased]"), never an empty or "None" cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from storage.applications import Application

__all__ = [
    "Column",
    "PERSONAL_KEYS",
    "default_columns",
    "neutralize",
    "to_csv",
    "to_rows",
    "to_xlsx",
]

Extra = Callable[[Application, str], object]


@dataclass(frozen=True)
class Column:
    key: str  # an Application attribute name, or a computed key the caller provides via `extra`
    header: str  # already-localized header text


_FIELDS = frozenset(f.name for f in fields(Application))
_TIMESTAMPS = frozenset({"created_at", "updated_at", "consent_at", "erased_at"})
# erased when the applicant withdraws consent (storage/privacy.py)
PERSONAL_KEYS = frozenset({"contact_name", "phone", "email", "comment", "username", "full_name"})
DEFAULT_KEYS = (
    "number",
    "created_at",
    "status",
    "cluster",
    "org_name",
    "inn",
    "ogrn",
    "region",
    "products",
    "okved",
    "contact_name",
    "phone",
    "email",
    "comment",
    "language",
    "campaign",
    "username",
    "assignee_name",
    "consent_version",
    "consent_at",
)

# Characters a spreadsheet may read as the start of a formula (OWASP "CSV Injection"), plus
# line feed: cleaned text has its carriage returns turned into line feeds (see `_clean`).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# An E.164 phone number. Left as is even though it starts with "+": Excel at worst reads it as
# the number 79123456789 (a "formula" made of one constant, which can neither call a function
# nor reach another cell or the network), while a "'" in front would spoil every phone in the
# export. Only ASCII digits, the whole string.
_SAFE_PHONE = re.compile(r"\+[0-9]{7,15}")
# Characters that cannot appear in XML 1.0 (openpyxl raises IllegalCharacterError on the C0
# ones; lone surrogates and U+FFFE/U+FFFF would make a broken file or fail to encode as UTF-8).
# Tab and line breaks are legal and kept (`_clean` turns carriage returns into line feeds).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAX_CELL = 32767  # Excel's limit on the length of a cell's text
_MAX_WIDTH = 60
_MIN_WIDTH = 8
_BAD_TITLE = re.compile(r"[\\*?:/\[\]]")


def default_columns(header: Callable[[str], str]) -> list[Column]:
    """The standard export columns; ``header(key)`` gives the localized header of each key.

    ``cluster`` is a computed key: the caller supplies its value through ``extra``.
    """
    return [Column(key, header(key)) for key in DEFAULT_KEYS]


def neutralize(value: object) -> object:
    """Defuse formula injection for CSV: prefix a ``'`` to strings a spreadsheet would evaluate.

    Non-strings are returned unchanged, and so are E.164 phone numbers (see ``_SAFE_PHONE``).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        if _SAFE_PHONE.fullmatch(value):
            return value
        return "'" + value
    return value


def to_rows(
    apps: Sequence[Application],
    columns: Sequence[Column],
    extra: Extra | None = None,
    erased: str | None = None,
) -> list[list[object]]:
    """The data rows (no header row), one per application, one value per column.

    For each column ``extra(app, key)`` is asked first, if given: a non-None answer is the
    cell's value (this is how computed keys such as ``cluster`` are filled in, and how a caller
    replaces e.g. a status code with its localized name). When it answers None, an Application
    field is taken as is, and a computed key becomes an empty cell. Timestamp fields become
    ``YYYY-MM-DD HH:MM`` (UTC); strings lose the control characters a spreadsheet cannot hold
    and their line breaks become "\n".
    If ``erased`` is given, it is the value of the personal fields (``PERSONAL_KEYS``) of an
    application whose personal data was erased.
    Values are not neutralized here: each format does that in its own way.
    """
    _check_columns(columns, extra)
    rows: list[list[object]] = []
    for app in apps:
        row: list[object] = []
        for column in columns:
            value = extra(app, column.key) if extra is not None else None
            if value is None and erased is not None and app.erased_at and column.key in PERSONAL_KEYS:
                value = erased
            if value is None and column.key in _FIELDS:
                value = getattr(app, column.key)
                if column.key in _TIMESTAMPS:
                    value = _format_timestamp(value)
            row.append(_clean(value))
        rows.append(row)
    return rows


def to_csv(
    apps: Sequence[Application],
    columns: Sequence[Column],
    *,
    extra: Extra | None = None,
    erased: str | None = None,
) -> bytes:
    """CSV for Excel in a Russian locale: UTF-8 with BOM, ``;`` between fields, CRLF lines."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralize(_clean(c.header)) for c in columns])
    for row in to_rows(apps, columns, extra, erased):
        writer.writerow(["" if v is None else neutralize(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(
    apps: Sequence[Application],
    columns: Sequence[Column],
    *,
    sheet_title: str,
    extra: Extra | None = None,
    erased: str | None = None,
) -> bytes:
    """One sheet: a bold, frozen header row, an autofilter, column widths fitted to content."""
    rows = to_rows(apps, columns, extra, erased)
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(sheet_title)

    bold = Font(bold=True)
    widths = [0] * len(columns)
    for c, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=c)
        _set(cell, _clean(column.header))
        cell.font = bold
        widths[c - 1] = _text_width(cell.value)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            _set(cell, value)
            widths[c - 1] = max(widths[c - 1], _text_width(cell.value))

    if columns:
        ws.freeze_panes = "A2"
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = min(
                max(width + 2, _MIN_WIDTH), _MAX_WIDTH
            )

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _check_columns(columns: Sequence[Column], extra: Extra | None) -> None:
    if extra is None:
        unknown = [c.key for c in columns if c.key not in _FIELDS]
        if unknown:
            raise ValueError(f"computed columns {unknown} need `extra`")


def _format_timestamp(value: object) -> object:
    """'2026-11-26T19:58:31.123Z' -> '2026-11-26 19:58' (UTC); anything unparsable as is."""
    if not isinstance(value, str) or not value:
        return value
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


def _clean(value: object) -> object:
    """Strip characters XLSX cannot hold; line breaks become "\n" (XML turns a bare "\r" into
    "\n" when the file is read, so this keeps both formats holding the same text)."""
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
        return value[:_MAX_CELL]
    return value


def _set(cell, value: object) -> None:
    """Store a value; strings always as string cells, never as formulas or error codes."""
    if value is None or isinstance(value, (bool, int, float)):
        cell.value = value
        return
    text = value if isinstance(value, str) else str(value)
    text = _clean(text)
    cell.value = text
    # openpyxl turns a string starting with "=" into a formula and "#N/A" into an error:
    # force an ordinary (inline) string cell.
    cell.data_type = "s"
    if text and (text.startswith(_FORMULA_TRIGGERS) or text[0].isdigit()):
        # Excel's "'" prefix flag: the cell stays text even when someone edits it, so neither a
        # formula nor an identifier like ИНН 0012345678 is reinterpreted on Enter.
        cell.quotePrefix = True


def _text_width(value: object) -> int:
    if value is None:
        return 0
    return max((len(line) for line in str(value).splitlines()), default=0)


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of \\ * ? : / [ ], no quote at either end."""
    title = _BAD_TITLE.sub(" ", _ILLEGAL.sub("", title))[:31].strip().strip("'").strip()
    return title or "Sheet1"
