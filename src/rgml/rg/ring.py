"""The exact 1D decimation flow, measured on samples of the periodic ring.

Decimating every b-th spin of a ring of N spins at coupling K gives exactly
a ring of N/b spins at K' with tanh K' = tanh^b K (b = 2: K' = ½ ln cosh 2K;
seed paper Eqs. (12)–(15)).  The coupling of a coarse ring of N' spins is
read off its nearest-neighbour correlation c by inverting the exact
finite-ring result c(K) = (t + t^{N'−1}) / (1 + t^{N'}), t = tanh K, which is
atanh(c) up to corrections of order t^{N'}.  Bonds of the chain are
independent, so the error of c is its standard error over samples.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from rgml.exact import decimation_flow, ring_correlation
from rgml.rg.blocks import decimate_ring, n_levels


def ring_coupling(correlation: float, size: int) -> float:
    """K of the periodic ring of ``size`` spins whose ⟨s_i s_{i+1}⟩ equals ``correlation``."""
    if not -1.0 < correlation < 1.0:
        return np.inf * np.sign(correlation)
    return brentq(lambda k: ring_correlation(size, k, 1) - correlation, -20.0, 20.0, xtol=1e-14)


def ring_flow(spins: np.ndarray, couplings, b: int, *, coarsen=None) -> list[dict]:
    """Rows (K, level, K_eff, K_eff_err, K_exact) for ring samples ``(n_K, samples, N)``.

    ``coarsen(rings, i)`` maps the rings of coupling number ``i`` one level
    down (default: exact decimation keeping every b-th spin); ``K_exact`` is
    always the decimation recursion, the yardstick for any rule.
    """
    coarsen = coarsen or (lambda rings, i: decimate_ring(rings, b))
    size = spins.shape[-1]
    levels = n_levels(size, b)
    rows = []
    for i, k in enumerate(couplings):
        exact = decimation_flow(k, levels, b=b)
        current = spins[i]
        for level in range(levels + 1):
            n = current.shape[-1]
            per_sample = (current * np.roll(current, -1, axis=-1)).mean(axis=-1, dtype=np.float64)
            c = per_sample.mean()
            c_err = per_sample.std(ddof=1) / np.sqrt(per_sample.size)
            k_eff = ring_coupling(c, n)
            slope = (ring_coupling(min(c + 1e-6, 1 - 1e-12), n) - ring_coupling(max(c - 1e-6, -1 + 1e-12), n)) / 2e-6
            rows.append({
                "K": float(k), "level": level, "N": n, "correlation": c, "correlation_err": c_err,
                "K_eff": k_eff, "K_eff_err": abs(slope) * c_err, "K_exact": float(exact[level]),
            })
            if level < levels:
                current = coarsen(current, i)
    return rows


def ring_flow_table(spins: np.ndarray, couplings, b: int, *, coarsen=None):
    """:func:`ring_flow` as a table with the decimation factor and z = (K_eff − K_exact) / σ."""
    import pandas as pd

    df = pd.DataFrame(ring_flow(spins, couplings, b, coarsen=coarsen))
    df.insert(2, "b", b)
    df["z"] = (df["K_eff"] - df["K_exact"]) / df["K_eff_err"]
    return df
