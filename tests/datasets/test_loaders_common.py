"""Contract and bad-input checks shared by every folder-based corpus loader."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest

from benchmark.datasets import load_corpus
from benchmark.datasets.base import MANIFEST_COLUMNS, CorpusError
from benchmark.datasets.labels import HARMONISED

# corpus -> (three good names, misnamed, unknown emotion code, good name written with zero
# bytes, good name written with a corrupt header)
CASES: dict[str, tuple[list[str], str, str, str, str]] = {
    "ravdess": (
        ["Actor_01/03-01-01-01-01-01-01.wav", "Actor_02/03-01-05-02-02-01-02.wav",
         "Actor_02/03-01-08-01-01-02-02.wav"],
        "Actor_01/03-01-01.wav", "Actor_01/03-01-09-01-01-01-01.wav",
        "Actor_03/03-01-02-01-01-01-03.wav", "Actor_03/03-01-03-01-01-01-03.wav",
    ),
    "crema_d": (
        ["AudioWAV/1001_DFA_ANG_XX.wav", "AudioWAV/1002_IEO_HAP_HI.wav", "AudioWAV/1002_TIE_NEU_XX.wav"],
        "AudioWAV/1001-DFA-ANG.wav", "AudioWAV/1001_DFA_XYZ_XX.wav",
        "AudioWAV/1003_DFA_SAD_LO.wav", "AudioWAV/1003_DFA_FEA_MD.wav",
    ),
    "tess": (
        ["OAF_angry/OAF_back_angry.wav", "YAF_pleasant_surprised/YAF_dog_ps.wav", "OAF_Fear/OAF_back_fear.wav"],
        "OAF_angry/back.wav", "OAF_angry/OAF_bean_furious.wav",
        "YAF_sad/YAF_back_sad.wav", "YAF_sad/YAF_dog_sad.wav",
    ),
    "savee": (
        ["DC_a01.wav", "JE_sa02.wav", "KL_su15.wav"],
        "DC-a01.wav", "DC_x01.wav",
        "JK_n01.wav", "JK_h03.wav",
    ),
    "emodb": (
        ["wav/03a01Fa.wav", "wav/08b02Wb.wav", "wav/16a05Nc.wav"],
        "wav/03a01.wav", "wav/03a01Xa.wav",
        "wav/09a02Ta.wav", "wav/10b10La.wav",
    ),
    "casia": (
        ["liuchanhg/angry/201.wav", "wangzhe/sad/202.wav", "ZhaoZuoxiang/surprise/201.wav"],
        "wangzhe/sad/abc.wav", "wangzhe/bored/201.wav",
        "zhaoquanyin/fear/203.wav", "zhaoquanyin/happy/203.wav",
    ),
}
ALL_LOADERS = [*CASES, "iemocap", "csv"]


def _module(corpus: str):
    name = "csv_manifest" if corpus == "csv" else corpus
    return importlib.import_module(f"benchmark.datasets.{name}")


@pytest.mark.parametrize("corpus", ALL_LOADERS)
def test_missing_root_names_layout(corpus, tmp_path):
    mod = _module(corpus)
    for root in (None, tmp_path / "does-not-exist"):
        with pytest.raises(CorpusError) as err:
            mod.load(root)
        assert mod.LAYOUT in str(err.value)


@pytest.mark.parametrize("corpus", [*CASES, "iemocap"])
def test_empty_root_names_layout(corpus, tmp_path):
    mod = _module(corpus)
    (tmp_path / "notes.txt").write_text("not audio")
    with pytest.raises(CorpusError, match="no usable audio") as err:
        mod.load(tmp_path)
    assert mod.LAYOUT in str(err.value)


@pytest.mark.parametrize("corpus", CASES)
def test_only_misnamed_files_is_an_error_with_reason(corpus, tmp_path, wavs):
    _, misnamed, unknown, *_ = CASES[corpus]
    wavs.tree(tmp_path, [misnamed, unknown])
    with pytest.raises(CorpusError, match=r"2 file\(s\) rejected"):
        _module(corpus).load(tmp_path)


@pytest.mark.parametrize("corpus", CASES)
def test_good_tree_meets_manifest_contract(corpus, tmp_path, wavs):
    good = CASES[corpus][0]
    wavs.tree(tmp_path, good)
    c = load_corpus(corpus, tmp_path)
    m = c.manifest
    assert tuple(m.columns) == MANIFEST_COLUMNS
    assert len(m) == len(good) and not c.problems and c.problem_summary() == ""
    assert m["utt_id"].is_unique and m["utt_id"].is_monotonic_increasing
    assert (m["corpus"] == corpus).all() and c.name == corpus
    assert set(m["label"]) <= set(HARMONISED)
    assert set(m["raw_label"]) <= set(c.native_labels)
    assert m["speaker"].notna().all() and m["text_id"].notna().all()
    assert m["duration_s"].to_numpy() == pytest.approx(wavs.seconds, abs=1e-3)
    for col in MANIFEST_COLUMNS[:-1]:
        assert isinstance(m[col].dtype, pd.StringDtype), col
    pd.testing.assert_frame_equal(m, load_corpus(corpus, tmp_path).manifest)  # deterministic


@pytest.mark.parametrize("corpus", CASES)
def test_bad_files_become_problems_not_rows(corpus, tmp_path, wavs):
    good, misnamed, unknown, zero, corrupt = CASES[corpus]
    wavs.tree(tmp_path, [*good, misnamed, unknown])
    wavs.zero_bytes(tmp_path / zero)
    wavs.corrupt(tmp_path / corrupt)
    c = _module(corpus).load(tmp_path)
    assert len(c.manifest) == len(good)
    reasons = {p.path.replace("\\", "/").split(str(tmp_path.name) + "/")[-1]: p.reason for p in c.problems}
    assert reasons[misnamed].startswith("name does not match convention")
    assert reasons[unknown].startswith("unknown emotion code")
    assert reasons[zero].startswith("empty file")
    assert reasons[corrupt].startswith("unreadable audio")
    summary = c.problem_summary()
    assert summary.startswith(f"4 file(s) of {corpus} not used")
    assert "1 x unreadable audio" in summary


@pytest.mark.parametrize("corpus", [c for c in [*CASES, "csv"] if c not in ("ravdess", "crema_d")])
def test_label_set_is_refused_by_single_set_corpora(corpus, tmp_path):
    with pytest.raises(CorpusError, match="single label set.*iemocap"):
        _module(corpus).load(tmp_path, label_set="iemocap4")
