"""Model construction sites in Python source, found by a plain ``ast`` scan that shares
nothing with kgraphlint (the denominator of the corpus benchmark's coverage).

A *site* is a call expression at which a Keras model comes into being. Four kinds:

- ``constructor``: a call whose callee is a name or attribute chain ending in ``Model``,
  ``Sequential`` or ``Functional`` (``keras.Model(...)``, ``tf.keras.models.Sequential(...)``,
  ``models.Model(...)`` with ``models`` injected at run time, a bare ``Model(...)``), unless
  the chain starts at ``self``/``cls`` or at a name imported from a package other than
  keras, tf_keras and tensorflow (``openvino.Model``).
- ``super-init``: inside a class that is a Model subclass, ``super().__init__(...)``,
  ``super(C, self).__init__(...)`` or ``Base.__init__(self, ...)`` given ``inputs=`` and
  ``outputs=`` (or the two as positional arguments): the functional graph every keras-hub
  backbone builds in its ``__init__``.
- ``subclass``: a call of a class that is a Model subclass (``BertBackbone(...)``,
  ``MyModel()``), outside that class's own body.
- ``builder``: a call of a function imported from another module that builds a model
  (``keras.applications.ResNet50(...)``, ``sm.Unet(...)``, ``tcn.compiled_tcn(...)``). A
  builder is a module-level function that returns a site's call, or a name it assigned
  from one (``model = Model(...)`` ... ``return model``). A builder called in its own file
  is not a site there: the site inside it already is.

Model subclasses and builders are known by name over every file scanned together, and the
rest of their packages (a class is a Model subclass when one of its bases' last names is
Model, Functional, Sequential or a known Model subclass; a class the file itself defines is
known by that definition), so a user program calling ``keras_hub.models.BertBackbone`` counts
when keras-hub's source is scanned with it. A site spans its call's first to last line:
kgraphlint is said to extract it when its summary lists a model of that file at one of
those lines (the line convention of ``kgraphlint summary``: the innermost line of the file
checked at which the model is made).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MODEL_CLASSES = frozenset({"Model", "Sequential", "Functional"})
LAYER_CLASSES = frozenset({"Layer"})
#: the packages whose Model, Sequential and Functional are Keras models
KERAS_PACKAGES = frozenset({"keras", "tf_keras", "tensorflow"})


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    end_line: int
    kind: str
    text: str  # the callee as written
    #: where the call is: "module level", "function", or a method of a "Model subclass",
    #: a "Layer subclass" or an "other class"
    scope: str


def dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` -> ["a", "b", "c"]; None for anything but names and attributes."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def base_names(cls: ast.ClassDef) -> list[str]:
    return [parts[-1] for base in cls.bases if (parts := dotted(base))]


@dataclass
class Index:
    """What the scanned files define, by name: classes with their bases, builder functions."""

    bases: dict[str, set[str]]  # class name -> the bases of every class of that name
    local: dict[tuple[str, str], set[str]]  # (file, class name) -> that class's bases
    builders: dict[str, set[str]]  # function name -> files defining it as a builder
    known: dict[tuple, bool] = field(default_factory=dict)  # descends(), remembered
    #: "package/module" -> the scanned file that is that module
    modules: dict[str, str] = field(default_factory=dict)

    def descends(self, name: str, roots: frozenset[str], path: str | None = None,
                 seen: frozenset[str] = frozenset()) -> bool:
        if name in roots:
            return True
        if name in seen:
            return False
        key = (name, roots, path if (path, name) in self.local else None)
        if key not in self.known:
            bases = self.local.get((path, name)) if key[2] else self.bases.get(name, ())
            self.known[key] = any(self.descends(b, roots, None, seen | {name}) for b in bases)
        return self.known[key]

    def is_model_class(self, name: str, path: str | None = None) -> bool:
        return self.descends(name, MODEL_CLASSES, path)

    def scope(self, scopes: list[ast.AST], path: str) -> str:
        """The scope label of a call inside SCOPES (its classes and functions, outermost first)."""
        if not scopes:
            return "module level"
        in_method = len(scopes) > 1 and isinstance(scopes[-2], ast.ClassDef)
        owner = scopes[-1] if isinstance(scopes[-1], ast.ClassDef) else scopes[-2] if in_method else None
        if owner is None:
            return "function"
        if self.is_model_class(owner.name, path):
            return "Model subclass"
        return "Layer subclass" if self.descends(owner.name, LAYER_CLASSES, path) else "other class"


def parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(errors="replace"), str(path))
    except (SyntaxError, ValueError):
        return None


def build_index(trees: dict[str, ast.Module]) -> Index:
    index = Index({}, {}, {})
    for path in trees:
        parts = Path(path).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        for start in range(len(parts)):  # every suffix: a file is known by its package path
            index.modules.setdefault("/".join(parts[start:]), path)
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                index.bases.setdefault(node.name, set()).update(base_names(node))
                index.local.setdefault((path, node.name), set()).update(base_names(node))
    imports = {path: imported_names(tree) for path, tree in trees.items()}
    functions = [(path, imports[path], node) for path, tree in trees.items() for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    changed = True
    while changed:  # builders returning what builders return: to a fixed point
        changed = False
        for path, imported, function in functions:
            if path not in index.builders.get(function.name, ()) and returns_model(function, index, path, imported):
                index.builders.setdefault(function.name, set()).add(path)
                changed = True
    return index


def own_statements(function: ast.AST) -> Iterable[ast.AST]:
    """The nodes of FUNCTION's body, not those of functions or classes defined in it."""
    for child in ast.iter_child_nodes(function):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            yield child
            yield from own_statements(child)


