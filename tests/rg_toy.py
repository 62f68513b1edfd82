"""Toy RG datasets with a known flow, for testing the analysis without sampling.

Level n of an L lattice at temperature T has correlations g_α(T_n) · r^n
with T_n = Tc + b^{n/ν}(T − Tc): every RG step multiplies the distance from
Tc by b^{1/ν} (a fixed point at Tc, ν as given) and the correlations by r
(r = 1: a rule that rescales the spin; r = b^{−η}: decimation).  The
per-sample densities are those means plus fluctuations δ_n carried from
level to level as δ_{n+1} = b^{2 − 1/ν_n} δ_n + ε, so that Monte Carlo RG
finds λ_t = b^{1/ν_n} for the pair (n, n+1) (the extensive sums shrink by
b² per level); in the layout of :data:`rgml.rg.coarse.RG_BLOCKS`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from rgml.exact import TC
from rgml.rg.correlations import INTERACTION_NAMES
from rgml.rng import Stream

TEMPERATURES = np.array([1.9, 2.0, 2.1, 2.2, 2.24, TC, 2.3, 2.35, 2.45, 2.6, 2.8])

#: Terms per site of each interaction (nn and nnn have two, the plaquette one, …).
TERMS = np.array([2, 2, 1, 2, 4, 2], dtype=np.float64)


def correlations(t: np.ndarray) -> np.ndarray:
    """Smooth decreasing correlations ``(T, 6)`` in (0, 1)."""
    x = np.asarray(t, np.float64)[:, None]
    scale = np.array([1.0, 0.9, 0.8, 0.7, 0.65, 0.6])[None, :]
    return scale * (0.5 - 0.45 * np.tanh(1.5 * (x - TC)))


def toy_rg(rule: str, b: int, size: int, *, ratio: float = 1.0, nu: float = 1.0, mcrg_nu=None, samples: int = 400,
           noise: float = 0.005, seed: int = 0, temperatures: np.ndarray = TEMPERATURES) -> xr.Dataset:
    levels = 0
    side = size
    while side % b == 0 and side // b >= 4:
        side //= b
        levels += 1
    stream = Stream.named(seed, "toy-rg", rule, b, size)
    nus = [nu] * levels if mcrg_nu is None else list(mcrg_nu)
    shape = (len(temperatures), samples, len(INTERACTION_NAMES))
    dens = np.empty((len(temperatures), levels + 1, samples, len(INTERACTION_NAMES)))
    delta = noise * stream.normal(shape)
    for n in range(levels + 1):
        t_n = TC + b ** (n / nu) * (temperatures - TC)
        mean = correlations(t_n) * ratio**n * TERMS
        dens[:, n] = mean[:, None, :] + delta
        if n < levels:
            delta = b ** (2 - 1 / nus[n]) * delta + 0.1 * noise * stream.normal(shape)
    ds = xr.Dataset(
        {"densities": (("temperature", "level", "sample", "interaction"), dens)},
        coords={"temperature": temperatures, "level": np.arange(levels + 1),
                "interaction": np.array(INTERACTION_NAMES, dtype=object)},
    )
    ds.attrs.update({"rule": rule, "b": b, "size": size, "levels": levels})
    return ds
