"""An abstract interpreter for the Python that builds Keras models.

It walks module code and function bodies (never executing them) and tracks Python
constants, containers, Keras layer objects, Keras tensors and models. Whatever it cannot
follow becomes UNKNOWN, and unknown values never produce findings. Calls made where the
interpreter is unsure the code runs (an undecidable ``if``, a loop of unknown length) are
marked ``certain=False`` so rules can ignore them.
"""

from __future__ import annotations

import builtins
import difflib
import operator
from dataclasses import dataclass, field

import libcst as cst

from kgraphlint import imports as kimports
from kgraphlint.facts import (
    ImportFact,
    LayerAttributeRead,
    LayerCall,
    LayerInstance,
    Loss,
    ModelArgumentProblem,
    ModelRecord,
    ModelUse,
    Tensor,
)
from kgraphlint.layers import knowledge
from kgraphlint.naming import NameCounter
from kgraphlint.shapes import UNKNOWN, is_int, is_known
from kgraphlint.signatures import KERAS2, KERAS3, bind, signature

MAX_LOOP_ITERATIONS = 512
MAX_CALL_DEPTH = 16
MAX_STEPS = 400_000  # expressions evaluated per file; past this the file is given up quietly

BUILTIN_NAMES = frozenset(dir(builtins))
QUOTES = ("'", '"')
TRIPLE_QUOTES = ("'" * 3, '"' * 3)
PURE_BUILTINS = {
    "len": len, "range": range, "int": int, "float": float, "str": str, "tuple": tuple,
    "list": list, "min": min, "max": max, "abs": abs, "sum": sum, "bool": bool,
    "round": round, "sorted": sorted, "reversed": reversed, "enumerate": enumerate, "zip": zip,
}
BINARY_OPERATORS = {
    cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul,
    cst.Divide: operator.truediv, cst.FloorDivide: operator.floordiv, cst.Modulo: operator.mod,
    cst.Power: operator.pow,
}
COMPARISONS = {
    cst.Equal: operator.eq, cst.NotEqual: operator.ne, cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le, cst.GreaterThan: operator.gt, cst.GreaterThanEqual: operator.ge,
    cst.Is: operator.is_, cst.IsNot: operator.is_not,
}
#: model methods whose arguments rules check against the model's inputs and outputs
MODEL_USES = frozenset({"compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
                        "predict_on_batch", "summary"})
#: layer attributes whose meaning depends on which call of a shared layer is meant
CALL_ATTRIBUTES = frozenset({"output", "input", "output_shape", "input_shape"})


class GiveUp(Exception):
    """The file is too large or too dynamic to follow; the analysis stays quiet."""


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass(frozen=True)
class ModuleRef:
    """A module or a name imported from one, as a dotted path (``keras.layers.Dense``)."""

    dotted: str


@dataclass(eq=False)
class FunctionValue:
    node: cst.FunctionDef
    scope: "Scope"
    called: bool = False


@dataclass(eq=False)
class Scope:
    names: dict = field(default_factory=dict)
    parent: "Scope | None" = None

    def lookup(self, name: str) -> object:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return _MISSING

    def copy(self) -> "Scope":
        return Scope(dict(self.names), self.parent)


_MISSING = object()


@dataclass
class Frame:
    """Per-function state while interpreting a body."""

    scope: Scope
    maybe_returned: bool = False


