"""An example serbench plugin: one classifier, one network and one feature function, found by
serbench through the entry points in ``pyproject.toml``. Nothing here imports serbench."""
