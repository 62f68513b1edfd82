"""RSMI on dimers: learn the coarse variables of the Coulomb phase and compare them with naive rules.

Koch-Janusz & Ringel (Nat. Phys. 14, 578 (2018)) and Gökmen et al. (PRL 127,
240603 (2021); PRE 104, 064106 (2021)) let real-space mutual-information RG
find the relevant variables of the classical dimer model, where nobody
writes a majority rule in advance: in the Coulomb phase they are the block
electric fields (E_x, E_y), below T_c the columnar order.  Here a dimer
sample set goes through the RSMI stage unchanged (:mod:`rgml.rsmi`):

1. the configurations are drawn on the link lattice with independent random
   *noise* bits in the site and face cells of every visible block
   (:func:`rgml.dimers.link_lattice`, :func:`dimer_pairs`), so that a good
   filter must learn to ignore half of its inputs; the environment's filler
   cells are constant;
2. the partition is :func:`rgml.dimers.link_geometry` (block ℓ, buffer L_B,
   environment L_E in sites) with block origins every ``stride`` sites;
3. :func:`rgml.rsmi.fit.fit_pairs` learns ``n_hidden`` filters on the rows of
   :func:`rgml.rsmi.fit.split_pairs` (:func:`rgml.rsmi.fit.fit_with_stream`,
   keeping the held-out rows for the chain-aware errors; no global flip
   augmentation: s → −s breaks close packing);
4. the filters are compared with the field and order planes
   (:mod:`rgml.dimers.shapes`), and the *reference rules* — the naive rules
   and, on request, the exact field and order filters — are evaluated with
   the same geometry, split, critic initialisation and minibatches (the same
   stream), their filters held fixed at the norm the fit ended with.

Reference rules (``REFERENCE_RULES``; filters ``(units, 2ℓ, 2ℓ)`` per unit at
norm |λ|):

``orientation``   one unit, ``N_h − N_v`` (:func:`rgml.dimers.orientation_filter`):
                  the majority orientation of the block;
``occupations``   two units, ``N_h − ℓ²/4`` and ``N_v − ℓ²/4``: each block
                  occupation against its mean ``⟨n⟩ = 1/4``; the offset is a
                  bias, carried by weight ¼ on the block's constant site cells;
``field``         two units, the block fields E_x, E_y (:func:`rgml.dimers.field_filters`);
``order``         two units, ``D_x ± D_y`` (:func:`rgml.dimers.shapes.order_filters`),
                  whose signs label the four columnar crystals.

Reference rules are evaluated on the link lattice with *constant* (+1)
fillers — the bias of ``occupations`` needs them — which has the same
I(H:E) for filters that ignore the fillers (the noise is independent of
everything); the learned rule's environment has constant fillers too, so
both critics see the same E.

Weight left on the noise cells is mostly the random initial direction not
yet rotated away: at fixed |λ| a noise weight shrinks only as the field
component grows, so the noise share falls with the rows the optimiser has
seen, steps × batch, until the finite sample set (overfitting the noise
bits, ∝ 1/√samples) takes over (``bench/rsmi_dimers_noise.py``, T = ∞,
L = 32, 8 × 8 blocks, buffer 2, three fit seeds, 4000 samples: 400 steps of
512 rows 9.6 ± 0.9 %, 800 × 512 and 400 × 1024 5.7 ± 0.3 % and 5.8 ± 0.7 %,
1600 × 512 and 400 × 2048 4.4 ± 0.2 % and 4.4 ± 0.1 %, 3200 × 512 and
400 × 4096 4.0 ± 0.1 % both; at 400 × 2048 with 1000, 2000, 4000, 8000
samples 8.7 ± 1.0, 5.5 ± 0.3, 4.4 ± 0.1, 3.6 ± 0.1 %).  Overlapping block
positions (``stride`` < ℓ) multiply the independent noise bits each weight
sees at no extra cost per optimiser step, which is why the default stride is
ℓ/2.

Below T_c the worm sampler does not tunnel between the four crystals on
large tori; its chains start one per crystal (use a multiple of 4), or
``augment=True`` adds each configuration's images under a diagonal
translation and the x ↔ y reflection (:func:`symmetry_images`), so every
crystal is represented equally.
There the optimum is deterministic (which crystal), and units held at their
final norm from the first step end short of it; the workflow grows each
filter's norm during the fit (``FitConfig(norm_start=0.5, norm_stop=2)``,
:func:`rgml.steps.rsmi_dimers.phase_settings`), which a notebook
does the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

from rgml.dimers.fields import field_filters, occupation_filters, orientation_filter
from rgml.dimers.heldout import chain_jackknife_error, heldout_scores, heldout_terms
from rgml.dimers.lattice import check_dimers, translate, transpose
from rgml.dimers.linklattice import cells_to_links, environment_fillers, link_geometry, link_lattice, links_to_cells
from rgml.dimers.shapes import noise_share, order_filters, principal_cosines, span_cosines
from rgml.layout import Layout
from rgml.rng import Stream, keyed
from rgml.rsmi.estimators import Shortfall, infonce_shortfall
from rgml.rsmi.fit import RSMI_FIT, FitConfig, FitResult, fit_pairs, split_indices, split_pairs

#: Names of the fixed rules :func:`fit_dimers` can evaluate beside the fit (module docstring).
REFERENCE_RULES = ("orientation", "occupations", "field", "order")

#: The naive rules of the issue: what one would write without knowing the Coulomb phase.
NAIVE_RULES = ("orientation", "occupations")

#: Fit settings of the dimer stage (bench/rsmi_dimers.py): the filter learning rate is half the Ising
#: default and decays to 2 % of it, which settles the noise weights (their share of the norm falls
#: from ≈ 7 % to ≈ 4 %) and avoided the "dead unit" (one filter stuck on noise) that 1 of 5 fits with
#: lr_filters = 0.02 ended in at T = ∞.  The critic is calibrated (:mod:`rgml.rsmi.calibration`):
#: below T_c, where E fixes the crystal, an uncalibrated critic's finite margin kept the bound below
#: ln 4 by far more than its error.
DIMER_FIT = FitConfig(n_hidden=2, steps=1000, polish_steps=300, batch_size=1024, lr_filters=0.01, lr_floor=0.02,
                      flip_augment=False, calibrate=True)

TEMPERATURE_ATTRS = {"units": "|v|/k_B", "long_name": "temperature T (inf: non-interacting dimers)"}


def symmetry_images(dimers) -> np.ndarray:
    """Each configuration and three images that together visit all four columnar crystals.

    Returns int8 ``(4 n, 2, L, L)`` with rows ``4i … 4i+3`` the images of
    configuration i under the identity, the translation by (1, 1) (shift
    ``s → 1 − s`` of a crystal, sublattices kept), the reflection x ↔ y
    (horizontal ↔ vertical) and both — so consecutive rows stay together in
    a split by contiguous chunks.  These are symmetries of the model, so the
    augmented set samples the same ensemble with the four crystals equally
    represented.
    """
    d = check_dimers(dimers)
    if d.ndim != 4:
        raise ValueError(f"dimers: expected (samples, 2, L, L), got shape {d.shape}")
    shifted = translate(d, 1, 1)
    images = np.stack([d, shifted, transpose(d), transpose(shifted)], axis=1)
    return images.reshape(-1, *d.shape[1:])


def _unit_rows(links: np.ndarray, norm: float, *, bias: float = 0.0) -> np.ndarray:
    """Cell images ``(units, 2ℓ, 2ℓ)`` of link-layout filters, ``bias`` on the site cells, each at ``norm``."""
    cells = links_to_cells(links)
    if bias:
        cells[:, 0::2, 0::2] = bias
    flat = cells.reshape(cells.shape[0], -1)
    return cells * (norm / np.linalg.norm(flat, axis=1))[:, None, None]


def reference_filters(name: str, block: int, *, norm: float) -> np.ndarray:
    """Filters ``(units, 2ℓ, 2ℓ)`` of a reference rule at norm ``norm`` per unit (module docstring).

    ``occupations`` carries its offset on the site cells and needs constant
    +1 fillers.
    """
    if name == "orientation":
        return _unit_rows(orientation_filter(block)[None], norm)
    if name == "occupations":  # N_k − ℓ²/4 = ½ Σ_k s + ¼ ℓ² (site cells hold +1)
        return _unit_rows(occupation_filters(block), norm, bias=0.25)
    if name == "field":
        return _unit_rows(field_filters(block), norm)
    if name == "order":
        d = order_filters(block)
        return _unit_rows(np.stack([d[0] + d[1], d[0] - d[1]]), norm)
    raise ValueError(f"reference rule {name!r} is unknown; use one of {', '.join(REFERENCE_RULES)}")


@dataclass(frozen=True)
class DimerFit:
    """An RSMI fit on dimer configurations, its shape measures and the reference rules beside it.

    Attributes
    ----------
    fit:
        The :class:`rgml.rsmi.FitResult` on the link lattice: filters
        ``(n_hidden, 2ℓ, 2ℓ)`` (cells, :mod:`rgml.dimers.linklattice`),
        held-out ``mi ± mi_err`` in nats.
    block, buffer, environment, stride:
        ℓ, L_B, L_E and the spacing of block origins, in sites.
    noise, augment:
        Whether the fillers were random bits, whether :func:`symmetry_images` were added.
    field_cosine, order_cosine:
        ``(n_hidden,)`` span cosines with (E_x, E_y) and with (D_x, D_y), link space.
    field_principal, order_principal:
        ``(min(n_hidden, 2),)`` principal cosines of span(filters) with each plane.
    noise_share:
        ``(n_hidden,)`` share of each filter's norm on the filler cells.
    rules:
        Names of the reference rules evaluated (:data:`REFERENCE_RULES`).
    rule_mi, rule_mi_err:
        ``(rules,)`` their held-out I(H:E) and error, nats.
    rule_norm:
        Norm |λ| per unit the reference rules were evaluated at.
    chains:
        Sampler chains the errors were computed with (block jackknife within
        chains), or None (τ_int of the interleaved series).
    series_mi_err:
        The fit's τ_int error, kept for comparison when ``chains`` is set.
    visible_mi, visible_mi_err:
        Held-out I(H:V) of the learned filters and its error, nats: an upper
        bound on I(H:E) (data processing; :func:`rgml.dimers.heldout.heldout_terms`),
        so the true I(H:E) lies between ``fit.mi`` and it.  NaN without ``chains``.
    visible_gap_err:
        Error of ``visible_mi − fit.mi``, nats: one jackknife of the difference of
        the two per-configuration terms, which move together (both carry the
        units' own randomness).  NaN without ``chains``.
    h_given_v, h_given_v_err:
        Held-out ⟨H(H|V)⟩ of the learned filters and its error, nats: the
        hidden units' own randomness at the filter norm, I(H:V) = H(H) −
        ⟨H(H|V)⟩ with H(H) ≤ n_hidden ln 2.  NaN without ``chains``.
    shortfall_spread, shortfall_cross:
        Two parts of n_hidden ln 2 − ``fit.mi`` of an InfoNCE fit, nats
        (:func:`rgml.rsmi.estimators.infonce_shortfall`; the third is the hidden
        marginal's distance from uniform): the spread of the critic's scores for
        a state over the held-out rows that hold it (a bias of the critic where E
        fixes the state), and the weight of a state's scores on rows of the other
        states.  NaN without ``chains`` and for the BA estimator.
    """

    fit: FitResult
    block: int
    buffer: int
    environment: int
    stride: int
    noise: bool
    augment: bool
    field_cosine: np.ndarray
    order_cosine: np.ndarray
    field_principal: np.ndarray
    order_principal: np.ndarray
    noise_share: np.ndarray
    rules: tuple[str, ...] = ()
    rule_mi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rule_mi_err: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rule_norm: float = float("nan")
    chains: int | None = None
    series_mi_err: float = float("nan")
    visible_mi: float = float("nan")
    visible_mi_err: float = float("nan")
    visible_gap_err: float = float("nan")
    h_given_v: float = float("nan")
    h_given_v_err: float = float("nan")
    shortfall_spread: float = float("nan")
    shortfall_cross: float = float("nan")

    @property
    def temperature(self) -> float | None:
        return self.fit.temperature

    @property
    def n_hidden(self) -> int:
        return int(self.fit.filters.shape[0])

    def link_filters(self) -> np.ndarray:
        """Learned filters in the link layout ``(n_hidden, 2, ℓ, ℓ)``, next to :func:`rgml.dimers.field_filters`."""
        return cells_to_links(self.fit.filters)

    def to_dataset(self) -> xr.Dataset:
        """The fit's :data:`rgml.rsmi.RSMI_FIT` dataset plus the measures and reference rules (:data:`RSMI_DIMERS`)."""
        ds = self.fit.to_dataset()
        ds["temperature"].attrs.update(TEMPERATURE_ATTRS)
        cos = {"units": "1"}
        ds["field_cosine"] = ("hidden", self.field_cosine,
                              cos | {"long_name": "|cos| of each filter with span(E_x, E_y), link space"})
        ds["order_cosine"] = ("hidden", self.order_cosine,
                              cos | {"long_name": "|cos| of each filter with span(D_x, D_y), link space"})
        ds["noise_share"] = ("hidden", self.noise_share,
                             cos | {"long_name": "|lambda on filler cells| / |lambda|"})
        ds["field_principal"] = ("principal", self.field_principal,
                                 cos | {"long_name": "principal cosines of span(filters) with span(E_x, E_y)"})
        ds["order_principal"] = ("principal", self.order_principal,
                                 cos | {"long_name": "principal cosines of span(filters) with span(D_x, D_y)"})
        ds["rule_mi"] = ("rule", np.asarray(self.rule_mi, np.float64),
                         {"units": "nats", "long_name": "held-out I(H:E) of the reference rule"})
        ds["rule_mi_err"] = ("rule", np.asarray(self.rule_mi_err, np.float64),
                             {"units": "nats", "long_name": "standard error of rule_mi"})
        ds = ds.assign_coords(rule=("rule", np.array(self.rules, dtype=str),
                                    {"long_name": "reference rule (rgml.dimers.rsmi.REFERENCE_RULES)"}))
        ds.attrs.update({
            "model": "dimers", "dimer_block": self.block, "dimer_buffer": self.buffer,
            "dimer_environment": self.environment, "stride_sites": self.stride, "noise_fillers": int(self.noise),
            "augment": int(self.augment), "rule_norm": float(self.rule_norm),
            "chains": -1 if self.chains is None else int(self.chains), "series_mi_err": float(self.series_mi_err),
            "error_method": "tau_int" if self.chains is None else "chain_block_jackknife",
            "visible_mi": float(self.visible_mi), "visible_mi_err": float(self.visible_mi_err),
            "visible_gap_err": float(self.visible_gap_err),
            "h_given_v": float(self.h_given_v), "h_given_v_err": float(self.h_given_v_err),
            "shortfall_spread": float(self.shortfall_spread), "shortfall_cross": float(self.shortfall_cross),
        })
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "DimerFit":
        """Rebuild from :meth:`to_dataset` (the critic is not stored)."""
        return cls(
            fit=FitResult.from_dataset(ds), block=int(ds.attrs["dimer_block"]), buffer=int(ds.attrs["dimer_buffer"]),
            environment=int(ds.attrs["dimer_environment"]), stride=int(ds.attrs["stride_sites"]),
            noise=bool(ds.attrs["noise_fillers"]), augment=bool(ds.attrs["augment"]),
            field_cosine=ds["field_cosine"].values.astype(np.float64),
            order_cosine=ds["order_cosine"].values.astype(np.float64),
            field_principal=ds["field_principal"].values.astype(np.float64),
            order_principal=ds["order_principal"].values.astype(np.float64),
            noise_share=ds["noise_share"].values.astype(np.float64),
            rules=tuple(str(r) for r in ds["rule"].values), rule_mi=ds["rule_mi"].values.astype(np.float64),
            rule_mi_err=ds["rule_mi_err"].values.astype(np.float64), rule_norm=float(ds.attrs["rule_norm"]),
            chains=None if int(ds.attrs["chains"]) < 0 else int(ds.attrs["chains"]),
            series_mi_err=float(ds.attrs["series_mi_err"]),
            visible_mi=float(ds.attrs.get("visible_mi", np.nan)),
            visible_mi_err=float(ds.attrs.get("visible_mi_err", np.nan)),
            visible_gap_err=float(ds.attrs.get("visible_gap_err", np.nan)),
            h_given_v=float(ds.attrs.get("h_given_v", np.nan)),
            h_given_v_err=float(ds.attrs.get("h_given_v_err", np.nan)),
            shortfall_spread=float(ds.attrs.get("shortfall_spread", np.nan)),
            shortfall_cross=float(ds.attrs.get("shortfall_cross", np.nan)),
        )

    def to_frame(self) -> pd.DataFrame:
        """Rows of ``rsmi_dimers.csv``: the fit (rule ``rsmi``) and each reference rule.

        Columns: ``T``, ``L``, ``block``, ``buffer``, ``environment``,
        ``stride``, ``rule``, ``n_hidden``, ``norm`` (each unit's final |λ|),
        ``norm_start`` (its |λ| at the first step: smaller where the fit annealed
        it, :func:`rgml.steps.rsmi_dimers.phase_settings`), ``mi_nats``, ``mi_err``,
        ``cos_field_min`` / ``cos_field_max`` (span cosines of the components),
        ``principal_field_min`` (do the components jointly cover E_x and E_y?),
        ``cos_order_min`` / ``cos_order_max``, ``principal_order_min``,
        ``noise_share_max`` (NaN for reference rules and constant fillers),
        ``noise_fillers``, ``n_train``, ``n_heldout``, ``error_method``,
        ``mi_visible`` / ``mi_visible_err`` (I(H:V), the upper bound on
        I(H:E); NaN for reference rules and without chains), ``visible_gap`` /
        ``visible_gap_err`` (``mi_visible − mi_nats``, what the bound leaves between
        itself and that ceiling, and its error; NaN likewise), ``h_given_v`` /
        ``h_given_v_err`` (⟨H(H|V)⟩: I(H:V) falls short of the hidden entropy
        H(H) by this much; NaN likewise), ``shortfall_spread`` / ``shortfall_cross``
        (two parts of n_hidden ln 2 − ``mi_nats``, :func:`rgml.rsmi.estimators.infonce_shortfall`:
        the critic's own-state score spread and the cross term; NaN likewise), ``critic_scale``,
        ``critic_hidden_scale`` (the calibration factors β, γ of the fit's critic's scores and hidden
        layer, :func:`rgml.rsmi.calibration.calibrate`; NaN for reference rules).
        """
        base = {"T": np.nan if self.temperature is None else float(self.temperature),
                "L": -1 if self.fit.size is None else int(self.fit.size) // 2, "block": self.block,
                "buffer": self.buffer, "environment": self.environment, "stride": self.stride}
        config = self.fit.config
        rows = [base | {"rule": "rsmi", "n_hidden": self.n_hidden, "norm": config.filter_norm(config.steps - 1),
                        "norm_start": config.filter_norm(0), "mi_nats": self.fit.mi, "mi_err": self.fit.mi_err}
                | _shape_columns(self.field_cosine, self.order_cosine, self.field_principal, self.order_principal)
                | {"noise_share_max": float(self.noise_share.max()) if self.noise else np.nan,
                   "mi_visible": self.visible_mi, "mi_visible_err": self.visible_mi_err,
                   "visible_gap": self.visible_mi - self.fit.mi, "visible_gap_err": self.visible_gap_err,
                   "h_given_v": self.h_given_v, "h_given_v_err": self.h_given_v_err,
                   "shortfall_spread": self.shortfall_spread, "shortfall_cross": self.shortfall_cross,
                   "critic_scale": self.fit.critic_scale, "critic_hidden_scale": self.fit.critic_hidden_scale}]
        for name, mi, err in zip(self.rules, self.rule_mi, self.rule_mi_err):
            filters = reference_filters(name, self.block, norm=self.rule_norm)
            shapes = _measures(filters)
            rows.append(base | {"rule": name, "n_hidden": len(filters), "norm": self.rule_norm,
                                "norm_start": self.rule_norm, "mi_nats": float(mi), "mi_err": float(err)}
                        | _shape_columns(*shapes[:4])
                        | {"noise_share_max": np.nan, "mi_visible": np.nan, "mi_visible_err": np.nan,
                           "visible_gap": np.nan, "visible_gap_err": np.nan, "h_given_v": np.nan,
                           "h_given_v_err": np.nan, "shortfall_spread": np.nan, "shortfall_cross": np.nan,
                           "critic_scale": np.nan, "critic_hidden_scale": np.nan})
        for row in rows:
            row.update({"noise_fillers": self.noise, "n_train": self.fit.n_train, "n_heldout": self.fit.n_heldout,
                        "error_method": "tau_int" if self.chains is None else "chain_block_jackknife"})
        return pd.DataFrame(rows)


def _measures(filters) -> tuple[np.ndarray, ...]:
    """Field and order span cosines, principal cosines and noise share of cell-image filters."""
    block = filters.shape[-1] // 2
    fields, order = field_filters(block), order_filters(block)
    return (span_cosines(filters, fields), span_cosines(filters, order), principal_cosines(filters, fields),
            principal_cosines(filters, order), noise_share(filters))


def _shape_columns(field, order, field_principal, order_principal) -> dict:
    return {"cos_field_min": float(field.min()), "cos_field_max": float(field.max()),
            "principal_field_min": float(field_principal.min()), "cos_order_min": float(order.min()),
            "cos_order_max": float(order.max()), "principal_order_min": float(order_principal.min())}


RSMI_DIMERS = Layout(
    "RSMI fit on dimers (rgml rsmi dimers)",
    RSMI_FIT.variables | {
        "field_cosine": (("hidden",), np.float64),
        "order_cosine": (("hidden",), np.float64),
        "noise_share": (("hidden",), np.float64),
        "field_principal": (("principal",), np.float64),
        "rule_mi": (("rule",), np.float64),
        "rule_mi_err": (("rule",), np.float64),
    },
    attrs=RSMI_FIT.attrs + ("dimer_block", "dimer_buffer", "dimer_environment", "stride_sites", "noise_fillers"),
    finite=RSMI_FIT.finite + ("field_cosine", "noise_share"),
)


def dimer_fit_stream(seed: int | Stream, size: int, temperature: float | None, block: int, buffer: int,
                     environment: int, stride: int) -> Stream:
    """Stream of the fit and its reference rules: keyed (seed, "rsmi-dimers", L, T, ℓ, L_B, L_E, stride).

    Not keyed by ``n_hidden``: fits with 1, 2 or 4 components at one
    geometry share the split and the minibatch draws.
    """
    t = () if temperature is None else (float(temperature),)
    return keyed(seed, "rsmi-dimers", size, *t, block, buffer, environment, stride)


def noise_stream(seed: int | Stream, size: int, temperature: float | None) -> Stream:
    """Stream of the filler noise: keyed (seed, "rsmi-dimers-noise", L, T), shared by every fit at T."""
    t = () if temperature is None else (float(temperature),)
    return keyed(seed, "rsmi-dimers-noise", size, *t)


def _prepare(samples, *, block: int, buffer: int, environment: int, config: FitConfig | None,
             stride: int | None, augment: bool):
    """Checked dimers (augmented), link geometry, fit settings and stride (sites) of a dimer fit."""
    d = check_dimers(samples)
    if d.ndim != 4 or d.shape[-1] != d.shape[-2]:
        raise ValueError(f"samples: expected dimers (samples, 2, L, L) on a square torus, got shape {d.shape}")
    config = DIMER_FIT if config is None else config
    if config.stride is not None:
        raise ValueError("config.stride: leave it None and pass stride= in sites (the link lattice needs even cells)")
    stride = max(1, block // 2) if stride is None else int(stride)
    if stride < 1:
        raise ValueError(f"stride: must be ≥ 1 site, got {stride}")
    geometry = link_geometry(block, buffer, environment)
    geometry.check_size(2 * d.shape[-1])
    config = replace(config, flip_augment=False, stride=2 * stride)
    return (symmetry_images(d) if augment else d), geometry, config, stride


def dimer_pairs(d: np.ndarray, geometry, stream: Stream, config: FitConfig, *, noise: Stream | None) -> tuple:
    """The training and held-out (V, E) rows of a dimer fit: :func:`rgml.rsmi.fit.split_pairs` on the link lattice.

    With ``noise`` the filler cells of every visible block hold random bits (:func:`noise_stream`), the test
    of the noise share; the environment's fillers are constant +1 either way, as for the reference rules.
    Noise in E tests nothing about the filters; below T_c it left the bound of a fit whose units are
    deterministic 1.7 µnat short of ln 4 at T = 0.2 (L = 32) with the same I(H:V), against 0.19 µnat with
    constant fillers there, as short as the exact order filters (BENCHMARKS.md).
    """
    cells = link_lattice(d, filler=1) if noise is None else link_lattice(d, noise=noise)
    pairs = split_pairs(cells, geometry, stream, config)
    if noise is not None:
        fillers = environment_fillers(geometry)
        for _, environment in pairs:
            environment[..., fillers] = 1
    return pairs


class DimerRows(NamedTuple):
    """What a dimer fit draws before it trains (:func:`dimer_rows`)."""

    train: tuple  # (visible, environment) training rows
    heldout: tuple  # (visible, environment) held-out rows
    held: np.ndarray  # indices of the held-out configurations
    geometry: object  # the link geometry (rgml.rsmi.partition.Geometry)
    config: FitConfig  # the fit settings with the link lattice's stride
    stream: Stream  # dimer_fit_stream: split, critic initialisation, minibatches
    stride: int  # spacing of block origins in sites
    size: int  # side L of the dimer torus


def dimer_rows(
    samples, *, block: int, buffer: int, environment: int, config: FitConfig | None = None, seed: int | Stream,
    temperature: float | None = None, stride: int | None = None, augment: bool = False, noise: bool = True,
) -> DimerRows:
    """The rows, settings and stream of a dimer fit: those of :func:`fit_dimers` (``noise=True``) or of
    :func:`reference_information` (``noise=False``) called with the same arguments.

    Parameters as in :func:`fit_dimers`; ``config`` is used as given (set ``n_hidden`` in it).
    """
    d, geometry, config, stride = _prepare(samples, block=block, buffer=buffer, environment=environment,
                                           config=config, stride=stride, augment=augment)
    size = d.shape[-1]
    stream = dimer_fit_stream(seed, size, temperature, block, buffer, environment, stride)
    train, heldout = dimer_pairs(d, geometry, stream, config, noise=noise_stream(seed, size, temperature) if noise
                                 else None)
    return DimerRows(train, heldout, split_indices(len(d), stream, config)[1], geometry, config, stream, stride,
                     size)


def reference_fit(name: str, rows: DimerRows, *, norm: float) -> FitResult:
    """The held-out fit of reference rule ``name`` at ``norm`` per unit on ``rows`` (:func:`dimer_rows` with
    ``noise=False``): the filters fixed, only the critic trained."""
    filters = reference_filters(name, rows.geometry.block_shape[0] // 2, norm=norm)
    fixed = replace(rows.config, learn_filters=False, n_hidden=len(filters))
    return fit_pairs(rows.train, rows.heldout, fixed, seed=rows.stream, block_shape=rows.geometry.block_shape,
                     init_filters=filters)


def reference_information(
    samples, rules: tuple[str, ...] = NAIVE_RULES, *, block: int, buffer: int, environment: int, norm: float,
    config: FitConfig | None = None, seed: int | Stream, temperature: float | None = None,
    stride: int | None = None, augment: bool = False, chains: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Held-out I(H:E) of fixed reference rules, each unit at ``norm``: ``(mi, mi_err)``, ``(rules,)`` nats.

    Same geometry, stream (:func:`dimer_fit_stream`: split, critic
    initialisation, minibatches), settings and errors as :func:`fit_dimers`,
    on the link lattice with constant +1 fillers (module docstring); only
    the critic is trained.
    """
    for name in rules:
        if name not in REFERENCE_RULES:
            raise ValueError(f"rules: {name!r} is unknown; use some of {', '.join(REFERENCE_RULES)}")
    rows = dimer_rows(samples, block=block, buffer=buffer, environment=environment, config=config, seed=seed,
                      temperature=temperature, stride=stride, augment=augment, noise=False)  # one cut for every rule
    mi, err = [], []
    for name in rules:
        result = reference_fit(name, rows, norm=norm)
        mi.append(result.mi)
        err.append(result.mi_err if chains is None else
                   chain_errors(result, rows.heldout, rows.held, chains=chains, augment=augment)["mi_err"])
    return np.array(mi, np.float64), np.array(err, np.float64)


def chain_errors(result: FitResult, heldout, held, *, chains: int, augment: bool) -> dict:
    """Chain-aware held-out error of a fit, I(H:V) and ⟨H(H|V)⟩ with their errors, the error of I(H:V) − I, the
    spread and cross parts of an InfoNCE bound's shortfall (:class:`DimerFit` fields).

    ``heldout`` and ``held``: the fit's held-out rows and their configuration indices
    (:func:`rgml.rsmi.fit.split_pairs`, :func:`rgml.rsmi.fit.split_indices`); :mod:`rgml.dimers.heldout`.
    I(H:V) bounds I(H:E) from above.
    """
    images = 4 if augment else 1
    scored = heldout_scores(result, heldout)
    psi, psi_visible, h_given_v = heldout_terms(result, heldout, scored)
    parts = infonce_shortfall(*scored) if result.estimator == "infonce" else Shortfall(np.nan, np.nan, np.nan)
    units = {"n_samples": (result.n_train + result.n_heldout) // images, "chains": chains, "images": images}
    return {"mi_err": chain_jackknife_error(held, psi, **units), "visible_mi": float(psi_visible.mean()),
            "visible_mi_err": chain_jackknife_error(held, psi_visible, **units),
            "visible_gap_err": chain_jackknife_error(held, psi_visible - psi, **units),
            "h_given_v": float(h_given_v.mean()), "h_given_v_err": chain_jackknife_error(held, h_given_v, **units),
            "shortfall_spread": parts.spread, "shortfall_cross": parts.cross}


def fit_dimers(
    samples, *, block: int, buffer: int, environment: int, n_hidden: int, config: FitConfig | None = None,
    seed: int | Stream, temperature: float | None = None, noise: bool = True, stride: int | None = None,
    augment: bool = False, rules: tuple[str, ...] = NAIVE_RULES, rule_norm: float | None = None,
    chains: int | None = None,
) -> DimerFit:
    """Learn ``n_hidden`` RSMI filters on dimer configurations; measure them; evaluate reference rules.

    Parameters
    ----------
    samples:
        int8 link occupations ``(samples, 2, L, L)`` in sampling order
        (sample = step · chains + chain), one temperature.
    block, buffer, environment:
        ℓ, L_B, L_E in sites (:func:`rgml.dimers.link_geometry`); the torus
        must hold ``ℓ + 2(L_B + L_E)`` sites.
    n_hidden:
        Hidden units (replaces ``config.n_hidden``).
    config:
        Fit settings, default :data:`DIMER_FIT`; ``flip_augment`` is forced
        off and ``stride`` is set from ``stride`` (leave ``config.stride`` None).
    seed:
        Root seed or stream: :func:`dimer_fit_stream` for the fit and the
        rules, :func:`noise_stream` for the filler bits.
    temperature:
        T of the samples (|v|/k_B, ``np.inf`` allowed), for keying and the table.
    noise:
        Random filler bits (the test of the noise share); False: constant +1.
    stride:
        Spacing of block origins in sites; default ``max(1, ℓ // 2)``.
    augment:
        Add :func:`symmetry_images` (four rows per configuration).
    rules:
        Reference rules evaluated by :func:`reference_information` (:data:`REFERENCE_RULES`).
    rule_norm:
        Their norm per unit; default the fit's final norm.
    chains:
        Chains the sampler interleaved (``DimerSamples.chains``): the errors
        are then block jackknives within chains (:mod:`rgml.dimers.heldout`),
        which stay honest when chains are frozen in their crystals; None: the
        τ_int error of :func:`rgml.rsmi.evaluation.evaluate`.

    Returns
    -------
    :class:`DimerFit`.
    """
    rows = dimer_rows(samples, block=block, buffer=buffer, environment=environment,
                      config=replace(DIMER_FIT if config is None else config, n_hidden=n_hidden), seed=seed,
                      temperature=temperature, stride=stride, augment=augment, noise=noise)
    train, heldout, held, fit_config, stride_sites = rows.train, rows.heldout, rows.held, rows.config, rows.stride
    fit = replace(fit_pairs(train, heldout, fit_config, seed=rows.stream, block_shape=rows.geometry.block_shape),
                  geometry=rows.geometry, size=2 * rows.size, temperature=temperature)
    del rows, train  # fit_with_stream, keeping only the held-out rows, for the errors
    series_error = fit.mi_err
    visible = {}
    if chains is not None:
        visible = chain_errors(fit, heldout, held, chains=chains, augment=augment)
        fit = replace(fit, mi_err=visible.pop("mi_err"))
    del heldout
    field_cos, order_cos, field_principal, order_principal, share = _measures(fit.filters)
    norm = fit_config.filter_norm(fit_config.steps - 1) if rule_norm is None else float(rule_norm)
    rule_mi, rule_err = reference_information(
        samples, tuple(rules), block=block, buffer=buffer, environment=environment, norm=norm, config=config,
        seed=seed, temperature=temperature, stride=stride_sites, augment=augment, chains=chains)
    return DimerFit(
        fit=fit, block=block, buffer=buffer, environment=environment, stride=stride_sites, noise=noise,
        augment=augment, field_cosine=field_cos, order_cosine=order_cos, field_principal=field_principal,
        order_principal=order_principal, noise_share=share, rules=tuple(rules), rule_mi=rule_mi,
        rule_mi_err=rule_err, rule_norm=norm, chains=chains, series_mi_err=series_error, **visible,
    )


def rsmi_dimers_table(fits) -> pd.DataFrame:
    """``rsmi_dimers.csv``: the rows of every :class:`DimerFit`, reference rules listed once per (T, geometry)."""
    frame = pd.concat([f.to_frame() for f in fits], ignore_index=True)
    keys = ["T", "L", "block", "buffer", "environment", "stride", "rule", "n_hidden"]
    learned = frame["rule"] == "rsmi"
    return pd.concat([frame[learned], frame[~learned].drop_duplicates(subset=keys)], ignore_index=True) \
        .sort_values(["T", "buffer", "rule", "n_hidden"], ascending=[False, True, True, True], ignore_index=True)
