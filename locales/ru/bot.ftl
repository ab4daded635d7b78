# Главное меню и общие кнопки
start-greeting =
    Здравствуйте, { $name }! 👋
    Я помощник по промышленным кластерам химического комплекса России.

    Расскажу, какие кластеры есть и что они выпускают, какие меры господдержки получают участники, и помогу подать заявку на вступление.
    Выберите раздел или просто задайте вопрос своими словами.
menu-title = Главное меню. Выберите раздел или задайте вопрос.
menu-clusters = 🏭 Кластеры
menu-measures = 💰 Меры поддержки
menu-ask = ❓ Задать вопрос
menu-join = 📝 Вступить в кластер
menu-language = 🌐 Язык
menu-help = ℹ️ Помощь
btn-menu = ☰ Меню
btn-back = ← Назад
btn-prev = ← Пред.
btn-next = След. →
btn-join = 📝 Подать заявку на вступление
help-text =
    <b>Что я умею</b>
    • <b>Кластеры</b> — список кластеров с фильтрами по статусу и региону, карточка каждого: продукция, регионы, участники, источник.
    • <b>Меры поддержки</b> — субсидии, льготы по взносам, займы и другие меры: кто может получить, условия, как подать.
    • <b>Вопрос своими словами</b> — например: «кто выпускает шины», «субсидии участникам кластера», «как вступить».
    • <b>Вступить в кластер</b> — заявка на вступление.

    Команды: /menu — меню, /clusters — кластеры, /support — меры поддержки, /join — вступить, /applications — мои заявки, /privacy — мои данные и согласие, /language — язык, /help — эта справка.
    Под каждым ответом указан источник и дата, на которую верны сведения.
ask-prompt =
    Напишите вопрос своими словами, например:
    • кто выпускает шины
    • растворители
    • субсидии участникам кластера
    • как вступить в кластер
unknown-command = Такой команды нет. Откройте меню или задайте вопрос текстом.
only-text = Я понимаю только текст 🙂 Напишите вопрос словами или откройте меню.
error-outdated = Эта кнопка устарела. Откройте меню заново.
question-too-long = Вопрос слишком длинный: не больше { $limit } { $limit ->
        [one] символа
       *[other] символов
    }. Сформулируйте короче, пожалуйста.

# Язык
language-choose = Выберите язык / Choose your language:
language-set = Язык: русский.

# Карточки
source-line = <i>Источник: { $source } · сведения на { $date }</i>
fallback-note = <i>Перевода пока нет — показан текст на русском.</i>
status-active = действующий
status-creating = создаётся
cluster-accepts = принимает заявки
field-products = <b>Продукция:</b> { $value }
field-regions = <b>Регионы:</b> { $value }
field-participants = <b>Участники:</b> { $value }
field-organization = <b>Специализированная организация:</b> { $value }
field-eligibility = <b>Кто может получить:</b> { $value }
field-terms = <b>Размер и условия:</b> { $value }
field-legal-basis = <b>Основание:</b> { $value }
field-how-to-apply = <b>Как получить:</b> { $value }
field-link = <a href="{ $url }">Подробнее</a>
measure-kind-subsidy = Субсидии
measure-kind-tax = Налоги и взносы
measure-kind-loan = Займы
measure-kind-other = Другие меры

# Списки
clusters-title =
    <b>Промышленные кластеры химического комплекса</b>: { $count ->
        [one] { $count } кластер
        [few] { $count } кластера
       *[many] { $count } кластеров
    }
clusters-filters = Фильтр: { $filters }
clusters-none = По этому фильтру кластеров нет.
page-of = Страница { $page } из { $pages }
filter-all = Все
filter-region = 📍 Регион
filter-region-set = 📍 { $region }
filter-any-region = Любой регион
region-choose = Выберите регион:
measures-title =
    <b>Меры государственной поддержки</b>: { $count ->
        [one] { $count } мера
        [few] { $count } меры
       *[many] { $count } мер
    }. Выберите вид:


