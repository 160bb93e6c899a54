"""Snippet mode: code pasted from a question or an answer that uses Keras names it never
imports (``model = Sequential()``, ``model.add(Dense(10))``).

Python would raise NameError on the first of them; the author meant the Keras of the
snippet's day. When the code is plainly Keras (it calls ``Sequential(...)`` or
``Model(...)``, adds a Keras layer to a model, or compiles one with a loss or an
optimizer) and the name is bound nowhere in the file, the Keras overlay reads it as
imported from the first of keras.layers, keras.models, keras.optimizers and keras.utils
that has it (``kgraphlint.resolve.public_names``). Everything here is syntactic, and only
asked about a file that reads a name nothing binds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import libcst as cst

from kgraphlint.interpret.values import dotted_name
from kgraphlint.resolve.public_names import snippet_origin, star_names
from kgraphlint.resolve.symbols import is_keras_path

#: calls of these unimported names make a file plainly Keras
MODEL_CALLS = frozenset({"Sequential", "Model"})
#: method calls with one of these keywords are a Keras compile
COMPILE_KEYWORDS = frozenset({"loss", "optimizer"})


def may_be_snippet(text: str) -> bool:
    """A cheap test for the text of a file that never says "keras": may it be a snippet?"""
    return "Sequential(" in text or "Model(" in text


@dataclass(frozen=True)
class SnippetScan:
    #: every name the file binds anywhere (assignments, imports, definitions, parameters...)
    bound: frozenset[str]
    #: the code builds or trains a Keras model through unimported names (or compiles one)
    plainly_keras: bool

    def resolves(self, name: str) -> str | None:
        """The Keras path an unimported ``name`` means here, or None."""
        if not self.plainly_keras or name in self.bound:
            return None
        return snippet_origin(name)


@lru_cache(maxsize=4)
def scan(module: cst.Module) -> SnippetScan:
    """What the module binds and whether it is plainly Keras; a file's analysis asks twice
    (whether to analyse it, then the overlay), and a libcst visit of every node is not cheap."""
    visitor = _Scan()
    module.visit(visitor)
    free_models = (visitor.model_calls & MODEL_CALLS) - visitor.bound
    free_layers = {name for name in visitor.added - visitor.bound
                   if (snippet_origin(name) or "").startswith("keras.layers.")}
    plainly = (bool(free_models or free_layers) or visitor.compiled) and not visitor.unknown_star
    return SnippetScan(frozenset(visitor.bound), plainly)


class _Scan(cst.CSTVisitor):
    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.model_calls: set[str] = set()
        self.added: set[str] = set()  # the classes called in ``m.add(Class(...))``
        self.compiled = False
        #: a star import of a module whose names kgraphlint does not know: any name may be bound
        self.unknown_star = False

    def _targets(self, node: cst.CSTNode | None) -> None:
        if type(node) is cst.Name:
            self.bound.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._targets(element.value)
        elif type(node) is cst.StarredElement:
            self._targets(node.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._targets(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:  # import ... as, with ... as, except ... as
        self._targets(node.name)

    def visit_Del(self, node: cst.Del) -> None:
        self._targets(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.bound.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bound.add(node.name.value)

    def visit_Param(self, node: cst.Param) -> None:
        self.bound.add(node.name.value)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if type(node.names) is cst.ImportStar:
            module = dotted_name(node.module) if node.module is not None and not node.relative else None
            if module is None or not is_keras_path(module) or star_names(module) is None:
                self.unknown_star = True

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None:
            name = node.name
            while type(name) is cst.Attribute:
                name = name.value
            if type(name) is cst.Name:
                self.bound.add(name.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.bound.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.bound.update(item.name.value for item in node.names)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.bound.add(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.bound.add(node.name.value)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self.bound.add(node.rest.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if type(func) is cst.Name:
            self.model_calls.add(func.value)
        elif type(func) is cst.Attribute:
            if func.attr.value == "add" and node.args and type(node.args[0].value) is cst.Call \
                    and type(node.args[0].value.func) is cst.Name:
                self.added.add(node.args[0].value.func.value)
            elif func.attr.value == "compile" and any(
                    arg.keyword is not None and arg.keyword.value in COMPILE_KEYWORDS for arg in node.args):
                self.compiled = True
