"""serbench: an honest benchmark suite for speech emotion recognition.

The package owns the pipeline (corpus -> manifest -> protocol -> features -> augmentation ->
model -> record); ``baselines``, ``deep`` and ``reports`` are sibling packages.
"""

__version__ = "0.1.0"
