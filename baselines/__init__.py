"""Classical baselines: the name table ``MODELS`` (name -> ("module:Class", meta)).

Entries are lazy strings, so importing this package loads neither xgboost nor hmmlearn (nor
scikit-learn). Every class follows the estimator contract in ``baselines.base``.
"""

from __future__ import annotations

_FUNCTIONALS = {"family": "classical", "input": "functionals", "default_features": "egemaps_v02"}

MODELS: dict[str, tuple[str, dict]] = {
    "svm": ("baselines.svm:SVMModel", {
        **_FUNCTIONALS, "paper": "000",
        "description": "SVM, RBF kernel (linear selectable); C x gamma chosen on val by UA"}),
    "gmm": ("baselines.gmm:GMMModel", {
        **_FUNCTIONALS, "paper": None,
        "description": "one diagonal Gaussian mixture per class; maximum-likelihood decision"}),
    "hmm": ("baselines.hmm:HMMModel", {
        "family": "classical", "input": "frames", "default_features": "mfcc39_frames",
        "paper": None,
        "description": "one ergodic diagonal Gaussian HMM per class on z-normalised frames"}),
    "knn": ("baselines.knn:KNNModel", {
        **_FUNCTIONALS, "paper": None, "description": "k-nearest neighbours, k chosen on val"}),
    "tree": ("baselines.tree:TreeModel", {
        **_FUNCTIONALS, "paper": None, "description": "CART decision tree, depth chosen on val"}),
    "xgb": ("baselines.xgb:XGBModel", {
        **_FUNCTIONALS, "paper": None,
        "description": "XGBoost gradient-boosted trees (hist, 1 thread)"}),
    "mlp": ("baselines.mlp:MLPModel", {
        **_FUNCTIONALS, "paper": None,
        "description": "scikit-learn MLP with early stopping on an inner train split"}),
    "dummy": ("baselines.dummy:DummyModel", {
        **_FUNCTIONALS, "paper": None,
        "description": "majority class, class-prior probabilities: the floor"}),
}
