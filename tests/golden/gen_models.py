#!/usr/bin/python3
# gen_models.py: goldens for src/models/linear.c (tests/test_models.c). Weighted ridge and L2
# logistic regression by scikit-learn on a seeded data set; written as plain numbers:
#   line 1: n d
#   n lines: x_1..x_d y_reg y_bin w
#   ridge lambda, intercept, coef_1..coef_d          (sklearn Ridge(alpha=lambda), sample_weight=w)
#   logistic lambda, intercept, coef_1..coef_d       (LogisticRegression(C=1/lambda, solver newton-cholesky), sample_weight=w)
# Run: /usr/bin/python3 tests/golden/gen_models.py > tests/golden/models_linear.txt
import numpy as np
from sklearn.linear_model import Ridge, LogisticRegression

rng = np.random.default_rng(20240610)
n, d = 200, 4
X = rng.normal(size=(n, d)) * np.array([1.0, 2.0, 0.5, 3.0]) + np.array([0.0, 1.0, -2.0, 0.5])
beta = np.array([0.8, -0.4, 1.5, 0.1])
y_reg = X @ beta + 0.3 + rng.normal(scale=0.7, size=n)
y_bin = (X @ beta + rng.logistic(size=n) > 0.4).astype(float)
w = rng.uniform(0.2, 2.0, size=n)

print(n, d)
for i in range(n):
    print(" ".join(repr(float(v)) for v in list(X[i]) + [y_reg[i], y_bin[i], w[i]]))
for lam in (0.5, 10.0):
    r = Ridge(alpha=lam).fit(X, y_reg, sample_weight=w)
    print("ridge", repr(lam), repr(float(r.intercept_)), " ".join(repr(float(c)) for c in r.coef_))
for lam in (0.5, 10.0):
    lr = LogisticRegression(C=1.0 / lam, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit(X, y_bin, sample_weight=w)
    print("logistic", repr(lam), repr(float(lr.intercept_[0])), " ".join(repr(float(c)) for c in lr.coef_[0]))
