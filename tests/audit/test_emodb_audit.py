"""On the real EmoDB copy (skips when absent): serbench's speaker_loso audits as
speaker-independent, with no identical or near-identical recordings across sides."""

from __future__ import annotations

import pytest

from benchmark.cli import main
from tests.conftest import shared_emodb

pytestmark = pytest.mark.shared_data


def test_speaker_loso_on_emodb_is_speaker_independent(capsys):
    root = shared_emodb()
    if not (root / "wav").is_dir():
        pytest.skip(f"real EmoDB not found at {root} (set SERBENCH_SHARED_DATA to the shared data folder)")
    assert main(["audit-split", "--corpus", "emodb", "--data-root", str(root), "--protocol",
                 "speaker_loso", "--no-shortcuts", "--strict"]) == 0
    out = capsys.readouterr().out
    assert ("verdict: speaker-independent: no speaker and no identical or near-identical recording on "
            "both sides in any of 10 folds; sentences (text ids) on both sides in 10 of 10 folds") in out
