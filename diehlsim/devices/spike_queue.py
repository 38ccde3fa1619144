"""Which spike queue a cpp_standalone project compiles with.

Brian2 copies its ``CSpikeQueue`` (``brian2/synapses/spikequeue.h``) into every standalone
project. ``grouped`` (the default) replaces that copy with ``spikequeue.h`` beside this
module: the same class and the same queue contents, with the synapses of each source
neuron grouped by delay so that a spike is pushed as one block per delay instead of one
synapse at a time (the header says why the result is bit-identical). ``brian2`` keeps
Brian2's copy. The runtime device (Cython) and brian2cuda have queues of their own and are
not affected.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from diehlsim.errors import ConfigurationError

SPIKE_QUEUES = ("grouped", "brian2")
DEFAULT_SPIKE_QUEUE = "grouped"
HEADER = Path(__file__).resolve().parent / "spikequeue.h"


def choice(options: dict | None) -> str:
    """The ``spike_queue`` of a simulator's device options, checked."""
    value = (options or {}).get("spike_queue", DEFAULT_SPIKE_QUEUE)
    if value not in SPIKE_QUEUES:
        raise ConfigurationError(
            f"device option spike_queue={value!r} is not one of {', '.join(SPIKE_QUEUES)}; "
            f"use 'grouped' (diehlsim's, the default) or 'brian2' (Brian2's own)")
    return value


def build_key(options: dict | None) -> str:
    """What a project's directory name must depend on: the queue, and for ``grouped`` the
    header's content. Brian2's makefile does not rebuild the code objects in
    ``code_objects/`` when a header changes, so a changed queue needs a new project."""
    queue = choice(options)
    if queue == "brian2":
        return queue
    return f"{queue}-{hashlib.sha1(HEADER.read_bytes()).hexdigest()[:10]}"


def install(project_dir: Path, options: dict | None) -> None:
    """Put the chosen queue into a generated, not yet compiled, project."""
    if choice(options) == "grouped":
        # copy2 keeps the header's own time stamp, so an unchanged project is not recompiled
        shutil.copy2(HEADER, Path(project_dir) / "brianlib" / "spikequeue.h")
