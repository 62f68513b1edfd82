"""The critic's calibration (rgml.rsmi.calibration): derivatives, the maximum, its limits, and the bias it removes."""

from dataclasses import replace

import numpy as np
import pytest

from rgml.dimers import DIMER_FIT, sample_dimers
from rgml.dimers.rsmi import reference_information
from rgml.rsmi.calibration import (
    HIDDEN_SCALES,
    SCALE_LIMIT,
    calibrate,
    critic_scale,
    derivatives_of,
    scaled_critic,
)
from rgml.rsmi.critic import critic_forward, critic_preactivation, init_critic
from rgml.rsmi.estimators import ESTIMATORS, infonce_shortfall, objective, pointwise
from rgml.rng import Stream

SEED = 7


def _rows(n: int = 4000, states: int = 4, *, margin: float = 3.0, noise: float = 1.0, miss: float = 0.02,
          doubt: float = 0.01):
    """ln Q (h fixed by V but for ``doubt``) and scores F that favour the right state by ``margin``, wrong on
    ``miss`` rows."""
    rng = np.random.default_rng(SEED)
    h = rng.integers(0, states, size=n)
    q = np.full((n, states), doubt / (states - 1))
    q[np.arange(n), h] = 1.0 - doubt
    told = np.where(rng.random(n) < miss, rng.integers(0, states, size=n), h)
    scores = margin * (np.arange(states)[None, :] == told[:, None]) + noise * rng.normal(size=(n, states))
    return np.log(q), scores


@pytest.mark.parametrize("name", ESTIMATORS)
def test_derivatives_are_those_of_the_bound(name):
    log_q, scores = _rows()
    derivatives = derivatives_of(name, log_q, scores)
    for scale in (0.3, 1.0, 2.5):
        h = 1e-4 * scale
        value = [objective(name, log_q, s * scores)[0] for s in (scale - h, scale, scale + h)]
        slope, curvature = derivatives(scale)
        assert slope == pytest.approx((value[2] - value[0]) / (2 * h), rel=1e-6, abs=1e-9)
        assert curvature == pytest.approx((value[2] - 2 * value[1] + value[0]) / h**2, rel=1e-3)
        assert curvature < 0.0  # concave: the bisection bracket holds one maximum


@pytest.mark.parametrize("name", ESTIMATORS)
def test_scale_maximises_the_bound(name):
    log_q, scores = _rows()
    scale = critic_scale(name, log_q, scores)
    assert 1.0 / SCALE_LIMIT < scale < SCALE_LIMIT and scale != pytest.approx(1.0, abs=0.05)
    best = objective(name, log_q, scale * scores)[0]
    for other in (scale * 0.999, scale * 1.001, 1.0):
        assert objective(name, log_q, other * scores)[0] < best
    assert derivatives_of(name, log_q, scores)(scale)[0] == pytest.approx(0.0, abs=1e-9)


def test_scale_limits():
    """h certain given V and no miss on any row: every larger scale raises the bound (the upper limit); scores
    that know nothing of h are best scaled to nothing (the lower limit)."""
    log_q, perfect = _rows(noise=0.0, miss=0.0, doubt=1e-30)
    assert critic_scale("infonce", log_q, perfect) == SCALE_LIMIT
    rng = np.random.default_rng(SEED)
    assert critic_scale("infonce", log_q, rng.normal(size=perfect.shape)) == 1.0 / SCALE_LIMIT


def test_scaled_critic_scales_the_scores():
    env = np.random.default_rng(SEED).choice([-1.0, 1.0], size=(50, 12))
    critic = init_critic(12, 4, 8, Stream.named(SEED, "critic"), np)
    np.testing.assert_allclose(critic_forward(scaled_critic(critic, 2.5), env)[0], 2.5 * critic_forward(critic, env)[0],
                               rtol=1e-13, atol=1e-14)
    assert scaled_critic(critic, 2.5)["W1"] is critic["W1"]
    both = scaled_critic(critic, 2.5, 3.0)
    hidden = np.tanh(3.0 * critic_preactivation(critic, env))
    np.testing.assert_allclose(critic_forward(both, env)[0], 2.5 * (hidden @ critic["W2"].T + critic["b2"]),
                               rtol=1e-12, atol=1e-13)


