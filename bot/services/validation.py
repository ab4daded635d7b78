"""Validators for the fields of the join application.

Each validator takes the raw text the user typed and returns the normalized value, or raises
`ValidationFailed(code, **params)`. The code is a short machine key ("inn-checksum") that the
bot turns into a localized message; the params carry the details (a length, a limit). Nothing
here is shown to users as is.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError
from email_validator import validate_email as _validate_email
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.ru import inn as _inn

ORG_NAME_MIN = 2
ORG_NAME_MAX = 300
CONTACT_MIN = 2
CONTACT_MAX = 200
COMMENT_MAX = 2000
PHONE_INPUT_MAX = 64  # longer text is not a phone number, whatever it contains

__all__ = [
    "ValidationFailed",
    "normalize_contact_phone",
    "validate_email",
    "validate_free_text",
    "validate_inn",
    "validate_ogrn",
    "validate_okved",
    "validate_org_name",
    "validate_phone",
]


class ValidationFailed(ValueError):
    """A field value was refused. `code` is the machine key, `params` the details."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        if not self.params:
            return self.code
        details = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.code} ({details})"


# --- text fields -----------------------------------------------------------------------------

_ALLOWED_CONTROLS = {"\n", "\t"}


def _control_chars(text: str) -> list[str]:
    """Control characters (Unicode Cc) other than newline and tab; a CR of a CRLF is a newline."""
    found = []
    for i, ch in enumerate(text):
        if ch in _ALLOWED_CONTROLS or unicodedata.category(ch) != "Cc":
            continue
        if ch == "\r" and text[i + 1 : i + 2] == "\n":
            continue
        found.append(ch)
    return found


def validate_org_name(text: str) -> str:
    """Organisation name: 2–300 characters after the outer strip, kept exactly as typed.

    Codes: "name-too-short" (limit, length), "name-too-long" (limit, length),
    "name-control-chars" (char: the first offending character as "U+XXXX").
    """
    value = (text or "").strip()
    if len(value) < ORG_NAME_MIN:
        raise ValidationFailed("name-too-short", limit=ORG_NAME_MIN, length=len(value))
    if len(value) > ORG_NAME_MAX:
        raise ValidationFailed("name-too-long", limit=ORG_NAME_MAX, length=len(value))
    bad = _control_chars(value)
    if bad:
        raise ValidationFailed("name-control-chars", char=f"U+{ord(bad[0]):04X}")
    return value


def validate_free_text(
    text: str, *, min_len: int = 2, max_len: int = 2000, field: str = "text"
) -> str:
    """Free text ("what you produce", contact person, comment).

    Strips the outer whitespace, turns CRLF/CR into LF and drops other control characters
    (tab and newline stay). min_len=0 makes the field optional: empty text gives "".
    Codes: "text-too-short" (limit, length, field), "text-too-long" (limit, length, field).
    """
    value = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if not _control_chars(ch)).strip()
    if len(value) < min_len:
        raise ValidationFailed("text-too-short", limit=min_len, length=len(value), field=field)
    if len(value) > max_len:
        raise ValidationFailed("text-too-long", limit=max_len, length=len(value), field=field)
    return value


# --- registration numbers --------------------------------------------------------------------

# spaces of every kind, hyphens and dashes, dots: what people put between digit groups
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—.]+")
_INN_LABEL = re.compile(r"^\s*(?:инн|inn)\s*(?:№|n|no)?\s*[:.]?", re.IGNORECASE)
_OGRN_LABEL = re.compile(
    r"^\s*(?:огрн\s*-?\s*ип|огрн|ogrnip|ogrn|psrn)\s*(?:№|n|no)?\s*[:.]?", re.IGNORECASE
)


def _digits_only(text: str, label: re.Pattern[str]) -> str:
    value = label.sub("", (text or "").strip(), count=1)
    return _SEPARATORS.sub("", value)


def validate_inn(text: str) -> str:
    """ИНН: 10 digits (organisation) or 12 (individual), checksum per stdnum.ru.inn.

    Tolerates spaces, hyphens and a leading "ИНН" label. Codes: "inn-not-digits",
    "inn-length" (length), "inn-checksum".
    """
    value = _digits_only(text, _INN_LABEL)
    if value and not (value.isascii() and value.isdigit()):
        raise ValidationFailed("inn-not-digits")
    if len(value) not in (10, 12):
        raise ValidationFailed("inn-length", length=len(value))
    if set(value) == {"0"}:
        raise ValidationFailed("inn-checksum")
    try:
        return _inn.validate(value)
    except StdnumValidationError:
        raise ValidationFailed("inn-checksum") from None


# First digit of a registration number (Приказ Минфина № 165н of 30.10.2017, and the rules of
# 2002–2005 before it): in ЕГРЮЛ 1 or 5 = ОГРН, 2, 6–9 = ГРН of a later record; in ЕГРИП
# 3 = ОГРНИП, 4 = ГРН of a later record. A ГРН has the same checksum, so check the prefix.
_OGRN_FIRST = {13: "15", 15: "3"}


