"""How the information RSMI keeps decays with the buffer: I(H:E) against L_B at T = ∞, and its power law.

In the Coulomb phase the dimer model is critical: correlations of the
electric field are dipolar, so the information a block variable shares with
an environment shell a buffer of width L_B away decays as a power of L_B
rather than exponentially (Gökmen et al., PRL 127, 240603 (2021); PRE 104,
064106 (2021), whose fits of I(H:E) against the buffer report exponents
near 1.16).  :func:`buffer_scan` fits RSMI filters (or holds the exact block
field filters fixed) at each buffer with one geometry otherwise, and fits

    I(L_B) = A L_B^(−α)

by weighted least squares over a stated range of buffers
(:func:`rgml.dimers.observables.fit_power_law`, no periodic image term).

Caveats the numbers carry: every I(L_B) is a held-out *lower bound*
(variational, :mod:`rgml.rsmi.estimators`) at a finite filter norm; the
estimates at different buffers come from the same configurations, so their
errors are correlated and the least-squares error of α (which treats them as
independent) is indicative; and L_B must stay well below the torus side, or
the environment shell approaches the block from the other side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from rgml.dimers.observables import PowerLawFit, fit_power_law, local_exponents
from rgml.dimers.rsmi import DIMER_FIT, TEMPERATURE_ATTRS, fit_dimers, reference_information
from rgml.layout import Layout
from rgml.rng import Stream
from rgml.rsmi.fit import FitConfig

#: Exponent of I(H:E) ∝ L_B^(−α) reported by Gökmen et al. (PRL 127, 240603 (2021)) for the dimer model.
PUBLISHED_EXPONENT = 1.16


@dataclass(frozen=True)
class BufferScan:
    """I(H:E) against buffer width at one temperature, with a power-law fit.

    Attributes
    ----------
    temperature:
        T (|v|/k_B; ``inf`` for free dimers; NaN when not given).
    size, block, environment, stride, n_hidden:
        Torus side L, ℓ, L_E and the block spacing (sites), hidden units.
    learned:
        True: RSMI filters fitted at each buffer; False: the exact field
        filters (E_x, E_y) held fixed at ``norm``.
    norm:
        Final filter norm per unit.
    buffers:
        int64 ``(buffer,)`` widths L_B (sites).
    mi, mi_err:
        ``(buffer,)`` held-out I(H:E) and standard errors, nats.
    field_cosine_min, noise_share_max:
        ``(buffer,)`` shape measures of the filters at each buffer
        (:mod:`rgml.dimers.shapes`).
    power_law:
        ``I = A L_B^(−α)`` over ``[x_min, x_max]`` (:class:`rgml.dimers.PowerLawFit`), or None
        when fewer than three buffers with positive I lie in the range.
    """

    temperature: float
    size: int
    block: int
    environment: int
    stride: int
    n_hidden: int
    learned: bool
    norm: float
    buffers: np.ndarray
    mi: np.ndarray
    mi_err: np.ndarray
    field_cosine_min: np.ndarray
    noise_share_max: np.ndarray
    power_law: PowerLawFit | None

    def to_dataset(self) -> xr.Dataset:
        """``mi``, ``mi_err``, ``field_cosine_min``, ``noise_share_max`` along ``buffer``; the fit as scalars."""
        fit = self.power_law
        nan = float("nan")
        dims = ("buffer",)
        ds = xr.Dataset(
            {
                "mi": (dims, self.mi, {"units": "nats", "long_name": "held-out I(H:E)"}),
                "mi_err": (dims, self.mi_err, {"units": "nats", "long_name": "standard error of mi"}),
                "field_cosine_min": (dims, self.field_cosine_min,
                                     {"units": "1", "long_name": "smallest |cos| of a filter with span(E_x, E_y)"}),
                "noise_share_max": (dims, self.noise_share_max,
                                    {"units": "1", "long_name": "largest share of a filter's norm on noise cells"}),
                "exponent": ((), nan if fit is None else fit.exponent,
                             {"units": "1", "long_name": "alpha of I = A L_B^-alpha"}),
                "exponent_err": ((), nan if fit is None else fit.exponent_error, {"units": "1"}),
                "amplitude": ((), nan if fit is None else fit.amplitude, {"units": "nats"}),
                "amplitude_err": ((), nan if fit is None else fit.amplitude_error, {"units": "nats"}),
                "fit_chi2_per_dof": ((), nan if fit is None else fit.chi2_per_dof, {"units": "1"}),
                "fit_buffer_min": ((), nan if fit is None else fit.x_min, {"units": "sites"}),
                "fit_buffer_max": ((), nan if fit is None else fit.x_max, {"units": "sites"}),
            },
            coords={
                "buffer": ("buffer", np.asarray(self.buffers, np.int64),
                           {"units": "sites", "long_name": "buffer width L_B"}),
                "temperature": ((), float(self.temperature), TEMPERATURE_ATTRS),
            },
        )
        ds.attrs.update({"model": "dimers", "size": self.size, "block": self.block, "environment": self.environment,
                         "stride_sites": self.stride, "n_hidden": self.n_hidden, "learned": int(self.learned),
                         "norm": float(self.norm), "published_exponent": PUBLISHED_EXPONENT})
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "BufferScan":
        fit = None
        if np.isfinite(float(ds["exponent"])):
            fit = PowerLawFit(float(ds["exponent"]), float(ds["exponent_err"]), float(ds["amplitude"]),
                              float(ds["amplitude_err"]), float(ds["fit_buffer_min"]), float(ds["fit_buffer_max"]),
                              None, float(ds["fit_chi2_per_dof"]))
        return cls(
            temperature=float(ds["temperature"]), size=int(ds.attrs["size"]), block=int(ds.attrs["block"]),
            environment=int(ds.attrs["environment"]), stride=int(ds.attrs["stride_sites"]),
            n_hidden=int(ds.attrs["n_hidden"]), learned=bool(ds.attrs["learned"]), norm=float(ds.attrs["norm"]),
            buffers=ds["buffer"].values.astype(np.int64), mi=ds["mi"].values.astype(np.float64),
            mi_err=ds["mi_err"].values.astype(np.float64),
            field_cosine_min=ds["field_cosine_min"].values.astype(np.float64),
            noise_share_max=ds["noise_share_max"].values.astype(np.float64), power_law=fit,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per buffer (``rsmi_dimers_buffers.csv``), the fit repeated on every row.

        ``local_exponent`` ± ``local_exponent_err`` is the effective exponent
        between this buffer and the next (:func:`rgml.dimers.observables.local_exponents`;
        NaN on the last row); ``exponent_err_scaled`` is the fit's error times
        √max(χ²/dof, 1), the error the exponent would have if the spread of the
        points around one power law were noise (Particle Data Group scale factor).
        """
        fit = self.power_law
        local, local_err = (np.append(a, np.nan) for a in local_exponents(self.buffers, self.mi, self.mi_err))
        return pd.DataFrame({
            "T": self.temperature, "L": self.size, "block": self.block, "environment": self.environment,
            "stride": self.stride, "n_hidden": self.n_hidden, "learned": self.learned, "norm": self.norm,
            "buffer": self.buffers, "mi_nats": self.mi, "mi_err": self.mi_err,
            "cos_field_min": self.field_cosine_min, "noise_share_max": self.noise_share_max,
            "in_fit": ((self.buffers >= fit.x_min) & (self.buffers <= fit.x_max)) if fit else False,
            "exponent": fit.exponent if fit else np.nan, "exponent_err": fit.exponent_error if fit else np.nan,
            "exponent_err_scaled": fit.exponent_error * np.sqrt(max(fit.chi2_per_dof, 1.0)) if fit else np.nan,
            "amplitude": fit.amplitude if fit else np.nan, "chi2_per_dof": fit.chi2_per_dof if fit else np.nan,
            "local_exponent": local, "local_exponent_err": local_err,
            "published_exponent": PUBLISHED_EXPONENT,
        })


