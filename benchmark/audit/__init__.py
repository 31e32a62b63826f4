"""Audit a split (anyone's): speaker, sentence and recording leaks across its sides, and the
shortcuts a corpus offers (non-emotional file properties that predict the label).

- :mod:`benchmark.audit.recordings`: one pass over the files: content hash, the properties the
  shortcut probes use, and a coarse spectral fingerprint for near-identical recordings;
- :mod:`benchmark.audit.leaks`: per fold, what the training and test sides share, and the
  verdict (speaker-independent, or leaky with the counts);
- :mod:`benchmark.audit.shortcuts`: how well each property (alone and all together) predicts
  the label under the same folds, with an interval against chance.
"""
