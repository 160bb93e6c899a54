"""Families of Keras layer classes, by what they do: the one place rules and layer
knowledge name a group of layers (a new dropout or merge layer is added here once)."""

from __future__ import annotations

RANKS = (1, 2, 3)

#: element-wise merges of same-shaped tensors
MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
#: dropouts that zero their inputs
ZEROING_DROPOUTS = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")
#: every dropout-like regularisation layer (noise or zeroing)
DROPOUTS = ZEROING_DROPOUTS + ("GaussianDropout", "AlphaDropout")
#: plain convolutions over 1, 2 or 3 spatial axes
SPATIAL_CONVS = tuple(f"Conv{rank}D" for rank in RANKS)
#: affine maps with a bias: a non-linearity or a normalization usually follows them
LINEAR_MAPS = ("Dense",) + SPATIAL_CONVS
#: windowed max and average pooling
WINDOW_POOLING = tuple(f"{kind}Pooling{rank}D" for kind in ("Max", "Average") for rank in RANKS)
#: every pooling layer, windowed and global
POOLING = WINDOW_POOLING + tuple(f"Global{kind}Pooling{rank}D" for kind in ("Max", "Average") for rank in RANKS)
#: the recurrent layers Keras builds from one cell class
RECURRENT = ("SimpleRNN", "LSTM", "GRU")
#: layers that make feature maps larger (decoders, generators)
UPSAMPLING = tuple(f"UpSampling{rank}D" for rank in RANKS) + tuple(f"Conv{rank}DTranspose" for rank in RANKS)
#: layers that apply a fixed activation (the Activation layer's is its argument)
ACTIVATION_LAYERS = {"Activation": None, "ReLU": "relu", "Softmax": "softmax", "ELU": "elu", "LeakyReLU": "leaky_relu"}
#: single-input layers that sit between the convolutions of one feature extractor without
#: changing what the next convolution is to it (normalization, activation, dropout, pooling, padding)
CONV_CHAIN_LINKS = frozenset({"BatchNormalization", "Activation", "ReLU", "LeakyReLU", "ELU", "Dropout",
                              "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "ZeroPadding1D",
                              "ZeroPadding2D"} | set(WINDOW_POOLING))