BUFFER_SCAN = Layout(
    "I(H:E) against buffer width on dimers (rgml rsmi dimer-buffers)",
    {
        "mi": (("buffer",), np.float64),
        "mi_err": (("buffer",), np.float64),
        "exponent": ((), np.float64),
        "exponent_err": ((), np.float64),
    },
    dims=("buffer",),
    attrs=("size", "block", "environment", "learned", "norm"),
    finite=("mi", "mi_err"),
)


def fit_buffer_power_law(buffers, mi, mi_err, *, x_min: float | None = None,
                         x_max: float | None = None) -> PowerLawFit | None:
    """``I = A L_B^(−α)`` over ``x_min ≤ L_B ≤ x_max`` (default: every buffer ≥ 1), weighted by ``mi_err``.

    Points with ``I ≤ 0`` (a lower bound that found nothing) are left out.
    Returns None when fewer than three points remain.
    """
    b, m, e = (np.asarray(a, np.float64) for a in (buffers, mi, mi_err))
    if x_min is not None and x_min < 1:
        raise ValueError(f"x_min: a power law in L_B needs L_B >= 1, got {x_min}")
    lo = max(1.0, float(b.min())) if x_min is None else float(x_min)
    hi = float(b.max()) if x_max is None else float(x_max)
    keep = (b >= lo) & (b <= hi) & (m > 0) & (e > 0)
    if keep.sum() < 3:
        return None
    return fit_power_law(b[keep], m[keep], e[keep], x_min=lo, x_max=hi)


