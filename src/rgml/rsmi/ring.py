"""RSMI on the 1D ring: learn a b-site filter at every coupling and follow its RG flow.

Lenggenhager et al. (PRX 10, 011037 (2020)) show that in 1D the
information-optimal rule approaches decimation.  At each coupling K of a
ring sample set a filter on b consecutive sites is fitted (its norm annealed
towards a deterministic rule), then applied level by level to the rings and
the coupling of each level read off as in :mod:`rgml.rg.ring`, against the
exact decimation recursion tanh K' = tanh^b K.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from rgml.layout import Layout
from rgml.params import default
from rgml.rg.ring import ring_flow
from rgml.rng import Stream, keyed
from rgml.rsmi.apply import apply_filter
from rgml.rsmi.fit import FitConfig, fit_with_stream
from rgml.rsmi.measures import weight_share
from rgml.rsmi.partition import Geometry

RSMI_RING = Layout(
    "1D RSMI store (rgml rsmi ring)",
    {
        "lambda": (("coupling", "vx"), np.float64),
        "mi": (("coupling",), np.float64),
        "K_eff": (("coupling", "level"), np.float64),
        "K_exact": (("coupling", "level"), np.float64),
    },
    dims=("coupling", "level"),
    attrs=("b",),
    finite=("lambda",),
)


#: Columns of :func:`rgml.rg.ring.ring_flow` after (K, level), stored per (coupling, level).
_FLOW_ATTRS = {
    "N": {"long_name": "spins of the coarse ring"},
    "correlation": {"long_name": "nearest-neighbour correlation of the coarse rings"},
    "correlation_err": {"long_name": "its standard error"},
    "K_eff": {"long_name": "coupling of the coarse rings"},
    "K_eff_err": {"long_name": "its error"},
    "K_exact": {"long_name": "exact decimation recursion"},
}


@dataclass(frozen=True)
class RingRSMI:
    """Filters, information and RG flow of the learned rule at each coupling.

    Attributes
    ----------
    couplings:
        K of each ring set.
    filters:
        ``(coupling, b)`` learned filters.
    mi, mi_err:
        Held-out bound on I(H:E) and its error per coupling, nats.
    flow:
        Rows (K, level, N, correlation, K_eff, K_eff_err, K_exact) of :func:`rgml.rg.ring.ring_flow`.
    geometry:
        The partition of the fits (``dim=1``).
    config:
        The fits' :class:`~rgml.rsmi.FitConfig`.
    """

    couplings: np.ndarray
    filters: np.ndarray
    mi: np.ndarray
    mi_err: np.ndarray
    flow: pd.DataFrame
    geometry: Geometry
    config: FitConfig

    @property
    def b(self) -> int:
        return self.geometry.block

    def to_dataset(self) -> xr.Dataset:
        """The 1D RSMI store's dataset (:data:`RSMI_RING`); :meth:`from_dataset` reads it back."""
        levels = sorted(self.flow["level"].unique())
        table = self.flow.set_index(["K", "level"])
        per_level = {
            name: (("coupling", "level"), np.array([[table.loc[(k, n), name] for n in levels] for k in self.couplings]),
                   attrs)
            for name, attrs in _FLOW_ATTRS.items()
        }
        ds = xr.Dataset(
            {
                "lambda": (("coupling", "vx"), self.filters, {"long_name": "learned filter per coupling"}),
                "mi": (("coupling",), self.mi, {"units": "nats", "long_name": "held-out bound on I(H:E)"}),
                "mi_err": (("coupling",), self.mi_err, {"units": "nats"}),
                "weight_share": (("coupling",), weight_share(self.filters),
                                 {"long_name": "largest squared-weight share of the filter (1: decimation)"}),
                **per_level,
            },
            coords={"coupling": ("coupling", self.couplings), "level": ("level", levels)},
        )
        ds.attrs.update({"b": self.b, "buffer": self.geometry.buffer, "environment": self.geometry.env,
                         "estimator": self.config.estimator,
                         "fit_config": yaml.safe_dump(self.config.as_attrs(), sort_keys=False)})
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "RingRSMI":
        """Rebuild from :meth:`to_dataset` (or the workflow's ``results/rsmi/ising1d/ring_b{b}.zarr``)."""
        couplings = np.asarray(ds["coupling"].values, np.float64)
        levels = np.asarray(ds["level"].values)
        flow = pd.DataFrame({"K": np.repeat(couplings, levels.size), "level": np.tile(levels, couplings.size)})
        for name in _FLOW_ATTRS:
            flow[name] = ds[name].values.reshape(-1)
        flow = flow.astype({"level": int, "N": int})
        return cls(couplings, np.asarray(ds["lambda"].values, np.float64), np.asarray(ds["mi"].values, np.float64),
                   np.asarray(ds["mi_err"].values, np.float64), flow,
                   Geometry(block=int(ds.attrs["b"]), buffer=int(ds.attrs["buffer"]), env=int(ds.attrs["environment"]),
                            dim=1),
                   FitConfig(**yaml.safe_load(ds.attrs["fit_config"])))


def ring_rsmi(rings: xr.Dataset, *, b: int = default("rg.ring_b"), buffer: int = default("rsmi.ring_buffer"),
              environment: int = default("rsmi.ring_environment"), config: FitConfig | None = None,
              seed: int | Stream, log=lambda message: None) -> RingRSMI:
    """Fit a b-site filter at every coupling of a ring sample set and follow the learned rule's flow.

    Parameters
    ----------
    rings:
        A 1D sample set (:data:`rgml.ising.samples.SAMPLES_1D`).
    b, buffer, environment:
        Block, buffer and environment widths in sites (defaults: the config's).
    config:
        Fit settings; default: the config's steps and norm, annealed up to ``rsmi.rule_norm``.
    seed:
        Root seed or stream: the fit at coupling K draws from (seed, "rsmi-ring", N, K, b), the flow from
        (seed, "rsmi-ring-flow", b).
    """
    config = config or FitConfig(norm_stop=default("rsmi.rule_norm"))
    spins = rings["spins"].values
    couplings = rings["coupling"].values
    size = spins.shape[-1]
    geometry = Geometry(block=b, buffer=buffer, env=environment, dim=1)
    filters, mi, mi_err = [], [], []
    for k, samples in zip(couplings, spins):
        result = fit_with_stream(samples, geometry, keyed(seed, "rsmi-ring", size, float(k), b), config)
        filters.append(result.filters[0])
        mi.append(result.mi)
        mi_err.append(result.mi_err)
        log(f"K={k:g}: filter {np.round(result.filters[0], 3).tolist()}, I(H:E) >= {result.mi:.5f} nats")
    stream = keyed(seed, "rsmi-ring-flow", b)
    rows = ring_flow(spins, couplings, b,
                     coarsen=lambda lattices, i: apply_filter(lattices, filters[i][None],
                                                               stream.child(i, lattices.shape[-1])))
    return RingRSMI(np.asarray(couplings, np.float64), np.array(filters), np.array(mi), np.array(mi_err),
                    pd.DataFrame(rows), geometry, replace(config))
