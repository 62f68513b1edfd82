"""PCA of configurations (rgml.phases.pca): the solver, the leading component, results and keys."""

import numpy as np
import pytest
import xarray as xr

from phases_toy import T0, through_store, toy_samples
from rgml.phases import PCAConfig, PCAResult, SizeSamples, pca_phases, principal_components
from rgml.rng import Stream

GRID = [0.5, 1.0, 1.5, 1.8, 1.9, 2.1, 2.3, 3.0, 4.0]
FAST = PCAConfig(n_components=3, fit_samples=60, n_boot=20, blocks=10, fss_min_size=0)


def test_randomized_solver_matches_the_exact_eigendecomposition():
    stream = Stream.named(4, "pca-data")
    scales = np.array([5.0, 3.0, 2.0, 1.0, 0.5] + [0.1] * 25)
    x = stream.normal((400, 30)) * scales
    x -= x.mean(axis=0)
    axes, variances, total = principal_components(x, 3, Stream.named(1), power_iterations=6)
    evals, evecs = np.linalg.eigh(x.T @ x / (x.shape[0] - 1))
    assert variances == pytest.approx(evals[::-1][:3], rel=1e-10)
    assert total == pytest.approx(evals.sum())
    for k in range(3):
        assert abs(axes[k] @ evecs[:, -1 - k]) == pytest.approx(1.0, abs=1e-8)


@pytest.fixture(scope="module")
def toy():
    return [toy_samples(L, GRID, 200, chains=2) for L in (6, 8)]


@pytest.fixture(scope="module")
def result(toy):
    return pca_phases(toy, FAST, seed=2026)


def test_leading_component_is_the_uniform_vector(result):
    assert np.all(result.cosine_uniform > 0.99)
    assert all(w.sum() > 0 for w in result.weights.values())
    assert np.all(result.explained_variance_ratio[:, 0] > 5 * result.explained_variance_ratio[:, 1])


def test_projection_is_the_magnetisation_and_separates_the_phases(result):
    t = result.temperatures
    ordered, disordered = t < T0, t > T0
    m0 = np.array([max(0.0, 1 - x / T0) ** 0.125 for x in t])
    # |p| / sqrt(N) = |m| when w is uniform: the toy's exact magnetisation in the ordered phase
    assert np.all(np.abs(result.abs_projection[:, ordered] - m0[ordered]) < 0.05)
    # toy spins are independent given the sector: Var(p) = N m² + 1 − m² of a total variance N
    n = (result.sizes**2)[:, None]
    expected = m0**2 + (1 - m0**2) / n
    assert np.all(np.abs(result.variance_fraction - expected) < 4 * result.variance_fraction_err)
    assert np.all(result.binder[:, t <= 1.0] > 0.6) and np.all(np.abs(result.binder[:, disordered]) < 0.15)
    assert np.all(result.binder_err > 0) and np.all(np.isfinite(result.binder_err))


def test_result_round_trips_and_frames(result, tmp_path):
    back = PCAResult.from_dataset(through_store(result.to_dataset(), tmp_path / "pca.zarr"))
    for name in ("explained_variance_ratio", "cosine_uniform", "binder", "binder_err", "tc_pairs", "fit_seconds"):
        assert np.array_equal(getattr(back, name), getattr(result, name), equal_nan=True)
    assert all(np.array_equal(back.weights[L], result.weights[L]) for L in result.weights)
    assert back.config == result.config and back.tc == result.tc or np.isnan(result.tc)
    assert result.to_dataset()["binder"].dims == ("size", "temperature")
    assert len(result.to_frame()) == len(result.sizes) * len(result.temperatures)
    summary = result.summary_frame()
    assert list(summary.columns) == ["analysis", "model", "L", "quantity", "value", "error"]
    assert set(summary["quantity"]) >= {"cosine_uniform", "tc_collapse", "nu_collapse"}


def test_bitwise_reproducible_and_keyed_by_size(toy, result):
    again = pca_phases(toy, FAST, seed=2026)
    a, b = result.to_dataset().drop_vars("fit_seconds"), again.to_dataset().drop_vars("fit_seconds")
    assert a.identical(b)
    alone = pca_phases(toy[1:], FAST, seed=2026)  # L = 8 without L = 6: its own curves are unchanged
    assert np.array_equal(alone.binder[0], result.binder[1]) and np.array_equal(alone.weights[8], result.weights[8])
    other = pca_phases(toy[1:], FAST, seed=2027)
    assert not np.array_equal(other.binder_err[0], result.binder_err[1])


def test_store_read_lazily_gives_the_same_result(toy, result, tmp_path):
    lazy = []
    for s in toy:
        path = tmp_path / f"L{s.size}.zarr"
        xr.Dataset({"spins": (("temperature", "sample", "y", "x"), s.spins)},
                   coords={"temperature": s.temperatures, "chain": ("sample", np.arange(s.n_samples) % 2)}
                   ).to_zarr(path, consolidated=False)
        lazy.append(SizeSamples.from_dataset(xr.open_zarr(path, chunks=None, consolidated=False), load=False))
    assert not isinstance(lazy[0].spins.variable._data, np.ndarray)  # still in the store
    lazy = pca_phases(lazy, FAST, seed=2026)
    drop = ["fit_seconds"]
    assert lazy.to_dataset().drop_vars(drop).identical(result.to_dataset().drop_vars(drop))
