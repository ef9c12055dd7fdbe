//! Mutation testing: valid programs, damaged a little, must still be handled
//! gracefully.
//!
//! The seeds are the valid programs of the derivation corpora
//! (`tests/data/corpus-*.jsonl`, `tests/data/second-order.jsonl`) and of the
//! step-by-step snapshots (`tests/data/steps/*.txt`, comments included).
//! Each case applies one to three mutations (one most often) to a seed, at
//! the level of characters (delete, insert or replace one, swap two adjacent
//! ones) or of tokens (delete one, duplicate one, swap two, replace one or
//! insert one from the language: operators, functions, `I`, `ones`,
//! numbers, the program's own names, brackets, separators, declaration
//! words; replace one by another of its kind, which keeps more mutants
//! well-formed; insert a stretch of another seed's tokens).
//!
//! Every mutant goes through the library as the command line would run it,
//! on a thread with the command line's stack ([`matdiff::limits::STACK_BYTES`]):
//! shape analysis, `derive` in every mode with and without `expand`, every
//! printer on every line (the plain form must read back as the same tree),
//! and `check` with seed 1 (what `matdiff check` uses). The properties:
//!
//! - nothing panics, and nothing runs longer than [`TIME_LIMIT`];
//! - every error points inside the text (or just past its end, for an
//!   unexpected end of input), on character boundaries, and has a message;
//! - when `check` returns a report, every comparison in it passes. (`check`
//!   may refuse, for instance when an intermediate is singular.)
//!
//! [`CASES`] cases run from the fixed seed [`SEED`], without persistence;
//! `PROPTEST_CASES` and `PROPTEST_RNG_SEED` override both, to explore. The
//! run takes about 7 s in the test profile on a busy 2-core machine. Outcomes
//! are counted — refused by parsing or analysis, derived in some mode,
//! checked — and a fair share must reach each stage, so the test cannot pass
//! by mutating every program into garbage: of the 3000, about 75% are
//! refused, 24% derived and 23.5% checked; at least 20% must be refused and
//! 10% derived and checked.
//!
//! A failure is reported with the mutated program and the seed it came
//! from, shrunk by proptest. Programs of [`KNOWN_FAILURES`] are skipped by
//! exact match until the bug they show is fixed.

// For the list of runs every robustness test shares.
#[allow(dead_code)]
#[path = "common/pipeline.rs"]
mod pipeline;

mod common;

use matdiff::check::check;
use matdiff::derive::{derive, Options};
use matdiff::error::{Error, Origin};
use matdiff::print::{render, Notation};
use pipeline::RUNS;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How many mutants are run.
const CASES: u32 = 3000;

/// The fixed seed of the mutations.
const SEED: u64 = 0x6d75_7461_6e74;

/// Longest one mutant may take before it counts as a hang.
const TIME_LIMIT: Duration = Duration::from_secs(30);

/// The seed `check` draws its random inputs from (the command line's default).
const CHECK_SEED: u64 = 1;

/// Minimal mutants that still fail, skipped by exact match until fixed; each
/// with what goes wrong.
const KNOWN_FAILURES: &[&str] = &[];

// ---------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------

/// The `program` field of every line of a JSON-lines corpus.
fn corpus_programs(file: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}: {line}: {e}"));
            value["program"]
                .as_str()
                .unwrap_or_else(|| panic!("{file}: no program in {line}"))
                .to_string()
        })
        .collect()
}

