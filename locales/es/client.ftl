# Textos que las islas pintan en el navegador: cada página lleva los del
# idioma de quien la lee. Consulta docs/translating.md.

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