class Interpreter:
    def __init__(self, module: cst.Module, flavour: str = KERAS3) -> None:
        self.module = module
        self.flavour = flavour
        self.names = NameCounter()
        self.layers: list[LayerInstance] = []
        self.calls: list[LayerCall] = []
        self.models: list[ModelRecord] = []
        self.imports: list[ImportFact] = []
        self.model_problems: list[ModelArgumentProblem] = []
        self.bound_names: set[str] = set()
        self.star_import = False
        self.functions: list[FunctionValue] = []
        self.certain = True
        self.depth = 0
        self.steps = 0
        self.tensor_names: dict[str, Tensor] = {}
        self.pending_model_args: list[tuple] = []
        self.attribute_reads: list[LayerAttributeRead] = []
        #: (name node, value) for each name bound to a tensor, a layer or a model (editor hovers)
        self.bindings: list[tuple[cst.Name, object]] = []
        self.model_uses: list[ModelUse] = []

    # ------------------------------------------------------------------ entry point

    def run(self) -> None:
        frame = Frame(Scope())
        self.exec_block(self.module.body, frame)
        # Builders that are defined but never called still build models when a user calls
        # them: analyse them with their defaults, consuming no Keras auto-names.
        for function in list(self.functions):
            if not function.called:
                self.run_uncalled(function)
        self.check_model_arguments()

    def run_uncalled(self, function: FunctionValue) -> None:
        saved_names = self.names
        self.names = saved_names.copy()
        try:
            self.call_function(function, [], {}, node=function.node, defaults_only=True)
        except GiveUp:
            raise
        except (_Break, _Continue):
            pass
        finally:
            self.names = saved_names

    # ------------------------------------------------------------------ statements

    def exec_block(self, body, frame: Frame) -> None:
        for statement in body:
            self.exec_statement(statement, frame)

    def exec_statement(self, statement: cst.CSTNode, frame: Frame) -> None:
        self.steps += 1
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self.exec_small(small, frame)
        elif isinstance(statement, cst.If):
            self.exec_if(statement, frame)
        elif isinstance(statement, cst.For):
            self.exec_for(statement, frame)
        elif isinstance(statement, cst.While):
            self.exec_while(statement, frame)
        elif isinstance(statement, cst.FunctionDef):
            function = FunctionValue(statement, frame.scope)
            self.functions.append(function)
            self.bind_name(statement.name.value, function, frame)
        elif isinstance(statement, cst.ClassDef):
            self.bind_name(statement.name.value, UNKNOWN, frame)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                self.eval(item.item, frame)
                if item.asname is not None:
                    self.assign(item.asname.name, UNKNOWN, frame)
            self.exec_block(statement.body.body, frame)
        elif isinstance(statement, cst.Try):
            self.exec_block(statement.body.body, frame)
            for handler in statement.handlers:
                if handler.name is not None:
                    self.assign(handler.name.name, UNKNOWN, frame)
                self.speculate(lambda: self.exec_block(handler.body.body, frame))
            if statement.orelse is not None:
                self.exec_block(statement.orelse.body.body, frame)
            if statement.finalbody is not None:
                self.exec_block(statement.finalbody.body.body, frame)
        # match statements and anything newer stay opaque

    def exec_small(self, small: cst.CSTNode, frame: Frame) -> None:
        if isinstance(small, cst.Expr):
            # A bare expression is displayed in notebooks and consoles: a use of its value.
            self.escape(self.eval(small.value, frame))
        elif isinstance(small, cst.Assign):
            value = self.eval(small.value, frame)
            for target in small.targets:
                self.assign(target.target, value, frame)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.assign(small.target, self.eval(small.value, frame), frame)
        elif isinstance(small, cst.AugAssign):
            current = self.eval(small.target, frame)
            value = self.eval(small.value, frame)
            self.assign(small.target, self.binary(self.aug_operator(small.operator), current, value), frame)
        elif isinstance(small, cst.Import):
            self.exec_import(small, frame)
        elif isinstance(small, cst.ImportFrom):
            self.exec_import_from(small, frame)
        elif isinstance(small, cst.Return):
            raise _Return(None if small.value is None else self.eval(small.value, frame))
        elif isinstance(small, cst.Break):
            raise _Break()
        elif isinstance(small, cst.Continue):
            raise _Continue()
        elif isinstance(small, (cst.Global, cst.Nonlocal)):
            for item in small.names:
                self.bound_names.add(item.name.value)

    @staticmethod
    def aug_operator(op: cst.BaseAugOp) -> type | None:
        name = type(op).__name__.replace("Assign", "")
        return getattr(cst, name, None)

    def exec_import(self, node: cst.Import, frame: Frame) -> None:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is None:
                continue
            if kimports.is_keras_path(dotted):
                self.imports.append(ImportFact(dotted, ("",), node, alias.name))
            if alias.asname is not None:
                self.bind_name(alias.asname.name.value, ModuleRef(dotted), frame)
            else:
                root = dotted.split(".", 1)[0]
                self.bind_name(root, ModuleRef(root), frame)

    def exec_import_from(self, node: cst.ImportFrom, frame: Frame) -> None:
        module = dotted_name(node.module) if node.module is not None else None
        relative = bool(node.relative)
        if isinstance(node.names, cst.ImportStar):
            self.star_import = True
            return
        names = tuple(alias.name.value for alias in node.names if isinstance(alias.name, cst.Name))
        if module is not None and not relative and kimports.is_keras_path(module):
            self.imports.append(ImportFact(module, names, node, node.module))
        for alias in node.names:
            local = alias.asname.name.value if alias.asname is not None else dotted_name(alias.name)
            if local is None:
                continue
            value = UNKNOWN if module is None or relative else ModuleRef(f"{module}.{dotted_name(alias.name)}")
            self.bind_name(local, value, frame)

    def exec_if(self, node: cst.If, frame: Frame) -> None:
        test = self.truth(self.eval(node.test, frame))
        orelse = node.orelse
        if test is True:
            self.exec_block(node.body.body, frame)
            return
        if test is False:
            if isinstance(orelse, cst.If):
                self.exec_if(orelse, frame)
            elif isinstance(orelse, cst.Else):
                self.exec_block(orelse.body.body, frame)
            return
        # Undecidable: run each branch on its own copy, then keep only what agrees.
        branches = [lambda: self.exec_block(node.body.body, frame)]
        if isinstance(orelse, cst.If):
            branches.append(lambda: self.exec_if(orelse, frame))
        elif isinstance(orelse, cst.Else):
            branches.append(lambda: self.exec_block(orelse.body.body, frame))
        else:
            branches.append(lambda: None)
        before = frame.scope.copy()
        results = []
        for branch in branches:
            frame.scope.names = dict(before.names)
            self.speculate(branch, frame)
            results.append(frame.scope.names)
        merged = {}
        for name in set().union(*results):
            values = [r.get(name, _MISSING) for r in results]
            merged[name] = values[0] if all(v is values[0] for v in values) else UNKNOWN
        frame.scope.names = {k: v for k, v in merged.items() if v is not _MISSING}

    def speculate(self, action, frame: Frame | None = None) -> None:
        """Run code that may or may not execute; calls it makes are not certain."""
        saved = self.certain
        self.certain = False
        try:
            action()
        except _Return:
            if frame is not None:
                frame.maybe_returned = True
        except (_Break, _Continue):
            pass
        finally:
            self.certain = saved

    def exec_for(self, node: cst.For, frame: Frame) -> None:
        iterable = self.eval(node.iter, frame)
        items = self.iterate(iterable)
        if items is None:
            self.opaque_loop(node.target, node.body.body, frame)
            return
        for item in items:
            self.assign(node.target, item, frame)
            try:
                self.exec_block(node.body.body, frame)
            except _Break:
                return
            except _Continue:
                continue
        if node.orelse is not None:
            self.exec_block(node.orelse.body.body, frame)

    def exec_while(self, node: cst.While, frame: Frame) -> None:
        for _ in range(MAX_LOOP_ITERATIONS):
            test = self.truth(self.eval(node.test, frame))
            if test is False:
                return
            if test is not True:
                break
            try:
                self.exec_block(node.body.body, frame)
            except _Break:
                return
            except _Continue:
                continue
        self.opaque_loop(None, node.body.body, frame)

    def opaque_loop(self, target, body, frame: Frame) -> None:
        """A loop whose iterations are unknown: run the body speculatively, then forget
        every name it assigns (its value depends on how often it ran)."""
        if target is not None:
            self.assign(target, UNKNOWN, frame)
        before = dict(frame.scope.names)
        self.speculate(lambda: self.exec_block(body, frame), frame)
        for name, value in list(frame.scope.names.items()):
            if before.get(name, _MISSING) is not value:
                frame.scope.names[name] = UNKNOWN

    def iterate(self, value: object) -> list | None:
        if isinstance(value, range) and len(value) <= MAX_LOOP_ITERATIONS:
            return list(value)
        if isinstance(value, (tuple, list)) and len(value) <= MAX_LOOP_ITERATIONS:
            return list(value)
        if isinstance(value, dict):
            return list(value)
        if isinstance(value, str):
            return list(value)
        if isinstance(value, (zip, enumerate, reversed)):
            return list(value)
        return None

    @staticmethod
    def truth(value: object) -> bool | None:
        if value is UNKNOWN or isinstance(value, (Tensor, LayerInstance, ModelRecord, ModuleRef, FunctionValue)):
            return None
        if isinstance(value, (tuple, list, dict)) and not is_known(value):
            return bool(value) if value else False
        try:
            return bool(value)
        except Exception:
            return None

    # ------------------------------------------------------------------ binding

    def bind_name(self, name: str, value: object, frame: Frame) -> None:
        self.bound_names.add(name)
        frame.scope.names[name] = value
        if isinstance(value, Tensor):
            if value.producer.target is None:
                value.producer.target = name
            if self.certain:
                self.tensor_names.setdefault(name, value)

    def assign(self, target: cst.CSTNode, value: object, frame: Frame) -> None:
        if isinstance(target, cst.Name):
            if isinstance(value, (Tensor, LayerInstance, ModelRecord)):
                self.bindings.append((target, value))
            self.bind_name(target.value, value, frame)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            items = self.iterate(value) if not isinstance(value, dict) else None
            if items is None or len(items) != len(elements) or any(isinstance(e, cst.StarredElement) for e in target.elements):
                items = [UNKNOWN] * len(elements)
            for element, item in zip(elements, items):
                self.assign(element, item, frame)
        elif isinstance(target, cst.Subscript):
            container = self.eval(target.value, frame)
            key = self.subscript_key(target, frame)
            if isinstance(container, dict) and key is not _MISSING and is_known(key):
                try:
                    container[key] = value
                except TypeError:
                    pass
            elif isinstance(container, list) and is_int(key) and -len(container) <= key < len(container):
                container[key] = value
            else:
                self.escape(value)
        else:
            self.escape(value)

    def escape(self, value: object) -> None:
        """A value goes where the interpreter cannot follow it."""
        for tensor in iter_tensors(value):
            tensor.escaped = True

    # ------------------------------------------------------------------ expressions

    def eval(self, node: cst.CSTNode, frame: Frame) -> object:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise GiveUp()
        method = EVALUATORS.get(type(node))
        if method is None:
            return UNKNOWN
        return method(self, node, frame)

    def eval_Integer(self, node: cst.Integer, frame: Frame) -> object:
        return int(node.value, 0)

    def eval_Float(self, node: cst.Float, frame: Frame) -> object:
        return float(node.value.replace("_", ""))

    def eval_Imaginary(self, node: cst.Imaginary, frame: Frame) -> object:
        return UNKNOWN

    def eval_SimpleString(self, node: cst.SimpleString, frame: Frame) -> object:
        raw = node.value
        # Most literals are plain 'text' or "text": skip libcst's compile-based evaluation.
        if raw[:1] in QUOTES and "\\" not in raw and raw[:3] not in TRIPLE_QUOTES:
            return raw[1:-1]
        value = node.evaluated_value
        return value if isinstance(value, str) else UNKNOWN

    def eval_ConcatenatedString(self, node: cst.ConcatenatedString, frame: Frame) -> object:
        left, right = self.eval(node.left, frame), self.eval(node.right, frame)
        return left + right if isinstance(left, str) and isinstance(right, str) else UNKNOWN

    def eval_FormattedString(self, node: cst.FormattedString, frame: Frame) -> object:
        parts = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
                continue
            value = self.eval(part.expression, frame)
            if not isinstance(value, (int, float, str)) or part.format_spec is not None:
                return UNKNOWN
            parts.append(str(value))
        return "".join(parts)

    def eval_Name(self, node: cst.Name, frame: Frame) -> object:
        name = node.value
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        value = frame.scope.lookup(name)
        if value is _MISSING:
            if name in PURE_BUILTINS:
                return PURE_BUILTINS[name]
            return UNKNOWN
        return value

    def eval_Attribute(self, node: cst.Attribute, frame: Frame) -> object:
        base = self.eval(node.value, frame)
        attr = node.attr.value
        if isinstance(base, ModuleRef):
            return ModuleRef(f"{base.dotted}.{attr}")
        if isinstance(base, Tensor):
            if attr == "shape":
                base.escaped = True  # inspected on purpose: not a forgotten branch
                return base.shape if base.shape is not None else UNKNOWN
            if attr == "dtype":
                return base.dtype if base.dtype is not None else UNKNOWN
            return UNKNOWN
        if isinstance(base, LayerInstance):
            if attr in CALL_ATTRIBUTES:
                self.attribute_reads.append(LayerAttributeRead(base, attr, node, len(base.calls), self.certain))
            return self.layer_attribute(base, attr)
        if isinstance(base, ModelRecord):
            return self.model_attribute(base, attr)
        return UNKNOWN

    def layer_attribute(self, layer: LayerInstance, attr: str) -> object:
        if attr == "name":
            return layer.name
        # Keras 3 returns the first call's tensors for a layer called several times.
        if attr in ("output", "input") and layer.calls:
            first = layer.calls[0]
            tensors = first.outputs if attr == "output" else first.inputs
            return tensors[0] if len(tensors) == 1 else list(tensors)
        return UNKNOWN

    def model_attribute(self, model: ModelRecord, attr: str) -> object:
        if not model.complete:
            return UNKNOWN
        if attr in ("inputs", "outputs"):
            return list(model.inputs if attr == "inputs" else model.outputs)
        if attr in ("input", "output"):
            tensors = model.inputs if attr == "input" else model.outputs
            return tensors[0] if len(tensors) == 1 else list(tensors)
        if attr == "name":
            return model.name
        return UNKNOWN

    def eval_Tuple(self, node: cst.Tuple, frame: Frame) -> object:
        items = self.sequence(node.elements, frame)
        return tuple(items) if items is not None else UNKNOWN

    def eval_List(self, node: cst.List, frame: Frame) -> object:
        items = self.sequence(node.elements, frame)
        return items if items is not None else UNKNOWN

    def sequence(self, elements, frame: Frame) -> list | None:
        items: list = []
        for element in elements:
            value = self.eval(element.value, frame)
            if isinstance(element, cst.StarredElement):
                expanded = self.iterate(value)
                if expanded is None:
                    self.escape(value)
                    return None
                items.extend(expanded)
            else:
                items.append(value)
        return items

    def eval_Dict(self, node: cst.Dict, frame: Frame) -> object:
        result: dict = {}
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                value = self.eval(element.value, frame)
                if not isinstance(value, dict):
                    self.escape(value)
                    return UNKNOWN
                result.update(value)
                continue
            key = self.eval(element.key, frame)
            value = self.eval(element.value, frame)
            if not is_known(key) or not isinstance(key, (str, int, float, bool, tuple)):
                self.escape(value)
                return UNKNOWN
            result[key] = value
        return result

    def eval_ListComp(self, node: cst.ListComp, frame: Frame) -> object:
        return self.comprehension(node, frame)

    eval_GeneratorExp = eval_ListComp

    def comprehension(self, node, frame: Frame) -> object:
        clause = node.for_in
        if clause.inner_for_in is not None or clause.asynchronous is not None:
            return UNKNOWN
        items = self.iterate(self.eval(clause.iter, frame))
        if items is None:
            return UNKNOWN
        inner = Frame(Scope({}, frame.scope))
        result = []
        for item in items:
            self.assign(clause.target, item, inner)
            keep = True
            for condition in clause.ifs:
                verdict = self.truth(self.eval(condition.test, inner))
                if verdict is None:
                    return UNKNOWN
                keep = keep and verdict
            if keep:
                result.append(self.eval(node.elt, inner))
        return result

    def eval_BinaryOperation(self, node: cst.BinaryOperation, frame: Frame) -> object:
        left, right = self.eval(node.left, frame), self.eval(node.right, frame)
        return self.binary(type(node.operator), left, right)

    def binary(self, op_type: type | None, left: object, right: object) -> object:
        function = BINARY_OPERATORS.get(op_type)
        if function is None or not is_plain(left) or not is_plain(right):
            self.escape(left)
            self.escape(right)
            return UNKNOWN
        try:
            result = function(left, right)
        except Exception:
            return UNKNOWN
        if isinstance(result, (tuple, list, str)) and len(result) > 100_000:
            return UNKNOWN
        return result

    def eval_UnaryOperation(self, node: cst.UnaryOperation, frame: Frame) -> object:
        value = self.eval(node.expression, frame)
        if isinstance(node.operator, cst.Not):
            verdict = self.truth(value)
            return UNKNOWN if verdict is None else not verdict
        if not isinstance(value, (int, float)):
            return UNKNOWN
        return -value if isinstance(node.operator, cst.Minus) else value

    def eval_BooleanOperation(self, node: cst.BooleanOperation, frame: Frame) -> object:
        left = self.eval(node.left, frame)
        verdict = self.truth(left)
        if verdict is None:
            return UNKNOWN
        is_and = isinstance(node.operator, cst.And)
        if verdict is not is_and:
            return left
        return self.eval(node.right, frame)

    def eval_Comparison(self, node: cst.Comparison, frame: Frame) -> object:
        left = self.eval(node.left, frame)
        for target in node.comparisons:
            right = self.eval(target.comparator, frame)
            op = type(target.operator)
            if not is_plain(left) or not is_plain(right):
                return UNKNOWN
            try:
                if op in COMPARISONS:
                    ok = COMPARISONS[op](left, right)
                elif op is cst.In:
                    ok = left in right
                elif op is cst.NotIn:
                    ok = left not in right
                else:
                    return UNKNOWN
            except Exception:
                return UNKNOWN
            if not ok:
                return False
            left = right
        return True

    def eval_IfExp(self, node: cst.IfExp, frame: Frame) -> object:
        verdict = self.truth(self.eval(node.test, frame))
        if verdict is None:
            return UNKNOWN
        return self.eval(node.body if verdict else node.orelse, frame)

    def eval_Subscript(self, node: cst.Subscript, frame: Frame) -> object:
        container = self.eval(node.value, frame)
        key = self.subscript_key(node, frame)
        if key is _MISSING or not is_known(key) or not isinstance(container, (tuple, list, dict, str)):
            if isinstance(container, Tensor):
                container.escaped = True
            return UNKNOWN
        try:
            return container[key]
        except Exception:
            return UNKNOWN

    def subscript_key(self, node: cst.Subscript, frame: Frame) -> object:
        if len(node.slice) != 1:
            return _MISSING
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            return self.eval(index.value, frame)
        if isinstance(index, cst.Slice):
            parts = [None if p is None else self.eval(p, frame) for p in (index.lower, index.upper, index.step)]
            if all(p is None or is_int(p) for p in parts):
                return slice(*parts)
        return _MISSING

    def eval_Lambda(self, node: cst.Lambda, frame: Frame) -> object:
        return UNKNOWN

    # ------------------------------------------------------------------ calls

    def eval_Call(self, node: cst.Call, frame: Frame) -> object:
        func = node.func
        if isinstance(func, cst.Attribute):
            receiver = self.eval(func.value, frame)
            if isinstance(receiver, (ModelRecord, list, dict)) or (
                isinstance(receiver, LayerInstance) and func.attr.value in ("__call__",)
            ):
                args, kwargs, partial, arg_nodes = self.arguments(node, frame)
                return self.call_method(receiver, func.attr.value, args, kwargs, node, arg_nodes)
            callee = self.eval_Attribute(func, frame) if not isinstance(receiver, ModuleRef) else ModuleRef(
                f"{receiver.dotted}.{func.attr.value}"
            )
        else:
            callee = self.eval(func, frame)
        args, kwargs, partial, arg_nodes = self.arguments(node, frame)
        return self.call_value(callee, args, kwargs, partial, node, arg_nodes)

    def arguments(self, node: cst.Call, frame: Frame) -> tuple[list, dict, bool, dict]:
        """Positional values, keyword values, whether *args/**kwargs hid some, and the
        expression node of each argument (keys: positional index or keyword)."""
        args: list = []
        kwargs: dict = {}
        partial = False
        arg_nodes: dict = {}
        for arg in node.args:
            value = self.eval(arg.value, frame)
            if arg.star == "*":
                items = self.iterate(value)
                if items is None:
                    partial = True
                    self.escape(value)
                else:
                    args.extend(items)
            elif arg.star == "**":
                if isinstance(value, dict) and all(isinstance(k, str) for k in value):
                    kwargs.update(value)
                else:
                    partial = True
                    self.escape(value)
            elif arg.keyword is not None:
                kwargs[arg.keyword.value] = value
                arg_nodes[arg.keyword.value] = arg.value
                arg_nodes[("arg", arg.keyword.value)] = arg
            else:
                arg_nodes[len(args)] = arg.value
                args.append(value)
        return args, kwargs, partial, arg_nodes

    def call_value(self, callee: object, args: list, kwargs: dict, partial: bool,
                   node: cst.Call, arg_nodes: dict) -> object:
        if isinstance(callee, ModuleRef):
            symbol = kimports.resolve(callee.dotted)
            if symbol is not None:
                return self.call_keras(symbol, args, kwargs, partial, node, arg_nodes)
        elif isinstance(callee, LayerInstance):
            return self.call_layer(callee, args, kwargs, node, arg_nodes)
        elif isinstance(callee, ModelRecord):
            return self.call_layer(self.model_as_layer(callee, node), args, kwargs, node, arg_nodes)
        elif isinstance(callee, FunctionValue):
            return self.call_function(callee, args, kwargs, node=node, partial=partial)
        elif callable(callee) and callee in PURE_BUILTINS.values():
            if all(is_known(a) and is_plain(a) for a in args) and not kwargs and not partial:
                try:
                    return callee(*args)
                except Exception:
                    return UNKNOWN
        for value in list(args) + list(kwargs.values()):
            self.escape(value)
        return UNKNOWN

    def call_function(self, function: FunctionValue, args: list, kwargs: dict, node: cst.CSTNode,
                      partial: bool = False, defaults_only: bool = False) -> object:
        if not defaults_only:
            function.called = True
        if self.depth >= MAX_CALL_DEPTH:
            for value in list(args) + list(kwargs.values()):
                self.escape(value)
            return UNKNOWN
        scope = Scope({}, function.scope)
        frame = Frame(scope)
        self.bind_parameters(function.node.params, args, kwargs, partial, frame, defaults_only)
        self.depth += 1
        try:
            if isinstance(function.node.body, cst.IndentedBlock):
                self.exec_block(function.node.body.body, frame)
            else:  # def f(x): return x
                for small in function.node.body.body:
                    self.exec_small(small, frame)
        except _Return as returned:
            return UNKNOWN if frame.maybe_returned else returned.value
        except (_Break, _Continue):
            return UNKNOWN
        finally:
            self.depth -= 1
        return UNKNOWN if frame.maybe_returned else None

    def bind_parameters(self, params: cst.Parameters, args: list, kwargs: dict, partial: bool,
                        frame: Frame, defaults_only: bool) -> None:
        positional = list(params.posonly_params) + list(params.params)
        remaining = dict(kwargs)
        for index, param in enumerate(positional):
            name = param.name.value
            if index < len(args):
                value = args[index]
            elif name in remaining:
                value = remaining.pop(name)
            elif param.default is not None and not partial:
                value = self.eval(param.default, Frame(frame.scope.parent or frame.scope))
            else:
                value = UNKNOWN
            if name in ("self", "cls") and index == 0 and defaults_only:
                value = UNKNOWN
            self.bind_name(name, value, frame)
        for param in params.kwonly_params:
            name = param.name.value
            if name in remaining:
                value = remaining.pop(name)
            elif param.default is not None and not partial:
                value = self.eval(param.default, Frame(frame.scope.parent or frame.scope))
            else:
                value = UNKNOWN
            self.bind_name(name, value, frame)
        if isinstance(params.star_arg, cst.Param):
            extra = args[len(positional):]
            self.bind_name(params.star_arg.name.value, UNKNOWN if partial else tuple(extra), frame)
        if params.star_kwarg is not None:
            self.bind_name(params.star_kwarg.name.value, UNKNOWN if partial else remaining, frame)

    def call_method(self, receiver: object, method: str, args: list, kwargs: dict,
                    node: cst.Call, arg_nodes: dict) -> object:
        if isinstance(receiver, list):
            if method == "append" and len(args) == 1:
                receiver.append(args[0])
                return None
            if method == "extend" and len(args) == 1 and self.iterate(args[0]) is not None:
                receiver.extend(self.iterate(args[0]))
                return None
            if method == "pop" and receiver and not args:
                return receiver.pop()
        elif isinstance(receiver, dict):
            if method == "get" and args and is_known(args[0]):
                try:
                    return receiver.get(*args[:2])
                except TypeError:
                    return UNKNOWN
            if method in ("keys", "values", "items") and not args:
                return list(getattr(receiver, method)())
        elif isinstance(receiver, ModelRecord):
            if method == "add" and receiver.kind == "sequential" and args:
                self.sequential_add(receiver, args[0], arg_nodes.get(0, node))
                return None
            if method in MODEL_USES:
                if method == "compile":
                    kwargs = {k: as_losses(v) if k == "loss" else v for k, v in kwargs.items()}
                    args = [as_losses(a) if i == 1 else a for i, a in enumerate(args)]
                self.model_uses.append(ModelUse(receiver, method, args, kwargs, node, arg_nodes, self.certain))
            return UNKNOWN
        self.escape(receiver)
        for value in list(args) + list(kwargs.values()):
            self.escape(value)
        return UNKNOWN

    # ------------------------------------------------------------------ Keras

    def call_keras(self, symbol: kimports.KerasSymbol, args: list, kwargs: dict, partial: bool,
                   node: cst.Call, arg_nodes: dict) -> object:
        if symbol.kind == "layer":
            return self.construct_layer(symbol.name, args, kwargs, partial, node, arg_nodes,
                                        symbol.flavour or self.flavour)
        if symbol.kind == "input":
            return self.make_input(args, kwargs, partial, node, arg_nodes)
        if symbol.kind == "merge":
            if not args:
                return UNKNOWN
            layer = self.construct_layer(symbol.name, [], kwargs, partial, node, arg_nodes,
                                         symbol.flavour or self.flavour)
            return self.call_layer(layer, [args[0]], {}, node, {0: arg_nodes.get(0, node)})
        if symbol.kind == "model":
            if symbol.name == "Sequential":
                return self.make_sequential(args, kwargs, node, arg_nodes)
            return self.make_functional(args, kwargs, partial, node, arg_nodes)
        if symbol.kind == "image_data_format":
            return "channels_last"
        if symbol.kind == "loss":
            return Loss(symbol.name, kwargs.get("from_logits", False) if not partial else UNKNOWN)
        return UNKNOWN

    def construct_layer(self, class_name: str, args: list, kwargs: dict, partial: bool,
                        node: cst.Call, arg_nodes: dict, flavour: str) -> LayerInstance:
        sig = signature(class_name, flavour) or signature(class_name, KERAS3 if flavour == KERAS2 else KERAS2)
        binding = bind(sig, args, kwargs, partial) if sig is not None else None
        config = dict(binding.config) if binding is not None else dict(kwargs)
        nodes = {}
        for key, value_node in arg_nodes.items():
            if isinstance(key, int) and sig is not None and key < len(sig.positional):
                nodes[sig.positional[key].name] = value_node
            elif isinstance(key, str):
                nodes[key] = value_node
        keyword_args = {key[1]: arg for key, arg in arg_nodes.items() if isinstance(key, tuple)}
        if partial:
            config = {k: (v if k in kwargs or k in (binding.positional_sources if binding else {}) else UNKNOWN)
                      for k, v in config.items()}
        name = config.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            name = self.names.auto_name(class_name)
        wrapped = config.get("layer") if isinstance(config.get("layer"), LayerInstance) else None
        layer = LayerInstance(class_name, name, explicit, config, node, self.certain, binding, nodes,
                              keyword_args, wrapped=wrapped)
        self.layers.append(layer)
        return layer

    def make_input(self, args: list, kwargs: dict, partial: bool, node: cst.Call, arg_nodes: dict) -> Tensor:
        sig_names = ("shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape", "name", "tensor")
        config = {name: None for name in sig_names}
        for index, value in enumerate(args[: len(sig_names)]):
            config[sig_names[index]] = value
        config.update(kwargs)
        if partial:
            config = {k: UNKNOWN for k in config}
        shape = input_shape(config)
        layer = self.input_layer(config, node, arg_nodes)
        return self.input_tensor(layer, shape, config.get("dtype"), node)

    def input_layer(self, config: dict, node: cst.CSTNode, arg_nodes: dict) -> LayerInstance:
        name = config.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            name = self.names.auto_name("InputLayer")
        nodes = {k: v for k, v in arg_nodes.items() if isinstance(k, str)}
        layer = LayerInstance("InputLayer", name, explicit, config, node, self.certain, None, nodes)
        layer.params = (0, 0)
        self.layers.append(layer)
        return layer

    def input_tensor(self, layer: LayerInstance, shape: object, dtype: object, node: cst.CSTNode) -> Tensor:
        call = LayerCall(layer, [], node, self.certain)
        tensor = Tensor(shape, call, 0, dtype)
        call.outputs.append(tensor)
        layer.calls.append(call)
        self.calls.append(call)
        return tensor

    def call_layer(self, layer: LayerInstance, args: list, kwargs: dict, node: cst.Call, arg_nodes: dict) -> object:
        if not args:
            return UNKNOWN
        inputs = list(iter_tensors(args[0]))
        # The first argument must be a tensor or a flat list of tensors to be followed.
        structure_known = isinstance(args[0], Tensor) or (
            isinstance(args[0], (list, tuple)) and len(inputs) == len(args[0])
        )
        if not structure_known or not inputs:
            self.escape(args)
            return UNKNOWN
        first_node = arg_nodes.get(0, node)
        input_nodes = [first_node] * len(inputs)
        if isinstance(first_node, (cst.List, cst.Tuple)) and len(first_node.elements) == len(inputs):
            input_nodes = [e.value for e in first_node.elements]
        call = LayerCall(layer, inputs, node, self.certain, input_nodes=input_nodes)
        shapes = [t.shape for t in inputs]
        out = self.output_shapes(layer, shapes)
        if layer.params is None:
            layer.params = self.layer_params(layer, shapes)
        out_shapes = out if isinstance(out, list) else [out]
        dtype = inputs[0].dtype if layer.class_name not in ("Embedding",) else None
        call.outputs = [Tensor(shape, call, i, dtype) for i, shape in enumerate(out_shapes)]
        layer.calls.append(call)
        self.calls.append(call)
        return call.outputs[0] if not isinstance(out, list) else list(call.outputs)

    def knowledge_config(self, layer: LayerInstance) -> dict:
        config = layer.config
        if layer.wrapped is not None:
            config = dict(config, layer=(layer.wrapped.class_name, layer.wrapped.config))
        return config

    def output_shapes(self, layer: LayerInstance, shapes: list) -> object:
        if layer.inner_model is not None:
            return self.nested_output(layer.inner_model, shapes)
        found = knowledge(layer.class_name)
        if found is None:
            return None
        try:
            return found.output(self.knowledge_config(layer), shapes)
        except Exception:  # a configuration the knowledge does not cover: stay quiet
            return None

    def layer_params(self, layer: LayerInstance, shapes: list) -> tuple:
        if layer.inner_model is not None:
            from kgraphlint.graph import model_params

            return model_params(layer.inner_model)
        found = knowledge(layer.class_name)
        if found is None:
            return (UNKNOWN, UNKNOWN)
        try:
            return found.params(self.knowledge_config(layer), shapes)
        except Exception:
            return (UNKNOWN, UNKNOWN)

    @staticmethod
    def nested_output(model: ModelRecord, shapes: list) -> object:
        if not model.complete or len(shapes) != len(model.inputs):
            return None
        outputs = [t.shape for t in model.outputs]
        batch = shapes[0][0] if shapes and shapes[0] else None
        outputs = [None if s is None else (batch, *s[1:]) for s in outputs]
        return outputs[0] if len(outputs) == 1 else outputs

    def model_as_layer(self, model: ModelRecord, node: cst.CSTNode) -> LayerInstance:
        if model.as_layer is None:
            class_name = "Sequential" if model.kind == "sequential" else "Functional"
            model.as_layer = LayerInstance(class_name, model.name, True, {}, model.node, model.certain,
                                           inner_model=model)
            self.layers.append(model.as_layer)
        return model.as_layer

    # ------------------------------------------------------------------ models

    def make_functional(self, args: list, kwargs: dict, partial: bool, node: cst.Call, arg_nodes: dict) -> object:
        inputs = kwargs.get("inputs", args[0] if args else UNKNOWN)
        outputs = kwargs.get("outputs", args[1] if len(args) > 1 else UNKNOWN)
        if not args and not kwargs:
            return UNKNOWN  # a subclassed model's super().__init__() and the like
        for role, key in (("inputs", 0), ("outputs", 1)):
            value = inputs if role == "inputs" else outputs
            self.pending_model_args.append((role, arg_nodes.get(role, arg_nodes.get(key)), node, value))
        name = kwargs.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            name = self.names.auto_name("Functional")
        input_tensors, inputs_ok = flatten_structure(inputs)
        output_tensors, outputs_ok = flatten_structure(outputs)
        model = ModelRecord("functional", name, explicit, node, self.certain, input_tensors, output_tensors,
                            complete=inputs_ok and outputs_ok and not partial)
        self.models.append(model)
        return model

    def make_sequential(self, args: list, kwargs: dict, node: cst.Call, arg_nodes: dict) -> ModelRecord:
        name = kwargs.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            name = self.names.auto_name("Sequential")
        model = ModelRecord("sequential", name, explicit, node, self.certain)
        self.models.append(model)
        layers = args[0] if args else kwargs.get("layers")
        if layers is None:
            return model
        items = self.iterate(layers)
        if items is None:
            model.complete = False
            self.escape(layers)
            return model
        list_node = arg_nodes.get(0, arg_nodes.get("layers"))
        element_nodes = [e.value for e in list_node.elements] if isinstance(list_node, (cst.List, cst.Tuple)) else []
        for index, item in enumerate(items):
            self.sequential_add(model, item, element_nodes[index] if index < len(element_nodes) else node,
                                rebuild=False)
        self.sequential_rebuilt(model)
        return model

    def sequential_add(self, model: ModelRecord, item: object, node: cst.CSTNode, rebuild: bool = True) -> None:
        if isinstance(item, ModelRecord):
            item = self.model_as_layer(item, node)
        if isinstance(item, Tensor) and item.producer.layer.is_input and not model.inputs and not model.layers:
            model.inputs = [item]
            model.outputs = [item]
        elif not isinstance(item, LayerInstance) or not model.complete:
            model.complete = False
            self.escape(item)
            return
        elif item.is_input:
            if not model.inputs and not model.layers and item.calls:
                model.inputs = [item.calls[0].outputs[0]]
                model.outputs = list(model.inputs)
        else:
            if not model.inputs and not model.layers:
                shape = layer_input_shape(item.input_shape_keywords())
                if shape is not UNKNOWN and shape is not None:
                    layer = self.input_layer({"shape": shape[1:], "batch_shape": shape}, item.construct, {})
                    model.inputs = [self.input_tensor(layer, shape, None, item.construct)]
                    model.outputs = list(model.inputs)
            model.layers.append(item)
            if model.outputs:
                result = self.call_layer(item, [model.outputs[0]], {}, node, {0: node})
                model.outputs = [result] if isinstance(result, Tensor) else []
                if not model.outputs:
                    model.complete = False
        if rebuild:
            self.sequential_rebuilt(model)

    def sequential_rebuilt(self, model: ModelRecord) -> None:
        """Keras 3 rebuilds a private functional graph whenever a Sequential with an input
        gains a layer; each rebuild uses up one ``functional`` auto-name."""
        if model.inputs and model.layers:
            self.names.auto_name("Functional")

    # ------------------------------------------------------------------ Model(...) arguments

    def check_model_arguments(self) -> None:
        """Names handed to Model(...) that are not tensors: undefined, or something else."""
        for role, arg_node, model_node, value in self.pending_model_args:
            if arg_node is None:
                continue
            elements = [arg_node]
            values = [value]
            if isinstance(arg_node, (cst.List, cst.Tuple)) and isinstance(value, (list, tuple)) and len(value) == len(arg_node.elements):
                elements = [e.value for e in arg_node.elements]
                values = list(value)
            for element, item in zip(elements, values):
                if not isinstance(element, cst.Name) or isinstance(item, Tensor):
                    continue
                name = element.value
                if name not in self.bound_names and name not in BUILTIN_NAMES and not self.star_import:
                    reason = "undefined"
                elif item is not UNKNOWN and not isinstance(item, (Tensor, list, tuple, dict, ModelRecord)):
                    reason = "not-a-tensor"
                else:
                    continue
                names = similar_by_words(name, self.tensor_names) or difflib.get_close_matches(
                    name, list(self.tensor_names), n=3, cutoff=0.6)
                candidates = tuple((n, self.tensor_names[n].producer.node) for n in names)
                self.model_problems.append(
                    ModelArgumentProblem(name, role, reason, describe_value(item), element, model_node, candidates))


