"""The source text ``--build`` runs to make a class the checked file defines again: the
class's own definition, the other classes of the file it names, and the file's import
statements it needs; nothing else of the file (no top-level code, no function, no
assignment). A class that needs any other module-level name is not rebuilt."""

from __future__ import annotations

import libcst as cst


class NeedsModule(Exception):
    """The class needs more of its module than imports and classes; the message says what."""


def bound_names(statement: cst.CSTNode) -> list[str]:
    """The names a top-level statement binds."""
    if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
        return [statement.name.value]
    if isinstance(statement, cst.SimpleStatementLine):
        names = []
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    names.append(alias.asname.name.value if alias.asname else
                                 cst.Module([]).code_for_node(alias.name).split(".")[0])
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                names.extend(alias.asname.name.value if alias.asname else alias.name.value for alias in small.names)
            elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = small.targets if isinstance(small, cst.Assign) else [small]
                for target in targets:
                    names.extend(n.value for n in _names_in(target.target))
        return names
    return []


def _names_in(node: cst.CSTNode) -> list[cst.Name]:
    """The names an expression or statement reads (not attribute names, not keywords)."""
    found: list[cst.Name] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            attribute.value.visit(self)  # ``x.attr``: only x is a name
            return False

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)  # ``f(units=3)``: units is no name
            return False

    node.visit(Collect())
    return found


def free_names(classdef: cst.ClassDef) -> set[str]:
    """The names a class reads that nothing inside it binds (parameters, assignments, loop
    and with targets, its methods): the ones its module must give it. Where a name is bound
    anywhere in the class it counts as bound (the worker reports a name it then lacks)."""
    bound: set[str] = set()

    class Binders(cst.CSTVisitor):
        def visit_Param(self, param: cst.Param) -> None:
            bound.add(param.name.value)

        def visit_FunctionDef(self, function: cst.FunctionDef) -> None:
            bound.add(function.name.value)

        def visit_AssignTarget(self, target: cst.AssignTarget) -> None:
            bound.update(n.value for n in _names_in(target.target) if n is target.target or isinstance(
                target.target, (cst.Tuple, cst.List)))

        def visit_AnnAssign(self, assign: cst.AnnAssign) -> None:
            if isinstance(assign.target, cst.Name):
                bound.add(assign.target.value)

        def visit_AugAssign(self, assign: cst.AugAssign) -> None:
            if isinstance(assign.target, cst.Name):
                bound.add(assign.target.value)

        def visit_For(self, loop: cst.For) -> None:
            bound.update(n.value for n in _names_in(loop.target))

        def visit_CompFor(self, loop: cst.CompFor) -> None:
            bound.update(n.value for n in _names_in(loop.target))

        def visit_AsName(self, name: cst.AsName) -> None:
            bound.update(n.value for n in _names_in(name.name))

        def visit_NamedExpr(self, expression: cst.NamedExpr) -> None:
            bound.update(n.value for n in _names_in(expression.target))

        def visit_ImportAlias(self, alias: cst.ImportAlias) -> None:
            if alias.asname is None:
                bound.add(cst.Module([]).code_for_node(alias.name).split(".")[0])

    for statement in classdef.body.body:
        statement.visit(Binders())
    return {n.value for n in _names_in(classdef)} - bound


def is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)


def class_source(module: cst.Module, classdef: cst.ClassDef) -> str:
    """The code that defines ``classdef`` on its own: its imports, the classes it names,
    itself. Raises NeedsModule when it names a module-level function or variable, or when
    it is not defined at the top of its module."""
    statements = list(module.body)
    if classdef not in statements:
        raise NeedsModule(f"class {classdef.name.value} is not defined at the top level of the checked file")
    binders: dict[str, list] = {}
    for statement in statements:
        for name in bound_names(statement):
            binders.setdefault(name, []).append(statement)
    needed: list = []
    pending = [classdef]
    while pending:
        current = pending.pop()
        if any(current is n for n in needed):
            continue
        needed.append(current)
        for name in sorted(free_names(current) if isinstance(current, cst.ClassDef) else set()):
            for statement in binders.get(name, ()):
                if is_import(statement) or isinstance(statement, cst.ClassDef):
                    if isinstance(statement, cst.SimpleStatementLine) and any(
                            isinstance(s, cst.ImportFrom) and s.relative for s in statement.body):
                        raise NeedsModule(f"class {classdef.name.value} needs '{name}' from a relative import "
                                          "of the checked project")
                    pending.append(statement)
                else:
                    raise NeedsModule(f"class {classdef.name.value} uses the module-level name '{name}', which is "
                                      "not an import or a class (only class definitions and imports are run)")
    future = [s for s in statements if isinstance(s, cst.SimpleStatementLine) and any(
        isinstance(x, cst.ImportFrom) and isinstance(x.module, cst.Name) and x.module.value == "__future__"
        for x in s.body)]
    ordered = [s for s in statements if any(s is n for n in needed) or any(s is f for f in future)]
    return "".join(module.code_for_node(s) for s in ordered)
