"""The Python machine: an abstract interpreter for the Python that builds models.

It walks module code and function bodies (never executing them) and tracks Python
constants, containers, functions, classes and their instances, and modules. Whatever it
cannot follow becomes UNKNOWN, and unknown values never produce findings. Code that may not
run (an undecidable ``if``, a loop of unknown length) runs with ``certain`` False so that
what it makes can be told apart.

The machine knows nothing of any library: values it does not own (tensors, layers,
arrays) and module-level names it cannot compute belong to the overlays it is given
(``kgraphlint.interpret.overlay``), and it hands them every operation on such values.
"""

from __future__ import annotations

import itertools
import operator
from contextlib import ExitStack
from typing import Callable, Sequence

import libcst as cst

from kgraphlint.interpret import call_memo
from kgraphlint.interpret.budget import (
    CLOCK_EVERY,
    MAX_BUILT,
    MAX_LENGTH,
    MAX_STEPS,
    STOPPED,
    Budget,
    Limit,
    OutOfBudget,
)
from kgraphlint.interpret.builtins import (
    ITERATORS,
    PURE_BUILTINS,
    PURE_MODULE_FUNCTIONS,
    named_tuple_class,
    pure_call,
    structural_call,
    string_method,
)
from kgraphlint.interpret.command_line import PARSER_CLASS, ArgumentParserValue, call_parser, new_parser
from kgraphlint.interpret.overlay import Overlay, Raises
from kgraphlint.interpret.values import (
    _MISSING,
    UNKNOWN,
    BlindSpot,
    BoundMethod,
    ClassValue,
    Frame,
    FunctionValue,
    ModuleRef,
    NamedTuple,
    NamedTupleClass,
    NoArguments,
    ObjectValue,
    Scope,
    dotted_name,
    is_int,
    is_known,
    is_plain,
)
from kgraphlint.resolve import modules

MAX_LOOP_ITERATIONS = 512
MAX_CALL_DEPTH = 16
MAX_MODULES = 32  # other modules followed per file

