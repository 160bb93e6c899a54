"""``kgraphlint summary --stats``: how much of the code the analysis could follow.

Over the analysed files it counts the models, the layer calls (operations like ``x + y``
included, Inputs not) and how many of those have a fully known output shape, and ranks
the reasons shapes were lost (``kgraphlint.keras.facts.BlindSpot``): an unsupported layer, an
opaque call, a branch the analysis could not decide. Where the analysis goes blind, it
finds nothing: these numbers say where that is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kgraphlint.analysis import FileAnalysis
from kgraphlint.graph.model_graph import why_not_extracted
from kgraphlint.source.positions import Positions
from kgraphlint.keras.shapes import fully_known

TOP_REASONS = 10


@dataclass(frozen=True)
class Reason:
    reason: str
    count: int
    example: str  # path:line of the first place it happened


@dataclass
class Coverage:
    files: int = 0
    models: int = 0
    #: models whose graph passes through something kgraphlint could not see into
    partial_models: int = 0
    layer_calls: int = 0
    fully_known: int = 0
    reasons: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    #: (where, model, why) for each model the code makes that has no graph
    unextracted: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, analysis: FileAnalysis) -> None:
        self.files += 1
        self.models += len(analysis.models) + len(analysis.unbuilt)
        # an unbuilt Sequential is listed as Keras lists it: seen only in part (no shapes)
        self.partial_models += len(analysis.unbuilt)
        extracted = {id(model.record) for model in analysis.summarised}
        for record in analysis.facts.records:
            if id(record) not in extracted and record.certain:
                where = f"{analysis.source.path}:{analysis.span(record.node).line}"
                label = f"{record.kind.capitalize()} model '{record.name}'"
                self.unextracted.append((where, label, why_not_extracted(record)))
        self.partial_models += sum(any(layer.opaque is not None for layer in model.layers) for model in analysis.models)
        for call in analysis.facts.calls:
            if call.layer.is_input:
                continue
            self.layer_calls += 1
            self.fully_known += all(fully_known(t.shape) for t in call.outputs)
        other_modules: dict[str, Positions] = {}
        for spot in analysis.blind_spots:
            if spot.path is None:
                where = f"{analysis.source.path}:{analysis.span(spot.node).line}"
            elif spot.line is not None:
                where = f"{shown_path(spot.path)}:{spot.line}"
            else:
                tree = analysis.module_trees.get(spot.path)
                positions = other_modules.setdefault(spot.path, Positions(tree))
                where = f"{shown_path(spot.path)}:{positions.span(spot.node).line}"
            # Each undecided branch is its own reason: the place is what to look at.
            reason = f"{spot.reason} at {where}" if spot.reason == "undecided branch" else spot.reason
            self.reasons[reason] += 1
            self.examples.setdefault(reason, where)

    @property
    def share(self) -> float:
        return self.fully_known / self.layer_calls if self.layer_calls else 1.0

    def top(self, n: int = TOP_REASONS) -> list[Reason]:
        return [Reason(reason, count, self.examples[reason]) for reason, count in self.reasons.most_common(n)]

    def to_json(self) -> dict:
        return {
            "files": self.files,
            "models": self.models,
            "partial_models": self.partial_models,
            "layer_calls": self.layer_calls,
            "fully_known": self.fully_known,
            "fully_known_share": round(self.share, 4),
            "reasons": [{"reason": r.reason, "count": r.count, "example": r.example} for r in self.top()],
            "unextracted_models": [{"where": where, "model": model, "reason": why}
                                   for where, model, why in self.unextracted],
        }

    def lines(self) -> list[str]:
        out = [
            f"Files:        {self.files:,}",
            f"Models:       {self.models:,}" + (f" ({self.partial_models:,} partly seen)" if self.partial_models else ""),
            f"Layer calls:  {self.layer_calls:,}",
            # no layer calls is not "100% known": nothing was seen to know
            f"Fully known:  {self.fully_known:,} ({self.share:.1%})" if self.layer_calls
            else "Fully known:  0 (no layer calls)",
        ]
        top = self.top()
        if top:
            out.append(f"Where shapes were lost (top {len(top)}):")
            width = max(len(f"{r.count:,}") for r in top)
            out.extend(f"  {r.count:>{width},}  {r.reason}" + ("" if r.reason.startswith("undecided") else f"  (first: {r.example})")
                       for r in top)
        out.extend(self.unextracted_lines())
        return out

    def unextracted_lines(self) -> list[str]:
        if not self.unextracted:
            return []
        return [f"Models not extracted ({len(self.unextracted):,}):",
                *(f"  {where}: {model}: {why}" for where, model, why in self.unextracted)]


def shown_path(path: str) -> str:
    """Another module's file, relative to the working directory when it is below it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path
