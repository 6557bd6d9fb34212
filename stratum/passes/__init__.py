"""Rewrite passes, one per module, registered lazily by their kebab-case name.

The default optimization pipeline uses ``fast-cse``, which gives the results of
xDSL's ``cse`` and ``dce`` faster: our ops declare their effects through xDSL
traits, so both are sound here (effectful ops are never merged or removed,
and every effect is ordered by its token).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.passes import ModulePass


def _fuse_elementwise() -> type[ModulePass]:
    from stratum.passes.fuse_elementwise import FuseElementwise

    return FuseElementwise


def _simplify_elementwise() -> type[ModulePass]:
    from stratum.passes.simplify_elementwise import SimplifyElementwise

    return SimplifyElementwise


def _push_projection() -> type[ModulePass]:
    from stratum.passes.push_projection import PushProjection

    return PushProjection


def _fold_constants() -> type[ModulePass]:
    from stratum.passes.fold_constants import FoldConstants

    return FoldConstants


def _drop_redundant_casts() -> type[ModulePass]:
    from stratum.passes.drop_redundant_casts import DropRedundantCasts

    return DropRedundantCasts


def _fast_cse() -> type[ModulePass]:
    from stratum.passes.fast_cse import FastCSE

    return FastCSE


def _share_reads() -> type[ModulePass]:
    from stratum.passes.share_reads import ShareReads

    return ShareReads


def _lower_to_plan() -> type[ModulePass]:
    from stratum.passes.lower_to_plan import LowerToPlan

    return LowerToPlan


STRATUM_PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "fuse-elementwise": _fuse_elementwise,
    "simplify-elementwise": _simplify_elementwise,
    "push-projection": _push_projection,
    "share-reads": _share_reads,
    "lower-to-plan": _lower_to_plan,
    "fast-cse": _fast_cse,
    "fold-constants": _fold_constants,
    "drop-redundant-casts": _drop_redundant_casts,
}

DEFAULT_PIPELINE = "share-reads,drop-redundant-casts,fold-constants,fast-cse{dce=false},simplify-elementwise,fast-cse{cse=false},push-projection,fuse-elementwise,fast-cse{cse=false}"
LOWERING_PIPELINE = "lower-to-plan"


def available_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """xDSL's passes and Stratum's."""
    from xdsl.transforms import get_all_passes

    return {**get_all_passes(), **STRATUM_PASSES}
