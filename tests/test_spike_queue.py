"""diehlsim's cpp_standalone spike queue (``diehlsim/devices/spikequeue.h``) against
Brian2's: the same synapse indices in every delay slot, in the same order, step by step.

A small C++ driver is compiled twice, once against each header, and fed the same random
pathways and spikes; the whole model's bit-exactness with the new queue is checked by
``tests/test_refactor_guard.py`` (results recorded with Brian2's queue).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import brian2
from diehlsim.devices import spike_queue
from diehlsim.errors import ConfigurationError
from diehlsim.simulation import default_build_name
from diehlsim.models.parameters import default_parameters

BRIAN2_SYNAPSES = Path(brian2.__file__).parent / "synapses"

DRIVER = r"""
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "spikequeue.h"

// One pathway: sources in [start, end), n synapses from random (unsorted) sources, delays
// in [lo, hi] ms at dt 0.5 ms, the synapse range of thread `part` of `parts` (Brian2's
// OpenMP split), random spikes for `steps` steps; prints every step's delivered synapses.
static void pathway(unsigned seed, int start, int end, int n, double lo, double hi,
                    int part, int parts, int steps)
{
    srand(seed);
    std::vector<int32_t> sources(n);
    std::vector<double> delays(n);
    for (int i = 0; i < n; i++) {
        sources[i] = start + rand() % (end - start);
        delays[i] = lo + (hi - lo) * (rand() / (double)RAND_MAX);
    }
    const int padding = part * (n / parts);
    const int length = part == parts - 1 ? n - padding : n / parts;
    CSpikeQueue queue(start, end);
    queue.openmp_padding = padding;
    if (lo == hi)
        queue.prepare(&delays[0], 1, &sources[padding], length, 0.5e-3);
    else
        queue.prepare(&delays[padding], length, &sources[padding], length, 0.5e-3);
    for (int step = 0; step < steps; step++) {
        queue.advance();
        std::vector<int32_t> spikes;
        for (int neuron = start - 3; neuron < end + 3; neuron++)
            if (rand() % 4 == 0) spikes.push_back(neuron);  // some outside the range
        if (!spikes.empty()) queue.push(&spikes[0], (int)spikes.size());
        std::vector<int32_t> *due = queue.peek();
        printf("%d:", step);
        for (size_t k = 0; k < due->size(); k++) printf(" %d", (*due)[k]);
        printf("\n");
    }
}

// The hand-computed case: neuron 0's synapses 0-3 with delays 1.0, 0.0, 1.0, 0.5 ms.
static void hand()
{
    int32_t sources[4] = {0, 0, 0, 0};
    double delays[4] = {1.0e-3, 0.0, 1.0e-3, 0.5e-3};
    CSpikeQueue queue(0, 1);
    queue.prepare(delays, 4, sources, 4, 0.5e-3);
    int32_t spike = 0;
    for (int step = 0; step < 3; step++) {
        queue.advance();
        if (step == 0) queue.push(&spike, 1);
        std::vector<int32_t> *due = queue.peek();
        printf("hand %d:", step);
        for (size_t k = 0; k < due->size(); k++) printf(" %d", (*due)[k]);
        printf("\n");
    }
}

int main()
{
    hand();
    pathway(1, 0, 50, 4000, 0.0, 10.0e-3, 0, 1, 60);    // the model's U(0, 10 ms)
    pathway(2, 20, 70, 3000, 2.0e-3, 4.0e-3, 0, 1, 40);  // offset sources, min delay > 0
    pathway(3, 0, 30, 2000, 0.0, 10.0e-3, 1, 2, 40);    // the second of two threads
    pathway(4, 5, 25, 500, 3.0e-3, 3.0e-3, 0, 1, 30);   // one delay: Brian2's own path
    return 0;
}
"""


def _compile_and_run(header: Path, work: Path) -> list[str]:
    include = work / "include"
    include.mkdir(parents=True)
    shutil.copy(header, include / "spikequeue.h")
    shutil.copy(BRIAN2_SYNAPSES / "stdint_compat.h", include / "stdint_compat.h")
    (work / "driver.cpp").write_text(DRIVER)
    subprocess.run([_compiler(), "-O1", "-std=c++11", f"-I{include}", "driver.cpp",
                    str(BRIAN2_SYNAPSES / "spikequeue.cpp"), "-o", "driver"],
                   cwd=work, check=True, capture_output=True, text=True)
    return subprocess.run(["./driver"], cwd=work, check=True, capture_output=True,
                          text=True).stdout.splitlines()


def _compiler() -> str:
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("g++ is needed to compile the spike queue")
    return compiler


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("spike_queue")
    return {"brian2": _compile_and_run(BRIAN2_SYNAPSES / "spikequeue.h", root / "brian2"),
            "grouped": _compile_and_run(spike_queue.HEADER, root / "grouped")}


def test_hand_computed_delivery(outputs):
    # delay steps 2, 0, 2, 1: synapse 1 at once, synapse 3 one step later, 0 and 2 after two
    hand = [line for line in outputs["grouped"] if line.startswith("hand")]
    assert hand == ["hand 0: 1", "hand 1: 3", "hand 2: 0 2"]


def test_same_slots_in_the_same_order_as_brian2(outputs):
    assert outputs["grouped"] == outputs["brian2"]
    delivered = sum(len(line.split()) - 1 for line in outputs["grouped"])
    assert delivered > 10_000  # the pathways did deliver


def test_bad_choice_names_the_options():
    with pytest.raises(ConfigurationError, match="grouped.*brian2"):
        spike_queue.choice({"spike_queue": "fast"})


def test_each_queue_gets_its_own_project():
    # Brian2's makefile does not rebuild code objects when a header changes
    params = default_parameters(10, 16)
    grouped = default_build_name(params, "cpp_standalone", 10, False)
    brian2_queue = default_build_name(params, "cpp_standalone", 10, False,
                                      {"spike_queue": "brian2"})
    assert grouped != brian2_queue
    assert spike_queue.build_key({}).startswith("grouped-")
