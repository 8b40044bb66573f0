# Textos que las islas pintan en el navegador: cada página lleva los del
# idioma de quien la lee. Consulta docs/translating.md.

-brand = Parlor

## Paneles que se cargan al usarlos

panel-loading = Cargando…

## El cuadro de mensaje

composer-placeholder = Escribe un mensaje…
composer-label = Mensaje
composer-help = Enter envía, Mayús+Enter abre una línea nueva. Formato: Ctrl+/ o ? te lo muestra.
composer-send = Enviar
composer-replying-to = Respondiendo a
composer-cancel-reply = Cancelar la respuesta
composer-suggestions = Completa un nombre o un comando
composer-too-long = Los mensajes pueden tener como máximo { $max } caracteres.

## Atajos de teclado y el selector de salas

shortcuts-button = Atajos
shortcuts-title = Atajos de teclado
shortcuts-formatting = Formato
shortcuts-close = Cerrar
shortcut-send = Enviar el mensaje
shortcut-new-line = Empezar una línea nueva en el mensaje
shortcut-switch = Ir a una sala por su nombre
shortcut-neighbour = Sala anterior / siguiente
shortcut-unread = Sala anterior / siguiente con mensajes sin leer
shortcut-escape = Cerrar un diálogo, o marcar esta sala como leída
shortcut-search = Buscar en esta sala
shortcut-help = Mostrar estos atajos y el formato
format-bold = negrita
format-italic = cursiva
format-code = código en línea
format-block-typed = ``` en una línea propia, antes y después
format-block = un bloque de código
format-quote-typed = > al principio de una línea
format-quote = una cita
format-list-typed = - o 1. al principio de una línea
format-list = una lista
format-link = un enlace
format-mention = una mención (Tab o Enter la completa)
switcher-title = Ir a una sala
switcher-input = Nombre de la sala
switcher-results = Salas

## La sala

room-permalink-deleted = El mensaje n.º { $seq } se borró.
room-permalink-missing = No hay ningún mensaje n.º { $seq } en esta sala; aquí tienes los más recientes.
room-drawer = Salas
room-menu = Menú de la sala
room-search = Buscar en esta sala
room-log-out = Cerrar sesión
room-access-ended = Ya no tienes acceso a esta sala.
room-back-to-lobby = Volver al inicio
room-session-ended = Tu sesión ha terminado.
room-log-in-again = Vuelve a iniciar sesión
room-load-older = Cargar mensajes anteriores
room-notice-ok = Vale
room-leave = Salir
presence-label = Aquí ahora
seen-by = Visto por { $names }

## Las acciones de un mensaje

message-actions = Acciones del mensaje
message-reply = Responder
message-thread = Hilo
message-react = Reaccionar
message-edit = Editar
message-delete = Borrar
message-edit-label = Editar el mensaje (Enter guarda, Mayús+Enter abre una línea nueva, Esc cancela)
message-sending = enviando…
reaction-add = Añadir una reacción
reaction-with = Reaccionar con { $emoji }
reaction-own = Tu propia reacción

## El hilo junto a la sala

thread-title = Hilo
thread-back = Volver
thread-follow = Seguir
thread-following = Siguiendo
thread-edit-reply = Editar la respuesta
thread-edit-save = Guardar
thread-edit-cancel = Cancelar
thread-reply-label = Responder en el hilo
thread-reply-placeholder = Responde…
thread-also-in-room = Enviar también a la sala
thread-send = Responder

## La barra lateral y tus salas

sidebar-label = Salas
sidebar-close = Cerrar
sidebar-threads = Hilos
sidebar-public-rooms = Salas públicas
sidebar-more = Más
sidebar-lobby = Inicio
sidebar-new-room = Sala o mensaje nuevo
sidebar-search = Buscar en todas las salas
sidebar-settings = Ajustes
my-rooms = Tus salas
my-rooms-empty = Aquí aparecen las salas que abres, donde escribes o donde te mencionan.
my-rooms-direct = Mensajes directos
my-rooms-mentions = menciones a ti
my-rooms-unread = mensajes sin leer
bot-badge = BOT
bot-badge-title = Enviado por un bot o un webhook

## El tema y los controles de la sala

topic-add = Añadir un tema
topic-edit = Editar el tema
topic-label = Tema de la sala
topic-save = Guardar el tema
topic-cancel = Cancelar
notify-label = Avísame
notify-all = con cada mensaje
notify-mentions = cuando me mencionen
notify-none = nunca
notify-enable = Activar las notificaciones

## Miembros y webhooks de una sala

members-button = Miembros
members-label = Miembros de esta sala
members-remove = Quitar
members-add-label = Añadir a alguien
members-add-placeholder = nombre de usuario
members-add = Añadir
members-invite = Crear un enlace de invitación
members-invite-link = enlace de invitación
members-revoke = Revocar
webhooks-button = Webhooks
webhooks-label = Webhooks entrantes de esta sala
webhooks-hint = Un webhook deja que otro servicio (CI, alertas) publique aquí: envía por POST un JSON como {"{"}"text": "…"{"}"} a la URL del webhook.
webhooks-name = Nombre del webhook nuevo
webhooks-create = Crear el webhook
webhooks-url = URL del webhook
webhooks-badge-title = Webhook
webhooks-revoke = Revocar

## Archivos

file-staged = Archivo:
file-remove = Quitar el archivo
file-attach = Adjuntar un archivo
file-attach-title = Adjuntar un archivo (o suéltalo aquí, o pega una imagen)

## Novedades en directo de la sala

typing-one = { $name } está escribiendo…
typing-two = { $first } y { $second } están escribiendo…
typing-many = varias personas están escribiendo…
announce-one = { $who }: { $text }
announce-file = {" "}(archivo: { $name })
announce-many = { $count ->
    [one] { $count } mensaje nuevo, el último de { $who }
    [many] { $count } de mensajes nuevos, el último de { $who }
   *[other] { $count } mensajes nuevos, el último de { $who }
}
connection-connecting = conectando
connection-connected = conectado
connection-reconnecting = reconectando
connection-offline = sin conexión
connection-signed-out = sesión cerrada
connection-no-access = sin acceso

## El inicio (sus formularios y tus salas son islas)

lobby-title = Inicio · { -brand }
lobby-private-room = Sala privada nueva
lobby-private-room-example = Planificación
lobby-create = Crear
lobby-direct = Escribir a una persona
lobby-direct-send = Escribir
lobby-open-label = Abrir o crear una sala
lobby-open = Abrir

## La fila de un mensaje (el servidor la pinta una vez por idioma; el navegador, los mensajes en directo)

room-empty = Todavía no hay mensajes. ¡Saluda!
room-new-messages = Mensajes nuevos
row-edited = (editado)
row-deleted = Este mensaje se borró.
row-deleted-quote = mensaje borrado
row-in-thread = respondió en un hilo
row-reactions = Reacciones
row-replies = { $count ->
    [one] { $count } respuesta
    [many] { $count } de respuestas
   *[other] { $count } respuestas
}
row-thread-last = la última
attachment-open = { $name } ({ $dimensions }, { $size }): abrir a tamaño completo
