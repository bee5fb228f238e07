#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""interop_opencv_resize: staticflow's image resizes against OpenCV's cv2.resize (Debian
python3-opencv), an implementation we did not write, on a random [2, 37, 53, 3] float batch:
- bilinear with half_pixel_centers (TF 2's default) is INTER_LINEAR (source (x + .5) * s - .5,
  clamped at the edges), upscaling and downscaling (neither antialiases);
- nearest, legacy (TF 1.x's default) is INTER_NEAREST (source floor(x * s));
- nearest with half_pixel_centers is INTER_NEAREST_EXACT (source floor((x + .5) * s));
- area (shrinking) is INTER_AREA: the exact average of the covered area;
- bicubic with half_pixel_centers (Keys' a = -0.5, taps outside the image dropped) is Pillow's
  BICUBIC when enlarging (Debian python3-pil), here by exactly 2, where TF's 1/1024 table of
  kernel positions is exact.
Usage: resize_opencv.py TOOL WORKDIR"""
import subprocess
import sys

import cv2
import numpy as np
from PIL import Image

tool, work = sys.argv[1], sys.argv[2]
subprocess.run([tool, work], check=True)
x = np.fromfile(f"{work}/input.f32", dtype="<f4").reshape(2, 37, 53, 3)
cases = [
    ("bilinear_half_up_80x101", (80, 101), cv2.INTER_LINEAR),
    ("bilinear_half_down_19x26", (19, 26), cv2.INTER_LINEAR),
    ("nearest_legacy_up_80x101", (80, 101), cv2.INTER_NEAREST),
    ("nearest_legacy_down_19x26", (19, 26), cv2.INTER_NEAREST),
    ("nearest_half_up_80x101", (80, 101), cv2.INTER_NEAREST_EXACT),
    ("nearest_half_down_19x26", (19, 26), cv2.INTER_NEAREST_EXACT),
    ("area_down_19x26", (19, 26), cv2.INTER_AREA),
    ("area_down_12x17", (12, 17), cv2.INTER_AREA),
    ("bicubic_half_up_74x106", (74, 106), "pillow-bicubic"),
]


def pillow_bicubic(img, w, h):
    return np.stack([np.asarray(Image.fromarray(img[..., c], mode="F").resize((w, h), Image.BICUBIC))
                     for c in range(img.shape[-1])], -1)


failed = 0
for name, (h, w), method in cases:
    ours = np.fromfile(f"{work}/{name}.f32", dtype="<f4").reshape(2, h, w, 3)
    if method == "pillow-bicubic":
        theirs = np.stack([pillow_bicubic(x[n], w, h) for n in range(2)])
    else:
        theirs = np.stack([cv2.resize(x[n], (w, h), interpolation=method) for n in range(2)])
    worst = float(np.abs(ours - theirs).max())
    ok = worst <= 1e-5
    failed += not ok
    print(f"{name:28} max |staticflow - peer| = {worst:.3g}  {'ok' if ok else 'DIFFERS'}")
sys.exit(1 if failed else 0)
