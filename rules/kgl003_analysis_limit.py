from kgraphlint.interpret.budget import NOT_ANALYSED, STOPPED
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.source.positions import Span

#: the most characters of the code shown in the message
SHOWN = 60


class AnalysisLimit(Rule):
    """A bound on kgraphlint's own work was met: part of the file, or all of it, was not checked.

    ## What it does
    kgraphlint computes the constants of a program (``8 * 64``, ``f"block_{i}"``) to know
    its shapes, and bounds that work so that no input can hang it: an int of more than
    100,000 bits, a string or list longer than 100,000, a builtin reading more than that,
    more than 400,000 evaluation steps or 20,000,000 built items per file, 2,000,000
    characters of code, 250 levels of nesting, and the time budget per file
    (``time-budget``, 60 s unless configured). This reports where a bound was met: a value
    past its bound is unknown (what depends on it is not checked), the analysis stops
    where the file's steps ran out, and a file past its size, nesting or time budget is
    not analysed at all.

    ## Why is this bad?
    It is not a bug in the code: it says where kgraphlint stopped looking, so that a
    clean result is not read as "checked".

    ## How to fix
    Usually nothing. A value computed only to be huge (``9 ** 9 ** 9``) can be written as
    the number the model needs; a file that runs out of time can get a larger
    ``time-budget`` in ``[tool.kgraphlint]`` or ``--time-budget``.
    """

    code = "KGL003"
    name = "analysis-limit"
    severity = Severity.INFO
    summary = "a bound on kgraphlint's work was met: part of the file (or all of it) was not checked"
    bad = (
        Invalid("import keras\nunits = 9 ** 9 ** 9\nmodel = keras.Sequential([keras.layers.Dense(units)])\n",
                spans=((2, 9, 2, 20),)),
        Invalid('import keras\npadding = "x".zfill(3_000_000_000)\n', spans=((2, 11, 2, 35),)),
    )
    good = ("import keras\nunits = 2 ** 10\nmodel = keras.Sequential([keras.layers.Dense(units)])\n",)

    def check(self, ctx):
        for limit in ctx.analysis.limits:
            if limit.effect == NOT_ANALYSED:
                where = f" at line {ctx.line_of(limit.node)}" if limit.node is not None else ""
                yield ctx.finding(None, f"not analysed: {limit.reason}{where}; nothing in this file was checked",
                                  span=Span(limit.line, 1, limit.line, 2))
                continue
            if limit.effect == STOPPED:
                yield ctx.finding(limit.node, f"the analysis stopped here: {limit.reason}; the code after this "
                                              "point was not checked")
                continue
            code = " ".join(ctx.code_for(limit.node).split())
            shown = code if len(code) <= SHOWN else code[:SHOWN - 1] + "…"
            yield ctx.finding(limit.node, f"`{shown}`: {limit.reason}; kgraphlint takes its value as unknown, so "
                                          "what depends on it is not checked")
