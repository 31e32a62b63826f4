"""``tree``: a single CART decision tree on utterance functionals (the scaler is a no-op for
trees but keeps the pipeline identical across baselines).

Grid (first value = scikit-learn's default): ``max_depth`` in {None, 3, 5, 8, 12, 20} and
``min_samples_leaf`` in {1, 5, 20}. During selection one unlimited-depth tree per leaf
size and inner fold serves every depth: a depth-d tree is the same greedy tree stopped at depth
d, so its prediction is the majority class of the node each item reaches at depth d (read off
the full tree's node class counts). The two can differ where several splits of a node are
exactly equally good (common in small, deep nodes) and the random feature order breaks the tie
differently: the cut is then an equally valid tree. The chosen depth is refitted as a genuine
depth-limited tree. Above 1,000 functionals the 500 with
the largest ANOVA F-value on the training items are kept first (``baselines._pipeline.screened``;
a full tree on 6,373-dim ComParE cost ~1.5 s, and a tree splits on very few of them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from baselines._pipeline import screen_note, screened
from baselines.base import ClassicalModel

#: stands for ``max_depth=None`` where a number is needed (deeper than any tree on SER data)
UNLIMITED = 10**6


def depth_predictions(tree: DecisionTreeClassifier, X: np.ndarray, depths: list[int | None]) -> list[np.ndarray]:
    """Class indices predicted by ``tree`` cut at each of ``depths`` (None: the whole tree).

    One ``decision_path`` serves every depth: a path's nodes, sorted by id, run from the root
    to the leaf (children get larger ids than their parent), so the node an item reaches at
    depth d is the d-th of its path, or its leaf when the path is shorter."""
    path = tree.decision_path(X)
    starts, lengths = path.indptr[:-1], np.diff(path.indptr)
    out = []
    for depth in depths:
        limit = UNLIMITED if depth is None else depth
        nodes = path.indices[starts + np.minimum(limit, lengths - 1)]
        out.append(tree.classes_[np.argmax(tree.tree_.value[nodes, 0], axis=1)])
    return out


class TreeModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {
        "max_depth": (None, 3, 5, 8, 12, 20),
        "min_samples_leaf": (1, 5, 20),
    }

    def __init__(
        self,
        *,
        seed: int = 0,
        max_depth: int | None = None,
        min_samples_leaf: int | None = None,
        class_weight: str | None = None,
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed
        # None means "select"; an unlimited depth alone is requested with grid={"max_depth": [None]}
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.class_weight = class_weight
        self.grid = grid

    def _tree(self, params: dict[str, Any]) -> DecisionTreeClassifier:
        return DecisionTreeClassifier(max_depth=params["max_depth"],
                                      min_samples_leaf=params["min_samples_leaf"],
                                      class_weight=self.class_weight, random_state=self.seed)

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        return screened(self._tree(params), self.n_features_in_)

    def _candidate_predictions(self, candidates: list[dict[str, Any]], X_tr: np.ndarray,
                               yi_tr: np.ndarray, X_te: np.ndarray) -> Iterator[np.ndarray]:
        by_leaf: dict[int, dict[Any, np.ndarray]] = {}
        for params in candidates:
            leaf = params["min_samples_leaf"]
            if leaf not in by_leaf:
                pipe = self._build({"max_depth": None, "min_samples_leaf": leaf}, yi_tr,
                                   "select").fit(X_tr, yi_tr)
                depths = [c["max_depth"] for c in candidates if c["min_samples_leaf"] == leaf]
                preds = depth_predictions(pipe[-1], pipe[:-1].transform(X_te), depths)
                by_leaf[leaf] = dict(zip(depths, preds, strict=True))
            yield by_leaf[leaf][params["max_depth"]]

    def _resolved_extra(self, model: Any) -> dict[str, Any]:
        return screen_note(self.n_features_in_)
