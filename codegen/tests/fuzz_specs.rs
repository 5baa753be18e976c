//! Robustness: the toolchain must never panic on any spec, however broken.
//!
//! Every spec under `tests/specs/` and `tests/bad/` is mutated with a seeded, deterministic
//! generator (token deletion and duplication, identifier swaps and replacements,
//! truncation, random characters, line swaps, extreme numbers) and fed to `generate`; the
//! diagnostics or the output are rendered too, since bad spans panic there. A failing case
//! is reported with its seed and the exact source, so it can be replayed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

/// Total mutated cases, spread evenly over the seed specs.
const CASES: u64 = 3000;

/// A splitmix64 generator: tiny, seedable, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n` must be positive.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    Str,
    Punct,
    Space,
    Comment,
}

#[derive(Clone)]
struct Token {
    kind: Kind,
    text: String,
}

const TWO_CHAR: [&str; 10] = ["->", "&&", "||", "==", "!=", "<=", ">=", "+=", "-=", "::"];

/// Splits a spec into tokens whose concatenation is the spec again.
fn tokenize(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let kind = if c.is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            Kind::Space
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            Kind::Comment
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' && chars[i] != '\n' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            Kind::Str
        } else if c.is_ascii_digit() {
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            Kind::Number
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            Kind::Ident
        } else {
            let pair: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            i += if TWO_CHAR.contains(&pair.as_str()) {
                2
            } else {
                1
            };
            Kind::Punct
        };
        tokens.push(Token {
            kind,
            text: chars[start..i].iter().collect(),
        });
    }
    tokens
}

fn join(tokens: &[Token]) -> String {
    tokens.iter().map(|t| t.text.as_str()).collect()
}

/// Indices of tokens of the given kinds.
fn positions(tokens: &[Token], kinds: &[Kind]) -> Vec<usize> {
    (0..tokens.len())
        .filter(|&i| kinds.contains(&tokens[i].kind))
        .collect()
}

/// Characters and fragments worth inserting: delimiters, quotes, operators, unicode
/// (multi-byte, right-to-left override, combining mark), control characters, keywords.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "\"",
    ";",
    ",",
    ":",
    ".",
    "::",
    "->",
    "=",
    "!",
    "&&",
    "||",
    "+",
    "-",
    "*",
    "/",
    "///",
    "//",
    "\\",
    "'",
    "é",
    "🦀",
    "\u{202e}",
    "\u{301}",
    "\u{feff}",
    "\0",
    "\t",
    "\n",
    "\r",
    "\r\n",
    " ",
    "0",
    "-",
    "none",
    "some(",
    "self.",
    "old(",
    "same",
    "*",
    "Phase::",
    "machine",
    "transition",
    "guard",
    "update",
    "emit",
    "invariant",
    "state",
    "phases",
    "initial",
    "terminal",
    "input",
    "effect",
    "struct",
    "enum",
    "type",
    "for",
    "in",
    "if",
    "else",
    "all",
    "any",
    "implies",
    "Option<",
    "Seq<",
    "Set<",
    "Map<",
    "u64",
    "i64",
    "bool",
    "string",
];

/// Numbers at and beyond the edges of `u64` and `i64`.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999999999999999",
    "00",
    "1_000",
    "0x10",
];

/// Keywords that shape the syntax (type names and literals are not among them).
const STRUCTURAL: &[&str] = &[
    "machine",
    "type",
    "enum",
    "struct",
    "phases",
    "initial",
    "terminal",
    "state",
    "input",
    "effect",
    "transition",
    "on",
    "from",
    "same",
    "guard",
    "update",
    "emit",
    "invariant",
    "if",
    "else",
    "for",
    "in",
    "all",
    "any",
    "implies",
    "self",
    "old",
    "some",
];

/// Operators that can replace each other without breaking the syntax.
const OPERATORS: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "+", "-", "&&", "||", "implies", "in", "+=", "-=", "=",
];

/// The mutations, weighted so that a good share of the results still parse and exercise
/// the checker and the generators rather than only the parser's error path.
#[derive(Clone, Copy)]
enum Mutation {
    DeleteToken,
    DuplicateToken,
    SwapIdents,
    ReplaceIdent,
    Truncate,
    Insert,
    SwapLines,
    DeleteLine,
    DuplicateLine,
    SwapOperator,
    ExtremeNumber,
}

const MUTATIONS: &[(Mutation, usize)] = &[
    (Mutation::DeleteToken, 1),
    (Mutation::DuplicateToken, 1),
    (Mutation::SwapIdents, 3),
    (Mutation::ReplaceIdent, 4),
    (Mutation::Truncate, 1),
    (Mutation::Insert, 2),
    (Mutation::SwapLines, 1),
    (Mutation::DeleteLine, 3),
    (Mutation::DuplicateLine, 1),
    (Mutation::SwapOperator, 3),
    (Mutation::ExtremeNumber, 2),
];

