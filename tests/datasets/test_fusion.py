"""Fusion: members concatenated on harmonised labels with corpus-prefixed ids."""

from __future__ import annotations

import pytest

from benchmark.datasets import load_corpus
from benchmark.datasets.base import MANIFEST_COLUMNS, CorpusError
from benchmark.datasets.fusion import load_fusion


@pytest.fixture
def data_root(tmp_path, wavs):
    wavs.tree(tmp_path / "emodb", ["wav/03a01Wa.wav", "wav/08a01Na.wav", "wav/09a02La.wav"])
    wavs.tree(tmp_path / "savee", ["DC_a01.wav", "JE_n01.wav", "KL_su01.wav"])
    return tmp_path


def test_fused_manifest(data_root):
    c = load_corpus("fusion:emodb+savee", data_root)
    m = c.manifest
    assert c.name == "fusion:emodb+savee"
    assert tuple(m.columns) == MANIFEST_COLUMNS and len(m) == 6
    assert m["utt_id"].is_unique and m["utt_id"].str.startswith(("emodb:", "savee:")).all()
    assert sorted(m["corpus"].unique()) == ["emodb", "savee"]
    assert "emodb:03" in set(m["speaker"]) and "savee:DC" in set(m["speaker"])
    # same native text code, different sentences: must not collide after fusion
    assert {"emodb:a01", "savee:a01"} <= set(m["text_id"])
    assert m.loc[m["utt_id"] == "savee:DC_a01", "label"].item() == "anger"
    assert set(c.native_labels) == set(m["label"])


def test_mapping_root_and_shared_labels(data_root):
    roots = {"emodb": data_root / "emodb", "savee": data_root / "savee"}
    c = load_fusion(["emodb", "savee"], roots, labels="shared")
    assert sorted(c.manifest["label"].unique()) == ["anger", "neutral"]
    dropped = sorted(p.reason for p in c.problems)
    assert dropped == ["label not in fused set: boredom", "label not in fused set: surprise"]


def test_member_problems_are_kept(data_root, wavs):
    wavs.zero_bytes(data_root / "savee" / "DC_h01.wav")
    c = load_fusion(["emodb", "savee"], data_root)
    assert [p.reason.split(":")[0] for p in c.problems] == ["empty file"]


@pytest.mark.parametrize(("members", "kwargs", "message"), [
    (["emodb"], {}, "at least two"),
    (["emodb", "emodb"], {}, "at least two"),
    (["emodb", "savee"], {"labels": "some"}, "labels must be"),
    (["emodb", "savee"], {"member_options": {"tess": {}}}, "non-members"),
])
def test_bad_fusion_requests(data_root, members, kwargs, message):
    with pytest.raises(CorpusError, match=message):
        load_fusion(members, data_root, **kwargs)


def test_missing_member_root(data_root):
    with pytest.raises(CorpusError, match="no entry for member 'savee'"):
        load_fusion(["emodb", "savee"], {"emodb": data_root / "emodb"})
    with pytest.raises(CorpusError, match="tess"):
        load_fusion(["emodb", "tess"], data_root)  # no tess/ folder: the member's own error


def test_label_set_goes_to_members_that_have_several(data_root, wavs):
    ses = data_root / "iemocap" / "Session1"
    notes = ses / "dialog" / "EmoEvaluation" / "Ses01F_impro01.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("[1.0 - 2.0]\tSes01F_impro01_F000\texc\t[2.5, 2.5, 2.5]\n"
                     "[3.0 - 4.0]\tSes01F_impro01_M000\tfru\t[2.5, 2.5, 2.5]\n")
    for utt in ("Ses01F_impro01_F000", "Ses01F_impro01_M000"):
        wavs.write(ses / "sentences" / "wav" / "Ses01F_impro01" / f"{utt}.wav")
    c = load_fusion(["emodb", "iemocap"], data_root, label_set="iemocap4")
    m = c.manifest
    assert m.loc[m["corpus"] == "iemocap", "label"].tolist() == ["happiness"]  # exc merged, fru out
    assert [p.reason for p in c.problems] == ["label excluded from iemocap4: fru (frustrated)"]
    with pytest.raises(CorpusError, match="unknown label_set 'iemocap4': neither a fused label set nor"):
        load_fusion(["emodb", "savee"], data_root, label_set="iemocap4")