/// Every seed program, each once, in a fixed order.
fn seeds() -> Vec<String> {
    let mut seeds = Vec::new();
    for file in [
        "corpus-public.jsonl",
        "corpus-extra.jsonl",
        "second-order.jsonl",
    ] {
        seeds.extend(corpus_programs(file));
    }
    let steps = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/steps");
    let mut files: Vec<_> = std::fs::read_dir(&steps)
        .expect("tests/data/steps exists")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    for file in files {
        seeds.push(std::fs::read_to_string(&file).expect("a readable program"));
    }
    let mut seen = std::collections::HashSet::new();
    seeds.retain(|seed| seen.insert(seed.clone()));
    seeds
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/// Characters inserted or written over others: the language's own, some
/// whitespace it treats specially, and a few it does not know (a letter and
/// a non-letter outside ASCII, a control character).
const CHARACTERS: &[char] = &[
    'A', 'B', 'C', 'I', 'T', 'X', 'a', 'b', 'f', 'x', 'y', 'n', 'm', '0', '1', '2', '5', '9', '.',
    ',', ';', ':', '=', '+', '-', '*', '/', '^', '\'', '(', ')', '#', '_', ' ', '\n', '\t', '\r',
    'σ', 'ᵀ', 'é', '∑', '\u{0}',
];

/// Tokens of the language, inserted or written over others; the program's
/// own names are added to these.
const TOKENS: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    ".*",
    "./",
    ".^",
    "^",
    "'",
    "^T",
    "inv",
    "tr",
    "det",
    "logdet",
    "inner",
    "sum",
    "norm",
    "diag",
    "exp",
    "log",
    "sqrt",
    "sin",
    "cos",
    "tanh",
    "norm1",
    "logsumexp",
    "softmax",
    "solve",
    "\\",
    "vec",
    "kron",
    "I",
    "ones",
    "0",
    "1",
    "2",
    "-1",
    "0.5",
    "1/2",
    "(1/2)",
    "3",
    "64",
    "(",
    ")",
    ",",
    ";",
    "\n",
    ":",
    "=",
    "scalar",
    "vector",
    "matrix",
    "symmetric",
    "n",
    "m",
];

/// A choice among however many there are: its number modulo the count
/// (shrinks towards the first).
#[derive(Clone, Copy, Debug)]
struct Index(u32);

impl Index {
    fn index(self, count: usize) -> usize {
        assert!(count > 0, "a choice among none");
        self.0 as usize % count
    }

    fn get<T>(self, items: &[T]) -> &T {
        &items[self.index(items.len())]
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    DeleteChar(Index),
    InsertChar(Index, Index),
    ReplaceChar(Index, Index),
    SwapChars(Index),
    DeleteToken(Index),
    DuplicateToken(Index),
    SwapTokens(Index, Index),
    ReplaceToken(Index, Index),
    /// Replace a token by one of its kind: an operator by an operator, a
    /// function by a function, a name by a name, and so on.
    ReplaceLike(Index, Index),
    InsertToken(Index, Index),
    /// Insert a stretch of up to eight tokens of another seed program.
    Splice {
        at: Index,
        seed: Index,
        start: Index,
        len: Index,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = || any::<u32>().prop_map(Index);
    prop_oneof![
        1 => i().prop_map(Mutation::DeleteChar),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::InsertChar(a, b)),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::ReplaceChar(a, b)),
        1 => i().prop_map(Mutation::SwapChars),
        1 => i().prop_map(Mutation::DeleteToken),
        1 => i().prop_map(Mutation::DuplicateToken),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::SwapTokens(a, b)),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::ReplaceToken(a, b)),
        3 => (i(), i()).prop_map(|(a, b)| Mutation::ReplaceLike(a, b)),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::InsertToken(a, b)),
        1 => (i(), i(), i(), i()).prop_map(|(at, seed, start, len)| Mutation::Splice {
            at,
            seed,
            start,
            len
        }),
    ]
}

/// A piece of program text: whitespace (newlines apart), a comment, a name,
/// a number, a two-character operator, or any other single character.
/// Concatenated, the pieces are the text again.
#[derive(Clone, Debug)]
struct Token {
    text: String,
    /// Whitespace other than a newline: never mutated as a token.
    blank: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let mut blank = false;
        if c.is_whitespace() && c != '\n' {
            blank = true;
            while i < chars.len() && chars[i].is_whitespace() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
        } else if is_word_char(c) {
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
        } else if c == '.' && i + 1 < chars.len() && matches!(chars[i + 1], '*' | '/' | '^') {
            i += 2;
        } else {
            i += 1;
        }
        tokens.push(Token {
            text: chars[start..i].iter().collect(),
            blank,
        });
    }
    tokens
}

/// The positions in `tokens` of those that are not blank.
fn significant(tokens: &[Token]) -> Vec<usize> {
    (0..tokens.len()).filter(|&i| !tokens[i].blank).collect()
}

/// The language's tokens and the names in `tokens`.
fn vocabulary(tokens: &[Token]) -> Vec<String> {
    let mut words: Vec<String> = TOKENS.iter().map(|t| t.to_string()).collect();
    for token in tokens {
        let first = token.text.chars().next();
        if first.is_some_and(char::is_alphabetic) && !words.contains(&token.text) {
            words.push(token.text.clone());
        }
    }
    words
}

