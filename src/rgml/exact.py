"""Exact results for the Ising model: the targets every sampler is tested against.

Units J = 1, k_B = 1, K = β = 1/T; energies and specific heats are per spin;
H = −Σ_<ij> s_i s_j with each nearest-neighbour bond counted once (DESIGN.md §3, §5).

* 2D infinite lattice: Onsager's energy and Yang's spontaneous magnetization.
* 2D L×L periodic torus: Kaufman's partition function (Kaufman, Phys. Rev. 76,
  1232 (1949), in the form of Ferdinand & Fisher, Phys. Rev. 185, 832 (1969)),
  its energy and specific heat by analytic β-derivatives, and its inverse
  e ↦ T (the thermometer the RG stage reads coarse lattices with).
* Tiny tori by enumeration of all 2^(L²) states, for chi-square tests of samplers.
* 1D periodic ring and the exact decimation map of the 1D chain.
"""

from __future__ import annotations

import functools

import numpy as np

#: Critical temperature of the square-lattice Ising model, 2/ln(1+√2) (Onsager 1944).
TC: float = 2.0 / float(np.log1p(np.sqrt(2.0)))
#: Critical coupling K_c = 1/T_c = ½ ln(1+√2).
BETA_C: float = 1.0 / TC

#: Temperatures the thermometer :func:`kaufman_temperature` searches.  Below
#: 0.2 the torus energy equals −2 to double precision; towards 1000 the energy
#: ≈ −2/T loses digits to cancellation between the terms of ∂ ln Z/∂β.
THERMOMETER_RANGE: tuple[float, float] = (0.2, 1000.0)

_MAX_ENUMERATED_L = 5


def _temperatures(T) -> np.ndarray:
    """Temperatures as a float64 array, checked to be finite and positive."""
    T = np.asarray(T, dtype=np.float64)
    if not np.all(np.isfinite(T) & (T > 0)):
        raise ValueError(f"temperatures must be finite and > 0 (in units of J/k_B), got {T}")
    return T


def _check_size(L) -> int:
    if int(L) != L or L < 1:
        raise ValueError(f"lattice size L must be a positive integer, got {L!r}")
    return int(L)


# --------------------------------------------------------------------------- infinite lattice
def onsager_energy(T):
    """Energy per spin of the infinite square lattice (Onsager 1944).

    u = −coth 2K [1 + (2/π)(2 tanh² 2K − 1) K₁(k)],  k = 2 sinh 2K / cosh² 2K,

    with K₁ the complete elliptic integral of the first kind.  Written with
    s = sinh 2K: 2 tanh² 2K − 1 = (s² − 1)/(s² + 1) and 1 − k² = ((1 − s²)/(1 + s²))²,
    so K₁ is evaluated by ``ellipkm1(1 − k²)`` without cancellation and the
    logarithmic divergence at T_c, where the prefactor vanishes, gives the
    exact limit u(T_c) = −√2.

    Parameters
    ----------
    T : array_like
        Temperature(s) in J/k_B, > 0.

    Returns
    -------
    Energy per spin in J, same shape as ``T``.
    """
    from scipy.special import ellipkm1  # here, not at the top: the Snakefile imports this module for TC

    K = 1.0 / _temperatures(T)
    s = np.sinh(2.0 * K)
    p = ((1.0 - s * s) / (1.0 + s * s)) ** 2
    at_tc = p == 0.0
    elliptic = ellipkm1(np.where(at_tc, 1.0, p))
    term = np.where(at_tc, 0.0, (s * s - 1.0) / (s * s + 1.0) * elliptic)
    return -(1.0 / np.tanh(2.0 * K)) * (1.0 + (2.0 / np.pi) * term)


def yang_magnetization(T):
    """Spontaneous magnetization per spin of the infinite lattice (Yang 1952).

    m₀ = (1 − sinh⁻⁴ 2K)^{1/8} for T < T_c and 0 for T ≥ T_c.

    Parameters
    ----------
    T : array_like
        Temperature(s) in J/k_B, > 0.
    """
    K = 1.0 / _temperatures(T)
    s = np.sinh(2.0 * K)
    return np.where(s > 1.0, np.maximum(1.0 - s**-4.0, 0.0) ** 0.125, 0.0)


