# Main menu and common buttons
start-greeting =
    Hello, { $name }! 👋
    I am an assistant for the industrial clusters of Russia's chemical complex.

    I can tell you which clusters exist and what they make, what state support their members get, and help you apply to join.
    Pick a section or just ask a question in your own words.
menu-title = Main menu. Pick a section or ask a question.
menu-clusters = 🏭 Clusters
menu-measures = 💰 Support measures
menu-ask = ❓ Ask a question
menu-join = 📝 Join a cluster
menu-language = 🌐 Language
menu-help = ℹ️ Help
btn-menu = ☰ Menu
btn-back = ← Back
btn-prev = ← Prev
btn-next = Next →
btn-join = 📝 Apply to join
help-text =
    <b>What I can do</b>
    • <b>Clusters</b> — the list with status and region filters, and a card for each: products, regions, participants, source.
    • <b>Support measures</b> — subsidies, reduced contributions, loans and other measures: who is eligible, terms, how to apply.
    • <b>A question in your own words</b> — e.g. "who makes tyres", "subsidies for cluster members", "how to join".
    • <b>Join a cluster</b> — an application to join.

    Commands: /menu — menu, /clusters — clusters, /support — support measures, /join — join, /applications — my applications, /privacy — my data and consent, /language — language, /help — this help.
    Every answer shows its source and the date its facts are valid for.
ask-prompt =
    Type your question in your own words, for example:
    • who makes tyres
    • solvents
    • subsidies for cluster members
    • how to join a cluster
unknown-command = There is no such command. Open the menu or ask a question in words.
only-text = I only understand text 🙂 Type your question or open the menu.
error-outdated = This button is out of date. Please open the menu again.
question-too-long = The question is too long: at most { $limit } characters, please.

# Language
language-choose = Выберите язык / Choose your language:
language-set = Language: English.

# Cards
source-line = <i>Source: { $source } · as of { $date }</i>
fallback-note = <i>No English translation yet — the Russian text is shown.</i>
status-active = active
status-creating = being created
cluster-accepts = accepts applications
field-products = <b>Products:</b> { $value }
field-regions = <b>Regions:</b> { $value }
field-participants = <b>Participants:</b> { $value }
field-organization = <b>Specialized organization:</b> { $value }
field-eligibility = <b>Who is eligible:</b> { $value }
field-terms = <b>Amounts and terms:</b> { $value }
field-legal-basis = <b>Legal basis:</b> { $value }
field-how-to-apply = <b>How to apply:</b> { $value }
field-link = <a href="{ $url }">More</a>
measure-kind-subsidy = Subsidies
measure-kind-tax = Taxes and contributions
measure-kind-loan = Loans
measure-kind-other = Other measures

# Lists
clusters-title =
    <b>Industrial clusters of the chemical complex</b>: { $count ->
        [one] { $count } cluster
       *[other] { $count } clusters
    }
clusters-filters = Filter: { $filters }
clusters-none = No clusters match this filter.
page-of = Page { $page } of { $pages }
filter-all = All
filter-region = 📍 Region
filter-region-set = 📍 { $region }
filter-any-region = Any region
region-choose = Choose a region:
measures-title =
    <b>State support measures</b>: { $count ->
        [one] { $count } measure
       *[other] { $count } measures
    }. Choose a kind:


# Answers
answer-others = You may also find these useful:
answer-unknown =
    I couldn't find a reliable answer to that — and I'd rather not guess.
    I know about the industrial clusters of the chemical complex, their products and regions, state support for members (subsidies, contributions, loans) and how to join.
    Try rephrasing, or pick a section in the menu.
smalltalk-greeting = Hello! How can I help? Ask a question in your own words or pick a section.
smalltalk-thanks = You're welcome! Write any time you have another question.
answer-maybe = Perhaps you mean:

# Telegram command menu
cmd-start = Start
cmd-menu = Main menu
cmd-clusters = Clusters
cmd-support = Support measures
cmd-join = Join a cluster
cmd-language = Language
cmd-help = Help

# Terminal chat
console-banner = Terminal chat with the bot. Type messages; a button's number presses it; Ctrl-D quits.
console-edited = (message edited)
console-document = [file: { $name }, { $size } bytes, saved to { $path }]
console-buttons = Buttons:

