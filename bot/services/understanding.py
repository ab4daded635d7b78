"""What a question is about, beyond its words: the bot's own functions asked for, catalogue
questions (which clusters make X, are in region Y...), places named, and the words that carry
no meaning for the knowledge base (greetings, politeness, the asker's own context) or that
say the point is something it doesn't hold (prices, weather, population...).

Everything here works on lemmas (pymorphy3's dictionary forms) and Snowball stems of the
question's words; the vocabularies below are matching vocabulary, not text shown to users.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from bot.services.regions import Region, load_regions
from storage.analyzer import Reading, fold, lemma, readings, stem, tokens

# ---- words that weigh nothing: greetings, politeness, the asker's context ------------------
FILLER = frozenset("""
здравствуйте здравствовать здраствуйте здрасте привет приветствовать добрый доброе день утро вечер
коллега уважаемый пожалуйста спасибо благодарить подсказать подскажите сказать рассказать
объяснить пояснить помочь интересовать интересно хотеть хотеться узнать понять уточнить
разобраться вопрос информация вообще прямо реально короче слушать слушайте просто буквально
кратко коротко подробно подробный пару несколько небольшой маленький крупный средний давно
недавно сейчас сегодня вчера завтра год месяц неделя компания предприятие фирма организация
завод заводик производство цех холдинг группа бизнес директор руководство руководитель
собственник владелец экономист юрист бухгалтер инженер технолог менеджер специалист закупщик
снабженец сотрудник работать заниматься являться находиться представлять плюс очень ещё еще
ваш наш свой мой твой бот чат нужно надо нужный можно возможно ли ведь вот так также
hello hi hey dear good morning afternoon evening thanks thank please could would tell know
like want wonder help kindly company plant factory firm business we our us i me my bit
little some main also still just really actually exactly so far now currently today
consultant client colleague colleagues hi there thing things plain simple words database information info
простой слово прошлый позапрошлый база момент данный moment
""".split())

# ---- the point of the question is something the knowledge base never holds ----------------
OFF_TOPIC = frozenset("""
цена ценник почем стоить купить покупка продать продажа магазин скидка акция леруа маркетплейс
погода температура дождь снег пробка затор трафик население житель численность перепись курс
валюта доллар евро биткоин виза загранпаспорт паспорт ипотека вклад депозит садик детсад школа
больница поликлиника врач ремонт крыша автобус электричка поезд доехать билет расписание
маршрут футбол хоккей матч болельщик турнир профсоюз сро верфь судостроительный судостроение
туризм отель гостиница ресторан кафе такси штраф гибдд полиция шиномонтаж вулканизация
рецепт гороскоп анекдот жкх коммуналка коммунальный лечение зуб стоматолог пенсия пособие
больничный вычет поужинать ужин обед поесть вкусно отдых отдохнуть экскурсия достопримечательность
квартира аренда недвижимость вакансия резюме трудоустройство трудоустроиться зарплата
вуз университет абитуриент поступление егэ огэ экзамен самозанятый физлицо ндфл съездить выходной
погулять музей снт отмыть отстирать оттереть дача дачный гараж кухня помойка автомобиль
электромобиль многодетный материнский пенсионер безработный безработица ндс транспортный
гост сертификация сертифицировать сертификат техрегламент фермер фермерский токсичный ядовитый
рецептура выручка банкротство банкрот оптом опт прайс дешевле подешевле дороже выкинуть выбросить ферма майнкрафт сбер сбербанк втб тинькофф
price buy sell shop discount dinner lunch restaurant weather traffic jam population inhabitants visa
mortgage football hockey hotel restaurant taxi bus train ticket union shipbuilding shipyard
recipe horoscope joke vacancy vacancies job jobs resume salary university weekend sightseeing
kitchen garage car cars vat gost certification certificate certify farmer farmers toxic
formulation hands indoors revenue turnover headcount bankruptcy bankrupt wholesale cheap cheaper cheapest
срезать украсть кража угнать заседание лицензия лицензирование декларация мсп выброс отопление
водоснабжение отчество аккредитованный аккредитация
license licence licensing declaration sme smes accredited accreditation
визовый загран загранник загранпаспорт резидент обжаловать обжалование иск исковой давность суд шаблон лизинг лизинговый
resident residents appeal lawsuit court template leasing
подорожать дорожать подешеветь дешеветь подорожание удорожание рэц
электроэнергия электричество киловатт квт маркировка electricity
гонка чемпионат race formula championship ржавчина rust
аккредитовать газпром рсв gazprom подвал вебинар webinar universities dried stain stains
добраться хлорка смешивать смешать дверь межкомнатный
росприроднадзор ростехнадзор роспотребнадзор синтез изоцианат gmp инспекция доверенность нотариальный
недобросовестный недобросов самозанятой путин таракан клоп комар моль муравей давление
salaries wages wage luggage baggage flight flights skin synthesize synthesise synthesis earns apartment flat
санкция пошлина антидемпинговый демпинг демпинговать квота еаэс фас картель картельный сговор антимонопольный
арбитраж арбитражный судебный роскомнадзор кадастровый имущество разбивка отчетность мигрант
sanctions sanctioned duty duties quota quotas antidumping cartel labour labor migrant migrants
логотип хэштег орфография стих стишок стихотворение поэма нарисовать сочинить доставка лампочка гелий пиво
распил бюрократ сыграть поиграть оквэд кбк токен logo hashtag spelling poem poems draw delivery beer token
дивиденд авария увольнение уволить увольнять экология экологический капекс экструдер
dividend dividends accident accidents layoffs capex ecology emissions extruder
extrusion airplane plane
пбу фсбу бухучет перезарядить самолет ликвидатор кредитор техприсоединение электросеть жку утилизация утилизировать
минэкономразвития минсельхоз минобрнауки минздрав минэнерго
эксар факторинг стартап exiar factoring lease startup прогноз forecast динамика госпошлина эцп эдо диадок образец бланк payday career careers
""".split())  # (and the other companies: OTHER_COMPANIES, below)
# big companies of the industry the knowledge base doesn't describe: their affairs are not held
OTHER_COMPANIES = frozenset("""
сибур фосагро акрон уралхим уралхий еврохим нижнекамскнефтехим казаньоргсинтез лукойл роснефть газпромнефть татнефть
кордиант химволокно запсибнефтехим уралкалий
sibur phosagro acron uralchem eurochem nizhnekamskneftekhim kazanorgsintez lukoil rosneft tatneft kordiant
zapsibneftekhim uralkali
""".split())
OFF_TOPIC = OFF_TOPIC | OTHER_COMPANIES
# buying and selling: off-topic when asked, the asker's business when told around a question
COMMERCE = frozenset("""
цена ценник почем стоить купить покупка продать продажа магазин скидка маркетплейс
выручка банкротство банкрот оптом опт прайс дешевле подешевле дороже
price buy sell shop discount revenue turnover wholesale cheap cheaper cheapest
""".split())
# what the entries tell of what they describe, however they word it: asked for after "какой",
# "сколько" ("сколько процентов возмещают", "какая сумма займа"), it is no detail they lack
# (not so "какие долги у …", "какая выручка у …", "how many employees …")
HELD_ATTRIBUTES = frozenset("""
процент сумма размер минимум максимум срок дата система стадия этап шаг пропорция доля признак
ограничение условие требование документ лимит объём объем выгода польза плюшка грант аванс
контора число количество год месяц вариант способ миллион миллиард тысяча рубль млн помощь поддержка господдержка льгота преференция
номер отношение народ потолок предел ставка
percent percentage amount size minimum maximum term date stage step share limit grant benefit help support number
""".split())
# someone's contact or bank details: the knowledge base holds none but how to reach the
# association (its contacts entry); asked of a cluster, a company or a measure, it doesn't know
CONTACT_DETAILS = frozenset("""
телефон мобильный email емейл имейл мейл реквизиты инн огрн кпп бик расчётный расчетный фамилия фио адрес
phone mobile mail email inn
""".split())
# who asks, not what: the bot's own data and mailings are theirs all the same
WHO_ASKS = frozenset({"физлицо", "пенсионер", "пенсионерка", "пенсия", "самозанятый", "многодетный", "безработный",
                      "выходной"})  # (and when: "телефон пиликает по выходным")
# "как удалить аккаунт в телеграме": an account with another service, not the data the bot keeps
OTHER_SERVICES = frozenset("""
телеграм телеграмм телеграме телеграмме телега телеге telegram whatsapp ватсап вотсап вацап viber вайбер
вконтакте вк vk инстаграм instagram госуслуги госуслуга gmail 2гис агрегатор яндекс гугл google авито тг
озон ozon wildberries вайлдберриз мтс билайн мегафон
портал portal журнал magazine налоговая инспекция гисп gisp канал channel
""".split())
# other countries: "какие химические кластеры есть в Казахстане" asks about clusters not held here
COUNTRIES = frozenset("""
казахстан беларусь белоруссия узбекистан киргизия кыргызстан армения азербайджан грузия таджикистан туркмения
китай германия франция италия польша турция индия сингапур сша америка европа евросоюз финляндия
kazakhstan belarus uzbekistan kyrgyzstan armenia azerbaijan georgia china germany france italy poland turkey
india singapore usa america europe eu finland
""".split())
ACCOUNT_WORDS = frozenset({"аккаунт", "учётка", "учетка", "учётный", "учетный", "account", "profile"})
THIS_BOT = frozenset({"бот", "bot", "вы", "ваш", "you", "your", "здесь", "тут", "here"})
# "переведи на английский описание нашей продукции": a text to translate, not the bot's language
TRANSLATING = frozenset({"перевести", "переводить", "перевод", "translate", "translation"})
TEXTS = frozenset({"описание", "текст", "документ", "документация", "фраза", "слово", "письмо", "статья",
                   "презентация", "инструкция", "договор", "сайт", "каталог", "description", "text", "document",
                   "documentation", "letter", "sentence", "phrase", "website", "catalogue",
                   "предложение", "кп", "proposal", "offer",
                   "бюро", "переводчик", "agency", "translator", "contract", "pdf", "file", "presentation"})
# "как отписаться от спама на корпоративную почту": the bot sends no e-mail
MAILBOX = frozenset({"почта", "ящик", "емейл", "имейл", "мейл", "email", "mail", "inbox", "смс", "sms"})
PRICE_AFTER_HOW_MUCH = frozenset({"стоить", "стоит", "стоят", "стоил", "стоила", "стоило", "стоили", "cost", "costs"})


# ---- the bot's own functions ---------------------------------------------------------------
# each feature: alternatives, each a list of groups; every group must have one of its lemmas
_FEATURE_RULES: dict[str, list[list[set[str] | str]]] = {
    "unsubscribe": [
        [{"отписаться", "отписать", "отписка", "отписатся", "отписываться", "unsubscribe"}],
        [{"рассылка", "уведомление", "спам", "newsletter", "mailing", "notification", "новость",
          "сообщение", "приглашение", "присылать", "слать", "писать", "письмо", "emails", "messages"},
         {"отключить", "остановить", "прекратить", "убрать", "отказаться", "надоесть", "stop",
          "перестать", "выключить", "хватит", "хватить", "удалить", "исключить"}],
        [{"не"}, {"беспокоить"}],
        # "не хочу больше получать сообщения от бота" (not "почему я не получаю уведомления")
        ["не хотеть", {"получать"},
         {"сообщение", "рассылка", "уведомление", "письмо", "новость", "приглашение", "оповещение"}],
        [{"больше"}, {"не"}, {"присылать", "слать", "писать", "присылайте", "пишите", "приходить"}],
        [{"stop", "opt"}, {"sending", "messages", "emails", "newsletter", "mailing", "out", "spam"}],
        [{"mailing", "newsletter", "newsletters"}, {"off", "remove", "unsubscribe", "cancel"}],
    ],
    "subscribe": [
        [{"подписаться", "subscribe"}],
        [{"вернуть", "возобновить", "снова", "опять", "обратно", "resume", "again", "back"},
         {"рассылка", "подписка", "оповещение", "уведомление", "newsletter", "subscription", "mailing",
          "messages", "mailings", "newsletters"}],
        [{"подписать"}, {"рассылка", "новость", "уведомление", "оповещение", "обновление"}],
        [{"уведомлять", "оповещать", "notify", "notified", "alert", "alerts"}],
        [{"присылать", "сообщать", "информировать", "держать"},
         {"новость", "рассылка", "новый", "приглашение", "курс", "отбор"}],
        [{"sign", "keep"}, {"up", "posted", "informed", "updated"}, {"news", "updates", "newsletter", "me"}],
        [{"рассылка", "новость", "newsletter", "update", "updates", "news"},
         {"получать", "включить", "подписка", "receive", "get"}],  # (not "on": "on a news site")
        [{"newsletter", "updates", "news", "notifications"}, "turn on"],
    ],
    "language": [
        [{"язык", "language"},
         {"поменять", "сменить", "изменить", "переключить", "другой", "английский", "русский",
          "english", "russian", "change", "switch", "выбрать", "set"}],
        [{"английский", "английски", "english"}, {"бот", "отвечать", "please", "пожалуйста", "говорить", "перейти", "версия", "speak",
                                       "reply", "answer", "bot", "можно", "переключить", "поменять",
                                       "switch", "change", "перевести", "сменить"}],
        [{"русский", "русски"}, {"можно", "говорить", "отвечать", "пожалуйста", "переключить", "перейти",
                                 "давать"}],
        # ("a member of a Russian cluster … please": the English word is everywhere in English questions)
        [{"russian"}, {"switch", "change", "speak", "reply"}],
        # phrases: the words next to each other ("… under Russian law, in …" is not; "in Russian cluster
        # documents" is no language either)
        ["in english"], ["russian please"], ["english please"],
    ],
    "privacy": [
        [{"персональный", "личный", "personal"}, {"данные", "data", "информация"}],
        [{"удалить", "стереть", "удаление", "delete", "erase", "remove", "забыть", "очистить"},
         {"данные", "информация", "аккаунт", "профиль", "data", "account", "information", "info", "я",
          "переписка", "история"}],
        [{"отозвать", "отзывать", "отзыв", "withdraw", "revoke"}, {"согласие", "consent"}],
        [{"хранить", "храниться", "store", "keep", "видеть"}, {"история", "history"}, {"вы", "ваш", "мой", "my", "you", "your"}],
        # "откуда у вас мой номер?"
        [{"откуда"}, {"номер", "телефон", "контакт", "данные", "почта"}, {"мой", "наш"}],
        # "что бот хранит обо мне", "what do you know about me" (not "I know … you … give me")
        ["хранить обо я"], ["хранить о я"], ["знать обо я"], ["знать о я"], ["know about me"], ["store about me"],
        ["про я хранить"], ["про я знать"], ["хранить про я"], ["знать про я"],
        ["keep about me"],
        [{"privacy", "конфиденциальность", "152-фз", "гдпр", "gdpr"}],
        # "удалите мой номер телефона из вашей базы"
        [{"удалить", "стереть", "delete", "erase", "remove"}, {"номер", "телефон", "почта", "phone", "number", "email"},
         {"мой", "my"}],
        [{"хранить", "собирать", "store", "keep", "collect", "обработка", "обрабатывать",
          "processing", "process", "мой", "my", "храниться", "оставаться"},
         {"данные", "data", "сведения", "переписка"},  # (not "история": "собираю историю вопроса")
         # (whose: "какие данные вы храните", not "по каким данным, я собираю для отчёта")
         {"вы", "ваш", "you", "your", "мой", "my", "me", "наш", "our", "бот", "bot", "у", "о"}],
        # "кто у вас видит мой телефон и почту из анкеты, передаются ли они куда-то дальше"
        [{"видеть", "передавать", "передаваться", "see", "share", "shared"},
         {"данные", "сведения", "телефон", "почта", "data", "phone", "email"}, {"мой", "наш", "my", "our"}],
    ],
    "human": [
        [{"живой", "реальный", "настоящий", "real", "live", "actual"},
         {"человек", "оператор", "сотрудник", "менеджер", "специалист", "person", "human", "operator", "agent"}],
        # ("я консультант по ВЭД": someone who tells who they are)
        [{"оператор", "operator", "human"}],
        [{"нужный", "нужен", "позвать", "дать", "дайте", "need", "want"}, {"консультант", "consultant"}],
        # "дай человека", "переведите на специалиста", "передай мой вопрос людям"
        [{"дать", "позвать", "перевести", "переключить", "соединить", "передать", "консультация"},
         {"человек", "оператор", "сотрудник", "специалист", "менеджер", "консультант"}],
        [{"staff", "someone", "somebody", "person"}, {"personally"}],
        [{"связаться", "поговорить", "соединить", "позвать", "пообщаться", "задать", "спросить", "написать",
          "позвонить", "перезвонить",
          "talk", "speak", "contact", "connect", "reach", "ask"},
         {"человек", "сотрудник", "оператор", "менеджер", "специалист", "консультант", "person", "someone",
          "staff", "employee", "people", "somebody"}],
    ],
    "help": [
        # (what it does, not what the asker does: "мы делаем растворители… с чего начать здесь в боте")
        [{"уметь", "мочь", "делает", "делаешь", "делаете"}, {"бот", "ты", "вы"}, {"что", "чем", "какой"}],
        # (English as a phrase: "what's the minimum order… do you ship to Almaty?" is no such question)
        ["what can you do"], ["what can this bot do"], ["what can the bot do"], ["what do you do"],
        ["what does this bot do"], ["what does the bot do"], ["what can i do here"], ["what else can you do"],
        [{"уметь"}, {"что", "чем"}],  # ("што умееш", "что он умеет делать")
        [{"пользоваться", "работать", "use", "work", "works"},
         {"бот", "bot", "ботом", "тут", "здесь", "here", "ты", "вы"}, {"как", "how"}],
        ["кто ты"], ["ты кто"], ["who are you"],
        [{"инструкция", "manual", "instructions"}],
        [{"меню", "menu"}, {"пропасть", "исчезнуть", "вернуть", "где", "нет", "missing", "gone", "where"}],
        # "что тут можно делать" (not "сказал, что через него можно подать заявку прямо здесь")
        ["что тут можно"], ["что здесь можно"], ["что тут делать"], ["что здесь делать"], ["что можно тут"],
        ["что можно здесь"],
        [{"команда", "commands", "функция", "возможность", "features", "functions", "кнопка", "раздел", "buttons", "sections"},
         {"бот", "bot", "какой", "what", "список", "list"}],
    ],
    "applications": [
        # ("мой/наш" next to it: "наше предприятие … подать заявку в кластер" is no application of ours)
        ["мой заявка"], ["наш заявка"], ["my application"], ["our application"], ["my applications"],
        ["our applications"],
        [{"заявка", "application", "анкета"},
         # (sent: "отправил", not "можно отправить заявку тут?": how to apply)
         {"статус", "рассмотреть", "рассмотрение", "получили", "получил", "получена", "отправил", "отправила",
          "отправили", "отправлена", "отправленный", "дойти", "уйти", "status", "submitted", "received", "sent",
          "рассматривать", "ответ", "решение", "одобрить", "отклонить", "ответить", "номер",
          "принять", "принята", "approved", "rejected", "decision", "reviewed", "отозвать", "отменить",
          "withdraw", "cancel"}],
        # "I applied through this bot on Monday. Has anyone looked at it yet?"
        [{"applied"}, {"looked", "answer", "response", "reviewed", "status", "heard"}],
    ],
    "join": [
        [{"хотеть", "хочу", "готовый", "готов", "давать", "давай", "давайте", "оформить",
          "заполнить", "заполнение", "запустить", "начать", "want", "ready", "start", "let", "fill"},
         {"вступить", "вступление", "заявка", "анкета", "join", "apply", "application"}],
        [{"хотеть", "хочу", "want"}, "в кластер"],  # ("хочу в кластер")
    ],
}
# words that mean the function is asked for, not the knowledge base: a question naming these
# and a domain subject is about the subject ("заявка на субсидию" is not "my application")
_FEATURE_BLOCKERS = {
    "applications": {"субсидия", "грант", "займ", "заём", "заем", "кредит", "льгота", "subsidy",
                     "grant", "loan", "how", "как", "submit",
                     # ("поручено оформить заявку", "start my application": a new one)
                     "оформить", "заполнить", "заполнение", "запустить", "start", "fill"},
    # ("who are you guys anyway, AKIT?": the association is asked about)
    "help": {"кластер", "cluster", "clusters", "субсидия", "поддержка", "акит", "akit", "ассоциация", "association"},
    "join": {"субсидия", "грант", "займ", "заём", "заем", "кредит", "subsidy", "grant", "loan",
             # (applying for a measure: "where do you apply for the starter batch reimbursement")
             "отбор", "компенсация", "возмещение", "selection", "reimbursement", "compensation",
             "как", "how", "можно", "ли", "что", "what", "сколько", "зачем", "почему", "why",
             "какой", "which"},
    # ("which universities teach chemical engineering in English")
    "language": {"teach", "taught", "course", "courses", "обучение", "преподавать", "учить", "film", "films", "movie",
                 "movies", "learning", "фильм", "кино",
                 # ("a real person from the association who speaks English": the person is asked for)
                 "person", "human", "someone", "staff"},
    # "оператор связи в Омске", "сотовый оператор": a telephone company
    "human": {"связь", "сотовый", "телеком", "провайдер", "carrier", "telecom", "мтс", "билайн", "мегафон", "ростелеком",
              "интернет", "internet"},
    # "отписался раньше, верните рассылку": asks for it back
    "unsubscribe": {"вернуть", "возобновить", "снова", "опять", "обратно", "resume", "again", "back",
                    # "как выйти из кластера, ну отписаться от участия": leaving a cluster
                    "участие", "членство"},
}


# a message that is only this word asks for the function ("stop", "справка", "оператор!")
COMMANDS = {"stop": "unsubscribe", "стоп": "unsubscribe", "отписка": "unsubscribe", "unsubscribe": "unsubscribe",
            "subscribe": "subscribe", "подписка": "subscribe", "help": "help", "помощь": "help", "справка": "help",
            "agent": "human", "operator": "human", "human": "human", "оператор": "human", "человек": "human",
            "language": "language", "язык": "language", "privacy": "privacy"}


POLITE = frozenset({"please", "пожалуйста", "плиз", "pls", "now", "срочно"})


@lru_cache(maxsize=1)
def feature_words() -> frozenset[str]:
    """Every word the functions are told by (the typos of which are mended to it)."""
    found: set[str] = set(COMMANDS)
    for alternatives in _FEATURE_RULES.values():
        for groups in alternatives:
            for group in groups:
                found |= set(group.split()) if isinstance(group, str) else set(group)
    return frozenset(found)


# words that say the bot itself is asked about, whatever else is named ("что тут можно делать,
# тут всё про кластеры")
_FEATURE_UNBLOCKERS = {"help": {"тут", "здесь", "умеет", "умеешь", "умеете"}}  # ("коллега из кластера посоветовал бота, что он умеет?")
# every word a function's rules name (a question with none of them can't ask for it)
_FEATURE_VOCABULARY = {
    feature: frozenset(w for groups in alternatives for g in groups for w in (g.split() if isinstance(g, str) else g))
    for feature, alternatives in _FEATURE_RULES.items()
}


def detect_feature(lemmas: Iterable[str], idioms: frozenset[str] | set[str] = frozenset()) -> str | None:
    """The bot's function a question asks for: every group of an alternative has a word of
    the question (a phrase alternative: those words next to each other), and no blocker.
    `idioms`: off-topic words used in a phrase that is not ("в курсе")."""
    sequence = list(lemmas)
    words = set(sequence)
    said = {w for w in words if w not in FILLER and lemma(w) not in FILLER} - POLITE  # ("помощь нужна")
    if len(said) == 1 and next(iter(said)) in COMMANDS:  # ("agent please", "оператор, пожалуйста")
        return COMMANDS[next(iter(said))]
    if (words - idioms) & OFF_TOPIC:
        return None
    joined = f" {' '.join(sequence)} "
    for feature, alternatives in _FEATURE_RULES.items():
        if words.isdisjoint(_FEATURE_VOCABULARY[feature]):
            continue  # (no word of any of its rules: most questions, most functions)
        if words & _FEATURE_BLOCKERS.get(feature, set()) and not words & _FEATURE_UNBLOCKERS.get(feature, set()):
            continue
        for groups in alternatives:
            if all((f" {g} " in joined) if isinstance(g, str) else bool(words & g) for g in groups):
                return feature
    return None


# ---- catalogue questions -----------------------------------------------------------------
# the first parts of Russian clipped compounds ("промкластер", "стратсессия", "господдержка"):
# a word the knowledge base lacks that starts with one of them and goes on with a dictionary
# word is read as the full adjective and that word
CLIPPED_PARTS = {
    "нефтехим": "нефтехимический", "хим": "химический", "пром": "промышленный",
    "фарм": "фармацевтический", "страт": "стратегический", "гос": "государственный",
    "агро": "сельскохозяйственный", "спец": "специальный", "нефте": "нефтяной", "газо": "газовый",
    "лесо": "лесной", "строй": "строительный", "авто": "автомобильный", "эко": "экологический",
}
# colloquial spellings of common words, written out
COLLOQUIAL = {"че": "что", "плиз": "пожалуйста", "пжлст": "пожалуйста", "англ": "английский", "заявочка": "заявка", "заявочку": "заявку", "заявочки": "заявки",
              "вступалово": "вступление", "химка": "химия", "химку": "химию", "химки": "химии", "замутить": "создать",
              "айти": "it", "зп": "зарплата", "prise": "price", "prises": "prices",
              "пластмасски": "пластмассы", "пластмасска": "пластмасса", "пластмасок": "пластмасс", "ртишки": "рти", "ртишек": "рти", "ртишка": "рти", "енглиш": "английский", "инглиш": "английский", "што": "что", "скока": "сколько", "скоко": "сколько", "скок": "сколько", "бабки": "деньги", "бабок": "денег", "бабло": "деньги", "бабла": "денег", "чё": "что", "чо": "что", "шо": "что", "щас": "сейчас",
              "ща": "сейчас", "ваще": "вообще", "плз": "пожалуйста", "пжл": "пожалуйста", "пож": "пожалуйста",
              "спс": "спасибо", "оч": "очень", "норм": "нормально", "инфа": "информация", "тока": "только",
              "wich": "which", "whitch": "which", "wat": "what", "wht": "what", "pls": "please", "plz": "please",
              "thx": "thanks", "ur": "your", "u": "you"}
# dictated text: Russian letters said by their names ("эф эр пэ" is "ФРП", "пэ пэ" is "ПП") ...
LETTER_NAMES = {"бэ": "б", "вэ": "в", "гэ": "г", "дэ": "д", "жэ": "ж", "зэ": "з", "ка": "к", "эл": "л",
                "эль": "л", "эм": "м", "эн": "н", "пэ": "п", "эр": "р", "эс": "с", "тэ": "т", "эф": "ф",
                "ха": "х", "цэ": "ц", "че": "ч", "ша": "ш"}
# ... and numbers said as words ("сорок первое постановление", "шестьдесят четыре фз"), by lemma
NUMBER_WORDS = {
    **dict(zip("один два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать "
               "четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать".split(), range(1, 20),
               strict=True)),
    **dict(zip("двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят девяносто".split(),
               range(20, 100, 10), strict=True)),
    **dict(zip("сто двести триста четыреста пятьсот шестьсот семьсот восемьсот девятьсот".split(),
               range(100, 1000, 100), strict=True)),
    **dict(zip("первый второй третий четвёртый пятый шестой седьмой восьмой девятый десятый".split(),
               range(1, 11), strict=True)),
    **dict(zip("двадцатый тридцатый сороковой пятидесятый шестидесятый семидесятый восьмидесятый "
               "девяностый".split(), range(20, 100, 10), strict=True)),
    "четвертый": 4, "сотый": 100,
}
# clipped words whose parts are all clipped ("химпром"), by their dictionary form
CLIPPED_WORDS = {"химпром": "химическая промышленность", "нефтехимпром": "нефтехимическая промышленность",
                 "минпром": "Минпромторг", "межрег": "межрегиональный", "госпрограмма": "государственная программа",
                 # (a cluster in general: it weighs as "кластер", not as a rare word)
                 "химкластер": "химический кластер", "промкластер": "промышленный кластер",
                 "спецорганизация": "специализированная организация"}
CLUSTER_WORDS = frozenset({"кластер", "химкластер", "промкластер", "кластерный", "cluster", "clusters"})
MAKER_WORDS = frozenset({"делать", "производить", "выпускать", "изготавливать", "выпуск",
                         "производитель", "поставщик", "изготовитель", "заниматься", "make",
                         "makes", "produce", "produces", "manufacture", "manufacturer",
                         "supplier", "producer", "making", "producing", "manufacturing", "manufactures",
                         "producers", "manufacturers", "suppliers", "deal", "deals"})
LIST_WORDS = frozenset({"какой", "кто", "список", "перечень", "перечислить", "все", "весь",
                        "каждый", "сколько", "есть", "бывать", "which", "what", "list", "all",
                        "any", "who", "there", "каких", "куда", "где", "where", "другой", "кроме",
                        "every", "each", "name"})
STATUS_WORDS = {
    "creating": frozenset({"создаваться", "создаваемый", "создающийся", "строящийся", "формироваться",
                           "создаться", "планироваться", "created",
                           "planned", "forming", "establishing", "emerging"}),
    "active": frozenset({"действовать", "действующий", "работающий", "operating", "active",
                         "existing", "operate", "operational", "running"}),
}
REGISTER_WORDS = frozenset({"реестр", "register", "registry", "внести", "включить", "состоять"})
ACCEPT_WORDS = frozenset({"принимать", "вступить", "вступление", "набор", "открытый", "присоединиться",
                          "accept", "accepting", "join", "open", "admit", "admitting"})
MEASURE_KIND_WORDS = {
    "subsidy": frozenset({"субсидия", "грант", "компенсация", "возмещение", "subsidy", "subsidies",
                          "grant", "grants", "безвозвратно", "безвозмездно", "безвозвратный", "безвозмездный",
                          "non-repayable"}),
    "loan": frozenset({"заём", "займ", "заем", "кредит", "loan", "loans", "кредитование", "заемный", "долг"}),
    "tax": frozenset({"налоговый", "налог", "взнос", "tax", "taxes", "contributions"}),
}
GEOGRAPHY_WORDS = frozenset({"регион", "география", "region", "regions", "находиться", "located",
                             "where", "где", "область", "субъект"})

# federal districts and other macro-regions people name: the subjects they take in
MACRO_REGIONS: dict[str, tuple[str, ...]] = {
    "сибирь сибирский siberia siberian": (
        "Республика Алтай", "Республика Тыва", "Республика Хакасия", "Алтайский край",
        "Красноярский край", "Иркутская область", "Кемеровская область — Кузбасс", "Новосибирская область",
        "Омская область", "Томская область"),
    "кавказ кавказский caucasus": (
        "Республика Дагестан", "Республика Ингушетия", "Кабардино-Балкарская Республика",
        "Карачаево-Черкесская Республика", "Республика Северная Осетия — Алания",
        "Чеченская Республика", "Ставропольский край"),
    "поволжье приволжский volga": (
        "Республика Башкортостан", "Республика Марий Эл", "Республика Мордовия",
        "Республика Татарстан", "Удмуртская Республика", "Чувашская Республика", "Пермский край",
        "Кировская область", "Нижегородская область", "Оренбургская область", "Пензенская область",
        "Самарская область", "Саратовская область", "Ульяновская область"),
    "алтай altai": ("Республика Алтай", "Алтайский край"),
    "урал уральский ural urals": (
        "Курганская область", "Свердловская область", "Тюменская область", "Челябинская область",
        "Ханты-Мансийский автономный округ — Югра", "Ямало-Ненецкий автономный округ"),
}
# the federal districts (their composition by the President's decrees; the new regions of 2022
# are left out: no cluster is there either way), by their names and abbreviations
FEDERAL_DISTRICTS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("центральный федеральный округ", "цфо", "central federal district", "центральная россия", "central russia"): (
        "Белгородская область", "Брянская область", "Владимирская область", "Воронежская область",
        "Ивановская область", "Калужская область", "Костромская область", "Курская область",
        "Липецкая область", "Московская область", "Орловская область", "Рязанская область",
        "Смоленская область", "Тамбовская область", "Тверская область", "Тульская область",
        "Ярославская область", "Москва"),
    ("северо-западный федеральный округ", "сзфо", "northwestern federal district",
     "north-western federal district"): (
        "Республика Карелия", "Республика Коми", "Архангельская область", "Вологодская область",
        "Калининградская область", "Ленинградская область", "Мурманская область", "Новгородская область",
        "Псковская область", "Санкт-Петербург", "Ненецкий автономный округ"),
    ("южный федеральный округ", "юфо", "southern federal district"): (
        "Республика Адыгея", "Республика Калмыкия", "Республика Крым", "Краснодарский край",
        "Астраханская область", "Волгоградская область", "Ростовская область", "Севастополь"),
    ("северо-кавказский федеральный округ", "скфо", "north caucasian federal district"): MACRO_REGIONS[
        "кавказ кавказский caucasus"],
    ("приволжский федеральный округ", "пфо", "volga federal district"): MACRO_REGIONS["поволжье приволжский volga"],
    ("уральский федеральный округ", "урфо", "ural federal district"): MACRO_REGIONS["урал уральский ural urals"],
    ("сибирский федеральный округ", "сфо", "siberian federal district"): MACRO_REGIONS[
        "сибирь сибирский siberia siberian"],
    ("дальневосточный федеральный округ", "дфо", "far eastern federal district", "дальний восток", "far east"): (
        "Республика Бурятия", "Республика Саха (Якутия)", "Забайкальский край", "Камчатский край",
        "Приморский край", "Хабаровский край", "Амурская область", "Магаданская область",
        "Сахалинская область", "Еврейская автономная область", "Чукотский автономный округ"),
}


@dataclass(frozen=True, slots=True)
class PlaceMention:
    words: tuple[str, ...]  # the stems that named it
    regions: tuple[str, ...]  # the subjects meant (their names as the knowledge base writes them)
    label: str  # what the user said
    names: tuple[str, str] | None = None  # a macro-region's or federal district's name (ru, en), for display


# prepositions after which a word names a place, with the cases it then takes ("в Салавате",
# "из Ефремова", "под Ангарском"), and the words for a town ("г. Салават")
PLACE_PREPOSITIONS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("в", "во", "на"), frozenset({"loct", "loc2", "accs"})),
    **dict.fromkeys(("из", "изо", "около", "возле", "близ"), frozenset({"gent", "gen2"})),
    **dict.fromkeys(("под", "подо"), frozenset({"ablt", "accs"})),
}
TOWN_WORDS = frozenset({"г", "гор", "город", "города", "городе", "городу", "городом"})
_PERSON = frozenset({"Name", "Surn", "Patr"})
_CYRILLIC = re.compile("[а-я]")
_ADJECTIVE_POS = frozenset({"ADJF", "ADJS", "PRTF", "PRTS"})
_GENDER_NUMBER = frozenset({"masc", "femn", "neut", "sing", "plur"})
_PLACE_SKIP = frozenset({"республика", "область", "край", "округ", "автономный", "автономная", "город",
                         "republic", "oblast", "krai", "region", "of", "the", "okrug", "autonomous", "city"})


def place_key(name: str) -> tuple[str, ...]:
    """The stems a place name is looked for by ("Республика Татарстан" → ("татарстан",))."""
    return tuple(_place_stem(w) for w in tokens(name) if w not in _PLACE_SKIP and len(w) > 2)


@dataclass(frozen=True, slots=True)
class _AliasWord:
    """A one-word alias whose stem no name of its region has ("Стерлитамак", "Салават",
    "Нижний"): the stem alone is not enough to tell it in a text. "Волжский" and "Волжск",
    "Дзержинского" and "Дзержинск", "братский" and "Братск" share a stem but are other words;
    "Салават" is also a first name, "Орёл" a bird, "в Ангарском районе" an adjective — there the
    word names the place only after a preposition of place that takes the case it is in ("из
    Салавата", "под Ангарском") or "г."/"город"."""

    lemmas: frozenset[str]  # its dictionary forms as a place
    geox: bool  # the dictionary knows it as a place name: its other readings are other senses
    forms: frozenset[str]  # an adjective said for the place ("Нижний"): its gender and number
    unknown: str = ""  # the word, when the dictionary doesn't hold it ("Армянск")

    @classmethod
    def of(cls, word: str) -> _AliasWord:
        found = readings(word)
        if not found:  # not in the dictionary: its likeliest reading is all there is
            return cls(frozenset({word, lemma(word)}), False, frozenset(), word)
        places = [r for r in found if "Geox" in r.grammemes]
        if places:
            return cls(frozenset(r.lemma for r in places), True, frozenset())
        forms = found[0].grammemes & _GENDER_NUMBER if all(r.pos in _ADJECTIVE_POS for r in found) else frozenset()
        return cls(frozenset(r.lemma for r in found), False, forms)

    def merged(self, other: _AliasWord) -> _AliasWord:
        return _AliasWord(self.lemmas | other.lemmas, self.geox or other.geox, self.forms & other.forms,
                          self.unknown or other.unknown)

    def _is_place(self, reading: Reading) -> bool:
        if reading.lemma not in self.lemmas:
            return False
        if self.forms:
            return self.forms <= reading.grammemes
        if not self.geox:
            return True
        # (the dictionary lists some places twice, once as a plain inanimate noun: "Камчатка")
        return "Geox" in reading.grammemes or (
            reading.pos == "NOUN" and "inan" in reading.grammemes and not _PERSON & reading.grammemes)

    def names_place(self, word: str, before: str) -> bool:
        """Whether `word` (after the word `before`) is this place."""
        found = readings(word)
        if not found:
            return True  # not a dictionary word: its stem is all there is
        places = [r for r in found if self._is_place(r)]
        if not places:  # another word of the same stem; or a town the dictionary doesn't hold,
            # whose instrumental is its adjective's form ("под Армянском", "армянском коньяке")
            return bool(self.unknown) and word == self.unknown + "ом" and "ablt" in PLACE_PREPOSITIONS.get(before, ())
        if len(places) == len(found) and not self.forms:
            return True
        if before in TOWN_WORDS:
            return True
        cases = PLACE_PREPOSITIONS.get(before, frozenset())
        return any(r.case in cases for r in places)


WORD_STEMS_KEPT = 65536  # words whose place stems a PlaceIndex keeps


@dataclass
class PlaceIndex:
    """Region names, aliases, capitals, other cities and macro-regions, by the stems of their words."""

    keys: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    longest: int = 1
    names: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)  # of the macro-regions
    alias_words: dict[tuple[str, ...], _AliasWord] = field(default_factory=dict)
    _key_words: frozenset[str] | None = None  # every word of every key
    _word_stems: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word → its stems found in keys

    @classmethod
    def build(cls, regions: Iterable[Region]) -> PlaceIndex:
        index = cls()
        # the regions each key names; with the kind words dropped, "Altai Krai" and "Altai
        # Republic" are both "altai", "Moscow Oblast" is "Moscow": such a key is the region
        # named so plainly (Moscow), or both (Altai), and the others are known by their kind
        # words too ("Moscow Oblast", "Altai Krai")
        claims: dict[tuple[str, ...], dict[str, bool]] = {}  # key → region → named plainly
        with_kind: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        words_of: dict[tuple[str, str], _AliasWord] = {}
        for region in regions:
            named = set()
            for variant in (region.name, region.en, *region.aliases):
                words = place_key(variant)
                if not words:
                    continue
                full = tuple(_place_stem(w) for w in tokens(variant) if w != "the" and len(w) > 2)
                owners = claims.setdefault(words, {})
                owners[region.name] = owners.get(region.name, False) or full == words
                if full != words:
                    with_kind.append((region.name, words, full))
                word = fold(variant).strip()
                if variant in (region.name, region.en):
                    named.add(words)
                elif len(words) == 1 and words not in named and tokens(word) == [word] and _CYRILLIC.search(word):
                    guard = _AliasWord.of(word)
                    known = words_of.get((region.name, words[0]))
                    words_of[region.name, words[0]] = guard if known is None else known.merged(guard)
        for words, owners in claims.items():
            plain = [name for name, is_plain in owners.items() if is_plain]
            index.keys[words] = tuple(plain) if len(plain) == 1 else tuple(owners)
        # a macro-region's word names it, unless a region is called so plainly ("Алтай" without
        # its kind word is the Altai Republic's name but means the Altai Krai too)
        for names, subjects in MACRO_REGIONS.items():
            words = names.split()
            english = next(w for w in words if w.isascii())
            for word in words:
                key = (_place_stem(word),)
                if not any(claims.get(key, {}).values()):
                    index.keys[key] = subjects
                    index.names[key] = (words[0].capitalize(), english.capitalize())
        for name, words, full in with_kind:
            if index.keys[words] != (name,):
                index.keys.setdefault(full, (name,))
        for (name, word), guard in words_of.items():
            if index.keys[word,] == (name,):
                index.alias_words[word,] = guard
        for names, subjects in FEDERAL_DISTRICTS.items():
            ru, en = names[0], next(n for n in names if n.isascii())
            for name in names:
                words = tuple(_place_stem(w) for w in tokens(name) if w not in _PLACE_SKIP and len(w) > 1)
                index.keys[words] = subjects
                index.names[words] = (ru[0].upper() + ru[1:], en.title())
                index.alias_words.pop(words, None)
        index.longest = max(len(k) for k in index.keys)
        return index

    def find(self, text: str) -> list[PlaceMention]:
        raw = tokens(text)
        at = [j for j, w in enumerate(raw) if len(w) > 2]
        words = [raw[j] for j in at]
        stems = [self._stems_in_keys(w) for w in words]
        found: list[PlaceMention] = []
        i = 0
        while i < len(stems):
            if not stems[i]:  # a word in no key begins no mention
                i += 1
                continue
            mention = None
            for size in range(min(self.longest, len(stems) - i), 0, -1):
                for key in itertools.product(*stems[i : i + size]):  # (none when a word is in no key)
                    regions = self.keys.get(key)
                    guard = self.alias_words.get(key) if regions else None
                    if guard is not None and not guard.names_place(words[i], raw[at[i] - 1] if at[i] else ""):
                        continue
                    if regions:
                        mention = PlaceMention(key, regions, " ".join(words[i : i + size]), self.names.get(key))
                        break
                if mention is not None:
                    found.append(mention)
                    i += size
                    break
            else:
                i += 1
        return found

    def _stems_in_keys(self, word: str) -> tuple[str, ...]:
        known = self._word_stems.get(word)
        if known is None:
            if self._key_words is None:
                self._key_words = frozenset(w for key in self.keys for w in key)
            known = tuple(s for s in _place_stems(word) if s in self._key_words)
            if len(self._word_stems) >= WORD_STEMS_KEPT:
                self._word_stems.clear()
            self._word_stems[word] = known
        return known