#: node class -> the Interpreter method that evaluates it (eval_Name for cst.Name, ...)
EVALUATORS = {
    getattr(cst, name[len("eval_"):]): method
    for name, method in vars(Interpreter).items()
    if name.startswith("eval_") and hasattr(cst, name[len("eval_"):])
}


# ---------------------------------------------------------------------- helpers


def as_losses(value: object) -> object:
    """compile's loss argument with every loss spelled as a Loss: "mse", a keras.losses
    function, or a loss object; lists and dicts keep their structure."""
    if isinstance(value, str):
        return Loss(kimports.loss_name(value))
    if isinstance(value, ModuleRef):
        symbol = kimports.resolve(value.dotted)
        return Loss(symbol.name) if symbol is not None and symbol.kind == "loss" else UNKNOWN
    if isinstance(value, list):
        return [as_losses(v) for v in value]
    if isinstance(value, tuple):
        return tuple(as_losses(v) for v in value)
    if isinstance(value, dict):
        return {k: as_losses(v) for k, v in value.items()}
    return value


def describe_value(value: object) -> str:
    if isinstance(value, LayerInstance):
        return f"a {value.class_name} layer"
    if isinstance(value, FunctionValue):
        return f"the function {value.node.name.value}()"
    if isinstance(value, ModuleRef):
        return f"{value.dotted} itself"
    return f"a {type(value).__name__}"


