"""Reference dataset on China's pairing assistance program for Xinjiang."""

__version__ = "0.1.0"
