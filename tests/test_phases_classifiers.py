"""Classifiers of rgml.phases: exact gradients, agreement with scikit-learn, learning |m|."""

import numpy as np
import pytest

from phases_toy import toy_samples
from rgml.phases import ClassifierConfig, sector_fixed, train_classifier
from rgml.phases.classifiers import _features, _loss_and_grad
from rgml.rng import Stream


def toy_xy(size=6, n=60):
    s = toy_samples(size, [0.5, 1.0, 3.0, 4.0], n)
    x = s.spins.reshape(4 * n, -1).astype(np.float64)
    y = np.repeat([1.0, 1.0, 0.0, 0.0], n)
    return x, y


@pytest.mark.parametrize("kind", ["logistic", "network"])
def test_gradient_matches_finite_differences(kind):
    x, y = toy_xy(4, 10)
    stream = Stream.named(3, "grad")
    n_in = x.shape[1]
    p = {"w": stream.normal(n_in) * 0.3, "b": np.float64(0.1)} if kind == "logistic" else {
        "W1": stream.normal((n_in, 3)) * 0.3, "b1": stream.normal(3), "w2": stream.normal(3), "b2": np.float64(-0.2)}
    w = 0.5 + stream.uniform(y.size)
    features = _features(kind, x)
    _, grads = _loss_and_grad(kind, p, features, y, w, 0.01)
    h = 1e-6
    for name, value in p.items():
        flat = np.atleast_1d(value).ravel()
        for i in range(min(flat.size, 5)):
            def loss_at(delta, name=name, i=i):
                q = {k: np.array(v, dtype=np.float64, copy=True) for k, v in p.items()}
                np.atleast_1d(q[name]).ravel()[i] += delta
                q[name] = q[name].reshape(np.shape(value))
                return _loss_and_grad(kind, q, features, y, w, 0.01)[0]
            numeric = (loss_at(h) - loss_at(-h)) / (2 * h)
            assert np.ravel(grads[name])[i] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_sector_fixed_flips_negative_magnetisation():
    x = np.array([[1.0, 1.0, -1.0], [-1.0, -1.0, 1.0], [1.0, -1.0, 0.0]])
    assert sector_fixed(x).tolist() == [[1, 1, -1], [1, 1, -1], [1, -1, 0]]


def test_logistic_regression_agrees_with_scikit_learn():
    """Same objective: sklearn minimises C Σ CE + ½|w|², ours mean CE + (l2 N / 2)|w|² on sector-fixed spins."""
    sklearn = pytest.importorskip("sklearn.linear_model")
    x, y = toy_xy(4, 40)
    l2 = 0.05
    ours = train_classifier(x, y, "logistic", ClassifierConfig(l2=l2, max_iter=500, gtol=1e-10),
                            stream=Stream.named(1))
    ref = sklearn.LogisticRegression(C=1.0 / (l2 * x.shape[1] * y.size), tol=1e-12, max_iter=10000)
    ref.fit(sector_fixed(x), y)
    assert ours.params["w"] == pytest.approx(ref.coef_[0], abs=1e-5)
    assert ours.params["b"] == pytest.approx(ref.intercept_[0], abs=1e-5)


@pytest.mark.parametrize("kind", ["logistic", "network"])
def test_classifiers_learn_the_magnetisation(kind):
    x, y = toy_xy(6, 60)
    clf = train_classifier(x, y, kind, ClassifierConfig(hidden=4), stream=Stream.named(11, kind))
    assert clf.info["train_accuracy"] == 1.0
    test_x, test_y = toy_xy(6, 30)
    test_x = test_x[::-1].copy()  # other configurations (the toy draws depend on n)
    assert np.mean((clf.predict(test_x) >= 0.5) == (test_y[::-1] == 1)) > 0.97
    # both sectors of the ordered phase come out ordered
    assert clf.predict(-test_x[test_y[::-1] == 1]).min() > 0.5
    if kind == "logistic":
        w = clf.params["w"]
        assert w.sum() / (np.linalg.norm(w) * np.sqrt(w.size)) > 0.8  # ≈ uniform: it reads |m|


def test_a_network_pinned_at_zero_weights_by_its_penalty_is_flagged_collapsed():
    """W1 = 0 is a stationary point of the flip-trained network: a strong penalty leaves it there, output ½."""
    x, y = toy_xy(6, 60)
    for kind, l2, collapsed in (("network", 1e-4, False), ("network", 1e-2, True), ("logistic", 10.0, False)):
        clf = train_classifier(x, y, kind, ClassifierConfig(hidden=4, l2=l2), stream=Stream.named(11, kind))
        assert clf.info["collapsed"] is collapsed, (kind, l2)
        # the collapsed network guesses; the logistic regression, however penalised, still reads |m|
        assert clf.info["train_accuracy"] == (0.5 if collapsed else 1.0), (kind, l2)


def test_training_is_deterministic_and_keyed():
    x, y = toy_xy(4, 30)
    first = train_classifier(x, y, "network", ClassifierConfig(hidden=3), stream=Stream.named(5, "net"))
    again = train_classifier(x, y, "network", ClassifierConfig(hidden=3), stream=Stream.named(5, "net"))
    other = train_classifier(x, y, "network", ClassifierConfig(hidden=3), stream=Stream.named(6, "net"))
    assert all(np.array_equal(first.params[k], again.params[k]) for k in first.params)
    assert not np.array_equal(first.params["W1"], other.params["W1"])
    with pytest.raises(ValueError, match="kind"):
        train_classifier(x, y, "forest", stream=Stream.named(1))
