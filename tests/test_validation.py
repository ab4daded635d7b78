"""Form validators of the join application and the region matcher."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.services.regions import (
    DEFAULT_REGIONS_PATH,
    KINDS,
    Region,
    RegionMatch,
    RegionMatcher,
    default_matcher,
    load_regions,
)
from bot.services.validation import (
    ValidationFailed,
    normalize_contact_phone,
    validate_email,
    validate_free_text,
    validate_inn,
    validate_ogrn,
    validate_okved,
    validate_org_name,
    validate_phone,
)


def refused(func, *args, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        func(*args, **kwargs)
    return info.value


# --- ValidationFailed ------------------------------------------------------------------------


def test_validation_failed_carries_code_and_params() -> None:
    exc = ValidationFailed("inn-length", length=11)
    assert exc.code == "inn-length"
    assert exc.params == {"length": 11}
    assert isinstance(exc, ValueError)
    assert str(exc) == "inn-length (length=11)"
    assert str(ValidationFailed("inn-checksum")) == "inn-checksum"


# --- organisation name -----------------------------------------------------------------------


def test_org_name_is_kept_as_typed_apart_from_the_outer_strip() -> None:
    assert validate_org_name("  ООО «Ромашка»\n") == "ООО «Ромашка»"
    assert validate_org_name('АО "Химпром" & <Партнёры>') == 'АО "Химпром" & <Партнёры>'
    assert validate_org_name("ИП  Иванов   И. И.") == "ИП  Иванов   И. И."  # inner spaces stay


def test_org_name_keeps_html_specials_intact() -> None:
    name = "<b>Завод</b> & Co > 1"
    assert validate_org_name(name) == name


def test_org_name_length_limits() -> None:
    assert validate_org_name("АБ") == "АБ"
    assert validate_org_name("я" * 300) == "я" * 300
    exc = refused(validate_org_name, "я" * 301)
    assert (exc.code, exc.params["limit"], exc.params["length"]) == ("name-too-long", 300, 301)
    exc = refused(validate_org_name, "x" * 5000)
    assert exc.code == "name-too-long" and exc.params["length"] == 5000


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "Я", "  Я  "])
def test_org_name_too_short(text: str) -> None:
    assert refused(validate_org_name, text).code == "name-too-short"


def test_org_name_control_characters() -> None:
    assert validate_org_name("ООО\tРомашка\nфилиал") == "ООО\tРомашка\nфилиал"
    assert validate_org_name("ООО\r\nРомашка") == "ООО\r\nРомашка"
    for bad in ("ООО\x00Ромашка", "ООО\x07Ромашка", "ООО\x1bРомашка", "ООО\rРомашка", "АБ\x7f"):
        exc = refused(validate_org_name, bad)
        assert exc.code == "name-control-chars"
        assert exc.params["char"].startswith("U+")
    assert refused(validate_org_name, "АБ\x07").params["char"] == "U+0007"


# --- ИНН -------------------------------------------------------------------------------------


@pytest.mark.parametrize("inn", ["7707083893", "7830002293", "500100732259"])
def test_inn_valid(inn: str) -> None:
    assert validate_inn(inn) == inn


@pytest.mark.parametrize(
    "text",
    ["7707 083 893", "ИНН 7707083893", "инн 7707083893", "ИНН: 7707-083-893", " 7707083893 "],
)
def test_inn_tolerates_spaces_hyphens_and_label(text: str) -> None:
    assert validate_inn(text) == "7707083893"


def test_inn_checksum() -> None:
    assert refused(validate_inn, "1234567895").code == "inn-checksum"
    assert refused(validate_inn, "500100732258").code == "inn-checksum"  # 12 digits, bad check
    assert refused(validate_inn, "7707083894").code == "inn-checksum"
    assert refused(validate_inn, "0000000000").code == "inn-checksum"


@pytest.mark.parametrize(("text", "length"), [("77070838931", 11), ("770708389", 9), ("", 0)])
def test_inn_length(text: str, length: int) -> None:
    exc = refused(validate_inn, text)
    assert exc.code == "inn-length"
    assert exc.params == {"length": length}


@pytest.mark.parametrize(
    "text", ["77070838a3", "ИНН не знаю", "７７０７０８３８９３", "7707083893/770701001"]
)
def test_inn_not_digits(text: str) -> None:
    assert refused(validate_inn, text).code == "inn-not-digits"


# --- ОГРН / ОГРНИП ---------------------------------------------------------------------------


@pytest.mark.parametrize("ogrn", ["1027700132195", "1022200525819", "385768585948949"])
def test_ogrn_valid(ogrn: str) -> None:
    assert validate_ogrn(ogrn) == ogrn


def test_ogrnip_with_remainder_over_nine() -> None:
    # first 14 digits mod 13 = 12 → check digit 2; stdnum.ru.ogrn refuses this one
    number = "304770001000002"
    assert int(number[:14]) % 13 == 12
    assert validate_ogrn(number) == number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ОГРН 1027700132195", "1027700132195"),
        ("ОГРН: 1 02 77 00 13219 5", "1027700132195"),
        ("ОГРНИП 385768585948949", "385768585948949"),
        ("огрнип: 385-768-585-948-949", "385768585948949"),
    ],
)
def test_ogrn_tolerates_label_and_separators(text: str, expected: str) -> None:
    assert validate_ogrn(text) == expected


def test_ogrn_checksum() -> None:
    assert refused(validate_ogrn, "1027700132194").code == "ogrn-checksum"
    assert refused(validate_ogrn, "385768585948948").code == "ogrn-checksum"


def test_ogrn_length_and_digits() -> None:
    exc = refused(validate_ogrn, "102770013219")
    assert exc.code == "ogrn-length" and exc.params == {"length": 12}
    assert refused(validate_ogrn, "10277001321955").params == {"length": 14}
    assert refused(validate_ogrn, "10277001321x5").code == "ogrn-not-digits"


def test_ogrn_first_digit_says_what_kind_of_number_it_is() -> None:
    # 2 = ГРН of a later ЕГРЮЛ record and 4 = of an ЕГРИП record: valid checksums, wrong numbers
    grn = "202770013219"
    grn += str(int(grn) % 11 % 10)
    exc = refused(validate_ogrn, grn)
    assert exc.code == "ogrn-prefix"
    assert exc.params == {"first_digit": "2", "length": 13}
    grnip = "48576858594894"
    grnip += str(int(grnip) % 13 % 10)
    assert refused(validate_ogrn, grnip).params == {"first_digit": "4", "length": 15}
    ogrn5 = "502770013219"
    ogrn5 += str(int(ogrn5) % 11 % 10)
    assert validate_ogrn(ogrn5) == ogrn5  # 5 is an ОГРН too


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "+7 (912) 345-67-89",
        "8 912 345 67 89",
        "89123456789",
        "+79123456789",
        "79123456789",
        "8(912)3456789",
        "тел. +7 912 345-67-89",
        "+7 912 345 67 89 доб. 123",
    ],
)
def test_phone_russian_formats(text: str) -> None:
    assert validate_phone(text) == "+79123456789"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 650 253 0000", "+16502530000"),
        ("+375 29 123-45-67", "+375291234567"),
        ("8 (495) 123-45-67", "+74951234567"),
    ],
)
def test_phone_international_and_landline(text: str, expected: str) -> None:
    assert validate_phone(text) == expected


def test_phone_default_region() -> None:
    assert validate_phone("020 7946 0958", default_region="GB") == "+442079460958"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "12345", "abc", "+7 912", "8 800 FLOWERS", "+7 912 345 67 89 0000", "9" * 80],
)
def test_phone_invalid(text: str) -> None:
    assert refused(validate_phone, text).code == "phone-invalid"


def test_normalize_contact_phone() -> None:
    assert normalize_contact_phone("79123456789") == "+79123456789"
    assert normalize_contact_phone("+79123456789") == "+79123456789"
    assert normalize_contact_phone("442079460958") == "+442079460958"
    assert normalize_contact_phone("+7 (912) 345-67-89") == "+79123456789"
    # Telegram verified it: a number our metadata doesn't know is kept, not refused
    assert normalize_contact_phone("888012345678") == "+888012345678"
    assert refused(normalize_contact_phone, "").code == "phone-invalid"


# --- e-mail ----------------------------------------------------------------------------------


def test_email_valid_and_normalized() -> None:
    assert validate_email("ivan@example.com") == "ivan@example.com"
    assert validate_email("  Ivan.Petrov@Example.COM ") == "Ivan.Petrov@example.com"
    assert validate_email("mailto:info@himprom.ru") == "info@himprom.ru"
    assert validate_email("info@пример.рф") == "info@пример.рф"


@pytest.mark.parametrize("text", ["a@", "a b@c.d", "@c.d", "a@b", "a@@b.ru", "ivan", ""])
def test_email_invalid(text: str) -> None:
    exc = refused(validate_email, text)
    assert exc.code == "email-invalid"
    assert isinstance(exc.params["reason"], str) and exc.params["reason"]


# --- ОКВЭД -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_okved_empty(text: str) -> None:
    assert validate_okved(text) == []


@pytest.mark.parametrize("code", ["20", "20.1", "20.16", "20.16.1", "20.16.11", "22.11", "01.11.1"])
def test_okved_every_level(code: str) -> None:
    assert validate_okved(code) == [code]


def test_okved_lists() -> None:
    assert validate_okved("20.16, 22.11") == ["20.16", "22.11"]
    assert validate_okved("20.16;22.11 ; 21.20") == ["20.16", "22.11", "21.20"]
    assert validate_okved("20.16 22.11\n20.13") == ["20.16", "22.11", "20.13"]
    assert validate_okved("22.11, 20.16, 22.11, 20.16") == ["22.11", "20.16"]  # dedup, in order
    assert validate_okved("ОКВЭД 2: 20.16, 20.59") == ["20.16", "20.59"]
    assert validate_okved("ОКВЭД 20.16") == ["20.16"]
    assert validate_okved("20.16.") == ["20.16"]


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("2", "2"),
        ("200", "200"),
        ("20.161", "20.161"),
        ("20.1.1", "20.1.1"),  # a subgroup sits under a two-digit group
        ("20.16.1.1", "20.16.1.1"),
        ("20.16.111", "20.16.111"),
        ("04.1", "04.1"),  # no class 04 in ОКВЭД 2
        ("00", "00"),
        ("20.16, химия", "химия"),
        ("20-16", "20-16"),
    ],
)
def test_okved_invalid(text: str, bad: str) -> None:
    exc = refused(validate_okved, text)
    assert exc.code == "okved-invalid"
    assert exc.params == {"value": bad}


# --- free text -------------------------------------------------------------------------------


def test_free_text_defaults() -> None:
    assert validate_free_text("  Полиэтилен, полипропилен  ") == "Полиэтилен, полипропилен"
    assert refused(validate_free_text, " x ").code == "text-too-short"
    exc = refused(validate_free_text, "я" * 2001)
    assert exc.code == "text-too-long"
    assert exc.params == {"limit": 2000, "length": 2001, "field": "text"}
    assert validate_free_text("я" * 2000) == "я" * 2000


def test_free_text_contact_person() -> None:
    assert validate_free_text("Иванов Иван", max_len=200, field="contact") == "Иванов Иван"
    exc = refused(validate_free_text, "И", max_len=200, field="contact")
    assert exc.params == {"limit": 2, "length": 1, "field": "contact"}
    exc = refused(validate_free_text, "И" * 201, max_len=200, field="contact")
    assert (exc.code, exc.params["limit"]) == ("text-too-long", 200)


def test_free_text_optional_comment() -> None:
    assert validate_free_text("", min_len=0, field="comment") == ""
    assert validate_free_text("   ", min_len=0, field="comment") == ""
    assert validate_free_text("ok", min_len=0, field="comment") == "ok"


def test_free_text_cleans_control_characters_and_line_ends() -> None:
    assert validate_free_text("a\x00b\x07c\r\nd\re\tf") == "abc\nd\ne\tf"
    assert validate_free_text("<b>&</b>") == "<b>&</b>"


# --- regions: the data -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def regions() -> list[Region]:
    return load_regions()


@pytest.fixture(scope="module")
def matcher() -> RegionMatcher:
    return default_matcher()


def test_regions_are_the_89_subjects(regions: list[Region]) -> None:
    assert len(regions) == 89
    assert Counter(r.kind for r in regions) == {
        "republic": 24,
        "krai": 9,
        "oblast": 48,
        "federal_city": 3,
        "autonomous_oblast": 1,
        "autonomous_okrug": 4,
    }
    names = {r.name for r in regions}
    assert len(names) == 89
    for name in (
        "Донецкая Народная Республика",
        "Луганская Народная Республика",
        "Запорожская область",
        "Херсонская область",
        "Республика Крым",
        "Севастополь",
        "Москва",
        "Санкт-Петербург",
        "Еврейская автономная область",
    ):
        assert name in names


def test_regions_have_english_names_and_unique_aliases(regions: list[Region]) -> None:
    owner: dict[str, str] = {}
    for region in regions:
        assert region.kind in KINDS
        assert region.en and not re.search("[А-Яа-яЁё]", region.en), region.en
        for alias in region.aliases:
            key = alias.casefold().replace("ё", "е")
            assert owner.setdefault(key, region.name) == region.name, alias
    # capitals and short names the brief names
    for alias, name in [
        ("Екатеринбург", "Свердловская область"),
        ("Казань", "Республика Татарстан"),
        ("Уфа", "Республика Башкортостан"),
        ("Чебоксары", "Чувашская Республика"),
        ("Йошкар-Ола", "Республика Марий Эл"),
        ("Кузбасс", "Кемеровская область — Кузбасс"),
        ("Югра", "Ханты-Мансийский автономный округ — Югра"),
    ]:
        assert owner[alias.casefold()] == name


def test_load_regions_checks_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "regions.yaml"
    bad.write_text('- {name: "Омская область", en: "Omsk Oblast", kind: province}\n', "utf-8")
    with pytest.raises(ValueError, match="kind"):
        load_regions(bad)
    assert DEFAULT_REGIONS_PATH.name == "regions.yaml" and DEFAULT_REGIONS_PATH.exists()


def test_names_alphabetical(matcher: RegionMatcher) -> None:
    names = matcher.names()
    assert len(names) == 89
    assert names == sorted(names, key=lambda n: n.casefold().replace("ё", "е"))
    assert names[0] == "Алтайский край"
    assert names[-1] == "Ярославская область"


def test_default_matcher_is_cached() -> None:
    assert default_matcher() is default_matcher()


# --- regions: matching -----------------------------------------------------------------------


def test_every_region_name_matches_itself(matcher: RegionMatcher, regions: list[Region]) -> None:
    for region in regions:
        assert matcher.exact(region.name) == region.name
        assert matcher.match(region.name)[0] == RegionMatch(region.name, 1.0)


def test_every_english_name_and_alias_finds_its_region(
    matcher: RegionMatcher, regions: list[Region]
) -> None:
    for region in regions:
        for variant in (region.en, *region.aliases):
            assert matcher.exact(variant) == region.name, variant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("омская", "Омская область"),
        ("Омская обл.", "Омская область"),
        ("омская область", "Омская область"),
        ("в Омской области", "Омская область"),
        ("Омск", "Омская область"),
        ("Москва", "Москва"),
        ("г. Москва", "Москва"),
        ("мск", "Москва"),
        ("спб", "Санкт-Петербург"),
        ("Питер", "Санкт-Петербург"),
        ("башкирия", "Республика Башкортостан"),
        ("респ. Татарстан", "Республика Татарстан"),
        ("Татарстан", "Республика Татарстан"),
        ("ханты-мансийский", "Ханты-Мансийский автономный округ — Югра"),
        ("ХМАО", "Ханты-Мансийский автономный округ — Югра"),
        ("красноярский край", "Красноярский край"),
        ("Республика Саха (Якутия)", "Республика Саха (Якутия)"),
        ("якутия", "Республика Саха (Якутия)"),
        ("Новосибирская облать", "Новосибирская область"),
        ("тверкая", "Тверская область"),
        ("ДНР", "Донецкая Народная Республика"),
        ("ЛНР", "Луганская Народная Республика"),
        ("КЧР", "Карачаево-Черкесская Республика"),
        ("КБР", "Кабардино-Балкарская Республика"),
        ("РСО-Алания", "Республика Северная Осетия — Алания"),
        ("ЯНАО", "Ямало-Ненецкий автономный округ"),
        ("ямалоненецкий", "Ямало-Ненецкий автономный округ"),
        ("Нижний Новгород", "Нижегородская область"),
        ("Еврейская АО", "Еврейская автономная область"),
        ("ПЕРМЬ", "Пермский край"),
        ("Орёл", "Орловская область"),
        ("Cвердловская", "Свердловская область"),  # Latin "C"
        ("jvcrfz", "Омская область"),  # typed in the English layout
        ("Tatarstan", "Республика Татарстан"),
        ("Omsk Oblast", "Омская область"),
    ],
)
def test_exact_matches(matcher: RegionMatcher, text: str, expected: str) -> None:
    assert matcher.exact(text) == expected
    assert matcher.match(text)[0].name == expected


@pytest.mark.parametrize(
    ("text", "expected", "other"),
    [
        ("Московская область", "Московская область", "Москва"),
        ("Московская", "Московская область", "Москва"),
        ("Москва", "Москва", "Московская область"),
        ("Moscow", "Москва", "Московская область"),
        ("Moscow Oblast", "Московская область", "Москва"),
        ("Moscow region", "Московская область", "Москва"),
        ("Ленинградская область", "Ленинградская область", "Санкт-Петербург"),
        ("Санкт-Петербург", "Санкт-Петербург", "Ленинградская область"),
        ("Ленинград", "Санкт-Петербург", "Ленинградская область"),
        ("Севастополь", "Севастополь", "Республика Крым"),
        ("Крым", "Республика Крым", "Севастополь"),
        ("Республика Алтай", "Республика Алтай", "Алтайский край"),
        ("Алтайский край", "Алтайский край", "Республика Алтай"),
        (
            "Ненецкий автономный округ",
            "Ненецкий автономный округ",
            "Ямало-Ненецкий автономный округ",
        ),
        ("Новгородская область", "Новгородская область", "Нижегородская область"),
        ("омская", "Омская область", "Томская область"),
        ("курская", "Курская область", "Курганская область"),
    ],
)
def test_look_alike_regions_are_told_apart(
    matcher: RegionMatcher, text: str, expected: str, other: str
) -> None:
    assert matcher.exact(text) == expected
    scores = {m.name: m.score for m in matcher.match(text, limit=89)}
    assert scores[expected] > scores.get(other, 0.0)


def test_match_scores_sorted_and_limited(matcher: RegionMatcher) -> None:
    found = matcher.match("новосибирская", limit=3)
    assert 1 <= len(found) <= 3
    assert found[0].name == "Новосибирская область"
    assert all(0.0 <= m.score <= 1.0 for m in found)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    assert len(matcher.match("область", limit=89)) == 0
    assert len(matcher.match("курская", limit=1)) == 1
    assert matcher.match("курская", limit=0) == []


def test_typo_gives_a_high_but_not_perfect_score(matcher: RegionMatcher) -> None:
    best = matcher.match("тверкая")[0]
    assert best.name == "Тверская область"
    assert 0.85 <= best.score < 1.0


@pytest.mark.parametrize(
    "text",
    ["", "   ", "область", "12345", "asdfgh", "Altai", "Санкт-Петербург и Ленинградская область"],
)
def test_no_exact_match_when_unclear(matcher: RegionMatcher, text: str) -> None:
    assert matcher.exact(text) is None


def test_ambiguous_text_offers_both(matcher: RegionMatcher) -> None:
    found = matcher.match("Altai")
    assert {m.name for m in found[:2]} == {"Республика Алтай", "Алтайский край"}
    assert found[0].score == found[1].score


def test_matcher_over_custom_regions() -> None:
    m = RegionMatcher(
        [
            Region("Омская область", "Omsk Oblast", "oblast", ("Омск",)),
            Region("Томская область", "Tomsk Oblast", "oblast", ("Томск",)),
        ]
    )
    assert m.names() == ["Омская область", "Томская область"]
    assert m.exact("омск") == "Омская область"
    assert m.exact("Москва") is None
    assert m.get("Томская область") == Region(
        "Томская область", "Tomsk Oblast", "oblast", ("Томск",)
    )
    assert m.get("Нет такой") is None
