from kgraphlint.source.positions import Span
from kgraphlint.rule import Invalid, Rule, Severity


class ParseError(Rule):
    """The file cannot be read or parsed, so nothing in it was checked.

    ## What it does
    Reports a syntax error (at CPython's own position for it), a file that is not UTF-8
    text, or a file that cannot be read (one named on the command line that does not
    exist, too). In a Markdown document, each code block that does not parse is reported
    by itself and left out; the other blocks are still checked.

    ## Why is this bad?
    Python would refuse to run the file, and kgraphlint cannot see any model in it.

    ## How to fix
    Fix the syntax error at the reported line, or save the file as UTF-8.
    """

    code = "KGL001"
    name = "parse-error"
    severity = Severity.ERROR
    summary = "the file cannot be parsed (syntax error, not UTF-8, unreadable)"
    bad = (Invalid("import keras\nmodel = keras.Sequential([\n    keras.layers.Dense(4),\n", spans=((2, 26, 2, 27),)),)
    good = ("import keras\nmodel = keras.Sequential([keras.layers.Dense(4)])\n",)

    def check(self, ctx):
        problem = ctx.analysis.problem
        if problem is not None:
            span = Span(problem.line, problem.column, problem.line, problem.column + 1)
            yield ctx.finding(None, f"{problem.message}; nothing in this file was checked", span=span)
            return
        for part in ctx.analysis.source.unparsed:
            span = Span(part.line, part.column, part.line, part.column + 1)
            yield ctx.finding(None, f"{part.message}; the code block on lines {part.first_line}-{part.last_line} "
                                    f"was not checked (the others were)", span=span)
