"""The model: its components (neurons, inputs, plasticity, the protocol's controller), the
state table they contribute to, the network assembled from them and its parameters.

Importing the package registers the built-in components.
"""

from diehlsim.models import (  # noqa: F401  (register)
    bindsnet_poisson,
    current_lif,
    dog,
    excitatory,
    inhibitory,
    latency,
    lif,
    periodic,
    poisson,
    stdp,
)
