"""Shared helpers for the Python package's tests: where the repository is,
and Node.js with KaTeX for rendering LaTeX (tests/js, as tests/latex.rs
uses them)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# As in tests/common: when set (and not "0"), a missing tool fails the test
# instead of skipping it, so that CI cannot pass without running it.
REQUIRE_TOOLS = "MATDIFF_REQUIRE_TOOLS"


def tool_or_skip(suite, problem):
    """Skips the test, saying why, when `problem` is not None, or fails it
    when MATDIFF_REQUIRE_TOOLS is set."""
    if problem is None:
        return
    if os.environ.get(REQUIRE_TOOLS, "0") != "0":
        pytest.fail(f"{problem} ({REQUIRE_TOOLS} is set, so the {suite} tests must run)")
    pytest.skip(problem)


def runs(executable):
    """True when `executable --version` runs and succeeds."""
    try:
        return subprocess.run([executable, "--version"], capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.fixture(scope="session")
def node():
    """The Node.js executable ($MATDIFF_NODE, else `node` on the PATH),
    with KaTeX installed in tests/js."""
    executable = os.environ.get("MATDIFF_NODE") or shutil.which("node")
    problem = None
    if not executable or not runs(executable):
        problem = (
            "cannot run Node.js: install it (Debian: `apt-get install nodejs npm`; "
            "`bash .ci/run` does this) or point MATDIFF_NODE at it"
        )
    elif not (REPO / "tests/js/node_modules/katex").is_dir():
        problem = "KaTeX is not installed in tests/js: run `npm ci` there (`bash .ci/run` does this)"
    tool_or_skip("KaTeX", problem)
    return executable


@pytest.fixture(scope="session")
def cli():
    """The `matdiff` command as `cargo build` (or `cargo test`) left it:
    $MATDIFF_BIN, else target/debug/matdiff under $CARGO_TARGET_DIR or the
    repository. The Python package is compared with it."""
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    executable = os.environ.get("MATDIFF_BIN") or str(target / "debug" / "matdiff")
    problem = None
    if not runs(executable):
        problem = f"cannot run the command line as `{executable}`: build it with `cargo build` or set MATDIFF_BIN"
    tool_or_skip("command-line comparison", problem)

    def run(*arguments):
        done = subprocess.run([executable, *arguments], capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr

    return run
