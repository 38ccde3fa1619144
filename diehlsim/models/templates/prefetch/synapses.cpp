{% extends 'common_synapses.cpp' %}
{# diehlsim's event code for synapses with heterogeneous delays on cpp_standalone: Brian2's
   loop over the synapses due this step (brian2/devices/cpp_standalone/templates/
   synapses.cpp), plus a prefetch of the per-synapse arrays of the synapse
   DIEHLSIM_PREFETCH_DISTANCE places ahead, in the presynaptic pathway only. Those synapses
   are one in every ~21 of a source neuron's, so each event's loads miss the cache and the
   hardware prefetcher cannot predict them; a postsynaptic spike's synapses are one stride
   apart, which the hardware prefetcher follows. The prefetch changes no value, but under
   -ffast-math GCC may order the arithmetic of a loop differently once its code changes,
   and in the postsynaptic loop it did (results 1 ulp apart). Defined by diehlsim.devices.native (device option prefetch_distance);
   undefined or 0, the code is Brian2's. See diehlsim.models.input_synapses. #}
{% set _non_synaptic = [] %}
{% for var in variables %}
    {% if variable_indices[var] not in ('_idx', '0') %}
        {% if _non_synaptic.append(1) %}{% endif %}
    {% endif %}
{% endfor %}

{% macro event_loop() %}
    for(int _spiking_synapse_idx=0;
        _spiking_synapse_idx<_num_spiking_synapses;
        _spiking_synapse_idx++)
    {
        const size_t _idx = (*_spiking_synapses)[_spiking_synapse_idx];
        const size_t _vectorisation_idx = _idx;
        {% if pathway.prepost == 'pre' %}
        #if defined(DIEHLSIM_PREFETCH_DISTANCE) && DIEHLSIM_PREFETCH_DISTANCE > 0
        if (_spiking_synapse_idx + DIEHLSIM_PREFETCH_DISTANCE < _num_spiking_synapses)
        {
            const size_t _ahead = (*_spiking_synapses)[_spiking_synapse_idx + DIEHLSIM_PREFETCH_DISTANCE];
            {% for varname, var in variables.items() | sort %}
            {% if variable_indices[varname] == '_idx' and varname not in ('_synaptic_pre', 'delay') and var.size is defined and not var.scalar %}
            __builtin_prefetch(&{{get_array_name(var)}}[_ahead]);
            {% endif %}
            {% endfor %}
        }
        #endif
        {% endif %}
        {{vector_code|autoindent}}
    }
{% endmacro %}

{% block maincode %}

    // This is only needed for the _debugmsg function below
    {# USES_VARIABLES { _synaptic_pre } #}

    // scalar code
    const size_t _vectorisation_idx = -1;
    {{scalar_code|autoindent}}

    {{ openmp_pragma('parallel') }}
    {
    std::vector<int> *_spiking_synapses = {{pathway.name}}.peek();
    const int _num_spiking_synapses = _spiking_synapses->size();

    {% if _non_synaptic %}
    {{ openmp_pragma('master') }}
    {
    {{ event_loop() }}
    }
    {% else %}
    {{ openmp_pragma('static') }}
    {{ event_loop() }}
    {% endif %}
    }
{% endblock %}


{% block extra_functions_cpp %}
void _debugmsg_{{codeobj_name}}()
{
    using namespace brian;
    std::cout << "Number of synapses: " << {{_dynamic__synaptic_pre}}.size() << endl;
}
{% endblock %}

{% block extra_functions_h %}
void _debugmsg_{{codeobj_name}}();
{% endblock %}

{% macro main_finalise() -%}
#ifdef DEBUG
_debugmsg_{{codeobj_name}}();
#endif
{% endmacro %}
