"""Equation strings of the Diehl & Cook (2015) network, written as in the paper.

Conductances ``ge``/``gi`` are dimensionless (in units of the leak conductance), so a
synaptic weight is the jump of the conductance on a spike, as in the original code.
"""

# tau dv/dt = (v_rest - v) + ge (E_exc - v) + gi (E_inh - v): the same form for both layers.
MEMBRANE = """
dv/dt = ((v_rest - v) + ge*(E_exc - v) + gi*(E_inh - v)) / tau_m : volt (unless refractory)
dge/dt = -ge / tau_ge : 1
dgi/dt = -gi / tau_gi : 1
"""

# Adaptive threshold (decays only while learning) and the postsynaptic STDP traces.
EXCITATORY = MEMBRANE + """
dtheta/dt = -learning * theta / tau_theta : volt
dpost1/dt = -post1 / tau_post1 : 1
dpost2/dt = -post2 / tau_post2 : 1
colsum : 1
colscale : 1
learning : 1 (shared)
stdp_rate : 1 (shared)
"""

# Refractory while less than `refractory` has passed since the last spike: the same time steps
# as Brian2's quantity form (which compares integer steps), with half a step of margin. The
# quantity form converts doubles to int64 in the state updater, which AVX2 cannot vectorise;
# this comparison of doubles lets the compiler vectorise both layers' state updates.
REFRACTORY = "t - lastspike < refractory - dt / 2"

EXCITATORY_THRESHOLD = "v > v_thresh + theta - theta_offset"
# Only added when the lockout is longer than the refractory clamp (Brian2 ports: 50 ms).
EXCITATORY_LOCKOUT = " and t - lastspike >= spike_lockout"
EXCITATORY_RESET = """
v = v_reset
theta += learning * theta_plus
post1 = 1
post2 = 1
"""

INHIBITORY = MEMBRANE
INHIBITORY_THRESHOLD = "v > v_thresh"
INHIBITORY_RESET = "v = v_reset"

# One Poisson input per pixel: rate = pixel / 8 Hz * intensity while the input is on.
# The image comes from the chunk's TimedArray, indexed by the controller's image_index.
INPUT = """
rate = stimulus(image_index * second, i) * intensity : Hz
image_index : integer (linked)
intensity : 1 (linked)
input_on : 1 (linked)
"""
# 'bernoulli': the textbook per-step draw, spike with probability rate*dt. No random number
# is drawn for a silent pixel or while the input is off (C's && short-circuits).
INPUT_THRESHOLD_BERNOULLI = "input_on > 0 and rate > 0*Hz and rand() < rate * dt"

# 'geometric' (default): the same Bernoulli process, sampled by its gaps. The number of steps
# to the next spike of a per-step Bernoulli(p) process is geometric, floor(ln U / ln(1 - p)),
# so one random number per spike replaces one per active pixel per step. p = 0 gets an
# effectively infinite gap; p is kept below 1 so that the logarithm stays finite.
INPUT_GEOMETRIC_STATE = """
p_spike : 1
next_step : 1
"""
INPUT_GAP = ("floor(log(rand()) / (log(1 - p_spike) - int(p_spike <= 0)))"
             " + 1e15 * int(p_spike <= 0)")
INPUT_GEOMETRIC_START = f"""
p_spike = clip(rate * dt, 0, 1 - 1e-12)
next_step = t_in_timesteps + {INPUT_GAP}
"""
INPUT_THRESHOLD_GEOMETRIC = "input_on > 0 and t_in_timesteps >= next_step"
INPUT_RESET_GEOMETRIC = f"next_step = t_in_timesteps + 1 + {INPUT_GAP}"

# The presentation protocol, run inside the simulation by a one-neuron controller.
CONTROLLER = """
image_index : integer
n_images : integer (shared)
intensity : 1
repeats : integer
n_spikes : integer
input_on : 1
step_off : 1
rng_seed : integer (shared)
"""
# At the start of every slot (presentation + rest): input on if an image is left.
CONTROLLER_SLOT_START = """
input_on = int(image_index < n_images)
n_spikes = 0
step_off = t_in_timesteps + steps_on - 1
"""
# The controller "spikes" on the last step of a presentation; its reset decides what comes next.
CONTROLLER_END = "input_on > 0 and t_in_timesteps >= step_off"
CONTROLLER_DECIDE = """
input_on = 0
accept = int(n_spikes >= min_spikes or repeats >= max_repeats)
image_index += accept
intensity = accept * start_intensity + (1 - accept) * (intensity + intensity_step)
repeats = (1 - accept) * (repeats + 1)
"""

# Input -> excitatory synapses. xpre is the nearest-spike presynaptic trace at the synapse
# (arrival after the delay), computed from the absolute time step of the last arrival.
INPUT_SYNAPSE = """
w : 1
lastpre : 1
step_offset : 1 (shared)
xpre = exp(-(t_in_timesteps + step_offset - lastpre) * dt / tau_pre) : 1
"""
INPUT_SYNAPSE_ON_PRE = """
ge_post += w
lastpre = t_in_timesteps + step_offset
"""

# Weight normalisation at the start of every presentation (only while learning), in three
# sweeps over the synapses per presentation rather than a (summed) variable every step.
# The factor is computed once per neuron, so the synapse sweep only multiplies.
NORMALISE_RESET = "colsum = 0"
NORMALISE_SUM = "colsum_post += w"
NORMALISE_FACTOR = (
    "colscale = 1 + learning * (weight_sum_target / (colsum + int(colsum == 0)) - 1)")
NORMALISE_SCALE = "w = w * colscale_post"