# ---- Joining a cluster ------------------------------------------------------------------------
menu-myapps = 📋 My applications
nothing-to-cancel = There is nothing to cancel.
btn-cancel = ✖ Cancel
btn-skip = Skip →
btn-send = 📨 Send the application
btn-consent = ✅ I agree
btn-continue = ▶️ Continue the application
btn-restart = 🔄 Start over
btn-region-list = 📋 Choose from the list
btn-share-phone = 📱 Share my number
btn-answer = ✍️ Reply
btn-write-staff = ✍️ Write to the staff
btn-ask-person = 🙋 Ask a person
btn-export = 📥 Export XLSX and CSV
join-intro = <b>Application to join a cluster</b>. It takes a few minutes; at any step you can go back or cancel.
join-step = <i>Step { $step } of { $total }</i>
join-ask-cluster = Which cluster would you like to join? Accepting applications now:
join-ask-org-name =
    What is the organization's name? Write it as in its documents.
    For example: <code>Khimprom LLC</code>
join-ask-inn =
    The organization's INN (taxpayer number): 10 digits (company) or 12 digits (sole proprietor).
    For example: <code>7707083893</code>
join-ask-ogrn =
    OGRN (13 digits) or OGRNIP (15 digits). You may skip this.
    For example: <code>1027700132195</code>
join-ask-region =
    Which region does the enterprise work in? Type its name, for example <code>Omsk Oblast</code>, <code>Tatarstan</code> or <code>Moscow</code>.
join-ask-products =
    What does the enterprise make, and what do you expect from the cluster?
    For example: <code>We make solvents and reagents and look for partners and an equipment subsidy</code>
join-ask-okved =
    OKVED 2 codes of the main activity, comma-separated. You may skip this.
    For example: <code>20.14, 20.59</code>
join-ask-contact =
    Contact person: name and position.
    For example: <code>Maria Ivanova, chief technologist</code>
join-ask-phone =
    A phone number to reach you. Press "📱 Share my number" below or type the number.
    For example: <code>+7 912 345-67-89</code>
join-ask-email =
    An e-mail address to reach you.
    For example: <code>info@khimprom.ru</code>
join-ask-comment = A comment for the association's staff, if you'd like to add something. You may skip this.
join-phone-saved = Phone: { $phone } ✓
join-region-confirm = Is it { $region }? Press it to confirm, or choose another option.
join-region-choose = Please pick the region:
join-region-list = Choose the region (page { $page } of { $pages }):
join-summary-title = <b>Check your application</b>
join-summary-hint = All correct? Press "Send". To fix a field, press it.
join-cancelled = The application is cancelled. Nothing was saved.
join-unfinished = You have an unfinished application. Continue it or start over?
join-help = You are filling in an application to join a cluster. Answer the question below; "← Back" goes to the previous step, /cancel cancels the application.
join-finish-first = Please finish the application first, or cancel it with /cancel.
join-cluster-closed = This cluster no longer takes applications through the bot. Choose another one; your other answers are kept.
join-none-accepting = No cluster accepts applications through the bot right now. Please check later or ask a question.
join-link-unknown = The link is out of date or the cluster doesn't accept applications now. Open the menu to choose a cluster.
join-sent =
    ✅ Application <b>No. { $number }</b> is sent.
    The association's staff will review it and write to you here; if they need details, the bot will bring you their question. See the status under "My applications" (/applications).
consent-version = 2026-11-26.2
consent-text =
    <b>Consent to the processing of personal data</b> (version { $version })

    By pressing "I agree" I freely, of my own will and in my own interest, consent to the Association of Clusters, Technoparks and SEZ of Russia (AKIT RF) processing my personal data — surname, name, position, phone number, e-mail address and Telegram identifier — and the details of the organization given in the application.

    Purpose: reviewing the application to join an industrial cluster and contacting me about it. Actions: collection, recording, systematization, storage, clarification, use, transfer to the cluster's specialized organization and to the Ministry of Industry and Trade of Russia for reviewing the application, deletion.

    The consent is valid until the purpose is achieved and may be withdrawn at any time with the /privacy command in this bot (the personal data is then erased and open applications withdrawn) or by writing to AKIT RF (Federal Law 152-FZ, Art. 9).
