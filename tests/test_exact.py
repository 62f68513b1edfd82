"""rgml.exact against the reference values, brute-force enumeration and known limits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import load_reference
from rgml import exact

REFERENCE = load_reference("ising2d_exact")
TEMPERATURES = [1.0, 1.5, 2.0, exact.TC, 2.6, 3.0, 3.5, 10.0]


def brute_force_torus(L: int, T: float) -> tuple[float, float, float]:
    """ln Z, energy and specific heat per spin by summing over all 2^(L²) states."""
    _, bond_sum = exact.torus_states(L)
    K, N = 1.0 / T, L * L
    log_w = K * bond_sum
    top = log_w.max()
    w = np.exp(log_w - top)
    log_z = top + np.log(w.sum())
    p = w / w.sum()
    mean_b = np.sum(p * bond_sum)
    var_b = np.sum(p * (bond_sum - mean_b) ** 2)
    return log_z, -mean_b / N, K**2 * var_b / N


# ----------------------------------------------------------------------------- constants
def test_critical_point_matches_reference():
    assert exact.TC == pytest.approx(REFERENCE["Tc"], rel=1e-15)
    assert exact.BETA_C == pytest.approx(REFERENCE["beta_c"], rel=1e-15)
    assert np.sinh(2 * exact.BETA_C) == pytest.approx(1.0, rel=1e-15)  # self-duality


# ----------------------------------------------------------------------------- infinite lattice
def test_infinite_lattice_matches_reference():
    rows = REFERENCE["infinite_lattice"]
    T = np.array([r["T"] for r in rows])
    np.testing.assert_allclose(
        exact.onsager_energy(T), [r["energy_per_spin"] for r in rows], rtol=1e-12
    )
    np.testing.assert_allclose(
        exact.yang_magnetization(T), [r["spontaneous_magnetization"] for r in rows], rtol=1e-12, atol=0
    )


def test_onsager_energy_is_finite_and_continuous_at_tc():
    assert exact.onsager_energy(exact.TC) == pytest.approx(-np.sqrt(2.0), abs=1e-13)
    nearby = exact.onsager_energy(exact.TC * np.array([1 - 1e-9, 1 + 1e-9]))
    np.testing.assert_allclose(nearby, -np.sqrt(2.0), atol=1e-6)


def test_yang_magnetization_vanishes_at_and_above_tc():
    T = np.array([0.5, 2.2, exact.TC, 2.3, 5.0])
    m = exact.yang_magnetization(T)
    assert m[0] == pytest.approx(1.0, abs=1e-6) and 0 < m[1] < 1
    np.testing.assert_array_equal(m[2:], 0.0)


# ----------------------------------------------------------------------------- Kaufman torus
def test_finite_torus_matches_reference():
    """Energy and ln Z to ≤ 1e-10; specific heat to 5e-7 only, because the reference's
    specific heats carry errors up to 2.7e-7 (relative), while Kaufman here matches
    brute force to 1e-14 at L = 4 (see the next test, which checks the same
    temperatures) and 60-digit evaluations of the same formula at L = 16, 64."""
    rows = REFERENCE["finite_torus"]
    for L in sorted({r["L"] for r in rows}):
        mine = [r for r in rows if r["L"] == L]
        T = np.array([r["T"] for r in mine])
        np.testing.assert_allclose(
            exact.kaufman_energy(L, T), [r["energy_per_spin"] for r in mine], rtol=1e-10, err_msg=f"L={L}"
        )
        np.testing.assert_allclose(
            exact.kaufman_log_z(L, T), [r["log_Z"] for r in mine], rtol=1e-14, err_msg=f"L={L}"
        )
        np.testing.assert_allclose(
            exact.kaufman_specific_heat(L, T),
            [r["specific_heat_per_spin"] for r in mine],
            rtol=5e-7,
            err_msg=f"L={L}",
        )


@pytest.mark.parametrize("L", [1, 2, 3, 4])
@pytest.mark.parametrize("T", TEMPERATURES + [r["T"] for r in REFERENCE["infinite_lattice"]])
def test_kaufman_equals_brute_force(L, T):
    log_z, energy, heat = brute_force_torus(L, T)
    assert exact.kaufman_log_z(L, T) == pytest.approx(log_z, rel=1e-13)
    assert exact.kaufman_energy(L, T) == pytest.approx(energy, rel=1e-13)
    assert exact.kaufman_specific_heat(L, T) == pytest.approx(heat, rel=1e-11)


def test_kaufman_is_vectorised_over_temperature():
    T = np.array([[0.5, 1.5, exact.TC], [2.6, 4.0, 10.0]])
    for f in (exact.kaufman_log_z, exact.kaufman_energy, exact.kaufman_specific_heat):
        values = f(8, T)
        assert values.shape == T.shape
        np.testing.assert_allclose(values.ravel(), [f(8, t) for t in T.ravel()], rtol=1e-14)


def test_large_torus_is_finite_and_approaches_onsager():
    T = np.concatenate([np.linspace(0.5, 10.0, 60), [exact.TC]])
    e, c = exact.kaufman_energy(1024, T), exact.kaufman_specific_heat(1024, T)
    assert np.all(np.isfinite(e)) and np.all(c > 0)
    assert np.all(np.diff(e[:-1]) > 0)  # de/dT = c > 0
    away = np.abs(T - exact.TC) > 0.1
    np.testing.assert_allclose(e[away], exact.onsager_energy(T[away]), rtol=1e-12)


def test_finite_size_scaling_at_tc():
    """At T_c, e_L = −√2 + a/L + …, and c_L grows as (8/π) K_c² ln L
    (Ferdinand & Fisher 1969)."""
    sizes = np.array([128, 256, 512, 1024])
    e = np.array([exact.kaufman_energy(L, exact.TC) for L in sizes])
    amplitude = sizes * (e + np.sqrt(2.0))
    np.testing.assert_allclose(amplitude, amplitude[-1], rtol=1e-4)
    c = np.array([exact.kaufman_specific_heat(L, exact.TC) for L in sizes])
    slope = np.diff(c) / np.log(2.0)  # → (8/π) K_c² with O(1/L) corrections
    extrapolated = 2 * slope[1:] - slope[:-1]  # Richardson: removes the 1/L term
    np.testing.assert_allclose(extrapolated, 8 / np.pi * exact.BETA_C**2, rtol=2e-5)


@pytest.mark.parametrize("L", [2, 4, 8, 16, 32, 64])
def test_kaufman_temperature_round_trips(L):
    T = np.concatenate([np.geomspace(0.6, 50.0, 80), [exact.TC]])
    thermometer = exact.kaufman_temperature(L, exact.kaufman_energy(L, T))
    np.testing.assert_allclose(thermometer, T, rtol=0, atol=1e-10)
    grid = T[:6].reshape(2, 3)
    assert exact.kaufman_temperature(L, exact.kaufman_energy(L, grid)).shape == (2, 3)


@pytest.mark.parametrize("L", [4, 16])
def test_kaufman_temperature_of_an_energy_does_not_depend_on_the_others_asked(L):
    # one slow energy (deep in the ordered phase) in the batch must not move the others' last bits
    energies = exact.kaufman_energy(L, np.array([0.45, 1.3, exact.TC, 7.0]))
    together = exact.kaufman_temperature(L, energies)
    alone = np.array([exact.kaufman_temperature(L, energies[i:i + 1])[0] for i in range(energies.size)])
    assert np.array_equal(together, alone)


@pytest.mark.parametrize("energy", [-2.0, -2.5, 0.0, 0.3, float("nan")])
def test_kaufman_temperature_rejects_unreachable_energies(energy):
    with pytest.raises(ValueError, match="cannot be read as a temperature"):
        exact.kaufman_temperature(8, [-1.0, energy])


@pytest.mark.parametrize("bad", [0.0, -1.0, float("inf")])
def test_temperatures_must_be_positive(bad):
    with pytest.raises(ValueError, match="temperatures must be finite and > 0"):
        exact.kaufman_energy(4, [2.0, bad])


# ----------------------------------------------------------------------------- enumerated tori
def test_torus_states_enumerate_every_configuration():
    states, bond_sum = exact.torus_states(3)
    assert states.shape == (512, 3, 3) and states.dtype == np.int8 and bond_sum.dtype == np.int64
    assert len({s.tobytes() for s in states}) == 512
    rolled = np.sum(states * np.roll(states, -1, axis=1) + states * np.roll(states, -1, axis=2), axis=(1, 2))
    np.testing.assert_array_equal(bond_sum, rolled)
    assert not states.flags.writeable
    assert exact.torus_states(3)[0] is states  # cached


def test_torus_states_count_two_bonds_per_site_even_at_l2():
    _, bond_sum = exact.torus_states(2)
    assert bond_sum.max() == 8  # all aligned: 2 L² bonds, each pair joined twice


def test_torus_states_refuse_large_lattices():
    with pytest.raises(ValueError, match="L <= 5"):
        exact.torus_states(6)


def test_torus_distribution_is_the_boltzmann_distribution():
    _, bond_sum = exact.torus_states(4)
    T = np.array([2.0, exact.TC, 3.0])
    p = exact.torus_distribution(4, T)
    assert p.shape == (3, 2**16)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)
    log_z = exact.kaufman_log_z(4, T)
    np.testing.assert_allclose(np.log(p), bond_sum / T[:, None] - log_z[:, None], rtol=1e-13)


def test_energy_and_magnetization_levels():
    T = np.array([2.0, exact.TC, 3.0])
    energies, p_e = exact.torus_energy_levels(4, T)
    assert np.all(np.diff(energies) > 0) and energies[0] == -2.0
    np.testing.assert_allclose(p_e.sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(p_e @ energies, exact.kaufman_energy(4, T), rtol=1e-13)
    variance = p_e @ energies**2 - (p_e @ energies) ** 2
    np.testing.assert_allclose(16 * variance / T**2, exact.kaufman_specific_heat(4, T), rtol=1e-11)

    m, p_m = exact.torus_magnetization_levels(4, T)
    np.testing.assert_array_equal(m, np.arange(-16, 17, 2) / 16)
    np.testing.assert_allclose(p_m, p_m[:, ::-1], rtol=1e-13)  # spin-flip symmetry
    states, _ = exact.torus_states(4)
    direct = exact.torus_distribution(4, 2.0) @ (states.reshape(-1, 16).mean(axis=1) ** 2)
    assert p_m[0] @ m**2 == pytest.approx(direct, rel=1e-13)


# ----------------------------------------------------------------------------- 1D ring and decimation
COUPLINGS = np.array([-0.7, 0.0, 0.1, 0.5, 1.3])


@pytest.mark.parametrize("N", [2, 5, 6])
def test_ring_matches_brute_force(N):
    spins = np.array(list(itertools.product([-1, 1], repeat=N)))
    bonds = np.sum(spins * np.roll(spins, -1, axis=1), axis=1)
    for K in COUPLINGS:
        w = np.exp(K * bonds)
        assert exact.ring_log_z(N, K) == pytest.approx(np.log(w.sum()), rel=1e-14)
        assert exact.ring_energy(N, K) == pytest.approx(-np.sum(w * bonds) / w.sum() / N, abs=1e-14)
        r = np.arange(N + 1)
        direct = [np.sum(w * spins[:, 0] * spins[:, ri % N]) / w.sum() for ri in r]
        np.testing.assert_allclose(exact.ring_correlation(N, K, r), direct, rtol=1e-13, atol=1e-15)


def test_ring_correlation_broadcasts_and_tends_to_tanh_power():
    K, r = np.array([0.2, 0.8])[:, None], np.arange(6)
    g = exact.ring_correlation(4000, K, r)
    assert g.shape == (2, 6)
    np.testing.assert_allclose(g, np.tanh(K) ** r, rtol=1e-14)
    with pytest.raises(ValueError, match="distances r"):
        exact.ring_correlation(10, 0.5, 11)


def test_decimation_squares_tanh():
    flow = exact.decimation_flow(np.array([0.05, 0.5, 1.0, 3.0]), 6)
    assert flow.shape == (7, 4)
    np.testing.assert_allclose(np.tanh(flow[1:]), np.tanh(flow[:-1]) ** 2, rtol=1e-13)
    assert np.all(np.diff(flow, axis=0) < 0)  # flows to the K = 0 fixed point


def test_decimation_closed_forms_and_composition():
    K = np.array([0.0, 0.3, 2.0, 30.0, 500.0])
    half_log_cosh = np.append(0.5 * np.log(np.cosh(2 * K[:-1])), 500.0 - 0.5 * np.log(2.0))
    np.testing.assert_allclose(exact.decimation_coupling(K), half_log_cosh, rtol=1e-14)
    assert exact.decimation_coupling(1e-8) == pytest.approx(1e-16, rel=1e-12)  # tanh² K
    np.testing.assert_allclose(exact.decimation_coupling(K, b=4), exact.decimation_flow(K, 2)[-1], rtol=1e-13)
    b3 = exact.decimation_coupling(K[:4], b=3)
    np.testing.assert_allclose(np.tanh(b3), np.tanh(K[:4]) ** 3, rtol=1e-14)
    assert exact.decimation_coupling(-0.4, b=3) == -exact.decimation_coupling(0.4, b=3)
    assert exact.decimation_coupling(-0.4) == exact.decimation_coupling(0.4)


def test_decimated_ring_is_the_ring_at_the_decimated_coupling():
    """⟨s₀ s₂⟩ on N spins at K equals ⟨s₀ s₁⟩ on N/2 spins at K' (exact RG step)."""
    K, N = np.array([0.3, 0.9, 2.0]), 12
    K1 = exact.decimation_coupling(K)
    r = np.arange(N // 2 + 1)
    np.testing.assert_allclose(
        exact.ring_correlation(N, K[:, None], 2 * r), exact.ring_correlation(N // 2, K1[:, None], r), rtol=1e-13
    )
