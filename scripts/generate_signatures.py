"""Write kgraphlint/data/signatures.json from the installed Keras 3 and tf_keras.

Constructor signatures are the truth for which arguments a layer takes, which are
required, their positional order and their defaults. This script reads them from
the real libraries so nothing is typed by hand:

    pip install keras tensorflow-cpu tf-keras
    python scripts/generate_signatures.py

The static analysis never imports Keras; it only reads the JSON this writes.
"""

from __future__ import annotations

import inspect
import json
import os
import re
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

OUT = Path(__file__).resolve().parent.parent / "kgraphlint" / "data" / "signatures.json"


def json_default(value: object) -> object:
    """A default as JSON, or a marker saying it is not a plain value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        items = [json_default(v) for v in value]
        if not any(isinstance(item, dict) for item in items):
            return items  # nested tuples such as ((0, 0), (0, 0)) stay readable
    return {"opaque": repr(value)}


def init_parameters(cls: type) -> tuple[list[dict], bool]:
    """Parameters of cls.__init__, following **kwargs up the MRO to the base Layer."""
    params: list[dict] = []
    seen: set[str] = set()
    open_kwargs = False
    own_init = None  # the __init__ a positional call binds to
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        own_init = own_init or klass
        sig = inspect.signature(vars(klass)["__init__"])
        open_kwargs = False
        for p in list(sig.parameters.values())[1:]:
            if p.kind is p.VAR_KEYWORD:
                open_kwargs = True
                continue
            if p.kind is p.VAR_POSITIONAL or p.name in seen:
                continue
            seen.add(p.name)
            entry = {
                "name": p.name,
                "positional": p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                and klass is own_init,
                # A base class's required parameters (BaseConv's rank) are supplied by the
                # subclass itself, never by the caller.
                "required": p.default is p.empty and klass is own_init,
            }
            if p.default is not p.empty:
                entry["default"] = json_default(p.default)
            params.append(entry)
        if klass.__name__ in ("Layer", "Operation"):
            break
        # Keywords an __init__ takes out of **kwargs itself (LSTM's implementation=,
        # LayerNormalization's deprecated rms_scaling=) are accepted too.
        for name in popped_keywords(vars(klass)["__init__"]):
            if name not in seen:
                seen.add(name)
                params.append({"name": name, "positional": False, "required": False})
        if not open_kwargs:
            break
    return params, open_kwargs


def popped_keywords(init) -> list[str]:
    try:
        source = inspect.getsource(init)
    except (OSError, TypeError):
        return []
    return re.findall(r'kwargs\.(?:pop|get)\(\s*["\'](\w+)["\']', source)


def layer_table(layers_module, base_layer: type, extra_kwargs: list[str]) -> dict:
    table: dict[str, dict] = {}
    aliases: dict[str, str] = {}
    for public_name in sorted(dir(layers_module)):
        obj = getattr(layers_module, public_name)
        if not (inspect.isclass(obj) and issubclass(obj, base_layer)):
            continue
        aliases[public_name] = obj.__name__
        if obj.__name__ in table:
            continue
        params, _ = init_parameters(obj)
        table[obj.__name__] = {"params": params, "extra_keywords": extra_kwargs}
    return {"layers": table, "aliases": aliases}


def keras3() -> dict:
    import keras

    data = layer_table(keras.layers, keras.layers.Layer, ["input_dim", "input_shape"])
    input_params = [
        {
            "name": p.name,
            "positional": p.kind is p.POSITIONAL_OR_KEYWORD,
            "required": p.default is p.empty,
            **({"default": json_default(p.default)} if p.default is not p.empty else {}),
        }
        for p in inspect.signature(keras.Input).parameters.values()
    ]
    data["input"] = input_params
    from keras.src.activations import ALL_OBJECTS_DICT

    data["activations"] = sorted(ALL_OBJECTS_DICT)
    data["version"] = keras.__version__
    return data


def keras2() -> dict:
    import tf_keras
    from tf_keras.src.engine import base_layer

    source = inspect.getsource(base_layer.Layer.__init__)
    allowed = sorted(re.findall(r'"(\w+)"', source.split("allowed_kwargs", 1)[1].split("}", 1)[0]))
    data = layer_table(tf_keras.layers, tf_keras.layers.Layer, allowed)
    data["version"] = tf_keras.__version__
    return data


def main() -> None:
    data = {"keras3": keras3(), "keras2": keras2()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One layer per line keeps diffs between Keras releases readable.
    lines = ["{"]
    for flavour_index, (flavour, table) in enumerate(data.items()):
        lines.append(f"{json.dumps(flavour)}: {{")
        entries = [f"{json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in table.items() if k != "layers"]
        entries.append('"layers": {\n' + ",\n".join(
            f"  {json.dumps(name)}: {json.dumps(spec, sort_keys=True)}"
            for name, spec in sorted(table["layers"].items())) + "\n}")
        lines.append(",\n".join(entries))
        lines.append("}" + ("," if flavour_index < len(data) - 1 else ""))
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n")
    json.loads(OUT.read_text())
    print(f"wrote {OUT}: {len(data['keras3']['layers'])} Keras 3 layers, "
          f"{len(data['keras2']['layers'])} Keras 2 layers")


if __name__ == "__main__":
    main()
