"""Registry contract: lazy loading, duplicate rejection, close-match hints."""

import pytest

from benchmark.registry import Registry, RegistryError


def test_lazy_entry_is_not_imported_until_get():
    reg = Registry("thing")
    reg.register("dec", "decimal:Decimal", kind="x")
    assert reg.meta("dec") == {"kind": "x"}
    assert reg.entry("dec")._loaded is None
    from decimal import Decimal

    assert reg.get("dec") is Decimal


def test_duplicate_name_rejected():
    reg = Registry("thing")
    reg.register("a", object())
    with pytest.raises(RegistryError, match="duplicate thing name 'a'"):
        reg.register("a", object())


def test_unknown_name_suggests_close_matches():
    reg = Registry("model")
    for n in ("svm", "gmm", "hmm", "knn"):
        reg.register(n, object())
    with pytest.raises(RegistryError) as err:
        reg.get("svn")
    assert "did you mean 'svm'" in str(err.value)


def test_bad_lazy_target_is_an_error():
    reg = Registry("thing")
    reg.register("bad", "no_colon_here")
    with pytest.raises(ValueError, match="module:attr"):
        reg.get("bad")


def test_decorator_registers():
    reg = Registry("thing")

    @reg.add("f", kind="functionals")
    def f():
        return 1

    assert reg.get("f")() == 1 and "f" in reg and len(reg) == 1
