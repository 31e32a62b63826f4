"""``benchmarks/profile_deep.py``: operators are grouped by their own name and their callers'."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def profile_deep():
    sys.path.insert(0, str(BENCHMARKS))  # the script imports its sibling bench_deep
    try:
        import profile_deep
    finally:
        sys.path.remove(str(BENCHMARKS))
    return profile_deep


@dataclass
class Event:  # the two fields of torch.autograd.profiler's FunctionEvent that are read
    name: str
    cpu_parent: Event | None = None


def test_an_operator_inside_the_optimiser_step_is_the_optimisers(profile_deep):
    step = Event("Optimizer.step#Adam.step")
    assert profile_deep._category(Event("aten::sqrt", step)) == "optimiser"
    assert profile_deep._category(Event("aten::_foreach_add_")) == "optimiser"


def test_layout_work_inside_a_kernel_is_the_kernels_and_a_bare_copy_is_not(profile_deep):
    conv = Event("aten::convolution_backward", Event("autograd::engine::evaluate_function: X"))
    assert profile_deep._category(Event("aten::copy_", conv)) == "kernels"
    assert profile_deep._category(Event("aten::mkldnn_rnn_layer")) == "kernels"
    assert profile_deep._category(Event("aten::mm")) == "kernels"
    assert profile_deep._category(Event("aten::copy_", Event("aten::to"))) == "other operators"
    assert profile_deep._category(Event("aten::index")) == "other operators"
