"""Choosing the system to export from a run's records: names, ambiguity, honest protocols."""

from __future__ import annotations

import pytest

from benchmark.export import ExportError
from benchmark.export.system import select


def _rec(model="svm", features="egemaps_v02", variant="default", augmentation="none",
         protocol="speaker_kfold5", seed=0, fold=0, si=True, leaky=False, status="ok"):
    return {"model": model, "features": features, "variant": variant, "augmentation": augmentation,
            "corpus": "synthetic", "protocol": protocol, "seed": seed, "fold": fold, "status": status,
            "run_id": f"{model}{features}{variant}{protocol}{seed}{fold}", "ua": 0.5,
            "protocol_info": {"speaker_independent": si, "leaky": leaky}}


RUN = [_rec(fold=f, protocol=p, si=si) for f in range(2)
       for p, si in (("speaker_kfold5", True), ("random_kfold5", False))]


def test_the_only_speaker_independent_protocol_is_chosen(capsys):
    sel = select(RUN, "svm/egemaps_v02")
    assert sel.protocol == "speaker_kfold5" and len(sel.records) == 2
    assert "speaker_kfold5" in capsys.readouterr().err
    assert select(RUN, "svm/egemaps_v02", protocol="random_kfold5").protocol == "random_kfold5"


def test_ambiguous_variant_and_bad_names_fail_with_the_list():
    run = RUN + [_rec(variant="linear")]
    with pytest.raises(ExportError, match="several variants.*svm/egemaps_v02/linear/none"):
        select(run, "svm/egemaps_v02")
    assert select(run, "svm/egemaps_v02/linear").variant == "linear"
    with pytest.raises(ExportError, match="did you mean svm/egemaps_v02/default/none"):
        select(RUN, "svm/egemaps")
    with pytest.raises(ExportError, match="expected MODEL/FEATURES"):
        select(RUN, "svm")
    with pytest.raises(ExportError, match="no ok record with seed 3"):
        select(RUN, "svm/egemaps_v02", seed=3)


def test_failed_records_and_the_leaky_protocol_are_not_exported():
    failed = [_rec(model="knn", status="failed")]
    with pytest.raises(ExportError, match="not a system of this run"):
        select(RUN + failed, "knn/egemaps_v02")
    leaky = [_rec(protocol="leaky_augment_then_split", si=False, leaky=True)]
    with pytest.raises(ExportError, match="leaky"):
        select(leaky, "svm/egemaps_v02")
