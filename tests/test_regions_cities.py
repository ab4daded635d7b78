"""The towns of content/regions.yaml (issue 9): a manager names the town, the bot knows the
region — in a question, declined ("в Стерлитамаке", "из Ржева", "под Ангарском"), and in the
join form's region step, bare ("Стерлитамак"). Words that only look like a town are not it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.services.regions import Region, RegionMatcher, default_matcher, load_regions
from bot.services.understanding import PlaceIndex, place_key, places
from storage.analyzer import _analyzer, fold, readings


@pytest.fixture(scope="module")
def regions() -> list[Region]:
    return load_regions()


@pytest.fixture(scope="module")
def matcher() -> RegionMatcher:
    return default_matcher()


# --- the data ------------------------------------------------------------------------------

_CONTENT_POS = frozenset({"NOUN", "ADJF", "ADJS", "VERB", "INFN", "PRTF", "PRTS", "GRND", "ADVB", "COMP"})
_PERSON = frozenset({"Name", "Surn", "Patr"})


def other_senses(alias: str) -> set[str]:
    """What else a one-word alias is in pymorphy3's dictionary besides a place (tagged Geox):
    "word" (a common noun, adjective, verb…), "person" (a first name, surname, patronymic).
    Multiword names ("Нижний Тагил", "Усолье-Сибирское") and abbreviations count as places."""
    words = re.findall(r"[^\W\d_]+", fold(alias))
    if len(words) != 1:
        return set()
    found = set()
    for reading in readings(words[0]):
        if "Geox" in reading.grammemes or "Abbr" in reading.grammemes or reading.pos not in _CONTENT_POS:
            continue
        found.add("person" if _PERSON & reading.grammemes else "word")
    return found


# Aliases that are also other words, each on purpose. In a question such a word is the place
# only after a preposition of place or "г." ("из Салавата", "в Орле": PlaceIndex); in the join
# form's region step the text is a place anyway.
ALSO_WORDS = {
    # capitals and the regions' own names, there before the towns were added
    "Коми": "the people and language of the republic",
    "Грозный": "capital; an adjective and a surname",
    "Камчатка": "the region's own name; also a common noun",
    "Приморье": "the region's own name; also a common noun",
    "Владимир": "capital; a first name",
    "Иваново": "capital; the possessive of Иванов",
    "Калуга": "capital; a fish",
    "Киров": "capital; a surname",
    "Курган": "capital; a burial mound",
    "Нижний": "Нижний Новгород as people say it; an adjective (PlaceIndex: 'из Нижнего' only)",
    "Орёл": "capital; the bird",
    "Ростов": "capital; a surname",
    "Питер": "Saint Petersburg as people say it; a first name",
    # towns of the chemical complex the issue names
    "Салават": "Газпром нефтехим Салават; a first name",
    "Ефремов": "its synthetic rubber plant; a surname",
    # towns of about 50,000 or more
    "Стаханов": "a surname", "Глазов": "a surname", "Кропоткин": "a surname", "Реутов": "a surname",
    "Дмитров": "the genitive plural of the first name Дмитр", "Энгельс": "a surname",
    "Балашов": "a surname", "Серов": "a surname", "Губкин": "a surname", "Шелехов": "a surname",
    "Александров": "a surname", "Арсеньев": "a surname", "Артём": "a first name",
    "Феодосия": "the genitive of the name Феодосий",
    "Муром": "the instrumental of the surname Мур, the genitive of the ancient мурома",
    "Белебей": "the dictionary lists it once more as an animate noun",
    "Сочи": "the imperative of the bookish 'сочить'",
    "Ессентуки": "the dictionary lists it once more as a plain noun (its mineral water)",
    "Алексин": "the dictionary lists it once more as a plain noun",
    "Электросталь": "the dictionary lists it once more as a plain noun (its steel works)",
    "Раменское": "its adjective 'раменский' is the town's",
    "Златоуст": "also the epithet of John Chrysostom",
}


def test_one_word_aliases_are_place_names_not_ordinary_words(regions):
    """A town that is also an ordinary word ("Зима", "Шахты", "Бор") is left out of the file;
    the few kept are the ones listed, each with its reason."""
    found = {alias for region in regions for alias in region.aliases if other_senses(alias)}
    assert found - set(ALSO_WORDS) == set(), "ordinary words among the aliases"
    assert set(ALSO_WORDS) - found == set(), "listed but no longer an alias, or no longer another word"


@pytest.mark.parametrize("word", ["Зима", "Шахты", "Бор", "Находка", "Асбест", "Апатиты", "Узловая",
                                  "Свободный", "Мирный", "Королёв", "Жуковский", "Чехов", "Клин", "Грязи"])
def test_the_check_finds_ordinary_words(word):
    assert other_senses(word)


@pytest.mark.parametrize("name", ["Стерлитамак", "Дзержинск", "Тольятти", "Братск", "Нижний Тагил",
                                  "Усолье-Сибирское", "Вышний Волочёк", "ХМАО", "Sterlitamak"])
def test_the_check_passes_place_names(name):
    assert not other_senses(name)


def test_an_alias_given_to_two_regions_is_refused(tmp_path: Path):
    """The file's rule, checked on loading: "Благовещенск" is both Amur's capital and a town
    of Bashkortostan, and can't be an alias of both."""
    bad = tmp_path / "regions.yaml"
    bad.write_text(
        '- {name: "Амурская область", en: "Amur Oblast", kind: oblast, aliases: ["Благовещенск"]}\n'
        '- {name: "Республика Башкортостан", en: "Republic of Bashkortostan", kind: republic,'
        ' aliases: ["Уфа", "благовещенск"]}\n', "utf-8")
    with pytest.raises(ValueError, match="'благовещенск' is given to both Амурская область and Республика Башк"):
        load_regions(bad)