# Ответы на вопросы
answer-others = Возможно, вам будет полезно и это:
answer-unknown =
    Не нашёл точного ответа на этот вопрос — не хочу угадывать.
    Я знаю о промышленных кластерах химического комплекса, их продукции и регионах, о мерах господдержки участникам (субсидии, взносы, займы) и о порядке вступления.
    Попробуйте переформулировать или выберите раздел в меню.
smalltalk-greeting = Здравствуйте! Чем могу помочь? Задайте вопрос своими словами или выберите раздел.
smalltalk-thanks = Пожалуйста! Если появятся ещё вопросы — пишите.
answer-maybe = Может быть, вас интересует:

# Команды в меню Telegram
cmd-start = Начать
cmd-menu = Главное меню
cmd-clusters = Кластеры
cmd-support = Меры поддержки
cmd-join = Вступить в кластер
cmd-language = Язык
cmd-help = Помощь

# Терминальный чат
console-banner = Терминальный чат с ботом. Пишите сообщения; номер кнопки — нажать её; Ctrl-D — выход.
console-edited = (сообщение изменено)
console-document = [файл: { $name }, { $size } { $size ->
        [few] байта
       *[other] байт
    }, сохранён в { $path }]
console-buttons = Кнопки:

# ---- Вступление в кластер -----------------------------------------------------------------------
menu-myapps = 📋 Мои заявки
nothing-to-cancel = Сейчас нечего отменять.
btn-cancel = ✖ Отмена
btn-skip = Пропустить →
btn-send = 📨 Отправить заявку
btn-consent = ✅ Я согласен(на)
btn-continue = ▶️ Продолжить заявку
btn-restart = 🔄 Начать сначала
btn-region-list = 📋 Выбрать из списка
btn-share-phone = 📱 Отправить мой номер
btn-answer = ✍️ Ответить
btn-write-staff = ✍️ Написать сотрудникам
btn-ask-person = 🙋 Спросить сотрудника
btn-export = 📥 Выгрузить XLSX и CSV
join-intro = <b>Заявка на вступление в кластер</b>. Это займёт несколько минут; на любом шаге можно вернуться назад или отменить.
join-step = <i>Шаг { $step } из { $total }</i>
join-ask-cluster = В какой кластер вы хотите вступить? Сейчас заявки принимает:
join-ask-org-name =
    Как называется организация? Напишите так, как в документах.
    Например: <code>ООО «Химпром»</code>
join-ask-inn =
    ИНН организации: 10 цифр (юрлицо) или 12 цифр (ИП).
    Например: <code>7707083893</code>
join-ask-ogrn =
    ОГРН (13 цифр) или ОГРНИП (15 цифр). Можно пропустить.
    Например: <code>1027700132195</code>
join-ask-region =
    В каком регионе работает предприятие? Напишите название, например: <code>Омская область</code>, <code>Татарстан</code> или <code>Москва</code>.
join-ask-products =
    Что производит предприятие и чего вы ждёте от участия в кластере?
    Например: <code>Производим растворители и реактивы, ищем партнёров и субсидию на оборудование</code>
join-ask-okved =
    Коды ОКВЭД 2 основной деятельности, через запятую. Можно пропустить.
    Например: <code>20.14, 20.59</code>
join-ask-contact =
    Контактное лицо: фамилия, имя, должность.
    Например: <code>Иванова Мария, главный технолог</code>
join-ask-phone =
    Телефон для связи. Нажмите «📱 Отправить мой номер» внизу или напишите номер.
    Например: <code>+7 912 345-67-89</code>
join-ask-email =
    Электронная почта для связи.
    Например: <code>info@himprom.ru</code>
