"""matdiff: symbolic matrix calculus.

Reads matrix expressions, derives forward-mode tangents (dot(C)) and
reverse-mode adjoints (bar(A)), simplifies them, prints them as text,
Unicode, LaTeX, JSON or a NumPy module, and checks them numerically. The
engine is the Rust crate's, called through its front door.

    >>> import matdiff
    >>> print(matdiff.reverse("C = inv(A)"))
    bar(A) = -C' * bar(C) * C'
"""

from ._matdiff import (
    Derivation,
    Error,
    Line,
    Report,
    check,
    forward,
    grad,
    hessian,
    jacobian,
    reverse,
    simplify,
)

__all__ = [
    "Derivation",
    "Error",
    "Line",
    "Report",
    "check",
    "forward",
    "grad",
    "hessian",
    "jacobian",
    "reverse",
    "simplify",
]
