"""``--build``: rebuild the extracted models with real Keras in a separate process and compare."""
