from kgraphlint.graph.model_graph import descendants
from kgraphlint.rule import Invalid, Rule, Severity


class UnusedBranch(Rule):
    """A layer call whose output reaches no model output.

    ## What it does
    Finds layer calls that read a model's inputs (directly or through other layers) but
    whose results feed no output of any model in the file, nor anything kgraphlint cannot
    follow. It reports the first call of each such dead branch.

    ## Why is this bad?
    Keras builds the model from the outputs backwards and silently drops everything else:
    the layer is never trained and the code does not do what it says. Usually the next
    layer was meant to read this one's output but reads an earlier tensor.

    ## How to fix
    Feed the branch into the layer that was meant to read it, or delete it.
    """

    code = "KGL201"
    name = "unused-branch"
    severity = Severity.WARNING
    summary = "a layer call whose output reaches no model output (Keras silently drops it)"
    bad = (Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
merged = layers.Dense(32, activation="relu")(x)
hidden = layers.Dense(64, activation="relu")(merged)
output = layers.Dense(10, activation="softmax")(merged)
model = keras.Model(x, output)
""", spans=((6, 10, 6, 53),)),)
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
merged = layers.Dense(64, activation="relu")(x)
hidden = layers.Dense(32, activation="relu")(merged)
output = layers.Dense(10, activation="softmax")(hidden)
model = keras.Model(x, output)
""",)

    def check(self, ctx):
        analysis = ctx.analysis
        followed = all(r.complete and r.outputs_known for r in analysis.facts.records)
        if analysis.gave_up or not ctx.models or not followed:
            return  # part of the graph could not be followed: "unused" would be a guess
        consumers = analysis.consumers
        used = {call for model in ctx.models for call in model.calls}
        model_of = {}
        for model in ctx.models:
            for tensor in model.record.inputs:
                for call in descendants(consumers, tensor.producer):
                    model_of.setdefault(call, model)
        # An opaque node (what kgraphlint could not see into, or undecided code's join) may be
        # used in ways the analysis does not see: it is never called dead.
        # A model built with its defaults (nobody here calls the code) may use the branch with other arguments.
        dead = {call for call in model_of if call not in used and call.layer.opaque is None
                and not model_of[call].record.with_defaults
                and self.unused_downstream(consumers, call, used)}
        for call in (c for c in analysis.facts.calls if c in dead):
            if any(t.producer in dead for t in call.inputs):
                continue  # report each dead branch once, at its first call
            yield self.report(ctx, call, dead, model_of[call])

    @staticmethod
    def unused_downstream(consumers, call, used) -> bool:
        """Nothing from this call on is used by a model, escapes, or runs uncertainly."""
        for node in (call, *descendants(consumers, call)):
            if node in used or not node.certain or any(t.escaped for t in node.outputs):
                return False
        return True

    def report(self, ctx, call, dead, model):
        layer = call.layer
        after = len(descendants(ctx.analysis.consumers, call) & dead)
        also = f" (and the {after} layer call{'s' if after != 1 else ''} after it)" if after else ""
        message = (f"The output of {ctx.call_name(call)}{also} reaches no output of model "
                   f"'{model.name}' ({ctx.where(model.record.node)}): Keras silently drops it and "
                   f"it is never trained.")
        related = [(model.record.node, f"model '{model.name}' is built here")]
        sibling = self.sibling(ctx, call, model)
        if sibling is not None:
            source = call.inputs[0].producer.target or call.inputs[0].producer.layer.name
            dead = call.target or layer.name
            message += (f" {ctx.call_name(sibling)} ({ctx.where(sibling.node)}) reads "
                        f"{source} too; did you mean it to read {dead} instead?")
            related.append((sibling.node, f"'{sibling.layer.name}' reads {source}"))
        else:
            message += " Feed it into the model or delete it."
        return ctx.finding(call.node, message, related=related)

    @staticmethod
    def sibling(ctx, call, model):
        """A call in the model that reads the same tensor as the dead one."""
        sources = set(call.inputs)
        for other in model.calls:
            if other is not call and sources & set(other.inputs):
                return other
        return None