/// Tokens of the language, by kind.
const KINDS: &[&[&str]] = &[
    &["+", "-", "*", "/", ".*", "./"],
    &["'", "^T", "^2", "^-1", ".^2", ".^(1/2)", "'''"],
    &[
        "inv", "tr", "det", "logdet", "sum", "norm", "diag", "exp", "log", "sqrt", "sin", "cos",
        "tanh", "inner",
    ],
    &["scalar", "vector", "matrix", "symmetric"],
    &["(", ")", ",", ";", "\n", ":", "="],
];

/// The tokens of the kind of `token`: the other names of the program and the
/// constants for a name or number, its kind in [`KINDS`] else, and the whole
/// vocabulary for anything else.
fn kin(token: &str, tokens: &[Token]) -> Vec<String> {
    if let Some(kind) = KINDS.iter().find(|kind| kind.contains(&token)) {
        return kind.iter().map(|t| t.to_string()).collect();
    }
    let first = token.chars().next();
    if first.is_some_and(|c| c.is_alphanumeric()) {
        let mut words: Vec<String> = ["I", "ones", "0", "1", "2", "0.5"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        for other in tokens {
            let first = other.text.chars().next();
            let function = KINDS
                .iter()
                .flat_map(|k| k.iter())
                .any(|k| *k == other.text);
            if first.is_some_and(char::is_alphabetic) && !function && !words.contains(&other.text) {
                words.push(other.text.clone());
            }
        }
        return words;
    }
    vocabulary(tokens)
}

fn apply(text: &str, mutation: &Mutation, seeds: &[String]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let mut tokens = tokenize(text);
    let places = significant(&tokens);
    match mutation {
        Mutation::DeleteChar(at) => {
            if !chars.is_empty() {
                chars.remove(at.index(chars.len()));
            }
        }
        Mutation::InsertChar(at, c) => {
            chars.insert(at.index(chars.len() + 1), *c.get(CHARACTERS));
        }
        Mutation::ReplaceChar(at, c) => {
            if !chars.is_empty() {
                let i = at.index(chars.len());
                chars[i] = *c.get(CHARACTERS);
            }
        }
        Mutation::SwapChars(at) => {
            if chars.len() >= 2 {
                let i = at.index(chars.len() - 1);
                chars.swap(i, i + 1);
            }
        }
        Mutation::DeleteToken(at) => {
            if !places.is_empty() {
                tokens.remove(places[at.index(places.len())]);
            }
        }
        Mutation::DuplicateToken(at) => {
            if !places.is_empty() {
                let i = places[at.index(places.len())];
                tokens[i].text = format!("{0} {0}", tokens[i].text);
            }
        }
        Mutation::SwapTokens(a, b) => {
            if !places.is_empty() {
                let (i, j) = (places[a.index(places.len())], places[b.index(places.len())]);
                tokens.swap(i, j);
            }
        }
        Mutation::ReplaceToken(at, word) => {
            if !places.is_empty() {
                let words = vocabulary(&tokens);
                let i = places[at.index(places.len())];
                tokens[i].text = format!(" {} ", word.get(&words));
            }
        }
        Mutation::ReplaceLike(at, word) => {
            if !places.is_empty() {
                let i = places[at.index(places.len())];
                let kind = kin(&tokens[i].text, &tokens);
                tokens[i].text = format!(" {} ", word.get(&kind));
            }
        }
        Mutation::InsertToken(at, word) => {
            let words = vocabulary(&tokens);
            let token = Token {
                text: format!(" {} ", word.get(&words)),
                blank: false,
            };
            tokens.insert(at.index(tokens.len() + 1), token);
        }
        Mutation::Splice {
            at,
            seed,
            start,
            len,
        } => {
            let other = tokenize(seed.get(seeds).as_str());
            let first = start.index(other.len());
            let last = (first + 1 + len.index(8)).min(other.len());
            let stretch: String = other[first..last].iter().map(|t| t.text.as_str()).collect();
            let token = Token {
                text: format!(" {stretch} "),
                blank: false,
            };
            tokens.insert(at.index(tokens.len() + 1), token);
        }
    }
    match mutation {
        Mutation::DeleteChar(_)
        | Mutation::InsertChar(..)
        | Mutation::ReplaceChar(..)
        | Mutation::SwapChars(_) => chars.into_iter().collect(),
        _ => tokens.into_iter().map(|t| t.text).collect(),
    }
}

/// A seed and the mutations made to it.
#[derive(Clone, Debug)]
struct Mutant {
    seed: String,
    mutations: Vec<Mutation>,
    text: String,
}

fn mutants(seeds: Vec<String>) -> impl Strategy<Value = Mutant> {
    let count = seeds.len();
    let seeds = std::sync::Arc::new(seeds);
    (
        0..count,
        // One mutation most often, three least.
        prop_oneof![
            3 => prop::collection::vec(mutation(), 1..=1),
            2 => prop::collection::vec(mutation(), 1..=2),
            1 => prop::collection::vec(mutation(), 1..=3),
        ],
    )
        .prop_map(move |(which, mutations)| {
            let seed = seeds[which].clone();
            let text = mutations
                .iter()
                .fold(seed.clone(), |t, m| apply(&t, m, &seeds));
            Mutant {
                seed,
                mutations,
                text,
            }
        })
}

// ---------------------------------------------------------------------------
// One mutant through the pipeline
// ---------------------------------------------------------------------------

/// How far a mutant got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Refused by parsing or shape analysis.
    Refused,
    /// Analysed; `derived` of the eight runs (four modes, with and without
    /// `expand`) gave a result, and `check` ran (and passed) or not.
    Analysed { derived: usize, checked: bool },
}

