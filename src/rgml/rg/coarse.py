"""Coarse-graining sample sets level by level: the RG stores' contract.

A block rule (:class:`rgml.rg.rules.BlockRule`) is applied repeatedly while
the coarse lattice stays at least 4 sites across.  For every temperature the
result holds the configurations of levels 1, 2, … (``level{n}`` with dims
``(temperature, sample, y{n}, x{n})``), the per-sample densities S_α/N of the
even interactions at every level including the samples themselves
(``densities (temperature, level, sample, interaction)``) and of the odd ones
(``odd_densities``, for the magnetic eigenvalue), and τ_int of every density
along each chain's stored sequence — all the flow and MCRG analysis
(:mod:`rgml.rg.analysis`) needs.

Each temperature draws from the stream keyed (seed, "rg", rule, b, L, T),
level n from its child ("level", n), so a temperature's blocks depend on
nothing but its own samples.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from rgml.backend import to_numpy
from rgml.chunks import samples_per_chunk
from rgml.ising.samples import TEMPERATURE_ATTRS
from rgml.layout import Layout
from rgml.params import default
from rgml.rg.blocks import n_levels
from rgml.blocking import chain_tau
from rgml.rg.correlations import INTERACTION_NAMES, ODD_INTERACTION_NAMES, interaction_densities, odd_interaction_densities
from rgml.rg.rules import BlockRule, check_rule, fixed_rule
from rgml.rng import Stream, keyed

RG_BLOCKS = Layout(
    "RG store (rgml rg coarse-grain)",
    {"densities": (("temperature", "level", "sample", "interaction"), np.float64),
     "odd_densities": (("temperature", "level", "sample", "odd_interaction"), np.float64),
     "tau_int_densities": (("temperature", "level", "interaction"), np.float64)},
    attrs=("rule", "b", "size", "levels", "chains"),
    finite=("densities", "odd_densities"),
    lazy=r"level\d+",
)


def level_variables(levels: int) -> dict:
    """Layout of the ``level{n}`` variables of a store with ``levels`` levels."""
    return {f"level{n}": (("temperature", "sample", f"y{n}", f"x{n}"), np.int8) for n in range(1, levels + 1)}


def rg_stream(seed: int | Stream, rule: BlockRule, size: int, temperature: float) -> Stream:
    """The stream of one temperature's coarse-graining."""
    return keyed(seed, "rg", rule.name, rule.b, size, float(temperature))


def levels_of(size: int, rule: BlockRule, levels: int | None = None) -> int:
    """Levels to go down: all while ≥ 4 sites across, or ``levels`` if that many fit."""
    check_rule(rule, size)
    most = n_levels(size, rule.b)
    if most < 1:
        raise ValueError(f"L={size} is too small to coarse-grain by b={rule.b} "
                         "(the coarse lattice must be >= 4 across)")
    if levels is None:
        return most
    if not 1 <= levels <= most:
        raise ValueError(f"levels: L={size} admits 1 to {most} levels of b={rule.b}, got {levels}")
    return levels