# --------------------------------------------------------------------------- finite torus
def _kaufman_derivatives(L: int, K: np.ndarray):
    """ln Z of the L×L torus and its first two derivatives in β = K.

    Ferdinand & Fisher (1969), Eqs. (2.1)–(2.5)::

        Z = ½ (2 sinh 2K)^{L²/2} (Z₁ + Z₂ + Z₃ + Z₄)
        Z₁ = Π_r 2 cosh(L γ_{2r+1}/2),   Z₂ = Π_r 2 sinh(L γ_{2r+1}/2),
        Z₃ = Π_r 2 cosh(L γ_{2r}/2),     Z₄ = Π_r 2 sinh(L γ_{2r}/2),   r = 0 … L−1,
        cosh γ_k = cosh 2K coth 2K − cos(πk/L)  (k ≥ 1),   γ₀ = 2K + ln tanh K.

    γ₀ is signed (positive below T_c, zero at T_c, negative above), so the
    k = 0 factors φ(x₀) = 2 cosh x₀ of Z₃ and 2 sinh x₀ of Z₄ (x₀ = Lγ₀/2)
    are kept apart and differentiated by the product rule, Z = φ P:
    Z' = φ'P + φP', Z'' = φ''P + 2φ'P' + φP'' — never through ln|Z₄|, which
    diverges where γ₀ = 0.  Each Z_i is carried as e^{ℓ_i} times O(1)
    factors and its derivatives relative to (ln Z₁)', so nothing overflows
    (L in the thousands, T from 0.2 up) and (ln Z)'' is not a difference of
    O(N²) numbers.

    Returns
    -------
    (ln Z, d ln Z/dβ, d² ln Z/dβ²), each of the shape of ``K``.
    """
    n_spins, half = L * L, L / 2.0
    s, c2 = np.sinh(2.0 * K), np.cosh(2.0 * K)

    # k = 1 … 2L−1: γ_k > 0.  cosh γ_k − 1 = (s − 1)²/s + 2 sin²(πk/2L), exact near γ = 0.
    k = np.arange(1, 2 * L)
    s_, c2_ = s[..., None], c2[..., None]
    delta = (s_ - 1.0) ** 2 / s_ + 2.0 * np.sin(np.pi * k / (2 * L)) ** 2
    sinh_g = np.sqrt(delta * (delta + 2.0))
    x = half * np.log1p(delta + sinh_g)  # Lγ_k/2
    dc = 2.0 * c2_ * (1.0 - 1.0 / s_**2)  # d(cosh γ)/dβ and d²(cosh γ)/dβ²
    ddc = 4.0 * s_ - 4.0 / s_ + 8.0 * c2_**2 / s_**3
    dx = half * dc / sinh_g
    ddx = (half * ddc - (1.0 + delta) * dx**2 / half) / sinh_g
    q = np.exp(-2.0 * x)
    # ln, and β-derivatives of ln, of the factors 2 cosh x_k and 2 sinh x_k.
    tanh, sech2 = (1.0 - q) / (1.0 + q), 4.0 * q / (1.0 + q) ** 2
    coth, csch2 = (1.0 + q) / (1.0 - q), 4.0 * q / (1.0 - q) ** 2
    cosh_factors = (x + np.log1p(q), dx * tanh, ddx * tanh + dx**2 * sech2)
    sinh_factors = (x + np.log1p(-q), dx * coth, ddx * coth - dx**2 * csch2)
    odd, even = slice(0, None, 2), slice(1, None, 2)  # k = 1, 3, …; k = 2, 4, …

    # k = 0: signed γ₀, x₀ = Lγ₀/2; 2 cosh x₀ = e^{|x₀|} C, 2 sinh x₀ = e^{|x₀|} S.
    g0 = 2.0 * K + np.log(np.tanh(K))
    x0, dx0, ddx0 = half * g0, half * (2.0 + 2.0 / s), half * (-4.0 * c2 / s**2)
    q0 = np.exp(-2.0 * np.abs(x0))
    C, S = 1.0 + q0, np.sign(g0) * (1.0 - q0)
    one, zero = np.ones_like(K), np.zeros_like(K)

    ref = cosh_factors[1][..., odd].sum(-1)  # (ln Z₁)'
    ell, u, v, w = [], [], [], []
    #           factors        k's   φ/e^|x₀|  φ'/(e^|x₀| x₀')  x₀'   x₀''   |x₀|
    for (ln_f, a_f, b_f), ks, phi, dphi, d1, d2, shift in [
        (cosh_factors, odd, one, zero, zero, zero, zero),  # Z₁
        (sinh_factors, odd, one, zero, zero, zero, zero),  # Z₂
        (cosh_factors, even, C, S, dx0, ddx0, np.abs(x0)),  # Z₃
        (sinh_factors, even, S, C, dx0, ddx0, np.abs(x0)),  # Z₄
    ]:
        a, b = a_f[..., ks].sum(-1) - ref, b_f[..., ks].sum(-1)
        ell.append(ln_f[..., ks].sum(-1) + shift)
        u.append(phi)
        v.append(dphi * d1 + phi * a)
        w.append(phi * d1**2 + dphi * d2 + 2.0 * dphi * d1 * a + phi * (a * a + b))

    ell, u, v, w = map(np.stack, (ell, u, v, w))
    top = ell.max(axis=0)
    weight = np.exp(ell - top)
    total = (weight * u).sum(axis=0)
    mean_v = (weight * v).sum(axis=0) / total
    mean_w = (weight * w).sum(axis=0) / total
    log_z = np.log(0.5) + 0.5 * n_spins * np.log(2.0 * s) + top + np.log(total)
    dlog_z = n_spins * c2 / s + ref + mean_v
    d2log_z = -2.0 * n_spins / s**2 + mean_w - mean_v**2
    return log_z, dlog_z, d2log_z