fn pick_mutation(rng: &mut Rng) -> Mutation {
    let total: usize = MUTATIONS.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(total);
    for (mutation, weight) in MUTATIONS {
        if roll < *weight {
            return *mutation;
        }
        roll -= weight;
    }
    Mutation::DeleteToken
}

/// Applies one random mutation (possibly none, when the spec has nothing it applies to).
fn mutate_once(source: &str, rng: &mut Rng) -> String {
    let mut tokens = tokenize(source);
    let solid = positions(
        &tokens,
        &[Kind::Ident, Kind::Number, Kind::Str, Kind::Punct],
    );
    let all_idents = positions(&tokens, &[Kind::Ident]);
    // Mostly names (and type names), whose replacement keeps the syntax; sometimes any
    // identifier, keywords included.
    let idents = if rng.below(5) == 0 {
        all_idents
    } else {
        all_idents
            .into_iter()
            .filter(|&i| !STRUCTURAL.contains(&tokens[i].text.as_str()))
            .collect()
    };
    let mut lines: Vec<&str> = source.split('\n').collect();
    match pick_mutation(rng) {
        Mutation::DeleteToken if !solid.is_empty() => {
            tokens.remove(*rng.pick(&solid));
        }
        Mutation::DuplicateToken if !solid.is_empty() => {
            let i = *rng.pick(&solid);
            let copy = tokens[i].clone();
            tokens.insert(i, copy);
        }
        Mutation::SwapIdents if !idents.is_empty() => {
            let (a, b) = (*rng.pick(&idents), *rng.pick(&idents));
            let text = tokens[a].text.clone();
            tokens[a].text = std::mem::replace(&mut tokens[b].text, text);
        }
        Mutation::ReplaceIdent if !idents.is_empty() => {
            let (a, b) = (*rng.pick(&idents), *rng.pick(&idents));
            tokens[a].text = tokens[b].text.clone();
        }
        Mutation::Truncate => {
            let cut = source
                .char_indices()
                .map(|(i, _)| i)
                .nth(rng.below(source.chars().count() + 1))
                .unwrap_or(source.len());
            return source[..cut].to_owned();
        }
        Mutation::Insert => {
            let at = rng.below(tokens.len() + 1);
            let text = if rng.below(4) == 0 {
                char::from_u32(rng.below(0x11_0000) as u32)
                    .unwrap_or('\u{fffd}')
                    .to_string()
            } else {
                (*rng.pick(FRAGMENTS)).to_owned()
            };
            tokens.insert(
                at,
                Token {
                    kind: Kind::Punct,
                    text,
                },
            );
        }
        Mutation::SwapLines => {
            let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(a, b);
            return lines.join("\n");
        }
        Mutation::DeleteLine => {
            lines.remove(rng.below(lines.len()));
            return lines.join("\n");
        }
        Mutation::DuplicateLine => {
            let i = rng.below(lines.len());
            lines.insert(i, lines[i]);
            return lines.join("\n");
        }
        Mutation::SwapOperator => {
            let operators: Vec<usize> = (0..tokens.len())
                .filter(|&i| OPERATORS.contains(&tokens[i].text.as_str()))
                .collect();
            if !operators.is_empty() {
                let i = *rng.pick(&operators);
                tokens[i].text = (*rng.pick(OPERATORS)).to_owned();
            }
        }
        Mutation::ExtremeNumber => {
            let numbers = positions(&tokens, &[Kind::Number]);
            let pool = if numbers.is_empty() { &solid } else { &numbers };
            if !pool.is_empty() {
                let i = *rng.pick(pool);
                tokens[i].text = (*rng.pick(NUMBERS)).to_owned();
            }
        }
        _ => {}
    }
    join(&tokens)
}

/// One mutation most of the time, sometimes two or three.
fn mutate(source: &str, rng: &mut Rng) -> String {
    let rounds = match rng.below(10) {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    let mut text = source.to_owned();
    for _ in 0..rounds {
        text = mutate_once(&text, rng);
    }
    text
}

/// Runs the whole toolchain on `source`, rendering whatever comes out. `Err` holds the
/// panic message.
fn run(source: &str) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| {
        match suricate_codegen::generate(source, "fuzz.machine") {
            Ok(output) => {
                let _ = output.warnings.render();
                let _ = output.rust_file("fuzz.machine");
            }
            Err(diagnostics) => {
                let _ = diagnostics.render();
            }
        }
    }))
    .map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned())
    })
}

/// The seed specs: every `.machine` file in `tests/specs/` and `tests/bad/`, sorted so
/// the case list is deterministic.
fn seed_specs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut specs = Vec::new();
    for dir in ["specs", "bad"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "machine")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                specs.push((
                    format!("{dir}/{}", entry.file_name().to_string_lossy()),
                    text,
                ));
            }
        }
    }
    specs.sort();
    specs
}

