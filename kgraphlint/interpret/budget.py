"""How much the machine computes for one file: each fold sized before it runs, and the
file's whole budget of steps, built values and time.

The machine folds constants by running real Python on known values, and one short line
can ask for anything: ``9**9**9``, ``"a" * 3_000_000_000``, ``sum(range(10**11))``,
``"x".zfill(3_000_000_000)``. The ``allows_*`` checks size an operation from its operands
before it runs; one past a bound gives an unknown value instead (findings never come from
unknown values) and the first such place is remembered. The whole file is bounded too:
expressions evaluated, elements (characters, items) the folds build, and the deadline of
the time budget; past one of them the analysis stops where it is (``OutOfBudget``). KGL003
reports both kinds of place.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

import libcst as cst

#: expressions evaluated per file
MAX_STEPS = 400_000
#: the longest str, list or tuple a fold builds, and the longest a builtin is given to read
MAX_LENGTH = 100_000
#: the largest int a fold builds (about 30,000 digits)
MAX_INT_BITS = 100_000
#: the elements (characters, items) all the folds of one file may build together
MAX_BUILT = 20_000_000
#: the budget is asked every this many steps (time.monotonic is not free)
CLOCK_EVERY = 1024
#: a number this long in a format string is a width past MAX_LENGTH
HUGE_NUMBER = re.compile(r"\d{6,}")
#: a replacement field whose format spec is itself a field ("{:{}}"): its width is an argument
NESTED_FIELD = re.compile(r"\{[^{}]*\{")
#: builtins that read nothing when called (an iterator is bounded where it is iterated)
LAZY = frozenset({range, len, zip, enumerate, reversed})
#: builtins whose result is no larger than their arguments, whatever those hold
SMALL_RESULTS = frozenset({len, range, bool, isinstance, abs, ord, chr, round, divmod, any, all, min, max, sum})


#: what meeting a bound did: one value became unknown (the analysis went on), the analysis
#: stopped at that place, or the file's analysis was dropped (the time budget)
UNKNOWN_VALUE, STOPPED, NOT_ANALYSED = "unknown value", "stopped", "not analysed"


@dataclass(frozen=True)
class Limit:
    """Where the analysis of a file met a bound, which bound (``reason``) and what it did."""

    reason: str
    node: cst.CSTNode | None = field(repr=False)
    effect: str = UNKNOWN_VALUE
    #: where, when there is no node (the file was not parsed)
    line: int = 1


class OutOfBudget(Exception):
    """The file's budget of steps, built values or time ran out: the analysis stops."""

    def __init__(self, limit: Limit) -> None:
        super().__init__(limit.reason)
        self.limit = limit


