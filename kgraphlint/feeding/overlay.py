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

    def __init__(self, machine) -> None:
        super().__init__(machine)
        #: (name, array) for each name the analysed file binds to an array, in the order it runs
        self.bindings: list[tuple[cst.Name, Array]] = []

    # Library code records nothing here (only the analysed file's names are bound to arrays);
    # what it makes may hold arrays (a custom layer's constant).
    replayable_types = (Array, Dataset)

    def replay_key(self) -> object:
        return ()

    def replay_mark(self) -> object:
        return len(self.bindings)

    def replay_effect(self, mark: object) -> object:
        return None if len(self.bindings) == mark else NotImplemented

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
        if result is None:
            return UNKNOWN
        source = left if isinstance(left, Array) else right
        return arrays.derived(result, source, "arithmetic", node) if isinstance(source, Array) else result

    def subscript(self, container: object, keys: list | None, node: cst.Subscript) -> object:
        keys = arrays.normalized_index(keys)
        result = arrays.indexed(container, keys) if keys is not None and isinstance(container, Array) else None
        return UNKNOWN if result is None else arrays.derived(result, container, "index", node)

    def handles_method(self, receiver: object, method: str) -> bool:
        return True

    def call_method(self, receiver: object, method: str, args: list, kwargs: dict, partial: bool,
                    node: cst.Call, arg_nodes: dict) -> object:
        if partial:
            return UNKNOWN
        if isinstance(receiver, Array):
            result = arrays.method(receiver, method, args, kwargs)
            return UNKNOWN if result is None else arrays.derived(result, receiver, method, self.machine.site(node))
        result = arrays.dataset_method(receiver, method, args, kwargs)
        return UNKNOWN if result is None else result

    def call_name(self, dotted: str, args: list, kwargs: dict, partial: bool, node: cst.Call,
                  arg_nodes: dict) -> object:
        data = None if partial else arrays.call(dotted, args, kwargs)
        if data is None:
            return NotImplemented
        function = dotted.rpartition(".")[2]
        if args and (function in arrays.RESHAPING or function == "astype"):  # np.reshape(x, ...): x.reshape(...)
            return arrays.derived(data, args[0], function, self.machine.site(node))
        return arrays.stamped(data, self.machine.site(node))

    def assigned(self, target: cst.Name, value: object) -> None:
        if isinstance(value, Array):
            self.bindings.append((target, value))

    def call_builtin(self, function: object, args: list) -> object:
        if function is len and len(args) == 1 and isinstance(args[0], Array) and args[0].rank:
            return args[0].samples
        return NotImplemented
