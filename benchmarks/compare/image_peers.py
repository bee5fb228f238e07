# SPDX-License-Identifier: MIT
"""The peers' side of benchmarks/compare/run_image: the same JPEG decoded by OpenCV (cv2.imdecode)
and Pillow, and the same 1024 x 768 image resized to 224 x 224 by OpenCV (INTER_LINEAR,
INTER_AREA; one thread) and Pillow (BILINEAR, BOX). Prints `PEER OP SECONDS` lines, medians of
REPS. Usage: image_peers.py FILE.jpg REPS"""
import io
import sys
import time

import cv2
import numpy as np
from PIL import Image

path, reps = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
cv2.setNumThreads(1)


def median(f):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return sorted(t)[len(t) // 2]


buf = np.frombuffer(data, np.uint8)
print(f"opencv decode_jpeg {median(lambda: cv2.imdecode(buf, cv2.IMREAD_COLOR)):.6f}")
print(f"pillow decode_jpeg {median(lambda: Image.open(io.BytesIO(data)).convert('RGB').load()):.6f}")
arr = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
pil = Image.fromarray(arr)
print(f"opencv resize_bilinear {median(lambda: cv2.resize(arr, (224, 224), interpolation=cv2.INTER_LINEAR)):.6f}")
print(f"opencv resize_area {median(lambda: cv2.resize(arr, (224, 224), interpolation=cv2.INTER_AREA)):.6f}")
print(f"pillow resize_bilinear {median(lambda: pil.resize((224, 224), Image.BILINEAR)):.6f}")
print(f"pillow resize_area {median(lambda: pil.resize((224, 224), Image.BOX)):.6f}")
