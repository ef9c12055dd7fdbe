"""Runs matdiff's generated NumPy modules, for tests/numpy.rs.

Reads on standard input a JSON array of cases:

    {"id": ..., "source": <the module's text>,
     "arguments": {key: float or rows (a list of lists)},
     "input": <the key of one input, left out to see it is required>,
     "expected": {result key: float or rows}}

For each case it checks that the module imports only numpy, runs
`derivatives(**arguments)` with vectors as n×1 arrays and again with
vectors as 1-D arrays and scalars as one-element arrays, compares every
result with the expected value (relative error at most 1e-8, same shape, a
float where a float is expected), and checks that an unknown or a missing
input is a TypeError. It prints {"ran": N, "failures": [{"id", "error"}]}
as JSON on standard output. One process for every case: starting Python and
importing numpy is most of the cost.
"""

import ast
import json
import sys
import traceback

import numpy

TOLERANCE = 1e-8


def as_array(value):
    return value if isinstance(value, float) else numpy.array(value, dtype=float)


def flattened(value):
    """The other accepted spelling: a 1-D array for a vector, a one-element
    array for a scalar; matrices as they are."""
    if isinstance(value, float):
        return numpy.array([value])
    if 1 in value.shape and value.shape != (1, 1):
        return value.reshape(-1)
    return value


def imports(source):
    """The modules the source imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module)
    return names


# Differences this small are rounding, whatever the values' size.
ROUNDING = 1e-13


def compare(key, got, expected):
    """Why `got` is not `expected`, or None."""
    if isinstance(expected, float):
        if type(got) is not float:
            return f"{key}: expected a float, got {type(got).__name__} {got!r}"
        got, expected = numpy.array(got), numpy.array(expected)
    elif not isinstance(got, numpy.ndarray) or got.shape != expected.shape:
        shape = getattr(got, "shape", type(got).__name__)
        return f"{key}: expected shape {expected.shape}, got {shape}"
    # A value whose terms cancel (x'Ax - x'A'x) is rounding noise of order
    # 1e-16 in one evaluator and an exact 0 in the other: equal, although
    # no relative error says so.
    if numpy.linalg.norm(got - expected) <= ROUNDING:
        return None
    scale = max(numpy.linalg.norm(expected), numpy.linalg.norm(got), 1e-12)
    error = numpy.linalg.norm(got - expected) / scale
    if not error <= TOLERANCE:
        return f"{key}: relative error {error:.3e}\n  got {got!r}\n  expected {expected!r}"
    return None


def run(case):
    """The problems with one case, as a list of messages."""
    source = case["source"]
    found = imports(source)
    if found != {"numpy"}:
        return [f"the module imports {sorted(found)}, not only numpy"]
    namespace = {"__name__": "matdiff_generated"}
    exec(compile(source, f"<{case['id']}>", "exec"), namespace)
    derivatives = namespace["derivatives"]
    arguments = {k: as_array(v) for k, v in case["arguments"].items()}
    expected = {k: as_array(v) for k, v in case["expected"].items()}
    problems = []
    for spelling, args in [
        ("n×1 vectors", arguments),
        ("1-D vectors", {k: flattened(v) for k, v in arguments.items()}),
    ]:
        results = derivatives(**args)
        if set(results) != set(expected):
            problems.append(f"{spelling}: keys {sorted(results)}, expected {sorted(expected)}")
            continue
        for key, value in expected.items():
            problem = compare(key, results[key], value)
            if problem:
                problems.append(f"{spelling}: {problem}")
    for what, args in [
        ("an unknown argument", dict(arguments, not_an_input=1.0)),
        ("a missing input", {k: v for k, v in arguments.items() if k != case["input"]}),
    ]:
        try:
            derivatives(**args)
            problems.append(f"{what} was accepted")
        except TypeError:
            pass
    return problems


def main():
    cases = json.load(sys.stdin)
    failures = []
    for case in cases:
        try:
            problems = run(case)
        except Exception:
            problems = [traceback.format_exc()]
        failures.extend({"id": case["id"], "error": p} for p in problems)
    json.dump({"ran": len(cases), "failures": failures}, sys.stdout)


if __name__ == "__main__":
    main()
