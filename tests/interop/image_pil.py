#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""interop_pil_image: staticflow's JPEG and PNG codecs against Pillow (Debian python3-pil), a
reader and writer we did not write.
- Pillow's files (colour 4:2:0 and 4:4:4, progressive, grayscale, CMYK) decoded by staticflow with
  the accurate integer IDCT equal Pillow's own decoding pixel for pixel (Pillow's defaults: the
  accurate IDCT, fancy upsampling); CMYK as TF converts Adobe's inverted CMYK (c * k / 255).
- With TF's default fast IDCT the pixels stay within 8 levels.
- staticflow's JPEGs open in Pillow with their size and mode, and decode close to the source.
- PNG is lossless: Pillow's files (gray, gray + alpha, RGB, RGBA, palette with transparency,
  16-bit gray) decode to Pillow's pixels exactly, and staticflow's 8- and 16-bit files decode in
  Pillow to the samples written.
Usage: jpeg_pil.py TOOL WORKDIR"""
import os
import subprocess
import sys

import numpy as np
from PIL import Image

tool, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
failed = 0


def check(name, ok, detail=""):
    global failed
    failed += not ok
    print(f"{name:44} {'ok' if ok else 'FAILED'} {detail}")


def decode(path, channels, accurate):
    out = subprocess.run([tool, "decode", path, f"{work}/out.raw", str(channels), "1" if accurate else "0"],
                         check=True, capture_output=True, text=True).stdout.split()
    h, w, c = map(int, out)
    return np.fromfile(f"{work}/out.raw", dtype=np.uint8).reshape(h, w, c)


rng = np.random.default_rng(7)
yy, xx = np.mgrid[0:61, 0:83]
photo = np.stack([(xx * 3) % 256, (yy * 4) % 256, ((xx + yy) * 2) % 256], -1).astype(np.uint8)
photo = np.clip(photo.astype(int) + rng.integers(-20, 20, photo.shape), 0, 255).astype(np.uint8)
cases = [("rgb_420", Image.fromarray(photo), dict(quality=85)),
         ("rgb_444", Image.fromarray(photo), dict(quality=92, subsampling=0)),
         ("progressive", Image.fromarray(photo), dict(quality=70, progressive=True)),
         ("gray", Image.fromarray(photo).convert("L"), dict(quality=90)),
         ("cmyk", Image.fromarray(photo).convert("CMYK"), dict(quality=90))]
for name, im, kw in cases:
    path = f"{work}/{name}.jpg"
    im.save(path, "JPEG", **kw)
    theirs = np.asarray(Image.open(path))
    ours = decode(path, 0, True)
    if name == "cmyk":  # Pillow writes Adobe's inverted CMYK and reads it back inverted again:
        stored = 255 - theirs.astype(np.uint32)  # TF's RGB is stored c * stored k / 255
        theirs = (stored[..., :3] * stored[..., 3:4] // 255).astype(np.uint8)
    if theirs.ndim == 2:
        theirs = theirs[..., None]
    check(f"{name}: accurate IDCT = Pillow", ours.shape == theirs.shape and np.array_equal(ours, theirs),
          f"shape {ours.shape} vs {theirs.shape}")
    fast = decode(path, 0, False)
    worst = int(np.abs(fast.astype(int) - theirs.astype(int)).max())
    check(f"{name}: fast IDCT within 8 levels", worst <= 8, f"max diff {worst}")

photo.tofile(f"{work}/in.raw")
subprocess.run([tool, "encode", f"{work}/in.raw", "61", "83", "3", f"{work}/ours.jpg", "95"], check=True)
back = Image.open(f"{work}/ours.jpg")
arr = np.asarray(back)
mean_err = float(np.abs(arr.astype(int) - photo.astype(int)).mean())  # 4:2:0 chroma of a noisy image
check("staticflow's JPEG read by Pillow", back.size == (83, 61) and back.mode == "RGB" and mean_err < 10,
      f"size {back.size} mode {back.mode} mean |diff| from the source {mean_err:.2f}")
check("... and Pillow's pixels = staticflow's", np.array_equal(arr, decode(f"{work}/ours.jpg", 3, True)))

def decode_png(path, bits):
    out = subprocess.run([tool, "decode-png", path, f"{work}/out.raw", str(bits)], check=True, capture_output=True,
                         text=True).stdout.split()
    h, w, c = map(int, out)
    return np.fromfile(f"{work}/out.raw", dtype=np.uint8 if bits == 8 else "<u2").reshape(h, w, c)


pngs = [("gray", "L", 8), ("gray_alpha", "LA", 8), ("rgb", "RGB", 8), ("rgba", "RGBA", 8), ("palette", "P", 8),
        ("gray16", "I;16", 16)]
for name, mode, bits in pngs:
    path = f"{work}/{name}.png"
    if mode == "P":
        Image.fromarray(photo).convert("P").save(path, transparency=3)
        theirs = np.asarray(Image.open(path).convert("RGBA"))
    elif mode == "I;16":
        Image.fromarray((photo[..., 0].astype(np.uint16) * 257 + 5).astype(np.uint16)).save(path)
        theirs = np.asarray(Image.open(path)).astype(np.uint16)[..., None]
    else:
        Image.fromarray(photo).convert(mode).save(path)
        theirs = np.asarray(Image.open(path))
    if theirs.ndim == 2:
        theirs = theirs[..., None]
    ours = decode_png(path, bits)
    check(f"png {name}: pixels = Pillow's", ours.shape == theirs.shape and np.array_equal(ours, theirs),
          f"shape {ours.shape} vs {theirs.shape}")

rgba = np.concatenate([photo, (photo[..., :1] // 2 + 7)], -1)
rgba.tofile(f"{work}/in4.raw")
subprocess.run([tool, "encode-png", f"{work}/in4.raw", "61", "83", "4", "8", f"{work}/ours.png"], check=True)
back = Image.open(f"{work}/ours.png")
check("staticflow's 8-bit RGBA PNG read by Pillow", back.mode == "RGBA" and np.array_equal(np.asarray(back), rgba))
deep = (photo[..., 1].astype(np.uint16) * 251 + 3).astype("<u2")
deep.tofile(f"{work}/in16.raw")
subprocess.run([tool, "encode-png", f"{work}/in16.raw", "61", "83", "1", "16", f"{work}/ours16.png"], check=True)
back16 = Image.open(f"{work}/ours16.png")
check("staticflow's 16-bit gray PNG read by Pillow", np.array_equal(np.asarray(back16).astype(np.uint16), deep),
      f"mode {back16.mode}")
sys.exit(1 if failed else 0)
