"""An abstract interpreter for the Python that builds Keras models.

It walks module code and function bodies (never executing them) and tracks Python
constants, containers, Keras layer objects, Keras tensors and models. Whatever it cannot
follow becomes UNKNOWN, and unknown values never produce findings. Calls made where the
interpreter is unsure the code runs (an undecidable ``if``, a loop of unknown length) are
marked ``certain=False`` so rules can ignore them.

This module is the Python side (statements, expressions, functions, loops, branches);
what Keras calls mean is ``kgraphlint.keras_semantics``.
"""

from __future__ import annotations

import copy
import math
import operator

import libcst as cst

from kgraphlint import arrays
from kgraphlint import imports as kimports
from kgraphlint import modules, operations
from kgraphlint.arrays import Array, Dataset
from kgraphlint.facts import (
    BlindSpot,
    ImportFact,
    LayerAttributeRead,
    LayerCall,
    LayerInstance,
    ModelArgumentProblem,
    ModelRecord,
    ModelUse,
    Tensor,
)
from kgraphlint.custom_layers import CustomLayers, LayerMethod, is_layer_base
from kgraphlint.keras_semantics import KerasSemantics, as_losses
from kgraphlint.naming import NameCounter
from kgraphlint.shapes import UNKNOWN, is_int, is_known
from kgraphlint.signatures import KERAS3
from kgraphlint.values import (
    _MISSING,
    BoundMethod,
    ClassValue,
    Frame,
    FunctionValue,
    ModuleRef,
    ObjectValue,
    Scope,
    dotted_name,
    is_plain,
    iter_tensors,
)

MAX_LOOP_ITERATIONS = 512
MAX_CALL_DEPTH = 16
MAX_STEPS = 400_000  # expressions evaluated per file; past this the file is given up quietly
MAX_MODULES = 32  # other modules followed per file

NAMED_CONSTANTS = {"True": True, "False": False, "None": None}
QUOTES = ("'", '"')
TRIPLE_QUOTES = ("'" * 3, '"' * 3)
PURE_BUILTINS = {
    "len": len, "range": range, "int": int, "float": float, "str": str, "tuple": tuple,
    "list": list, "min": min, "max": max, "abs": abs, "sum": sum, "bool": bool,
    "round": round, "sorted": sorted, "reversed": reversed, "enumerate": enumerate, "zip": zip,
    "chr": chr, "ord": ord, "divmod": divmod, "isinstance": isinstance, "any": any, "all": all,
}
#: standard-library functions of plain values, by the dotted name code reaches them through
PURE_MODULE_FUNCTIONS = {
    "math.ceil": math.ceil, "math.floor": math.floor, "math.sqrt": math.sqrt, "math.log": math.log,
    "math.log2": math.log2, "math.prod": math.prod, "math.gcd": math.gcd,
    "copy.deepcopy": copy.deepcopy, "copy.copy": copy.copy,
}
STRING_METHODS = frozenset({"format", "join", "lower", "upper", "replace", "split", "rsplit", "strip",
                            "lstrip", "rstrip", "startswith", "endswith", "title", "capitalize", "zfill"})
PLAIN_TYPES = (int, float, str, tuple, list, dict, bool)
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