def coarse_grain_temperature(spins, rule: BlockRule, temperature: float, stream: Stream, levels: int, *,
                             chains: int = 1) -> xr.Dataset:
    """One temperature: levels 1…``levels`` of ``spins (sample, L, L)`` and every level's densities.

    ``spins`` may live on the GPU (CuPy); the dataset holds host arrays.
    ``chains``: interleaved Markov chains of the samples (sample = step · chains
    + chain), for τ_int of the densities.
    """
    current = spins
    data = {}
    even, odd = [to_numpy(interaction_densities(current))], [to_numpy(odd_interaction_densities(current))]
    for n in range(1, levels + 1):
        current = rule.coarse_grain(current, stream.child("level", n))
        side = current.shape[-1]
        data[f"level{n}"] = (("temperature", "sample", f"y{n}", f"x{n}"), to_numpy(current)[None],
                             {"long_name": f"block spins after {n} RG steps", "level": n,
                              "size": side, "flag_values": [-1, 1]})
        even.append(to_numpy(interaction_densities(current)))
        odd.append(to_numpy(odd_interaction_densities(current)))
    even, odd = np.stack(even), np.stack(odd)
    data["densities"] = (("temperature", "level", "sample", "interaction"), even[None],
                         {"long_name": "even interaction densities S_alpha / N per configuration", "units": "1"})
    data["odd_densities"] = (("temperature", "level", "sample", "odd_interaction"), odd[None],
                             {"long_name": "odd interaction densities per configuration (magnetic sector)",
                              "units": "1"})
    data["tau_int_densities"] = (("temperature", "level", "interaction"), chain_tau(even, chains=chains, axis=1)[None],
                                 {"long_name": "tau_int of each density along each chain's stored samples",
                                  "units": "stored samples"})
    data["tau_int_odd_densities"] = (("temperature", "level", "odd_interaction"),
                                     chain_tau(odd, chains=chains, axis=1)[None],
                                     {"long_name": "tau_int of each odd density along each chain's stored samples",
                                      "units": "stored samples"})
    return xr.Dataset(data, coords={
        "temperature": ("temperature", [float(temperature)], TEMPERATURE_ATTRS),
        "level": ("level", np.arange(levels + 1), {"long_name": "RG level (0 = the samples)"}),
        "interaction": ("interaction", np.array(INTERACTION_NAMES, dtype=object)),
        "odd_interaction": ("odd_interaction", np.array(ODD_INTERACTION_NAMES, dtype=object)),
    })


def store_attrs(rule: BlockRule, size: int, levels: int, chains: int) -> dict:
    """The attributes that identify an RG dataset (``chains``: Markov chains of the samples)."""
    return {"rule": rule.name, "b": rule.b, "levels": levels, "size": size, "chains": chains}


def chains_of(samples: xr.Dataset | xr.DataArray) -> int:
    """Interleaved Markov chains of a sample set (its ``chain`` coordinate; 1 without one)."""
    return int(samples["chain"].values.max()) + 1 if "chain" in samples.coords else 1


def encoding(size: int, b: int, levels: int, n_samples: int, compressor) -> dict:
    """Chunks (one temperature, a few MiB) and the spin compressor for every ``level{n}``."""
    out = {}
    for n in range(1, levels + 1):
        side = size // b**n
        out[f"level{n}"] = {"compressors": [compressor],
                            "chunks": (1, min(n_samples, samples_per_chunk(side * side)), side, side)}
    return out


def coarse_grain(samples: xr.Dataset | xr.DataArray, rule: str | BlockRule = "majority", *, b: int = default("rg.b"),
                 levels: int | None = None, seed: int | Stream,
                 to_device: Callable = lambda spins: spins) -> xr.Dataset:
    """Coarse-grain every configuration of a sample set, level by level.

    Parameters
    ----------
    samples:
        A 2D sample set (dataset with ``spins (temperature, sample, y, x)``, or
        the ``spins`` DataArray; one temperature selected with ``.sel`` is fine).
    rule:
        ``"majority"`` / ``"decimation"`` (with ``b``) or a learned
        :class:`~rgml.rg.rules.BlockRule` (RBM or RSMI rule; its own b).
    levels:
        How many levels (default: all while the lattice stays ≥ 4 across).
    seed:
        Root seed (int, keyed like the workflow) or :class:`rgml.rng.Stream`.
    to_device:
        Moves one temperature's spins where the rule runs (e.g. ``cupy.asarray``).

    Returns
    -------
    The RG store's dataset (:data:`RG_BLOCKS`): ``level1 …``, ``densities``.
    """
    rule = fixed_rule(rule, b) if isinstance(rule, str) else rule
    spins = samples["spins"] if isinstance(samples, xr.Dataset) else samples
    if "temperature" not in spins.dims:
        spins = spins.expand_dims("temperature")
    size = spins.sizes["x"]
    levels = levels_of(size, rule, levels)
    chains = chains_of(samples)
    parts = [coarse_grain_temperature(to_device(spins.isel(temperature=i).values), rule, float(t),
                                      rg_stream(seed, rule, size, float(t)), levels, chains=chains)
             for i, t in enumerate(spins["temperature"].values)]
    ds = xr.concat(parts, dim="temperature") if len(parts) > 1 else parts[0]
    ds.attrs.update(store_attrs(rule, size, levels, chains))
    return ds
