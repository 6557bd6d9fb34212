"""What the frontend knows about library callables, by qualified name.

Everything listed here is side-effect free given its arguments (it may raise,
which the effect chain reports in order). Anything absent stays opaque Python.
"""

from __future__ import annotations

# Python operators -> elementwise / python.binary function names.
BINARY_OPERATORS = {
    "Add": "add", "Sub": "sub", "Mult": "mul", "Div": "truediv", "FloorDiv": "floordiv",
    "Mod": "mod", "Pow": "pow", "BitAnd": "and", "BitOr": "or", "BitXor": "xor",
    "MatMult": "matmul", "LShift": "lshift", "RShift": "rshift",
}
COMPARE_OPERATORS = {"Eq": "eq", "NotEq": "ne", "Lt": "lt", "LtE": "le", "Gt": "gt", "GtE": "ge"}
UNARY_OPERATORS = {"USub": "neg", "UAdd": "pos", "Invert": "invert", "Not": "not"}
ELEMENTWISE_OPERATOR_FUNCTIONS = {
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor",
    "eq", "ne", "lt", "le", "gt", "ge", "neg", "invert",
}

# numpy ufuncs that map onto one elementwise function of a Series.
NUMPY_ELEMENTWISE = {
    f"numpy.{name}": name
    for name in (
        "log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "square", "abs",
        "sin", "cos", "tan", "tanh", "arctan", "floor", "ceil", "sign",
        "minimum", "maximum", "where",
    )
}
NUMPY_ELEMENTWISE["numpy.absolute"] = "abs"

PURE_FUNCTIONS = frozenset(
    {
        "builtins.len", "builtins.abs", "builtins.round", "builtins.min", "builtins.max",
        "builtins.sum", "builtins.int", "builtins.float", "builtins.str", "builtins.bool",
        "builtins.sorted", "builtins.list", "builtins.tuple", "builtins.dict",
        "builtins.repr", "builtins.isinstance",
        "pandas.DataFrame", "pandas.Series", "pandas.concat", "pandas.get_dummies",
        "pandas.merge", "pandas.to_datetime", "pandas.to_numeric", "pandas.isna",
        "pandas.isnull", "pandas.notna", "pandas.cut", "pandas.qcut",
        "pandas.Timedelta", "pandas.Timestamp", "pandas.DateOffset", "pandas.to_timedelta",
        "pandas.date_range",
        "numpy.array", "numpy.asarray", "numpy.zeros", "numpy.ones", "numpy.arange",
        "numpy.mean", "numpy.median", "numpy.std", "numpy.var", "numpy.sum", "numpy.min",
        "numpy.max", "numpy.round", "numpy.clip", "numpy.concatenate", "numpy.column_stack",
        "numpy.hstack", "numpy.vstack", "numpy.zeros_like", "numpy.ones_like",
        "numpy.full", "numpy.linspace", "numpy.percentile", "numpy.quantile",
        "numpy.isnan", "numpy.isfinite", "numpy.nan_to_num", "numpy.unique",
        "numpy.argsort", "numpy.average", "numpy.corrcoef", "numpy.logspace", "numpy.select",
        "numpy.bincount", "numpy.argmax", "numpy.argmin", "numpy.cumsum", "numpy.diff",
        "pandas.crosstab", "pandas.Categorical", "numpy.prod", "numpy.cumprod", "numpy.sign",
        # The statistics agents use to pick skewed features and transform them.
        "scipy.stats.skew", "scipy.stats.kurtosis", "scipy.stats.zscore", "scipy.stats.pearsonr",
        "scipy.stats.spearmanr", "scipy.stats.boxcox_normmax", "scipy.special.boxcox1p",
        "scipy.special.inv_boxcox1p",
    }
    | set(NUMPY_ELEMENTWISE)
)

# Module attributes that are plain values.
PURE_CONSTANTS = frozenset({"numpy.nan", "numpy.inf", "numpy.pi", "numpy.e", "numpy.newaxis"})

