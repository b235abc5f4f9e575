"""Values of the store's cache as bytes that can be read without running code.

The cache used to hold pickles, and unpickling a crafted store runs whatever it says. Values are
now JSON, with numpy arrays in ``.npy`` form (``allow_pickle=False``, base64) and DataFrames as
their columns, dtypes and index (Parquet would turn a column of lists into arrays). A numeric array on its own (an embedding: thousands per
study) skips JSON and ``.npy`` alike: a few header bytes (dtype, shape) and the raw values, read
back with ``np.frombuffer``, which keeps 10,000 of them near a tenth of a second (``np.load``
parses a Python-literal header per array and took seconds). Tuples, and dicts whose keys are not all strings, are tagged so that a value
reads back equal to what was put (stage fingerprints and cached results are compared).

``decode`` answers ``MISS`` for anything it does not recognise, including a pickle written by an
earlier version: that is recomputed, never unpickled.

A general-purpose safe serialiser for numpy and pandas values (JSON plus tagged types) is what
this is; none of the maintained ones keeps tuples and non-string keys apart without pickle, so
the ~80 lines are written here.
"""

from __future__ import annotations

import base64
import io
import json
import struct
from typing import Any

import numpy as np

__all__ = ["MISS", "decode", "encode"]

_JSON = b"\x00fgkit-json-1\x00"
_RAW = b"\x00fgkit-array-1\x00"
_NUMERIC = frozenset("biufc")
_TAG = "__fgkit__"
MISS = object()


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data, with tagged nodes for the types JSON lacks."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, np.generic):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return {_TAG: "tuple", "items": [_plain(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and _TAG not in value:
            return {k: _plain(v) for k, v in value.items()}
        return {_TAG: "dict", "items": [[_plain(k), _plain(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        return {_TAG: "ndarray", "npy": base64.b64encode(_npy(value)).decode("ascii")}
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        default_index = isinstance(value.index, pd.RangeIndex) and value.index.equals(
            pd.RangeIndex(len(value)))
        return {
            _TAG: "dataframe",
            "columns": [_plain(c) for c in value.columns],
            "columns_dtype": str(value.columns.dtype),
            "dtypes": [str(t) for t in value.dtypes],
            "index": None if default_index else _plain(value.index.tolist()),
            "index_dtype": str(value.index.dtype),
            "data": [_plain(value.iloc[:, i].tolist()) for i in range(value.shape[1])],
        }
    raise TypeError(f"the cache cannot hold a {type(value).__name__}")


def _typed(node: Any) -> Any:
    if isinstance(node, list):
        return [_typed(v) for v in node]
    if not isinstance(node, dict):
        return node
    tag = node.get(_TAG)
    if tag is None:
        return {k: _typed(v) for k, v in node.items()}
    if tag == "tuple":
        return tuple(_typed(v) for v in node["items"])
    if tag == "dict":
        return {_hashable(_typed(k)): _typed(v) for k, v in node["items"]}
    if tag == "ndarray":
        return np.load(io.BytesIO(base64.b64decode(node["npy"])), allow_pickle=False)
    if tag == "dataframe":
        return _frame(node)
    raise ValueError(f"unknown cache tag {tag!r}")


def _frame(node: dict):
    import pandas as pd
    from pandas.api.types import pandas_dtype

    columns = [_typed(c) for c in node["columns"]]
    index = None
    if node["index"] is not None:
        index = pd.Index(_typed(node["index"]), dtype=pandas_dtype(node["index_dtype"]))
    frame = pd.DataFrame({i: pd.Series(_typed(col), index=index, dtype=object)
                          for i, col in enumerate(node["data"])}, index=index)
    frame = frame.reindex(columns=range(len(columns)))
    frame.columns = pd.Index(columns, dtype=pandas_dtype(node["columns_dtype"]))
    for i, dtype in enumerate(node["dtypes"]):
        frame.isetitem(i, frame.iloc[:, i].astype(pandas_dtype(dtype)))
    return frame


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def _raw(array: np.ndarray) -> bytes:
    dtype = array.dtype.str.encode("ascii")
    head = struct.pack(f"<B{len(dtype)}sB{array.ndim}q", len(dtype), dtype, array.ndim, *array.shape)
    return _RAW + head + np.ascontiguousarray(array).tobytes()


def _unraw(blob: bytes) -> np.ndarray:
    at = len(_RAW)
    n = blob[at]
    dtype = np.dtype(blob[at + 1:at + 1 + n].decode("ascii"))
    at += 1 + n
    ndim = blob[at]
    shape = struct.unpack_from(f"<{ndim}q", blob, at + 1)
    if dtype.kind not in _NUMERIC:
        raise ValueError("not a numeric array")
    data = blob[at + 1 + 8 * ndim:]
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def encode(value: Any) -> bytes:
    """Bytes for ``value``; raises TypeError for a type the cache cannot hold."""
    if isinstance(value, np.ndarray) and value.dtype.kind in _NUMERIC:
        return _raw(value)
    return _JSON + json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":")).encode()


def decode(blob: bytes) -> Any:
    """The value ``encode`` stored, or ``MISS`` for bytes it did not write (a pickle, damage)."""
    blob = bytes(blob)
    try:
        if blob.startswith(_RAW):
            return _unraw(blob)
        if blob.startswith(_JSON):
            return _typed(json.loads(blob[len(_JSON):].decode("utf-8")))
    except Exception:  # noqa: BLE001 - any damaged cache row is a miss, recomputed
        return MISS
    return MISS