def similar_by_words(name: str, names) -> list[str]:
    """Names made of the same words in another order (input_posts ~ posts_input)."""
    words = sorted(name.split("_"))
    return [other for other in names if sorted(other.split("_")) == words and other != name]


def dotted_name(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def is_plain(value: object) -> bool:
    """A Python value the interpreter may compute with."""
    if value is None or isinstance(value, (bool, int, float, str, range)):
        return True
    if isinstance(value, (tuple, list)):
        return all(is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(is_plain(v) for v in value.values())
    return False


def iter_tensors(value: object):
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from iter_tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_tensors(item)


def flatten_structure(value: object) -> tuple[list[Tensor], bool]:
    """Tensors of a Model(...) inputs/outputs argument, and whether all were tensors."""
    if isinstance(value, Tensor):
        return [value], True
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)) and value:
        tensors = [v for v in value if isinstance(v, Tensor)]
        return tensors, len(tensors) == len(value)
    return [], False


def as_shape_tuple(value: object) -> tuple | object:
    if isinstance(value, (tuple, list)) and all(v is None or is_int(v) for v in value):
        return tuple(value)
    if isinstance(value, (tuple, list)):
        return tuple(v if v is None or is_int(v) else UNKNOWN for v in value)
    return UNKNOWN


def input_shape(config: dict) -> object:
    """The batch shape of ``Input(...)``, or None (unknown rank)."""
    batch_shape = config.get("batch_shape")
    if batch_shape is not None:
        shape = as_shape_tuple(batch_shape)
        return None if shape is UNKNOWN else shape
    shape = as_shape_tuple(config.get("shape"))
    if shape is UNKNOWN:
        return None
    batch = config.get("batch_size")
    return (batch if is_int(batch) else None if batch is None else UNKNOWN, *shape)


def layer_input_shape(config: dict) -> object:
    """The batch shape a layer's input_shape/input_dim/batch_input_shape keyword gives."""
    if config.get("batch_input_shape") is not None:
        shape = as_shape_tuple(config["batch_input_shape"])
        return None if shape is UNKNOWN else shape
    dim = config.get("input_dim")
    if dim is not None:
        return (None, dim) if is_int(dim) else UNKNOWN
    shape = config.get("input_shape")
    if shape is None:
        return None
    shape = as_shape_tuple(shape)
    if shape is UNKNOWN:
        return UNKNOWN
    batch = config.get("batch_size")
    return (batch if is_int(batch) else None, *shape)
