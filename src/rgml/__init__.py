"""rgml: the renormalization group and neural networks on Ising models.

The library, usable from a notebook with no Snakemake and no file paths
(int seeds are keyed exactly as the workflow keys them, so the same
parameters and seed give the workflow's arrays bit for bit)::

    import rgml
    ds = rgml.sample_ising2d(L=16, temperatures=[2.0, rgml.TC, 2.6], samples=400, seed=1)
    blocks = rgml.coarse_grain(ds, rule="majority", b=2, seed=1)
    fit = rgml.rsmi.fit(ds.sel(temperature=rgml.TC, method="nearest"), block=2, buffer=1, seed=1)
    rgml.rsmi.mutual_information(fit.filters, ds.isel(temperature=1), seed=1)

Packages: :mod:`rgml.ising` (samplers, thermodynamics), :mod:`rgml.fss`
(finite-size scaling), :mod:`rgml.rg` (block rules, flows, MCRG),
:mod:`rgml.rbm`, :mod:`rgml.rsmi`, :mod:`rgml.phases` (PCA, classifiers,
confusion), :mod:`rgml.slmc` (self-learning Monte Carlo), :mod:`rgml.dimers`
(interacting dimers and RSMI on them), :mod:`rgml.exact`, :mod:`rgml.stats`,
:mod:`rgml.comparison`;
:func:`open_results` opens a sweep's stores as one DataTree.  The command
line (:mod:`rgml.cli`) and :mod:`rgml.store` sit on top and do all file I/O.
"""

from importlib.metadata import PackageNotFoundError, version

from rgml.lazy import exports

try:
    __version__ = version("rgml")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

# Imported on first use, so that ``import rgml`` (and every workflow job) stays light.
__getattr__, __dir__, __all__ = exports(__name__, {
    "exact": ["TC"],
    "ising.samples": ["sample_ising2d", "sample_ising1d"],
    "ising.thermodynamics": ["thermodynamics"],
    "rg.coarse": ["coarse_grain"],
    "results": ["open_results"],
}, submodules=("comparison", "dimers", "exact", "fss", "ising", "params", "phases", "rbm", "rg", "rng", "rsmi", "slmc",
               "stats"))
