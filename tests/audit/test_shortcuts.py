"""Shortcut probes: a label-dependent DC offset is named; a corpus without one names nothing."""

from __future__ import annotations

import numpy as np

from benchmark.audit.leaks import collect_facts
from benchmark.audit.shortcuts import ALL, confounds, run_probes, ua_interval
from benchmark.datasets import load_corpus
from benchmark.splits import make_folds
from tests.audit.fixtures import make_corpus


def _probes(manifest_csv):
    m = load_corpus("csv", manifest_csv).manifest
    labels = dict(zip(m["utt_id"].astype(str), m["label"].astype(str), strict=True))
    return run_probes(collect_facts(m), labels, make_folds("speaker_loso", m, 0), seed=0)


def test_label_dependent_dc_offset_is_named(tmp_path):
    # one signal per (speaker, take); the labels differ only by their DC offset
    path = make_corpus(tmp_path, per_cell=3, seed=3, same_signal_per_label=True,
                       dc={"anger": 0.04, "happiness": 0.0, "sadness": -0.04})
    probes = {p.name: p for p in _probes(path)}
    assert "dc_offset" in confounds(probes.values())
    assert probes["dc_offset"].ua > 0.9 and probes[ALL].confound
    assert probes["duration_s"].constant and not probes["duration_s"].confound


def test_no_label_dependent_property_names_nothing(tmp_path):
    # the same recordings under every label: no property can tell the labels apart
    path = make_corpus(tmp_path, per_cell=3, seed=3, same_signal_per_label=True)
    probes = _probes(path)
    assert confounds(probes) == []
    assert all(abs(p.ua - 1 / 3) < 1e-9 for p in probes)


def test_ua_interval_brackets_ua_and_is_seeded():
    rng = np.random.default_rng(0)
    truth = rng.choice(["a", "b", "c"], 300)
    pred = np.where(rng.random(300) < 0.6, truth, rng.choice(["a", "b", "c"], 300))
    ua, low, high = ua_interval(truth, pred, ["a", "b", "c"], seed=1)
    assert low < ua < high
    assert (ua, low, high) == ua_interval(truth, pred, ["a", "b", "c"], seed=1)
