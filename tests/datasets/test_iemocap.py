"""IEMOCAP: EmoEvaluation parsing, speakers per session and gender, text ids, label sets."""

from __future__ import annotations

import pytest

from benchmark.datasets import iemocap
from benchmark.datasets.base import CorpusError

# dialog -> [(utterance, code)], as in SessionN/dialog/EmoEvaluation/<dialog>.txt
ANNOTATED = {
    1: {
        "Ses01F_impro01": [("Ses01F_impro01_F000", "neu"), ("Ses01F_impro01_M000", "exc"),
                           ("Ses01F_impro01_F001", "xxx"), ("Ses01F_impro01_M001", "fru")],
        "Ses01M_script01_1": [("Ses01M_script01_1_F000", "hap"), ("Ses01M_script01_1_M000", "ang")],
    },
    2: {
        "Ses02F_script01_1": [("Ses02F_script01_1_M003", "sad")],
        "Ses02F_impro02": [("Ses02F_impro02_F000", "sur"), ("Ses02F_impro02_F001", "abc"),
                           ("Ses02F_impro02_M000", "neu")],
    },
}
NO_AUDIO = "Ses02F_impro02_M000"
NO_ANNOTATION = "Ses02F_impro02_M009"


def _evaluation_text(utts: list[tuple[str, str]]) -> str:
    """The real file's shape: a header, then per utterance a summary line and annotator lines."""
    lines = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]", ""]
    for k, (utt, code) in enumerate(utts):
        lines += [f"[{k + 1.25:.4f} - {k + 2.5:.4f}]\t{utt}\t{code}\t[2.5000, 3.0000, 2.5000]",
                  "C-E2:\tNeutral;\t()", "A-E3:\tval 3; act 2; dom  2;\t()", ""]
    return "\n".join(lines)


@pytest.fixture
def root(tmp_path, wavs):
    for session, dialogs in ANNOTATED.items():
        sess = tmp_path / f"Session{session}"
        for dialog, utts in dialogs.items():
            evaluation = sess / "dialog" / "EmoEvaluation" / f"{dialog}.txt"
            evaluation.parent.mkdir(parents=True, exist_ok=True)
            evaluation.write_text(_evaluation_text(utts))
            wavs.write(sess / "dialog" / "wav" / f"{dialog}.wav")  # full dialog: not an utterance
            for utt, _ in utts:
                if utt != NO_AUDIO:
                    wavs.write(sess / "sentences" / "wav" / dialog / f"{utt}.wav")
    wavs.write(tmp_path / "Session2" / "sentences" / "wav" / "Ses02F_impro02" / f"{NO_ANNOTATION}.wav")
    return tmp_path


def test_iemocap10_default(root):
    c = iemocap.load(root)
    m = c.manifest.set_index("utt_id")
    assert len(m) == 7
    assert m.loc["Ses01F_impro01_M000", ["speaker", "gender", "session", "raw_label", "label"]].tolist() == [
        "Ses01M", "male", "Ses01", "excited", "excitement"]
    assert m.loc["Ses01M_script01_1_F000", ["speaker", "gender", "text_id"]].tolist() == [
        "Ses01F", "female", "script01_1"]
    # scripts are shared across sessions; improvised dialogs have no fixed text
    assert m.loc["Ses02F_script01_1_M003", "text_id"] == "script01_1"
    assert m.loc[m.index.str.contains("impro"), "text_id"].isna().all()
    assert sorted(m["speaker"].unique()) == ["Ses01F", "Ses01M", "Ses02F", "Ses02M"]
    assert m.loc["Ses02F_impro02_F000", "label"] == "surprise"
    reasons = sorted(p.reason.split(":")[0] for p in c.problems)
    assert reasons == ["label excluded from iemocap10", "missing audio", "no annotation", "unknown emotion code"]


def test_iemocap4_merges_excitement_and_counts_exclusions(root):
    c = iemocap.load(root, label_set="iemocap4")
    m = c.manifest.set_index("utt_id")
    assert m["label"].value_counts().to_dict() == {"happiness": 2, "neutral": 1, "anger": 1, "sadness": 1}
    assert m.loc["Ses01F_impro01_M000", "raw_label"] == "excited"
    excluded = sorted(p.reason for p in c.problems if p.reason.startswith("label excluded"))
    assert excluded == ["label excluded from iemocap4: fru (frustrated)",
                        "label excluded from iemocap4: sur (surprised)",
                        "label excluded from iemocap4: xxx (no_agreement)"]
    n_annotated = sum(len(u) for dialogs in ANNOTATED.values() for u in dialogs.values())
    assert len(m) + len(c.problems) == n_annotated + 1  # + the unannotated wav: nothing unaccounted


def test_label_set_none_means_default(root):
    assert iemocap.load(root, label_set=None).manifest.equals(iemocap.load(root, label_set="iemocap10").manifest)


def test_unknown_label_set(root):
    with pytest.raises(CorpusError, match="iemocap4"):
        iemocap.load(root, label_set="iemocap6")