# DataFrame/Series methods that return a new object and never mutate the
# receiver (copy-on-write), unless called with inplace=True.
PURE_PANDAS_METHODS = frozenset(
    {
        "fillna", "dropna", "isna", "isnull", "notna", "notnull", "median", "mean", "sum",
        "std", "var", "min", "max", "count", "nunique", "unique", "mode", "quantile",
        "astype", "copy", "head", "tail", "drop", "rename", "replace", "reset_index",
        "set_index", "sort_values", "sort_index", "value_counts", "describe", "corr",
        "select_dtypes", "to_numpy", "clip", "round", "abs", "shift", "diff",
        "pct_change", "cumsum", "cumprod", "merge", "join", "groupby", "agg",
        "aggregate", "transform", "rolling", "expanding", "ewm", "isin", "between",
        "map", "get", "any", "all", "idxmax", "idxmin", "nlargest", "nsmallest",
        "drop_duplicates", "duplicated", "sample", "skew", "kurt", "prod", "rank",
        "interpolate", "ffill", "bfill", "where", "mask", "explode", "melt", "pivot_table",
        "apply", "first", "last", "size", "cummax", "cummin", "log1p", "tolist", "to_list",
        "items", "keys", "filter", "squeeze", "std", "sem", "first_valid_index", "to_string",
        "reindex", "assign", "xs", "unstack", "stack", "droplevel", "to_frame", "to_dict",
        "add_prefix", "add_suffix", "query", "resample", "asfreq",
    }
)
PURE_PANDAS_ATTRIBUTES = frozenset(
    {
        "shape", "columns", "dtypes", "dtype", "index", "values", "T", "name", "size",
        "ndim", "empty", "iloc", "loc", "iat", "at", "str", "dt", "cat", "codes",
        "categories", "is_unique", "hasnans", "nbytes", "array",
    }
)

# Estimator classes by public path. The value says whether construction and
# fitting stay deterministic when random_state is None, i.e. never draw from
# numpy's global RNG.
_ESTIMATORS = {
    "sklearn.linear_model": {
        "LinearRegression": True, "Ridge": True, "Lasso": True, "ElasticNet": True,
        "LassoCV": True, "RidgeCV": True, "ElasticNetCV": True, "BayesianRidge": True,
        "HuberRegressor": True, "LogisticRegression": True, "LassoLarsCV": True,
        "PoissonRegressor": True, "TweedieRegressor": True, "ARDRegression": True,
        "SGDRegressor": False, "SGDClassifier": False,
    },
    "sklearn.ensemble": {
        "RandomForestRegressor": False, "RandomForestClassifier": False,
        "ExtraTreesRegressor": False, "ExtraTreesClassifier": False,
        "GradientBoostingRegressor": False, "GradientBoostingClassifier": False,
        "HistGradientBoostingRegressor": False, "HistGradientBoostingClassifier": False,
        "AdaBoostRegressor": False, "AdaBoostClassifier": False,
        "BaggingRegressor": False, "BaggingClassifier": False,
        # They fit clones of their estimators (the originals are not changed),
        # stacking over cross-validation folds that do not shuffle unless told.
        "VotingRegressor": True, "VotingClassifier": True,
        "StackingRegressor": True, "StackingClassifier": True,
    },
    "sklearn.tree": {
        "DecisionTreeRegressor": False, "DecisionTreeClassifier": False,
        "ExtraTreeRegressor": False, "ExtraTreeClassifier": False,
    },
    "sklearn.neighbors": {"KNeighborsRegressor": True, "KNeighborsClassifier": True},
    "sklearn.svm": {"SVR": True, "LinearSVR": False},
    "sklearn.kernel_ridge": {"KernelRidge": True},
    "sklearn.preprocessing": {
        "StandardScaler": True, "MinMaxScaler": True, "RobustScaler": True,
        "OneHotEncoder": True, "OrdinalEncoder": True, "LabelEncoder": True,
        "PolynomialFeatures": True, "PowerTransformer": True, "MaxAbsScaler": True,
        "Normalizer": True, "QuantileTransformer": False,
    },
    "sklearn.impute": {"SimpleImputer": True},
    # Meta-estimators: deterministic when every nested estimator is (checked
    # on their arguments by the frontend).
    "sklearn.pipeline": {"Pipeline": True},
    "sklearn.model_selection": {"GridSearchCV": True, "RandomizedSearchCV": False},
    "sklearn.compose": {"ColumnTransformer": True},
    "sklearn.decomposition": {"PCA": False, "TruncatedSVD": False},
    "sklearn.feature_selection": {"VarianceThreshold": True},
    "sklearn.neural_network": {"MLPRegressor": False, "MLPClassifier": False},
    # lightgbm/xgboost seed their own RNGs (default seeds) and never use numpy's.
    "lightgbm": {"LGBMRegressor": True, "LGBMClassifier": True},
    "xgboost": {"XGBRegressor": True, "XGBClassifier": True},
}
ESTIMATORS: dict[str, bool] = {
    f"{module}.{name}": deterministic
    for module, names in _ESTIMATORS.items()
    for name, deterministic in names.items()
}