NAMED_CONSTANTS = {"True": True, "False": False, "None": None}
QUOTES = ("'", '"')
TRIPLE_QUOTES = ("'" * 3, '"' * 3)
#: list and dict methods that change nothing (an unfollowed call of any other one may)
READ_ONLY_METHODS = frozenset({"index", "count", "get", "keys", "values", "items", "copy"})
#: the values the machine itself computes with; anything else belongs to an overlay
MACHINE_VALUES = (ModuleRef, FunctionValue, ClassValue, ObjectValue, BoundMethod, NoArguments)
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


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Interpreter:
    """Runs one module. ``overlays`` make the library values it meets; each is built with
    the machine (``Overlay(machine)``), the first owning a type wins."""

    # Every step reads the machine's attributes. CPython 3.11 keeps at most 30 of an
    # instance's attributes in the layout its fast attribute reads rely on, and the machine
    # has that many: one more made a library run execute 1.7% more instructions
    # (benchmarks/instructions.py). Slots are read as fast, however many there are.
    __slots__ = ("module", "path", "current_path", "foreign_site", "loaded", "module_trees", "library_files",
                 "resolved", "module_files", "absent_files", "bound_names", "star_import", "functions", "classes",
                 "certain", "guessed", "depth", "steps", "checkpoint", "budget", "statement", "module_scope",
                 "blind_spots", "live_scopes", "origin_scopes", "mutated", "overlays", "owners", "escapes",
                 "call_memo")

    def __init__(self, module: cst.Module, overlays: Sequence[Callable[["Interpreter"], Overlay]],
                 path: str | None = None, budget: Budget | None = None,
                 calls: call_memo.CallStore | None = None) -> None:
        self.module = module
        self.path = path
        #: the file whose code runs now: another module's while one of its functions runs
        self.current_path = path
        #: where in the analysed file the code now running in another module was entered
        self.foreign_site: cst.CSTNode | None = None
        #: other modules' files -> their module scope (None while one is being loaded)
        self.loaded: dict[str, Scope | None] = {}
        #: other modules' files -> their parsed code (where their blind spots are)
        self.module_trees: dict[str, cst.Module] = {}
        #: the followed modules that are a library's own code (an overlay says which)
        self.library_files: set[str] = set()
        self.resolved: dict[tuple, object] = {}
        #: (module, importing file) -> the module's file (or None) and where it was not
        self.module_files: dict[tuple, tuple] = {}
        #: where a module was looked for and not found: creating one of them changes the result
        self.absent_files: set[str] = set()
        self.bound_names: set[str] = set()
        self.star_import = False
        self.functions: list[FunctionValue] = []
        self.classes: list[ClassValue] = []
        self.certain = True
        #: the code running now is a function nobody calls, run with defaults it guessed
        self.guessed = False
        self.depth = 0
        self.steps = 0
        #: the step at which the budget is next asked (statements count steps too)
        self.checkpoint = CLOCK_EVERY
        #: what the folds may compute, and the file's budget (kgraphlint.interpret.budget)
        self.budget = budget or Budget()
        #: the statement running now (where the analysis stopped, if it stops)
        self.statement: cst.CSTNode | None = None
        self.module_scope = Scope()
        self.blind_spots: list[BlindSpot] = []
        #: the scopes of the functions running now, innermost last (what forgetting walks)
        self.live_scopes: list[Scope] = [self.module_scope]
        #: the scopes an unknown value's origin was named in (kgraphlint.interpret.overlay)
        self.origin_scopes: dict[int, Scope] = {}
        #: containers and (object, attribute) pairs changed while code that may not run
        #: runs; None while the code surely runs
        self.mutated: list | None = None
        self.overlays = tuple(make(self) for make in overlays)
        #: value type -> the overlay that owns it
        self.owners: dict[type, Overlay] = {}
        for overlay in reversed(self.overlays):
            self.owners.update(dict.fromkeys(overlay.value_types, overlay))
        self.escapes = [o.escape for o in self.overlays if type(o).escape is not Overlay.escape]
        #: library calls replayed from earlier runs, when ``calls`` keeps them
        self.call_memo = call_memo.CallMemo(calls) if calls is not None else None

    # ------------------------------------------------------------------ entry point

    def run(self) -> None:
        """Run the module; OutOfBudget says where it stopped, if it stopped."""
        try:
            self._run()
        except RecursionError as error:
            where = self.statement if self.statement is not None else self.module
            raise OutOfBudget(Limit("the code nests too deeply for kgraphlint to follow", where, STOPPED)) from error

    def _run(self) -> None:
        # The analysed file runs as a script (``if __name__ == "__main__":`` is true); a
        # module it imports runs under its own name.
        self.module_scope.names["__name__"] = "__main__"
        frame = Frame(self.module_scope)
        self.exec_module_body(self.module.body, frame)
        # Builders that are defined but never called still build models when a user calls
        # them: analyse them with their defaults, consuming no Keras auto-names. Those with
        # parameters that have no default go last: another builder may call them with values.
        functions = list(self.functions)
        for function in sorted(functions, key=lambda f: has_required_parameters(f.node)):
            if not function.called:
                self.run_uncalled(function)
        for cls in list(self.classes):
            if not cls.instantiated:
                if cls.owner is not None:
                    # a library-based class (a keras.Model subclass) nobody makes
                    with self.uncalled(takes_arguments(cls.methods.get("__init__"))):
                        cls.owner.uncalled_class(cls)
                else:
                    self.run_uncalled_class(cls)
        # The methods of a library-based class that no instance ran (a Layer's helper that
        # builds a Sequential, a model class nobody makes): analysed once each, ``self``
        # unknown. Those an instance ran are not analysed again without it.
        for cls in list(self.classes):
            if cls.owner is not None:
                for statement in cls.node.body.body:
                    method = cls.methods.get(statement.name.value) if type(statement) is cst.FunctionDef else None
                    if method is not None and method.node is statement and not method.ran:
                        self.run_uncalled(method)
        for overlay in self.overlays:
            overlay.finish()

    def exec_module_body(self, body, frame: Frame) -> None:
        """A module's statements. One that raises would stop a script; the statements after
        it are still the author's code (a notebook runs its next cell), so they still run."""
        for statement in body:
            try:
                self.exec_block((statement,), frame)
            except Raises:
                pass

    def uncalled(self, arguments: bool) -> ExitStack:
        stack = ExitStack()
        stack.callback(setattr, self, "guessed", self.guessed)
        self.guessed = arguments
        for overlay in self.overlays:
            stack.enter_context(overlay.uncalled(arguments))
        return stack

    def run_uncalled(self, function: FunctionValue) -> None:
        with self.uncalled(takes_arguments(function)):
            try:
                self.call_function(function, [], {}, node=function.node, defaults_only=True)
            except (_Break, _Continue):
                pass

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
        path, absent = self.module_files[where]
        self.absent_files.update(map(str, absent))
        if path is None:
            return None
        key = str(path)
        if key in self.loaded:
            return self.loaded[key]
        if self.modules_followed() >= MAX_MODULES or key == self.path:
            return None
        self.loaded[key] = None  # an import cycle meets None and stays unknown
        tree = modules.parsed(path)
        if tree is None:
            return None
        self.module_trees[key] = tree
        if self.in_library or any(o.library_module(module) for o in self.overlays):
            self.library_files.add(key)
        frame = Frame(Scope({"__name__": module.lstrip(".")}))
        saved = self.enter(key, node)
        self.live_scopes.append(frame.scope)
        try:
            self.exec_module_body(tree.body, frame)
        except (_Return, _Break, _Continue):
            pass
        finally:
            self.live_scopes.pop()
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
        followed = not any(o.models_name(ref.dotted) for o in self.overlays)
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
        with self.uncalled(True):
            try:
                self.run_methods_uncalled(cls)
            except (_Break, _Continue):
                pass

    def run_methods_uncalled(self, cls: ClassValue) -> None:
        instance = ObjectValue(cls, dict(cls.attributes))
        init = cls.methods.get("__init__")
        if init is not None:
            self.call_function(init, [instance], {}, node=init.node, defaults_only=True)
        assigned_by = {name: attributes_assigned(method.node) for name, method in cls.methods.items()}
        for name, method in cls.methods.items():
            if name.startswith("__") or method.called or method.node not in cls.node.body.body:
                continue  # an inherited method runs with the class that defines it
            for other, attributes in assigned_by.items():
                if other not in (name, "__init__"):
                    for attribute in attributes:
                        instance.attributes[attribute] = UNKNOWN
            self.call_function(method, [instance], {}, node=method.node, defaults_only=True)

    # ------------------------------------------------------------------ statements

    def exec_block(self, body, frame: Frame) -> None:
        for statement in body:
            self.steps += 1
            self.statement = statement
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
        """The body runs, and any handler may run in place of the rest of it: after the
        statement a name holds what every way through agrees on (not the handler's value
        alone: ``except KeyError: width = 64`` does not make the width 64)."""
        try:
            self.exec_block(statement.body.body, frame)
            raised = False
        except Raises:
            raised = True  # which handler takes it is not known: each may run
        after_body = dict(frame.scope.names)
        outcomes = []
        if not raised:
            if statement.orelse is not None:
                self.exec_block(statement.orelse.body.body, frame)
            outcomes.append(frame.scope.names)
        for handler in statement.handlers:
            frame.scope.names = dict(after_body)
            if handler.name is not None:
                self.assign(handler.name.name, UNKNOWN, frame)
            # a handler that returns (``except ImportError: return None``) leaves the
            # function's result to the body, as before: the environment a plain run has
            if not self.speculate(lambda: self.exec_block(handler.body.body, frame)):
                outcomes.append(frame.scope.names)
        if outcomes:
            frame.scope.names = self.merged(outcomes, statement, fallback=True)
        else:
            frame.scope.names = after_body
        if statement.finalbody is not None:
            self.exec_block(statement.finalbody.body.body, frame)
        if not outcomes:
            self.raise_here()

    def define_class(self, node: cst.ClassDef, frame: Frame) -> object:
        """A plain class becomes a ClassValue, and so does a class built on a library base
        an overlay models (a custom Keras layer); one with other base classes (a class from
        elsewhere) stays unknown."""
        if type(node.body) is not cst.IndentedBlock:
            return UNKNOWN
        bases = [self.eval(arg.value, frame) for arg in node.bases]
        owner = next((o for o in self.overlays if o.class_base(bases, node)), None)
        layer = owner is not None
        # one plain base class (``class BackbonesFactory(ModelsFactory)``): its methods and
        # attributes are inherited, as Python's method resolution order gives them
        plain_base = (bases[0] if not layer and len(bases) == 1 and isinstance(bases[0], ClassValue)
                      and bases[0].owner is None else None)
        if ((node.bases and plain_base is None) or node.keywords or node.decorators) and not layer:
            # Methods of a class built on one kgraphlint cannot see (a subclass of a
            # library class no overlay models, a TestCase) still build and train models:
            # analyse each as a function nobody calls, with ``self`` unknown.
            self.analyse_methods_uncalled(node, frame)
            return UNKNOWN
        inherited = bases[0] if layer and isinstance(bases[0], ClassValue) else plain_base
        body = Frame(Scope({}, frame.scope))
        methods = dict(inherited.methods) if inherited is not None else {}
        properties = dict(inherited.properties) if inherited is not None else {}
        static, class_methods = {}, {}  # an inherited class method is bound to this class
        for name, value in (inherited.static.items() if inherited is not None else ()):
            if type(value) is BoundMethod:
                class_methods[name] = value.function
            else:
                static[name] = value
        for statement in node.body.body:
            if type(statement) is cst.FunctionDef:
                name, function = statement.name.value, FunctionValue(statement, frame.scope, path=self.current_path)
                if statement.decorators and layer:
                    # a property or static method: not needed to run the class, but
                    # analysed as a function nobody calls (from_preset builds models)
                    if not self.in_other_module:
                        self.functions.append(function)
                    continue
                kind = method_kind(statement) if statement.decorators else "method"
                if kind is None:
                    return UNKNOWN  # a decorator kgraphlint does not know: not followed
                if kind == "setter":
                    continue  # a property's setter and deleter are not followed
                for table in (methods, properties, static, class_methods):
                    table.pop(name, None)  # a name the class defines again is its own
                {"method": methods, "property": properties, "staticmethod": static,
                 "classmethod": class_methods}[kind][name] = function
            else:
                self.exec_block((statement,), body)
        attributes = {**(inherited.attributes if inherited is not None else {}), **body.scope.names}
        cls = ClassValue(node, methods, attributes, owner=owner, properties=properties, static=static)
        cls.static.update({name: BoundMethod(function, cls) for name, function in class_methods.items()})
        if not self.in_other_module:
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

    def exec_Del(self, small: cst.Del, frame: Frame) -> None:
        """``del d[key]``, ``del items[i]``, ``del name``: what is deleted is gone; where
        the analysis cannot say what goes, the container is not known any more."""
        targets = small.target.elements if type(small.target) is cst.Tuple else [small.target]
        for target in (t.value if type(t) is cst.Element else t for t in targets):
            if type(target) is cst.Name:
                self.assign(target, UNKNOWN, frame)
            elif type(target) is cst.Subscript:
                container = self.eval(target.value, frame)
                key = self.subscript_key(target, frame)
                if isinstance(container, dict) and key is not _MISSING and is_known(key) and is_plain(key) \
                        and key in container:
                    del container[key]
                    self.mutate(container)
                elif isinstance(container, list) and is_int(key) and -len(container) <= key < len(container):
                    del container[key]
                    self.mutate(container)
                elif type(container) in (list, dict):
                    self.forget([container])
            elif type(target) is cst.Attribute:
                owner = self.eval(target.value, frame)
                if isinstance(owner, ObjectValue):
                    if self.mutated is not None:
                        self.mutated.append((owner, target.attr.value))
                    owner.attributes.pop(target.attr.value, None)

    def exec_Raise(self, small: cst.Raise, frame: Frame) -> None:
        self.raise_here()

    def raise_here(self) -> None:
        """What follows does not run. Except in code nobody calls, run with defaults it
        guessed: a guard that refuses them (``if stage_type not in (...): raise``, with
        ``stage_type=None``) is not what a caller's arguments meet, so the run goes on to
        check the rest. An undecided raise still ends its own branch."""
        if not (self.guessed and self.certain):
            raise Raises()

    def exec_Return(self, small: cst.Return, frame: Frame) -> None:
        raise _Return(None if small.value is None else self.eval(small.value, frame))

    def exec_Break(self, small: cst.Break, frame: Frame) -> None:
        raise _Break()

    def exec_Continue(self, small: cst.Continue, frame: Frame) -> None:
        raise _Continue()

    def exec_Global(self, small: cst.Global | cst.Nonlocal, frame: Frame) -> None:
        kind = "global" if type(small) is cst.Global else "nonlocal"
        for item in small.names:
            self.bound_names.add(item.name.value)
            if frame.scope.parent is not None:  # at module level, global changes nothing
                frame.declared[item.name.value] = kind

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
            if not self.in_other_module:
                for overlay in self.overlays:
                    overlay.imported(dotted, ("",), node, alias.name)
            if alias.asname is not None:
                self.bind_name(alias.asname.name.value, ModuleRef(dotted, self.current_path), frame)
            else:
                root = dotted.split(".", 1)[0]
                self.bind_name(root, ModuleRef(root, self.current_path), frame)

    def exec_ImportFrom(self, node: cst.ImportFrom, frame: Frame) -> None:
        module = dotted_name(node.module) if node.module is not None else None
        relative = bool(node.relative)
        if type(node.names) is cst.ImportStar:
            self.import_star(module if not relative else None, node, frame)
            return
        names = tuple(alias.name.value for alias in node.names if type(alias.name) is cst.Name)
        if module is not None and not relative and not self.in_other_module:
            for overlay in self.overlays:
                overlay.imported(module, names, node, node.module)
        prefix = "." * len(node.relative) + (module or "")
        for alias in node.names:
            local = alias.asname.name.value if alias.asname is not None else dotted_name(alias.name)
            if local is None:
                continue
            dotted = f"{prefix}.{dotted_name(alias.name)}" if module is not None else f"{prefix}{dotted_name(alias.name)}"
            self.bind_name(local, ModuleRef(dotted, self.current_path), frame)

    def import_star(self, module: str | None, node: cst.ImportFrom, frame: Frame) -> None:
        """``from module import *`` binds the module's public names where an overlay knows
        them; otherwise any name may now be defined."""
        names = None
        if module is not None:
            if not self.in_other_module:
                for overlay in self.overlays:
                    overlay.imported(module, ("*",), node, node.module)
            names = next((found for overlay in self.overlays
                          if (found := overlay.module_names(module)) is not None), None)
        if names is None:
            self.star_import = True
            return
        for name in sorted(names):
            self.bind_name(name, ModuleRef(f"{module}.{name}", self.current_path), frame)

    def exec_If(self, node: cst.If, frame: Frame) -> None:
        test = self.truth(self.eval(node.test, frame))
        orelse = node.orelse
        if test is not None and (test is False or type(orelse) in (cst.If, cst.Else)):
            self.skipped_branch()
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
        made_before = self.made()
        results = []
        for branch in branches:
            frame.scope.names = dict(before.names)
            if not self.speculate(branch, frame):  # code after the if runs only if it did not raise
                results.append(frame.scope.names)
        if not results:  # every branch raises
            frame.scope.names = dict(before.names)
            self.undecided_made(made_before, node.test)
            self.raise_here()
            return
        frame.scope.names = self.merged(results, node)
        self.undecided_made(made_before, node.test)

    def merged(self, outcomes: list[dict], node: cst.CSTNode, fallback: bool = False) -> dict:
        """The names after code that may have gone one of several ways (each outcome: the
        names one way leaves): a name keeps a value all agree on, else their join.
        ``fallback``: ways through a try statement, where a module the handler imports
        (``except ImportError: import keras``) is the one a working environment binds."""
        merged = {}
        for name in set().union(*outcomes):
            values = [r.get(name, _MISSING) for r in outcomes]
            if all(v is values[0] for v in values):
                merged[name] = values[0]
            elif fallback and type(values[-1]) is ModuleRef:
                merged[name] = values[-1]
            else:
                merged[name] = self.join([v for v in values if v is not _MISSING], node, loop=False)
        return {k: v for k, v in merged.items() if v is not _MISSING}

    def undecided_made(self, made_before: int, test: cst.CSTNode) -> None:
        """Undecided code (its ``test`` not known) that made something is a blind spot."""
        if self.made() > made_before:
            self.lose_track("undecided branch", test)
            for overlay in self.overlays:
                overlay.undecided()

    def made(self) -> int:
        """How much the overlays have recorded so far."""
        return sum(overlay.recorded() for overlay in self.overlays)

    def speculate(self, action, frame: Frame | None = None) -> bool:
        """Run code that may or may not execute; calls it makes are not certain, and what
        it changes in place (a list it appends to, an attribute it sets) is unknown after.
        True when it raised."""
        saved, saved_mutated = self.certain, self.mutated
        self.certain, self.mutated = False, []
        try:
            action()
        except _Return:
            if frame is not None:
                frame.maybe_returned = True
        except (_Break, _Continue):
            pass
        except Raises:
            return True
        finally:
            mutated, self.certain, self.mutated = self.mutated, saved, saved_mutated
            self.forget_mutations(mutated)
        return False

    def mutate(self, container: object) -> None:
        """``container`` (a list, a dict, or an (object, attribute) pair) changes in place."""
        if self.mutated is not None:
            self.mutated.append(container)

    def forget_mutations(self, mutated: list) -> None:
        containers = []
        for item in mutated:
            if type(item) is tuple:  # (object, attribute): the attribute may or may not be set
                owner, attribute = item
                owner.attributes[attribute] = UNKNOWN
            else:
                containers.append(item)
        if containers:
            self.forget(containers)

    def forget(self, containers: list) -> None:
        """Changes to these lists or dicts were not followed exactly: every reference to
        them that running code can reach becomes UNKNOWN (their length and items are not
        known any more), and what they hold goes where the analysis lost track."""
        self.escape(containers)
        gone = {id(c) for c in containers}
        seen: set[int] = set()

        def clean(value: object, depth: int) -> object:
            if id(value) in gone:
                return UNKNOWN
            kind = type(value)
            if depth > 6 or kind not in (list, tuple, dict, ObjectValue) or id(value) in seen:
                return value
            seen.add(id(value))
            if kind is list:
                value[:] = [clean(v, depth + 1) for v in value]
            elif kind is dict:
                for key, item in value.items():
                    value[key] = clean(item, depth + 1)
            elif kind is tuple:
                cleaned = tuple(clean(v, depth + 1) for v in value)
                return value if all(a is b for a, b in zip(cleaned, value)) else cleaned
            else:
                for key, item in value.attributes.items():
                    value.attributes[key] = clean(item, depth + 1)
            return value

        scopes = [*self.live_scopes, *(s for s in self.loaded.values() if s is not None)]
        for scope in scopes:
            while scope is not None and id(scope) not in seen:
                seen.add(id(scope))
                for name, value in scope.names.items():
                    scope.names[name] = clean(value, 0)
                scope = scope.parent

    def join(self, values: list, node: cst.CSTNode, loop: bool) -> object:
        """One of several values, as undecided code leaves a name (``loop``: the value of
        a loop that ran an unknown number of times). An overlay may say what all of them
        have in common (a tensor of the shape every branch gives); else UNKNOWN."""
        if len(values) == 1 and not loop:
            return values[0]
        owner = self.owners.get(type(values[0])) if values else None
        if owner is not None and all(type(v) in owner.value_types for v in values):
            result = owner.join(values, node, loop)
            if result is not NotImplemented:
                return result
        return UNKNOWN

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
        made_before = self.made()
        self.speculate(lambda: self.exec_block(body, frame), frame)
        if self.made() > made_before:
            for overlay in self.overlays:
                overlay.undecided()
        for name, value in list(frame.scope.names.items()):
            previous = before.get(name, _MISSING)
            if previous is not value:
                frame.scope.names[name] = self.join([value] if previous is _MISSING else [previous, value],
                                                    body[0] if body else None, loop=True)

    def iterate(self, value: object) -> list | None:
        if isinstance(value, range) and len(value) <= MAX_LOOP_ITERATIONS:
            return list(value)
        if isinstance(value, (tuple, list)) and len(value) <= MAX_LOOP_ITERATIONS:
            return list(value)
        if isinstance(value, (dict, str)) and len(value) <= MAX_LOOP_ITERATIONS:
            return list(value)
        if isinstance(value, ITERATORS):
            items = list(itertools.islice(value, MAX_LOOP_ITERATIONS + 1))  # zip(range(10**9), ...) is long
            return items if len(items) <= MAX_LOOP_ITERATIONS else None
        owner = self.owners.get(type(value))
        return owner.iterate(value) if owner is not None else None

    def truth(self, value: object) -> bool | None:
        if value is True or value is False:
            return value
        owner = self.owners.get(type(value))
        if owner is not None:
            return owner.truth(value)
        if value is UNKNOWN or isinstance(value, MACHINE_VALUES):
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
        scope = frame.scope
        if name in frame.declared:
            scope = declared_scope(scope, name, frame.declared[name])
            if not self.certain and scope.names.get(name, _MISSING) is not value:
                value = UNKNOWN  # code that may not run may or may not have set it
        scope.names[name] = value
        owner = self.owners.get(type(value))
        if owner is not None:
            owner.named(name, value)

    def assign(self, target: cst.CSTNode, value: object, frame: Frame) -> None:
        if type(target) is cst.Name:
            owner = self.owners.get(type(value))
            if owner is not None and not self.in_other_module:
                owner.assigned(target, value)
            self.bind_name(target.value, value, frame)
        elif type(target) in (cst.Tuple, cst.List):
            elements = [e.value for e in target.elements]
            items = self.iterate(value) if not isinstance(value, dict) else None
            owner = self.owners.get(type(value)) if items is None else None
            if owner is not None and not any(type(e) is cst.StarredElement for e in target.elements):
                items = owner.unpack(value, len(elements), target)
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
                    self.mutate(container)
                except TypeError:
                    self.forget([container])
            elif isinstance(container, list) and is_int(key) and -len(container) <= key < len(container):
                container[key] = value
                self.mutate(container)
            else:
                self.escape(value)
                if type(container) in (list, dict):
                    self.forget([container])  # an item was set where the analysis cannot say
        elif type(target) is cst.Attribute:
            owner = self.eval(target.value, frame)
            overlay = self.owners.get(type(owner))
            if isinstance(owner, ObjectValue):
                if self.mutated is not None:
                    self.mutated.append((owner, target.attr.value))
                owner.attributes[target.attr.value] = value
            elif overlay is None or not overlay.set_attribute(owner, target.attr.value, value):
                self.escape(value)
        else:
            self.escape(value)

    def escape(self, value: object) -> None:
        """A value goes where the interpreter cannot follow it."""
        if type(value) is ArgumentParserValue:
            value.exact = False  # what it is given there is not known
        for escape in self.escapes:
            escape(value)

    # ------------------------------------------------------------------ expressions

    def eval(self, node: cst.CSTNode, frame: Frame) -> object:
        self.steps += 1
        if self.steps >= self.checkpoint:
            self.checkpoint = self.steps + CLOCK_EVERY
            self.budget.step(self.steps, self.site(node))
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
            if not self.budget.allows_format(value, spec, self.site(part)):
                return UNKNOWN
            if part.conversion is not None:
                value = {"r": repr, "s": str, "a": ascii}[part.conversion](value)
            try:
                pieces.append(format(value, spec))
            except (ValueError, TypeError):
                return UNKNOWN
        return self.budget.charge("".join(pieces), parts[0] if parts else None)

    def eval_Name(self, node: cst.Name, frame: Frame) -> object:
        name = node.value
        if name in NAMED_CONSTANTS:
            return NAMED_CONSTANTS[name]
        value = frame.scope.lookup(name)
        if value is _MISSING:
            if name in PURE_BUILTINS:
                return PURE_BUILTINS[name]
            if not self.in_other_module and not self.star_import and name not in self.bound_names:
                for overlay in self.overlays:
                    supplied = overlay.free_name(name, node)
                    if supplied is not NotImplemented:
                        return supplied
            return UNKNOWN
        if isinstance(value, ModuleRef) and value.origin is not None:
            return self.module_value(value, node)
        return value

    def eval_Attribute(self, node: cst.Attribute, frame: Frame) -> object:
        return self.attribute(self.eval(node.value, frame), node)

    def attribute(self, base: object, node: cst.Attribute, called: bool = False) -> object:
        """``base.attr`` for an already evaluated base (a call's receiver is evaluated once);
        ``called``: the attribute is called right away (``base.attr(...)``)."""
        attr = node.attr.value
        if isinstance(base, ModuleRef):
            reference = ModuleRef(f"{base.dotted}.{attr}", base.origin)
            return self.module_value(reference, node) if base.origin is not None else reference
        if isinstance(base, ObjectValue):
            return self.object_attribute(base, attr, node)
        if base is UNKNOWN:
            return self.unknown_attribute(attr, node, called)
        if type(base) is NamedTuple and attr in base.kind.fields:
            return base.field(attr)
        if type(base) is ClassValue and base.owner is None:  # ``Factory.attribute``, ``Factory.method``
            for table in (base.attributes, base.static, base.methods):
                if attr in table:
                    return table[attr]
            return UNKNOWN
        owner = self.owners.get(type(base))
        value = owner.attribute(base, attr, node) if owner is not None else NotImplemented
        return UNKNOWN if value is NotImplemented else value

    def object_attribute(self, base: ObjectValue, attr: str, node: cst.CSTNode, absent: object = UNKNOWN) -> object:
        """An instance's attribute: ``absent`` where a plain class's instance has none (Python
        raises AttributeError), UNKNOWN where the library base class may have it."""
        if attr in base.attributes:
            return base.attributes[attr]
        method = base.cls.methods.get(attr)
        if method is not None:
            return BoundMethod(method, base)
        if attr in base.cls.properties:
            return self.call_function(base.cls.properties[attr], [base], {}, node=node)
        if attr in base.cls.static:
            return base.cls.static[attr]
        owner = base.cls.owner
        if owner is None:
            return absent
        value = owner.object_attribute(base, attr)
        return UNKNOWN if value is NotImplemented else value

    def getattr_of_object(self, function, args: list, node: cst.CSTNode) -> object:
        """``getattr(obj, "name"[, default])`` and ``hasattr(obj, "name")`` of an instance."""
        value = self.object_attribute(args[0], args[1], node, absent=_MISSING)
        if function is hasattr:
            return UNKNOWN if value is UNKNOWN else value is not _MISSING
        if value is _MISSING:
            return args[2] if len(args) == 3 else UNKNOWN  # AttributeError without a default
        return value

    def unknown_attribute(self, attr: str, node: cst.Attribute, called: bool) -> object:
        what = dotted_name(node.value)
        if what is None:
            return UNKNOWN
        scope = self.live_scopes[-1]
        self.origin_scopes[id(scope)] = scope  # kept alive: its id names the origin
        origin = (id(scope), what)
        for overlay in self.overlays:
            value = overlay.unknown_attribute(attr, origin, node, called)
            if value is not NotImplemented:
                return value
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

    def eval_DictComp(self, node: cst.DictComp, frame: Frame) -> object:
        pairs = self.comprehension(node, frame, lambda inner: (self.eval(node.key, inner), self.eval(node.value, inner)))
        if pairs is UNKNOWN or not all(is_known(key) and is_plain(key) and not isinstance(key, (list, dict))
                                       for key, _ in pairs):
            if pairs is not UNKNOWN:
                self.escape([value for _, value in pairs])
            return UNKNOWN
        return dict(pairs)

    def comprehension(self, node, frame: Frame, element: Callable[[Frame], object] | None = None) -> object:
        """The list a comprehension makes, each element by ``element`` (default: ``node.elt``)."""
        clause = node.for_in
        if clause.inner_for_in is not None or clause.asynchronous is not None:
            return UNKNOWN
        items = self.iterate(self.eval(clause.iter, frame))
        inner = Frame(Scope({}, frame.scope))
        if items is None:
            # run once, as a loop of unknown length is (what it computes is still seen, and
            # goes where the analysis loses track: into a list of unknown length)
            self.assign(clause.target, UNKNOWN, inner)
            self.speculate(lambda: self.escape(self.eval(node.elt, inner) if element is None else element(inner)))
            return UNKNOWN
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
                result.append(self.eval(node.elt, inner) if element is None else element(inner))
        return result

    def eval_BinaryOperation(self, node: cst.BinaryOperation, frame: Frame) -> object:
        left, right = self.eval(node.left, frame), self.eval(node.right, frame)
        return self.binary(type(node.operator), left, right, node)

    def binary(self, op_type: type | None, left: object, right: object, node: cst.CSTNode) -> object:
        owners = self.owners
        if type(left) in owners or type(right) in owners:
            for overlay in self.overlays:  # the first overlay that owns either operand
                if isinstance(left, overlay.value_types) or isinstance(right, overlay.value_types):
                    result = overlay.binary(op_type, left, right, node)
                    if result is not NotImplemented:
                        return result
                    break
        if not self.budget.allows_binary(op_type, left, right, self.site(node)):
            self.escape(left)
            self.escape(right)
            return UNKNOWN
        if type(left) is type(right) and type(left) in (list, tuple) and op_type is cst.Add:
            return self.budget.charge(left + right, node)  # lists of anything (tensors, layers) concatenate
        if type(left) in (list, tuple) and is_int(right) and op_type is cst.Multiply:
            return self.budget.charge(left * right, node)
        function = BINARY_OPERATORS.get(op_type)
        if function is None or not is_plain(left) or not is_plain(right):
            self.escape(left)
            self.escape(right)
            return UNKNOWN
        try:
            result = function(left, right)
        except Exception:
            return UNKNOWN
        if isinstance(result, (tuple, list, str)) and len(result) > MAX_LENGTH:
            return UNKNOWN
        return self.budget.charge(result, node)

    def eval_UnaryOperation(self, node: cst.UnaryOperation, frame: Frame) -> object:
        value = self.eval(node.expression, frame)
        if type(node.operator) is cst.Not:
            verdict = self.truth(value)
            return UNKNOWN if verdict is None else not verdict
        owner = self.owners.get(type(value))
        if owner is not None:
            result = owner.unary(type(node.operator), value, node)
            if result is not NotImplemented:
                return result
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
            if op in (cst.In, cst.NotIn) and type(right) is NoArguments and len(node.comparisons) == 1:
                return op is cst.NotIn  # what a plain call passes: nothing
            if op in (cst.Is, cst.IsNot) and left is not UNKNOWN and right is not UNKNOWN \
                    and (right is None or left is None or not (is_plain(left) and is_plain(right))):
                ok = (left is right) == (op is cst.Is)  # identity of any two known objects
                if not ok:
                    return False
                left = right
                continue
            if len(node.comparisons) == 1 and (type(left) in self.owners or type(right) in self.owners) \
                    and op not in (cst.In, cst.NotIn):
                return self.binary(op, left, right, node)  # x > 0 on tensors is an operation
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
        if verdict is not None:
            self.skipped_branch()
            return self.eval(node.body if verdict else node.orelse, frame)
        # Undecidable: each arm is code that may or may not run, and the value is one of
        # theirs (a tensor from either arm keeps the model a model, as after an ``if``).
        made_before = self.made()
        values: list = []
        for arm in (node.body, node.orelse):
            self.speculate(lambda arm=arm: values.append(self.eval(arm, frame)))
        self.undecided_made(made_before, node.test)
        return self.join(values, node, loop=False) if len(values) == 2 else UNKNOWN

    def skipped_branch(self) -> None:
        for overlay in self.overlays:
            overlay.skipped_branch()

    def eval_Subscript(self, node: cst.Subscript, frame: Frame) -> object:
        container = self.eval(node.value, frame)
        owner = self.owners.get(type(container))
        if owner is not None:
            result = owner.subscript(container, self.index_keys(node, frame), node)
            return UNKNOWN if result is NotImplemented else result
        key = self.subscript_key(node, frame)
        if key is _MISSING or not is_known(key) or not isinstance(container, (tuple, list, dict, str)):
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

    def index_keys(self, node: cst.Subscript, frame: Frame) -> list | None:
        """The index of ``x[...]``: slices of ints, Ellipsis, and each other index's value;
        None when a slice bound is not an int."""
        keys: list = []
        for element in node.slice:
            index = element.slice
            if type(index) is cst.Slice:
                parts = [None if p is None else self.eval(p, frame) for p in (index.lower, index.upper, index.step)]
                if not all(p is None or is_int(p) for p in parts):
                    return None
                keys.append(slice(*parts))
            elif type(index.value) is cst.Ellipsis:
                keys.append(Ellipsis)
            else:
                keys.append(self.eval(index.value, frame))
        return keys

    def eval_Lambda(self, node: cst.Lambda, frame: Frame) -> object:
        return UNKNOWN

    # ------------------------------------------------------------------ calls

    def eval_Call(self, node: cst.Call, frame: Frame) -> object:
        func = node.func
        if type(func) is cst.Attribute and is_super_call(func.value):
            args, kwargs, partial, arg_nodes = self.arguments(node, frame)
            return self.call_super(func.attr.value, args, kwargs, bool(partial), node, arg_nodes, frame)
        if type(func) is cst.Attribute:
            receiver = self.eval(func.value, frame)
            method = func.attr.value
            if isinstance(receiver, str):
                args, kwargs, partial, arg_nodes = self.arguments(node, frame)
                if not self.budget.allows_string_method(receiver, method, args, kwargs, self.site(node)):
                    return UNKNOWN
                return self.budget.charge(string_method(receiver, method, args, kwargs, bool(partial)), node)
            if isinstance(receiver, (list, dict)):
                args, kwargs, partial, arg_nodes = self.arguments(node, frame)
                return self.call_method(receiver, method, args, kwargs, node)
            if type(receiver) is NoArguments:
                args, kwargs, partial, arg_nodes = self.arguments(node, frame)
                if receiver.star == "**" and method in ("get", "pop") and 1 <= len(args) <= 2 and not kwargs:
                    return args[1] if len(args) == 2 else None if method == "get" else UNKNOWN
                return UNKNOWN
            if type(receiver) is ArgumentParserValue:
                args, kwargs, partial, arg_nodes = self.arguments(node, frame)
                return call_parser(receiver, method, args, kwargs, bool(partial), self.certain)
            owner = self.owners.get(type(receiver))
            if owner is not None and owner.handles_method(receiver, method):
                args, kwargs, partial, arg_nodes = self.arguments(node, frame)
                result = owner.call_method(receiver, method, args, kwargs, bool(partial), node, arg_nodes)
                return UNKNOWN if result is NotImplemented else result
            callee = self.attribute(receiver, func, called=True)
        else:
            callee = self.eval(func, frame)
        args, kwargs, partial, arg_nodes = self.arguments(node, frame)
        return self.call_value(callee, args, kwargs, partial, node, arg_nodes)

    def arguments(self, node: cst.Call, frame: Frame) -> tuple[list, dict, bool | NoArguments, dict]:
        """Positional values, keyword values, whether *args/**kwargs hid some (a
        ``NoArguments``: only those of a function run with its defaults, which hide nothing
        in that plain run), and the expression node of each argument (keys: positional
        index or keyword)."""
        args: list = []
        kwargs: dict = {}
        partial = False
        arg_nodes: dict = {}
        for arg in node.args:
            value = self.eval(arg.value, frame)
            if arg.star == "*":
                items = self.iterate(value)
                if type(value) is NoArguments:
                    partial = partial or value
                elif items is None:
                    partial = True
                    self.escape(value)
                else:
                    args.extend(items)
            elif arg.star == "**":
                if type(value) is NoArguments:
                    partial = partial or value
                elif isinstance(value, dict) and all(isinstance(k, str) for k in value):
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

    def call_value(self, callee: object, args: list, kwargs: dict, partial: bool | NoArguments,
                   node: cst.Call, arg_nodes: dict) -> object:
        kind = type(callee)
        # Spread *args/**kwargs that a plain run does not pass: a Python function run on
        # them gets none in turn; to anything else they are arguments not known.
        passed_on, partial = partial, bool(partial)
        if kind is ModuleRef:
            for overlay in self.overlays:
                result = overlay.call_name(callee.dotted, args, kwargs, partial, node, arg_nodes)
                if result is not NotImplemented:
                    return result
            if callee.dotted in PURE_MODULE_FUNCTIONS:
                return self.pure(PURE_MODULE_FUNCTIONS[callee.dotted], args, kwargs, partial, node)
            if callee.dotted == PARSER_CLASS:
                return new_parser(kwargs, partial)
            if callee.dotted == "collections.namedtuple":
                return named_tuple_class(args, kwargs, partial)
        elif kind is FunctionValue or kind is BoundMethod:
            marks = [overlay.recorded() for overlay in self.overlays]
            if kind is FunctionValue:
                result = self.call_function(callee, args, kwargs, node=node, partial=passed_on)
            else:
                result = self.call_function(callee.function, [callee.receiver, *args], kwargs, node=node,
                                            partial=passed_on)
            return self.lost_result(callee, args, kwargs, node, marks) if result is UNKNOWN else result
        elif kind is ClassValue:
            return self.instantiate(callee, args, kwargs, passed_on, node)
        elif kind in self.owners:
            result = self.owners[kind].call(callee, args, kwargs, partial, node, arg_nodes)
            if result is not NotImplemented:
                return result
        elif kind is NamedTupleClass:
            made = callee.make(args, kwargs) if not partial else None
            return UNKNOWN if made is None else made
        elif (callee is getattr or callee is hasattr) and 2 <= len(args) <= 3 and not kwargs and not partial \
                and isinstance(args[0], ObjectValue) and isinstance(args[1], str):
            return self.getattr_of_object(callee, args, node)
        elif callable(callee) and callee in PURE_BUILTINS.values():
            owner = next((self.owners[type(a)] for a in args if type(a) in self.owners), None)
            result = owner.call_builtin(callee, args) if owner is not None else NotImplemented
            return self.pure(callee, args, kwargs, partial, node) if result is NotImplemented else result
        mutable = [v for v in [*args, *kwargs.values()] if type(v) in (list, dict)]
        if mutable:
            self.forget(mutable)  # a function nothing models may change what it is given
        for overlay in self.overlays:
            result = overlay.opaque_call(callee, args, kwargs, node)
            if result is not NotImplemented:
                return result
        for value in list(args) + list(kwargs.values()):
            self.escape(value)
        return UNKNOWN

    def lost_result(self, callee: object, args: list, kwargs: dict, node: cst.Call, marks: list[int]) -> object:
        """What a followed function returned when the machine lost track of it inside: an
        overlay may still tie it to the arguments (the model it is part of stays a model)."""
        for overlay, mark in zip(self.overlays, marks):
            result = overlay.lost_result(callee, args, kwargs, node, mark)
            if result is not NotImplemented:
                return result
        return UNKNOWN

    def instantiate(self, cls: ClassValue, args: list, kwargs: dict, partial: bool | NoArguments,
                    node: cst.Call) -> object:
        if cls.owner is not None:
            result = cls.owner.instantiate(cls, args, kwargs, bool(partial), node)
            if result is not NotImplemented:
                return result
        cls.instantiated = True
        instance = ObjectValue(cls, dict(cls.attributes))
        init = cls.methods.get("__init__")
        if init is not None:
            self.call_function(init, [instance, *args], kwargs, node=node, partial=partial)
        return instance

    def call_function(self, function: FunctionValue, args: list, kwargs: dict, node: cst.CSTNode,
                      partial: bool | NoArguments = False, defaults_only: bool = False) -> object:
        if not defaults_only:
            function.called = True
        function.ran = True
        if self.depth >= MAX_CALL_DEPTH:
            # Deep recursion in a helper of plain values costs nothing worth telling.
            if any(type(v) in self.owners for value in [*args, *kwargs.values()] for v in (value, *(
                    value if isinstance(value, (list, tuple)) else ()))):
                self.lose_track("call depth limit", node)
            for value in list(args) + list(kwargs.values()):
                self.escape(value)
            return UNKNOWN
        if not self.in_other_module and function.path in self.library_files and not defaults_only:
            tree = self.module_trees.get(function.path)
            top_level = tree is not None and function.node in tree.body
            for overlay in self.overlays:
                overlay.library_called(function, top_level, args, kwargs, bool(partial), node)
            pending = self.call_memo.key(self, function, top_level, args, kwargs, bool(partial)) \
                if self.call_memo is not None else None
            if pending is not None:
                return self.replayed_call(pending, function, args, kwargs, node, partial)
        return self.run_function(function, args, kwargs, node, partial, defaults_only)

    def replayed_call(self, pending: call_memo.Pending, function: FunctionValue, args: list, kwargs: dict,
                      node: cst.CSTNode, partial: bool | NoArguments) -> object:
        """A library call replayed as an earlier run kept it, or run and kept for later runs
        (kgraphlint.interpret.call_memo)."""
        found = self.call_memo.replay(self, pending, node)
        if found is not call_memo.MISS:
            return found
        mark = self.call_memo.mark(self, pending)
        result = self.run_function(function, args, kwargs, node, partial, False)
        self.call_memo.keep(self, pending, mark, args, kwargs, result, node)
        return result

    def replay_fits(self, steps: int, built: int) -> bool:
        """Taking ``steps`` more steps and building ``built`` more items keeps the file
        within its budget."""
        return self.steps + steps <= MAX_STEPS and self.budget.built + built <= MAX_BUILT

    def modules_followed(self) -> int:
        """How many other modules the analysis has read, replayed calls' included."""
        replayed = self.call_memo.loaded if self.call_memo is not None else {}
        return len(self.loaded) + sum(path not in self.loaded for path in replayed)

    def modules_read(self) -> list[str]:
        """The files of the other modules the analysis read (what its result depends on)."""
        replayed = self.call_memo.loaded if self.call_memo is not None else {}
        return [*self.loaded, *(path for path in replayed if path not in self.loaded)]

    def run_function(self, function: FunctionValue, args: list, kwargs: dict, node: cst.CSTNode,
                     partial: bool | NoArguments, defaults_only: bool) -> object:
        scope = Scope({}, function.scope)
        frame = Frame(scope)
        saved = self.enter(function.path, node)
        try:
            self.bind_parameters(function.node.params, args, kwargs, partial, frame, defaults_only)
        except BaseException:
            self.leave(saved)
            raise
        self.depth += 1
        self.live_scopes.append(scope)
        try:
            if type(function.node.body) is cst.IndentedBlock:
                self.exec_block(function.node.body.body, frame)
            else:  # def f(x): return x
                self.exec_SimpleStatementLine(function.node.body, frame)
        except _Return as returned:
            return UNKNOWN if frame.maybe_returned else returned.value
        except (_Break, _Continue, Raises):
            return UNKNOWN  # a call that raises: the caller goes on with a value not known
        finally:
            self.live_scopes.pop()
            self.depth -= 1
            self.leave(saved)
        return UNKNOWN if frame.maybe_returned else None

    def bind_parameters(self, params: cst.Parameters, args: list, kwargs: dict, partial: bool | NoArguments,
                        frame: Frame, defaults_only: bool) -> None:
        passes_nothing = defaults_only or type(partial) is NoArguments
        partial = partial is True
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
            given = tuple(args[len(positional):])
            extra = UNKNOWN if partial else NoArguments("*") if passes_nothing and not given else given
            self.bind_name(params.star_arg.name.value, extra, frame)
        if params.star_kwarg is not None:
            rest = UNKNOWN if partial else NoArguments("**") if passes_nothing and not remaining else remaining
            self.bind_name(params.star_kwarg.name.value, rest, frame)

    def call_super(self, method: str, args: list, kwargs: dict, partial: bool, node: cst.Call, arg_nodes: dict,
                   frame: Frame) -> object:
        """``super().method(...)``: what the library base class does, for an overlay's class."""
        receiver = frame.scope.lookup("self")
        if isinstance(receiver, ObjectValue) and receiver.cls.owner is not None:
            result = receiver.cls.owner.call_super(receiver, method, args, kwargs, partial, node, arg_nodes)
            if result is not NotImplemented:
                return result
        return UNKNOWN

    def pure(self, function, args: list, kwargs: dict, partial: bool, node: cst.CSTNode) -> object:
        """A pure builtin or standard-library function, within the budget."""
        if not self.budget.allows_call(function, args, self.site(node)):
            return UNKNOWN
        counted = structural_call(function, args, kwargs, partial)
        if counted is not NotImplemented:
            return self.budget.charge(counted, node)
        return self.budget.charge(pure_call(function, args, kwargs, partial), node)

    def call_method(self, receiver: list | dict, method: str, args: list, kwargs: dict, node: cst.CSTNode) -> object:
        """The methods of lists and dicts that build them (``layers.append(x)``)."""
        if isinstance(receiver, list):
            if method == "append" and len(args) == 1:
                receiver.append(args[0])
                self.mutate(receiver)
                return None
            if method == "extend" and len(args) == 1 and self.iterate(args[0]) is not None and (
                    self.budget.allows_binary(cst.Add, receiver, self.iterate(args[0]), self.site(node))):
                receiver.extend(self.iterate(args[0]))
                self.mutate(receiver)
                return None
            if method == "pop" and receiver and not args:
                self.mutate(receiver)
                return receiver.pop()
            if method == "insert" and len(args) == 2 and is_int(args[0]):
                receiver.insert(*args)
                self.mutate(receiver)
                return None
            if method == "copy" and not args:
                return list(receiver)
        elif isinstance(receiver, dict):
            if method in ("get", "pop", "setdefault") and args and is_known(args[0]) and not kwargs:
                if method == "pop" and len(args) == 1 and args[0] not in receiver:
                    return UNKNOWN  # raises KeyError: not followed
                if method != "get":
                    self.mutate(receiver)
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
                self.mutate(receiver)
                return None
        if method not in READ_ONLY_METHODS:
            self.forget([receiver])  # sort, remove, clear...: changed in a way not followed
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
SMALL_STATEMENTS = _handlers("exec_", ("Expr", "Assign", "AnnAssign", "AugAssign", "Del", "Import", "ImportFrom",
                                       "Return", "Raise", "Break", "Continue", "Global", "Nonlocal"))


