"""The worm sampler against exact enumeration; detailed balance, close packing, reproducibility, round trips."""


import numpy as np
import pytest
import xarray as xr

import rgml.dimers.sampler as sampler_module
from conftest import load_reference
from rgml.dimers import (
    RULES,
    DimerChains,
    DimerDegeneracies,
    DimerSamples,
    DimerSettings,
    directed_loop_weights,
    energy,
    enumerate_dimers,
    histogram_pvalue,
    is_close_packed,
    parallel_plaquettes,
    prepare_chains,
    production,
    sample_dimers,
    vertex_probabilities,
    vertex_table,
    winding_numbers,
)
from rgml.dimers.exact import configuration_index
from rgml.dimers.observables import columnar_order
from rgml.dimers.worm import neighbourhood_counts
from rgml.rng import Stream

REFERENCE = load_reference("dimers_exact")["tori"]
SEED = 2026


def test_directed_loop_solution():
    stream = Stream.named(1, "weights")
    cases = [np.ones(4), np.array([10.0, 1.0, 1.0, 1.0]), np.array([3.0, 2.0, 1.0, 0.5])]
    cases += list(np.exp(3 * stream.normal((20, 4))))
    for w in cases:
        a = directed_loop_weights(w)
        assert np.allclose(a, a.T) and (a >= -1e-12).all()
        assert np.allclose(a.sum(axis=1), w)
        assert np.isclose(np.trace(a), max(0.0, 2 * w.max() - w.sum()))  # the least possible bounce
    assert np.allclose(directed_loop_weights(np.ones(4)), (1 - np.eye(4)) / 3)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("temperature", [np.inf, 1.0, 0.5, 0.1])
@pytest.mark.parametrize("interaction", [-1.0, 1.0])
def test_vertex_probabilities_satisfy_detailed_balance(rule, temperature, interaction):
    p = vertex_probabilities(temperature, interaction=interaction, rule=rule)
    w = np.exp(-interaction * neighbourhood_counts() / temperature)
    assert np.allclose(p.sum(axis=-1), 1.0) and (p >= 0).all()
    flow = w[:, :, None] * p  # w_e P(e → k)
    assert np.allclose(flow, flow.swapaxes(1, 2), rtol=1e-10, atol=0)
    table = vertex_table(p)
    assert (np.diff(table.astype(np.int64), axis=-1) >= 0).all() and (table[..., -1] == 2**32).all()
    assert np.allclose(np.diff(table.astype(float), axis=-1, prepend=0) / 2**32, p, atol=2**-31)
    if rule == "directed" and temperature == np.inf:
        assert np.allclose(np.diagonal(p, axis1=1, axis2=2), 0)


@pytest.fixture(scope="module")
def coverings_4x4():
    configs = enumerate_dimers(4)
    return configs, parallel_plaquettes(configs)


def _check_against_exact(samples, temperature, coverings):
    """p-values of the configuration histogram and of the (N_par, W_x, W_y) histogram."""
    configs, n_par = coverings
    w = np.exp(n_par / temperature)
    p_config = histogram_pvalue(np.bincount(configuration_index(samples, configs), minlength=len(configs)),
                                w / w.sum())
    exact = DimerDegeneracies.from_dict(REFERENCE["4x4"])
    stat = np.column_stack([parallel_plaquettes(samples), winding_numbers(samples)])
    match = (stat[:, None, :] == exact.levels[None, :, :]).all(axis=-1)
    assert match.any(axis=1).all(), "sampled a (N_par, W) that no covering has"
    counts = match.sum(axis=0)
    return p_config, histogram_pvalue(counts, exact.probabilities(temperature))


@pytest.mark.parametrize("rule", RULES)
def test_4x4_matches_enumeration(rule, coverings_4x4):
    """Acceptance 1: chi-square of 16 000 samples per T against the exact Boltzmann weights, p > 0.01."""
    temperatures = [np.inf, 1.0, 0.5]
    settings = DimerSettings(chains=8, rule=rule, thin_factor=4.0)
    result = sample_dimers(4, temperatures, 16_000, seed=SEED, settings=settings)
    for i, t in enumerate(temperatures):
        d = result.dimers[i]
        assert is_close_packed(d).all()
        p_config, p_stat = _check_against_exact(d, t, coverings_4x4)
        assert p_config > 0.01 and p_stat > 0.01, (rule, t, p_config, p_stat, result.plans[i])