def test_every_name_and_alias_is_found_as_its_region_alone(regions):
    """As the question's place index reads them (stems, kind words dropped), no two regions
    share a name: "Altai Krai" is not the Altai Republic, "Moscow" not Moscow Oblast."""
    index = places()
    for region in regions:
        for variant in (region.name, region.en, *region.aliases):
            if not place_key(variant):
                continue  # (two-letter abbreviations: "РТ", "МО" are not looked for in questions)
            found = index.find(variant) or index.find(f"г. {variant}")
            assert found and {r for m in found for r in m.regions} == {region.name}, (variant, found)


def test_a_name_two_regions_share_without_their_kind_words_is_both():
    index = PlaceIndex.build(load_regions())
    assert [m.regions for m in index.find("clusters in the Altai")] == [("Республика Алтай", "Алтайский край")]
    assert [m.regions for m in index.find("clusters in Moscow")] == [("Москва",)]
    # "на Алтае" is the Altai Krai and the Altai Republic alike; named with its kind word, one of them
    assert [m.regions for m in index.find("есть ли кластер на Алтае")] == [("Республика Алтай", "Алтайский край")]
    assert [m.regions for m in index.find("кластер в Республике Алтай")] == [("Республика Алтай",)]
    assert [m.regions for m in index.find("кластер в Горном Алтае")] == [("Республика Алтай",)]
    assert [m.regions for m in index.find("Moscow Oblast clusters")] == [("Московская область",)]


# --- questions: the town in any form -------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Мы завод в Стерлитамаке, делаем присадки", "Республика Башкортостан"),
    ("снабженец из Ржева", "Тверская область"),
    ("производство под Ангарском", "Иркутская область"),
    ("мы из Новомосковска", "Тульская область"),
    ("цех в Новомосковске", "Тульская область"),
    ("завод в Тольятти", "Самарская область"),  # (indeclinable)
    ("Тольятти", "Самарская область"),
    ("мы из Усолья-Сибирского", "Иркутская область"),
    ("Усолье-Сибирское", "Иркутская область"),
    ("площадка в Вышнем Волочке", "Тверская область"),
    ("мы из Дзержинска", "Нижегородская область"),
    ("Дзержинск", "Нижегородская область"),
    ("в Набережных Челнах", "Республика Татарстан"),
    ("в Каменске-Уральском", "Свердловская область"),
    ("Бийск", "Алтайский край"),
    ("Рубцовск", "Алтайский край"),
    ("Ангарск", "Иркутская область"),
    ("в Братске", "Иркутская область"),
    ("Невинномысск", "Ставропольский край"),
    ("Конаково", "Тверская область"),
    ("в Конаково", "Тверская область"),
    ("из Салавата", "Республика Башкортостан"),
    ("г. Салават", "Республика Башкортостан"),
    ("завод в Ефремове", "Тульская область"),
    ("мы из Серова", "Свердловская область"),
    ("в Армянске", "Республика Крым"),  # (not in the dictionary: by its stem)
    ("под Армянском", "Республика Крым"),  # (… whose instrumental is its adjective's form)
    ("в Кудрове", "Ленинградская область"),  # (… whose dictionary form would be a guess)
    ("в Сергиевом Посаде", "Московская область"),
    ("в Орехове-Зуеве", "Московская область"),
    ("под Гусем-Хрустальным", "Владимирская область"),
    ("a plant in Togliatti", "Самарская область"),
    ("we are from Sterlitamak", "Республика Башкортостан"),
    # the capitals still
    ("в Орле", "Орловская область"),
    ("во Владимире", "Владимирская область"),
    ("из Нижнего", "Нижегородская область"),
    ("на Камчатке", "Камчатский край"),
])
def test_a_town_in_any_form_is_its_region(text, expected):
    assert [m.regions for m in places().find(text)] == [(expected,)]


