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

    Commands: /menu — menu, /clusters — clusters, /support — support measures, /join — join, /language — language, /help — this help.
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

# Joining
join-coming =
    <b>Joining a cluster</b>
    Accepting applications now:
    { $clusters }

    Step-by-step applications in the bot are coming soon. Meanwhile, ask "how to join" to learn the procedure.

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