@lru_cache(maxsize=65536)
def _place_stems(word: str) -> tuple[str, ...]:
    """The stems a word of a text may be a place name's by, the likeliest first: its place
    stem, those of its other dictionary forms ("Сергиевом" is "Сергиево"'s and "Сергиев"'s),
    and for a word the dictionary doesn't hold, whose dictionary form is a guess, its own
    ("Кудрове")."""
    found = [_place_stem(word)]
    held = readings(word)
    for candidate in [stem(r.lemma) for r in held] if held else [stem(word)]:
        if candidate not in found:
            found.append(candidate)
    return tuple(found)


@lru_cache(maxsize=65536)
def _place_stem(word: str) -> str:
    """The stem of a place name's dictionary form: "Татарстане" and "Татарстан" alike
    (Snowball alone stems them differently); of its form as a place, where the dictionary has
    one ("Ефремов" the town, not "Ефрем" the name)."""
    place = next((r.lemma for r in readings(word) if "Geox" in r.grammemes), None)
    return stem(place if place is not None else lemma(word))


_places: PlaceIndex | None = None


def places() -> PlaceIndex:
    global _places
    if _places is None:
        _places = PlaceIndex.build(load_regions())
    return _places


def place_of_adjective(word: str) -> tuple[str, ...]:
    """The subjects a place adjective names ("воронежский", "нижнекамский", "казанский" → their
    regions), by its stem and the stem without the adjective's "-(ь)ск-"; () if none."""
    index = places()
    for st in _place_stems(word):
        for candidate in (st, st.removesuffix("ск"), st.removesuffix("ьск"), st.removesuffix("ск") + "ь"):
            regions = index.keys.get((candidate,))
            if regions:
                return regions
    return ()


def lemmas_of(text: str) -> list[str]:
    return [lemma(w) for w in tokens(fold(text))]