/// An error must point inside the text (or just past its end), on
/// character boundaries, and say something.
fn sound_error(error: &Error, text: &str, stage: &str) -> Result<(), String> {
    if error.message.trim().is_empty() {
        return Err(format!("{stage}: an error without a message: {error:?}"));
    }
    if let (Origin::Program, Some(span)) = (&error.origin, error.span) {
        let past_end = span.start == text.len() && span.end == text.len() + 1;
        if !past_end {
            if !(span.start <= span.end && span.end <= text.len()) {
                return Err(format!(
                    "{stage}: error span {span:?} outside the {}-byte program: {}",
                    text.len(),
                    error.message
                ));
            }
            if !(text.is_char_boundary(span.start) && text.is_char_boundary(span.end)) {
                return Err(format!(
                    "{stage}: error span {span:?} splits a character: {}",
                    error.message
                ));
            }
        }
    }
    // Rendering must not panic either.
    let _ = error.render(text);
    Ok(())
}

/// Runs `text` through analysis, every mode, the printers and the check;
/// `Err` says which property broke.
fn exercise(text: &str) -> Result<Outcome, String> {
    let model = match matdiff::shape::analyze_source(text) {
        Ok(model) => model,
        Err(error) => {
            if std::env::var_os("MUTATION_DEBUG").is_some() {
                eprintln!("REFUSED {text:?}: {}", error.message);
            }
            sound_error(&error, text, "analysis")?;
            return Ok(Outcome::Refused);
        }
    };
    let mut derived = 0;
    for (mode, expand) in RUNS {
        let stage = format!("{mode:?}{}", if expand { " --expand" } else { "" });
        let options = Options {
            expand,
            ..Default::default()
        };
        let derivation = match derive(&model, mode, &options) {
            Ok(derivation) => derivation,
            Err(error) => {
                sound_error(&error, text, &stage)?;
                continue;
            }
        };
        derived += 1;
        for line in &derivation.lines {
            let plain = render(&line.expr, Notation::Plain);
            let reread = matdiff::parse::parse_expr(&plain)
                .map_err(|e| format!("{stage}: printed `{plain}` does not parse: {e}"))?;
            let again = render(&reread, Notation::Plain);
            if again != plain {
                return Err(format!(
                    "{stage}: printed `{plain}` reads back as `{again}`"
                ));
            }
            render(&line.expr, Notation::Unicode);
            render(&line.expr, Notation::Latex);
        }
    }
    let checked = match check(&model, None, CHECK_SEED) {
        Ok(report) if report.passed() => true,
        Ok(report) => return Err(format!("the check failed:\n{report}")),
        Err(error) => {
            sound_error(&error, text, "check")?;
            false
        }
    };
    Ok(Outcome::Analysed { derived, checked })
}

/// Runs [`exercise`] on its own thread with the command line's stack,
/// turning a panic or a hang into an `Err`.
fn run(text: &str) -> Result<Outcome, String> {
    let (send, receive) = mpsc::channel();
    let owned = text.to_string();
    std::thread::Builder::new()
        .stack_size(matdiff::limits::STACK_BYTES)
        .spawn(move || {
            let result = std::panic::catch_unwind(|| exercise(&owned)).unwrap_or_else(|panic| {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".to_string());
                Err(format!("panicked: {why}"))
            });
            let _ = send.send(result);
        })
        .expect("the mutant's thread starts");
    match receive.recv_timeout(TIME_LIMIT) {
        Ok(result) => result,
        // The thread is left behind; the test fails either way.
        Err(_) => Err(format!("still running after {TIME_LIMIT:?}")),
    }
}