def test_broken_detailed_balance_is_detected(coverings_4x4, monkeypatch):
    """A heat bath that never bounces (renormalised over the other three exits) violates detailed balance."""
    def no_bounce(temperature, *, interaction=-1.0, rule="directed"):
        w = np.exp(-interaction * neighbourhood_counts() / temperature)
        p = np.broadcast_to(w[:, None, :], (81, 4, 4)) * (1 - np.eye(4))
        return p / p.sum(axis=-1, keepdims=True)

    monkeypatch.setattr(sampler_module, "vertex_probabilities", no_bounce)
    result = sample_dimers(4, [0.5], 16_000, seed=SEED, settings=DimerSettings(chains=8, thin_factor=3.0))
    assert is_close_packed(result.dimers[0]).all()
    p_config, p_stat = _check_against_exact(result.dimers[0], 0.5, coverings_4x4)
    assert p_config < 1e-6 and p_stat < 1e-6


def test_close_packing_and_stored_observables():
    result = sample_dimers(12, [np.inf, 0.8, 0.3], 48, seed=SEED)
    assert result.dimers.shape == (3, 48, 2, 12, 12) and result.dimers.dtype == np.int8
    assert is_close_packed(result.dimers).all()
    assert np.array_equal(result.energy, energy(result.dimers))
    assert np.array_equal(result.winding, winding_numbers(result.dimers))
    assert np.array_equal(result.columnar, columnar_order(result.dimers))
    assert (np.diff(result.sweep.reshape(3, -1, 4), axis=1) == np.array([p.thin for p in result.plans])[:, None, None]
            ).all()
    # ordered at T = 0.3: near-perfect columnar order, no winding; disordered at T = ∞
    order = np.hypot(*result.columnar.transpose(2, 0, 1)).mean(axis=1)
    assert order[2] > 0.9 > 0.3 > order[0]
    assert (result.winding[2] == 0).all()


def test_pilot_record_and_snapshots_follow_the_chains():
    """The per-sweep record is the statistics of the configuration after each sweep; the last stored
    sample of each chain is its current state (sample = step · chains + chain)."""
    chains = DimerChains.start(8, [np.inf, 0.7], 3, seed=SEED)
    twin = DimerChains.start(8, [np.inf, 0.7], 3, seed=SEED)
    record = chains.advance(np.full(6, 5), record=5)
    shots = twin.advance(np.full(6, 5), every=np.ones(6, np.int64), snapshots=5)
    assert np.array_equal(chains.dimers, twin.dimers)
    assert np.array_equal(record[..., 0], parallel_plaquettes(shots))
    assert np.array_equal(record[..., 1:3] * 2 / 64, columnar_order(shots))
    assert np.array_equal(record[..., 3:], winding_numbers(shots))
    plans = [sampler_module.DimerPlan(float(t), 1.0, True, 0, thin, 1, 1.0, 0) for t, thin in ((np.inf, 2), (0.7, 3))]
    block = next(production(chains, plans, 4, block_steps=4))
    for c in range(3):
        for i in range(2):
            assert np.array_equal(block.dimers[i, 3 * 3 + c], chains.dimers[c * 2 + i])
            assert block.sweep[i, 3 * 3 + c] == chains.sweeps[c * 2 + i]