def kaufman_log_z(L: int, T):
    """ln Z of the L×L periodic torus (Kaufman 1949; Ferdinand & Fisher 1969).

    Parameters
    ----------
    L : int
        Linear size (N = L² spins, 2N bonds; for L = 2 each neighbour pair is
        joined by two bonds, as on any periodic torus).
    T : array_like
        Temperature(s) in J/k_B, > 0.

    Returns
    -------
    ln Z (dimensionless), same shape as ``T``.
    """
    return _kaufman_derivatives(_check_size(L), 1.0 / _temperatures(T))[0]


def torus_log_likelihood(bond_sums, L: int, T: float) -> tuple[float, float]:
    """Mean exact ln P(s) per configuration of the L×L torus, and its standard error (nats).

    ln P(s) = K Σ_<ij> s_i s_j − ln Z(L, T) with Kaufman's ln Z: the
    log-likelihood of Ising configurations under the true model, the ceiling
    any generative model of them (an RBM) can approach.

    ``bond_sums``: Σ_<ij> s_i s_j of each configuration (:func:`rgml.ising.lattice.bond_sum_2d`).
    """
    per_sample = np.asarray(bond_sums) / T - float(kaufman_log_z(L, T))
    return float(per_sample.mean()), float(per_sample.std(ddof=1) / np.sqrt(per_sample.size))


def kaufman_energy(L: int, T):
    """Exact energy per spin e = −(1/N) ∂ ln Z/∂β of the L×L torus, in J."""
    L = _check_size(L)
    return -_kaufman_derivatives(L, 1.0 / _temperatures(T))[1] / (L * L)


def kaufman_specific_heat(L: int, T):
    """Exact specific heat per spin c = β² (1/N) ∂² ln Z/∂β² of the L×L torus."""
    L = _check_size(L)
    K = 1.0 / _temperatures(T)
    return K**2 * _kaufman_derivatives(L, K)[2] / (L * L)