# ---------------------------------------------------------------------- helpers


#: the decorators of a plain class's methods that are followed
METHOD_DECORATORS = frozenset({"property", "staticmethod", "classmethod"})


def method_kind(function: cst.FunctionDef) -> str | None:
    """``property``, ``staticmethod`` or ``classmethod`` for a method so decorated, "setter"
    for a property's setter or deleter (``@name.setter``), None for any other decorator."""
    if len(function.decorators) != 1:
        return None
    decorator = function.decorators[0].decorator
    if type(decorator) is cst.Name and decorator.value in METHOD_DECORATORS:
        return decorator.value
    if type(decorator) is cst.Attribute and decorator.attr.value in ("setter", "deleter"):
        return "setter"
    return None


def is_super_call(node: cst.CSTNode) -> bool:
    """``super()``"""
    return (type(node) is cst.Call and type(node.func) is cst.Name and node.func.value == "super"
            and not node.args)


def declared_scope(scope: Scope, name: str, kind: str) -> Scope:
    """Where ``global name`` (the module's scope) or ``nonlocal name`` (the nearest
    enclosing function's scope that has it) binds it."""
    outer = scope.parent
    while outer is not None and outer.parent is not None:
        if kind == "nonlocal" and name in outer.names:
            return outer
        outer = outer.parent
    return outer if outer is not None else scope


def takes_arguments(function: FunctionValue | None) -> bool:
    """Parameters besides a method's self: what a caller gives may differ from the defaults."""
    if function is None:
        return False
    params = function.node.params
    positional = [*params.posonly_params, *params.params]
    if positional and positional[0].name.value in ("self", "cls"):
        positional = positional[1:]
    return bool(positional or params.kwonly_params or type(params.star_arg) is cst.Param or params.star_kwarg)


def has_required_parameters(function: cst.FunctionDef) -> bool:
    """Parameters without a default, besides a method's self."""
    params = function.params
    positional = [*params.posonly_params, *params.params]
    if positional and positional[0].name.value in ("self", "cls"):
        positional = positional[1:]
    return any(p.default is None for p in [*positional, *params.kwonly_params])


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