class Interpreter(KerasSemantics, CustomLayers):
    def __init__(self, module: cst.Module, flavour: str = KERAS3, path: str | None = None) -> None:
        self.module = module
        self.flavour = flavour
        self.path = path
        #: the file whose code runs now: another module's while one of its functions runs
        self.current_path = path
        #: where in the analysed file the code now running in another module was entered
        self.foreign_site: cst.CSTNode | None = None
        #: other modules' files -> their module scope (None while one is being loaded)
        self.loaded: dict[str, Scope | None] = {}
        #: other modules' files -> their parsed code (where their blind spots are)
        self.module_trees: dict[str, cst.Module] = {}
        #: the followed modules that are Keras's own code (keras.applications)
        self.library_files: set[str] = set()
        self.resolved: dict[tuple, object] = {}
        #: (module, importing file) -> the module's file, or None
        self.module_files: dict[tuple, object] = {}
        self.names = NameCounter()
        self.layers: list[LayerInstance] = []
        self.calls: list[LayerCall] = []
        self.models: list[ModelRecord] = []
        self.imports: list[ImportFact] = []
        self.model_problems: list[ModelArgumentProblem] = []
        self.bound_names: set[str] = set()
        self.star_import = False
        self.functions: list[FunctionValue] = []
        self.classes: list[ClassValue] = []
        self.certain = True
        self.depth = 0
        self.steps = 0
        self.tensor_names: dict[str, Tensor] = {}
        self.pending_model_args: list[tuple] = []
        self.attribute_reads: list[LayerAttributeRead] = []
        #: (name node, value) for each name bound to a tensor, a layer or a model (editor hovers)
        self.bindings: list[tuple[cst.Name, object]] = []
        self.model_uses: list[ModelUse] = []
        self.module_scope = Scope()
        self.blind_spots: list[BlindSpot] = []
        #: the custom layers being built or called, innermost last (kgraphlint.custom_layers)
        self.layer_runs: list = []

    # ------------------------------------------------------------------ entry point

    def run(self) -> None:
        frame = Frame(self.module_scope)
        self.exec_block(self.module.body, frame)
        # Builders that are defined but never called still build models when a user calls
        # them: analyse them with their defaults, consuming no Keras auto-names.
        for function in list(self.functions):
            if not function.called:
                self.run_uncalled(function)
        for cls in list(self.classes):
            if not cls.instantiated:
                self.run_uncalled_class(cls)
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

    def lose_track(self, reason: str, node: cst.CSTNode) -> None:
        """Note where and why shapes were lost (``summary --stats``); findings never use it."""
        self.blind_spots.append(BlindSpot(reason, node, self.current_path if self.in_other_module else None))

    # ------------------------------------------------------------------ other modules

    @property
    def in_other_module(self) -> bool:
        return self.current_path != self.path

    @property
    def in_library(self) -> bool:
        return self.current_path in self.library_files

    def site(self, node: cst.CSTNode) -> cst.CSTNode:
        """Where a fact made now is reported: its own node in the analysed file, or the
        call (or import) in the analysed file through which another module's code runs."""
        return self.foreign_site if self.in_other_module and self.foreign_site is not None else node

    def enter(self, path: str | None, node: cst.CSTNode) -> tuple:
        saved = (self.current_path, self.foreign_site)
        if not self.in_other_module and path != self.path:
            self.foreign_site = node
        self.current_path = path
        return saved

    def leave(self, saved: tuple) -> None:
        self.current_path, self.foreign_site = saved

    def load_module(self, module: str, node: cst.CSTNode) -> Scope | None:
        """Run another module of the project (or an installed package) once and return its
        names; None when it cannot be found, read or followed."""
        where = (module, self.current_path)
        if where not in self.module_files:  # each lookup costs a few file system checks
            self.module_files[where] = modules.module_file(module, self.current_path)
        path = self.module_files[where]
        if path is None:
            return None
        key = str(path)
        if key in self.loaded:
            return self.loaded[key]
        if len(self.loaded) >= MAX_MODULES or key == self.path:
            return None
        self.loaded[key] = None  # an import cycle meets None and stays unknown
        tree = modules.parsed(path)
        if tree is None:
            return None
        self.module_trees[key] = tree
        if modules.followed_keras(module) is not None or self.in_library:
            self.library_files.add(key)
        frame = Frame(Scope())
        saved = self.enter(key, node)
        try:
            self.exec_block(tree.body, frame)
        except (_Return, _Break, _Continue):
            pass
        finally:
            self.leave(saved)
        self.loaded[key] = frame.scope
        return frame.scope

    def module_value(self, ref: ModuleRef, node: cst.CSTNode) -> object:
        """What ``pkg.mod.name`` (or ``.mod.name``) is, read from that module's own code;
        the reference itself when it names Keras, a module, or nothing kgraphlint can find."""
        key = (ref.dotted, ref.origin)
        if key in self.resolved:
            return self.resolved[key]
        module, _, name = ref.dotted.rpartition(".")
        value: object = ref
        followed = not kimports.is_keras_path(ref.dotted) or modules.followed_keras(module) is not None
        if ref.origin is not None and module.strip(".") and followed:
            saved_path = self.current_path
            self.current_path = ref.origin
            try:
                scope = self.load_module(module, node)
            finally:
                self.current_path = saved_path
            if scope is not None and name in scope.names:
                value = scope.names[name]
                if isinstance(value, ModuleRef) and value.origin is not None and value != ref:
                    self.resolved[key] = ref  # an import cycle stays the reference itself
                    value = self.module_value(value, node)  # re-exported: ``from .resnet import ResNet50``
        self.resolved[key] = value
        return value

    def run_uncalled_class(self, cls: ClassValue) -> None:
        """A class nobody instantiates in this file: make one instance with __init__'s
        defaults and run its other methods once each, in the order they are defined.

        An attribute that a later method assigns reads as unknown in the methods before it:
        which of them runs first is the caller's choice, not ours to guess."""
        saved_names = self.names
        self.names = saved_names.copy()
        try:
            instance = ObjectValue(cls, dict(cls.attributes))
            init = cls.methods.get("__init__")
            if init is not None:
                self.call_function(init, [instance], {}, node=init.node, defaults_only=True)
            assigned_by = {name: attributes_assigned(method.node) for name, method in cls.methods.items()}
            for name, method in cls.methods.items():
                if name.startswith("__") or method.called:
                    continue
                for other, attributes in assigned_by.items():
                    if other not in (name, "__init__"):
                        for attribute in attributes:
                            instance.attributes[attribute] = UNKNOWN
                self.call_function(method, [instance], {}, node=method.node, defaults_only=True)
        except (_Break, _Continue):
            pass
        finally:
            self.names = saved_names

    # ------------------------------------------------------------------ statements

    def exec_block(self, body, frame: Frame) -> None:
        for statement in body:
            self.steps += 1
            method = STATEMENTS.get(type(statement))
            if method is not None:  # match statements and anything newer stay opaque
                method(self, statement, frame)

    def exec_SimpleStatementLine(self, statement: cst.SimpleStatementLine | cst.SimpleStatementSuite,
                                 frame: Frame) -> None:
        for small in statement.body:
            method = SMALL_STATEMENTS.get(type(small))
            if method is not None:
                method(self, small, frame)

    def exec_FunctionDef(self, statement: cst.FunctionDef, frame: Frame) -> None:
        function = FunctionValue(statement, frame.scope, path=self.current_path)
        if not self.in_other_module:
            self.functions.append(function)
        self.bind_name(statement.name.value, function, frame)

    def exec_ClassDef(self, statement: cst.ClassDef, frame: Frame) -> None:
        self.bind_name(statement.name.value, self.define_class(statement, frame), frame)

    def exec_With(self, statement: cst.With, frame: Frame) -> None:
        for item in statement.items:
            self.eval(item.item, frame)
            if item.asname is not None:
                self.assign(item.asname.name, UNKNOWN, frame)
        self.exec_block(statement.body.body, frame)

    def exec_Try(self, statement: cst.Try, frame: Frame) -> None:
        self.exec_block(statement.body.body, frame)
        for handler in statement.handlers:
            if handler.name is not None:
                self.assign(handler.name.name, UNKNOWN, frame)
            self.speculate(lambda: self.exec_block(handler.body.body, frame))
        if statement.orelse is not None:
            self.exec_block(statement.orelse.body.body, frame)
        if statement.finalbody is not None:
            self.exec_block(statement.finalbody.body.body, frame)

    def define_class(self, node: cst.ClassDef, frame: Frame) -> object:
        """A plain class becomes a ClassValue, and so does a subclass of keras.layers.Layer
        (a custom layer); one with other base classes (a keras.Model subclass, a class from
        elsewhere) stays unknown."""
        if type(node.body) is not cst.IndentedBlock:
            return UNKNOWN
        bases = [self.eval(arg.value, frame) for arg in node.bases]
        layer = len(bases) == 1 and is_layer_base(bases[0]) and not node.keywords and not node.decorators
        if (node.bases or node.keywords or node.decorators) and not layer:
            # Methods of a class built on one kgraphlint cannot see (a keras.Model
            # subclass, a TestCase) still build and train models: analyse each as a
            # function nobody calls, with ``self`` unknown.
            self.analyse_methods_uncalled(node, frame)
            return UNKNOWN
        if layer:
            self.analyse_methods_uncalled(node, frame)  # a custom layer nobody calls
        inherited = bases[0] if layer and isinstance(bases[0], ClassValue) else None
        body = Frame(Scope({}, frame.scope))
        methods = dict(inherited.methods) if inherited is not None else {}
        for statement in node.body.body:
            if type(statement) is cst.FunctionDef:
                if statement.decorators:
                    if layer:
                        continue  # a property or static method of a layer: not needed to run it
                    return UNKNOWN  # properties, static and class methods: not followed
                methods[statement.name.value] = FunctionValue(statement, frame.scope, path=self.current_path)
            else:
                self.exec_block((statement,), body)
        attributes = {**(inherited.attributes if inherited is not None else {}), **body.scope.names}
        cls = ClassValue(node, methods, attributes, layer=layer)
        if not self.in_other_module and not layer:
            self.classes.append(cls)
        return cls

    def analyse_methods_uncalled(self, node: cst.ClassDef, frame: Frame) -> None:
        for statement in node.body.body:
            if type(statement) is cst.FunctionDef and not self.in_other_module:
                self.functions.append(FunctionValue(statement, frame.scope, path=self.current_path))

    def exec_Expr(self, small: cst.Expr, frame: Frame) -> None:
        if type(small.value) is cst.SimpleString:
            return  # a docstring
        # A bare expression is displayed in notebooks and consoles: a use of its value.
        self.escape(self.eval(small.value, frame))

    def exec_Assign(self, small: cst.Assign, frame: Frame) -> None:
        value = self.eval(small.value, frame)
        for target in small.targets:
            self.assign(target.target, value, frame)

    def exec_AnnAssign(self, small: cst.AnnAssign, frame: Frame) -> None:
        if small.value is not None:
            self.assign(small.target, self.eval(small.value, frame), frame)

    def exec_AugAssign(self, small: cst.AugAssign, frame: Frame) -> None:
        current = self.eval(small.target, frame)
        value = self.eval(small.value, frame)
        self.assign(small.target, self.binary(self.aug_operator(small.operator), current, value, small), frame)

    def exec_Return(self, small: cst.Return, frame: Frame) -> None:
        raise _Return(None if small.value is None else self.eval(small.value, frame))

    def exec_Break(self, small: cst.Break, frame: Frame) -> None:
        raise _Break()

    def exec_Continue(self, small: cst.Continue, frame: Frame) -> None:
        raise _Continue()

    def exec_Global(self, small: cst.Global | cst.Nonlocal, frame: Frame) -> None:
        for item in small.names:
            self.bound_names.add(item.name.value)

    exec_Nonlocal = exec_Global

    @staticmethod
    def aug_operator(op: cst.BaseAugOp) -> type | None:
        name = type(op).__name__.replace("Assign", "")
        return getattr(cst, name, None)

    def exec_Import(self, node: cst.Import, frame: Frame) -> None:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is None:
                continue
            if kimports.is_keras_path(dotted) and not self.in_other_module:
                self.imports.append(ImportFact(dotted, ("",), node, alias.name))
            if alias.asname is not None:
                self.bind_name(alias.asname.name.value, ModuleRef(dotted, self.current_path), frame)
            else:
                root = dotted.split(".", 1)[0]
                self.bind_name(root, ModuleRef(root, self.current_path), frame)

    def exec_ImportFrom(self, node: cst.ImportFrom, frame: Frame) -> None:
        module = dotted_name(node.module) if node.module is not None else None
        relative = bool(node.relative)
        if type(node.names) is cst.ImportStar:
            self.star_import = True
            return
        names = tuple(alias.name.value for alias in node.names if type(alias.name) is cst.Name)
        if module is not None and not relative and kimports.is_keras_path(module) and not self.in_other_module:
            self.imports.append(ImportFact(module, names, node, node.module))
        prefix = "." * len(node.relative) + (module or "")
        for alias in node.names:
            local = alias.asname.name.value if alias.asname is not None else dotted_name(alias.name)
            if local is None:
                continue
            dotted = f"{prefix}.{dotted_name(alias.name)}" if module is not None else f"{prefix}{dotted_name(alias.name)}"
            self.bind_name(local, ModuleRef(dotted, self.current_path), frame)

    def exec_If(self, node: cst.If, frame: Frame) -> None:
        test = self.truth(self.eval(node.test, frame))
        orelse = node.orelse
        if test is True:
            self.exec_block(node.body.body, frame)
            return
        if test is False:
            if type(orelse) is cst.If:
                self.exec_If(orelse, frame)
            elif type(orelse) is cst.Else:
                self.exec_block(orelse.body.body, frame)
            return
        # Undecidable: run each branch on its own copy, then keep only what agrees.
        branches = [lambda: self.exec_block(node.body.body, frame)]
        if type(orelse) is cst.If:
            branches.append(lambda: self.exec_If(orelse, frame))
        elif type(orelse) is cst.Else:
            branches.append(lambda: self.exec_block(orelse.body.body, frame))
        else:
            branches.append(lambda: None)
        before = frame.scope.copy()
        calls_before = len(self.calls)
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
        if len(self.calls) > calls_before:
            self.lose_track("undecided branch", node.test)

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

    def exec_For(self, node: cst.For, frame: Frame) -> None:
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

    def exec_While(self, node: cst.While, frame: Frame) -> None:
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
        if isinstance(value, Array) and value.values is not None:
            return list(value.values)
        return None

    @staticmethod
    def truth(value: object) -> bool | None:
        if value is True or value is False:
            return value
        if value is UNKNOWN or isinstance(value, (Tensor, LayerInstance, ModelRecord, ModuleRef, FunctionValue, Array, Dataset,
                                                  ClassValue, ObjectValue, BoundMethod)):
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
            if self.certain and not self.in_other_module:
                self.tensor_names.setdefault(name, value)

    def assign(self, target: cst.CSTNode, value: object, frame: Frame) -> None:
        if type(target) is cst.Name:
            if isinstance(value, (Tensor, LayerInstance, ModelRecord)) and not self.in_other_module:
                self.bindings.append((target, value))
            self.bind_name(target.value, value, frame)
        elif type(target) in (cst.Tuple, cst.List):
            elements = [e.value for e in target.elements]
            items = self.iterate(value) if not isinstance(value, dict) else None
            if items is None or len(items) != len(elements) or any(type(e) is cst.StarredElement for e in target.elements):
                items = [UNKNOWN] * len(elements)
            for element, item in zip(elements, items):
                self.assign(element, item, frame)
        elif type(target) is cst.Subscript:
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
        elif type(target) is cst.Attribute:
            owner = self.eval(target.value, frame)
            if isinstance(owner, ObjectValue):
                owner.attributes[target.attr.value] = value
            elif isinstance(owner, (LayerInstance, ModelRecord)) and target.attr.value == "trainable":
                self.set_trainable(owner, value if isinstance(value, bool) and self.certain else UNKNOWN)
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
        # Most literals are plain 'text', "text" or """text""": skip libcst's evaluation,
        # which compiles the literal (and turns a CRLF inside one into a newline).
        if raw[:1] in QUOTES and "\\" not in raw and "\r" not in raw:
            return raw[3:-3] if raw[:3] in TRIPLE_QUOTES else raw[1:-1]
        value = node.evaluated_value
        return value if isinstance(value, str) else UNKNOWN

    def eval_ConcatenatedString(self, node: cst.ConcatenatedString, frame: Frame) -> object:
        left, right = self.eval(node.left, frame), self.eval(node.right, frame)
        return left + right if isinstance(left, str) and isinstance(right, str) else UNKNOWN

    def eval_FormattedString(self, node: cst.FormattedString, frame: Frame) -> object:
        return self.formatted(node.parts, frame)

    def formatted(self, parts, frame: Frame) -> object:
        """An f-string's text (or a nested format spec's), with conversions and format specs."""
        pieces = []
        for part in parts:
            if type(part) is cst.FormattedStringText:
                pieces.append(part.value)
                continue
            value = self.eval(part.expression, frame)
            if not (is_known(value) and is_plain(value)) or isinstance(value, range):
                return UNKNOWN
            spec = self.formatted(part.format_spec, frame) if part.format_spec else ""
            if spec is UNKNOWN:
                return UNKNOWN
            if part.conversion is not None:
                value = {"r": repr, "s": str, "a": ascii}[part.conversion](value)
            try:
                pieces.append(format(value, spec))
            except (ValueError, TypeError):
                return UNKNOWN
        return "".join(pieces)

    def eval_Name(self, node: cst.Name, frame: Frame) -> object:
        name = node.value
        if name in NAMED_CONSTANTS:
            return NAMED_CONSTANTS[name]
        value = frame.scope.lookup(name)
        if value is _MISSING:
            if name in PURE_BUILTINS:
                return PURE_BUILTINS[name]
            return UNKNOWN
        if isinstance(value, ModuleRef) and value.origin is not None:
            return self.module_value(value, node)
        return value

    def eval_Attribute(self, node: cst.Attribute, frame: Frame) -> object:
        return self.attribute(self.eval(node.value, frame), node)

    def attribute(self, base: object, node: cst.Attribute) -> object:
        """``base.attr`` for an already evaluated base (a call's receiver is evaluated once)."""
        attr = node.attr.value
        if isinstance(base, ModuleRef):
            reference = ModuleRef(f"{base.dotted}.{attr}", base.origin)
            return self.module_value(reference, node) if base.origin is not None else reference
        if isinstance(base, Array):
            return arrays.attribute(base, attr)
        if isinstance(base, ObjectValue):
            if attr in base.attributes:
                return base.attributes[attr]
            method = base.cls.methods.get(attr)
            if method is None and base.cls.layer and attr == "add_weight":
                return LayerMethod(base, attr)
            return BoundMethod(method, base) if method is not None else UNKNOWN
        if isinstance(base, Tensor):
            if attr == "shape":
                base.escaped = True  # inspected on purpose: not a forgotten branch
                return base.shape if base.shape is not None else UNKNOWN
            if attr == "dtype":
                return base.dtype if base.dtype is not None else UNKNOWN
            return UNKNOWN
        if isinstance(base, LayerInstance):
            if attr in CALL_ATTRIBUTES:
                self.attribute_reads.append(LayerAttributeRead(base, attr, self.site(node), len(base.calls),
                                                               self.certain))
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
            if type(element) is cst.StarredElement:
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
            if type(element) is cst.StarredDictElement:
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
        return self.binary(type(node.operator), left, right, node)

    def binary(self, op_type: type | None, left: object, right: object, node: cst.CSTNode) -> object:
        if (isinstance(left, Tensor) or isinstance(right, Tensor)) and op_type in operations.OPERATORS:
            return self.apply_operation(operations.OPERATORS[op_type], [left, right], {}, node)
        function = BINARY_OPERATORS.get(op_type)
        if isinstance(left, Array) or isinstance(right, Array):
            result = None
            if op_type in (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.Power):
                result = arrays.arithmetic(left, right, divide=op_type is cst.Divide)
            return UNKNOWN if result is None else result
        if function is None or not is_plain(left) or not is_plain(right):
            if isinstance(left, Tensor) or isinstance(right, Tensor):
                # Operators Keras has no operation for here (|, &, ...): the shape is lost.
                self.lose_track(f"operator {op_type.__name__ if op_type else '?'} on tensors", node)
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
        if type(node.operator) is cst.Not:
            verdict = self.truth(value)
            return UNKNOWN if verdict is None else not verdict
        if isinstance(value, Tensor) and type(node.operator) is cst.Minus:
            return self.apply_operation(operations.NEGATIVE, [value], {}, node)
        if not isinstance(value, (int, float)):
            return UNKNOWN
        return -value if type(node.operator) is cst.Minus else value

    def eval_BooleanOperation(self, node: cst.BooleanOperation, frame: Frame) -> object:
        left = self.eval(node.left, frame)
        verdict = self.truth(left)
        if verdict is None:
            return UNKNOWN
        is_and = type(node.operator) is cst.And
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
        if isinstance(container, Array):
            keys = self.array_keys(node, frame)
            result = arrays.indexed(container, keys) if keys is not None else None
            return UNKNOWN if result is None else result
        if isinstance(container, Tensor):
            keys = self.array_keys(node, frame)
            if keys is not None and not any(isinstance(k, Array) for k in keys):
                return self.apply_operation(operations.GET_ITEM, [container, tuple(keys)], {}, node)
        key = self.subscript_key(node, frame)
        if key is _MISSING or not is_known(key) or not isinstance(container, (tuple, list, dict, str)):
            if isinstance(container, Tensor):
                container.escaped = True
                self.lose_track("indexing a tensor", node)
            return UNKNOWN
        try:
            return container[key]
        except Exception:
            return UNKNOWN

    def subscript_key(self, node: cst.Subscript, frame: Frame) -> object:
        if len(node.slice) != 1:
            return _MISSING
        index = node.slice[0].slice
        if type(index) is cst.Index:
            return self.eval(index.value, frame)
        if type(index) is cst.Slice:
            parts = [None if p is None else self.eval(p, frame) for p in (index.lower, index.upper, index.step)]
            if all(p is None or is_int(p) for p in parts):
                return slice(*parts)
        return _MISSING

    def array_keys(self, node: cst.Subscript, frame: Frame) -> list | None:
        """The index of ``x[...]`` as ints, slices, None (np.newaxis), Ellipsis and Arrays."""
        keys = []
        for element in node.slice:
            index = element.slice
            if type(index) is cst.Slice:
                parts = [None if p is None else self.eval(p, frame) for p in (index.lower, index.upper, index.step)]
                if not all(p is None or is_int(p) for p in parts):
                    return None
                keys.append(slice(*parts))
                continue
            if type(index.value) is cst.Ellipsis:
                keys.append(Ellipsis)
                continue
            value = self.eval(index.value, frame)
            if value is None or isinstance(value, ModuleRef) and value.dotted == "numpy.newaxis":
                keys.append(None)
            elif is_int(value) or isinstance(value, Array):
                keys.append(value)
            else:
                return None
        return keys

    def eval_Lambda(self, node: cst.Lambda, frame: Frame) -> object:
        return UNKNOWN

    # ------------------------------------------------------------------ calls

    def eval_Call(self, node: cst.Call, frame: Frame) -> object:
        func = node.func
        if type(func) is cst.Attribute and is_super_call(func.value):
            args, kwargs, partial, arg_nodes = self.arguments(node, frame)
            return self.call_super(func.attr.value, kwargs, frame)
        if type(func) is cst.Attribute:
            receiver = self.eval(func.value, frame)
            if isinstance(receiver, str):
                args, kwargs, partial, arg_nodes = self.arguments(node, frame)
                return string_method(receiver, func.attr.value, args, kwargs, partial)
            if isinstance(receiver, (Array, Dataset)):
                args, kwargs, partial, arg_nodes = self.arguments(node, frame)
                result = None if partial else (
                    arrays.method(receiver, func.attr.value, args, kwargs) if isinstance(receiver, Array)
                    else arrays.dataset_method(receiver, func.attr.value, args, kwargs))
                return UNKNOWN if result is None else result
            if isinstance(receiver, (ModelRecord, list, dict)) or (
                isinstance(receiver, LayerInstance) and func.attr.value in ("__call__",)
            ):
                args, kwargs, partial, arg_nodes = self.arguments(node, frame)
                return self.call_method(receiver, func.attr.value, args, kwargs, node, arg_nodes)
            callee = self.attribute(receiver, func)
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
            operation = operations.function_operation(kimports.canonical_module(callee.dotted))
            if operation is not None and any(True for v in [*args, *kwargs.values()] for _ in iter_tensors(v)):
                return self.apply_operation(operation, args, kwargs, node)
            if callee.dotted in PURE_MODULE_FUNCTIONS:
                return pure_call(PURE_MODULE_FUNCTIONS[callee.dotted], args, kwargs, partial)
            data = None if partial else arrays.call(callee.dotted, args, kwargs)
            if data is not None:
                return data
        elif isinstance(callee, LayerInstance):
            return self.call_layer(callee, args, kwargs, node, arg_nodes)
        elif isinstance(callee, ModelRecord):
            if args and isinstance(args[0], Tensor) and args[0].shape is not None:
                self.build_sequential(callee, args[0], node)
            return self.call_layer(self.model_as_layer(callee, node), args, kwargs, node, arg_nodes)
        elif isinstance(callee, FunctionValue):
            return self.call_function(callee, args, kwargs, node=node, partial=partial)
        elif isinstance(callee, BoundMethod):
            return self.call_function(callee.function, [callee.receiver, *args], kwargs, node=node, partial=partial)
        elif isinstance(callee, ClassValue):
            return self.instantiate(callee, args, kwargs, partial, node)
        elif isinstance(callee, LayerMethod):
            return self.layer_method(callee, args, kwargs)
        elif callee is len and len(args) == 1 and isinstance(args[0], Array) and args[0].rank:
            return args[0].samples
        elif callable(callee) and callee in PURE_BUILTINS.values():
            return pure_call(callee, args, kwargs, partial)
        if any(True for value in [*args, *kwargs.values()] for _ in iter_tensors(value)):
            self.lose_track(f"opaque call {callable_name(callee, node)}", node)
        for value in list(args) + list(kwargs.values()):
            self.escape(value)
        return UNKNOWN

    def instantiate(self, cls: ClassValue, args: list, kwargs: dict, partial: bool, node: cst.Call) -> object:
        if cls.layer:
            return self.construct_custom_layer(cls, args, kwargs, partial, node)
        cls.instantiated = True
        instance = ObjectValue(cls, dict(cls.attributes))
        init = cls.methods.get("__init__")
        if init is not None:
            self.call_function(init, [instance, *args], kwargs, node=node, partial=partial)
        return instance

    def call_function(self, function: FunctionValue, args: list, kwargs: dict, node: cst.CSTNode,
                      partial: bool = False, defaults_only: bool = False) -> object:
        if not defaults_only:
            function.called = True
        if self.depth >= MAX_CALL_DEPTH:
            self.lose_track("call depth limit", node)
            for value in list(args) + list(kwargs.values()):
                self.escape(value)
            return UNKNOWN
        scope = Scope({}, function.scope)
        frame = Frame(scope)
        saved = self.enter(function.path, node)
        try:
            self.bind_parameters(function.node.params, args, kwargs, partial, frame, defaults_only)
        except BaseException:
            self.leave(saved)
            raise
        self.depth += 1
        try:
            if type(function.node.body) is cst.IndentedBlock:
                self.exec_block(function.node.body.body, frame)
            else:  # def f(x): return x
                self.exec_SimpleStatementLine(function.node.body, frame)
        except _Return as returned:
            return UNKNOWN if frame.maybe_returned else returned.value
        except (_Break, _Continue):
            return UNKNOWN
        finally:
            self.depth -= 1
            self.leave(saved)
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
            if name in ("self", "cls") and index == 0 and defaults_only and not args:
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
        if type(params.star_arg) is cst.Param:
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
            if method == "insert" and len(args) == 2 and is_int(args[0]):
                receiver.insert(*args)
                return None
            if method == "copy" and not args:
                return list(receiver)
        elif isinstance(receiver, dict):
            if method in ("get", "pop", "setdefault") and args and is_known(args[0]) and not kwargs:
                if method == "pop" and len(args) == 1 and args[0] not in receiver:
                    return UNKNOWN  # raises KeyError: not followed
                try:
                    return getattr(receiver, method)(*args[:2])
                except TypeError:
                    return UNKNOWN
            if method in ("keys", "values", "items") and not args:
                return list(getattr(receiver, method)())
            if method == "copy" and not args:
                return dict(receiver)
            if method == "update" and not kwargs and len(args) == 1 and isinstance(args[0], dict):
                receiver.update(args[0])
                return None
        elif isinstance(receiver, ModelRecord):
            if method == "add" and receiver.kind == "sequential" and args:
                self.sequential_add(receiver, args[0], arg_nodes.get(0, node))
                return None
            if method in MODEL_USES:
                if method == "compile":
                    kwargs = {k: as_losses(v) if k == "loss" else v for k, v in kwargs.items()}
                    args = [as_losses(a) if i == 1 else a for i, a in enumerate(args)]
                if self.in_other_module:
                    node, arg_nodes = self.site(node), {}
                self.model_uses.append(ModelUse(receiver, method, args, kwargs, node, arg_nodes, self.certain))
            return UNKNOWN
        if isinstance(receiver, Tensor):
            self.lose_track(f"tensor method .{method}()", node)
        self.escape(receiver)
        for value in list(args) + list(kwargs.values()):
            self.escape(value)
        return UNKNOWN

