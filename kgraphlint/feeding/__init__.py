"""The data a model is fed: arrays, datasets, and how models are compiled and fitted."""
