#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The independent baseline of examples/wide_and_deep: scikit-learn's logistic regression on the
same rows of the German credit data (every nominal attribute one-hot, every numeric one
standardised on the training rows), the same test rows (the example's --write-split file).
Prints the test accuracy and AUC.

Usage: wide_and_deep_baseline.py credit-g.arff test_rows.txt
The ARFF file is read here with Python's own csv module (quotechar "'"), not with staticflow's reader.
"""
import csv
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


def read_arff(path):
    names, nominal, rows, in_data = [], {}, [], False
    with open(path, newline="") as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("%"):
                continue
            if not in_data:
                low = s.lower()
                if low.startswith("@attribute"):
                    rest = s[len("@attribute"):].strip()
                    name, kind = rest.split(None, 1)
                    names.append(name)
                    if kind.strip().startswith("{"):
                        values = next(csv.reader([kind.strip()[1:-1]], quotechar="'", skipinitialspace=True))
                        nominal[name] = [v.strip() for v in values]
                elif low.startswith("@data"):
                    in_data = True
                continue
            rows.append([v.strip() for v in next(csv.reader([s], quotechar="'", skipinitialspace=True))])
    return names, nominal, rows


def main():
    names, nominal, rows = read_arff(sys.argv[1])
    test = sorted(int(x) for x in open(sys.argv[2]).read().split())
    test_set = set(test)
    train = [i for i in range(len(rows)) if i not in test_set]
    target = names.index("class")
    columns = []
    for j, name in enumerate(names):
        if j == target:
            continue
        if name in nominal:
            for value in nominal[name]:
                columns.append(np.array([1.0 if r[j] == value else 0.0 for r in rows]))
        else:
            x = np.array([float(r[j]) for r in rows])
            mean, sd = x[train].mean(), x[train].std() + 1e-6
            columns.append((x - mean) / sd)
    X = np.stack(columns, axis=1)
    y = np.array([1 if r[target] == "bad" else 0 for r in rows])
    model = LogisticRegression(C=1.0, max_iter=5000).fit(X[train], y[train])
    p = model.predict_proba(X[test])[:, 1]
    accuracy = float(((p > 0.5) == (y[test] == 1)).mean())
    print(f"logistic regression (scikit-learn): test accuracy {accuracy:.4f}, AUC {roc_auc_score(y[test], p):.4f} "
          f"({len(test)} rows, {X.shape[1]} features)")


if __name__ == "__main__":
    main()
