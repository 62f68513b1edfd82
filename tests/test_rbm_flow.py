"""The RBM flow v → h → v′ from ordered and disordered starts."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import binom

from rgml.ising.lattice import energy_2d
from rgml.rbm import MEET_TOLERANCE, RBM, TrainConfig, meeting_step, rbm_flow, spins_to_units, train
from rgml.rng import Stream
from rbm_ising_data import mc_samples, trained_rbm


def energy_thermometer(calls):
    """A stand-in for the RG stage's thermometer: reports −e (a monotone proxy) and records inputs."""

    def thermometer(spins):
        calls.append((spins.shape, spins.dtype))
        e = energy_2d(spins)
        return float(-e.mean()), float(e.std() / np.sqrt(len(e)))

    return thermometer


def test_flow_records_every_step_and_is_reproducible():
    model = trained_rbm(8, 2.27, n_hidden=16, epochs=30, seed=0).model
    calls = []
    result = rbm_flow(model, "disordered", 5, Stream.named(70, "test-flow"), n_chains=50,
                      thermometer=energy_thermometer(calls))
    assert result.start == "disordered" and result.spins.shape == (50, 8, 8) and result.spins.dtype == np.int8
    assert result.abs_magnetization.shape == (6,) and np.array_equal(result.steps, np.arange(6))
    assert calls == [((50, 8, 8), np.int8)] * 6
    assert np.all(np.isfinite(result.temperature)) and np.all(result.temperature_err >= 0)
    again = rbm_flow(model, "disordered", 5, Stream.named(70, "test-flow"), n_chains=50,
                     thermometer=energy_thermometer([]))
    assert np.array_equal(result.spins, again.spins)
    no_thermometer = rbm_flow(model, "ordered", 2, Stream.named(71, "test-flow"), n_chains=10)
    assert no_thermometer.abs_magnetization[0] == 1.0 and np.all(np.isnan(no_thermometer.temperature))


def test_flows_from_both_starts_meet():
    """For an RBM trained at T = 2.27 both flows relax to the model's own stationary |m| (its Gibbs
    chain is slow near Tc: ~1000 steps from the all-up start)."""
    model = trained_rbm(8, 2.27, n_hidden=16, epochs=30, seed=0).model
    flows = {start: rbm_flow(model, start, 2000, Stream.named(72, "test-flow-meet", start), n_chains=400)
             for start in ("ordered", "disordered")}
    ordered, disordered = flows["ordered"], flows["disordered"]
    gap = ordered.abs_magnetization[-1] - disordered.abs_magnetization[-1]
    error = np.hypot(ordered.abs_magnetization_err[-1], disordered.abs_magnetization_err[-1])
    print(f"\nflow after 2000 steps: |m| ordered {ordered.abs_magnetization[-1]:.4f}, "
          f"disordered {disordered.abs_magnetization[-1]:.4f} (± {error:.4f})")
    assert disordered.abs_magnetization[0] < 0.2 and ordered.abs_magnetization[0] == 1.0
    assert abs(gap) < 4 * error


def test_uncoupled_model_forgets_the_start_in_one_step():
    """W = 0, biases 0: v′ is uniformly random whatever v was; E|m| of 64 fair spins is known."""
    model = RBM(np.zeros((64, 4)), np.zeros(64), np.zeros(4))
    result = rbm_flow(model, "ordered", 1, Stream.named(73, "test-flow-free"), n_chains=4000)
    k = np.arange(65)
    expected = float((binom.pmf(k, 64, 0.5) * np.abs(2 * k - 64) / 64).sum())
    assert abs(result.abs_magnetization[1] - expected) < 4 * result.abs_magnetization_err[1]


def test_start_validation():
    model = RBM(np.zeros((12, 2)), np.zeros(12), np.zeros(2))
    with pytest.raises(ValueError, match="square"):
        rbm_flow(model, "ordered", 1, Stream.named(74, "x"))
    with pytest.raises(ValueError, match="start"):
        rbm_flow(model, "lukewarm", 1, Stream.named(74, "x"), shape=(3, 4))
    given = np.ones((3, 3, 4), dtype=np.int8)
    assert rbm_flow(model, given, 1, Stream.named(74, "x"), shape=(3, 4)).start == "given"


def _flow_result(abs_m):
    return SimpleNamespace(abs_magnetization=np.asarray(abs_m, dtype=float))


def test_meeting_step_is_where_the_gap_closes_for_good():
    ordered = _flow_result([1.0, 0.9, 0.85, 0.83, 0.82])
    assert meeting_step(ordered, _flow_result([0.1, 0.5, 0.84, 0.70, 0.81])) == 4
    assert meeting_step(ordered, _flow_result([0.1, 0.5, 0.84, 0.82, 0.81])) == 2
    assert meeting_step(ordered, _flow_result([1.0, 0.9, 0.85, 0.83, 0.82])) == 0
    assert meeting_step(ordered, _flow_result([0.1, 0.5, 0.6, 0.7, 0.7])) is None
    assert MEET_TOLERANCE == 0.02


@pytest.mark.slow
def test_flow_of_an_rbm_trained_on_all_temperatures_forgets_its_start_within_40_steps():
    """Acceptance 7 at test scale: CD-1 with weight decay 0.03 (the workflow's default) on L = 8
    configurations from T = 1.5 … 3.5; flows from all-up and random starts meet within 40 steps,
    and at step 40 their |m| agree within 4 standard errors."""
    temperatures = (1.5, 1.8, 2.1, 2.27, 2.45, 2.8, 3.5)
    spins = np.concatenate([mc_samples(8, t, 2000) for t in temperatures])
    config = TrainConfig(n_hidden=64, epochs=30, method="cd", k=1, l2=0.03, logz="none")
    model = train(spins_to_units(spins.reshape(len(spins), -1)), config, seed=Stream.named(75, "test-flow-all-T")).model
    ordered, disordered = (rbm_flow(model, start, 40, Stream.named(76, "test-flow-all-T", start), n_chains=1000)
                           for start in ("ordered", "disordered"))
    gap = ordered.abs_magnetization[-1] - disordered.abs_magnetization[-1]
    error = np.hypot(ordered.abs_magnetization_err[-1], disordered.abs_magnetization_err[-1])
    met = meeting_step(ordered, disordered)
    print(f"\nflows met at step {met}; |m| after 40 steps {ordered.abs_magnetization[-1]:.4f} (ordered), "
          f"{disordered.abs_magnetization[-1]:.4f} (disordered) ± {error:.4f}")
    assert met is not None and met <= 40
    assert abs(gap) < 4 * error
