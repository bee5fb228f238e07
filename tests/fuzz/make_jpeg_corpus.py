# SPDX-License-Identifier: MIT
"""Regenerates tests/fuzz/corpus/jpeg/ (committed) with Pillow (Debian python3-pil), a JPEG
writer staticflow did not write: colour, progressive, grayscale and CMYK files, one truncated,
one whose header claims 60000 x 60000 pixels, and bytes that only start like a JPEG.

  /usr/bin/python3 tests/fuzz/make_jpeg_corpus.py tests/fuzz/corpus/jpeg
"""
import io, sys
from PIL import Image
out = sys.argv[1]
def save(name, im, **kw):
    b = io.BytesIO(); im.save(b, "JPEG", **kw); data = b.getvalue()
    open(f"{out}/{name}", "wb").write(data); return data
rgb = Image.new("RGB", (13, 7))
rgb.putdata([((x * 19) % 256, (y * 37) % 256, (x * y * 5) % 256) for y in range(7) for x in range(13)])
d = save("rgb_13x7_q75", rgb, quality=75)
save("rgb_progressive", rgb, quality=60, progressive=True)
save("gray_9x5", rgb.convert("L").resize((9, 5)), quality=80)
save("cmyk_8x8", rgb.convert("CMYK").resize((8, 8)), quality=80)
open(f"{out}/truncated", "wb").write(d[: len(d) * 2 // 3])
sof = d.find(b"\xff\xc0")
huge = bytearray(d); huge[sof + 5:sof + 9] = b"\xea\x60\xea\x60"
open(f"{out}/huge_header", "wb").write(bytes(huge))
open(f"{out}/not_jpeg", "wb").write(b"\xff\xd8\xff\xe0 not really")
