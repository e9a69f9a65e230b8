"""
Keeping the guarantee in production: certify, monitor, re-certify
=================================================================

A threshold certified with ``target_risk`` keeps its promise on data drawn
like the calibration data. Here a model is certified, deployed on a stream
of decisions, and the data drift: the
:class:`~selective_clf.monitor.AcceptanceMonitor` notices at once that fewer
rows are accepted (it needs no labels), the
:class:`~selective_clf.monitor.RiskMonitor` raises its alarm when the labels
show that the accepted rows now err above the target, and
:func:`~selective_clf.monitor.recertify` certifies the threshold again on
fresh labelled rows. Both alarms are anytime-valid: checked after every row
of an unbounded stream, they are false with probability at most ``alpha``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from selective_clf import SelectiveClassifierCV
from selective_clf.monitor import AcceptanceMonitor, RiskMonitor, recertify

rng = np.random.default_rng(0)


def draw(n, separation=1.5):
    """Two Gaussian classes; a smaller ``separation`` makes them overlap more."""
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2))
    X[:, 0] += np.where(y == 1, separation, -separation)
    return X, y


# %%
# Certify
# -------
#
# The model is trained on one sample and certified, frozen, on another:
# selective risk at most 3% with probability 95%. The certificate says what
# was promised, on which data, and prints as a short text for a model card.

X_train, y_train = draw(2000)
model = LogisticRegression().fit(X_train, y_train)
X_cal, y_cal = draw(3000)
clf = SelectiveClassifierCV(FrozenEstimator(model), target_risk=0.03, delta=0.05)
clf.fit(X_cal, y_cal)
print(clf.certificate_)

# %%
# Deploy, and the data drift
# --------------------------
#
# 20,000 decisions arrive in batches of 500. After 8,000 of them the classes
# start to overlap more (a feature lost some of its signal): rows move toward the
# decision boundary, so more are rejected, and the accepted ones err more.
# The labels come with the decisions here; in practice they come later, and
# the risk monitor takes them whenever they arrive.

risk_monitor = RiskMonitor.from_estimator(clf, alpha=0.05)
acceptance_monitor = AcceptanceMonitor.from_estimator(clf, alpha=0.05)
n_rows, change, batch = 20_000, 8_000, 500
X_stream, y_stream = draw(change)
X_drift, y_drift = draw(n_rows - change, separation=1.2)
X_stream = np.vstack([X_stream, X_drift])
y_stream = np.concatenate([y_stream, y_drift])

trace = {"rows": [], "risk_e": [], "accept_e": []}
risk_alarm_batch = None
for start in range(0, n_rows, batch):
    y_pred = clf.predict(X_stream[start : start + batch])
    acceptance_monitor.update(y_pred)
    risk_monitor.update(y_stream[start : start + batch], y_pred)
    trace["rows"].append(start + batch)
    trace["risk_e"].append(risk_monitor.e_value_)
    trace["accept_e"].append(acceptance_monitor.e_value_)
    if risk_monitor.alarm_ and risk_alarm_batch is None:
        risk_alarm_batch = start + batch

print(
    f"acceptance alarm at row {acceptance_monitor.alarm_at_} "
    f"({acceptance_monitor.direction_}: the rate fell from "
    f"{clf.coverage_:.3f} to {acceptance_monitor.acceptance_rate_:.3f} overall)"
)
print(
    f"risk alarm at accepted decision {risk_monitor.alarm_at_}, in the batch "
    f"ending at row {risk_alarm_batch} (running risk {risk_monitor.risk_:.3f}, "
    f"target {risk_monitor.target_risk})"
)

# %%
# The two monitors' evidence against "nothing changed" grows after the
# drift and crosses its alarm level (the acceptance monitor keeps half of
# ``alpha`` for the uncertainty of the calibrated rate, so its level is
# ``2 / (alpha / 2)``, the mean of two one-sided tests).

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.semilogy(trace["rows"], np.maximum(trace["risk_e"], 1e-3), label="risk monitor")
ax.semilogy(
    trace["rows"], np.maximum(trace["accept_e"], 1e-3), label="acceptance monitor"
)
ax.axhline(1 / 0.05, color="C0", ls=":", label="risk alarm level 1/alpha")
ax.axhline(2 / 0.025, color="C1", ls=":", label="acceptance alarm level")
ax.axvline(change, color="k", lw=0.8, label="drift starts")
ax.set_xlabel("decisions")
ax.set_ylabel("e-value (evidence of a change)")
ax.set_ylim(1e-3, 1e6)
ax.legend(loc="upper left")
plt.show()

# %%
# Re-certify
# ----------
#
# The rows the monitor used to raise its alarm cannot certify the new
# threshold: they were looked at until something seemed wrong, and they mix
# the old and the new data. Fresh labelled rows gathered after the alarm
# can. :func:`~selective_clf.monitor.recertify` keeps the model, the target
# and ``delta`` and certifies a new threshold: it rejects more, to keep
# the risk at 3% on the drifted data.

X_fresh, y_fresh = draw(3000, separation=1.2)
again = recertify(clf, X_fresh, y_fresh)
print(again.certificate_)
X_check, y_check = draw(50_000, separation=1.2)
for name, fitted in (("old threshold", clf), ("re-certified", again)):
    y_pred = fitted.predict(X_check)
    accepted = y_pred != fitted.reject_label_
    risk = np.mean(y_pred[accepted] != y_check[accepted])
    print(
        f"{name}: threshold {fitted.threshold_:.3f}, coverage "
        f"{accepted.mean():.3f}, risk on new data {risk:.4f}"
    )