field-cluster-label = Cluster
field-org-name-label = Organization
field-inn-label = INN
field-ogrn-label = OGRN/OGRNIP
field-region-label = Region
field-products-label = Products and interest
field-okved-label = OKVED
field-contact-label = Contact person
field-phone-label = Phone
field-email-label = E-mail
field-comment-label = Comment

# Input errors
err-need-text = Please answer with text.
err-need-text-or-contact = A phone number is needed: press "📱 Share my number" or type the number.
err-phone-not-own = Please share your own number — with the button below or as text.
err-use-buttons = Please choose with the buttons below.
err-missing = The application is missing something — please fill in this step.
err-text-too-long = The text is too long: at most { $limit } characters.
err-text-too-short = Too short: at least { $limit } characters, please.
err-name-too-short = The name is too short — please write the organization's full name.
err-name-too-long = The name is longer than { $limit } characters ({ $length }). Please shorten it.
err-name-control-chars = The name contains a control character ({ $char }). Please type it as plain text.
err-inn-not-digits = An INN consists of digits only.
err-inn-length = An INN has 10 digits (company) or 12 (sole proprietor); this one has { $length }.
err-inn-checksum = This INN can't exist: its check digits don't match. Please look for a typo.
err-ogrn-not-digits = An OGRN consists of digits only.
err-ogrn-length = An OGRN has 13 digits and an OGRNIP 15; this one has { $length }.
err-ogrn-checksum = The OGRN's check digit doesn't match — please check the number.
err-ogrn-prefix = The number starts with { $first_digit }, like numbers of later change records. The main OGRN starts with 1 or 5, an OGRNIP with 3.
err-phone-invalid = That doesn't look like a phone number. Please include the code, e.g. +7 912 345-67-89.
err-email-invalid = That doesn't look like an e-mail address. Example: info@khimprom.ru
err-okved-invalid = "{ $value }" is not an OKVED 2 code. Codes look like 20, 20.1, 20.14, 20.14.1.
err-region-unknown = I couldn't find that region. Please write it differently or choose from the list.

# Applications: statuses and messages to the applicant
app-status-new = new
app-status-in_review = under review
app-status-info_requested = information requested
app-status-accepted = accepted
app-status-rejected = rejected
applicant-in-review = 🔎 Application No. { $number } is under review. We'll write when there is a decision.
applicant-accepted = ✅ Application No. { $number } is accepted. The association's staff will contact you.
applicant-rejected =
    ❌ Application No. { $number } is rejected.
    Reason: { $reason }
applicant-info-requested =
    ❓ The staff need more information about application No. { $number }:
    { $question }

    Press "Reply" or reply to this message.
applicant-staff-message =
    💬 A message about application No. { $number }:
    { $text }
applicant-answer-prompt = Write your answer about application No. { $number } in one message.
applicant-answer-sent = I passed your answer about application No. { $number } to the staff.
applicant-closed = Application No. { $number } has been decided; if you have a question, ask it and I'll pass it to a person.
myapps-empty = You have no applications yet. You can apply with the button below.
myapps-title = <b>Your applications</b>
myapp-title = <b>Application No. { $number }</b>
myapp-org = Organization: { $value }
myapp-messages = <b>Messages:</b>
myapp-from-staff = staff
myapp-from-you = you

# Questions for a person
handoff-ask-text = Write your question in one message — I'll pass it to the association's staff.
handoff-sent = 🙋 I passed your question to the association's staff: "{ $text }". The answer will come here.
handoff-answer =
    💬 An answer from the association's staff:
    { $text }
handoff-followup-prompt = Write your follow-up in one message.
handoff-followup-sent = I passed your message to the staff.