def size(value: object) -> int:
    """About how many characters the value takes written out (its repr), without writing it."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple, dict)):
        items = value.items() if isinstance(value, dict) else value
        return len(value) + sum(size(item) for item in items)
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    return 8


def length(value: object) -> int | None:
    """The number of items a builtin reads from the value, when it is a sequence."""
    return len(value) if isinstance(value, (str, list, tuple, dict, range)) else None


class Budget:
    def __init__(self, deadline: float | None = None, seconds: float | None = None) -> None:
        #: the monotonic clock's reading when the time budget (``seconds`` long) ends
        self.deadline = deadline
        self.seconds = seconds
        self.built = 0
        #: the first place a value became unknown because of a bound
        self.first: Limit | None = None

    # ---------------------------------------------------------------- the whole file

    def step(self, steps: int, node: cst.CSTNode) -> None:
        """Called every CLOCK_EVERY steps: stop when the steps or the time are spent."""
        if steps > MAX_STEPS:
            raise OutOfBudget(Limit(f"the file needs more than {MAX_STEPS:,} evaluation steps", node, STOPPED))
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfBudget(Limit(self.out_of_time(), node, NOT_ANALYSED))

    def out_of_time(self) -> str:
        return f"the time budget of {self.seconds:g} s per file ran out"

    def charge(self, value: object, node: cst.CSTNode) -> object:
        """A fold's result, counted against the file's MAX_BUILT; UNKNOWN-worthy results
        (past MAX_LENGTH) are for the caller to drop."""
        if isinstance(value, (str, list, tuple)):
            self.built += len(value)
            if self.built > MAX_BUILT:
                raise OutOfBudget(Limit(f"its constant folding built more than {MAX_BUILT:,} characters and "
                                        "items", node, STOPPED))
        return value

    def refuse(self, reason: str, node: cst.CSTNode) -> bool:
        """Remember the first refusal; always False (the fold is not allowed)."""
        if self.first is None:
            self.first = Limit(reason, node, UNKNOWN_VALUE)
        return False

    # ---------------------------------------------------------------- single folds

    def allows_binary(self, operator: type, left: object, right: object, node: cst.CSTNode) -> bool:
        if operator is cst.Power and type(left) is int and type(right) is int and right > 0 and abs(left) > 1:
            if left.bit_length() * right > MAX_INT_BITS:
                return self.refuse(f"the power is too large to compute (an int of more than {MAX_INT_BITS:,} bits)",
                                   node)
        elif operator is cst.Multiply and type(left) is int and type(right) is int:
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                return self.refuse(f"the product is too large to compute (an int of more than {MAX_INT_BITS:,} "
                                   "bits)", node)
        elif operator is cst.Multiply:
            sequence, count = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) and len(sequence) * count > MAX_LENGTH:
                return self.refuse(self.too_long("the repetition"), node)
        elif operator is cst.Add and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            if len(left) + len(right) > MAX_LENGTH:
                return self.refuse(self.too_long("the concatenation"), node)
        elif operator is cst.Modulo and isinstance(left, str):
            if HUGE_NUMBER.search(left) or len(left) + size(right) > MAX_LENGTH:
                return self.refuse(self.too_long("the formatted text"), node)
        return True

    def allows_call(self, function, args: list, node: cst.CSTNode) -> bool:
        """A pure builtin or standard-library function of known arguments."""
        if function in LAZY:
            return True
        for arg in args:
            if (length(arg) or 0) > MAX_LENGTH:
                return self.refuse(f"the call reads more than {MAX_LENGTH:,} items", node)
        if function is math.prod and sum(v.bit_length() for v in args[0] if type(v) is int) > MAX_INT_BITS:
            return self.refuse(f"the product is too large to compute (an int of more than {MAX_INT_BITS:,} bits)",
                               node)
        if function not in SMALL_RESULTS and sum(size(arg) for arg in args) > MAX_LENGTH:
            return self.refuse(self.too_long("the result"), node)
        return True

    def allows_string_method(self, text: str, method: str, args: list, kwargs: dict, node: cst.CSTNode) -> bool:
        values = [*args, *kwargs.values()]
        if method == "zfill":
            wide = any(type(v) is int and v > MAX_LENGTH for v in values)
        elif method == "format":
            wide = bool(HUGE_NUMBER.search(text)) or (bool(NESTED_FIELD.search(text)) and any(
                type(v) is int and v > MAX_LENGTH for v in values)) or len(text) + sum(map(size, values)) > MAX_LENGTH
        elif method == "join" and args and isinstance(args[0], (list, tuple)):
            parts = args[0]
            wide = sum(len(p) for p in parts if isinstance(p, str)) + len(text) * len(parts) > MAX_LENGTH
        elif method == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
            wide = len(text) + text.count(args[0]) * max(0, len(args[1]) - len(args[0])) > MAX_LENGTH
        else:
            wide = False
        return self.refuse(self.too_long(f"str.{method}'s result"), node) if wide else True

    def allows_format(self, value: object, spec: str, node: cst.CSTNode) -> bool:
        """One replacement field of an f-string."""
        if HUGE_NUMBER.search(spec) or size(value) > MAX_LENGTH:
            return self.refuse(self.too_long("the formatted text"), node)
        return True

    @staticmethod
    def too_long(what: str) -> str:
        return f"{what} would be longer than {MAX_LENGTH:,} characters or items"
