"""Exact answers for dimers on small tori: enumeration, Kasteleyn's Pfaffians, Boltzmann weights.

Enumeration
-----------
:func:`enumerate_dimers` lists every close-packed configuration of an
``Ly × Lx`` torus by backtracking (the first uncovered site in row-major
order is paired with each uncovered neighbour in turn, so every covering is
produced exactly once).  :func:`enumerate_statistics` runs the same search
without storing configurations and histograms the sufficient statistic of the
interacting model, ``(N_∥, W_x, W_y)`` — the number of parallel plaquettes and
the winding numbers (:mod:`rgml.dimers.lattice`).  The Boltzmann weight of a
configuration depends on N_∥ only, so the degeneracies ``g(N_∥, W_x, W_y)``
give the exact distribution of the statistic at every temperature,

    P(N_∥, W) = g(N_∥, W) exp(−v N_∥ / T) / Z(T),

including T = ∞ (uniform over coverings) (:class:`DimerDegeneracies`).

Kasteleyn's Pfaffians
---------------------
Kasteleyn, Physica 27, 1209 (1961) (see also McCoy & Wu, *The Two-Dimensional
Ising Model*, Harvard (1973), Ch. V): orient the square lattice so that every
face has an odd number of clockwise edges — horizontal edges left to right,
vertical edges up in even and down in odd columns — and let ``A_(εx, εy)`` be
the skew-symmetric adjacency matrix with the edges crossing the x (y) seam of
the torus multiplied by ``εx`` (``εy``) = ±1.  A covering contributes to
``Pf A_(εx, εy)`` with the sign ``σ(a, b) εx^a εy^b``, where ``(a, b)`` are the
parities of its winding numbers, ``σ(0, 0) = +1`` and ``σ = −1`` otherwise
(the overall sign depends on the order of the sites; here row-major), so

    Z = ½ [−Pf A_(+,+) + Pf A_(+,−) + Pf A_(−,+) + Pf A_(−,−)],

and the four Pfaffians give the number of coverings in each winding-parity
class (:func:`kasteleyn_parity_counts`).  On the square torus ``Pf A_(+,+) = 0``
(the periodic matrix has a zero mode).  The 4 × 4 torus has 272 coverings.

Correlations of free dimers
---------------------------
On the infinite lattice at T = ∞ two dimers are correlated through the
inverse Kasteleyn matrix (Fisher & Stephenson, Phys. Rev. 132, 1411 (1963);
Kenyon, Ann. Inst. H. Poincaré Probab. Statist. 33, 591 (1997)): with
``K⁻¹`` at odd distance ``x`` along a row

    f(x) = (1/π) ∫₀^(π/2) cos(xθ) / sqrt(1 + cos²θ) dθ,     f(±1) = 1/4,

two horizontal dimers a distance r apart along a row have
``G(r) = −f(r)²`` (r odd) or ``−f(r − 1) f(r + 1)`` (r even), so the
staggered correlation ``C(r) = (−1)^r G(r)`` of :mod:`rgml.dimers.observables`
is ``1/(π² r²) (1 + O(r⁻²))`` (:func:`free_row_correlation`).

Pfaffians are evaluated by skew-symmetric Gaussian elimination with pivoting
(the Parlett–Reid reduction as in Wimmer, ACM Trans. Math. Softw. 38, 30
(2012)), exact to float64 rounding, so counts are exact integers up to ~10^15.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from rgml.dimers.lattice import check_dimers, parallel_plaquettes, winding_numbers
from rgml.dimers.worm import configuration_statistics
from rgml.stats import chi2_pvalue

#: Enumerating more coverings than this is refused (memory and time).
MAX_STORED_CONFIGURATIONS = 5_000_000


def _check_sides(ly: int, lx: int) -> None:
    if ly % 2 or lx % 2 or ly < 4 or lx < 4:
        raise ValueError(f"torus sides must be even and at least 4, got {ly} × {lx}")


@numba.njit(cache=True)
def _set_link(d, y, x, k, value, ly, lx):
    """Occupation of link k (right, left, down, up) of site (y, x) := value."""
    if k == 0:
        d[0, y, x] = value
    elif k == 1:
        d[0, y, (x - 1) % lx] = value
    elif k == 2:
        d[1, y, x] = value
    else:
        d[1, (y - 1) % ly, x] = value


@numba.njit(cache=True)
def _search(ly, lx, out, counts):
    """Backtracking over coverings; stores them in ``out`` if it has rows, histograms into ``counts``.

    ``counts[n_par, w_x + ly/2, w_y + lx/2]`` is incremented per covering
    when ``counts`` is non-empty.  Returns the number of coverings.
    """
    n_sites = ly * lx
    covered = np.zeros(n_sites, np.bool_)
    d = np.zeros((2, ly, lx), np.int8)
    depth_max = n_sites // 2
    site = np.zeros(depth_max, np.int64)
    option = np.full(depth_max, -1, np.int64)
    dy = np.array([0, 0, 1, -1])
    dx = np.array([1, -1, 0, 0])
    stats = np.zeros(5, np.int64)
    total = 0
    depth = 0
    while depth >= 0:
        s = site[depth]
        y, x = s // lx, s % lx
        k = option[depth]
        if k >= 0:  # undo the option tried last at this depth
            t = ((y + dy[k]) % ly) * lx + (x + dx[k]) % lx
            covered[s] = False
            covered[t] = False
            _set_link(d, y, x, k, 0, ly, lx)
        k += 1
        while k < 4 and covered[((y + dy[k]) % ly) * lx + (x + dx[k]) % lx]:
            k += 1
        if k == 4:
            option[depth] = -1
            depth -= 1
            continue
        t = ((y + dy[k]) % ly) * lx + (x + dx[k]) % lx
        covered[s] = True
        covered[t] = True
        _set_link(d, y, x, k, 1, ly, lx)
        option[depth] = k
        if depth == depth_max - 1:
            if total < out.shape[0]:
                out[total] = d
            if counts.size:
                configuration_statistics(d, stats)  # N_par, D sums, W_x, W_y
                counts[stats[0], stats[3] + ly // 2, stats[4] + lx // 2] += 1
            total += 1
            continue
        nxt = s + 1
        while covered[nxt]:
            nxt += 1
        depth += 1
        site[depth] = nxt
        option[depth] = -1
    return total


def enumerate_dimers(ly: int, lx: int | None = None) -> np.ndarray:
    """Every close-packed configuration of the ``Ly × Lx`` torus: int8 ``(count, 2, Ly, Lx)``.

    The order is that of the backtracking search (deterministic).  Sizes up
    to 8 × 6 (3 113 860 coverings) are accepted.
    """
    lx = ly if lx is None else lx
    _check_sides(ly, lx)
    empty_counts = np.zeros((0, 0, 0), np.int64)
    count = _search(ly, lx, np.zeros((0, 2, ly, lx), np.int8), empty_counts)
    if count > MAX_STORED_CONFIGURATIONS:
        raise ValueError(f"the {ly} × {lx} torus has {count} coverings, more than the "
                         f"{MAX_STORED_CONFIGURATIONS} that are stored; use enumerate_statistics")
    out = np.zeros((count, 2, ly, lx), np.int8)
    _search(ly, lx, out, empty_counts)
    return out


@dataclass(frozen=True)
class DimerDegeneracies:
    """Exact degeneracies of the sufficient statistic ``(N_∥, W_x, W_y)`` on an ``Ly × Lx`` torus.

    Attributes
    ----------
    ly, lx:
        Torus sides.
    levels:
        int64 ``(n_levels, 3)``: the ``(N_∥, W_x, W_y)`` that occur, sorted.
    degeneracy:
        int64 ``(n_levels,)``: number of coverings at each level.
    """

    ly: int
    lx: int
    levels: np.ndarray
    degeneracy: np.ndarray

    @property
    def count(self) -> int:
        """Total number of close-packed coverings."""
        return int(self.degeneracy.sum())

    @classmethod
    def from_configurations(cls, dimers) -> "DimerDegeneracies":
        """Histogram the statistic of given (e.g. enumerated) configurations."""
        d = check_dimers(dimers)
        stat = np.column_stack([parallel_plaquettes(d), winding_numbers(d)])
        levels, degeneracy = np.unique(stat, axis=0, return_counts=True)
        return cls(d.shape[-2], d.shape[-1], levels.astype(np.int64), degeneracy.astype(np.int64))

    def probabilities(self, temperature: float, *, interaction: float = -1.0) -> np.ndarray:
        """Exact ``P(level)`` at temperature T (``np.inf`` allowed), float64 ``(n_levels,)``."""
        log_w = np.log(self.degeneracy.astype(np.float64)) + self.log_boltzmann(temperature, interaction=interaction)
        w = np.exp(log_w - log_w.max())
        return w / w.sum()

    def log_boltzmann(self, temperature: float, *, interaction: float = -1.0) -> np.ndarray:
        """``−v N_∥ / T`` of each level (0 at T = ∞)."""
        temperature = float(temperature)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0 (np.inf allowed), got {temperature}")
        return -interaction * self.levels[:, 0] / temperature

    def mean_energy(self, temperature: float, *, interaction: float = -1.0) -> float:
        """Exact ⟨e⟩ per site, in units of |v|."""
        p = self.probabilities(temperature, interaction=interaction)
        return float(interaction * (p * self.levels[:, 0]).sum() / (self.ly * self.lx))

    def to_dict(self) -> dict:
        """JSON-ready form: sides, count and ``[N_par, W_x, W_y, degeneracy]`` rows."""
        rows = np.column_stack([self.levels, self.degeneracy]).tolist()
        return {"ly": self.ly, "lx": self.lx, "count": self.count, "levels": rows}

    @classmethod
    def from_dict(cls, data: dict) -> "DimerDegeneracies":
        rows = np.asarray(data["levels"], dtype=np.int64).reshape(-1, 4)
        return cls(int(data["ly"]), int(data["lx"]), rows[:, :3].copy(), rows[:, 3].copy())


def enumerate_statistics(ly: int, lx: int | None = None) -> DimerDegeneracies:
    """Degeneracies ``g(N_∥, W_x, W_y)`` by enumeration, without storing configurations."""
    lx = ly if lx is None else lx
    _check_sides(ly, lx)
    counts = np.zeros((ly * lx // 2 + 1, ly + 1, lx + 1), np.int64)
    _search(ly, lx, np.zeros((0, 2, ly, lx), np.int8), counts)
    index = np.argwhere(counts)
    levels = index - np.array([0, ly // 2, lx // 2])
    return DimerDegeneracies(ly, lx, levels.astype(np.int64), counts[tuple(index.T)])


def pfaffian(matrix) -> float:
    """Pfaffian of a real skew-symmetric matrix (Pf² = det), by pivoted Parlett–Reid elimination."""
    a = np.array(matrix, dtype=np.float64)
    n = a.shape[0]
    if a.shape != (n, n) or not np.allclose(a, -a.T):
        raise ValueError("pfaffian: the matrix must be square and skew-symmetric")
    if n % 2:
        return 0.0
    value = 1.0
    for k in range(0, n - 1, 2):
        pivot = k + 1 + int(np.argmax(np.abs(a[k + 1:, k])))
        if pivot != k + 1:  # swapping a pair of rows and columns flips the sign
            a[[k + 1, pivot], :] = a[[pivot, k + 1], :]
            a[:, [k + 1, pivot]] = a[:, [pivot, k + 1]]
            value = -value
        if a[k + 1, k] == 0.0:
            return 0.0
        value *= a[k, k + 1]
        if k + 2 < n:
            tau = a[k, k + 2:] / a[k, k + 1]
            column = a[k + 2:, k + 1].copy()
            a[k + 2:, k + 2:] += np.outer(tau, column) - np.outer(column, tau)
    return value


def kasteleyn_matrix(ly: int, lx: int, *, twist: tuple[int, int] = (1, 1)) -> np.ndarray:
    """Kasteleyn's signed adjacency matrix of the torus, float64 ``(Ly Lx, Ly Lx)``, site index ``y Lx + x``.

    ``twist = (εx, εy)`` multiplies the edges crossing the x and y seams.
    """
    _check_sides(ly, lx)
    eps_x, eps_y = twist
    a = np.zeros((ly * lx, ly * lx))
    y, x = np.indices((ly, lx))
    i = (y * lx + x).ravel()
    right = (y * lx + (x + 1) % lx).ravel()
    down = (((y + 1) % ly) * lx + x).ravel()
    w_right = np.where(x == lx - 1, eps_x, 1).ravel().astype(float)
    w_down = (np.where(y == ly - 1, eps_y, 1) * (1 - 2 * (x % 2))).ravel().astype(float)
    np.add.at(a, (i, right), w_right)
    np.add.at(a, (right, i), -w_right)
    np.add.at(a, (i, down), w_down)
    np.add.at(a, (down, i), -w_down)
    return a


def kasteleyn_pfaffians(ly: int, lx: int | None = None) -> dict[tuple[int, int], float]:
    """``{(εx, εy): Pf A_(εx, εy)}`` for the four seam signs."""
    lx = ly if lx is None else lx
    return {(ex, ey): pfaffian(kasteleyn_matrix(ly, lx, twist=(ex, ey))) for ex in (1, -1) for ey in (1, -1)}


#: Kasteleyn's sign σ(a, b) of a covering with winding parities (a, b) in Pf A_(+,+).
_PARITY_SIGN = np.array([[1.0, -1.0], [-1.0, -1.0]])


def kasteleyn_parity_counts(ly: int, lx: int | None = None) -> np.ndarray:
    """Number of coverings with winding parities ``(W_x mod 2, W_y mod 2)`` from the Pfaffians: int64 ``(2, 2)``.

    Inverts ``Pf A_(εx, εy) = Σ_(a,b) σ(a, b) εx^a εy^b N(a, b)`` (module docstring).
    """
    lx = ly if lx is None else lx
    pf = kasteleyn_pfaffians(ly, lx)
    counts = np.zeros((2, 2))
    for a in (0, 1):
        for b in (0, 1):
            total = sum(value * ex**a * ey**b for (ex, ey), value in pf.items())
            counts[a, b] = total / (4.0 * _PARITY_SIGN[a, b])
    return np.rint(counts).astype(np.int64)


def kasteleyn_count(ly: int, lx: int | None = None) -> int:
    """Number of close-packed dimer coverings of the torus, ½(−Pf₊₊ + Pf₊₋ + Pf₋₊ + Pf₋₋)."""
    lx = ly if lx is None else lx
    pf = kasteleyn_pfaffians(ly, lx)
    return int(round(0.5 * (-pf[1, 1] + pf[1, -1] + pf[-1, 1] + pf[-1, -1])))


def configuration_index(dimers, reference) -> np.ndarray:
    """Row of ``reference`` (e.g. :func:`enumerate_dimers`) equal to each configuration: int64 ``(samples,)``.

    Raises ValueError if a configuration is not in the reference list.
    """
    def codes(d):  # one opaque byte string per configuration, sortable
        d = check_dimers(d)
        packed = np.ascontiguousarray(np.packbits(d.reshape(d.shape[0], -1).astype(np.uint8), axis=1))
        return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()

    ref = codes(reference)
    order = np.argsort(ref)
    sample = codes(dimers)
    position = np.clip(np.searchsorted(ref[order], sample), 0, len(ref) - 1)
    found = ref[order][position] == sample
    if not found.all():
        raise ValueError(f"dimers: {int((~found).sum())} configurations are not in the reference list")
    return order[position]


def histogram_pvalue(counts, probabilities, *, min_expected: float = 5.0) -> float:
    """Chi-square p-value of observed ``counts`` per category against exact ``probabilities``.

    Categories are pooled, rarest first, until each pooled bin expects at
    least ``min_expected`` counts (Cochran's rule); the statistic has
    (bins − 1) degrees of freedom.  Assumes independent samples: thin first.
    """
    observed = np.asarray(counts, dtype=np.float64)
    expected = np.asarray(probabilities, dtype=np.float64) * observed.sum()
    if observed.shape != expected.shape:
        raise ValueError(f"counts {observed.shape} and probabilities {expected.shape} differ in shape")
    pooled_o, pooled_e = [], []
    acc_o = acc_e = 0.0
    for i in np.argsort(expected, kind="stable"):
        acc_o += observed[i]
        acc_e += expected[i]
        if acc_e >= min_expected:
            pooled_o.append(acc_o)
            pooled_e.append(acc_e)
            acc_o = acc_e = 0.0
    if not pooled_e:
        raise ValueError("too few samples: no bin reaches the minimum expected count")
    pooled_o[-1] += acc_o
    pooled_e[-1] += acc_e
    o, e = np.array(pooled_o), np.array(pooled_e)
    if len(o) < 2:
        return 1.0
    return chi2_pvalue(((o - e) ** 2 / e).sum(), len(o) - 1)


def _inverse_kasteleyn_row(x: int) -> float:
    """``f(x)`` of the module docstring (x odd), by Fourier quadrature."""
    from scipy.integrate import quad

    value, _ = quad(lambda t: 1.0 / np.sqrt(1.0 + np.cos(t) ** 2), 0.0, np.pi / 2, weight="cos", wvar=abs(x),
                    limit=400)
    return value / np.pi


def free_row_correlation(r_max: int) -> np.ndarray:
    """Exact staggered row correlation ``C(r)`` of free dimers on the infinite lattice, r = 0 … r_max.

    ``C(0) = 3/16``, ``C(1) = 1/16``, ``C(r) → 1/(π² r²)`` (module docstring);
    the T = ∞ target of :func:`rgml.dimers.observables.row_correlation` for
    ``r ≪ L``.
    """
    if r_max < 0:
        raise ValueError(f"r_max must be ≥ 0, got {r_max}")
    f = {x: _inverse_kasteleyn_row(x) for x in range(1, r_max + 2, 2)}
    c = np.empty(r_max + 1)
    for r in range(r_max + 1):
        if r == 0:
            c[r] = 3.0 / 16.0
        elif r % 2:
            c[r] = f[r] ** 2  # (−1)^r G = +f(r)²
        else:
            c[r] = -f[r - 1] * f[r + 1]
    return c
