"""Audit a split (anyone's): speaker, sentence and recording leaks across its sides, and the
shortcuts a corpus offers (non-emotional file properties that predict the label).

- :mod:`benchmark.audit.recordings`: one pass over the files: content hash, the properties the
  shortcut probes use, and a coarse spectral fingerprint for near-identical recordings;
- :mod:`benchmark.audit.leaks`: per fold, what the training and test sides share, and the
  verdict (speaker-independent, or leaky with the counts);
- :mod:`benchmark.audit.shortcuts`: how well each property (alone and all together) predicts
  the label under the same folds, with an interval against chance;
- :mod:`benchmark.audit.imported`: the ``imported`` protocol in a run (import, audit, and the
  audit written into every fold for the records);
- :mod:`benchmark.audit.run_shortcuts`: the ``shortcuts`` table's probes, written to the run
  folder by the run's parent for the report.

Reading folds files is :mod:`benchmark.fold_import`; the CLI is ``audit-split``.
"""
