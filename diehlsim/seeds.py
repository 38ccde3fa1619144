"""The seed schedule: every random number of a run follows from its one ``--seed``.

* the initial weights and delays: ``initial_state(params, run_seed)``;
* each phase (training, labelling, testing, the analysis recording) has its own seed,
  ``run_seed`` plus the phase's offset, so that changing one phase's length never changes
  another phase's input spike trains;
* each chunk of a phase gets ``chunk_seed(phase seed, chunk)``, which the compiled code
  receives as a run argument;
* repeated test passes (Diehl & Cook average ten) get ``test_repeat_seed``;
* a shuffled training order (``api.train(shuffle_seed=S)``) follows from its own seed
  (``shuffled_order``), recorded in the run's settings.
"""

from __future__ import annotations

import numpy as np

from diehlsim.errors import ConfigurationError

PHASE_OFFSETS = {"train": 0, "label": 1, "test": 2, "record": 3}
_SEED_LIMIT = 2**31 - 1  # the generators take a signed 32-bit seed
#: The largest run seed: its phase seeds still fit the generators.
SEED_MAX = _SEED_LIMIT - 1 - max(PHASE_OFFSETS.values())


def phase_seed(run_seed: int, phase: str) -> int:
    """Seed of one phase of the run seeded ``run_seed``."""
    if phase not in PHASE_OFFSETS:
        raise ConfigurationError(
            f"unknown phase {phase!r}; the phases are {', '.join(PHASE_OFFSETS)}")
    return int(run_seed) + PHASE_OFFSETS[phase]


def chunk_seed(seed: int, chunk_index: int) -> int:
    """Seed of one chunk of the phase seeded ``seed``: a fixed schedule."""
    state = np.random.SeedSequence([seed, chunk_index]).generate_state(1)
    return int(state[0] % _SEED_LIMIT)


def test_repeat_seed(run_seed: int, repeat: int) -> int:
    """Seed of test repeat ``repeat``: repeat 0 is the test phase of ``api.evaluate``; later
    repeats get seeds from ``SeedSequence([run_seed, test offset, repeat])``, whose streams
    never coincide with another phase's."""
    if repeat < 0:
        raise ConfigurationError(f"test repeat numbers start at 0, got {repeat}")
    if repeat == 0:
        return phase_seed(run_seed, "test")
    state = np.random.SeedSequence(
        [run_seed, PHASE_OFFSETS["test"], repeat]).generate_state(1)
    return int(state[0] % _SEED_LIMIT)


def shuffled_order(n_images: int, total: int, shuffle_seed: int) -> np.ndarray:
    """Positions 0..n_images-1 of ``total`` presentations, each epoch in a fresh random order
    (a data loader's ``shuffle=True``); the orders follow from ``shuffle_seed``."""
    if not 0 <= int(shuffle_seed) <= _SEED_LIMIT:
        raise ConfigurationError(
            f"the shuffle seed must be in 0..{_SEED_LIMIT}, got {shuffle_seed}")
    rng = np.random.default_rng(int(shuffle_seed))
    epochs = -(-int(total) // max(1, int(n_images)))
    order = np.concatenate([rng.permutation(n_images) for _ in range(max(1, epochs))])
    return order[:total]
