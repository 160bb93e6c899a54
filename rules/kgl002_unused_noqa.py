import re

from kgraphlint.source.positions import Span
from kgraphlint.registry import find_rule
from kgraphlint.rule import Edit, Fix, Invalid, Rule, Severity
from kgraphlint.source.source_file import split_lines
from kgraphlint.fixes.suppression import Directive, directives, normalized

#: what another linter's code looks like (E501, F401, B018): kept in a shared ``# noqa``
OTHER_CODE = re.compile(r"[A-Z]+[0-9]+")


class UnusedNoqa(Rule):
    """A suppression comment that names a kgraphlint rule with no finding on its line.

    ## What it does
    Reports the kgraphlint codes and names in a ``# noqa: ...`` or
    ``# kgraphlint: ignore[...]`` comment that silence nothing: the rule has no finding on
    that line, or no rule has that code (``KGL999``). Codes of other tools in a shared
    ``# noqa`` (``E501``) and bare ``# noqa`` are left alone, and so are rules that are not
    enabled for the file (another configuration may need them), the ``--build`` rules
    unless the models were built, and files kgraphlint could not follow to the end.

    ## Why is this bad?
    A suppression left behind after the code was fixed, or put on the wrong line, would
    silence the next real finding there without anyone deciding so; one with a mistyped
    code silences nothing while looking as if it did.

    ## How to fix
    Remove the unused codes (``--fix`` does), or move the comment to the line the finding
    is on.
    """

    code = "KGL002"
    name = "unused-noqa"
    severity = Severity.WARNING
    summary = "a # noqa or # kgraphlint: ignore naming a rule with no finding on that line"
    fixable = True
    after_others = True
    bad = (Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
model = keras.Model(x, layers.Dense(4)(x))  # noqa: KGL102
""", spans=((5, 45, 5, 59),), fixed="""
import keras
from keras import layers
x = keras.Input(shape=(16,))
model = keras.Model(x, layers.Dense(4)(x))
"""), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
y = layers.Dense(4, activation="relu")(x)  # kgraphlint: ignore[KGL201, concat-axis-mismatch]
model = keras.Model(x, y)
""", spans=((5, 44, 5, 94),), fixed="""
import keras
from keras import layers
x = keras.Input(shape=(16,))
y = layers.Dense(4, activation="relu")(x)
model = keras.Model(x, y)
"""), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
model = keras.Model(x, layers.Dense(4)(x))  # noqa: E501, KGL4O1
""", spans=((5, 45, 5, 65),), fixed="""
import keras
from keras import layers
x = keras.Input(shape=(16,))
model = keras.Model(x, layers.Dense(4)(x))  # noqa: E501
"""))
    good = ("""
import keras
from keras import layers
a = keras.Input(shape=(4, 8))
b = keras.Input(shape=(5, 8))
model = keras.Model([a, b], layers.concatenate([a, b]))  # noqa: KGL102, E501
""", """
import keras
from keras import layers
x = keras.Input(shape=(16,))
model = keras.Model(x, layers.Dense(4)(x))  # noqa
""")

    def check(self, ctx):
        analysis = ctx.analysis
        if analysis.module is None or analysis.problem is not None or analysis.gave_up:
            return  # what the rules would find is not known
        checkable = {rule for rule in ctx.ran if rule.category != "build" or analysis.builds is not None}
        lines = split_lines(analysis.source.text)
        for directive in directives(analysis.source.text):
            if not directive.codes:
                continue  # a bare directive: it may be for another tool, or for rules not enabled
            unused, unknown, kept = [], [], []
            for token in directive.codes:
                rule = find_rule(token)
                if rule is None and (not directive.noqa or normalized(token).startswith("KGL")):
                    unknown.append(token)
                elif rule is None or rule not in checkable or rule is type(self):
                    kept.append(token)  # another tool's code, or a rule that did not run
                elif any(f.code == rule.code and directive.line in (f.line, f.end_line) for f in ctx.others):
                    kept.append(token)
                else:
                    unused.append(token)
            if not unused and not unknown:
                continue
            fix = self.fix(directive, kept, lines[directive.line - 1] if directive.line <= len(lines) else "")
            yield ctx.finding(None, self.message(directive, unused, unknown, kept), fix=fix,
                              span=Span(directive.line, directive.column, directive.line,
                                        directive.column + len(self.text(directive))))

    @staticmethod
    def text(directive: Directive) -> str:
        """The directive as written, without the spaces after it."""
        return directive.comment[directive.start:directive.end].rstrip()

    @staticmethod
    def message(directive: Directive, unused: list[str], unknown: list[str], kept: list[str]) -> str:
        text = UnusedNoqa.text(directive)
        reasons = []
        if unused:
            reasons.append(f"no {', '.join(unused)} finding is on this line")
        if unknown:
            reasons.append(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a kgraphlint rule")
        names = unused + unknown
        remedy = (f"Remove {', '.join(names)} from it" if kept else "Remove it")
        return (f"`{text}` silences nothing here: {'; '.join(reasons)}. {remedy}, or move it to the line "
                f"of the finding it was meant for.")

    @staticmethod
    def fix(directive: Directive, kept: list[str], line: str) -> Fix | None:
        """Remove the unused codes; the whole directive when none is left. Only for
        directives whose every other word is a code (never rewrite prose)."""
        if not all(OTHER_CODE.fullmatch(token) or find_rule(token) for token in kept):
            return None
        base = directive.comment_column  # the comment's first column
        if kept:
            start, end = directive.codes_span
            written = directive.comment[start:end]
            end = start + len(written.rstrip())
            start += len(written) - len(written.lstrip())
            edit = Edit(directive.line, base + start, directive.line, base + end, ", ".join(kept))
            return Fix(f"remove the unused codes, keeping {', '.join(kept)}", (edit,))
        first = base + directive.start  # the directive's "#", and the spaces before it on the line
        first = len(line[:first - 1].rstrip()) + 1
        last = base + directive.start + len(UnusedNoqa.text(directive))
        edit = Edit(directive.line, first, directive.line, last, "")
        return Fix("remove the unused suppression comment", (edit,))
