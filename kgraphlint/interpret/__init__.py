"""Stage 3, the Python machine: an abstract interpreter that knows Python, not Keras.

Library meaning (Keras, NumPy and data pipelines) comes from overlays composed into it
through ``kgraphlint.interpret.overlay``."""
