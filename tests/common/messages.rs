//! Reading matdiff's sources for the messages they can print: the string
//! literals inside `Error::input(…)`, `.with_help(…)` and the like, and
//! matching a printed message against such a template.

/// `\n`, `\t`, `\\` and `\"` as Rust reads them in a string literal, and a
/// `\` at the end of a line joining it to the next one's text.
pub fn decode_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\n') => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A source file with its string literals and comments blanked out (byte
/// for byte, so offsets agree), and its string literals, decoded, each
/// with the byte offset it starts at.
pub fn lex(source: &str) -> (String, Vec<(usize, String)>) {
    let bytes = source.as_bytes();
    let mut code = bytes.to_vec();
    let mut literals = Vec::new();
    let blank = |code: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut code[from..to] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let ident_before = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = source[i..].find('\n').map_or(bytes.len(), |e| i + e);
                blank(&mut code, i, end);
                i = end;
            }
            b'r' if !ident_before && matches!(bytes.get(i + 1), Some(b'"' | b'#')) => {
                let hashes = bytes[i + 1..].iter().take_while(|b| **b == b'#').count();
                if bytes.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let open = i + 2 + hashes;
                let close = format!("\"{}", "#".repeat(hashes));
                let end = source[open..]
                    .find(&close)
                    .map_or(bytes.len(), |e| open + e);
                literals.push((i, source[open..end].to_string()));
                let stop = (end + close.len()).min(bytes.len());
                blank(&mut code, i, stop);
                i = stop;
            }
            b'"' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(bytes.len());
                literals.push((i, decode_escapes(&source[i + 1..end])));
                let stop = (end + 1).min(bytes.len());
                blank(&mut code, i, stop);
                i = stop;
            }
            b'\'' => {
                // A character literal ('x', '\n', '"'), or else a lifetime.
                if bytes.get(i + 1) == Some(&b'\\') {
                    let end = source[i + 2..]
                        .find('\'')
                        .map_or(bytes.len(), |e| i + 3 + e);
                    blank(&mut code, i, end);
                    i = end;
                } else if let Some(c) = source[i + 1..].chars().next() {
                    let after = i + 1 + c.len_utf8();
                    if bytes.get(after) == Some(&b'\'') {
                        blank(&mut code, i, after + 1);
                        i = after + 1;
                    } else {
                        i += 1;
                    }
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    (String::from_utf8_lossy(&code).into_owned(), literals)
}

/// Calls whose string arguments are messages or hints.
pub const MESSAGE_CALLS: [&str; 5] = [
    "Error::input(",
    "Error::whole_program(",
    "Error::usage(",
    ".with_help(",
    "line_error(",
];

/// The literals written inside the message calls of a source file, with
/// their line numbers: only those with words (a letter and a space), so not
/// the option name of `Error::usage` or a list's `", "`.
pub fn message_literals(source: &str) -> Vec<(usize, String)> {
    let (code, literals) = lex(source);
    let mut out = Vec::new();
    for call in MESSAGE_CALLS {
        for (start, _) in code.match_indices(call) {
            let open = start + call.len();
            let mut depth = 1;
            let mut end = open;
            for (offset, b) in code[open..].bytes().enumerate() {
                match b {
                    b'(' => depth += 1,
                    b')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = open + offset;
                    break;
                }
            }
            for (at, literal) in &literals {
                if (open..end).contains(at)
                    && literal.contains(' ')
                    && literal.chars().any(char::is_alphabetic)
                {
                    let line = source[..*at].matches('\n').count() + 1;
                    out.push((line, literal.clone()));
                }
            }
        }
    }
    out
}

/// The fixed parts of a template, between its `{…}` placeholders.
pub fn fixed_parts(template: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        parts.push(&rest[..open]);
        rest = rest[open..]
            .find('}')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    parts.push(rest);
    parts.retain(|p| !p.is_empty());
    parts
}

/// Whether `text` holds the fixed parts of `template` in order.
pub fn matches_template(text: &str, template: &str) -> bool {
    let mut rest = text;
    for part in fixed_parts(template) {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// The lines of a message a template may be on: the `error:` line, or the
/// text of its `= help:` or `= note:` lines.
pub fn message_lines<'a>(stderr: &'a str, part: &str) -> Vec<&'a str> {
    match part {
        "error" => stderr.lines().take(1).collect(),
        _ => {
            let prefix = format!("  = {part}: ");
            stderr
                .lines()
                .filter_map(|l| l.strip_prefix(prefix.as_str()))
                .collect()
        }
    }
}
