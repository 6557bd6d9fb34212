"""Fits of preprocessing steps inside scikit-learn, shared wherever they repeat.

``GridSearchCV(Pipeline([prep..., model]), grid)`` refits the same
preprocessing once per fold for every grid point, ``cross_val_score`` of two
models over one ``ColumnTransformer`` refits it per model, and the scripts of a
batch refit each other's. All of these go through
``sklearn.pipeline._fit_transform_one`` (``Pipeline``, ``FeatureUnion`` and
``ColumnTransformer`` call it for every step), so that one function is
replaced by a memo: a fit whose transformer state, data and configuration are
equal to an earlier one's is not run again; the earlier transformed output and
fitted attributes are restored instead.

Only what provably gives the same answer is memoized:

* *leaf* transformers from scikit-learn itself (no estimator inside them, no
  callable but numpy's, no ``verbose``), whose randomness, if any, is a fixed
  integer ``random_state``: a fit is then a function of the key;
* data whose full content can be hashed exactly (numpy arrays, pandas frames
  and series with their index, names and dtypes, scipy sparse matrices);
* fits that keep no reference to their input (a fit that stores ``X`` itself
  would see the caller's later in-place changes; a restored copy would not).

On a hit only the attributes the original fit set are written, as deep
copies, so every object the caller could hold keeps its identity, and the
warnings the fit gave are issued again through the same filters. The memo is
per process, backed by the persistent value cache when the run has one, so
forked batch workers and later runs share it.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import hashlib
import importlib.abc
import importlib.machinery
import os
import pickle
import sys
import threading
import time
import types
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from stratum.runtime import library_warnings

_MEMORY_LIMIT = 512 << 20  # bytes of outputs kept in this process
_DISK_BYTES_PER_SECOND = 300e6  # a conservative pickle-and-read rate
_COPY_BYTES_PER_SECOND = 1e9  # a conservative deep-copy rate
_MISS = object()


class _Memo:
    def __init__(self) -> None:
        self.entries: OrderedDict[str, tuple[Any, dict[str, Any], list[tuple[Any, ...]], int]] = OrderedDict()
        self.bytes = 0
        self.cache: Any = None  # the run's ValueCache, if any
        self.min_seconds = 0.002
        self.stats = {"hits": 0, "misses": 0, "uncacheable": 0}
        self.active = True  # False: every fit runs (a baseline without sharing)
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
                return copy.deepcopy(entry[:3])
        if self.cache is not None:
            from stratum.runtime.cache import MISS

            value = self.cache.get(self._cache_key(key), count=False)
            if value is not MISS and isinstance(value, tuple) and len(value) == 3:
                self._remember(key, value)
                return copy.deepcopy(value)
        return _MISS

    def put(self, key: str, value: tuple[Any, dict[str, Any], list[tuple[Any, ...]]], seconds: float) -> None:
        # Kept only where restoring it (a copy in memory, a read from disk) is quicker than fitting again:
        # a fit nothing repeats should not pay a copy of its output.
        size = _nbytes(value[0])
        if seconds >= size / _COPY_BYTES_PER_SECOND:
            self._remember(key, copy.deepcopy(value))
        if self.cache is not None and seconds >= max(self.min_seconds, size / _DISK_BYTES_PER_SECOND):
            self.cache.put(self._cache_key(key), value, count=False)

    def _cache_key(self, key: str) -> str:
        return self.cache.key("sklearn-fit-transform-one", key)

    def _remember(self, key: str, value: tuple[Any, ...]) -> None:
        size = _nbytes(value[0])
        if size > _MEMORY_LIMIT:
            return
        with self.lock:
            self.entries[key] = (*value, size)  # type: ignore[assignment]
            self.bytes += size
            while self.bytes > _MEMORY_LIMIT and self.entries:
                _, old = self.entries.popitem(last=False)
                self.bytes -= old[3]


MEMO = _Memo()


def configure(cache: Any, min_seconds: float) -> None:
    """Back the memo with the run's value cache (None: this process only)."""
    MEMO.cache = cache
    MEMO.min_seconds = min_seconds


# -- keys ----------------------------------------------------------------


