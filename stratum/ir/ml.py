"""The ``ml`` dialect: the scikit-learn estimator API as dataflow.

Estimators are values: ``ml.fit`` returns a new fitted estimator instead of
mutating its operand (the runtime fits a copy), so a fit with equal
hyperparameters on equal data is one computation wherever it appears.
Hyperparameters are operands (usually ``python.constant``), so structural equality
of two ``ml.estimator`` ops is equality of their full argument lists.
"""

from __future__ import annotations

from xdsl.dialects.builtin import ArrayAttr, StringAttr
from xdsl.ir import Dialect, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import (
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure

from stratum.ir.python import StratumOp, interned_parameterless


@interned_parameterless
@irdl_attr_definition
class EstimatorType(ParametrizedAttribute, TypeAttribute):
    """A scikit-learn-compatible estimator (fitted or not)."""

    name = "ml.estimator"


@irdl_op_definition
class EstimatorOp(StratumOp):
    """``cls(*args, **kwargs)`` for an estimator class known to be side-effect free."""

    name = "ml.estimator"
    args = var_operand_def()
    cls = prop_def(StringAttr, prop_name="class")
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def(EstimatorType)
    traits = traits_def(Pure())


@irdl_op_definition
class FitOp(StratumOp):
    """``estimator.fit(X, y, **kwargs)`` on a copy; the result is the fitted copy."""

    name = "ml.fit"
    estimator = operand_def(EstimatorType)
    args = var_operand_def()
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def(EstimatorType)
    traits = traits_def(Pure())


@irdl_op_definition
class PredictOp(StratumOp):
    """``estimator.<method>(X)`` for predict, predict_proba, transform, score..."""

    name = "ml.predict"
    estimator = operand_def(EstimatorType)
    args = var_operand_def()
    method = prop_def(StringAttr)
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class FitTransformOp(StratumOp):
    """``estimator.fit_transform(X, ...)`` on a copy: the fitted copy and the output.

    Not ``fit`` then ``transform``: some estimators compute the two differently.
    """

    name = "ml.fit_transform"
    estimator = operand_def(EstimatorType)
    args = var_operand_def()
    kwnames = prop_def(ArrayAttr[StringAttr])
    fitted = result_def(EstimatorType)
    output = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class FoldsOp(StratumOp):
    """``list(splitter.split(X, ...))``: every (train, validation) index pair.

    Cross-validation loops are unrolled over these folds, so each fold's fit
    is an op of its own, shared with every script that fits the same fold.
    """

    name = "ml.folds"
    splitter = operand_def(EstimatorType)
    args = var_operand_def()
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class SplitOp(StratumOp):
    """``train_test_split(*arrays, **kwargs)`` with a fixed ``random_state``."""

    name = "ml.train_test_split"
    args = var_operand_def()
    kwnames = prop_def(ArrayAttr[StringAttr])
    parts = var_result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class MetricOp(StratumOp):
    """A metric from ``sklearn.metrics`` by qualified name."""

    name = "ml.metric"
    args = var_operand_def()
    metric = prop_def(StringAttr)
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def()
    traits = traits_def(Pure())


ML = Dialect(
    "ml",
    [EstimatorOp, FitOp, FitTransformOp, PredictOp, FoldsOp, SplitOp, MetricOp],
    [EstimatorType],
)
