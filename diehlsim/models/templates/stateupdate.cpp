{# USES_VARIABLES { N } #}
{# ALLOWS_SCALAR_WRITE #}
{% extends 'common_group.cpp' %}
{# diehlsim's one-thread loop for a run_regularly that adds into another group's variable
   (colsum_post += w): Brian2's own template shares the loop between the OpenMP threads,
   and their additions to one neuron's sum would race. See
   diehlsim.models.input_synapses._summing_codeobj_class. #}
{% block maincode %}
    const size_t _vectorisation_idx = -1;
    {{scalar_code|autoindent}}
    const int _N = {{constant_or_scalar('N', variables['N'])}};
    for(int _idx=0; _idx<_N; _idx++)
    {
        const size_t _vectorisation_idx = _idx;
        {{vector_code|autoindent}}
    }
{% endblock %}
