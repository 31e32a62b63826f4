"""The subcommands of ``python -m benchmark``: one module each, listed in :data:`COMMANDS`.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``main(args) -> int``
and imports nothing heavy at module level (building the parser must stay fast and must not
import torch, xgboost or transformers). Adding a subcommand is its module plus one line here.
"""

from __future__ import annotations

COMMANDS: tuple[str, ...] = (
    "benchmark.commands.list_cmd",
    "benchmark.commands.corpus_cmd",
    "benchmark.commands.run_cmd",
    "benchmark.commands.report_cmd",
    "benchmark.commands.check_cmd",
    "benchmark.commands.validate_cmd",
    "benchmark.commands.cache_cmd",
    "benchmark.commands.features_cmd",
    "benchmark.commands.export_cmd",
    "benchmark.commands.predict_cmd",
    "benchmark.commands.audit_cmd",
    "benchmark.commands.check_model_cmd",
)