# The staff group
card-title = 📝 <b>Application No. { $number }</b> — { $cluster }
card-status = Status: { $status }
card-org = <b>Organization:</b> { $value }
card-inn = <b>INN:</b> { $value }
card-ogrn = <b>OGRN:</b> { $value }
card-region = <b>Region:</b> { $value }
card-products = <b>Products and interest:</b> { $value }
card-okved = <b>OKVED:</b> { $value }
card-contact = <b>Contact person:</b> { $value }
card-phone = <b>Phone:</b> { $value }
card-email = <b>E-mail:</b> { $value }
card-comment = <b>Comment:</b> { $value }
card-applicant = <b>Applicant:</b> { $user } · language: { $lang }
card-campaign = <b>Campaign:</b> { $value }
card-created = <b>Sent:</b> { $value }
staff-btn-take = 🔎 Take
staff-btn-accept = ✅ Accept
staff-btn-reject = ❌ Reject
staff-btn-info = ❓ Request information
staff-only = Only the association's staff can do this.
staff-already = Application No. { $number } is already "{ $status }".
staff-done = Application No. { $number }: { $status }.
staff-need-text = Text is needed.
staff-applicant-wrote =
    💬 The applicant of No. { $number }:
    { $text }
staff-relayed-app = Passed to the applicant (No. { $number }).
staff-relayed-handoff = Passed to the user (question No. { $id }).
staff-user-followup =
    💬 The user's follow-up (question No. { $id }):
    { $text }
handoff-card-title = 🙋 <b>Question No. { $id } for a person</b>
handoff-card-found = <i>The bot found: { $value }</i>
handoff-card-hint = Reply to this message — the answer goes to the user.
admin-staff-unreachable = ⚠️ I can't write to the staff group ({ $chat }): { $reason }. Application cards wait in the queue and go out as soon as access is back. Check STAFF_CHAT_ID and the bot's rights in the group.

# Export
export-title = <b>Export applications</b>: choose the status, cluster and period, then "Export". Any period: <code>/export 2026-01-01 2026-03-31</code>.
export-any-cluster = All clusters
export-all-time = All time
export-days = { $days } days
export-sheet = Applications
export-caption = Applications in the export: { $count }
export-col-number = Number
export-col-created-at = Sent (UTC)
export-col-status = Status
export-col-cluster = Cluster
export-col-org-name = Organization
export-col-inn = INN
export-col-ogrn = OGRN/OGRNIP
export-col-region = Region
export-col-products = Products and interest
export-col-okved = OKVED
export-col-contact-name = Contact person
export-col-phone = Phone
export-col-email = E-mail
export-col-comment = Comment
export-col-language = Language
export-col-campaign = Campaign
export-col-username = Telegram
export-col-assignee-name = Assignee
export-col-consent-version = Consent version
export-col-consent-at = Consent given (UTC)
cmd-applications = My applications
cmd-cancel = Cancel the current action
chat-id = This chat's id: <code>{ $id }</code> — for the STAFF_CHAT_ID setting.
export-range-help = Write the period like <code>/export 2026-01-01 2026-03-31</code> (both days included), or just /export to choose with buttons.

# ---- Campaigns (invitations) --------------------------------------------------------------------
menu-broadcast = 📣 Campaigns
admins-only = Only admins can do this.
subscribed = ✅ You are subscribed to news and invitations. To unsubscribe: /unsubscribe
unsubscribed = You have unsubscribed from campaigns. To come back: /subscribe
btn-subscribe = 🔔 Subscribe again
campaign-btn-join = 📝 Apply to join
campaign-btn-unsubscribe = 🔕 Unsubscribe
compose-send-message = Send the campaign message exactly as recipients should see it: formatted text, a photo or a document with a caption. /cancel to cancel.
compose-unsupported = This kind of message can't be broadcast. Send text, a photo, a video or a document.
compose-media = [media without a caption]
compose-options = Buttons under the message (optional):
compose-join-button = "Apply to join" — { $cluster }
compose-unsub-button = "Unsubscribe"
compose-next = Next: recipients →
compose-audience = Who should receive it?
compose-audience-value = Please specify:
audience-all = All subscribers
audience-language = By language
audience-region = By application region
audience-cluster = By application cluster
audience-status = Applicants by status
audience-never-applied = Those who never applied
audience-empty-choice = Nothing to choose yet: there are no applications.
compose-summary = <b>The campaign is ready</b>
compose-audience-line = Recipients: { $audience }
compose-count = Recipients now: <b>{ $count }</b>
compose-send-at = Sending at: { $when } (Moscow time)
compose-preview = 👁 Preview
compose-send-now = 🚀 Send now
compose-confirm-schedule = ✅ Confirm the scheduled sending
compose-schedule = 🕒 Send later
compose-edit = ✏️ Change the message
compose-ask-time = When to send? Type the date and time, Moscow time: <code>2026-12-01 10:00</code>
compose-bad-time = I didn't understand the time. Format: <code>2026-12-01 10:00</code> (Moscow time).
compose-past-time = That time has passed — please give a time in the future.
compose-cancelled = The campaign is cancelled.
compose-empty = Nobody is in this audience right now: choose another one (← Back) or cancel the campaign.
compose-started = 🚀 Campaign No. { $id } started: { $count } { $count ->
        [one] recipient
       *[other] recipients
    }. Progress is in the next message.