def kaufman_temperature(L: int, energy, *, tol: float = 1e-14):
    """Temperature at which the L×L torus has mean energy per spin ``energy``.

    Inverts :func:`kaufman_energy`, which increases monotonically from −2 at
    T = 0 to 0 at T = ∞ (de/dT = c > 0): safeguarded Newton iteration in β
    with a bisection bracket, vectorised over energies.  This is the exact
    finite-size thermometer for coarse-grained lattices.

    Parameters
    ----------
    L : int
        Linear size of the torus.
    energy : array_like
        Energies per spin in J, within the range reached for T in
        :data:`THERMOMETER_RANGE`.
    tol : float, keyword-only
        Relative tolerance on β.

    Returns
    -------
    Temperature(s) in J/k_B, same shape as ``energy``.  Accurate to ~1e-11
    absolute for 0.6 ≤ T ≤ 50; towards the ends of the range the energy
    itself pins T down less well (near T = 0.4, e + 2 ~ 1e-8).

    Raises
    ------
    ValueError
        If an energy lies outside the reachable range (−2, 0) or outside the
        energies of :data:`THERMOMETER_RANGE`.
    """
    L = _check_size(L)
    target = np.asarray(energy, dtype=np.float64)
    n_spins = L * L
    beta_lo, beta_hi = 1.0 / THERMOMETER_RANGE[1], 1.0 / THERMOMETER_RANGE[0]
    e_hot, e_cold = -_kaufman_derivatives(L, np.array([beta_lo, beta_hi]))[1] / n_spins
    bad = ~((target > -2.0) & (target < 0.0) & (target >= e_cold) & (target <= e_hot))
    if np.any(bad):
        value = float(target[bad].flat[0])
        raise ValueError(
            f"energy per spin {value!r} cannot be read as a temperature of the {L}x{L} torus: "
            f"energies must lie in [{e_cold:.17g}, {e_hot:.17g}] (T in {THERMOMETER_RANGE}); "
            "the torus reaches only −2 < e < 0"
        )
    flat = target.ravel()
    lo = np.full(flat.shape, beta_lo)  # e(lo) ≥ target (hot side)
    hi = np.full(flat.shape, beta_hi)  # e(hi) ≤ target (cold side)
    # start from the high-temperature form e ≈ −2 tanh β, or below T_c on the ordered side
    beta = np.where(flat < -1.0, 1.2 * BETA_C, np.clip(np.arctanh(-flat / 2.0), beta_lo, beta_hi))
    # Each energy stops at its own convergence, so its temperature does not depend on the others asked
    # for with it (and the iteration costs what the energies need on average, not the slowest one's count).
    active = np.arange(flat.size)
    for _ in range(200):
        b = beta[active]
        _, d1, d2 = _kaufman_derivatives(L, b)
        residual = -d1 / n_spins - flat[active]  # e(β) − target; de/dβ = −(ln Z)''/N < 0
        hot = residual > 0
        lo[active], hi[active] = np.where(hot, b, lo[active]), np.where(hot, hi[active], b)
        newton = b + residual * n_spins / d2
        inside = (newton > lo[active]) & (newton < hi[active])
        new = np.where(inside, newton, 0.5 * (lo[active] + hi[active]))
        done = (np.abs(new - b) <= tol * new) | (residual == 0)
        beta[active] = np.where(residual == 0, b, new)
        active = active[~done]
        if active.size == 0:
            break
    else:
        raise RuntimeError(f"kaufman_temperature did not converge for L={L}")  # pragma: no cover
    return (1.0 / beta).reshape(target.shape)


