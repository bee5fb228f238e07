# SPDX-License-Identifier: MIT
"""Regenerates tests/fuzz/corpus/png/ (committed) with Pillow (Debian python3-pil), a PNG writer
staticflow did not write: gray, gray + alpha, RGB, RGBA, palette with transparency, 16-bit gray,
1-bit, interlaced; one truncated, one with a bad CRC, one whose header claims 60000 x 60000.

  /usr/bin/python3 tests/fuzz/make_png_corpus.py tests/fuzz/corpus/png
"""
import io
import struct
import sys
import zlib

from PIL import Image

out = sys.argv[1]


def save(name, im, **kw):
    b = io.BytesIO()
    im.save(b, "PNG", **kw)
    data = b.getvalue()
    open(f"{out}/{name}", "wb").write(data)
    return data


rgb = Image.new("RGB", (7, 5))
rgb.putdata([((x * 37) % 256, (y * 51) % 256, (x * y * 9) % 256) for y in range(5) for x in range(7)])
d = save("rgb_7x5", rgb)
save("gray", rgb.convert("L"))
save("gray_alpha", rgb.convert("LA"))
save("rgba", rgb.convert("RGBA"))
p = rgb.convert("P")
save("palette_trns", p, transparency=0)
save("gray16", rgb.convert("I").point(lambda v: v * 200).convert("I;16"))
save("bits1", rgb.convert("1"))
open(f"{out}/truncated", "wb").write(d[: len(d) * 2 // 3])
bad = bytearray(d)
bad[29] ^= 0xFF  # inside IHDR's CRC
open(f"{out}/bad_crc", "wb").write(bytes(bad))
ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
open(f"{out}/huge_header", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk + d[33:])