class Uncacheable(Exception):
    pass


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _array_key(values: Any) -> str:
    import numpy as np

    if values.dtype.hasobject:
        # Objects hash by their pickle: exact in type and value (1 and "1" differ).
        return f"O{values.shape}:{_digest(pickle.dumps(values, protocol=5))}"
    contiguous = np.ascontiguousarray(values)
    return f"{values.dtype.str}{values.shape}:{_digest(contiguous.view(np.uint8).data if contiguous.size else b'')}"


def data_key(obj: Any) -> str:
    """An exact fingerprint of fit input; Uncacheable for what it cannot hash exactly."""
    if obj is None:
        return "None"
    module = type(obj).__module__
    if module == "numpy":
        import numpy as np

        if isinstance(obj, np.ndarray):
            return "nd:" + _array_key(obj)
        if isinstance(obj, np.generic):
            return f"np:{obj.dtype.str}:{obj.tobytes().hex()}"
    if module == "pandas" or module.startswith("pandas."):
        import pandas as pd

        if isinstance(obj, pd.DataFrame):
            parts = ["df", _digest(pickle.dumps(obj.columns)), _digest(pickle.dumps(obj.index)), repr(obj.attrs)]
            for i in range(obj.shape[1]):
                parts.append(_column_key(obj.iloc[:, i]))
            return "|".join(parts)
        if isinstance(obj, pd.Series):
            return "|".join(("s", repr(obj.name), _digest(pickle.dumps(obj.index)), repr(obj.attrs), _column_key(obj)))
        if isinstance(obj, pd.Index):  # column selections of a ColumnTransformer
            return f"ix:{_digest(pickle.dumps(obj, protocol=5))}"
    if module.startswith("scipy.sparse"):
        import scipy.sparse as sp

        if sp.issparse(obj):
            csr = obj.tocsr() if obj.format not in ("csr", "csc") else obj
            return f"sp:{type(obj).__name__}:{obj.shape}:" + ":".join(
                _array_key(a) for a in (csr.data, csr.indices, csr.indptr)
            )
    if isinstance(obj, (list, tuple)) and all(isinstance(v, (int, float, str, bool, type(None))) for v in obj):
        return f"{type(obj).__name__}:{_digest(pickle.dumps(obj, protocol=5))}"
    raise Uncacheable(type(obj).__name__)


def _column_key(series: Any) -> str:
    import numpy as np

    array = series.array
    values = getattr(array, "_ndarray", None)
    if isinstance(values, np.ndarray) and type(array).__name__ == "NumpyExtensionArray":
        return f"{series.dtype}:" + _array_key(values)
    # Extension arrays (Arrow strings, categoricals, nullable integers) pickle exactly.
    return f"{series.dtype}:{_digest(pickle.dumps(array, protocol=5))}"


def _value_key(value: Any, seen: set[int], nested: bool = False) -> str:
    """Exact key of one attribute of a transformer's state before its fit.

    ``nested``: estimators inside it are keyed by their own state (only where
    they are private copies, so that restoring copies of them is invisible).
    """
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return f"{type(value).__name__}:{value!r}"
    if id(value) in seen:
        raise Uncacheable("cycle")
    seen = seen | {id(value)}
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__}[" + ",".join(_value_key(v, seen, nested) for v in value) + "]"
    if isinstance(value, dict):  # also sklearn's Bunch of routed parameters
        items = [(_value_key(k, seen), _value_key(v, seen, nested)) for k, v in value.items()]
        return f"{type(value).__name__}{{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, type):
        return f"type:{value.__module__}.{value.__qualname__}"
    module = getattr(value, "__module__", None) or type(value).__module__
    if hasattr(value, "get_params") or hasattr(value, "fit"):
        if nested:
            return "est{" + state_key(value, nested=True) + "}"
        raise Uncacheable("a nested estimator")  # its identity and in-place fit matter
    if callable(value):
        qualname = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
        # numpy's functions and ufuncs are pure; a script's own function may not be.
        if isinstance(module, str) and (module == "numpy" or module.startswith("numpy.")) and qualname and "<" not in qualname:
            return f"fn:{module}.{qualname}"
        if type(value).__name__ == "ufunc":
            return f"ufunc:{value.__name__}"
        raise Uncacheable("a callable")
    type_module = type(value).__module__
    if type_module == "numpy":
        import numpy as np

        if isinstance(value, np.dtype):
            return f"dtype:{value.str}"
        if isinstance(value, np.random.RandomState | np.random.Generator):
            raise Uncacheable("a random generator")
    return "data:" + data_key(value)


