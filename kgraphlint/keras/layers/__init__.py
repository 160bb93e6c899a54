"""What kgraphlint knows about each Keras layer class: output shapes, parameter counts, and
the input ranks it accepts, one module per family of layers.

Every rule here mirrors what Keras 3 computes (``compute_output_shape`` and the weights
``build`` creates). A layer without an entry has an unknown output shape and parameter
count, which keeps everything downstream quiet. Where a configuration is impossible the
output is UNKNOWN too: saying *why* is the rules' job, not this module's.

A new layer goes in its family's module, registered with ``base.register``; importing this
package registers every family.
"""

from kgraphlint.keras.layers import (  # noqa: F401 (each family registers its layers)
    activations,
    attention,
    conv,
    core,
    merge,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    resampling,
    wrappers,
)
from kgraphlint.keras.layers.base import LayerKnowledge, knowledge

__all__ = ["LayerKnowledge", "knowledge"]
