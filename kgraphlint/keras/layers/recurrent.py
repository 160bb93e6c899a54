"""Recurrent layers: SimpleRNN, LSTM, GRU and the convolutional LSTMs."""

from __future__ import annotations

from kgraphlint.keras.layers.base import (
    channels_last,
    Config,
    int_or_unknown,
    int_tuple,
    last_dim,
    OutputFn,
    Params,
    ParamsFn,
    register,
    single,
    weights,
)
from kgraphlint.keras.layers.conv import conv_output, SPATIAL_EXPECTS
from kgraphlint.keras.shapes import dim_product, is_int, UNKNOWN


# ---------------------------------------------------------------- recurrent layers

GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}


def rnn_params(cell: str) -> ParamsFn:
    def params(config: Config, shapes: list) -> Params:
        shape, units = single(shapes), config.get("units")
        if shape is None or not is_int(units) or not is_int(last_dim(shape)):
            return (UNKNOWN, 0)
        gates, features = GATES[cell], shape[-1]
        bias = 0
        if config.get("use_bias", True):
            bias = gates * units * (2 if cell == "GRU" and config.get("reset_after", True) else 1)
        return (weights(gates * (features * units + units * units), bias), 0)

    return params


def rnn_output(cell: str) -> OutputFn:
    def output(config: Config, shapes: list) -> object:
        shape, units = single(shapes), int_or_unknown(config.get("units"))
        if shape is None or len(shape) != 3:
            return None
        main = (shape[0], shape[1], units) if config.get("return_sequences") else (shape[0], units)
        if config.get("return_state"):
            return [main] + [(shape[0], units)] * STATES[cell]
        return main

    return output


for _cell in GATES:
    register(_cell, params=rnn_params(_cell), ranks=frozenset({3}), expects=SPATIAL_EXPECTS[1].replace("channels", "features"))(
        rnn_output(_cell)
    )


def conv_lstm_params(rank: int) -> ParamsFn:
    """Four gates: a kernel over the input, a recurrent kernel over the state, a bias."""
    def params(config: Config, shapes: list) -> Params:
        shape, filters = single(shapes), config.get("filters")
        kernel = int_tuple(config.get("kernel_size"), rank)
        last = channels_last(config)
        if shape is None or len(shape) != rank + 3 or last is UNKNOWN or kernel is UNKNOWN or not is_int(filters):
            return (UNKNOWN, 0)
        channels = shape[-1] if last else shape[2]
        if not is_int(channels):
            return (UNKNOWN, 0)
        window = dim_product(kernel)
        bias = 4 * filters if config.get("use_bias", True) else 0
        return (weights(window * channels * 4 * filters, window * filters * 4 * filters, bias), 0)

    return params


def conv_lstm_output(rank: int) -> OutputFn:
    """keras.layers.ConvLSTM.compute_output_shape: each step convolved like a Conv layer."""
    step_output = conv_output(rank)

    def output(config: Config, shapes: list) -> object:
        shape = single(shapes)
        if shape is None or len(shape) != rank + 3:
            return None
        state = step_output(config, [(shape[0], *shape[2:])])
        if state is None:
            return None
        sequences = config.get("return_sequences", False)
        out = (shape[0], shape[1], *state[1:]) if sequences else state
        if config.get("return_state", False):
            return [out, state, state]
        return out

    return output


CONV_LSTM_EXPECTS = {
    1: "4-D sequences of sequences (batch, time, steps, channels)",
    2: "5-D sequences of images (batch, time, height, width, channels)",
    3: "6-D sequences of volumes (batch, time, depth, height, width, channels)",
}
for _rank in (1, 2, 3):
    register(f"ConvLSTM{_rank}D", params=conv_lstm_params(_rank), ranks=frozenset({_rank + 3}),
             expects=CONV_LSTM_EXPECTS[_rank])(conv_lstm_output(_rank))
