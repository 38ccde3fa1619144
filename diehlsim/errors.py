"""Exceptions whose message names the problem and the fix.

The CLI prints a ``DiehlsimError`` as one clear line (no traceback) and exits with status 2.
"""


class DiehlsimError(Exception):
    """Base class of every error caused by the user's input or environment."""


class DatasetNotFoundError(DiehlsimError, FileNotFoundError):
    """A dataset is in none of the places searched."""


class DatasetFormatError(DiehlsimError, ValueError):
    """A dataset file is truncated, has the wrong magic number, or inconsistent sizes."""


class ChecksumError(DiehlsimError, ValueError):
    """A downloaded or local file does not match its canonical checksum."""


class ConfigurationError(DiehlsimError, ValueError):
    """A model, device or run parameter is invalid."""


class RunDirectoryError(DiehlsimError):
    """A run directory is missing, incomplete, already exists, or cannot be written."""


class ToolchainError(DiehlsimError, RuntimeError):
    """A compiler, nvcc or a GPU needed for the chosen device is missing."""


class SimulationError(DiehlsimError, RuntimeError):
    """A simulation run failed or was stopped before its end; nothing of it was recorded."""
