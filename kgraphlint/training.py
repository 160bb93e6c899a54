"""How models are compiled and fed: the helpers rules use to read compile/fit calls."""

from __future__ import annotations

from kgraphlint.facts import Loss, ModelRecord, ModelUse, Tensor

DATA_METHODS = frozenset({"fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch"})


def output_names(model: ModelRecord) -> list[str]:
    """Keras 3's ``model.output_names``: the names of the layers producing the outputs."""
    return [t.producer.layer.name for t in model.outputs]


def input_names(model: ModelRecord) -> list[str]:
    return [t.producer.layer.name for t in model.inputs]


def all_compiled_losses(uses: list[ModelUse]):
    """(compile call, output, loss) for every compile(...) call and every output it gives a loss."""
    for use in uses:
        if use.method == "compile":
            for output, loss in compiled_losses(use):
                yield use, output, loss


def compiled_losses(use: ModelUse) -> list[tuple[Tensor, Loss]]:
    """(output, loss) for each output whose loss compile(...) states as a known Loss."""
    model = use.model
    if not model.built:
        return []
    loss = use.argument(1, "loss")
    outputs = model.outputs
    if isinstance(loss, Loss):
        pairs = [(output, loss) for output in outputs]
    elif isinstance(loss, (list, tuple)) and len(loss) == len(outputs):
        pairs = list(zip(outputs, loss))
    elif isinstance(loss, dict):
        names = output_names(model)
        pairs = [(output, loss[name]) for output, name in zip(outputs, names) if name in loss]
    else:
        pairs = []
    return [(output, item) for output, item in pairs if isinstance(item, Loss)]