def state_key(transformer: Any, nested: bool = False) -> str:
    """The transformer's class and its whole state before the fit."""
    cls = type(transformer)
    parts = [f"{cls.__module__}.{cls.__qualname__}"]
    parts += [f"{name}={value}" for name, value in sorted(_attribute_keys(transformer, nested).items())]
    return "\x1f".join(parts)


def _attribute_keys(transformer: Any, nested: bool, only: Any = None) -> dict[str, str]:
    cls = type(transformer)
    if not cls.__module__.startswith("sklearn."):
        raise Uncacheable("not a scikit-learn transformer")  # a user's class may do anything in fit
    state = {k: v for k, v in vars(transformer).items() if not _is_callback_bookkeeping(k) and (only is None or k in only)}
    if getattr(transformer, "_skl_callbacks", None):
        raise Uncacheable("callbacks")  # they observe the fit (progress bars print)
    if state.get("verbose"):
        raise Uncacheable("verbose")  # it prints while fitting
    for name, value in state.items():
        if "random_state" in name and value is not None and not isinstance(value, int):
            raise Uncacheable("a random generator")
        if name == "random_state" and value is None:
            # It may draw from the global generator; skipping the fit would skip the draws.
            raise Uncacheable("random_state=None")
    return {name: _value_key(value, set(), nested) for name, value in state.items()}


def _is_callback_bookkeeping(name: str) -> bool:
    """scikit-learn's per-fit callback contexts (1.9+): links into the calling
    meta-estimator's task tree, not state a fit computes from its data."""
    return name in ("_parent_callback_ctx", "_callback_fit_ctx", "_skl_callbacks_to_teardown")


def _config_key() -> str:
    import sklearn

    # Versions too: the value cache's own salt sees only libraries imported when it was opened.
    versions = [getattr(sys.modules.get(n), "__version__", "-") for n in ("sklearn", "numpy", "scipy", "pandas")]
    return repr((versions, sorted(sklearn.get_config().items())))


def _nbytes(obj: Any) -> int:
    size = getattr(obj, "nbytes", None)
    if isinstance(size, int):
        return size
    if hasattr(obj, "indptr"):  # scipy sparse
        return sum(int(getattr(obj, part).nbytes) for part in ("data", "indices", "indptr"))
    try:
        return int(obj.memory_usage(deep=False).sum())
    except Exception:
        return 1 << 20


# -- the memoized step fit -------------------------------------------------


def _shares_input(value: Any, inputs: tuple[Any, ...]) -> bool:
    """Whether a fitted attribute or output is, or views, an input.

    Frames need only the identity check: under copy-on-write the arrays pandas
    hands out are read-only views, so a later change to the frame copies first.
    """
    import numpy as np

    for given in inputs:
        if given is None:
            continue
        if value is given:
            return True
        if isinstance(value, np.ndarray) and isinstance(given, np.ndarray) and np.may_share_memory(value, given):
            return True
    if isinstance(value, (list, tuple)):
        return any(_shares_input(v, inputs) for v in value)
    return False


def _reissue(caught: list[tuple[Any, ...]]) -> None:
    """Each warning the fit gave, through the filters and registry of the module that gave it."""
    from stratum.runtime.library_warnings import warn_at_library

    for message, category, filename, lineno in caught:
        if not warn_at_library(message, category, filename, lineno):
            warnings.warn_explicit(message, category, filename, lineno)


def _memo_key(transformer: Any, X: Any, y: Any, weight: Any, params: Any, nested: bool) -> str:
    return "\x1e".join((
        state_key(transformer, nested),
        data_key(X),
        data_key(y),
        _value_key(weight, set()),
        _value_key(params or {}, set()),
        _config_key(),
    ))


_PRIVATE: contextvars.ContextVar[bool] = contextvars.ContextVar("stratum_private_fit", default=False)


@contextlib.contextmanager
def private() -> Iterator[None]:
    """Every estimator fitted inside is a private copy (a clone or a deep copy)
    that no caller holds parts of, so whole composite steps may be memoized."""
    token = _PRIVATE.set(True)
    try:
        yield
    finally:
        _PRIVATE.reset(token)


def _original(module: str, attr: str) -> Any:
    found = _ORIGINAL.get((module, attr))
    if found is None:  # a joblib worker process, where nothing was patched
        found = getattr(importlib.import_module(module), attr)
    return found