#: node class -> the Interpreter method that evaluates it (eval_Name for cst.Name, ...)
def _handlers(prefix: str, kinds: tuple[str, ...]) -> dict:
    """The Interpreter's methods named prefix + a libcst class, by that class: evaluating
    and executing dispatch on a node's exact type (a dict lookup, not a chain of isinstance
    checks against libcst's abstract classes)."""
    return {getattr(cst, name[len(prefix):]): method for name, method in vars(Interpreter).items()
            if name.startswith(prefix) and name[len(prefix):] in kinds}


EVALUATORS = _handlers("eval_", tuple(name for name in dir(cst) if isinstance(getattr(cst, name), type)))
STATEMENTS = _handlers("exec_", ("SimpleStatementLine", "If", "For", "While", "FunctionDef", "ClassDef", "With", "Try"))
SMALL_STATEMENTS = _handlers("exec_", ("Expr", "Assign", "AnnAssign", "AugAssign", "Import", "ImportFrom", "Return",
                                       "Break", "Continue", "Global", "Nonlocal"))


# ---------------------------------------------------------------------- helpers


def pure_call(function, args: list, kwargs: dict, partial: bool) -> object:
    """A pure function of plain, known values, computed; UNKNOWN for anything else."""
    if function is isinstance and len(args) == 2:
        classes = args[1] if isinstance(args[1], tuple) else (args[1],)
        if isinstance(args[0], Tensor) and all(
                c.dotted == "numpy.ndarray" if isinstance(c, ModuleRef) else c in PLAIN_TYPES for c in classes):
            return False  # a Keras tensor is no Python value and no NumPy array
        if not all(c in PLAIN_TYPES for c in classes) or not (is_known(args[0]) and is_plain(args[0])):
            return UNKNOWN
    elif not all(is_known(a) and is_plain(a) for a in args):
        return UNKNOWN
    if kwargs or partial:
        return UNKNOWN
    try:
        return function(*args)
    except Exception:
        return UNKNOWN


