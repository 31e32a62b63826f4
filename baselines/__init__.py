"""Classical baselines: the name table ``MODELS`` (name -> ("module:Class", meta)).

Entries are lazy strings, so importing this package loads neither xgboost nor hmmlearn (nor
scikit-learn). Every class follows the estimator contract in ``baselines.base``.
"""

from __future__ import annotations

_FUNCTIONALS = {"family": "classical", "input": "functionals", "default_features": "egemaps_v02"}

MODELS: dict[str, tuple[str, dict]] = {
    "svm": ("baselines.svm:SVMModel", {
        **_FUNCTIONALS, "paper": "000",
        "description": "SVM, RBF or linear kernel; kernel x C x gamma by speaker-grouped inner CV"}),
    "gmm": ("baselines.gmm:GMMModel", {
        **_FUNCTIONALS, "paper": None,
        "description": "one Gaussian mixture per class (components x covariance by inner CV); ML decision"}),
    "hmm": ("baselines.hmm:HMMModel", {
        "family": "classical", "input": "frames", "default_features": "mfcc39_frames",
        "paper": None,
        "description": "one ergodic diagonal Gaussian HMM per class on z-normalised frames"}),
    "knn": ("baselines.knn:KNNModel", {
        **_FUNCTIONALS, "paper": None, "description": "k-nearest neighbours; k and weighting by inner CV"}),
    "tree": ("baselines.tree:TreeModel", {
        **_FUNCTIONALS, "paper": None, "description": "CART decision tree; depth and leaf size by inner CV"}),
    "xgb": ("baselines.xgb:XGBModel", {
        **_FUNCTIONALS, "paper": None,
        "description": "XGBoost (hist); depth x learning rate, rounds early-stopped on inner folds"}),
    "mlp": ("baselines.mlp:MLPModel", {
        **_FUNCTIONALS, "paper": None,
        "description": "scikit-learn MLP; width x L2, epochs early-stopped on inner folds"}),
    "dummy": ("baselines.dummy:DummyModel", {
        **_FUNCTIONALS, "paper": None,
        "description": "majority class, class-prior probabilities: the floor"}),
}