_LIBRARIES = ("sklearn", "numpy", "scipy", "lightgbm", "xgboost", "pandas")


def _from_library(obj: Any) -> bool:
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and module.split(".", 1)[0] in _LIBRARIES


def library_only(estimator: Any, *others: Any) -> bool:
    """Whether fitting ``estimator`` (and scoring with ``others``) runs only
    library code: no script-defined estimator or callable that could fit some
    object the script holds, which ``private`` would then wrongly cover."""
    try:
        values = [estimator, *estimator.get_params(deep=True).values()]
    except Exception:
        return False
    for other in others:
        if other is None or isinstance(other, (str, int, float, bool)):
            continue
        values += list(other.values()) if isinstance(other, dict) else list(other) if isinstance(other, (list, tuple)) else [other]
    for value in values:
        if isinstance(value, type):
            owner = value  # a class passed as a parameter (dtype=np.float64)
        elif hasattr(value, "get_params") or hasattr(value, "fit") or hasattr(value, "_score_func"):
            owner = type(value)
        elif callable(value):
            owner = value
        else:
            continue
        inner = getattr(value, "_score_func", None)
        if not _from_library(owner) or (inner is not None and not _from_library(inner)):
            return False
    return True


def _privately(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    original = _original("sklearn.model_selection._validation", name)
    estimator = args[0] if args else kwargs.get("estimator")
    # GridSearchCV sets each candidate's ``parameters`` on the clone inside: they count too.
    candidate = kwargs.get("parameters") or {}
    if not library_only(estimator, kwargs.get("scorer"), *candidate.values()):
        return original(*args, **kwargs)
    with private():
        return original(*args, **kwargs)


def fit_and_score(*args: Any, **kwargs: Any) -> Any:
    """``_fit_and_score``: its estimator is ``clone(...)`` at every call site."""
    return _privately("_fit_and_score", args, kwargs)


def fit_and_predict(*args: Any, **kwargs: Any) -> Any:
    """``_fit_and_predict`` (``cross_val_predict``): also given a clone."""
    return _privately("_fit_and_predict", args, kwargs)


def pipeline_fit_transform_one(transformer: Any, X: Any, y: Any, weight: Any, message_clsname: str = "", message: Any = None, params: Any = None) -> Any:
    """A ``Pipeline``'s or ``FeatureUnion``'s step: the caller's own object, unless fitted inside a private fit."""
    return _memoized(transformer, X, y, weight, message_clsname, message, params, nested=_PRIVATE.get())


def column_fit_transform_one(transformer: Any, X: Any, y: Any, weight: Any, message_clsname: str = "", message: Any = None, params: Any = None) -> Any:
    """A ``ColumnTransformer``'s step: always ``clone(trans)`` (sklearn/compose/_column_transformer.py)."""
    return _memoized(transformer, X, y, weight, message_clsname, message, params, nested=True)


def _memoized(transformer: Any, X: Any, y: Any, weight: Any, message_clsname: str, message: Any, params: Any, *, nested: bool) -> Any:
    original = _original("sklearn.pipeline", "_fit_transform_one")
    if not MEMO.active or message is not None:  # off, or verbose: the fit prints its time
        return original(transformer, X, y, weight, message_clsname, message, params)
    try:
        key = _memo_key(transformer, X, y, weight, params, nested)
        inputs_key = key.split("\x1e")[1:3]
    except Uncacheable:
        MEMO.stats["uncacheable"] += 1
        return original(transformer, X, y, weight, message_clsname, message, params)
    hit = MEMO.get(key)
    if hit is not _MISS:
        output, changed, caught = hit
        MEMO.stats["hits"] += 1
        _reissue(caught)
        vars(transformer).update(changed)
        return output, transformer
    MEMO.stats["misses"] += 1
    before = dict(vars(transformer))
    before_keys = _attribute_keys(transformer, True) if nested else None
    started = time.perf_counter()
    caught: list[tuple[Any, ...]] = []
    try:
        with library_warnings.recording() as log:  # every warning, filtered again below as python would
            output, fitted = original(transformer, X, y, weight, message_clsname, message, params)
    finally:
        caught = [(w.message, w.category, w.filename, w.lineno) for w in log]
        _reissue(caught)
    seconds = time.perf_counter() - started
    if fitted is not transformer:
        return output, fitted
    import numpy as np

    if any(isinstance(a, np.ndarray) for a in (X, y)) and [data_key(X), data_key(y)] != inputs_key:
        return output, fitted  # the fit changed its input in place: a hit would not
    after = vars(transformer)
    changed = {k: v for k, v in after.items() if (k not in before or before[k] is not v) and not _is_callback_bookkeeping(k)}
    if set(before) - set(after) or any(_shares_input(v, (X, y)) for v in changed.values()) or _shares_input(output, (X, y)):
        return output, fitted
    if not _layout_preserving(output):
        # A frame's block layout decides the memory order numpy sees, and a
        # later BLAS call's last bits: a copy might not keep it (set_output="pandas").
        return output, fitted
    if nested and _changed_inside(transformer, before_keys, changed):
        return output, fitted  # it fitted an estimator it holds in place: restoring attributes would miss that
    try:
        MEMO.put(key, (output, changed, caught), seconds)
    except Exception:  # an output or state that does not copy or pickle is simply not shared
        pass
    return output, fitted


def _layout_preserving(output: Any) -> bool:
    """Outputs whose copies (deep copy, pickle) keep their exact memory layout: arrays and scipy sparse matrices."""
    import numpy as np

    if isinstance(output, np.ndarray):
        # A strided view would come back contiguous: other strides, maybe other last bits downstream.
        return not output.dtype.hasobject and (output.flags.c_contiguous or output.flags.f_contiguous)
    return type(output).__module__.startswith("scipy.sparse") and hasattr(output, "format")


def _changed_inside(transformer: Any, before_keys: dict[str, str] | None, changed: dict[str, Any]) -> bool:
    """Whether an attribute the fit did not replace now has another state (an
    estimator it holds, fitted in place: restoring attributes would miss that)."""
    assert before_keys is not None
    kept = {k for k in before_keys if k not in changed}
    try:
        now = _attribute_keys(transformer, True, kept)
    except Uncacheable:
        return True
    return now != {k: before_keys[k] for k in kept}


# -- installation ----------------------------------------------------------

_ORIGINAL: dict[tuple[str, str], Any] = {}


# module -> {attribute: replacement}; every binding of the function is replaced.
_PATCHES: dict[str, dict[str, Any]] = {
    "sklearn.pipeline": {"_fit_transform_one": pipeline_fit_transform_one},
    "sklearn.compose._column_transformer": {"_fit_transform_one": column_fit_transform_one},
    "sklearn.model_selection._validation": {"_fit_and_score": fit_and_score, "_fit_and_predict": fit_and_predict},
    "sklearn.model_selection._search": {"_fit_and_score": fit_and_score},
}
# Where the function is defined (its original lives there).
_HOME = {"_fit_transform_one": "sklearn.pipeline", "_fit_and_score": "sklearn.model_selection._validation", "_fit_and_predict": "sklearn.model_selection._validation"}
_REPLACEMENTS = {f for patches in _PATCHES.values() for f in patches.values()}


def _patch(module: types.ModuleType) -> None:
    for attr, replacement in _PATCHES[module.__name__].items():
        current = getattr(module, attr, None)
        if current is None or current is replacement:
            continue
        if current not in _REPLACEMENTS:  # (a module importing a patched binding holds the wrong replacement)
            _ORIGINAL.setdefault((_HOME[attr], attr), current)
        setattr(module, attr, replacement)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches the target modules right after they are first imported."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in _PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original_exec = loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            original_exec(module)
            _patch(module)

        spec.loader = _Loader(loader, exec_module)
        return spec


class _Loader(importlib.abc.Loader):
    def __init__(self, inner: Any, exec_module: Any):
        self._inner = inner
        self._exec = exec_module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self._inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self._exec(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def enabled() -> bool:
    return os.environ.get("STRATUM_FIT_MEMO", "1") != "0"


def install() -> None:
    """Memoize step fits from now on in this process (idempotent); ``STRATUM_FIT_MEMO=0`` turns it off."""
    MEMO.active = enabled()
    if not MEMO.active:
        return
    if not any(isinstance(f, _PatchOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())
    for name in _PATCHES:  # home modules first: they hold the originals
        if name in sys.modules:
            _patch(sys.modules[name])
