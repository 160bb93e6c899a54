"""kgraphlint's built-in rules, one module per rule (installed as ``kgraphlint.rules``).

Each module holds one ``Rule`` subclass: its docstring is the rationale that
``kgraphlint rule CODE`` prints, and its ``bad``/``good`` programs are run by the tests.
"""
