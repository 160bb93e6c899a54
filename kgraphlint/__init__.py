"""kgraphlint: a static checker for Keras model code."""

__version__ = "0.1.0"