compose-scheduled = 🕒 Campaign No. { $id } is scheduled for { $when } (Moscow time): { $count } { $count ->
        [one] recipient
       *[other] recipients
    }.
campaign-status-draft = draft
campaign-status-scheduled = scheduled
campaign-status-running = running
campaign-status-paused = paused
campaign-status-cancelled = cancelled
campaign-status-done = finished
campaign-progress =
    📣 <b>Campaign No. { $id }</b> — { $status }
    { $bar } { $percent }%
    Delivered: { $sent } · blocked: { $blocked } · failed: { $failed }{ $skipped ->
        [0] {""}
       *[other] {" · "}unsubscribed: { $skipped }
    } · left: { $left } of { $total }
    Rate: { $rate }/s · about { $eta } left
campaign-btn-pause = ⏸ Pause
campaign-btn-resume = ▶️ Resume
campaign-btn-cancel = ⏹ Stop
campaign-pause-ok = The campaign is paused.
campaign-pause-no = This campaign can't be paused.
campaign-resume-ok = The campaign goes on.
campaign-resume-no = This campaign can't be resumed.
campaign-cancel-ok = The campaign is stopped.
campaign-cancel-no = This campaign can't be stopped any more.
campaign-report =
    ✅ <b>Campaign No. { $id } is finished.</b>
    Delivered: { $sent } of { $total } · blocked the bot: { $blocked } · failed: { $failed }{ $skipped ->
        [0] {""}
       *[other] {" · "}unsubscribed before sending: { $skipped }
    }
campaign-failures-caption = Not delivered: { $count }
campaigns-empty = No campaigns yet. A new one: /broadcast
campaigns-title = <b>Campaigns</b>
campaigns-line =
    <b>No. { $id }</b> · { $status } · { $date }
    { $summary }
    delivered { $sent }, blocked { $blocked }, failed { $failed }{ $skipped ->
        [0] {""}
       *[other] {", "}unsubscribed { $skipped }
    }, left { $left } of { $total } · applications via its link: { $applied }
cmd-unsubscribe = Unsubscribe from campaigns
cmd-subscribe = Subscribe to campaigns

# ---- Personal data (/privacy) -------------------------------------------------------------------
menu-privacy = 🔐 My data
cmd-privacy = My data and consent
app-status-withdrawn = withdrawn
erased-marker = [erased]
card-erased = 🔒 <b>The applicant's personal data was erased</b> { $value } (consent withdrawn).
myapp-erased = 🔒 Your contact details and messages in this application were erased { $date }.
applicant-withdrawn = Application No. { $number } was withdrawn together with your consent to the processing of personal data. To contact the association again, send a new application.
privacy-title = 🔐 <b>Your data in the bot</b>
privacy-profile = <b>Profile</b>
privacy-name = Name: { $value }
privacy-language = Language: { $value }
privacy-language-name = English
privacy-subscribed = Campaigns: you are subscribed to news and invitations
privacy-unsubscribed = Campaigns: you are unsubscribed
privacy-applications = <b>Applications</b>: { $count }
privacy-app-consent = consent version { $version } given { $date }
privacy-app-erased = personal data erased { $date }
privacy-more = …and { $count } more
privacy-questions = <b>Questions in the log</b>: { $count }
privacy-handoffs = <b>Questions to the staff</b>: { $count }{ $open ->
        [0] {""}
       *[other] , awaiting an answer: { $open }
    }