def buffer_scan(
    samples, buffers, *, block: int, environment: int, n_hidden: int = 2, config: FitConfig | None = None,
    seed: int | Stream, temperature: float | None = None, noise: bool = True, stride: int | None = None,
    learned: bool = True, x_min: float | None = None, x_max: float | None = None, chains: int | None = None,
) -> BufferScan:
    """I(H:E) at each buffer width, and its power law.

    Parameters
    ----------
    samples:
        int8 dimers ``(samples, 2, L, L)`` at one temperature (T = ∞ for the
        Coulomb-phase power law).
    buffers:
        Buffer widths L_B (sites); each must fit, ``L ≥ ℓ + 2(L_B + L_E)``.
    block, environment, n_hidden, config, seed, temperature, noise, stride, chains:
        As in :func:`rgml.dimers.rsmi.fit_dimers` (each buffer its own stream).
    learned:
        True: an RSMI fit per buffer; False: the exact (E_x, E_y) filters at
        the config's final norm, critic only (``n_hidden`` is then 2;
        the noise share column is 0, the cosine 1).
    x_min, x_max:
        Range of the power-law fit (default every buffer ≥ 1).
    """
    config = DIMER_FIT if config is None else config
    buffers = np.asarray(sorted({int(b) for b in buffers}), np.int64)
    if buffers.size == 0 or buffers.min() < 0:
        raise ValueError(f"buffers: give widths ≥ 0, got {buffers.tolist()}")
    norm = config.filter_norm(config.steps - 1)
    stride = max(1, block // 2) if stride is None else int(stride)
    mi, err, cos, share = [], [], [], []
    for b in buffers:
        geometry = {"block": block, "buffer": int(b), "environment": environment}
        if learned:
            result = fit_dimers(samples, n_hidden=n_hidden, config=config, seed=seed, temperature=temperature,
                                noise=noise, stride=stride, rules=(), chains=chains, **geometry)
            mi.append(result.fit.mi)
            err.append(result.fit.mi_err)
            cos.append(result.field_cosine.min())
            share.append(result.noise_share.max() if noise else np.nan)
        else:
            value, error = reference_information(samples, ("field",), norm=norm, config=config, seed=seed,
                                                 temperature=temperature, stride=stride, chains=chains, **geometry)
            mi.append(value[0])
            err.append(error[0])
            cos.append(1.0)
            share.append(0.0)
    mi, err = np.array(mi), np.array(err)
    return BufferScan(
        temperature=np.nan if temperature is None else float(temperature), size=int(np.shape(samples)[-1]),
        block=block, environment=environment, stride=stride, n_hidden=n_hidden if learned else 2, learned=learned,
        norm=norm, buffers=buffers, mi=mi, mi_err=err, field_cosine_min=np.array(cos),
        noise_share_max=np.array(share), power_law=fit_buffer_power_law(buffers, mi, err, x_min=x_min, x_max=x_max),
    )
