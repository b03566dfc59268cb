"""The apartment commission of an intercommunal mental-health council."""

__version__ = "0.1.0"