def _crystal_rows(n: int = 4000, states: int = 4, *, defects: float = 0.3, doubt: float = 1e-9):
    """Rows whose E names h (one unit per state at +1, the others at −1) through defects of size ``defects``, and
    a critic that reads it with an unsaturated hidden layer (W₁ = 0.5·1, W₂ = 1): its score for the state a row
    holds varies with the defects."""
    rng = np.random.default_rng(SEED)
    h = rng.integers(0, states, size=n)
    q = np.full((n, states), doubt / (states - 1))
    q[np.arange(n), h] = 1.0 - doubt
    env = 2.0 * (np.arange(states)[None, :] == h[:, None]) - 1.0 + defects * rng.normal(size=(n, states))
    critic = {"W1": 0.5 * np.eye(states), "b1": np.zeros(states), "W2": np.eye(states), "b2": np.zeros(states)}
    return np.log(q), env, critic


@pytest.mark.parametrize("name", ESTIMATORS)
def test_calibrate_picks_the_best_hidden_and_score_scales(name):
    """The grid's best (γ, β) by brute force; its value is the bound of the scaled critic on the rows."""
    log_q, env, critic = _crystal_rows()
    chosen = calibrate(name, log_q, critic_preactivation(critic, env), critic)
    values = []
    for gamma in HIDDEN_SCALES:
        scores = critic_forward(scaled_critic(critic, 1.0, gamma), env)[0]
        values.append(objective(name, log_q, critic_scale(name, log_q, scores) * scores)[0])
    assert chosen.hidden_scale == HIDDEN_SCALES[int(np.argmax(values))]
    assert chosen.value == pytest.approx(max(values), rel=0, abs=1e-12)
    scored = critic_forward(scaled_critic(critic, chosen.scale, chosen.hidden_scale), env)[0]
    assert float(pointwise(name, log_q, scored).mean()) == pytest.approx(chosen.value, rel=0, abs=1e-12)


def test_hidden_scale_removes_the_spread_of_an_unsaturated_critic():
    """E names h on every row: the score scale β alone leaves the InfoNCE bound short by the Jensen gap of the
    own-state scores (the spread); saturating the hidden layer (γ > 1) takes most of it away (what is left: rows
    whose defects pull their own unit towards zero), and the bound stays below H(H) ≤ ln 4, which no critic can
    pass."""
    log_q, env, critic = _crystal_rows()
    pre = critic_preactivation(critic, env)
    scores = critic_forward(critic, env)[0]
    beta = critic_scale("infonce", log_q, scores)
    alone = infonce_shortfall(log_q, beta * scores)
    chosen = calibrate("infonce", log_q, pre, critic)
    both = infonce_shortfall(log_q, critic_forward(scaled_critic(critic, chosen.scale, chosen.hidden_scale), env)[0])
    assert chosen.hidden_scale > 1.0
    assert alone.spread > 20 * both.spread  # 0.119 → 0.0029 nats
    assert both.spread + both.cross < 0.05 * (alone.spread + alone.cross)
    assert both.marginal == alone.marginal  # the critic does not touch the hidden marginal
    q_bar = np.exp(log_q).mean(axis=0)
    assert chosen.value < -(q_bar * np.log(q_bar)).sum()


def test_calibration_removes_the_shortfall_of_an_unsaturated_critic():
    """Columnar dimers (L = 16, T = 0.3, the four crystals by symmetry images): the exact order filters tell the
    crystal, E fixes it, and the short-trained critic leaves the bound 3.5 mnat under ln 4 at 24 000 σ; calibrated,
    the shortfall is 500 times smaller and the bound still below ln 4, which no two-bit variable can exceed."""
    crystals = sample_dimers(16, [0.3], 1000, seed=SEED)
    ln4 = np.log(4.0)

    def bound(calibrate: bool) -> tuple[float, float]:
        config = replace(DIMER_FIT, steps=150, polish_steps=50, batch_size=512, calibrate=calibrate)
        mi, err = reference_information(crystals.dimers[0], ("order",), block=8, buffer=2, environment=1, norm=4.0,
                                        config=config, seed=SEED, temperature=0.3, augment=True,
                                        chains=crystals.chains)
        return float(mi[0]), float(err[0])

    (raw, raw_err), (calibrated, err) = bound(False), bound(True)
    assert (ln4 - raw) / raw_err > 1000
    assert 0.0 < ln4 - calibrated < 0.002 * (ln4 - raw)
