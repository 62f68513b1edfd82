"""rgml: the renormalization group and neural networks on Ising models.

Library layer (pure functions over arrays): :mod:`rgml.exact`, :mod:`rgml.ising`,
:mod:`rgml.stats`, :mod:`rgml.rng`, :mod:`rgml.backend`.  The command line
(:mod:`rgml.cli`) and :mod:`rgml.store` sit on top and do all file I/O.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rgml")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"


def open_results(path="results"):
    """Every complete store of a sweep as one :class:`xarray.DataTree` (see :mod:`rgml.results`)."""
    from rgml.results import open_results as _open_results

    return _open_results(path)
