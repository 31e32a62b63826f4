"""Model and feature names from outside serbench: resolution order, provenance, one-line errors."""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from benchmark import plugins
from benchmark.cli import main
from benchmark.features import FEATURES, get_extractor
from benchmark.features.declared import display_name, feature_key, parse_key
from benchmark.models import MODELS, make_model
from benchmark.plugins import PluginError

TOY = Path(__file__).with_name("toy_plugins.py")


@pytest.mark.parametrize("spec", ["sklearn.naive_bayes:GaussianNB", "sklearn.linear_model:LogisticRegression"])
def test_sklearn_classifier_by_import_path(spec):
    meta = MODELS.meta(spec)
    assert meta["family"] == "classical" and meta["input"] == "functionals"
    assert meta["plugin"]["distribution"] == "scikit-learn"
    assert meta["plugin"]["version"] == metadata.version("scikit-learn")
    assert not MODELS.is_builtin(spec) and spec not in MODELS.names()  # resolved, not registered


def test_seed_goes_to_random_state_only_when_the_constructor_takes_it():
    lr = make_model("sklearn.linear_model:LogisticRegression", seed=7, C=0.5)
    est, kwargs = lr.build()
    assert kwargs == {"C": 0.5, "random_state": 7} and est.C == 0.5
    _, kwargs = make_model("sklearn.naive_bayes:GaussianNB", seed=7).build()
    assert kwargs == {}


def test_class_attributes_declare_the_input_kind():
    assert MODELS.meta("toy_plugins:FramesCentroid")["input"] == "frames"
    assert MODELS.meta("toy_plugins:FramesCentroid")["default_features"] == "mfcc13_frames"


def test_module_outside_any_distribution_is_identified_by_its_source_hash():
    info = MODELS.meta("toy_plugins:Centroid")["plugin"]
    assert info["distribution"] is None and info["version"] is None
    assert info["source_sha256"] == hashlib.sha256(TOY.read_bytes()).hexdigest()


@pytest.mark.parametrize(("spec", "words"), [
    ("no_such_pkg.models:Thing", "cannot import module 'no_such_pkg.models'"),
    ("sklearn.naive_bayes:NoSuchClass", "has no attribute 'NoSuchClass'"),
    ("math:pi", "is not callable"),
    ("toy_plugins:NotAClassifier", "is not a classifier"),
    ("svn", "did you mean 'svm'"),
])
def test_bad_model_specs_fail_in_one_line(spec, words):
    with pytest.raises(PluginError, match=words) as err:
        MODELS.meta(spec)
    assert "\n" not in str(err.value)


def test_bad_spec_in_a_suite_is_exit_2_with_one_line(tmp_path, capsys):
    suite = tmp_path / "bad.toml"
    suite.write_text('name = "bad"\n[[runs]]\nmodels = ["no_such_pkg.models:Thing"]\n'
                     'features = ["mfcc13_stats"]\n')
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "run"), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "cannot import module 'no_such_pkg.models'" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_a_builtin_name_wins_over_an_entry_point_of_the_same_name(monkeypatch):
    fake = metadata.EntryPoint(name="svm", value="toy_plugins:Centroid", group="serbench.models")
    monkeypatch.setattr(plugins, "entry_points", lambda role: {"svm": fake} if role == "model" else {})
    why = plugins.builtin_clash("model", "svm")
    assert why is not None and "built-in wins" in why and "toy_plugins:Centroid" in why
    assert MODELS.meta("svm")["family"] == "classical" and "plugin" not in MODELS.meta("svm")
    assert plugins.builtin_clash("model", "gmm") is None


def test_plugin_feature_function_kind_dim_and_cache_identity():
    ext = get_extractor("toy_plugins:energy_stats")
    assert (ext.kind, ext.dim) == ("functionals", 2)
    assert ext.params["extractor"] == "toy_plugins:energy_stats"
    assert ext.params["source_sha256"] == hashlib.sha256(TOY.read_bytes()).hexdigest()
    frames = get_extractor("toy_plugins:energy_frames")
    assert frames.kind == "frames" and frames.dim == 1
    y = np.linspace(-1, 1, 1600, dtype=np.float32)
    assert frames(y, 16_000).shape == (10, 1)