def string_method(text: str, method: str, args: list, kwargs: dict, partial: bool) -> object:
    """``"mixed{0}".format(5)``, ``"_".join(parts)`` and the other pure str methods."""
    if method not in STRING_METHODS or partial or not all(is_known(v) and is_plain(v) for v in [*args, *kwargs.values()]):
        return UNKNOWN
    try:
        return getattr(text, method)(*args, **kwargs)
    except Exception:
        return UNKNOWN


def is_super_call(node: cst.CSTNode) -> bool:
    """``super()``"""
    return (type(node) is cst.Call and type(node.func) is cst.Name and node.func.value == "super"
            and not node.args)


def callable_name(callee: object, node: cst.Call) -> str:
    """How a blind spot names what was called: Keras's dotted name, or the code's own."""
    if isinstance(callee, ModuleRef):
        return kimports.canonical_module(callee.dotted)
    if type(node.func) is cst.Call:  # LayerScale(...)(x): a class kgraphlint cannot see
        return f"{dotted_name(node.func.func) or 'an object'}(...)"
    return dotted_name(node.func) or type(node.func).__name__


def attributes_assigned(function: cst.FunctionDef) -> set[str]:
    """The ``self.<name>`` attributes a method assigns anywhere in its body."""
    if not function.params.params:
        return set()
    receiver = function.params.params[0].name.value
    found: set[str] = set()

    class Collector(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            for target in _targets(node.target):
                if type(target) is cst.Attribute and type(target.value) is cst.Name \
                        and target.value.value == receiver:
                    found.add(target.attr.value)

    function.body.visit(Collector())
    return found


def _targets(node: cst.CSTNode):
    if type(node) in (cst.Tuple, cst.List):
        for element in node.elements:
            yield from _targets(element.value)
    else:
        yield node