join-ask-comment = Комментарий для сотрудников ассоциации — если хотите что-то добавить. Можно пропустить.
join-phone-saved = Телефон: { $phone } ✓
join-region-confirm = Это { $region }? Нажмите, чтобы подтвердить, или выберите другой вариант.
join-region-choose = Уточните регион — выберите из вариантов:
join-region-list = Выберите регион (страница { $page } из { $pages }):
join-summary-title = <b>Проверьте заявку</b>
join-summary-hint = Всё верно? Нажмите «Отправить». Чтобы исправить поле, нажмите на него.
join-cancelled = Заявка отменена. Данные не сохранены.
join-unfinished = У вас есть незаконченная заявка. Продолжить её или начать сначала?
join-help = Вы заполняете заявку на вступление в кластер. Ответьте на вопрос ниже, «← Назад» — предыдущий шаг, /cancel — отменить заявку.
join-finish-first = Сначала закончите заявку или отмените её командой /cancel.
join-cluster-closed = Этот кластер больше не принимает заявки через бота. Выберите другой — остальные ответы сохранены.
join-none-accepting = Сейчас ни один кластер не принимает заявки через бота. Загляните позже или задайте вопрос.
join-link-unknown = Ссылка устарела или кластер сейчас не принимает заявки. Откройте меню, чтобы выбрать кластер.
join-duplicate =
    По этому ИНН уже есть открытая заявка в этот кластер: № { $number }, статус: { $status }.
    Следить за ней можно в разделе «Мои заявки».
join-sent =
    ✅ Заявка <b>№ { $number }</b> отправлена.
    Сотрудники ассоциации рассмотрят её и напишут вам здесь; если понадобятся уточнения, бот пришлёт вопрос. Статус — в разделе «Мои заявки» (/applications).
consent-version = 2026-11-26.2
consent-text =
    <b>Согласие на обработку персональных данных</b> (редакция { $version })

    Нажимая «Я согласен(на)», я свободно, своей волей и в своём интересе даю согласие Ассоциации кластеров, технопарков и ОЭЗ России (АКИТ РФ) на обработку моих персональных данных: фамилии, имени, должности, номера телефона, адреса электронной почты и идентификатора в Telegram, — а также сведений об организации, указанных в заявке.

    Цель обработки: рассмотрение заявки на вступление в промышленный кластер и связь со мной по этой заявке. Действия: сбор, запись, систематизация, хранение, уточнение, использование, передача специализированной организации кластера и в Минпромторг России в рамках рассмотрения заявки, удаление.

    Согласие действует до достижения цели обработки и может быть отозвано в любой момент командой /privacy в этом боте (персональные данные будут удалены, открытые заявки — отозваны) или письменным обращением к АКИТ РФ (152-ФЗ, ст. 9).
field-cluster-label = Кластер
field-org-name-label = Организация
field-inn-label = ИНН
field-ogrn-label = ОГРН/ОГРНИП
field-region-label = Регион
field-products-label = Продукция и интерес
field-okved-label = ОКВЭД
field-contact-label = Контактное лицо
field-phone-label = Телефон
field-email-label = E-mail
field-comment-label = Комментарий

# Ошибки ввода
err-need-text = Здесь нужен текст — напишите ответ словами.
err-need-text-or-contact = Нужен номер телефона: нажмите «📱 Отправить мой номер» или напишите номер.
err-phone-not-own = Отправьте, пожалуйста, свой номер — кнопкой внизу или текстом.
err-use-buttons = Выберите вариант кнопкой ниже.
err-missing = В заявке не хватает данных — заполните этот шаг.
err-text-too-long = Слишком длинный текст: не больше { $limit } { $limit ->
        [one] символа
       *[other] символов
    }.
err-text-too-short = Слишком коротко: нужно хотя бы { $limit } { $limit ->
        [one] символ
        [few] символа
       *[many] символов
    }.
err-name-too-short = Название слишком короткое — напишите полное название организации.
err-name-too-long = Название длиннее { $limit } символов ({ $length }). Сократите его, пожалуйста.
err-name-control-chars = В названии есть служебный символ ({ $char }). Напишите название обычным текстом.
err-inn-not-digits = ИНН состоит только из цифр.
err-inn-length = В ИНН должно быть 10 цифр (юрлицо) или 12 (ИП), а сейчас { $length }.
err-inn-checksum = Такого ИНН не бывает: не сходятся контрольные цифры. Проверьте, нет ли опечатки.
err-ogrn-not-digits = ОГРН состоит только из цифр.
err-ogrn-length = В ОГРН 13 цифр, в ОГРНИП 15, а сейчас { $length }.
err-ogrn-checksum = Не сходится контрольная цифра ОГРН — проверьте номер.
err-ogrn-prefix = Номер начинается с { $first_digit }: так начинаются номера записей об изменениях. Нужен основной ОГРН (начинается с 1 или 5) или ОГРНИП (с 3).
err-phone-invalid = Не похоже на номер телефона. Напишите его с кодом, например +7 912 345-67-89.
err-email-invalid = Не похоже на адрес электронной почты. Пример: info@himprom.ru
err-okved-invalid = «{ $value }» — не код ОКВЭД 2. Коды выглядят так: 20, 20.1, 20.14, 20.14.1.
err-region-unknown = Не нашёл такой регион. Напишите название иначе или выберите из списка.

