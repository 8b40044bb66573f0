#!/usr/bin/env python3
"""Draws Parlor's app icons (public/icon-192.png, public/icon-512.png) from the
shapes of public/icon.svg, with the standard library only: a speech bubble on
the accent colour, with room around it so the icon also works when masked."""
import struct
import zlib

BLUE = (0x3B, 0x5B, 0xDB)
WHITE = (0xFF, 0xFF, 0xFF)
# The bubble in a 512-unit square (as in icon.svg).
BUBBLE = [(136, 150), (376, 150), (376, 320), (228, 320), (136, 396)]


def inside(x, y, polygon):
    hit = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def png(size):
    scale = 512 / size
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            row.extend(WHITE if inside((x + 0.5) * scale, (y + 0.5) * scale, BUBBLE) else BLUE)
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")


for size in (192, 512):
    with open(f"public/icon-{size}.png", "wb") as out:
        out.write(png(size))
