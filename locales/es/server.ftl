# Textos que solo se forman en el servidor: páginas sin islas, correos,
# notificaciones push, errores de la API. Consulta docs/translating.md.

-brand = Parlor

## La cabecera del sitio

header-search = Buscar
header-admin = Administración
header-settings = Ajustes
header-signed-in-as = Sesión iniciada como
header-log-out = Cerrar sesión
header-log-in = Iniciar sesión
header-register = Crear cuenta
theme-label = Tema
theme-system = Tema: el del sistema
theme-light = Tema: claro
theme-dark = Tema: oscuro

## Iniciar sesión y crear cuenta

page-title = { $title } · { -brand }
login-title = Iniciar sesión
login-submit = Entrar
login-password-set = Ya tienes contraseña. Inicia sesión con ella.
login-with = Entrar con { $provider }
login-forgot = ¿Olvidaste tu contraseña?
login-no-account = ¿Todavía no tienes cuenta?
auth-username = Nombre de usuario
auth-password = Contraseña
register-title = Crear una cuenta
register-submit = Crear cuenta
register-have-account = ¿Ya tienes cuenta?

## Ajustes

settings-language = Idioma
settings-language-label = El idioma en que Parlor te habla
settings-language-browser = El que pida mi navegador
settings-language-save = Guardar idioma
settings-language-saved = Tu idioma está guardado.

## La página de una sala

room-description = Sala de chat #{ $room } en { -brand }: mensajes y conversación en directo.
room-loading = Cargando la sala…

## El inicio

lobby-heading = Salas
lobby-active = Salas con actividad
lobby-loading = Cargando las salas…
lobby-empty = Todavía no hay salas: abre una arriba.
lobby-message-count = { $count ->
    [one] { $count } mensaje
    [many] { $count } de mensajes
   *[other] { $count } mensajes
}