# Заявки: статусы и сообщения заявителю
app-status-new = новая
app-status-in_review = на рассмотрении
app-status-info_requested = нужна информация
app-status-accepted = принята
app-status-rejected = отклонена
applicant-in-review = 🔎 Заявку № { $number } взяли на рассмотрение. Мы напишем, когда будет решение.
applicant-accepted = ✅ Заявка № { $number } принята. Сотрудники ассоциации свяжутся с вами по указанным контактам.
applicant-rejected =
    ❌ Заявка № { $number } отклонена.
    Причина: { $reason }
applicant-info-requested =
    ❓ По заявке № { $number } сотрудникам нужна дополнительная информация:
    { $question }

    Нажмите «Ответить» или ответьте на это сообщение.
applicant-staff-message =
    💬 Сообщение по заявке № { $number }:
    { $text }
applicant-answer-prompt = Напишите ответ по заявке № { $number } одним сообщением.
applicant-answer-sent = Передал ваш ответ по заявке № { $number } сотрудникам.
applicant-closed = По заявке № { $number } уже принято решение; если есть вопрос — задайте его, и я передам его сотруднику.
myapps-empty = У вас пока нет заявок. Подать заявку — кнопка «Вступить в кластер» в меню.
myapps-title = <b>Ваши заявки</b>
myapp-title = <b>Заявка № { $number }</b>
myapp-org = Организация: { $value }
myapp-messages = <b>Переписка:</b>
myapp-from-staff = сотрудник
myapp-from-you = вы

# Вопросы сотруднику
handoff-ask-text = Напишите вопрос одним сообщением — я передам его сотрудникам ассоциации.
handoff-sent = 🙋 Передал ваш вопрос сотрудникам ассоциации: «{ $text }». Ответ придёт сюда.
handoff-answer =
    💬 Ответ сотрудника ассоциации:
    { $text }
handoff-followup-prompt = Напишите уточнение одним сообщением.
handoff-followup-sent = Передал ваше сообщение сотрудникам.

# Группа сотрудников
card-title = 📝 <b>Заявка № { $number }</b> — { $cluster }
card-status = Статус: { $status }
card-org = <b>Организация:</b> { $value }
card-inn = <b>ИНН:</b> { $value }
card-ogrn = <b>ОГРН:</b> { $value }
card-region = <b>Регион:</b> { $value }
card-products = <b>Продукция и интерес:</b> { $value }
card-okved = <b>ОКВЭД:</b> { $value }
card-contact = <b>Контактное лицо:</b> { $value }
card-phone = <b>Телефон:</b> { $value }
card-email = <b>E-mail:</b> { $value }
card-comment = <b>Комментарий:</b> { $value }
card-applicant = <b>Заявитель:</b> { $user } · язык: { $lang }
card-campaign = <b>Кампания:</b> { $value }
card-created = <b>Подана:</b> { $value }
staff-btn-take = 🔎 Взять
staff-btn-accept = ✅ Принять
staff-btn-reject = ❌ Отклонить
staff-btn-info = ❓ Запросить информацию
staff-only = Это могут делать только сотрудники ассоциации.
staff-already = Заявка № { $number } уже в статусе «{ $status }».
staff-done = Заявка № { $number }: { $status }.
staff-ask-reason = { $user }, напишите причину отказа по заявке № { $number } ответом на это сообщение. /cancel — передумали.
staff-ask-question = { $user }, какую информацию запросить по заявке № { $number }? Напишите ответом на это сообщение. /cancel — передумали.
staff-cancelled = Отменено.
staff-need-text = Нужен текст.
staff-applicant-wrote =
    💬 Заявитель по заявке № { $number }:
    { $text }