# --------------------------------------------------------------------------- tiny tori by enumeration
@functools.cache
def torus_states(L: int) -> tuple[np.ndarray, np.ndarray]:
    """All 2^(L²) configurations of the L×L torus and their bond sums.

    State number i has spin s_j = 2·bit_j(i) − 1 at site j = y·L + x.  The
    bond sum is Σ_<ij> s_i s_j over the 2L² bonds (right and down neighbour of
    every site, each counted once), so the energy is −bond_sum.  Results are
    cached and read-only; L = 5 takes about 1.1 GB.

    Returns
    -------
    states : int8 array (2^(L²), L, L)
    bond_sum : int64 array (2^(L²),)
    """
    L = _check_size(L)
    if L > _MAX_ENUMERATED_L:
        raise ValueError(
            f"torus_states enumerates 2^(L*L) states and accepts L <= {_MAX_ENUMERATED_L}, "
            f"got L={L}; use the Kaufman functions for larger tori"
        )
    n_sites = L * L
    codes = np.arange(2**n_sites, dtype=np.int64)
    states = np.empty((codes.size, n_sites), dtype=np.int8)
    for j in range(n_sites):
        states[:, j] = 2 * ((codes >> j) & 1) - 1
    bond_sum = np.zeros(codes.size, dtype=np.int64)
    for y in range(L):
        for x in range(L):
            right, down = y * L + (x + 1) % L, ((y + 1) % L) * L + x
            bond_sum += states[:, y * L + x] * (
                states[:, right].astype(np.int64) + states[:, down]
            )
    states = states.reshape(-1, L, L)
    states.flags.writeable = False
    bond_sum.flags.writeable = False
    return states, bond_sum


@functools.cache
def _torus_density_of_states(L: int):
    """Distinct bond sums b, magnetizations M = Σs and the counts g(b, M)."""
    states, bond_sum = torus_states(L)
    mag = states.reshape(states.shape[0], -1).sum(axis=1, dtype=np.int64)
    b_values, b_index = np.unique(bond_sum, return_inverse=True)
    m_values, m_index = np.unique(mag, return_inverse=True)
    counts = np.zeros((b_values.size, m_values.size), dtype=np.int64)
    np.add.at(counts, (b_index, m_index), 1)
    return b_values, m_values, counts


def _torus_level_weights(L: int, T):
    """ln Z and the joint probabilities P(b, M) of the enumerated torus, shape T.shape + g.shape."""
    b_values, m_values, counts = _torus_density_of_states(_check_size(L))
    K = 1.0 / _temperatures(T)
    present = counts > 0
    log_w = np.where(present, K[..., None, None] * b_values[:, None], -np.inf)
    log_w = log_w + np.log(np.where(present, counts, 1))
    top = log_w.max(axis=(-2, -1), keepdims=True)
    log_z = top + np.log(np.exp(log_w - top).sum(axis=(-2, -1), keepdims=True))
    return log_z[..., 0, 0], np.exp(log_w - log_z), b_values, m_values


def torus_distribution(L: int, T):
    """Boltzmann probabilities of every state of :func:`torus_states` at temperature T.

    Returns
    -------
    float64 array of shape T.shape + (2^(L²),), summing to 1 along the last axis.
    """
    _, bond_sum = torus_states(_check_size(L))
    log_z, _, _, _ = _torus_level_weights(L, T)
    K = 1.0 / _temperatures(T)
    return np.exp(K[..., None] * bond_sum - log_z[..., None])


def torus_samples(L: int, T: float, n: int, stream) -> np.ndarray:
    """``n`` independent exact samples ``(n, L, L)`` int8 of the L×L torus at temperature T.

    Inverse-CDF draws over the enumerated states (:func:`torus_distribution`),
    one uniform per sample from ``stream`` (an :class:`rgml.rng.Stream`); L ≤ 4 in practice.
    """
    states, _ = torus_states(L)
    cdf = np.cumsum(torus_distribution(L, float(T)))
    index = np.searchsorted(cdf, stream.uniform(n) * cdf[-1], side="right")
    return states[np.minimum(index, len(cdf) - 1)]


