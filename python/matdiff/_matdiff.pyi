# Types of the native module (src/python), which `matdiff` re-exports.
from typing import Any, Callable, Dict, List, Optional, final

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

class Error(ValueError):
    """Bad input; str() is the full report with the caret."""

    line: Optional[int]
    """The line (from 1) of the place the error is about, or None."""
    column: Optional[int]
    """The column (from 1, in characters) of that place, or None."""
    message: str
    """What is wrong, without the place."""

@final
class Line:
    """One result line in every notation."""

    @property
    def lhs(self) -> str: ...
    @property
    def wrt(self) -> str: ...
    @property
    def expr(self) -> str: ...
    @property
    def unicode(self) -> str: ...
    @property
    def latex(self) -> str: ...
    @property
    def temporary(self) -> bool: ...

@final
class Derivation:
    """The results of a derivation, in every form the command line prints."""

    @property
    def lines(self) -> List[Line]: ...
    def _repr_latex_(self) -> str: ...
    def to_json(self) -> Dict[str, Any]: ...
    def numpy(self) -> str: ...
    def numpy_function(self) -> Callable[..., Dict[str, Any]]: ...

@final
class Report:
    """The outcome of check(); str() is the report."""

    @property
    def passed(self) -> bool: ...

def forward(
    program: str, wrt: Optional[List[str]] = None, expand: bool = False
) -> Derivation: ...
def reverse(
    program: str, wrt: Optional[List[str]] = None, expand: bool = False
) -> Derivation: ...
def grad(
    program: str, wrt: Optional[List[str]] = None, expand: bool = False
) -> Derivation: ...
def hessian(
    program: str, wrt: Optional[List[str]] = None, expand: bool = False
) -> Derivation: ...
def jacobian(
    program: str, wrt: Optional[List[str]] = None, expand: bool = False
) -> Derivation: ...
def simplify(expr: str) -> Derivation: ...
def check(program: str, seed: int = 0) -> Report: ...
