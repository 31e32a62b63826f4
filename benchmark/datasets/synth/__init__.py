"""Building blocks of the embedded synthetic corpus (see ``benchmark.datasets.synthetic``).

``espeak``: ctypes binding to the eSpeak NG library shipped in the ``espeakng-loader`` wheel.
``prosody``: speakers and the rule-based emotional prosody (Murray & Arnott 1993 style).
``channel``: voice-quality signal processing and the per-speaker recording channel.
"""