staff-relayed-app = Передал заявителю (№ { $number }).
staff-relayed-handoff = Передал пользователю (вопрос № { $id }).
staff-user-followup =
    💬 Уточнение пользователя (вопрос № { $id }):
    { $text }
handoff-card-title = 🙋 <b>Вопрос № { $id } для сотрудника</b>
handoff-card-found = <i>Бот нашёл: { $value }</i>
handoff-card-hint = Ответьте на это сообщение (Reply) — ответ уйдёт пользователю.
admin-staff-unreachable = ⚠️ Не могу писать в группу сотрудников ({ $chat }): { $reason }. Карточки заявок ждут в очереди и уйдут, как только доступ появится. Проверьте STAFF_CHAT_ID и права бота в группе.

# Выгрузка
export-title = <b>Выгрузка заявок</b>: выберите статус, кластер и период, затем «Выгрузить». Свой период: <code>/export 2026-01-01 2026-03-31</code>.
export-any-cluster = Все кластеры
export-all-time = Всё время
export-days = { $days } дн.
export-sheet = Заявки
export-caption = Заявок в выгрузке: { $count }
export-col-number = Номер
export-col-created-at = Подана (UTC)
export-col-status = Статус
export-col-cluster = Кластер
export-col-org-name = Организация
export-col-inn = ИНН
export-col-ogrn = ОГРН/ОГРНИП
export-col-region = Регион
export-col-products = Продукция и интерес
export-col-okved = ОКВЭД
export-col-contact-name = Контактное лицо
export-col-phone = Телефон
export-col-email = E-mail
export-col-comment = Комментарий
export-col-language = Язык
export-col-campaign = Кампания
export-col-username = Telegram
export-col-assignee-name = Ответственный
export-col-consent-version = Редакция согласия
export-col-consent-at = Согласие дано (UTC)
cmd-applications = Мои заявки
cmd-cancel = Отменить действие
chat-id = ID этого чата: <code>{ $id }</code> — для настройки STAFF_CHAT_ID.
export-range-help = Период пишите так: <code>/export 2026-01-01 2026-03-31</code> (обе даты включительно) или просто /export — для выбора кнопками.

# ---- Рассылки (приглашения) ---------------------------------------------------------------------
menu-broadcast = 📣 Рассылки
admins-only = Это доступно только администраторам.
subscribed = ✅ Вы подписаны на новости и приглашения. Отписаться: /unsubscribe
unsubscribed = Вы отписались от рассылок. Вернуться: /subscribe
btn-subscribe = 🔔 Подписаться снова
campaign-btn-join = 📝 Подать заявку на вступление
campaign-btn-unsubscribe = 🔕 Отписаться от рассылок
compose-send-message = Пришлите сообщение рассылки ровно таким, каким его должны получить: текст с оформлением, фото или документ с подписью. /cancel — отмена.
compose-unsupported = Такое сообщение разослать нельзя. Пришлите текст, фото, видео или документ.
compose-media = [медиа без подписи]
compose-options = Кнопки под сообщением (по желанию):
compose-join-button = «Подать заявку» — { $cluster }
compose-unsub-button = «Отписаться»
compose-next = Далее: получатели →
compose-audience = Кому отправить?
compose-audience-value = Уточните:
audience-all = Все подписчики
audience-language = По языку
audience-region = По региону заявки
audience-cluster = По кластеру заявки
audience-status = Заявители по статусу
audience-never-applied = Кто не подавал заявок
audience-empty-choice = Вариантов пока нет: заявок ещё не было.
compose-summary = <b>Рассылка готова</b>
compose-audience-line = Получатели: { $audience }
compose-count = Получателей сейчас: <b>{ $count }</b>
compose-send-at = Отправка: { $when } (по Москве)
compose-preview = 👁 Предпросмотр
compose-send-now = 🚀 Отправить сейчас
compose-confirm-schedule = ✅ Подтвердить отложенную отправку
compose-schedule = 🕒 Отправить позже
compose-edit = ✏️ Изменить сообщение
compose-ask-time = Когда отправить? Напишите дату и время по Москве: <code>2026-12-01 10:00</code>
compose-bad-time = Не понял время. Формат: <code>2026-12-01 10:00</code> (по Москве).
compose-past-time = Это время уже прошло — укажите время в будущем.
compose-cancelled = Рассылка отменена.
compose-empty = В этой аудитории сейчас нет ни одного получателя: выберите другую (← Назад) или отмените рассылку.
compose-started = 🚀 Рассылка № { $id } запущена: { $count } { $count ->
        [one] получатель
        [few] получателя
       *[many] получателей
    }. Прогресс — в следующем сообщении.
