"""The data overlay: NumPy arrays, Keras datasets and tf.data pipelines as the Python
machine meets them (``kgraphlint.interpret.overlay``); what each call computes is
``kgraphlint.feeding.arrays``."""

from __future__ import annotations

import libcst as cst

from kgraphlint.feeding import arrays
from kgraphlint.feeding.arrays import Array, Dataset
from kgraphlint.interpret.overlay import Overlay
from kgraphlint.interpret.values import UNKNOWN

#: the operators NumPy broadcasting is followed for
ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.Power)


class DataOverlay(Overlay):
    value_types = (Array, Dataset)

    def iterate(self, value: object) -> list | None:
        if isinstance(value, Array) and value.values is not None:
            return list(value.values)
        return None

    def attribute(self, base: object, attr: str, node: cst.CSTNode) -> object:
        return arrays.attribute(base, attr) if isinstance(base, Array) else UNKNOWN

    def binary(self, operator: type | None, left: object, right: object, node: cst.CSTNode) -> object:
        result = None
        if operator in ARITHMETIC:
            result = arrays.arithmetic(left, right, divide=operator is cst.Divide)
        return UNKNOWN if result is None else result

    def subscript(self, container: object, keys: list | None, node: cst.Subscript) -> object:
        keys = arrays.normalized_index(keys)
        result = arrays.indexed(container, keys) if keys is not None and isinstance(container, Array) else None
        return UNKNOWN if result is None else result

    def handles_method(self, receiver: object, method: str) -> bool:
        return True

    def call_method(self, receiver: object, method: str, args: list, kwargs: dict, partial: bool,
                    node: cst.Call, arg_nodes: dict) -> object:
        result = None if partial else (
            arrays.method(receiver, method, args, kwargs) if isinstance(receiver, Array)
            else arrays.dataset_method(receiver, method, args, kwargs))
        return UNKNOWN if result is None else result

    def call_name(self, dotted: str, args: list, kwargs: dict, partial: bool, node: cst.Call,
                  arg_nodes: dict) -> object:
        data = None if partial else arrays.call(dotted, args, kwargs)
        return NotImplemented if data is None else data

    def call_builtin(self, function: object, args: list) -> object:
        if function is len and len(args) == 1 and isinstance(args[0], Array) and args[0].rank:
            return args[0].samples
        return NotImplemented
