"""What the worker hands a model besides its data: the run options a registry row declares,
and the source count that sets a budget profile's epoch length when copies were added."""

from __future__ import annotations

from benchmark.cache import FeatureCache
from benchmark.fold_data import build_fold_data
from benchmark.jobs import Job
from benchmark.models import MODELS
from benchmark.splits import make_folds
from benchmark.worker import WorkerContext, _load_table, _run_options


def _job(fold, augmentation: str) -> Job:
    return Job(suite="t", corpus="synthetic", label_set=None, protocol="speaker_loso", fold=fold,
               n_folds=4, fold_key="k", model="lstm", family="deep", features="mfcc13_stats",
               variant="default", params=(), augmentation=augmentation, seed=0, profile="ci",
               sr=16000)


def test_an_augmented_job_passes_its_source_count_and_a_plain_one_does_not(tiny_corpus, cache_root):
    m = tiny_corpus.manifest
    fold = make_folds("speaker_loso", m, 0)[0]
    ctx = WorkerContext(manifests={"synthetic": m}, fingerprints={}, cache_root=str(cache_root / "features"))
    cache = FeatureCache(ctx.cache_root)

    def build(augmentation: str):
        job = _job(fold, augmentation)
        data = build_fold_data(job, ctx.manifests,
                               lambda c, man, f, sr: _load_table(ctx, c, man, f, sr), cache,
                               model_input="frames", unit="speaker", leaky=False)
        return data, _run_options(job, dict(MODELS.meta("lstm")), ctx, data)

    data, options = build("paper001_stretch")  # two copies of every training utterance
    assert len(data.train_ids) == 3 * len(fold.train)
    assert data.n_train_sources == len(fold.train) and options["n_sources"] == len(fold.train)
    plain, options = build("none")
    assert plain.n_train_sources == len(plain.train_ids) and "n_sources" not in options
    assert options["profile"] == "ci"
