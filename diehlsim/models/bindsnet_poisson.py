"""BindsNET's ``PoissonEncoder`` (``bindsnet.encoding.poisson``), as Capozzi et al. (2023)
encoded their images: a pixel at rate r spikes at the cumulative sums of inter-spike
intervals drawn from a *Poisson* distribution of mean ``1 / (r dt)`` steps, an interval of 0
counting as 1. The spike trains are therefore more regular than a Poisson process (at
128 Hz an interval is 7.8 +- 2.8 steps rather than exponential), and the first spike of an
image comes after one interval rather than at a uniformly random time.

Within an image, with intervals ``I_1, I_2, ...``, the pixel spikes at steps
``I_1 - 1, I_1 + I_2 - 1, ...`` counted from the image's first step (BindsNET's
``spikes[1:]`` drops time 0), while they fall inside the presentation. The rates are the
same as :mod:`diehlsim.models.poisson`'s (grey level x ``protocol.rate_per_pixel`` x the
controller's intensity; Capozzi et al.: grey level / 255 x 128 Hz).
"""

from __future__ import annotations

from brian2 import Hz, NeuronGroup

from diehlsim.models import components, poisson

GROUP = "inputs"

STATE = """
mean_interval : 1  # mean inter-spike interval of this slot, in steps (BindsNET 1 / (r dt))
next_step : 1  # time step of the next spike
"""
# The interval: a Poisson draw, 0 counted as 1; a silent pixel (rate 0) never spikes.
INTERVAL = "clip(poisson(mean_interval), 1, 1e15) + 1e15 * int(rate <= 0*Hz)"
SLOT_START = f"""
mean_interval = 1 / (rate * dt + int(rate <= 0*Hz))  # 1 where silent (never used then)
next_step = t_in_timesteps - 1 + {INTERVAL}  # first spike at step I_1 - 1 of the image
"""
THRESHOLD = "input_on > 0 and t_in_timesteps >= next_step"
RESET = f"next_step += {INTERVAL}"


def build(params, controller, stimulus) -> NeuronGroup:
    group = NeuronGroup(params.n_input, poisson.EQUATIONS + STATE, threshold=THRESHOLD,
                        reset=RESET, namespace={"stimulus": stimulus}, name=GROUP)
    # After the controller (order 0) has set this slot's image and intensity.
    group.run_regularly(SLOT_START, dt=params.protocol.slot_time, when="start", order=1,
                        name="inputs_slot_start")
    poisson.link_to_controller(group, controller, params.n_input)
    return group


MODEL = components.register("input", components.InputModel(
    name="bindsnet-poisson", description="BindsNET PoissonEncoder: Poisson-distributed "
    "inter-spike intervals (Capozzi et al. 2023)", stimulus_unit=Hz, encode=poisson.encode,
    build=build, state=poisson.state))