def test_bitwise_reproducible_and_keyed_by_temperature():
    settings = DimerSettings(chains=2, pilot_sweeps=100)
    a = sample_dimers(8, [np.inf, 0.7], 20, seed=SEED, settings=settings)
    b = sample_dimers(8, [np.inf, 0.7], 20, seed=SEED, settings=settings)
    alone = sample_dimers(8, [0.7], 20, seed=SEED, settings=settings)
    other = sample_dimers(8, [0.7], 20, seed=SEED + 1, settings=settings)
    assert np.array_equal(a.dimers, b.dimers) and a.plans == b.plans
    chains = DimerChains.start(8, [np.inf, 0.7], 2, seed=SEED)
    assert len(set(chains.keys.tolist())) == 4  # one stream per (T, chain)
    assert np.array_equal(a.dimers[1], alone.dimers[0]) and a.plans[1] == alone.plans[0]
    assert not np.array_equal(alone.dimers, other.dimers)


def test_resume_from_state_is_bitwise():
    settings = DimerSettings(chains=2, pilot_sweeps=100)
    batch, plans = prepare_chains(8, [np.inf, 0.6], seed=SEED, settings=settings)
    whole = list(production(batch, plans, 6, block_steps=2))
    again, _ = prepare_chains(8, [np.inf, 0.6], seed=SEED, settings=settings)
    first = next(production(again, plans, 6, block_steps=2))
    saved = again.state()
    resumed = DimerChains.start(8, [np.inf, 0.6], 2, seed=SEED)
    resumed.restore(saved)
    rest = list(production(resumed, plans, 6, block_steps=2, first_step=2))
    for block, other in zip(whole, [first, *rest]):
        assert np.array_equal(block.dimers, other.dimers) and np.array_equal(block.sweep, other.sweep)
    broken = saved | {"dimers": np.zeros_like(saved["dimers"])}
    with pytest.raises(ValueError, match="close-packed"):
        resumed.restore(broken)


def test_dataset_round_trip(tmp_path):
    result = sample_dimers(8, [np.inf, 1.0, 0.4], 12, seed=SEED, settings=DimerSettings(chains=4, pilot_sweeps=50))
    ds = result.to_dataset()
    assert ds["dimers"].dims == ("temperature", "sample", "direction", "y", "x")
    assert np.isinf(ds["temperature"].values[0]) and ds["temperature"].attrs["units"] == "|v|/k_B"
    ds.to_zarr(tmp_path / "d.zarr", consolidated=False)
    for source in (ds, xr.open_zarr(tmp_path / "d.zarr", consolidated=False).load()):
        back = DimerSamples.from_dataset(source)
        for name in ("temperatures", "dimers", "energy", "winding", "columnar", "sweep"):
            assert np.array_equal(getattr(back, name), getattr(result, name)), name
            assert getattr(back, name).dtype == getattr(result, name).dtype, name
        assert back.plans == result.plans
        assert (back.chains, back.interaction, back.rule) == (result.chains, result.interaction, result.rule)


def test_bad_arguments():
    with pytest.raises(ValueError, match="rule"):
        DimerSettings(rule="metropolis")
    with pytest.raises(ValueError, match="temperatures"):
        sample_dimers(8, [0.0], 4, seed=1)
    with pytest.raises(ValueError, match="even"):
        sample_dimers(7, [1.0], 4, seed=1)
    with pytest.raises(TypeError, match="seed"):
        sample_dimers(8, [1.0], 4, seed=1.5)


def test_blocks_append_to_the_store_layout():
    """Writing block datasets one after the other, then the plans and the stored τ, gives the front door's dataset."""
    settings = DimerSettings(chains=2, pilot_sweeps=50)
    whole = sample_dimers(8, [np.inf, 0.6], 10, seed=SEED, settings=settings).to_dataset()
    batch, plans = prepare_chains(8, [np.inf, 0.6], seed=SEED, settings=settings)
    parts, stored = [], 0
    for block in production(batch, plans, 5, block_steps=2):
        parts.append(block.to_dataset(batch.temperatures, 2, first_sample=stored))
        stored += parts[-1].sizes["sample"]
    blocks = xr.concat(parts, dim="sample", data_vars="minimal")
    streamed = xr.merge([blocks, sampler_module.plans_dataset(plans),
                         sampler_module.stored_tau_dataset(blocks["energy"].values, batch.temperatures, 2)],
                        combine_attrs="override")
    xr.testing.assert_identical(streamed.drop_attrs(deep=False), whole.drop_attrs(deep=False))
