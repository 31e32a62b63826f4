"""export + predict end to end on a small run: rows, reasons, probabilities, equality with the
in-memory model, the self-labelling sanity check, ONNX against PyTorch, and the one-line
refusals (unknown system, altered or missing file, unexpected skops types, library versions)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from benchmark.cli import main

#: ONNX vs PyTorch: same argmax, probabilities within this (float32 kernels, 6-decimal CSV).
ONNX_TOL = 1e-5
GOOD = ("a_8k.wav", "b_stereo_44k.wav", "sub/f.flac")
BAD = {"c_corrupt.wav": "unreadable", "d_silent.wav": "silent", "e_short.wav": "too short"}


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory, corpus_wavs) -> Path:
    """Two corpus utterances at other rates and channel counts, one as FLAC in a subfolder, and
    three files that cannot be labelled."""
    import soxr

    root = tmp_path_factory.mktemp("inputs")
    (root / "sub").mkdir()
    y, sr = sf.read(corpus_wavs[0], dtype="float32")
    sf.write(root / "a_8k.wav", soxr.resample(y, sr, 8000), 8000, subtype="PCM_16")
    y2, _ = sf.read(corpus_wavs[5], dtype="float32")
    y2 = soxr.resample(y2, sr, 44100)
    sf.write(root / "b_stereo_44k.wav", np.stack([y2, 0.5 * y2], axis=1), 44100)
    sf.write(root / "sub" / "f.flac", y, sr)
    (root / "c_corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(range(200)))
    sf.write(root / "d_silent.wav", np.zeros(sr, dtype=np.float32), sr)
    sf.write(root / "e_short.wav", np.random.default_rng(0).normal(0, 0.1, sr // 100), sr)
    return root


def _predict(model_dir: Path, inputs: list[str], out: Path, cache_root: Path, *extra: str) -> pd.DataFrame:
    assert main(["predict", str(model_dir), *inputs, "--out", str(out), "--cache-dir",
                 str(cache_root), "--no-progress", *extra]) == 0
    return pd.read_csv(out, keep_default_na=False)


def _proba_cols(rows: pd.DataFrame) -> list[str]:
    return [c for c in rows.columns if c.startswith("proba_")]


def _in_memory(exported, paths: list[Path], cache_root: Path) -> np.ndarray:
    """The in-memory fitted model's probabilities on the same features (same code and cache)."""
    from benchmark.cache import FeatureCache
    from benchmark.features import compute_features
    from benchmark.fold_data import _stack

    meta = exported.meta["features"]
    manifest = pd.DataFrame({"utt_id": [str(k) for k in range(len(paths))], "path": list(map(str, paths))})
    table = compute_features(manifest, meta["name"], cache=FeatureCache(cache_root / "features"),
                             sr=exported.meta["sample_rate"], progress=False)
    X = _stack(table.values, list(manifest["utt_id"]), meta["kind"], meta["model_input"])
    return np.asarray(exported.fitted.model.predict_proba(X))


@pytest.mark.parametrize("which", ["classical", "deep"])
def test_predict_mixed_folder(which, request, mixed_folder, cache_root, tmp_path):
    exported = request.getfixturevalue(which)
    rows = _predict(exported.folder, [str(mixed_folder)], tmp_path / "p.csv", cache_root)
    classes = exported.meta["classes"]
    assert list(rows.columns) == ["path", "label", *[f"proba_{c}" for c in classes], "reason"]
    names = [str(Path(p).relative_to(mixed_folder)) for p in rows["path"]]
    assert names == sorted([*GOOD, *BAD])  # one row per file, recursive, sorted
    by_name = dict(zip(names, rows.to_dict("records"), strict=True))
    for name, word in BAD.items():
        row = by_name[name]
        assert word in row["reason"] and row["label"] == ""
        assert all(row[c] == "" for c in _proba_cols(rows))
    good = rows[[n in GOOD for n in names]]
    assert (good["reason"] == "").all() and good["label"].isin(classes).all()
    p = good[_proba_cols(rows)].astype(float).to_numpy()
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert (np.asarray(classes)[p.argmax(axis=1)] == good["label"].to_numpy()).all()
    # the exported model gives the in-memory model's predictions on the same features
    mem = _in_memory(exported, [Path(x) for x in good["path"]], cache_root)
    assert np.abs(mem - p).max() <= 5e-7 + 1e-12
    assert (np.asarray(exported.fitted.model.classes_)[mem.argmax(axis=1)] == good["label"]).all()


@pytest.mark.parametrize("which", ["classical", "deep"])
def test_same_input_same_bytes(which, request, mixed_folder, cache_root, tmp_path):
    folder = request.getfixturevalue(which).folder
    # a classical model scores each file alone: even the batch size leaves the bytes unchanged
    # (a variable-length deep network pads a batch to its longest item, so there the batch
    # size is part of the input)
    batch = ("--batch-size", "2") if which == "classical" else ()
    _predict(folder, [str(mixed_folder)], tmp_path / "1.csv", cache_root)
    _predict(folder, [str(mixed_folder)], tmp_path / "2.csv", cache_root, *batch)
    assert (tmp_path / "1.csv").read_bytes() == (tmp_path / "2.csv").read_bytes()


