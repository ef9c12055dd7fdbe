"""The README's Python examples (its ```pycon blocks) run as doctests, one
session in the order they are written, so the README cannot drift from
what the package does."""

import doctest
import re

from conftest import REPO

BLOCK = re.compile(r"^```pycon\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def pycon_only(text):
    """The text with every line outside a ```pycon block blanked: one
    session of all the examples, each at its own line number."""
    kept = [""] * (text.count("\n") + 1)
    for block in BLOCK.finditer(text):
        first = text.count("\n", 0, block.start(1))
        for offset, line in enumerate(block.group(1).splitlines()):
            kept[first + offset] = line
    return "\n".join(kept)


def test_readme_python_examples_print_what_the_readme_says():
    path = REPO / "README.md"
    readme = path.read_text(encoding="utf-8")
    assert len(BLOCK.findall(readme)) >= 3, "the README's Python examples are in ```pycon blocks"
    test = doctest.DocTestParser().get_doctest(pycon_only(readme), {}, "README.md", str(path), 0)
    assert len(test.examples) >= 10
    runner = doctest.DocTestRunner()
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of the README's Python examples failed (see above)"
