"""Package namespaces whose names are imported on first use (PEP 562).

A package lists its public names by submodule; ``from rgml.rg import
coarse_grain`` then imports ``rgml.rg.coarse`` and nothing else, so a
workflow job that needs one module does not pay for importing every stage
(each job is a fresh process).
"""

from __future__ import annotations

from importlib import import_module


def exports(package: str, names: dict[str, list[str]], *, submodules: tuple[str, ...] = (), namespace=None):
    """``(__getattr__, __dir__, __all__)`` for ``package``.

    ``names``: ``{submodule: [names it exports]}`` (a dotted submodule path
    relative to ``package``); ``submodules``: subpackages reachable as
    attributes (``rgml.rsmi``).  A name spelled like its own submodule
    (``rgml.rsmi.fit``, the function in ``rgml/rsmi/fit.py``) is bound in
    ``namespace`` (the package's ``globals()``) right away: importing the
    submodule sets the package attribute to the module, which would hide it.
    """
    where = {name: submodule for submodule, listed in names.items() for name in listed}
    for name, submodule in where.items():
        if name == submodule:
            if namespace is None:
                raise ValueError(f"{package}.{name} is a function and a module: pass namespace=globals()")
            namespace[name] = getattr(import_module(f"{package}.{submodule}"), name)

    def __getattr__(name: str):
        if name in where:
            return getattr(import_module(f"{package}.{where[name]}"), name)
        if name in submodules:
            return import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted([*where, *submodules])

    return __getattr__, __dir__, sorted([*where, *submodules])