def test_classical_refit_labels_its_training_audio_far_above_its_cv_ua(classical, small_run,
                                                                      corpus_wavs, tiny_corpus,
                                                                      cache_root, tmp_path):
    from sklearn.metrics import balanced_accuracy_score

    from benchmark.results import read_records

    meta = json.loads((classical.folder / "model.json").read_text())
    cv = meta["cross_validated"]
    recs = [r for r in read_records(small_run / "records.jsonl")
            if r["model"] == "svm" and r["status"] == "ok"]
    assert cv["metric"] == "ua" and cv["n_records"] == len(recs) == 2
    assert cv["mean"] == pytest.approx(100 * np.mean([r["ua"] for r in recs]))
    assert cv["ci95_half_width"] is not None and cv["protocol"] == "speaker_loso"
    spec = json.loads((small_run / "spec.json").read_text())
    assert meta["training"]["corpus_fingerprint"] == spec["fingerprints"]["synthetic"]
    assert len(meta["training"]["audio_sha256"]) == 64
    assert meta["training"]["run_fold_hashes"] == spec["fold_sets"]["synthetic__speaker_loso__seed0"]
    assert meta["training"]["n_used"] == len(tiny_corpus.manifest)  # the whole corpus
    assert meta["features"]["name"] == "mfcc13_stats" and meta["features"]["params"]
    assert meta["sample_rate"] == 16000 and "scikit-learn" in meta["versions"]
    assert meta["training"]["selection"]["n_groups"] == tiny_corpus.manifest["speaker"].nunique()
    rows = _predict(classical.folder, [str(p) for p in corpus_wavs], tmp_path / "t.csv", cache_root)
    truth = dict(zip(tiny_corpus.manifest["path"].astype(str), tiny_corpus.manifest["label"], strict=True))
    train_ua = 100 * balanced_accuracy_score([truth[p] for p in rows["path"]], rows["label"])
    assert train_ua >= cv["mean"] + 25, (train_ua, cv["mean"])


def test_onnx_matches_pytorch(deep, mixed_folder, corpus_wavs, cache_root, tmp_path):
    inputs = [str(mixed_folder), *map(str, corpus_wavs[:20])]
    torch_rows = _predict(deep.folder, inputs, tmp_path / "t.csv", cache_root)
    onnx_rows = _predict(deep.folder, inputs, tmp_path / "o.csv", cache_root, "--backend", "onnx")
    assert (torch_rows["label"] == onnx_rows["label"]).all()
    assert (torch_rows["reason"] == onnx_rows["reason"]).all()
    ok = torch_rows["reason"] == ""
    cols = _proba_cols(torch_rows)
    a = torch_rows.loc[ok, cols].astype(float).to_numpy()
    b = onnx_rows.loc[ok, cols].astype(float).to_numpy()
    assert np.abs(a - b).max() <= ONNX_TOL
    assert deep.meta["onnx"]["max_abs_logit_diff"] <= deep.meta["onnx"]["atol"]


def test_manifest_input_and_missing_rows(classical, corpus_wavs, cache_root, tmp_path):
    csv = tmp_path / "list.csv"
    pd.DataFrame({"path": [str(corpus_wavs[0]), "nowhere.wav"]}).to_csv(csv, index=False)
    rows = _predict(classical.folder, [str(csv)], tmp_path / "m.csv", cache_root)
    assert len(rows) == 2 and rows["reason"].tolist() == ["", "file not found"]


def test_unknown_system_suggests_and_lists(small_run, tmp_path, capsys):
    assert main(["export", str(small_run), "--system", "svm/mfcc13", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "did you mean svm/mfcc13_stats/default/none" in err and "lstm/mfcc13_frames" in err
    assert len(err.strip().splitlines()) == 1


def _copy(folder: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(folder, tmp_path / folder.name))


def test_altered_or_missing_file_is_one_line(classical, deep, corpus_wavs, tmp_path, capsys):
    svm = _copy(classical.folder, tmp_path)
    data = bytearray((svm / "model.skops").read_bytes())
    data[len(data) // 2] ^= 1
    (svm / "model.skops").write_bytes(bytes(data))
    assert main(["predict", str(svm), str(corpus_wavs[0])]) == 2
    err = capsys.readouterr().err.strip()
    assert "altered since export" in err and len(err.splitlines()) == 1
    lstm = _copy(deep.folder, tmp_path)
    (lstm / "weights.pt").unlink()
    assert main(["predict", str(lstm), str(corpus_wavs[0])]) == 2
    err = capsys.readouterr().err.strip()
    assert "weights.pt: missing" in err and len(err.splitlines()) == 1
    assert main(["predict", str(tmp_path / "none"), str(corpus_wavs[0])]) == 2


def test_skops_types_beyond_model_json_are_refused(classical, tmp_path):
    from benchmark.export import ExportError
    from benchmark.export.artefacts import load_model

    folder = _copy(classical.folder, tmp_path)
    meta = json.loads((folder / "model.json").read_text())
    meta["classical"]["skops_types"] = meta["classical"]["skops_types"][1:]
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ExportError, match="refusing to load types"):
        load_model(folder)


def test_other_major_version_warns(classical, tmp_path):
    from benchmark.export.artefacts import VersionWarning, load_model

    folder = _copy(classical.folder, tmp_path)
    meta = json.loads((folder / "model.json").read_text())
    meta["versions"]["scikit-learn"] = "0.20.0"
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.warns(VersionWarning, match="scikit-learn 0.20.0"):
        load_model(folder)


def test_missing_extra_says_how_to_install(classical, monkeypatch, corpus_wavs, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    assert main(["predict", str(classical.folder), str(corpus_wavs[0])]) == 2
    err = capsys.readouterr().err.strip()
    assert "pip install -e '.[export]'" in err and len(err.splitlines()) == 1


def test_onnx_is_for_deep_models(small_run, tmp_path, capsys):
    assert main(["export", str(small_run), "--system", "svm/mfcc13_stats", "--onnx",
                 "--out", str(tmp_path / "x")]) == 2
    assert "--onnx is for deep models" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