ESTIMATOR_PREDICT_METHODS = frozenset(
    {"predict", "predict_proba", "predict_log_proba", "transform", "decision_function", "score", "inverse_transform"}
)

METRICS = frozenset(
    f"sklearn.metrics.{name}"
    for name in (
        "mean_squared_error", "mean_absolute_error", "r2_score", "mean_squared_log_error",
        "root_mean_squared_error", "root_mean_squared_log_error", "median_absolute_error",
        "mean_absolute_percentage_error", "accuracy_score", "f1_score", "roc_auc_score",
        "log_loss", "precision_score", "recall_score",
    )
)

TRAIN_TEST_SPLIT = "sklearn.model_selection.train_test_split"
READ_CSV = "pandas.read_csv"

# Library functions called for their effect on process-wide state or the file
# system, run in the script's order as `python.effect_call` (statements
# only: as part of an expression, Python's evaluation order matters). None
# reads anything the compiled graph shares across scripts: each script's run
# has its own RNG and warning filters, as its own process would.
EFFECT_FUNCTIONS = frozenset(
    {
        "os.makedirs", "os.mkdir",
        "numpy.random.seed", "random.seed",
        "warnings.filterwarnings", "warnings.simplefilter",
        "pandas.set_option",
    }
)
FACTORIZE = "pandas.factorize"

# Type objects passed to pandas (`astype(str)`, `select_dtypes(include=[np.number])`).
TYPE_OBJECTS = frozenset(
    {
        "builtins.str", "builtins.int", "builtins.float", "builtins.bool", "builtins.object",
        "numpy.number", "numpy.float64", "numpy.float32", "numpy.int64", "numpy.int32",
        "numpy.bool_", "numpy.object_", "numpy.integer", "numpy.floating",
    }
)

# Builtin warning classes: immutable type objects, passed to warning filters.
WARNING_CATEGORIES = frozenset(
    f"builtins.{name}"
    for name in (
        "Warning", "UserWarning", "DeprecationWarning", "PendingDeprecationWarning", "FutureWarning",
        "RuntimeWarning", "SyntaxWarning", "ImportWarning", "UnicodeWarning", "BytesWarning", "ResourceWarning",
    )
)

# Methods that may call a callable argument; their arguments must be values
# the frontend understands, since a callable could do anything.
METHODS_CALLING_USER_CODE = frozenset(
    {"apply", "map", "transform", "agg", "aggregate", "pipe", "where", "mask", "groupby", "filter", "assign", "rename", "sort_values", "sort_index"}
)

# Static dtype predicates: decided at compile time from a column's exact dtype.
DTYPE_PREDICATES = frozenset(
    f"pandas.api.types.{name}"
    for name in (
        "is_numeric_dtype", "is_string_dtype", "is_object_dtype", "is_float_dtype",
        "is_integer_dtype", "is_bool_dtype", "is_categorical_dtype", "is_datetime64_any_dtype",
    )
)

# Cross-validation splitters: class -> default n_splits. Splitting is
# deterministic unless they shuffle without a fixed random_state.
SPLITTERS = {
    "sklearn.model_selection.KFold": 5,
    "sklearn.model_selection.StratifiedKFold": 5,
    "sklearn.model_selection.GroupKFold": 5,
    "sklearn.model_selection.TimeSeriesSplit": 5,
}

# Functions that build an estimator from estimators (deterministic when theirs are).
ESTIMATOR_FACTORIES = frozenset({"sklearn.pipeline.make_pipeline"})

# Model-selection functions: pure given deterministic estimators and splitters.
MODEL_SELECTION_FUNCTIONS = frozenset(
    {"sklearn.model_selection.cross_val_score", "sklearn.model_selection.cross_val_predict"}
)

# numpy calls that return a new array, never a view of an argument.
FRESH_ARRAY_CONSTRUCTORS = frozenset(
    f"numpy.{name}" for name in ("zeros", "ones", "empty", "full", "zeros_like", "ones_like", "full_like", "arange", "array", "linspace", "logspace")
)
