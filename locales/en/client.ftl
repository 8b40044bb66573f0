# Texts that islands render in the browser: a page carries the ones of its
# reader's language. Keys are `area-what`; see docs/translating.md.

-brand = Parlor

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

## The room

room-permalink-deleted = Message #{ $seq } was deleted.
room-permalink-missing = There is no message #{ $seq } in this room; here are the newest.
room-drawer = Rooms
room-menu = Room menu
room-search = Search this room
room-log-out = Log out
room-access-ended = You no longer have access to this room.
room-back-to-lobby = Back to the lobby
room-session-ended = Your session has ended.
room-log-in-again = Log in again
room-load-older = Load older messages
room-notice-ok = OK
room-leave = Leave
presence-label = Here now
seen-by = Seen by { $names }

## A message's actions

message-actions = Message actions
message-reply = Reply
message-thread = Thread
message-react = React
message-edit = Edit
message-delete = Delete
message-edit-label = Edit message (Enter saves, Shift+Enter starts a new line, Esc cancels)
message-sending = sending…
reaction-add = Add a reaction
reaction-with = React with { $emoji }
reaction-own = Your own reaction

## The thread beside the room

thread-title = Thread
thread-back = Back
thread-follow = Follow
thread-following = Following
thread-edit-reply = Edit the reply
thread-edit-save = Save
thread-edit-cancel = Cancel
thread-reply-label = Reply in the thread
thread-reply-placeholder = Reply…
thread-also-in-room = Also send to the room
thread-send = Reply

## The sidebar and the reader's rooms

sidebar-label = Rooms
sidebar-close = Close
sidebar-threads = Threads
sidebar-public-rooms = Public rooms
sidebar-more = More
sidebar-lobby = Lobby
sidebar-new-room = New room or message
sidebar-search = Search all rooms
sidebar-settings = Settings
my-rooms = Your rooms
my-rooms-empty = Rooms you open, post in or are mentioned in show up here.
my-rooms-direct = Direct messages
my-rooms-mentions = mentions of you
my-rooms-unread = unread messages
bot-badge = BOT
bot-badge-title = Sent by a bot or a webhook

## The topic and the room's controls

topic-add = Add a topic
topic-edit = Edit topic
topic-label = Room topic
topic-save = Save topic
topic-cancel = Cancel
notify-label = Notify me
notify-all = for every message
notify-mentions = when mentioned
notify-none = never
notify-enable = Enable notifications

## Members and webhooks of a room

members-button = Members
members-label = Members of this room
members-remove = Remove
members-add-label = Add someone
members-add-placeholder = username
members-add = Add
members-invite = Create an invite link
members-invite-link = invite link
members-revoke = Revoke
webhooks-button = Webhooks
webhooks-label = Incoming webhooks of this room
webhooks-hint = A webhook lets another service (CI, alerts) post here: it POSTs JSON like {"{"}"text": "…"{"}"} to the webhook's URL.
webhooks-name = New webhook's name
webhooks-create = Create webhook
webhooks-url = webhook URL
webhooks-badge-title = Webhook
webhooks-revoke = Revoke

## Files

file-staged = File:
file-remove = Remove the file
file-attach = Attach a file
file-attach-title = Attach a file (or drop one here, or paste an image)

## Live news of the room

typing-one = { $name } is typing…
typing-two = { $first } and { $second } are typing…
typing-many = several people are typing…
announce-one = { $who }: { $text }
announce-file = {" "}(file: { $name })
announce-many = { $count ->
    [one] { $count } new message, the latest from { $who }
   *[other] { $count } new messages, the latest from { $who }
}
connection-connecting = connecting
connection-connected = connected
connection-reconnecting = reconnecting
connection-offline = offline
connection-signed-out = signed out
connection-no-access = no access

## The lobby (its forms and the reader's rooms are islands)

lobby-title = Lobby · { -brand }
lobby-private-room = New private room
lobby-private-room-example = Planning
lobby-create = Create
lobby-direct = Message a person
lobby-direct-send = Message
lobby-open-label = Open or create a room
lobby-open = Open

## A message's row (the server renders it once per language; the browser for live messages)

room-empty = No messages yet. Say hello!
room-new-messages = New messages
row-edited = (edited)
row-deleted = This message was deleted.
row-deleted-quote = deleted message
row-in-thread = replied in a thread
row-reactions = Reactions
row-replies = { $count ->
    [one] { $count } reply
   *[other] { $count } replies
}
row-thread-last = last
attachment-open = { $name } ({ $dimensions }, { $size }): open full size