compose-scheduled = 🕒 Рассылка № { $id } запланирована на { $when } (по Москве): { $count } { $count ->
        [one] получатель
        [few] получателя
       *[many] получателей
    }.
campaign-status-draft = черновик
campaign-status-scheduled = запланирована
campaign-status-running = идёт
campaign-status-paused = на паузе
campaign-status-cancelled = отменена
campaign-status-done = завершена
campaign-progress =
    📣 <b>Рассылка № { $id }</b> — { $status }
    { $bar } { $percent }%
    Доставлено: { $sent } · заблокировали: { $blocked } · ошибки: { $failed }{ $skipped ->
        [0] {""}
       *[other] {" · "}отписались: { $skipped }
    } · осталось: { $left } из { $total }
    Скорость: { $rate }/с · осталось примерно { $eta }
campaign-btn-pause = ⏸ Пауза
campaign-btn-resume = ▶️ Продолжить
campaign-btn-cancel = ⏹ Остановить
campaign-pause-ok = Рассылка на паузе.
campaign-pause-no = Эту рассылку нельзя поставить на паузу.
campaign-resume-ok = Рассылка продолжается.
campaign-resume-no = Эту рассылку нельзя продолжить.
campaign-cancel-ok = Рассылка остановлена.
campaign-cancel-no = Эту рассылку уже нельзя остановить.
campaign-report =
    ✅ <b>Рассылка № { $id } завершена.</b>
    Доставлено: { $sent } из { $total } · заблокировали бота: { $blocked } · ошибки: { $failed }{ $skipped ->
        [0] {""}
       *[other] {" · "}отписались до отправки: { $skipped }
    }
campaign-failures-caption = Недоставленные: { $count }
campaigns-empty = Рассылок ещё не было. Новая — /broadcast
campaigns-title = <b>Рассылки</b>
campaigns-line =
    <b>№ { $id }</b> · { $status } · { $date }
    { $summary }
    доставлено { $sent }, заблокировали { $blocked }, ошибки { $failed }{ $skipped ->
        [0] {""}
       *[other] {", "}отписались { $skipped }
    }, осталось { $left } из { $total } · заявок по ссылке: { $applied }
cmd-unsubscribe = Отписаться от рассылок
cmd-subscribe = Подписаться на рассылки

# ---- Персональные данные (/privacy) -------------------------------------------------------------
menu-privacy = 🔐 Мои данные
cmd-privacy = Мои данные и согласие
app-status-withdrawn = отозвана
erased-marker = [удалено]
card-erased = 🔒 <b>Персональные данные заявителя удалены</b> { $value } (отзыв согласия).
myapp-erased = 🔒 Ваши контактные данные и сообщения в этой заявке удалены { $date }.
applicant-withdrawn = Заявка № { $number } отозвана вместе с согласием на обработку персональных данных. Чтобы снова обратиться в ассоциацию, подайте новую заявку.
privacy-title = 🔐 <b>Ваши данные в боте</b>
privacy-profile = <b>Профиль</b>
privacy-name = Имя: { $value }
privacy-language = Язык: { $value }
privacy-language-name = русский
privacy-subscribed = Рассылки: вы подписаны на новости и приглашения
privacy-unsubscribed = Рассылки: вы отписаны
privacy-applications = <b>Заявки</b>: { $count }
privacy-app-consent = согласие в редакции { $version } дано { $date }
privacy-app-erased = персональные данные удалены { $date }
privacy-more = …и ещё { $count }
privacy-questions = <b>Вопросов в журнале</b>: { $count }
privacy-handoffs = <b>Вопросов сотрудникам</b>: { $count }{ $open ->
        [0] {""}
       *[other] , из них ждут ответа: { $open }
    }