def test_declared_feature_set_key_round_trips_and_takes_its_parameters():
    key = feature_key("loud", "toy_plugins:energy_stats", {"scale": 2.0})
    assert display_name(key) == "loud" and parse_key(key) == ("loud", "toy_plugins:energy_stats", {"scale": 2.0})
    y = np.linspace(-1, 1, 1600, dtype=np.float32)
    base = get_extractor("toy_plugins:energy_stats")(y, 16_000)
    scaled = get_extractor(key)
    np.testing.assert_allclose(scaled(y, 16_000), 2 * base, rtol=1e-6)
    assert scaled.params["scale"] == 2.0  # parameters enter the cache key
    assert FEATURES.meta(key)["declared"] == {"name": "loud", "extractor": "toy_plugins:energy_stats",
                                              "params": {"scale": 2.0}}


def test_suite_feature_sets_validate(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text('name = "good"\n[feature_sets.loud]\nextractor = "toy_plugins:energy_stats"\n'
                    'scale = 2.0\n[[runs]]\nmodels = ["toy_plugins:Centroid"]\nfeatures = ["loud"]\n')
    assert main(["validate", str(good)]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[feature_sets.mfcc13_stats]\nextractor = "toy_plugins:energy_stats"\n'
                   '[[runs]]\nmodels = ["svm"]\nfeatures = ["mfcc13_stats"]\n')
    assert main(["run", "--suite", str(bad), "--out", str(tmp_path / "run"), "--dry-run"]) == 2
    assert "is a built-in feature set" in capsys.readouterr().err


def test_declared_set_of_a_builtin_extractor_family(monkeypatch):
    from benchmark.features import EXTRACTORS
    from benchmark.features.base import make_extractor
    from benchmark.registry import Entry

    def make_scaled(scale: float = 1.0):
        return make_extractor("scaled_peak", "functionals", ["peak"],
                              lambda y, sr, scale: np.array([np.abs(y).max() * scale]), scale=scale)

    monkeypatch.setitem(EXTRACTORS._entries, "toy_family", Entry("toy_family", make_scaled, {"jit": False}))
    key = feature_key("peak3", "toy_family", {"scale": 3.0})
    ext = get_extractor(key)
    assert ext.name == "peak3" and ext.params == {"scale": 3.0} and ext.kind == "functionals"
    y = np.linspace(-0.5, 0.5, 800, dtype=np.float32)
    np.testing.assert_allclose(ext(y, 16_000), [1.5])
    assert FEATURES.meta(key)["declared"]["extractor"] == "toy_family"


@pytest.mark.parametrize(("spec", "words"), [
    ("toy_plugins:cube", "returned shape (2, 2, 2)"),
    ("toy_plugins:not_a_function", "is not callable"),
    ("toy_plugins:no_such_function", "has no attribute 'no_such_function'"),
])
def test_bad_feature_functions_are_exit_2_with_one_line(tmp_path, capsys, spec, words):
    suite = tmp_path / "bad.toml"
    suite.write_text(f'name = "bad"\n[[runs]]\nmodels = ["svm"]\nfeatures = ["{spec}"]\n')
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "run"), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_family_set_s_resolved_parameters_enter_the_job_s_provenance(monkeypatch):
    from benchmark.features import EXTRACTORS
    from benchmark.features.base import make_extractor
    from benchmark.provenance import plugin_provenance
    from benchmark.registry import Entry

    def make(n: int = 1):
        return make_extractor("fam", "functionals", ["x"], lambda y, sr, **_: np.zeros(1),
                              n=n, weights_sha256="abc")

    monkeypatch.setitem(EXTRACTORS._entries, "toy_family2", Entry("toy_family2", make, {}))
    key = feature_key("famset", "toy_family2", {"n": 2})
    (item,) = [dict(i) for i in plugin_provenance("svm", key)]
    assert item["role"] == "features" and item["extractor"] == "toy_family2"
    assert item["resolved"] == {"n": 2, "weights_sha256": "abc"}
