"""A CPU stand-in for CuPy that enforces CuPy's one rule NumPy does not: host and device don't mix.

The CuPy code paths of the library are the NumPy ones run on another
namespace.  What breaks them on a GPU is nearly always a host/device slip:
``np.asarray`` of a device array, a NumPy array in arithmetic with a device
array, a device array handed to xarray, Numba or ``np.stack``.  CuPy raises
``TypeError`` for each of these; NumPy accepts all of them.  This module
wraps NumPy arrays in :class:`DeviceArray`, which computes with NumPy but
raises like CuPy, so those slips fail in CI on machines without a GPU.

It checks data movement only: CuPy's float reductions and its kernels are
left to the real device (``pytest -m gpu``); tests/cuda_emulation.py runs the
CUDA Metropolis kernel on the :attr:`DeviceArray.memory` of device arrays.  Host → device is explicit, as in CuPy
(``xp.asarray(host)``), device → host is ``.get()`` or
:func:`rgml.backend.to_numpy`.
"""

from __future__ import annotations

import operator
import types

import numpy as np

HOST_DEVICE_MIX = ("Unsupported type <class 'numpy.ndarray'>: a NumPy array met a device array; "
                   "move it with xp.asarray (host -> device) or rgml.backend.to_numpy (device -> host)")


class DeviceArray:
    """A NumPy array that behaves like a ``cupy.ndarray`` towards host data."""

    # rgml.backend.array_namespace tells device arrays by the module of their type
    __module__ = "cupy._emulated"
    __array_priority__ = 100.0
    __hash__ = None

    def __init__(self, array: np.ndarray):
        self._a = array

    def get(self) -> np.ndarray:
        """A host copy (``cupy.ndarray.get``)."""
        return self._a.copy()

    @property
    def memory(self) -> np.ndarray:
        """The "device memory" itself, for emulated kernels that write into it (not a CuPy attribute)."""
        return self._a

    @property
    def __cuda_array_interface__(self) -> dict:
        return self._a.__array_interface__

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _call(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _call(func, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):  # no __array_interface__ and the like: NumPy must not see the host buffer
            raise AttributeError(name)
        value = getattr(self._a, name)
        if callable(value):
            return lambda *args, **kwargs: _call(value, args, kwargs)
        return _wrap(value)

    def __getitem__(self, key):
        return _wrap(self._a[_index(key)])

    def __setitem__(self, key, value):
        self._a[_index(key)] = _device(value)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(row) for row in self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __bool__(self):
        return bool(self._a)

    def __repr__(self):
        return f"DeviceArray({self._a!r})"


def _binary(op):
    return lambda self, other: _wrap(op(self._a, _device(other)))


def _reflected(op):
    return lambda self, other: _wrap(op(_device(other), self._a))


def _inplace(op):
    def method(self, other):
        op(self._a, _device(other))
        return self

    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
              "lshift", "rshift"):
    _op = getattr(operator, f"{_name}_" if _name in ("and", "or") else _name)
    setattr(DeviceArray, f"__{_name}__", _binary(_op))
    setattr(DeviceArray, f"__r{_name}__", _reflected(_op))
    setattr(DeviceArray, f"__i{_name}__", _inplace(getattr(operator, f"i{_name}")))
for _name in ("lt", "le", "eq", "ne", "gt", "ge"):
    setattr(DeviceArray, f"__{_name}__", _binary(getattr(operator, _name)))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(DeviceArray, f"__{_name}__", (lambda op: lambda self: _wrap(op(self._a)))(getattr(operator, _name)))


def _device(value):
    """The NumPy value behind a device argument; a host array (not a scalar) is an error, as in CuPy."""
    if isinstance(value, DeviceArray):
        return value._a
    if isinstance(value, np.ndarray) and value.ndim > 0:
        raise TypeError(HOST_DEVICE_MIX)
    if isinstance(value, (list, tuple)):
        return type(value)(_device(v) for v in value)
    return value


def _index(key):
    """Indices may be device arrays or host arrays (CuPy copies host index arrays to the device)."""
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    return key._a if isinstance(key, DeviceArray) else key


def _wrap(value):
    """NumPy results as device arrays; reductions give 0-d device arrays, as in CuPy."""
    if isinstance(value, (np.ndarray, np.generic)):
        return DeviceArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _call(function, args, kwargs):
    args = tuple(_device(a) for a in args)
    kwargs = {k: _device(v) for k, v in kwargs.items()}
    return _wrap(function(*args, **kwargs))


def _to_device(a, dtype=None, copy=False):
    """Host → device (``cupy.asarray`` / ``cupy.array``)."""
    host = a._a if isinstance(a, DeviceArray) else a
    return DeviceArray(np.array(host, dtype=dtype, copy=True if copy else None))


class Namespace(types.ModuleType):
    """``numpy`` (or one of its submodules) with device arrays in and out."""

    def __init__(self, module):
        super().__init__(module.__name__.replace("numpy", "cupy_emulated", 1))
        self._module = module
        if module is np:
            self.ndarray = DeviceArray
            self.asarray = self.ascontiguousarray = _to_device
            self.array = lambda a, dtype=None, copy=True: _to_device(a, dtype, copy)

    def __getattr__(self, name):
        value = getattr(self._module, name)
        if isinstance(value, types.ModuleType):
            return Namespace(value)
        if isinstance(value, type) or not callable(value):
            return value
        return Function(value)


class Function:
    """A NumPy function or ufunc (with its methods: ``reduce``, ``at`` …) on device arrays."""

    def __init__(self, function):
        self._function = function

    def __call__(self, *args, **kwargs):
        return _call(self._function, args, kwargs)

    def __getattr__(self, name):
        return Function(getattr(self._function, name))


#: The stand-in for the ``cupy`` module.
cupy = Namespace(np)
