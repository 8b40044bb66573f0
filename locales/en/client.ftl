# Texts that islands render in the browser: a page carries the ones of its
# reader's language. Keys are `area-what`; see docs/translating.md.

## Lazily loaded panels

panel-loading = Loading…

## The composer

composer-placeholder = Write a message…
composer-label = Message
composer-help = Enter sends, Shift+Enter starts a new line. Formatting: Ctrl+/ or ? lists it.
composer-send = Send
composer-replying-to = Replying to
composer-cancel-reply = Cancel the reply
composer-suggestions = Complete a name or a command
composer-too-long = Messages can have at most { $max } characters.

## Keyboard shortcuts and the room switcher

shortcuts-button = Shortcuts
shortcuts-title = Keyboard shortcuts
shortcuts-formatting = Formatting
shortcuts-close = Close
shortcut-send = Send the message
shortcut-new-line = Start a new line in the message
shortcut-switch = Switch to a room by name
shortcut-neighbour = Previous / next room
shortcut-unread = Previous / next room with unread messages
shortcut-escape = Close a dialog, or mark this room read
shortcut-search = Search this room
shortcut-help = Show these shortcuts and the formatting
format-bold = bold
format-italic = italic
format-code = code in a line
format-block-typed = ``` on a line of its own, before and after
format-block = a block of code
format-quote-typed = > at the start of a line
format-quote = a quote
format-list-typed = - or 1. at the start of a line
format-list = a list
format-link = a link
format-mention = a mention (Tab or Enter completes it)
switcher-title = Switch to a room
switcher-input = Room name
switcher-results = Rooms