privacy-withdrawn-at = Consent to the processing of personal data withdrawn { $date }.
privacy-hint = "Download my data" sends a file with everything the bot stores about you. Withdrawing consent erases your contact details from your applications, your question log and the name in your profile, and unsubscribes you from campaigns; the enterprise's details and the applications' numbers and statuses stay with the association.
privacy-btn-download = 📥 Download my data
privacy-btn-unsubscribe = 🔕 Unsubscribe from campaigns
privacy-btn-subscribe = 🔔 Subscribe to campaigns
privacy-btn-withdraw = 🗑 Withdraw consent and delete my data
privacy-btn-confirm = ✅ Yes, withdraw and delete
privacy-subscribed-now = You are subscribed to campaigns.
privacy-unsubscribed-now = You have unsubscribed from campaigns.
privacy-download-wait = Preparing the file…
privacy-download-caption = Everything the bot stores about you, as JSON (UTF-8).
privacy-confirm =
    ⚠️ <b>Withdraw your consent to the processing of personal data?</b>

    This deletes:
    • in all your applications — the contact person, phone, e-mail, comment, your Telegram name and your messages to the staff;
    • your question log and the questions you handed to the staff;
    • the name in your profile and an unfinished application, if you are filling one in.
    You will be unsubscribed from campaigns.

    What stays: the enterprise's details (name, INN/OGRN, region, cluster, products, OKVED), the applications' numbers, statuses and review history — the association needs them for its records.
privacy-confirm-open = Open applications that will be withdrawn: { $count }.
privacy-confirm-staff = The association's staff will be notified that the data was erased.
privacy-confirm-final = This cannot be undone. You can send a new application at any time — we will ask for consent again.
privacy-done = ✅ Consent withdrawn, personal data erased.
privacy-done-apps = Applications erased: { $erased }, of them withdrawn: { $withdrawn }.
privacy-done-questions = Questions deleted: { $count }.
privacy-done-staff = The association's staff have been notified.
privacy-done-footer = You are unsubscribed from campaigns. You can send a new application at any time — "Join a cluster" in the menu.
privacy-dialogue-closed = The unfinished application was deleted.
staff-app-withdrawn = ↩️ Application No. { $number } was withdrawn: the applicant withdrew consent to the processing of personal data. Their contact details and messages were erased.
staff-app-erased = 🔒 The applicant of application No. { $number } withdrew consent to the processing of personal data. Their contact details and messages were erased; the status did not change.
staff-message-erased = 💬 Message deleted: the user withdrew consent to the processing of personal data.
staff-handoff-erased = 🙋 Question No. { $id }: the user withdrew consent to the processing of personal data; the question and the user's details were deleted.
staff-app-erased-no-relay = The applicant of application No. { $number } withdrew consent to the processing of personal data — the message cannot be passed on.

## issue 8: errors and limits (every update answered, every failure told)
error-try-again = ⚠️ Something went wrong. Please try again.
error-save-failed = ⚠️ Could not save, please try again in a minute. Everything saved before is still there.
join-sent-toast = ✅ Application No. { $number } has been sent.

## issue 8: staff prompts, duplicate ИНН, per-person limits
staff-prompt-reason = { $user }, write the reason for rejecting application No. { $number } as a reply (Reply) to this message. Replies to other cards and ordinary messages in the group won't be taken as the reason. The request is valid for { $minutes } min; /cancel as a reply to it cancels it.
staff-prompt-question = { $user }, what information should be requested for application No. { $number }? Write it as a reply (Reply) to this message. Replies to other cards and ordinary messages in the group won't be taken as the question. The request is valid for { $minutes } min; /cancel as a reply to it cancels it.
staff-prompt-expired = ⌛ The request for application No. { $number } is no longer valid (it expired, was cancelled or already answered) — this message was not sent anywhere. If needed, press the button on the card again.
staff-prompt-cancelled = Cancelled, nothing changed: No. { $numbers }.
staff-prompt-none = No requests are waiting for your reply.
staff-prompt-not-yours = This request for application No. { $number } is waiting for another staff member's reply — your message was not taken. To answer yourself, press the button on the card.
staff-prompt-hint = This message was not taken as the reply to the request for application No. { $numbers }: reply (Reply) to the bot's request message.
join-inn-taken = A company with this INN already has an open application to this cluster. If it is your company, the association's staff can tell you about it — the "🙋 Ask a person" button below; your answers will be kept. If the INN is mistyped, correct it.
join-inn-taken-own = You already have an open application No. { $number } to this cluster with this INN, status: { $status }. You can follow it under "My applications". If the INN is mistyped, correct it.
join-back-to-form = Your application is not lost: press "▶️ Continue the application" to return to it.
btn-back-to-form = ← Back to the application
limit-handoffs = You have already passed several questions to the staff in a row, so this question was not sent. You can pass the next one { $wait }. Answers to the questions already passed on will come here.
limit-messages = Too many messages to the staff in a row — this message was not sent. You can write again { $wait }.
limit-applications = You have sent many applications in the last 24 hours, so this one has not been sent yet; your answers are kept. You can send it { $wait }.
limit-wait-seconds = in { $n } s
limit-wait-minutes = in { $n } min
limit-wait-hours = in { $n } h

