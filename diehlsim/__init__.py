"""diehlsim: the Diehl & Cook (2015) spiking network in Brian2."""

__version__ = "0.1.0"
