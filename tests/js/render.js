// Renders LaTeX strings with KaTeX, for tests/latex.rs.
//
// Reads a JSON array of {"id", "tex", "display", "text_unicode"} on
// standard input and renders each with throwOnError. KaTeX's strict checks
// (input it accepts but LaTeX would not) are errors too, except that where
// "text_unicode" is true, Unicode inside \text{…} (unknownSymbol) is only
// reported as a warning. Prints {"rendered": N, "failures": [{"id", "tex",
// "error"}], "warnings": [{"id", "code", "message"}]} as JSON on standard
// output. One process for every string: starting Node is most of the cost.
"use strict";

const katex = require("katex");

/// Messages may cut a surrogate pair in two (KaTeX quotes the input around
/// an error by UTF-16 units); a lone half is not valid JSON text.
function wellFormed(text) {
  return String(text).replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    "\uFFFD"
  );
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  const cases = JSON.parse(input);
  const failures = [];
  const warnings = [];
  for (const { id, tex, display, text_unicode: textUnicode } of cases) {
    const strict = (code, message) => {
      if (textUnicode && code === "unknownSymbol") {
        warnings.push({ id, code, message: wellFormed(message) });
        return "ignore";
      }
      return "error";
    };
    try {
      katex.renderToString(tex, {
        throwOnError: true,
        displayMode: Boolean(display),
        strict,
      });
    } catch (error) {
      failures.push({ id, tex, error: wellFormed(error && error.message) });
    }
  }
  process.stdout.write(JSON.stringify({ rendered: cases.length, failures, warnings }));
});