def validate_ogrn(text: str) -> str:
    """ОГРН (13 digits) or ОГРНИП (15 digits).

    Check digit: ОГРН = (first 12 digits as a number mod 11) mod 10; ОГРНИП = (first 14
    mod 13) mod 10. Implemented here because stdnum.ru.ogrn rejects ОГРНИП whose remainder
    is 10–12. Tolerates spaces, hyphens and a leading "ОГРН"/"ОГРНИП" label.
    Codes: "ogrn-not-digits", "ogrn-length" (length), "ogrn-checksum",
    "ogrn-prefix" (first_digit, length: e.g. a ГРН of a later record, not the main number).
    """
    value = _digits_only(text, _OGRN_LABEL)
    if value and not (value.isascii() and value.isdigit()):
        raise ValidationFailed("ogrn-not-digits")
    if len(value) not in _OGRN_FIRST:
        raise ValidationFailed("ogrn-length", length=len(value))
    if value[0] not in _OGRN_FIRST[len(value)]:
        raise ValidationFailed("ogrn-prefix", first_digit=value[0], length=len(value))
    modulus = 11 if len(value) == 13 else 13
    if int(value[:-1]) % modulus % 10 != int(value[-1]):
        raise ValidationFailed("ogrn-checksum")
    return value


# --- contacts --------------------------------------------------------------------------------

# extension markers phonenumbers understands; letters anywhere else mean it isn't a phone number
_PHONE_EXTENSION = re.compile(r"(?:доб|ext|extension|x|#)\.?\s*\d+\s*#?\s*$", re.IGNORECASE)
_PHONE_LABEL = re.compile(
    r"^\s*(?:тел(?:ефон)?|моб(?:ильный)?|phone|tel|mobile)\s*[.:]?\s*", re.IGNORECASE
)


def validate_phone(text: str, default_region: str = "RU") -> str:
    """A phone number in any usual format ("+7 (912) 345-67-89", "8 912 345 67 89",
    "89123456789", "+44 20 7946 0958"); returns E.164 ("+79123456789"). An extension
    ("доб. 12", "ext 12") is accepted and dropped. Code: "phone-invalid"."""
    raw = _PHONE_LABEL.sub("", (text or "").strip(), count=1)
    if not raw or len(raw) > PHONE_INPUT_MAX:
        raise ValidationFailed("phone-invalid")
    if any(ch.isalpha() for ch in _PHONE_EXTENSION.sub("", raw)):
        raise ValidationFailed("phone-invalid")  # no vanity numbers ("8 800 FLOWERS")
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed("phone-invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed("phone-invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_contact_phone(phone_number: str) -> str:
    """E.164 for a number from Telegram's "share contact" ("79123456789" or "+79123456789").

    Telegram sends the international number, often without the "+". It has verified the number,
    so one our metadata doesn't know yet is kept as "+digits" rather than refused.
    Code: "phone-invalid" only when there are no digits at all.
    """
    digits = re.sub(r"\D", "", phone_number or "")
    if not digits:
        raise ValidationFailed("phone-invalid")
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return "+" + digits
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return "+" + digits


def validate_email(text: str) -> str:
    """An e-mail address, normalized by email-validator (domain lowercased, Unicode NFC).

    Deliverability (DNS) is not checked. A "mailto:" prefix is tolerated.
    Code: "email-invalid" (reason: the library's English explanation, for logs).
    """
    value = (text or "").strip()
    if value[:7].lower() == "mailto:":
        value = value[7:].strip()
    try:
        return _validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationFailed("email-invalid", reason=str(exc)) from None


# --- ОКВЭД 2 ---------------------------------------------------------------------------------

# ОК 029-2014 (КДЕС Ред. 2): class XX, subclass XX.X, group XX.XX, subgroup XX.XX.X,
# type XX.XX.XX. A subgroup or type always sits under a two-digit group.
_OKVED_CODE = re.compile(r"^\d{2}(?:\.\d(?:\d(?:\.\d{1,2})?)?)?$")
# The classes that exist, by section (the two-digit level is the same as NACE Rev. 2).
_OKVED_CLASSES = frozenset(
    f"{n:02d}"
    for lo, hi in (
        (1, 3), (5, 9), (10, 33), (35, 35), (36, 39), (41, 43), (45, 47), (49, 53), (55, 56),
        (58, 63), (64, 66), (68, 68), (69, 75), (77, 82), (84, 84), (85, 85), (86, 88),
        (90, 93), (94, 96), (97, 98), (99, 99),
    )
    for n in range(lo, hi + 1)
)  # fmt: skip
_OKVED_LABEL = re.compile(r"^\s*(?:оквэд|okved)(?:[\s-]*(?:2|ii)(?![\d.]))?\s*[:.]?", re.IGNORECASE)
_OKVED_SPLIT = re.compile(r"[\s,;]+")


def validate_okved(text: str) -> list[str]:
    """Optional ОКВЭД 2 codes, one or several separated by commas, semicolons or spaces.

    Each is a class ("20"), subclass ("20.1"), group ("20.16"), subgroup ("20.16.1") or type
    ("20.16.11") of an existing class. Returns the codes deduplicated, in the order given;
    empty text gives []. Code: "okved-invalid" (value: the first bad item as typed).
    """
    value = _OKVED_LABEL.sub("", (text or "").strip(), count=1)
    codes: list[str] = []
    for item in _OKVED_SPLIT.split(value):
        if not item:
            continue
        code = item.rstrip(".")  # "20.16." at the end of a sentence
        if not _OKVED_CODE.match(code) or code[:2] not in _OKVED_CLASSES:
            raise ValidationFailed("okved-invalid", value=item)
        if code not in codes:
            codes.append(code)
    return codes
