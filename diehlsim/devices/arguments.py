"""The check a standalone binary makes of its run arguments before it simulates anything.

Brian2's generated ``set_variable_by_name`` prints an error for an unknown name or a
missing file and goes on with the built-in values, exiting 0; a wrong-size file is read
short, and ``controller.n_images=abc`` becomes 0. A chunk run that way looks like a normal
one. :func:`check_code` is C++ for the ``before_start`` slot of ``main`` (where ``args``
holds the ``name=value`` arguments): it knows every run argument of the project from the
state table (its name, value type and size in bytes) and exits with status 2 and a message
naming the argument and the fix on the first one that is unknown, not a number, not a whole
number where one is needed, or a file that is missing or of the wrong size.
"""

from __future__ import annotations

import numpy as np

from diehlsim.devices.project import run_argument_table

# Brian2 reads a value as a number when it starts like one, else as a file name.
_CHECK_FUNCTIONS = r"""
auto _diehlsim_fail = [](const std::string& message) {
    std::cerr << "diehlsim: " << message << std::endl;
    std::exit(2);
};
auto _diehlsim_is_number = [](const std::string& value) {
    return !value.empty() && (value[0] == '-' || (value[0] >= '0' && value[0] <= '9'));
};
"""

_CHECK_LOOP = r"""
for (const auto& _arg : args) {
    const size_t _eq = _arg.find('=');
    if (_eq == std::string::npos || _eq == 0 || _eq + 1 == _arg.size())
        _diehlsim_fail("run argument '" + _arg + "' is not NAME=VALUE; the project's "
                       "README.md lists the run arguments");
    const std::string _name = _arg.substr(0, _eq), _value = _arg.substr(_eq + 1);
    const _DiehlsimArgument* _known = nullptr;
    for (const auto& _candidate : _diehlsim_arguments)
        if (_name == _candidate.name) _known = &_candidate;
    if (_known == nullptr)
        _diehlsim_fail("unknown run argument '" + _name + "'; the project's README.md "
                       "lists the run arguments");
    if (_value == "true" || _value == "True" || _value == "false" || _value == "False")
        continue;
    if (_diehlsim_is_number(_value)) {
        char* _end = nullptr;
        const double _number = std::strtod(_value.c_str(), &_end);
        if (*_end != '\0')
            _diehlsim_fail("run argument " + _name + "=" + _value + " is not a number");
        if (_known->whole && _number != (double)(long long)_number)
            _diehlsim_fail("run argument " + _name + "=" + _value + " must be a whole "
                           "number");
        continue;
    }
    std::ifstream _file(_value, std::ios::binary | std::ios::ate);
    if (!_file)
        _diehlsim_fail("run argument " + _name + ": file '" + _value + "' cannot be "
                       "read; give an existing file (paths are relative to the directory "
                       "the binary runs in) or a number");
    const long long _bytes = (long long)_file.tellg();
    if (_bytes != _known->bytes)
        _diehlsim_fail("run argument " + _name + ": file '" + _value + "' has " +
                       std::to_string(_bytes) + " bytes, but " + _name + " needs " +
                       std::to_string(_known->bytes) + " (" + _known->layout + ")");
}
"""


def check_code(sim) -> str:
    """C++ for ``main``'s ``before_start`` slot: refuse bad run arguments (exit status 2)."""
    entries = [_entry(row) for row in run_argument_table(sim)]
    table = ("struct _DiehlsimArgument { const char* name; long long bytes; bool whole; "
             "const char* layout; };\n"
             "static const _DiehlsimArgument _diehlsim_arguments[] = {\n"
             + ",\n".join(entries) + "\n};")
    return "\n".join(["{", table, _CHECK_FUNCTIONS, _CHECK_LOOP, "}"])


def _entry(row: dict) -> str:
    dtype = np.dtype(row["dtype"])
    whole = "true" if dtype.kind in "iub" else "false"
    layout = f"{row['size']} values of {dtype.name}, {dtype.itemsize} bytes each"
    return (f'    {{"{row["name"]}", {row["size"] * dtype.itemsize}LL, {whole}, '
            f'"{layout}"}}')