def returns_model(function: ast.FunctionDef | ast.AsyncFunctionDef, index: Index, path: str,
                  imported: dict[str, str]) -> bool:
    """FUNCTION returns a site's call, or a name it assigned from one."""
    def is_site(value: ast.expr | None) -> bool:
        return isinstance(value, ast.Call) and call_kind(value, index, path, imported, [], anywhere=True) is not None

    nodes = list(own_statements(function))
    made = {target.id for node in nodes if isinstance(node, ast.Assign) and is_site(node.value)
            for target in node.targets if isinstance(target, ast.Name)}
    return any(isinstance(node, ast.Return) and (is_site(node.value) or isinstance(node.value, ast.Name) and node.value.id in made)
               for node in nodes)


def imported_from(tree: ast.Module) -> dict[str, str]:
    """Each name ``from package.module import name`` binds -> "package/module" (absolute
    imports only): where a class of that name comes from, when the scan holds that file."""
    return {alias.asname or alias.name: node.module.replace(".", "/")
            for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and not node.level and node.module
            for alias in node.names}


def imported_names(tree: ast.Module) -> dict[str, str]:
    """Each name the file's imports bind -> the package it comes from ("" for a relative import)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            package = "" if node.level else (node.module or "").split(".")[0]
            for alias in node.names:
                names[alias.asname or alias.name] = package
    return names


def call_kind(call: ast.Call, index: Index, path: str, imported: dict[str, str],
              enclosing: list[ast.ClassDef], anywhere: bool = False, origins: dict[str, str] | None = None) -> str | None:
    """The kind of site CALL is, or None. IMPORTED: the names the file imports; ANYWHERE: a
    builder counts wherever it is defined (while finding builders); ORIGINS: imported names
    -> the scanned file that defines them."""
    func = call.func
    if (isinstance(func, ast.Attribute) and func.attr == "__init__" and enclosing
            and index.is_model_class(enclosing[-1].name, path)):
        receiver = func.value
        is_super = isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super"
        is_base = (parts := dotted(receiver)) is not None and parts[-1] in base_names(enclosing[-1])
        positional = len(call.args) - (0 if is_super else 1)
        keywords = {k.arg for k in call.keywords}
        if (is_super or is_base) and ({"inputs", "outputs"} <= keywords or positional >= 2):
            return "super-init"
        return None
    parts = dotted(func)
    if parts is None or parts[0] in ("self", "cls"):
        return None
    name = parts[-1]
    if name in MODEL_CLASSES:
        package = imported.get(parts[0], "")
        return "constructor" if package in KERAS_PACKAGES or not package else None
    # a class imported from a scanned file is that file's class (vit's MLP is a Layer,
    # whatever other packages' classes named MLP are)
    defining = origins.get(name, path) if origins else path
    if index.is_model_class(name, defining) and not any(c.name == name for c in enclosing):
        return "subclass"
    defined_in = index.builders.get(name, set())
    if anywhere:
        return "builder" if defined_in else None
    return "builder" if parts[0] in imported and defined_in - {path} else None


def calls_in(tree: ast.Module, index: Index, path: str) -> Iterable[tuple[ast.Call, str | None, str]]:
    """Each call in TREE with its site kind (None: not a site) and a site's scope."""
    imported = imported_names(tree)
    origins = {name: found for name, module in imported_from(tree).items()
               if (found := index.modules.get(module)) is not None and (found, name) in index.local}

    def visit(node: ast.AST, scopes: list[ast.AST]):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            scopes = [*scopes, node]
        if isinstance(node, ast.Call):
            kind = call_kind(node, index, path, imported, [s for s in scopes if isinstance(s, ast.ClassDef)],
                             origins=origins)
            yield node, kind, index.scope(scopes, path) if kind else ""
        for child in ast.iter_child_nodes(node):
            yield from visit(child, scopes)

    yield from visit(tree, [])


def scan(paths: Iterable[Path], context: Iterable[Path] = ()) -> list[Site]:
    """Every model construction site in PATHS, scanned together; the classes and builders of
    CONTEXT (files whose sites do not count) are known too."""
    trees = {str(p.resolve()): tree for p in paths if (tree := parse(p)) is not None}
    known = dict(trees)
    known.update((str(p.resolve()), tree) for p in context if str(p.resolve()) not in known and (tree := parse(p)))
    index = build_index(known)
    sites = []
    for path, tree in trees.items():
        for call, kind, scope in calls_in(tree, index, path):
            if kind is not None:
                sites.append(Site(path, call.lineno, call.end_lineno or call.lineno, kind, ast.unparse(call.func), scope))
    return sites