// ---------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------

fn config() -> Config {
    Config {
        max_shrink_iters: 1024,
        // A hang costs TIME_LIMIT a try: stop shrinking after ten minutes.
        max_shrink_time: 600_000,
        ..common::fixed_proptest_config(CASES, SEED)
    }
}

#[derive(Default)]
struct Tally {
    cases: AtomicUsize,
    refused: AtomicUsize,
    analysed: AtomicUsize,
    derived: AtomicUsize,
    checked: AtomicUsize,
    skipped: AtomicUsize,
}

#[test]
fn mutated_programs_are_refused_or_derived_and_checked() {
    let seeds = seeds();
    assert!(seeds.len() >= 60, "only {} seed programs", seeds.len());
    // Every seed is valid to begin with.
    for seed in &seeds {
        if let Err(error) = matdiff::shape::analyze_source(seed) {
            panic!("the seed does not analyse:\n{seed}\n{}", error.render(seed));
        }
    }
    let tally = Tally::default();
    let started = Instant::now();
    let mut runner = TestRunner::new(config());
    let result = runner.run(&mutants(seeds), |mutant| {
        if KNOWN_FAILURES.contains(&mutant.text.as_str()) {
            tally.skipped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let outcome = run(&mutant.text).map_err(|why| {
            TestCaseError::fail(format!(
                "{why}\n--- the mutant ---\n{}\n--- mutated from ---\n{}\n--- by ---\n{:?}",
                mutant.text, mutant.seed, mutant.mutations
            ))
        })?;
        tally.cases.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Outcome::Refused => {
                tally.refused.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Analysed { derived, checked } => {
                tally.analysed.fetch_add(1, Ordering::Relaxed);
                if derived > 0 {
                    tally.derived.fetch_add(1, Ordering::Relaxed);
                }
                if checked {
                    tally.checked.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    let get = |n: &AtomicUsize| n.load(Ordering::Relaxed);
    let cases = get(&tally.cases);
    eprintln!(
        "{cases} mutants in {:.1?}: {} refused, {} analysed, {} derived in some mode, \
         {} checked; {} known failures skipped",
        started.elapsed(),
        get(&tally.refused),
        get(&tally.analysed),
        get(&tally.derived),
        get(&tally.checked),
        get(&tally.skipped),
    );
    // Not vacuous: a fair share of mutants survives to each stage.
    assert!(get(&tally.refused) * 5 >= cases, "too few mutants refused");
    // A sixth, not a fifth: the seeds of `vec` and `kron` fix their sizes
    // by declaration, and most mutants of those are refused.
    assert!(get(&tally.derived) * 6 >= cases, "too few mutants derived");
    assert!(get(&tally.checked) * 10 >= cases, "too few mutants checked");
}

#[test]
fn mutations_do_what_they_say() {
    let text = "C = inv(A) .* B # note\nx";
    let tokens = tokenize(text);
    assert_eq!(
        tokens.iter().map(|t| t.text.as_str()).collect::<String>(),
        text
    );
    let kept: Vec<&str> = tokens
        .iter()
        .filter(|t| !t.blank)
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(
        kept,
        ["C", "=", "inv", "(", "A", ")", ".*", "B", "# note", "\n", "x"]
    );
    let first = Index(0);
    let seeds = ["y = A * x".to_string()];
    let apply = |text: &str, mutation: Mutation| apply(text, &mutation, &seeds);
    assert_eq!(apply("ab", Mutation::DeleteChar(first)), "b");
    assert_eq!(apply("ab", Mutation::SwapChars(first)), "ba");
    assert_eq!(apply("A * B", Mutation::DeleteToken(first)), " * B");
    assert_eq!(apply("A * B", Mutation::DuplicateToken(first)), "A A * B");
    assert_eq!(
        apply("A * B", Mutation::SwapTokens(first, Index(2))),
        "B * A"
    );
    assert_eq!(apply("σ * B", Mutation::ReplaceChar(first, first)), "A * B");
    assert_eq!(
        apply("A * B", Mutation::ReplaceLike(Index(1), Index(4))),
        "A  .*  B"
    );
    let splice = Mutation::Splice {
        at: Index(3),
        seed: first,
        start: Index(4),
        len: Index(2),
    };
    assert_eq!(apply("f = sum(x)", splice), "f = A *  sum(x)");
}
