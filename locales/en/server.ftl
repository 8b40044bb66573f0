# Texts formatted on the server only: pages without islands, mails, pushes,
# API errors. See docs/translating.md.

-brand = Parlor

## The site header

header-search = Search
header-admin = Administration
header-settings = Settings
header-signed-in-as = Signed in as
header-log-out = Log out
header-log-in = Log in
header-register = Register
theme-label = Theme
theme-system = Theme: system
theme-light = Theme: light
theme-dark = Theme: dark

## Log in and register

page-title = { $title } · { -brand }
login-title = Log in
login-submit = Log in
login-password-set = Your password is set. Log in with it.
login-with = Log in with { $provider }
login-forgot = Forgot your password?
login-no-account = No account yet?
auth-username = Username
auth-password = Password
register-title = Create an account
register-submit = Register
register-have-account = Have an account?

## Settings

settings-language = Language
settings-language-label = The language Parlor speaks to you
settings-language-browser = As my browser asks
settings-language-save = Save language
settings-language-saved = Your language is saved.

## The room page

room-description = Chat room #{ $room } on { -brand }: messages and live conversation.
room-loading = Loading the room…

## The lobby

lobby-heading = Rooms
lobby-active = Active rooms
lobby-loading = Loading rooms…
lobby-empty = No rooms yet: open one above.
lobby-message-count = { $count ->
    [one] { $count } message
   *[other] { $count } messages
}