## issue 8: process runtime
runtime-conflict-admin = ⚠️ Telegram reports a conflict (409 Conflict): another program works with this bot's token — a second copy of the bot or a webhook that is set. Until the conflict is resolved, the bot gets users' messages late or not at all: the other program takes them. Stop the extra copy of the bot or delete the webhook — the bot then carries on by itself.
staff-reply-not-linked = This message was not passed on to anyone: it is not about an application or a question. To write to an applicant, reply to the application's card or to their message.
export-private-only = The applications export holds personal data, so it is only sent in a private chat with the bot: send it /export there.

## issue 9: answers
answer-source = <i>Source: { $source }, as of { $date }</i>
answer-no-applications = does not take applications through this bot
btn-more = 📄 More
answer-list-product = Clusters that make { $value }: { $count }
answer-list-region = Clusters in { $value }: { $count }
answer-list-status = { $status ->
        [creating] Clusters being created
       *[active] Active clusters
    }: { $count }
answer-list-accepting = Clusters that take applications through this bot: { $count }
answer-list-all = Clusters in the catalogue: { $count }
answer-list-several-regions = Clusters that bring together enterprises of several regions: { $count }
answer-list-none-several-regions = The catalogue has no clusters that span several regions.
answer-list-none-product = No cluster in the catalogue makes { $value }.
answer-list-none-region = The catalogue has no cluster in { $value }.
answer-list-none-status = { $status ->
        [creating] The catalogue has no clusters being created.
       *[active] The catalogue has no active clusters.
    }
answer-list-none-accepting = No cluster takes applications through this bot right now.
answer-list-accepting-product = Clusters that make { $value } and take applications through this bot: { $count }
answer-list-none-accepting-product = None of the clusters that make { $value } takes applications through this bot right now.
answer-list-none = The catalogue has no such clusters.
answer-list-regions = The catalogue's clusters are in: { $regions }.
answer-list-closest-join = The closest is { $name }: it takes applications through this bot — apply with the button below.
answer-list-closest = The closest is { $name }.
answer-list-more = …and { $count } more — the full list is one button away.
answer-list-legend = <i>🟢 active · 🟡 being created</i>
answer-list-measures = Support measures: { $count }
answer-list-measures-none = The catalogue has no such support measures.
answer-list-measures-kind = { $kind }: { $count }
answer-list-measures-kind-none = { $kind }: the catalogue has no such measures.
answer-list-measure-kinds = The catalogue has: { $kinds }.
feature-unsubscribe = You are subscribed to news and invitations. To unsubscribe from campaigns, press the button below.
feature-unsubscribe-already = You are already unsubscribed from campaigns. You can subscribe again with the button below.
feature-subscribe = You are not receiving campaigns now. To subscribe to news and invitations, press the button below.
feature-subscribe-already = You are already subscribed to news and invitations. You can unsubscribe with the button below.
feature-language = Choose the bot's language:
feature-privacy = The bot keeps your profile (name, language, subscription), your applications, your question log and the questions passed to the staff. You can see and download all of it under "My data". Withdrawing consent erases your contact details from your applications, your question log and the name in your profile (the bot asks you to confirm first).
feature-human = I will pass your question to a member of the association's staff: press the button and write the question in one message. The answer will come here.
feature-human-last = I will pass your last question to a member of the association's staff: "{ $text }". Press the button — the answer will come here. To ask about something else, write the new question first.
feature-join = You can apply to join right here: press the button, choose the cluster and fill in a short form. The association's staff will receive your application.