def _declined(name: str, case: str) -> str | None:
    """`name` in `case` as pymorphy3 inflects it word by word ("Вышний Волочёк" → "вышнем
    волочке"); the words after "на" stay ("Комсомольск-на-Амуре"); None when it can't."""
    out, after_na = [], False
    for part in re.split(r"([\s-])", fold(name)):
        if not re.search("[а-я]", part) or after_na or part == "на":
            after_na = after_na or part == "на"
            out.append(part)
            continue
        parses = _analyzer().parse(part)
        parse = next((p for p in parses if "Geox" in p.tag), parses[0])
        if parse.tag.POS not in ("NOUN", "ADJF"):
            return None
        number = "plur" if {"plur", "Pltm"} & parse.tag.grammemes else "sing"
        inflected = parse.inflect({case, number}) or parse.inflect({case})
        if inflected is None:
            return None
        out.append(inflected.word)
    return "".join(out)


def test_every_town_declined_after_a_preposition_is_its_region(regions):
    checked = 0
    for region in regions:
        for alias in region.aliases:
            if not re.search("[а-яё]", alias.casefold()) or not place_key(alias):
                continue
            for preposition, case in (("в", "loct"), ("из", "gent"), ("под", "ablt")):
                declined = _declined(alias, case)
                if declined is None:
                    continue
                text = f"{preposition} {declined}"
                assert {r for m in places().find(text) for r in m.regions} == {region.name}, (alias, text)
                checked += 1
    assert checked > 1200


@pytest.mark.parametrize("text", [
    "Волжский оргсинтез",  # Volzhsky (Volgograd Oblast) is not Volzhsk (Mari El)
    "мы в Волжском",
    "в Дзержинском районе",  # a district of many cities, not Dzerzhinsk
    "офис на улице Дзержинского",
    "братская помощь",  # not Bratsk
    "меня зовут Салават",  # a first name
    "я Ефремов Иван, директор",  # a surname
    "Серов Пётр, технолог",
    "нижний предел субсидии",  # not Нижний Новгород
    "в нижней части формы",
    "армянский коньяк",  # not Armyansk
    "в армянском коньяке",
])
def test_a_word_that_only_looks_like_a_town_is_not_it(text):
    assert places().find(text) == []


# --- the join form: the town typed for the region --------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Стерлитамак", "Республика Башкортостан"),
    ("Sterlitamak", "Республика Башкортостан"),
    ("Салават", "Республика Башкортостан"),
    ("Ржев", "Тверская область"),
    ("Вышний Волочёк", "Тверская область"),
    ("Вышний Волочек", "Тверская область"),
    ("Новомосковск", "Тульская область"),
    ("Ефремов", "Тульская область"),
    ("Усолье-Сибирское", "Иркутская область"),
    ("Ангарск", "Иркутская область"),
    ("Братск", "Иркутская область"),
    ("Дзержинск", "Нижегородская область"),
    ("Тольятти", "Самарская область"),
    ("Togliatti", "Самарская область"),
    ("Tolyatti", "Самарская область"),
    ("Бийск", "Алтайский край"),
    ("Рубцовск", "Алтайский край"),
    ("Невинномысск", "Ставропольский край"),
    ("Буденновск", "Ставропольский край"),
    ("Конаково", "Тверская область"),
    ("Новочебоксарск", "Чувашская Республика"),
    ("Волжск", "Республика Марий Эл"),
    ("Нижнекамск", "Республика Татарстан"),
    ("Березники", "Пермский край"),
    ("Тобольск", "Тюменская область"),
    ("Усть-Джегута", "Карачаево-Черкесская Республика"),
    ("Кузнецк", "Пензенская область"),  # not Ленинск-Кузнецкий (Kuzbass)
    ("Нижний", "Нижегородская область"),  # not Нижний Тагил
    ("Нижний Тагил", "Свердловская область"),
])
def test_a_town_typed_for_the_region_is_found(matcher, text, expected):
    assert matcher.exact(text) == expected


@pytest.mark.parametrize(("text", "town_of"), [
    ("Волжский", "Республика Марий Эл"),  # Volzhsky, Volgograd Oblast: not Volzhsk
    ("Кировск", "Кировская область"),  # a town of Murmansk and of Leningrad Oblast
    ("Братский", "Иркутская область"),
])
def test_an_adjective_on_a_towns_stem_is_not_taken_for_it(matcher, text, town_of):
    assert matcher.exact(text) is None
    assert all(m.score < 0.85 for m in matcher.match(text) if m.name == town_of)