def torus_energy_levels(L: int, T):
    """Distinct energies per spin of the L×L torus and their exact probabilities.

    Returns
    -------
    energies : (n_levels,) increasing energies per spin, −b/L²
    probabilities : T.shape + (n_levels,), summing to 1
    """
    _, joint, b_values, _ = _torus_level_weights(L, T)
    return (-b_values / L**2)[::-1], joint.sum(axis=-1)[..., ::-1]


def torus_magnetization_levels(L: int, T):
    """Distinct magnetizations per spin (signed) of the L×L torus and their probabilities.

    Returns
    -------
    magnetizations : (n_levels,) increasing values of Σs/L²
    probabilities : T.shape + (n_levels,), summing to 1
    """
    _, joint, _, m_values = _torus_level_weights(L, T)
    return m_values / L**2, joint.sum(axis=-2)


# --------------------------------------------------------------------------- 1D ring and decimation
def ring_log_z(N: int, K):
    """ln Z of a periodic ring of N spins: Z = (2 cosh K)^N + (2 sinh K)^N.

    Parameters
    ----------
    N : int
        Number of spins (and bonds).
    K : array_like
        Coupling(s) K = J/(k_B T).
    """
    N = _check_size(N)
    K = np.asarray(K, dtype=np.float64)
    return N * (np.abs(K) + np.log1p(np.exp(-2.0 * np.abs(K)))) + np.log1p(np.tanh(K) ** N)


def ring_correlation(N: int, K, r):
    """⟨s₀ s_r⟩ on a periodic ring of N spins: (t^r + t^{N−r}) / (1 + t^N), t = tanh K.

    Transfer-matrix result; tends to tanh^r K as N → ∞.  ``K`` and ``r``
    (integers 0 … N) broadcast against each other.
    """
    N = _check_size(N)
    r = np.asarray(r)
    if np.any((r < 0) | (r > N)) or not np.all(np.equal(np.mod(r, 1), 0)):
        raise ValueError(f"distances r must be integers in 0..{N}, got {r}")
    t = np.tanh(np.asarray(K, dtype=np.float64))
    return (t**r + t ** (N - r)) / (1.0 + t**N)


def ring_energy(N: int, K):
    """Energy per spin of the periodic ring, −⟨s₀ s₁⟩, in J."""
    return -ring_correlation(N, K, 1)


def decimation_coupling(K, *, b: int = 2):
    """Exact 1D decimation keeping every b-th spin: tanh K' = tanh^b K.

    For b = 2 this is K' = ½ ln cosh 2K.  Where t^b > ½ (t = tanh|K|) it is
    evaluated as K' = ½ [ln(1 + t^b) − ln(1 − t) − ln(1 + t + … + t^{b−1})]
    with ln(1 − t) = ln 2 − 2|K| − ln(1 + e^{−2|K|}), so large K stays
    accurate; elsewhere as artanh(t^b).  Negative couplings map with sign(K)^b.
    """
    if int(b) != b or b < 1:
        raise ValueError(f"decimation factor b must be a positive integer, got {b!r}")
    b = int(b)
    K = np.asarray(K, dtype=np.float64)
    a = np.abs(K)
    t = np.tanh(a)
    t_b = t**b
    log_one_minus_t = np.log(2.0) - 2.0 * a - np.log1p(np.exp(-2.0 * a))
    geometric = sum(t**j for j in range(b))
    strong = 0.5 * (np.log1p(t_b) - log_one_minus_t - np.log(geometric))
    k_new = np.where(t_b > 0.5, strong, np.arctanh(np.minimum(t_b, 0.5)))
    return np.sign(K) ** b * k_new


def decimation_flow(K, levels: int, *, b: int = 2) -> np.ndarray:
    """Couplings K⁽⁰⁾ … K⁽ⁿ⁾ under ``levels`` repeated decimations; shape (levels + 1, *K.shape)."""
    flow = [np.asarray(K, dtype=np.float64)]
    for _ in range(int(levels)):
        flow.append(decimation_coupling(flow[-1], b=b))
    return np.stack(flow)
