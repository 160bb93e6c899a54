"""Stage 4, the Keras overlay: what constructing and calling layers, Inputs and models mean, and what each layer computes."""