fn report(failures: &[(String, String, String)]) -> String {
    let mut by_message = std::collections::BTreeMap::<&str, usize>::new();
    for (_, message, _) in failures {
        *by_message.entry(message.as_str()).or_default() += 1;
    }
    let mut out = format!("{} inputs panicked:\n", failures.len());
    for (message, count) in by_message {
        out.push_str(&format!("  {count:>5} x {message}\n"));
    }
    out.push_str("the first ones:\n");
    for (what, message, source) in failures.iter().take(5) {
        out.push_str(&format!(
            "\n=== {what}\npanic: {message}\n--- source ---\n{source}\n--------------\n"
        ));
    }
    out
}

#[test]
fn mutated_specs_never_panic() {
    let specs = seed_specs();
    assert!(
        !specs.is_empty(),
        "no seed specs under tests/specs or tests/bad"
    );
    let started = Instant::now();
    let mut failures = Vec::new();
    for (name, source) in &specs {
        if let Err(message) = run(source) {
            failures.push((format!("unmutated {name}"), message, source.clone()));
        }
    }
    for case in 0..CASES {
        let (name, source) = &specs[(case % specs.len() as u64) as usize];
        let mut rng = Rng(case);
        let mutated = mutate(source, &mut rng);
        if let Err(message) = run(&mutated) {
            failures.push((format!("case {case} (from {name})"), message, mutated));
        }
    }
    eprintln!(
        "{} cases from {} specs in {:.1?}",
        CASES,
        specs.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", report(&failures));
}

/// Deeply nested or very long constructs, each of which must be diagnosed (or accepted),
/// never overflow the stack. Several depths per shape: the parser may stop a very deep
/// input early while a moderately deep one reaches later, deeper-recursing stages.
fn deep_cases() -> Vec<(String, String)> {
    let wrap = |body: String| {
        format!("machine M {{ phases {{ A }} initial A; state {{ x: u64 = 0 }} {body} }}")
    };
    let mut cases = vec![
        ("unclosed parentheses".to_owned(), "(".repeat(5000)),
        ("unclosed machines".to_owned(), "machine M {".repeat(5000)),
    ];
    for depth in [30, 100, 300, 1000, 5000] {
        let shapes = [
            (
                "parentheses",
                wrap(format!(
                    "invariant i: {}true{};",
                    "(".repeat(depth),
                    ")".repeat(depth)
                )),
            ),
            (
                "negations",
                wrap(format!("invariant i: {}true;", "!".repeat(depth))),
            ),
            (
                "minus signs",
                wrap(format!("invariant i: {}1 == 1;", "-".repeat(depth))),
            ),
            (
                "sum",
                wrap(format!("invariant i: self.x{} == 0;", " + 1".repeat(depth))),
            ),
            (
                "conjunction",
                wrap(format!("invariant i: true{};", " && true".repeat(depth))),
            ),
            (
                "options",
                wrap(format!(
                    "type T = {}u64{};",
                    "Option<".repeat(depth),
                    ">".repeat(depth)
                )),
            ),
            (
                "somes",
                wrap(format!(
                    "invariant i: {}1{} != none;",
                    "some(".repeat(depth),
                    ")".repeat(depth)
                )),
            ),
            (
                "ifs",
                format!(
                    "machine M {{ phases {{ A }} initial A; state {{ x: u64 = 0 }} input I; \
                     transition t on I from A -> same {{ update {{ {} self.x = 1; {} }} }} }}",
                    "if true { ".repeat(depth),
                    "}".repeat(depth)
                ),
            ),
        ];
        for (shape, source) in shapes {
            cases.push((format!("{shape} x{depth}"), source));
        }
    }
    cases
}

/// Set in the environment of a child process that runs one deep case.
const DEEP_CASE_ENV: &str = "SURICATE_FUZZ_DEEP_CASE";

/// A stack overflow aborts the whole process, so each deep case runs in a child process
/// (this test binary again, running only `deep_case_child`) and a crash is reported by
/// case name instead of taking the other tests down.
#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut failures = Vec::new();
    for (name, _) in deep_cases() {
        let output = std::process::Command::new(&exe)
            .args([
                "--exact",
                "deep_case_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DEEP_CASE_ENV, &name)
            .output()
            .expect("run the test binary");
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
            failures.push(format!(
                "{name}: {}\n    {}",
                output.status,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs the deep case named in the environment, on a thread with Rust's default 2 MiB
/// stack for spawned threads (test threads, worker threads); without the variable (a
/// normal test run) it does nothing.
#[test]
fn deep_case_child() {
    let Ok(wanted) = std::env::var(DEEP_CASE_ENV) else {
        return;
    };
    let Some((name, source)) = deep_cases().into_iter().find(|(n, _)| *n == wanted) else {
        panic!("no deep case named {wanted:?}");
    };
    let outcome = std::thread::Builder::new()
        .name(name.clone())
        .stack_size(2 * 1024 * 1024)
        .spawn(move || run(&source))
        .expect("spawn a thread")
        .join()
        .expect("`run` catches panics");
    assert_eq!(outcome, Ok(()), "{name}");
}
