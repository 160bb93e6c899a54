"""Stage 2, resolving names: dotted names to Keras symbols, imported modules to their files."""
