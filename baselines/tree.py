"""``tree``: a single CART decision tree on utterance functionals (the scaler is a no-op for
trees but keeps the pipeline identical across baselines).

Grid (first value = scikit-learn's default): ``max_depth`` in {None, 3, 5, 8, 12, 20} and
``min_samples_leaf`` in {1, 2, 5, 10, 20}. During selection one unlimited-depth tree per leaf
size and inner fold serves every depth: a depth-d tree is the same greedy tree stopped at depth
d, so its prediction is the majority class of the node each item reaches at depth d (read off
the full tree's node class counts). The two can differ only where several splits of a node are
exactly equally good and the random feature order breaks the tie differently; the chosen
depth is then refitted as a genuine depth-limited tree. Above 1,000 functionals the 500 with
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


def depth_predictions(tree: DecisionTreeClassifier, X: np.ndarray, depth: int | None) -> np.ndarray:
    """Class index predicted by ``tree`` cut at ``depth`` (None: the whole tree)."""
    limit = UNLIMITED if depth is None else depth
    t = tree.tree_
    path = tree.decision_path(X)  # CSR: the nodes of each item's root-to-leaf path, in order
    node_depth = np.zeros(t.node_count, dtype=int)
    for node in range(t.node_count):  # children have larger ids than their parent
        for child in (t.children_left[node], t.children_right[node]):
            if child >= 0:
                node_depth[child] = node_depth[node] + 1
    out = np.empty(len(X), dtype=int)
    for i in range(len(X)):
        nodes = path.indices[path.indptr[i]:path.indptr[i + 1]]
        nodes = nodes[node_depth[nodes] <= limit]
        deepest = nodes[np.argmax(node_depth[nodes])]
        out[i] = int(np.argmax(t.value[deepest, 0]))
    return tree.classes_[out]


class TreeModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {
        "max_depth": (None, 3, 5, 8, 12, 20),
        "min_samples_leaf": (1, 2, 5, 10, 20),
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
        full: dict[int, Any] = {}
        for params in candidates:
            leaf = params["min_samples_leaf"]
            if leaf not in full:
                full[leaf] = self._build({"max_depth": None, "min_samples_leaf": leaf}, yi_tr,
                                         "select").fit(X_tr, yi_tr)
            pipe = full[leaf]
            yield depth_predictions(pipe[-1], pipe[:-1].transform(X_te), params["max_depth"])

    def _resolved_extra(self, model: Any) -> dict[str, Any]:
        return screen_note(self.n_features_in_)
