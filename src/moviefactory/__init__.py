"""MovieFactory: one sentence in, a finished multi-scene movie with sound out."""

__version__ = "0.1.0"
