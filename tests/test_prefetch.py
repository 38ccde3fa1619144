"""The input synapses' event code prefetches ahead on cpp_standalone
(``diehlsim/models/templates/prefetch/synapses.cpp``, device option ``prefetch_distance``).

That a prefetch changes no result is checked by ``tests/test_refactor_guard.py``: its
hashes were recorded before the prefetch existed and the default build prefetches.
"""

from __future__ import annotations

import re

import pytest

from diehlsim.errors import ConfigurationError
from diehlsim.models.parameters import default_parameters
from diehlsim.simulation import Simulator


def _project(tmp_path, **options):
    Simulator(default_parameters(3, 16), "cpp_standalone", slots=2, build_dir=tmp_path,
              compile=False, device_options=options)
    return tmp_path


def _code(project, name: str) -> str:
    # Brian2 numbers a code object's name (name_1, ...) when an earlier network of the same
    # process used it
    (path,) = [p for p in (project / "code_objects").glob(f"{name}*.cpp")
               if p.stem == name or p.stem[len(name):].lstrip("_").isdigit()]
    return path.read_text()


def test_presynaptic_events_prefetch_the_synapse_arrays_ahead(tmp_path, brian_state):
    project = _project(tmp_path)
    pre = _code(project, "input_exc_pre_codeobject")
    prefetched = re.findall(r"__builtin_prefetch\(&(\w+)\[_ahead\]\)", pre)
    # the arrays the event code reads or writes per synapse; not the delays or sources
    assert sorted(prefetched) == ["_ptr_array_input_exc__synaptic_post",
                                  "_ptr_array_input_exc_lastpre", "_ptr_array_input_exc_w"]
    assert "_spiking_synapse_idx + DIEHLSIM_PREFETCH_DISTANCE" in pre
    # a postsynaptic spike's synapses are one stride apart: no prefetch there
    assert "__builtin_prefetch" not in _code(project, "input_exc_post_codeobject")
    assert "-DDIEHLSIM_PREFETCH_DISTANCE=16" in (project / "makefile").read_text()


def test_distance_zero_compiles_brian2s_loop(tmp_path, brian_state):
    project = _project(tmp_path, prefetch_distance=0)
    assert "DIEHLSIM_PREFETCH_DISTANCE=" not in (project / "makefile").read_text()


@pytest.mark.parametrize("value", [-1, 2.5, "16", True])
def test_bad_distance_names_the_option(tmp_path, brian_state, value):
    with pytest.raises(ConfigurationError, match="prefetch_distance"):
        _project(tmp_path, prefetch_distance=value)