privacy-withdrawn-at = Согласие на обработку персональных данных отозвано { $date }.
privacy-hint = «Скачать мои данные» — файл со всем, что бот о вас хранит. Отзыв согласия удаляет ваши контактные данные из заявок, журнал ваших вопросов и имя в профиле, а также отписывает от рассылок; сведения о предприятии, номера и статусы заявок остаются у ассоциации.
privacy-btn-download = 📥 Скачать мои данные
privacy-btn-unsubscribe = 🔕 Отписаться от рассылок
privacy-btn-subscribe = 🔔 Подписаться на рассылки
privacy-btn-withdraw = 🗑 Отозвать согласие и удалить данные
privacy-btn-confirm = ✅ Да, отозвать и удалить
privacy-subscribed-now = Вы подписаны на рассылки.
privacy-unsubscribed-now = Вы отписались от рассылок.
privacy-download-wait = Готовлю файл…
privacy-download-caption = Всё, что бот хранит о вас, — в формате JSON (UTF-8).
privacy-confirm =
    ⚠️ <b>Отозвать согласие на обработку персональных данных?</b>

    Будет удалено:
    • во всех ваших заявках — контактное лицо, телефон, e-mail, комментарий, ваше имя в Telegram и ваши сообщения сотрудникам;
    • журнал ваших вопросов и вопросы, переданные сотрудникам;
    • имя в профиле бота и незаконченная заявка, если вы её заполняете.
    Вы будете отписаны от рассылок.

    Останутся сведения о предприятии (название, ИНН/ОГРН, регион, кластер, продукция, ОКВЭД), номера и статусы заявок и история их рассмотрения — они нужны ассоциации для учёта.
privacy-confirm-open = Будет отозвано открытых заявок: { $count }.
privacy-confirm-staff = Сотрудники ассоциации получат уведомление об удалении данных.
privacy-confirm-final = Это действие нельзя отменить. Новую заявку можно подать в любой момент — согласие спросим заново.
privacy-done = ✅ Согласие отозвано, персональные данные удалены.
privacy-done-apps = Заявок с удалёнными данными: { $erased }, из них отозвано: { $withdrawn }.
privacy-done-questions = Удалено вопросов: { $count }.
privacy-done-staff = Сотрудники ассоциации уведомлены.
privacy-done-footer = Вы отписаны от рассылок. Подать новую заявку можно в любой момент — кнопка «Вступить в кластер» в меню.
privacy-dialogue-closed = Незаконченная заявка удалена.
staff-app-withdrawn = ↩️ Заявка № { $number } отозвана: заявитель отозвал согласие на обработку персональных данных. Его контактные данные и сообщения удалены.
staff-app-erased = 🔒 Заявитель по заявке № { $number } отозвал согласие на обработку персональных данных. Его контактные данные и сообщения удалены; статус заявки не изменился.
staff-message-erased = 💬 Сообщение удалено: пользователь отозвал согласие на обработку персональных данных.
staff-handoff-erased = 🙋 Вопрос № { $id }: пользователь отозвал согласие на обработку персональных данных; вопрос и сведения о пользователе удалены.
staff-app-erased-no-relay = Заявитель по заявке № { $number } отозвал согласие на обработку персональных данных — передать сообщение нельзя.

## issue 8: errors and limits (every update answered, every failure told)
error-try-again = ⚠️ Что-то пошло не так. Попробуйте, пожалуйста, ещё раз.
error-save-failed = ⚠️ Не удалось сохранить, попробуйте через минуту ещё раз. Всё, что было сохранено раньше, на месте.
join-sent-toast = ✅ Заявка № { $number } отправлена.
