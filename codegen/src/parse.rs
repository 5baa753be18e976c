//! Source text -> spanned AST, with pest.

use crate::ast::*;
use crate::diagnostics::{Code, Diagnostic};
use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct SpecParser;

/// How many syntax errors one run reports before giving up on the file.
const MAX_SYNTAX_ERRORS: usize = 20;

/// Item keywords that start a line: where parsing can resume after a broken item.
const ITEM_STARTS: &[&str] = &[
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
    "invariant",
    "machine",
    "///",
];

/// Parses a whole file, reporting every syntax error it can find: after an error, the
/// broken item (from the item line before the error to the next item line) is blanked
/// out — offsets and line numbers stay as written — and parsing resumes.
pub fn parse_all(source: &str) -> Result<File, Vec<Diagnostic>> {
    if let Some(d) = lone_carriage_return(source) {
        return Err(vec![d]);
    }
    let mut text = source.to_string();
    let mut errors: Vec<Diagnostic> = Vec::new();
    loop {
        match parse_at(&text) {
            Ok(file) if errors.is_empty() => return Ok(file),
            Ok(_) => return Err(errors),
            Err(failure) => {
                let (d, stopped) = *failure;
                let at = d.span.start;
                // No progress (the same error again) or a limit error: stop here.
                let repeated = errors
                    .last()
                    .is_some_and(|e| e.span == d.span && e.message == d.message);
                if repeated {
                    return Err(errors);
                }
                let resumable = d.code == Code::Syntax && !d.message.contains("nested too deeply");
                errors.push(d);
                // Where the parser stopped: at the end of the file nothing is left to
                // check (resuming would only report the same end again, differently);
                // at a block comment, the comment alone is skipped.
                let region = match stopped {
                    Some(pos) if only_comments_after(&text, pos) => None,
                    Some(pos) if text[pos..].starts_with("/*") => Some(
                        pos..text[pos + 2..]
                            .find("*/")
                            .map_or(text.len(), |end| pos + 2 + end + 2),
                    ),
                    _ => recovery_region(&text, at),
                };
                match region.filter(|_| resumable && errors.len() < MAX_SYNTAX_ERRORS) {
                    Some(region) => blank(&mut text, region),
                    None => return Err(errors),
                }
            }
        }
    }
}

/// A carriage return not followed by a line feed (classic Mac OS line ends, or one pasted
/// into a line): refused, as the language ends lines with LF or CRLF. Taken for a line
/// end, it would change what a `//` comment covers; taken for a space, every position
/// after it would be on the wrong line.
fn lone_carriage_return(source: &str) -> Option<Diagnostic> {
    let at = source
        .match_indices('\r')
        .map(|(i, _)| i)
        .find(|&i| !source[i + 1..].starts_with('\n'))?;
    let all = !source.contains('\n');
    let (message, label) = if all {
        (
            "syntax error: the lines of this file end with a lone carriage return (CR, as in classic Mac OS files)",
            "the first line ends here, with CR",
        )
    } else {
        (
            "syntax error: a carriage return (CR, U+000D) without a line feed after it",
            "a lone CR",
        )
    };
    Some(
        // An empty span: one over the CR would cover the line break it is shown as.
        Diagnostic::new(Code::Syntax, Span::new(at, at), message)
            .label(label)
            .help("lines end with LF or CRLF: save the file with Unix (LF) or Windows (CRLF) line endings"),
    )
}

/// Whether only whitespace and `//` comments (not doc comments) follow `pos`.
fn only_comments_after(text: &str, pos: usize) -> bool {
    let mut rest = text[pos.min(text.len())..].trim_start();
    while rest.starts_with("//") && !rest.starts_with("///") {
        rest = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
    }
    rest.is_empty()
}

/// Whether the line starting at `start` begins with an item keyword.
fn starts_item(line: &str) -> bool {
    let t = line.trim_start();
    ITEM_STARTS.iter().any(|k| {
        t.strip_prefix(k).is_some_and(|rest| {
            *k == "///"
                || rest.trim().is_empty()
                || rest.starts_with(|c: char| c.is_whitespace() || c == '{')
        })
    })
}

/// Whether `line` is a doc comment line.
fn is_doc_line(line: &str) -> bool {
    line.trim_start().starts_with("///")
}

/// The byte range of the broken item around `at`: from the start of its item line (with
/// the doc comment above it) to the start of the next item line (or the machine's closing
/// brace, which is kept). Doc comment lines inside an item (before a field, a variant or a
/// guard) are part of it. An error reported at the very start of an item line, or of the
/// doc comment before one, belongs to the item before it (typically a missing `;` or
/// `}`). `None` when there is no item to skip (the error is in a machine header) or
/// nothing would change.
fn recovery_region(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        lines.push((offset, line));
        offset += line.len();
    }
    let keyword_line = |l: &str| starts_item(l) && !is_doc_line(l);
    // How many blocks are open at the start of each line: an item starts at the top of a
    // machine, so a line inside a block that starts with an item keyword is a field of
    // that name (`input u64 = 0,` inside `state { .. }`, its `:` missing).
    let mut depths = Vec::with_capacity(lines.len());
    let mut events = braces(text, text.len()).into_iter().peekable();
    let mut depth = 0usize;
    for (start, _) in &lines {
        while let Some((_, c)) = events.next_if(|(i, _)| i < start) {
            depth = if c == '{' {
                depth + 1
            } else {
                depth.saturating_sub(1)
            };
        }
        depths.push(depth);
    }
    let at_line = lines.iter().rposition(|(o, _)| *o <= at)?;
    let (line_start, line) = lines[at_line];
    let indent = line.len() - line.trim_start().len();
    let at_item_start = starts_item(line) && at == line_start + indent;
    let last_candidate = if at_item_start {
        at_line.checked_sub(1)?
    } else {
        at_line
    };
    let item_line = (0..=last_candidate)
        .rev()
        .find(|&i| keyword_line(lines[i].1) && depths[i] <= 1)?;
    if lines[item_line].1.trim_start().starts_with("machine") {
        return None;
    }
    let mut from_line = item_line;
    while from_line > 0 && is_doc_line(lines[from_line - 1].1) {
        from_line -= 1;
    }
    let from = lines[from_line].0;
    // The item ends at the machine's `}`, or where the next one starts after the error (a
    // line before it that starts with an item keyword is inside a block of this item),
    // at its doc comment if it has one.
    let next = (item_line + 1..lines.len()).find(|&i| {
        let l = lines[i].1;
        l.trim_end() == "}" || (i > last_candidate && keyword_line(l))
    });
    let to = match next {
        Some(mut i) => {
            while i > last_candidate + 1 && is_doc_line(lines[i - 1].1) {
                i -= 1;
            }
            lines[i].0
        }
        None => text.len(),
    };
    (to > from).then_some(from..to)
}

/// Replaces everything but newlines in `range` with spaces.
fn blank(text: &mut String, range: std::ops::Range<usize>) {
    // A multi-byte character becomes as many spaces as it has bytes, so that every later
    // offset is unchanged.
    let mut blanked = String::with_capacity(range.len());
    for c in text[range.clone()].chars() {
        match c {
            '\n' => blanked.push('\n'),
            _ => blanked.extend(std::iter::repeat_n(' ', c.len_utf8())),
        }
    }
    text.replace_range(range, &blanked);
}

/// Whether `word` is one the grammar's `keyword` rule reserves (it cannot be a name).
fn is_reserved_word(word: &str) -> bool {
    SpecParser::parse(Rule::keyword, word).is_ok_and(|p| p.as_str().len() == word.len())
}

/// Parses a whole `.machine` file. A syntax error yields one diagnostic at the first
/// place the parser could not continue.
#[cfg(test)]
pub fn parse(source: &str) -> Result<File, Diagnostic> {
    parse_at(source).map_err(|failure| failure.0)
}

/// [`parse`], with the position where the parser stopped for a syntax error (boxed: a
/// diagnostic is large, and an error is the rare case).
fn parse_at(source: &str) -> Result<File, Box<(Diagnostic, Option<usize>)>> {
    // Detailed attempts let errors point at the furthest position reached, not at the
    // start of the item that failed.
    pest::set_error_detail(true);
    let mut pairs = SpecParser::parse(Rule::file, source).map_err(|e| {
        let (d, at) = syntax_error(source, e);
        Box::new((d, Some(at)))
    })?;
    let file = pairs
        .next()
        .expect("the `file` rule always yields one pair");
    let no_position = |d| Box::new((d, None));
    check_syntax_depth(&file).map_err(no_position)?;
    undocumented_items(&file).map_err(no_position)?;
    let machines = file
        .into_inner()
        .filter(|p| p.as_rule() == Rule::machine)
        .map(machine)
        .collect();
    let file = File { machines };
    match first_too_deep(&file) {
        Some(d) => Err(Box::new((d, None))),
        None => Ok(file),
    }
}

/// The diagnostic for a pest error, and the position where the parser stopped.
fn syntax_error(source: &str, e: pest::error::Error<Rule>) -> (Diagnostic, usize) {
    let start = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let Some((at, expected)) = expected_at(source, &e, start) else {
        let message = match &e.variant {
            ErrorVariant::CustomError { message } => message.clone(),
            ErrorVariant::ParsingError { .. } => "unexpected input".to_string(),
        };
        let d = Diagnostic::new(
            Code::Syntax,
            Span::new(start, next_token_end(source, start)),
            format!("syntax error: {message}"),
        )
        .label(message);
        return (d, start);
    };
    if let Some(d) = mistake_at(source, at, &expected) {
        return (d, at);
    }
    let semicolon = expected.iter().any(|x| x == "`;`");
    let what = one_of(&expected);
    let found = found_text(source, at);
    let message = format!("syntax error: {what}, found {found}");
    let d = semicolon_at_line_end(source, at, semicolon, &message).unwrap_or_else(|| {
        Diagnostic::new(
            Code::Syntax,
            Span::new(at, next_token_end(source, at)),
            message,
        )
        .label(what)
    });
    (with_hint(source, at, &found, &expected, semicolon, d), at)
}

/// Where the parser stopped and what it could have taken there, as shown to users. `None`
/// for a custom error (none of this grammar's rules raise one).
fn expected_at(
    source: &str,
    e: &pest::error::Error<Rule>,
    start: usize,
) -> Option<(usize, Vec<String>)> {
    // Right after a name, "an identifier" only says the name could go on: noise, unless
    // it is all there is.
    let after_name = |at: usize| {
        source[..at.min(source.len())]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if let Some(attempts) = e.parse_attempts().filter(|a| a.max_position > start) {
        let at = attempts.max_position;
        let mut expected: Vec<String> = attempts
            .expected_tokens()
            .into_iter()
            .map(|t| t.to_string())
            // Keep literal tokens; drop whitespace, comments, character ranges and built-ins.
            .filter(|t| !is_noise_token(t))
            // `_` is only ever expected as the first character of an identifier.
            .map(|t| {
                if t == "_" {
                    "an identifier".to_string()
                } else {
                    format!("`{t}`")
                }
            })
            .collect();
        expected.sort_unstable();
        expected.dedup();
        if expected.len() > 1 && after_name(at) {
            expected.retain(|x| x != "an identifier");
        }
        if !expected.is_empty() {
            return Some((at, expected));
        }
    }
    let ErrorVariant::ParsingError { positives, .. } = &e.variant else {
        return None;
    };
    let mut rules: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
    rules.sort_unstable();
    rules.dedup();
    // `positives` lists rules only: the literal tokens tried at this very position (a
    // closing bracket, a separator, a keyword of a clause) are named too, first.
    let mut expected: Vec<String> = e
        .parse_attempts()
        .filter(|a| a.max_position == start)
        .map(|a| a.expected_tokens())
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.to_string())
        .filter(|t| {
            let operators = rules.contains(&"an operator");
            [")", "]", "}", ",", ";", ":", "=", "->", "update"].contains(&t.as_str())
                || (!operators && [">", "in"].contains(&t.as_str()))
        })
        .map(|t| format!("`{t}`"))
        .filter(|t| !rules.contains(&t.as_str()))
        .collect();
    expected.extend(rules.into_iter().map(String::from));
    // `=` is one of the assignment operators when those are listed.
    if expected.iter().any(|x| x == "`=`, `+=` or `-=`") {
        expected.retain(|x| x != "`=`");
    }
    // A `;` first: it is the one most often forgotten.
    expected.sort_unstable_by(|a, b| (a != "`;`", a).cmp(&(b != "`;`", b)));
    expected.dedup();
    Some((start, expected))
}

/// A mistake at `at` that calls for its own message rather than a list of what was
/// expected: a character that looks like a space or shows as nothing, a block comment, a
/// string literal left open, or a block left open.
fn mistake_at(source: &str, at: usize, expected: &[String]) -> Option<Diagnostic> {
    let rest = &source[at.min(source.len())..];
    if let Some(d) = unusual_character(rest.chars().next(), at) {
        return Some(d);
    }
    if rest.starts_with("/*") {
        let end = rest.find("*/").map_or(rest.len(), |i| i + 2);
        let line_end = rest.find('\n').unwrap_or(rest.len());
        return Some(
            Diagnostic::new(
                Code::Syntax,
                Span::new(at, at + end.min(line_end)),
                "syntax error: `/* ... */` comments do not exist in the spec language",
            )
            .label("a block comment")
            .help("comment each line with `//` (or `///` for a doc comment)"),
        );
    }
    if expected.iter().any(|x| x == "`\"`") && (rest.is_empty() || rest.starts_with(['\n', '\r'])) {
        let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
        let open = open_quote(&source[line_start..at]).map_or(at, |i| line_start + i);
        let d = Diagnostic::new(
            Code::Syntax,
            Span::new(open, at),
            "syntax error: a string literal is not closed",
        )
        .label("this string has no closing `\"` on its line");
        let typographic = source[open..at]
            .chars()
            .find(|c| TYPOGRAPHIC_QUOTES.contains(c));
        return Some(match typographic {
            Some(q) => d.help(format!(
                "`{q}` is a typographic quote, not the end of the string: end it with the ASCII `\"`"
            )),
            None => d.help(
                "end it with `\"` on the same line (a line break inside it is written `\\n`)",
            ),
        });
    }
    unclosed_block(source, at)
}

/// The start of the string literal still open at the end of `line`, if one is.
fn open_quote(line: &str) -> Option<usize> {
    let (mut open, mut escaped) = (None, false);
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if open.is_some() => escaped = true,
            '"' => open = if open.is_some() { None } else { Some(i) },
            '/' if open.is_none() && line[i + 1..].starts_with('/') => return None,
            _ => {}
        }
    }
    open
}

/// A syntax error at `c`, a character that would not show in the message: a space other
/// than the ASCII one, an invisible or text-direction character, or a control character.
/// Named by its code point, with what to do about it.
fn unusual_character(c: Option<char>, at: usize) -> Option<Diagnostic> {
    let c = c?;
    let code = format!("U+{:04X}", u32::from(c));
    let (kind, name, help) = if c.is_whitespace() && !c.is_ascii() {
        let name = match c {
            '\u{a0}' => "no-break space",
            '\u{202f}' => "narrow no-break space",
            '\u{2028}' => "line separator",
            '\u{2029}' => "paragraph separator",
            '\u{3000}' => "ideographic space",
            _ => "typographic space",
        };
        (
            "a space that is not the ASCII one",
            name,
            "replace it with an ordinary space: only ASCII spaces, tabs and line breaks separate tokens (text copied from a web page or a document often holds other spaces)",
        )
    } else if crate::diagnostics::is_invisible(c) {
        let name = match c {
            '\u{200b}' => "zero-width space",
            '\u{200c}' => "zero-width non-joiner",
            '\u{200d}' => "zero-width joiner",
            '\u{2060}' => "word joiner",
            '\u{feff}' => "zero-width no-break space, or a byte-order mark out of place",
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                "text-direction mark"
            }
            _ => "invisible character",
        };
        (
            "an invisible character",
            name,
            "delete it: it shows as nothing in most editors (text copied from a web page or a document may hold such characters)",
        )
    } else if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
        (
            "a control character",
            "control character",
            "delete it: it is no part of the spec language",
        )
    } else {
        return None;
    };
    Some(
        Diagnostic::new(
            Code::Syntax,
            Span::new(at, at + c.len_utf8()),
            format!("syntax error: found {code} ({kind})"),
        )
        .label(format!("{code}, a {name}"))
        .help(help),
    )
}

/// `d`, a syntax error at `at` (`found` there, `expected` instead), with a help line for
/// a mistake it looks like, if any.
fn with_hint(
    source: &str,
    at: usize,
    found: &str,
    expected: &[String],
    semicolon: bool,
    d: Diagnostic,
) -> Diagnostic {
    let rest = &source[at.min(source.len())..];
    let before = source[..at.min(source.len())].trim_end();
    let expects = |what: &str| expected.iter().any(|x| x == what);
    let in_body = expects("`emit`") || expects("`update`");
    let last_word = last_word(before);
    // A reserved word where a name goes: the parser saw a word it does not take as a name
    // and stopped after it.
    let in_name_position = found == "`:`"
        || words_before(before, 2).first().is_some_and(|w| {
            [
                "transition",
                "input",
                "effect",
                "machine",
                "type",
                "struct",
                "enum",
                "invariant",
            ]
            .contains(w)
        });
    if let Some(word) =
        last_word.filter(|w| in_name_position && expects("an identifier") && is_reserved_word(w))
    {
        d.help(format!(
            "`{word}` is a reserved word of the spec language (it can begin or continue an expression) and cannot be a name: choose another"
        ))
    } else if rest.starts_with("///")
        || (before
            .lines()
            .last()
            .is_some_and(|l| l.trim_start().starts_with("///"))
            && [
                "`update`",
                "`emit`",
                "`}`",
                "end of file",
                "`self`",
                "`let`",
                "`if`",
                "`for`",
                "`break`",
            ]
            .contains(&found))
    {
        // A doc comment where none may stand: the parser either stops at the comment or
        // takes it for the start of a declaration and stops at what follows.
        d.help("a doc comment documents the declaration after it, and nothing here takes one (`update`, `emit`, a statement, a closing `}` or the end of the file): make it a `//` comment")
    } else if let Some(hint) = newcomer_hint(source, at, found, expected) {
        d.help(hint)
    } else if let Some(keyword) = misspelt_keyword(found, expected) {
        d.help(format!("did you mean `{keyword}`?"))
    } else if let Some(hint) = lookalike_hint(rest) {
        d.help(hint)
    } else if expects("an operator") && ["`and`", "`&`"].contains(&found) {
        d.help("`and` is written `&&`")
    } else if expects("an operator") && ["`or`", "`|`"].contains(&found) {
        d.help("`or` is written `||`")
    } else if (expects("an expression") && found == "`>`" && before.ends_with('<'))
        || (found == "`=`" && rest.starts_with("=!"))
    {
        d.help("`not equal` is written `!=`")
    } else if found == "`;`" && expects("`,`") && !semicolon {
        d.help("the elements of a list (fields, variants, phases) are separated by `,`; `;` ends a declaration or a statement")
    } else if found == "`,`" && semicolon && !expects("`,`") {
        d.help("a declaration, a guard or a statement ends with `;`; `,` separates the elements of a list")
    } else if expected == ["`:`"]
        && (["`}`", "`,`", "`=`"].contains(&found) || innermost_block_is(source, at, "state"))
    {
        d.help(field_shape(source, at))
    } else if found == "`(`" && words_before(before, 2).first() == Some(&"emit") {
        d.help("an effect's fields go between braces: `emit Name { field: value, .. };` (or `emit Name;` without fields)")
    } else if found == "`;`" && before.ends_with('}') && in_body {
        d.help("a block ends at its `}`: remove this `;`")
    } else if found == "`=`" && (before.ends_with('+') || before.ends_with('-')) {
        d.help("`+=` and `-=` are statements, only in an `update` block; an expression only reads")
    } else if rest.starts_with("+=") || rest.starts_with("-=") {
        d.help("`+=` and `-=` assign a state field (`self.n += 1;`); for a map entry, write `self.m[k] = self.m[k] + 1;`, and for a field of one, `self.m[k].f = self.m[k].f + 1;`")
    } else if let Some((field, member)) = struct_field_write(before, found, expected) {
        d.help(format!(
            "a state field is written as a whole: assign `self.{field}` a struct literal that copies the fields that stay (`self.{field} = Name {{ {member}: .., other: self.{field}.other }};`); only the fields of a map entry are written one at a time (`self.m[k].{member} = ..;`)"
        ))
    } else if expects("an operator") && ["<", ">", "==", "!="].iter().any(|op| rest.starts_with(op))
    {
        d.help("comparisons do not chain: write `a < b && b <= c`")
    } else if found == "`=`" && expects("an operator") {
        d.help(
            "to compare, write `==`; `=` only assigns, in a statement of its own (`self.n = 0;`)",
        )
    } else if ["`*`", "`/`", "`%`"].contains(&found) {
        d.help("there is no `*`, `/` or `%`: the arithmetic operators are `+` and `-` (`x + x` doubles)")
    } else if last_word == Some("if") && !in_body {
        d.help("`if` is a statement, not a value: write the `if` in `update`, with an assignment in each branch")
    } else if found == "`(`"
        && last_word.is_some_and(|w| !before[..before.len() - w.len()].ends_with('.'))
    {
        d.help("there are no free functions; methods are called on a value (`self.xs.len()`, `o.unwrap()`), and `min`/`max` are an `if` in `update`")
    } else if before.ends_with("let mut") {
        d.help("a `let` name is never reassigned, so there is no `mut`: write `let x = ...;`")
    } else if words_before(before, 2).first() == Some(&"guard") {
        d.help("a guard has a name: `guard <name>: <condition>;`")
    } else if let Some(hint) = transition_header_hint(before, found) {
        d.help(hint)
    } else if found == "`;`" && before.ends_with('}') && expects("`effect`") {
        d.help("a declaration with a `{ ... }` body ends at its `}`: remove this `;` (only a declaration without fields, like `input Go;`, ends with `;`)")
    } else if expects("`=`") && innermost_block_is(source, at, "state") {
        d.help("every state field has a default value: `name: Type = value`")
    } else if expects("an operator") && starts_a_field(rest) {
        d.help("fields are separated by `,`: is one missing before this one?")
    } else if expects("a statement") && assigns_a_bare_name(rest) {
        d.help("only state fields are assigned (`self.name = ..;`); input fields, variables and loop variables are read-only")
    } else if !semicolon && in_body && (found == "`update`" || found == "`guard`") {
        d.help(
            "a transition's body is, in order: its guards, one `update { ... }`, then its `emit`s",
        )
    } else {
        d
    }
}

/// For a form the spec language does not have, written as another language would (or as
/// a reading of the reference might suggest): what to write instead.
fn newcomer_hint(source: &str, at: usize, found: &str, expected: &[String]) -> Option<String> {
    let rest = &source[at.min(source.len())..];
    let before = source[..at.min(source.len())].trim_end();
    let expects = |what: &str| expected.iter().any(|x| x == what);
    let last_word = last_word(before);
    // The item keyword and name before the innermost open `{` (`enum Shape {`).
    let block = open_braces(source, at)
        .last()
        .map(|&open| words_before(&source[..open], 2))
        .unwrap_or_default();
    let block_is = |keyword: &str| block.first() == Some(&keyword) && block.len() == 2;
    if (expected == ["`:`"] && words_before(before, 2).first() == Some(&"guard"))
        || (last_word == Some("guard") && expects("an identifier"))
    {
        return Some("a guard has a name: `guard <name>: <condition>;`".to_string());
    }
    if rest.starts_with("++") || rest.starts_with("--") {
        let op = &rest[..1];
        return Some(format!("there is no `++` or `--`: write `self.n {op}= 1;`"));
    }
    if block_is("enum") && ["`(`", "`{`"].contains(&found) {
        return Some(
            "enum variants carry no data: list them by name (`enum Shape { Circle, Square }`), and keep the data in a struct next to a field of the enum"
                .to_string(),
        );
    }
    if found == "`}`" && before.ends_with('{') {
        let name = block.get(1).copied().unwrap_or("Name");
        for keyword in ["input", "effect"] {
            if block_is(keyword) {
                return Some(format!(
                    "an {keyword} without fields is declared without braces: `{keyword} {name};`"
                ));
            }
        }
        if block_is("struct") {
            return Some("a struct has at least one field".to_string());
        }
        if block_is("emit") {
            return Some(format!(
                "an effect without fields is emitted without braces: `emit {name};`"
            ));
        }
    }
    let literal_start =
        rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '"' || c == '-');
    if literal_start && expected == ["`]`"] && before.ends_with('[') {
        return Some(
            "the only sequence literal is the empty `[]`: start from it and add elements with `push_back` in an `update`"
                .to_string(),
        );
    }
    if literal_start
        && expected == ["`}`"]
        && before
            .strip_suffix('{')
            .is_some_and(|b| b.trim_end().ends_with(['=', '(', ',', ':']))
    {
        return Some(
            "the only set or map literal is the empty `{}`: start from it and add elements with `insert` (`self.m[k] = v;` for a map) in an `update`"
                .to_string(),
        );
    }
    if before.ends_with("old(") && !rest.starts_with("self") {
        return Some(
            "`old(...)` takes a state field, `old(self.f)`: input fields and variables keep their value through a transition, so they need no `old`"
                .to_string(),
        );
    }
    if expected == ["`)`"]
        && ["`.`", "`[`"].contains(&found)
        && let Some(field) = old_field_before(before)
    {
        let after = if found == "`.`" { ".len()" } else { "[k]" };
        return Some(format!(
            "`old(...)` holds a state field as a whole: read from it after the parenthesis, `old(self.{field}){after}`"
        ));
    }
    if found == "`*`" && before.ends_with("->") {
        return Some(
            "a transition has one target: a phase, or `same` for the phase it fired from; `*` names source phases only (`from * -> ..`)"
                .to_string(),
        );
    }
    if found == "`*`" && before.ends_with('[') {
        return Some(
            "`*` (every phase that is not terminal) stands alone, `from * -> ..`; a list names phases, `from [A, B] -> ..`"
                .to_string(),
        );
    }
    let method = |w: &str| ["insert", "remove", "push_back", "pop_front", "clear"].contains(&w);
    let nested_call = (found == "`(`" && expects("`=`") && last_word.is_some_and(method))
        || (found == "`.`"
            && expected == ["`(`"]
            && rest[1..]
                .trim_start()
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .is_some_and(method));
    if nested_call {
        return Some(
            "the collection methods change a state field (`self.s.insert(x);`): a collection inside a struct or a map entry is only ever assigned whole, so keep one that grows in a state field of its own (a `Set` of structs that name their owner, say)"
                .to_string(),
        );
    }
    None
}

/// `f` when `before` ends inside `old(self.f`.
fn old_field_before(before: &str) -> Option<&str> {
    let field = last_word(before)?;
    before[..before.len() - field.len()]
        .trim_end()
        .strip_suffix('.')?
        .trim_end()
        .strip_suffix("self")?
        .trim_end()
        .strip_suffix('(')?
        .trim_end()
        .strip_suffix("old")?;
    Some(field)
}

/// The keyword among `expected` that `found`, a word, looks like a misspelling of.
fn misspelt_keyword(found: &str, expected: &[String]) -> Option<String> {
    let word = found.strip_prefix('`')?.strip_suffix('`')?;
    if !word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    if ["elif", "elsif", "elseif"].contains(&word) && expected.iter().any(|x| x == "`else`") {
        return Some("else if".to_string());
    }
    let keywords = expected
        .iter()
        .filter_map(|x| x.strip_prefix('`')?.strip_suffix('`'))
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase()));
    crate::diagnostics::did_you_mean(word, keywords).or_else(|| {
        // Where a statement may start, its keywords too, but only one edit away (`slef`):
        // they are short, and `elif` is no `self`.
        expected.iter().any(|x| x == "a statement").then_some(())?;
        let lower = word.to_lowercase();
        ["self", "if", "for", "let", "break", "emit"]
            .into_iter()
            .find(|k| lower.len() >= 3 && lower != *k && strsim::osa_distance(&lower, k) <= 1)
            .map(String::from)
    })
}

/// Double quotes of typeset text, which word processors put in for `"`.
const TYPOGRAPHIC_QUOTES: [char; 7] = [
    '\u{201c}', '\u{201d}', '\u{201e}', '\u{201f}', '\u{ab}', '\u{bb}', '\u{2033}',
];

/// For a character that looks like an ASCII one the language uses (as text pasted from a
/// word processor has them), or a comment marker of another language: what to write.
fn lookalike_hint(rest: &str) -> Option<String> {
    let c = rest.chars().next()?;
    let instead = match c {
        c if TYPOGRAPHIC_QUOTES.contains(&c) => {
            return Some(format!(
                "`{c}` is a typographic quote: a string literal is written between ASCII double quotes, `\"text\"`"
            ));
        }
        '\u{2018}' | '\u{2019}' | '\'' => {
            return Some(
                "a string literal is written between ASCII double quotes, `\"text\"`".to_string(),
            );
        }
        '#' => return Some("comments start with `//`".to_string()),
        c if c.is_alphabetic() && !c.is_ascii() => {
            return Some(format!(
                "names are made of ASCII letters, digits and `_`: `{c}` cannot be part of one"
            ));
        }
        '\u{2192}' | '\u{21d2}' | '\u{27f6}' => "->",
        '\u{2013}' | '\u{2014}' | '\u{2212}' => "-",
        '\u{2260}' => "!=",
        '\u{2264}' => "<=",
        '\u{2265}' => ">=",
        '\u{2227}' => "&&",
        '\u{2228}' => "||",
        '\u{ac}' => "!",
        _ => return None,
    };
    Some(format!(
        "`{c}` is not an ASCII character the language uses: write `{instead}`"
    ))
}

/// How a field is written, for a field without its `:`: in a declaration (input, effect,
/// struct) with a type, in a value (`emit`, a struct literal) with a value.
fn field_shape(source: &str, at: usize) -> String {
    let declaration = open_braces(source, at).last().is_some_and(|&open| {
        let words = words_before(&source[..open], 2);
        words
            .first()
            .is_some_and(|w| ["input", "effect", "struct"].contains(w))
    });
    let state = open_braces(source, at)
        .last()
        .is_some_and(|&open| last_word(source[..open].trim_end()) == Some("state"));
    if state {
        "a state field is declared with its type and its default value: `name: Type = value`"
            .to_string()
    } else if declaration {
        "a field is declared with its type: `name: Type`".to_string()
    } else {
        let name = last_word(source[..at].trim_end()).unwrap_or("name");
        format!(
            "a field is given with its value, even when the value is a name spelt the same: `{name}: {name}`"
        )
    }
}

/// The identifier `text` ends with, if it ends with one.
fn last_word(text: &str) -> Option<&str> {
    let start = text
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    (start < text.len()).then(|| &text[start..])
}

/// `self.f.g = ..;`, a statement writing one field of a struct in a state field, which the
/// grammar reads as the start of a method call and stops at its `=`: `f` and `g`.
fn struct_field_write<'s>(
    before: &'s str,
    found: &str,
    expected: &[String],
) -> Option<(&'s str, &'s str)> {
    if found != "`=`" || !expected.iter().any(|x| x == "`(`") {
        return None;
    }
    let member = last_word(before)?;
    let rest = before[..before.len() - member.len()]
        .trim_end()
        .strip_suffix('.')?;
    let field = last_word(rest.trim_end())?;
    let rest = rest.trim_end();
    rest[..rest.len() - field.len()]
        .trim_end()
        .strip_suffix('.')?
        .trim_end()
        .strip_suffix("self")
        .filter(|r| !r.ends_with(|c: char| c.is_alphanumeric() || c == '_'))?;
    Some((field, member))
}

/// The last `n` whitespace-separated words of `text`, first first.
fn words_before(text: &str, n: usize) -> Vec<&str> {
    let mut words: Vec<&str> = text.split_whitespace().rev().take(n).collect();
    words.reverse();
    words
}

/// For an error in a transition's header (after `transition`, before its `{`): its shape,
/// or why a list of inputs is refused.
fn transition_header_hint(before: &str, found: &str) -> Option<&'static str> {
    // The keyword as a whole word, not part of a name such as `transitions`.
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let (start, _) = before.rmatch_indices("transition").find(|&(at, word)| {
        !before[..at].ends_with(is_ident) && !before[at + word.len()..].starts_with(is_ident)
    })?;
    let header = &before[start..];
    if header.contains(['{', '}', ';']) {
        return None;
    }
    if found == "`[`" && header.split_whitespace().last() == Some("on") {
        return Some("a transition handles one input: write one transition per input");
    }
    Some(
        "a transition's header reads `transition <name> on <Input> from <Phase, [Phases] or *> -> <Phase or same> {`",
    )
}

/// Whether the innermost block open at `at` is the one of item `keyword` (`state { .. }`).
fn innermost_block_is(source: &str, at: usize, keyword: &str) -> bool {
    unclosed_brace(source, at)
        .is_some_and(|open| last_word(source[..open].trim_end()) == Some(keyword))
}

/// The braces of `source[..end]`, in order, with comments and string literals skipped.
fn braces(source: &str, end: usize) -> Vec<(usize, char)> {
    let mut found = Vec::new();
    let mut chars = source[..end.min(source.len())].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '/' if chars.peek().is_some_and(|(_, n)| *n == '/') => {
                chars.by_ref().find(|(_, n)| *n == '\n');
            }
            '"' => {
                // A string literal ends on its line, closed or not.
                let mut escaped = false;
                for (_, n) in chars.by_ref() {
                    match n {
                        '\n' => break,
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '{' | '}' => found.push((i, c)),
            _ => {}
        }
    }
    found
}

/// The `{`s still open at `pos`, outermost first.
fn open_braces(source: &str, pos: usize) -> Vec<usize> {
    let mut open = Vec::new();
    for (i, c) in braces(source, pos) {
        if c == '{' {
            open.push(i);
        } else {
            open.pop();
        }
    }
    open
}

/// The innermost `{` still open at `pos`, below the machine's own (comments and string
/// literals skipped).
fn unclosed_brace(source: &str, pos: usize) -> Option<usize> {
    let open = open_braces(source, pos);
    (open.len() > 1).then(|| open.last().copied()).flatten()
}

/// Which `{` most likely lacks its `}`, given that `open` is still open at `end`: the
/// first `{` inside it whose `}` starts a line indented less than the `{`'s own line (that
/// `}` was written for an enclosing block, and every `}` after it is one off), else `open`.
fn likely_unclosed(source: &str, open: usize, end: usize) -> usize {
    let line_start = |i: usize| source[..i].rfind('\n').map_or(0, |n| n + 1);
    let indent = |i: usize| {
        source[line_start(i)..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum::<usize>()
    };
    let mut inner = Vec::new();
    for (i, c) in braces(source, end).into_iter().filter(|(i, _)| *i > open) {
        if c == '{' {
            inner.push(i);
        } else if let Some(o) = inner.pop()
            && source[line_start(i)..i].trim().is_empty()
            && indent(i) < indent(o)
        {
            return o;
        }
    }
    open
}

/// Whether an item's header starts at `at`: an item keyword followed by what follows it
/// in an item (`input Name {`, `transition name on`, `invariant name:`, ...), not, say, a
/// field that has an item keyword for its name (`input: u64`, `input u64 = 0`).
fn item_header_at(source: &str, at: usize) -> bool {
    let rest = &source[at..];
    let Some(keyword) = ITEM_STARTS
        .iter()
        .find(|k| **k != "///" && rest.starts_with(**k))
    else {
        return false;
    };
    let after = &rest[keyword.len()..];
    if !after.starts_with(char::is_whitespace) && !after.starts_with(['{', '[']) {
        return false;
    }
    let after = after.trim_start();
    match *keyword {
        "phases" | "state" => after.starts_with('{'),
        "terminal" if after.starts_with('[') => true,
        _ => after_name(after).is_some_and(|next| match *keyword {
            "type" => next.starts_with('='),
            "input" | "effect" => next.starts_with(['{', ';']),
            "struct" | "enum" | "machine" => next.starts_with('{'),
            "transition" => next
                .strip_prefix("on")
                .is_some_and(|r| r.starts_with(char::is_whitespace)),
            "invariant" => next.starts_with(':'),
            _ => next.starts_with(';'),
        }),
    }
}

/// A block left open: the file ends inside it, or an item starts inside it, at `at` or
/// as the first word of the line of `at` (`input Start {` inside `state { .. }` reads as
/// a field named `input`, so the parser stops after it).
fn unclosed_block(source: &str, at: usize) -> Option<Diagnostic> {
    if only_comments_after(source, at) {
        let &open = open_braces(source, source.len()).last()?;
        let brace = likely_unclosed(source, open, source.len());
        return Some(
            Diagnostic::new(
                Code::Syntax,
                Span::new(brace, brace + 1),
                "syntax error: a `}` is missing: the file ends inside a block",
            )
            .label("this `{` is not closed")
            .help("add the `}` that closes it"),
        );
    }
    // Doc comments before an item are part of it.
    let mut at = at;
    while source[at..].starts_with("///") {
        at += source[at..].find('\n')? + 1;
        at += source[at..].len() - source[at..].trim_start().len();
    }
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let word_at = |i: usize| {
        let rest = &source[i..];
        &rest[..rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())]
    };
    let before = &source[line_start..at];
    let keyword_at = if item_header_at(source, at) {
        at
    } else if before.ends_with(char::is_whitespace)
        && !before.trim().is_empty()
        && item_header_at(
            source,
            line_start + (before.len() - before.trim_start().len()),
        )
    {
        line_start + (before.len() - before.trim_start().len())
    } else {
        return None;
    };
    let keyword = word_at(keyword_at);
    let open = open_braces(source, keyword_at);
    if open.is_empty() && keyword != "machine" {
        return closed_early(source, keyword_at, keyword);
    }
    // A machine starts at the top level: inside the previous machine, its `}` is missing.
    let needed = if keyword == "machine" { 1 } else { 2 };
    let &innermost = open.get(needed - 1..)?.last()?;
    let brace = likely_unclosed(source, innermost, keyword_at);
    Some(
        Diagnostic::new(
            Code::Syntax,
            Span::new(keyword_at, keyword_at + keyword.len()),
            format!("syntax error: a `}}` is missing before this `{keyword}`"),
        )
        .label(format!(
            "`{keyword}` starts an item, but a block is still open"
        ))
        .secondary(Span::new(brace, brace + 1), "this `{` is not closed")
        .help("add the `}` that closes it before this item"),
    )
}

/// An item after the `}` that ended its machine (a `}` too many earlier on): where the
/// machine ended.
fn closed_early(source: &str, at: usize, keyword: &str) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut machine_end = None;
    for (i, c) in braces(source, at) {
        if c == '{' {
            depth += 1;
        } else if depth > 0 {
            depth -= 1;
            if depth == 0 {
                machine_end = Some(i);
            }
        }
    }
    let end = machine_end?;
    Some(
        Diagnostic::new(
            Code::Syntax,
            Span::new(at, at + keyword.len()),
            format!("syntax error: this `{keyword}` is outside any machine"),
        )
        .label("an item after the end of the machine")
        .secondary(Span::new(end, end + 1), "the machine ends here")
        .help(
            "is there a `}` too many before this item? A machine's items go before its closing `}`",
        ),
    )
}

/// What follows the name `text` starts with, without leading whitespace; `None` when it
/// does not start with one.
fn after_name(text: &str) -> Option<&str> {
    let name = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (name > 0).then(|| text[name..].trim_start())
}

/// Whether `text` starts with `name:` (a field of a state block or a literal).
fn starts_a_field(text: &str) -> bool {
    after_name(text).is_some_and(|after| after.starts_with(':'))
}

/// Whether `text` starts with a name, or a field of one, assigned to (`x = ..`,
/// `x += ..`, `x -= ..`, `x.f = ..`).
fn assigns_a_bare_name(text: &str) -> bool {
    let mut after = after_name(text);
    while let Some(field) = after.and_then(|a| a.strip_prefix('.')) {
        after = after_name(field.trim_start());
    }
    after.is_some_and(|after| {
        (after.starts_with('=') && !after.starts_with("=="))
            || after.starts_with("+=")
            || after.starts_with("-=")
    })
}

/// A `;` forgotten at the end of a line (`semicolon`: it is among the expected tokens, and
/// the parser stopped at `at`, on a later line): the diagnostic points at the end of that
/// line, not at the next one.
fn semicolon_at_line_end(
    source: &str,
    at: usize,
    semicolon: bool,
    message: &str,
) -> Option<Diagnostic> {
    let end = end_of_code_before(source, at)?;
    let last = source[..end].chars().last()?;
    (semicolon && source[end..at].contains('\n')).then(|| {
        Diagnostic::new(Code::Syntax, Span::new(end - last.len_utf8(), end), message)
            .label("expected `;` after this")
    })
}

/// Where the last code before `pos` ends: whitespace and `//` comments (whole lines or the
/// end of one; `///` doc lines too, which is right here since a `;` never follows one) are
/// skipped. `None` when there is only whitespace and comments before it.
fn end_of_code_before(source: &str, pos: usize) -> Option<usize> {
    let mut line_end = pos;
    loop {
        let line_start = source[..line_end].rfind('\n').map_or(0, |i| i + 1);
        let line = &source[line_start..line_end];
        let code = line[..comment_start(line)].trim_end();
        if !code.is_empty() {
            return Some(line_start + code.len());
        }
        if line_start == 0 {
            return None;
        }
        line_end = line_start - 1;
    }
}

/// Where a `//` comment starts in `line` (its length if there is none), ignoring `//`
/// inside a string literal.
fn comment_start(line: &str) -> usize {
    let (mut in_string, mut escaped) = (false, false);
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '/' if !in_string && line[i + 1..].starts_with('/') => return i,
            _ => {}
        }
    }
    line.len()
}

/// How deeply the parse tree may nest (about 48 levels of parentheses, far beyond any
/// readable spec). Deeper input is refused before the recursive AST conversion, so no
/// spec can overflow the stack.
const MAX_SYNTAX_DEPTH: usize = 400;

/// How deeply `if`/`for` blocks may nest.
pub const MAX_BLOCK_DEPTH: usize = 32;

/// How deeply an expression may nest once parsed (parentheses, operands of different
/// operators, calls, quantifiers); a chain of one operator such as `a && b && c` counts
/// as one level.
pub const MAX_EXPR_DEPTH: usize = 64;

/// How deep an expression tree may be, chains included: the checker and generator
/// recurse once per operator, and this keeps them well inside a 2 MiB thread stack even
/// in debug builds.
pub const MAX_EXPR_TREE_DEPTH: usize = 128;

fn check_syntax_depth(file: &Pair<Rule>) -> Result<(), Diagnostic> {
    let mut stack = vec![(file.clone(), 0usize)];
    while let Some((pair, depth)) = stack.pop() {
        if depth > MAX_SYNTAX_DEPTH {
            return Err(too_deep(span_of(&pair)));
        }
        stack.extend(pair.into_inner().map(|p| (p, depth + 1)));
    }
    Ok(())
}

/// A doc comment before `initial`, `terminal` or `state`, which generate nothing a doc
/// comment could go on: refused at the comment, rather than silently dropped.
fn undocumented_items(file: &Pair<Rule>) -> Result<(), Diagnostic> {
    let items = file
        .clone()
        .into_inner()
        .filter(|p| p.as_rule() == Rule::machine)
        .flat_map(|m| m.into_inner());
    for item in items {
        let keyword = match item.as_rule() {
            Rule::initial_def => "initial",
            Rule::terminal_def => "terminal",
            Rule::state_def => "state",
            _ => continue,
        };
        let docs: Vec<Span> = item
            .into_inner()
            .take_while(|p| p.as_rule() == Rule::doc)
            .map(|p| span_of(&p))
            .collect();
        if let (Some(first), Some(last)) = (docs.first(), docs.last()) {
            let help = if keyword == "state" {
                "document each field inside `state { .. }` instead, or make it a `//` comment"
            } else {
                "make it a `//` comment"
            };
            return Err(Diagnostic::new(
                Code::Syntax,
                Span::new(first.start, last.end),
                format!("syntax error: `{keyword}` takes no doc comment"),
            )
            .label(format!(
                "documents nothing: `{keyword}` generates no item of its own"
            ))
            .help(help));
        }
    }
    Ok(())
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "syntax error: nested too deeply")
        .label("nested too deeply")
        .help(format!(
            "split it up: expressions may nest {MAX_EXPR_DEPTH} levels, brackets about 48, `if`/`for` blocks {MAX_BLOCK_DEPTH}"
        ))
}

fn too_long(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "syntax error: expression too long")
        .label("too many operators in one expression")
        .help(format!(
            "split it up, e.g. into several guards: an expression may chain about {MAX_EXPR_TREE_DEPTH} operators"
        ))
}

/// Whether `child`, an operand of `parent`, continues a chain of one operator
/// (`(a && b) && c`, `(x + 1) - 2`, `a implies (b implies c)`): it adds no nesting.
fn continues_chain(parent: &Expr, child: &Expr, left: bool) -> bool {
    let (ExprKind::Binary(p, ..), ExprKind::Binary(c, ..)) = (&parent.kind, &child.kind) else {
        return false;
    };
    let additive = |op: &BinOp| matches!(op, BinOp::Add | BinOp::Sub);
    match p {
        BinOp::Implies => !left && *c == BinOp::Implies,
        BinOp::And | BinOp::Or => left && c == p,
        BinOp::Add | BinOp::Sub => left && additive(c),
        _ => false,
    }
}

/// Tree depth and nesting depth of an expression (see [`MAX_EXPR_DEPTH`]), the walk
/// capped just past `limit` levels of the tree so it stays shallow.
fn expr_depth(e: &Expr, limit: usize) -> (usize, usize) {
    if limit == 0 {
        return (1, 1);
    }
    let children: Vec<&Expr> = match &e.kind {
        ExprKind::Some(a) | ExprKind::Field(a, _) | ExprKind::Unary(_, a) => vec![a],
        ExprKind::StructLit(_, fields) => fields.iter().map(|f| &f.value).collect(),
        ExprKind::Call(recv, _, args) => std::iter::once(&**recv).chain(args).collect(),
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => vec![a, b],
        ExprKind::Quant {
            collection, body, ..
        } => vec![collection, body],
        _ => Vec::new(),
    };
    let (mut tree, mut nesting) = (0, 0);
    for (i, c) in children.into_iter().enumerate() {
        let (t, n) = expr_depth(c, limit - 1);
        tree = tree.max(t);
        let chained = continues_chain(e, c, i == 0);
        nesting = nesting.max(if chained { n - 1 } else { n });
    }
    (1 + tree, 1 + nesting)
}

fn block_depth(stmts: &[Stmt]) -> usize {
    stmts
        .iter()
        .map(|s| match s {
            Stmt::If {
                then, otherwise, ..
            } => 1 + block_depth(then).max(block_depth(otherwise)),
            Stmt::For { body, .. } => 1 + block_depth(body),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// The first expression nested deeper than [`MAX_EXPR_DEPTH`] or with a tree deeper than
/// [`MAX_EXPR_TREE_DEPTH`], or update block nested deeper than [`MAX_BLOCK_DEPTH`], in
/// `file`.
fn first_too_deep(file: &File) -> Option<Diagnostic> {
    for m in &file.machines {
        for item in &m.items {
            if let Item::Transition(t) = item
                && block_depth(&t.update) > MAX_BLOCK_DEPTH
            {
                return Some(too_deep(t.name.span));
            }
        }
    }
    let mut found = None;
    visit_file_exprs(file, &mut |e| {
        if found.is_some() {
            return;
        }
        let (tree, nesting) = expr_depth(e, MAX_EXPR_TREE_DEPTH);
        if nesting > MAX_EXPR_DEPTH {
            found = Some(too_deep(e.span));
        } else if tree > MAX_EXPR_TREE_DEPTH {
            found = Some(too_long(e.span));
        }
    });
    found
}

fn visit_file_exprs(file: &File, f: &mut dyn FnMut(&Expr)) {
    fn stmts(list: &[Stmt], f: &mut dyn FnMut(&Expr)) {
        for s in list {
            match s {
                Stmt::Assign { value, .. } => f(value),
                Stmt::IndexAssign { key, value, .. }
                | Stmt::EntryFieldAssign { key, value, .. } => {
                    f(key);
                    f(value);
                }
                Stmt::Call { args, .. } => args.iter().for_each(&mut *f),
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    f(cond);
                    stmts(then, f);
                    stmts(otherwise, f);
                }
                Stmt::For {
                    collection, body, ..
                } => {
                    f(collection);
                    stmts(body, f);
                }
                Stmt::Emit(e) => e.fields.iter().for_each(|i| f(&i.value)),
                Stmt::Break { .. } => {}
                Stmt::Let { value, .. } => f(value),
            }
        }
    }
    for m in &file.machines {
        for item in &m.items {
            match item {
                Item::State(fields, _) => fields.iter().for_each(|sf| f(&sf.default)),
                Item::Invariant(inv) => f(&inv.expr),
                Item::Transition(t) => {
                    t.guards.iter().for_each(|g| f(&g.expr));
                    stmts(&t.update, f);
                    t.emits
                        .iter()
                        .for_each(|e| e.fields.iter().for_each(|i| f(&i.value)));
                }
                _ => {}
            }
        }
    }
}

/// Whitespace, comments, character ranges and built-ins: not worth listing as expected.
fn is_noise_token(t: &str) -> bool {
    let range = t.chars().count() == 4 && t.contains("..");
    t.trim().is_empty() || t.starts_with("//") || t == "BUILTIN_RULE" || range
}

/// "expected a, b or c".
fn one_of(expected: &[String]) -> String {
    match expected.split_last() {
        None => "unexpected input".to_string(),
        Some((only, [])) => format!("expected {only}"),
        Some((last, rest)) => format!("expected {} or {}", rest.join(", "), last),
    }
}

/// The span of the token starting at `pos`, for underlining.
fn next_token_end(source: &str, pos: usize) -> usize {
    let rest = &source[pos.min(source.len())..];
    let mut chars = rest.char_indices();
    if rest.starts_with("///") {
        return pos + 3;
    }
    match chars.next() {
        None => pos,
        Some((_, c)) if c.is_alphanumeric() || c == '_' => {
            pos + rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len())
        }
        Some((_, c)) => pos + c.len_utf8(),
    }
}

fn found_text(source: &str, pos: usize) -> String {
    let end = next_token_end(source, pos);
    if end <= pos {
        return "end of file".to_string();
    }
    let text = &source[pos..end];
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some('\n' | '\r'), None) => "end of line".to_string(),
        (Some('\t'), None) => "a tab".to_string(),
        // Between backticks these would read as nothing, or as a plain space.
        (Some(c), None) if c.is_whitespace() && c != ' ' => {
            format!("U+{:04X} (a space that is not the ASCII one)", u32::from(c))
        }
        (Some(c), None) if c.is_control() || crate::diagnostics::is_invisible(c) => {
            format!("U+{:04X} (an invisible character)", u32::from(c))
        }
        _ => format!("`{text}`"),
    }
}

/// User-facing names of the rules pest may say it expected; `None` hides a rule.
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::machine => "`machine`",
        Rule::ident | Rule::name => "an identifier",
        Rule::doc => "a doc comment",
        Rule::type_def => "`type`",
        Rule::enum_def => "`enum`",
        Rule::struct_def => "`struct`",
        Rule::phases_def => "`phases`",
        Rule::initial_def => "`initial`",
        Rule::terminal_def => "`terminal`",
        Rule::state_def => "`state`",
        Rule::input_def => "`input`",
        Rule::effect_def => "`effect`",
        Rule::transition_def => "`transition`",
        Rule::invariant_def => "`invariant`",
        Rule::field_list => "a field list `{ ... }`",
        Rule::field_decl | Rule::state_field => "a field",
        Rule::variant => "a variant name",
        Rule::phase_list => "a phase list `[...]`",
        Rule::from_phases | Rule::from_any => "a phase, `[...]` or `*`",
        Rule::to_phase | Rule::same => "a phase or `same`",
        Rule::guard => "`guard`",
        Rule::update => "`update`",
        Rule::ty | Rule::generic_ty => "a type",
        Rule::block => "a block `{ ... }`",
        Rule::if_stmt
        | Rule::for_stmt
        | Rule::assign_stmt
        | Rule::index_assign
        | Rule::entry_assign
        | Rule::method_stmt => "a statement",
        Rule::emit_stmt => "`emit`",
        Rule::assign_op => "`=`, `+=` or `-=`",
        Rule::binder | Rule::pair_binder => "a variable",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::cmp_expr
        | Rule::add_expr
        | Rule::unary_expr
        | Rule::postfix_expr
        | Rule::paren
        | Rule::bool_lit
        | Rule::none_lit
        | Rule::some_lit
        | Rule::old_expr
        | Rule::self_field
        | Rule::int_lit
        | Rule::str_lit
        | Rule::empty_seq
        | Rule::empty_set
        | Rule::path
        | Rule::struct_lit
        | Rule::quantifier => "an expression",
        Rule::op_implies
        | Rule::op_or
        | Rule::op_and
        | Rule::cmp_op
        | Rule::in_op
        | Rule::add_op => "an operator",
        Rule::unary_op => "an expression",
        Rule::call | Rule::field_access | Rule::index => "`.` or `[`",
        Rule::args => "arguments",
        Rule::field_inits | Rule::field_init => "a field initialiser `name: value`",
        Rule::quant_kind | Rule::kw_quant => "`all` or `any`",
        Rule::kw_if | Rule::kw_for | Rule::kw_let | Rule::kw_break => "a statement",
        Rule::kw_emit => "`emit`",
        Rule::kw_else => "`else`",
        Rule::kw_in => "`in`",
        Rule::kw_update => "`update`",
        Rule::kw_guard => "`guard`",
        Rule::kw_on => "`on`",
        Rule::kw_from => "`from`",
        _ => return None,
    })
}

fn span_of(pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

fn ident(pair: Pair<Rule>) -> Ident {
    debug_assert!(
        matches!(pair.as_rule(), Rule::ident | Rule::name),
        "{:?}",
        pair.as_rule()
    );
    let pair = if pair.as_rule() == Rule::name {
        pair.into_inner().next().expect("name holds an ident")
    } else {
        pair
    };
    Ident {
        name: pair.as_str().to_string(),
        span: span_of(&pair),
    }
}

/// Splits leading doc comments off a pair's children.
fn docs_and_rest(pair: Pair<Rule>) -> (Vec<String>, Vec<Pair<Rule>>) {
    let mut doc = Vec::new();
    let mut rest = Vec::new();
    for p in pair.into_inner() {
        if p.as_rule() == Rule::doc && rest.is_empty() {
            let text = p.as_str().trim_start_matches("///");
            let text = text.strip_prefix(' ').unwrap_or(text);
            doc.push(text.trim_end().to_string());
        } else {
            rest.push(p);
        }
    }
    (doc, rest)
}

fn machine(pair: Pair<Rule>) -> Machine {
    let span = span_of(&pair);
    let (doc, rest) = docs_and_rest(pair);
    let mut rest = rest.into_iter();
    let name = ident(rest.next().expect("machine name"));
    let items = rest.map(item).collect();
    Machine {
        doc,
        name,
        span,
        items,
    }
}

fn item(pair: Pair<Rule>) -> Item {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::type_def => {
            let (doc, rest) = docs_and_rest(pair);
            let mut rest = rest.into_iter();
            let name = ident(rest.next().expect("type name"));
            let ty = ty(rest.next().expect("type"));
            Item::Type(TypeDef { doc, name, ty })
        }
        Rule::enum_def => {
            let (doc, rest) = docs_and_rest(pair);
            let mut rest = rest.into_iter();
            let name = ident(rest.next().expect("enum name"));
            Item::Enum(EnumDef {
                doc,
                name,
                variants: rest.map(variant).collect(),
            })
        }
        Rule::struct_def => {
            let (doc, rest) = docs_and_rest(pair);
            let mut rest = rest.into_iter();
            let name = ident(rest.next().expect("struct name"));
            let fields = field_list(rest.next().expect("fields"));
            Item::Struct(StructDef { doc, name, fields })
        }
        Rule::phases_def => {
            let (doc, rest) = docs_and_rest(pair);
            Item::Phases(PhasesDef {
                doc,
                phases: rest.into_iter().map(variant).collect(),
                span,
            })
        }
        // Doc comments on these three were refused by `undocumented_items`.
        Rule::initial_def => Item::Initial(ident(
            pair.into_inner()
                .find(|p| p.as_rule() != Rule::doc)
                .expect("initial phase"),
        )),
        Rule::terminal_def => {
            let inner = pair
                .into_inner()
                .find(|p| p.as_rule() != Rule::doc)
                .expect("terminal phases");
            let phases = match inner.as_rule() {
                Rule::phase_list => inner.into_inner().map(ident).collect(),
                _ => vec![ident(inner)],
            };
            Item::Terminal(phases, span)
        }
        Rule::state_def => Item::State(
            pair.into_inner()
                .filter(|p| p.as_rule() != Rule::doc)
                .map(state_field)
                .collect(),
            span,
        ),
        Rule::input_def => Item::Input(message(pair)),
        Rule::effect_def => Item::Effect(message(pair)),
        Rule::transition_def => Item::Transition(transition(pair)),
        Rule::invariant_def => {
            let (doc, rest) = docs_and_rest(pair);
            let mut rest = rest.into_iter();
            let name = ident(rest.next().expect("invariant name"));
            let expr = expr(rest.next().expect("invariant expr"));
            Item::Invariant(InvariantDef { doc, name, expr })
        }
        r => unreachable!("not an item: {r:?}"),
    }
}

fn variant(pair: Pair<Rule>) -> Variant {
    let (doc, rest) = docs_and_rest(pair);
    Variant {
        doc,
        name: ident(rest.into_iter().next().expect("variant name")),
    }
}

fn field_list(pair: Pair<Rule>) -> Vec<FieldDecl> {
    pair.into_inner()
        .map(|f| {
            let (doc, rest) = docs_and_rest(f);
            let mut rest = rest.into_iter();
            let name = ident(rest.next().expect("field name"));
            let ty = ty(rest.next().expect("field type"));
            FieldDecl { doc, name, ty }
        })
        .collect()
}

fn state_field(pair: Pair<Rule>) -> StateField {
    let (doc, rest) = docs_and_rest(pair);
    let mut rest = rest.into_iter();
    let name = ident(rest.next().expect("field name"));
    let ty = ty(rest.next().expect("field type"));
    let default = expr(rest.next().expect("field default"));
    StateField {
        doc,
        name,
        ty,
        default,
    }
}

fn message(pair: Pair<Rule>) -> MessageDef {
    let (doc, rest) = docs_and_rest(pair);
    let mut rest = rest.into_iter();
    let name = ident(rest.next().expect("message name"));
    let fields = rest.next().map(field_list).unwrap_or_default();
    MessageDef { doc, name, fields }
}

fn transition(pair: Pair<Rule>) -> TransitionDef {
    let span = span_of(&pair);
    let (doc, rest) = docs_and_rest(pair);
    let mut rest = rest.into_iter();
    let name = ident(rest.next().expect("transition name"));
    let input = ident(rest.next().expect("input name"));
    let from_pair = rest
        .next()
        .expect("from")
        .into_inner()
        .next()
        .expect("from phases");
    let from = match from_pair.as_rule() {
        Rule::from_any => FromPhases::Any(span_of(&from_pair)),
        Rule::phase_list => FromPhases::List(from_pair.into_inner().map(ident).collect()),
        _ => FromPhases::List(vec![ident(from_pair)]),
    };
    let to_pair = rest
        .next()
        .expect("to")
        .into_inner()
        .next()
        .expect("to phase");
    let to = match to_pair.as_rule() {
        Rule::same => ToPhase::Same(span_of(&to_pair)),
        _ => ToPhase::Phase(ident(to_pair)),
    };
    let mut guards = Vec::new();
    let mut update = Vec::new();
    let mut emits = Vec::new();
    for p in rest {
        match p.as_rule() {
            Rule::guard => {
                let (doc, rest) = docs_and_rest(p);
                let mut rest = rest.into_iter();
                let name = ident(rest.next().expect("guard name"));
                let expr = expr(rest.next().expect("guard expr"));
                guards.push(Guard { doc, name, expr });
            }
            Rule::update => update = block(p.into_inner().next().expect("update block")),
            Rule::emit_stmt => emits.push(emit(p)),
            r => unreachable!("not a transition part: {r:?}"),
        }
    }
    TransitionDef {
        doc,
        name,
        input,
        from,
        to,
        guards,
        update,
        emits,
        span,
    }
}

fn ty(pair: Pair<Rule>) -> TypeExpr {
    let span = span_of(&pair);
    let inner = pair.into_inner().next().expect("type body");
    match inner.as_rule() {
        Rule::generic_ty => {
            let mut parts = inner.into_inner();
            let name = ident(parts.next().expect("generic name"));
            TypeExpr {
                name,
                args: parts.map(ty).collect(),
                span,
            }
        }
        _ => TypeExpr {
            name: ident(inner),
            args: Vec::new(),
            span,
        },
    }
}

fn block(pair: Pair<Rule>) -> Vec<Stmt> {
    pair.into_inner().map(stmt).collect()
}

fn stmt(pair: Pair<Rule>) -> Stmt {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::assign_stmt => {
            let mut parts = pair.into_inner();
            let field = ident(parts.next().expect("field"));
            let op = match parts.next().expect("op").as_str() {
                "+=" => AssignOp::Add,
                "-=" => AssignOp::Sub,
                _ => AssignOp::Set,
            };
            let value = expr(parts.next().expect("value"));
            Stmt::Assign {
                field,
                op,
                value,
                span,
            }
        }
        Rule::index_assign => {
            let mut parts = pair.into_inner();
            let field = ident(parts.next().expect("field"));
            let key = expr(parts.next().expect("key"));
            let value = expr(parts.next().expect("value"));
            Stmt::IndexAssign {
                field,
                key,
                value,
                span,
            }
        }
        Rule::entry_assign => {
            let mut parts = pair.into_inner().peekable();
            let field = ident(parts.next().expect("field"));
            let key = expr(parts.next().expect("key"));
            let mut path = Vec::new();
            while let Some(p) = parts.next_if(|p| p.as_rule() == Rule::ident) {
                path.push(ident(p));
            }
            let value = expr(parts.next().expect("value"));
            Stmt::EntryFieldAssign {
                field,
                key,
                path,
                value,
                span,
            }
        }
        Rule::method_stmt => {
            let mut parts = pair.into_inner();
            let field = ident(parts.next().expect("field"));
            let method = ident(parts.next().expect("method"));
            let args = parts.next().expect("args").into_inner().map(expr).collect();
            Stmt::Call {
                field,
                method,
                args,
                span,
            }
        }
        Rule::if_stmt => {
            let mut parts = pair.into_inner();
            let cond = expr(parts.next().expect("condition"));
            let then = block(parts.next().expect("then block"));
            let otherwise = match parts.next() {
                None => Vec::new(),
                Some(p) if p.as_rule() == Rule::if_stmt => vec![stmt(p)],
                Some(p) => block(p),
            };
            Stmt::If {
                cond,
                then,
                otherwise,
                span,
            }
        }
        Rule::for_stmt => {
            let mut parts = pair.into_inner();
            let binder = binder(parts.next().expect("binder"));
            let collection = expr(parts.next().expect("collection"));
            let body = block(parts.next().expect("body"));
            Stmt::For {
                binder,
                collection,
                body,
                span,
            }
        }
        Rule::break_stmt => Stmt::Break { span },
        Rule::let_stmt => {
            let mut parts = pair.into_inner().peekable();
            let name = ident(parts.next().expect("name"));
            let ty = parts.next_if(|p| p.as_rule() == Rule::ty).map(ty);
            let value = expr(parts.next().expect("value"));
            Stmt::Let {
                name,
                ty,
                value,
                span,
            }
        }
        Rule::emit_stmt => Stmt::Emit(emit(pair)),
        r => unreachable!("not a statement: {r:?}"),
    }
}

fn emit(pair: Pair<Rule>) -> Emit {
    let span = span_of(&pair);
    let mut parts = pair.into_inner();
    let effect = ident(parts.next().expect("effect name"));
    let fields = parts.next().map(field_inits).unwrap_or_default();
    Emit {
        effect,
        fields,
        span,
    }
}

fn field_inits(pair: Pair<Rule>) -> Vec<FieldInit> {
    pair.into_inner()
        .map(|p| {
            let mut parts = p.into_inner();
            let name = ident(parts.next().expect("field name"));
            let value = expr(parts.next().expect("field value"));
            FieldInit { name, value }
        })
        .collect()
}

fn binder(pair: Pair<Rule>) -> Binder {
    let inner = pair.into_inner().next().expect("binder body");
    match inner.as_rule() {
        Rule::pair_binder => {
            let mut parts = inner.into_inner();
            let k = ident(parts.next().expect("key binder"));
            let v = ident(parts.next().expect("value binder"));
            Binder::Pair(k, v)
        }
        _ => Binder::One(ident(inner)),
    }
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr {
        kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
        span,
    }
}

/// Precedence levels with a single child add nothing: skip them without recursing, so
/// the conversion's stack depth follows the expression's real nesting.
fn skip_pass_through(mut pair: Pair<Rule>) -> Pair<Rule> {
    loop {
        let passes = matches!(
            pair.as_rule(),
            Rule::expr
                | Rule::or_expr
                | Rule::and_expr
                | Rule::cmp_expr
                | Rule::add_expr
                | Rule::unary_expr
                | Rule::postfix_expr
        );
        if !passes {
            return pair;
        }
        let mut inner = pair.clone().into_inner();
        match (inner.next(), inner.next()) {
            (Some(only), None) => pair = only,
            _ => return pair,
        }
    }
}

fn expr(pair: Pair<Rule>) -> Expr {
    let pair = skip_pass_through(pair);
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::expr => {
            let mut parts = pair.into_inner();
            let lhs = expr(parts.next().expect("lhs"));
            match parts.next() {
                None => lhs,
                Some(_implies) => binary(BinOp::Implies, lhs, expr(parts.next().expect("rhs"))),
            }
        }
        Rule::or_expr | Rule::and_expr | Rule::add_expr => {
            let mut parts = pair.into_inner();
            let mut acc = expr(parts.next().expect("operand"));
            while let Some(op) = parts.next() {
                let op = match op.as_str() {
                    "||" => BinOp::Or,
                    "&&" => BinOp::And,
                    "+" => BinOp::Add,
                    _ => BinOp::Sub,
                };
                acc = binary(op, acc, expr(parts.next().expect("operand")));
            }
            acc
        }
        Rule::cmp_expr => {
            let mut parts = pair.into_inner();
            let lhs = expr(parts.next().expect("lhs"));
            match parts.next() {
                None => lhs,
                Some(op) => {
                    let op = match op.as_str() {
                        "==" => BinOp::Eq,
                        "!=" => BinOp::Ne,
                        "<=" => BinOp::Le,
                        ">=" => BinOp::Ge,
                        "<" => BinOp::Lt,
                        ">" => BinOp::Gt,
                        _ => BinOp::In,
                    };
                    binary(op, lhs, expr(parts.next().expect("rhs")))
                }
            }
        }
        Rule::unary_expr => {
            let parts: Vec<_> = pair.into_inner().collect();
            let (operand, ops) = parts.split_last().expect("operand");
            let mut acc = expr(operand.clone());
            for op in ops.iter().rev() {
                let op_kind = if op.as_str() == "!" {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                acc = Expr {
                    span: span_of(op).to(acc.span),
                    kind: ExprKind::Unary(op_kind, Box::new(acc)),
                };
            }
            acc
        }
        Rule::postfix_expr => {
            let mut parts = pair.into_inner();
            let mut acc = expr(parts.next().expect("primary"));
            for p in parts {
                let end = span_of(&p);
                let start = acc.span;
                acc = match p.as_rule() {
                    Rule::call => {
                        let mut inner = p.into_inner();
                        let method = ident(inner.next().expect("method"));
                        let args = inner.next().expect("args").into_inner().map(expr).collect();
                        Expr {
                            kind: ExprKind::Call(Box::new(acc), method, args),
                            span: start.to(end),
                        }
                    }
                    Rule::field_access => Expr {
                        kind: ExprKind::Field(
                            Box::new(acc),
                            ident(p.into_inner().next().expect("field")),
                        ),
                        span: start.to(end),
                    },
                    Rule::index => Expr {
                        kind: ExprKind::Index(
                            Box::new(acc),
                            Box::new(expr(p.into_inner().next().expect("key"))),
                        ),
                        span: start.to(end),
                    },
                    r => unreachable!("not a postfix: {r:?}"),
                };
            }
            acc
        }
        Rule::paren => {
            let inner = expr(pair.into_inner().next().expect("inner"));
            Expr {
                kind: inner.kind,
                span,
            }
        }
        Rule::bool_lit => Expr {
            kind: ExprKind::Bool(pair.as_str() == "true"),
            span,
        },
        Rule::none_lit => Expr {
            kind: ExprKind::None,
            span,
        },
        Rule::some_lit => Expr {
            kind: ExprKind::Some(Box::new(expr(pair.into_inner().next().expect("inner")))),
            span,
        },
        Rule::old_expr => {
            let field = pair
                .into_inner()
                .next()
                .expect("self field")
                .into_inner()
                .next()
                .expect("field");
            Expr {
                kind: ExprKind::Old(ident(field)),
                span,
            }
        }
        Rule::self_field => Expr {
            kind: ExprKind::SelfField(ident(pair.into_inner().next().expect("field"))),
            span,
        },
        Rule::int_lit => Expr {
            // Digits too long for u128 saturate; the checker reports them out of range.
            kind: ExprKind::Int(pair.as_str().parse().unwrap_or(u128::MAX)),
            span,
        },
        Rule::str_lit => {
            let raw = pair.into_inner().next().expect("string body").as_str();
            Expr {
                kind: ExprKind::Str(unescape(raw)),
                span,
            }
        }
        Rule::empty_seq => Expr {
            kind: ExprKind::EmptySeq,
            span,
        },
        Rule::empty_set => Expr {
            kind: ExprKind::EmptyBraces,
            span,
        },
        Rule::path => {
            let mut parts = pair.into_inner();
            let a = ident(parts.next().expect("type"));
            let b = ident(parts.next().expect("variant"));
            Expr {
                kind: ExprKind::Path(a, b),
                span,
            }
        }
        Rule::struct_lit => {
            let mut parts = pair.into_inner();
            let name = ident(parts.next().expect("struct name"));
            let fields = field_inits(parts.next().expect("fields"));
            Expr {
                kind: ExprKind::StructLit(name, fields),
                span,
            }
        }
        Rule::name => Expr {
            kind: ExprKind::Name(ident(pair)),
            span,
        },
        Rule::quantifier => {
            let mut parts = pair.into_inner();
            let kind = if parts.next().expect("kind").as_str() == "all" {
                Quantifier::All
            } else {
                Quantifier::Any
            };
            let binder = binder(parts.next().expect("binder"));
            let collection = Box::new(expr(parts.next().expect("collection")));
            let body = Box::new(expr(parts.next().expect("body")));
            Expr {
                kind: ExprKind::Quant {
                    kind,
                    binder,
                    collection,
                    body,
                },
                span,
            }
        }
        r => unreachable!("not an expression: {r:?}"),
    }
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_download_example() {
        let src = include_str!("../tests/specs/download.machine");
        let file = parse(src).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(file.machines.len(), 1);
        let m = &file.machines[0];
        assert_eq!(m.name.name, "Download");
        assert_eq!(m.doc, vec!["Lifecycle of a single download job."]);
        let transitions = m
            .items
            .iter()
            .filter(|i| matches!(i, Item::Transition(_)))
            .count();
        assert_eq!(transitions, 7);
    }

    /// A missing `;` before the next item is not mistaken for an unclosed block.
    #[test]
    fn a_missing_semicolon_before_an_item_is_not_called_an_unclosed_block() {
        let d =
            parse("machine M {\n    phases { A }\n    initial A\n    input Go;\n}").unwrap_err();
        assert!(d.secondary.is_empty(), "{:?}", d.secondary);
        assert!(!d.message.contains("`}` is missing"), "{}", d.message);
        assert!(
            !d.help.iter().any(|h| h.contains("closes it")),
            "{:?}",
            d.help
        );
    }

    #[test]
    fn common_mistakes_get_a_hint() {
        let hint = |guard: &str, update: &str| {
            let src = format!(
                "machine M {{ phases {{ A }} initial A; state {{ n: u64 = 0 }} input Go {{ max: u64 }}
                 transition go on Go from A -> same {{ {guard} update {{ {update} }} }} }}"
            );
            let d = parse(&src).unwrap_err();
            assert_eq!(d.code, Code::Syntax);
            d.help.join(" ")
        };
        let cases = [
            ("guard g: self.n += 1;", "", "`+=` and `-=` are statements"),
            ("guard g: 0 < self.n <= 10;", "", "comparisons do not chain"),
            (
                "guard g: self.n == 1 != true;",
                "",
                "comparisons do not chain",
            ),
            ("guard g: self.n = 1;", "", "to compare, write `==`"),
            ("", "max = 3;", "only state fields are assigned"),
            ("", "self.n = 1; n += 2;", "only state fields are assigned"),
            ("", "emit E { a: 1 b: 2 };", "fields are separated by `,`"),
            ("", "self.n = self.n * 2;", "there is no `*`, `/` or `%`"),
            (
                "",
                "self.n = min(self.n, 3);",
                "there are no free functions",
            ),
            (
                "",
                "self.n = if max > 1 { 1 } else { 2 };",
                "`if` is a statement",
            ),
            ("", "let mut x = 1;", "there is no `mut`"),
            ("", "self.n[max] += 1;", "and for a field of one"),
            ("guard self.n > 1;", "", "a guard has a name"),
            ("guard g: self.n <> 1;", "", "is written `!=`"),
            ("guard g: self.n =! 1;", "", "is written `!=`"),
            (
                "guard g: self.n > 0 or max > 1;",
                "",
                "`or` is written `||`",
            ),
            (
                "guard g: self.n > 0 & max > 1;",
                "",
                "`and` is written `&&`",
            ),
            (
                "guard g: caf\u{e9} > 1;",
                "",
                "names are made of ASCII letters",
            ),
            ("guard g: max \u{2260} 1;", "", "write `!=`"),
            ("", "emit E(1);", "an effect's fields go between braces"),
            ("", "emit E { max };", "`max: max`"),
            ("", "self.n = 1, self.n = 2;", "ends with `;`"),
            (
                "",
                "self.n = max.len(\u{201c}x\u{201d});",
                "typographic quote",
            ),
            (
                "",
                "self.n = max.len(\"x\u{201d});",
                "typographic quote, not the end of the string",
            ),
        ];
        for (guard, update, expected) in cases {
            let got = hint(guard, update);
            assert!(got.contains(expected), "{guard} {update}: {got}");
        }
        // Outside a transition body.
        let hint_for = |src: &str| parse(src).unwrap_err().help.join(" ");
        let header = "a transition's header reads `transition <name> on <Input> from";
        for transition in [
            "transition go from A on Go -> A {}",
            "transition on Go from A -> A {}",
            "transition go on Go -> A from A {}",
        ] {
            let src = format!(
                "machine M {{ phases {{ A }} initial A; state {{}} input Go; {transition} }}"
            );
            assert!(hint_for(&src).contains(header), "{transition}");
        }
        assert!(
            hint_for("machine M { phases { A } initial A; state {} input Go; input Stop; transition go on [Go, Stop] from A -> A {} }")
                .contains("one transition per input")
        );
        assert!(
            hint_for("machine M { phases { A } initial A; state { n: u64, m: u64 = 0 } }")
                .contains("every state field has a default value")
        );
        for declaration in [
            "effect E { n: u64 };",
            "input Go { n: u64 };",
            "enum Side { L, R };",
            "input Go; transition go on Go from A -> A {};",
        ] {
            let src = format!("machine M {{ phases {{ A }} initial A; state {{}} {declaration} }}");
            assert!(
                hint_for(&src).contains("ends at its `}`: remove this `;`"),
                "{declaration}"
            );
        }
    }

    #[test]
    fn syntax_error_points_at_the_offending_token() {
        let src = "machine M {\n    phases { A }\n    initial A }\n";
        let d = parse(src).unwrap_err();
        assert_eq!(d.code, Code::Syntax);
        assert_eq!(&src[d.span.start..d.span.end], "}");
        assert!(d.message.contains("expected `;`"), "{}", d.message);
        // At the end of a line, the missing `;` is pointed at where it belongs.
        let src = "machine M {\n    phases { A }\n    initial A\n}\n";
        let d = parse(src).unwrap_err();
        assert_eq!(&src[d.span.start..d.span.end], "A");
        assert_eq!(d.label, "expected `;` after this");
    }

    /// A spec with one transition whose body is `body`.
    fn with_body(body: &str) -> String {
        format!(
            "machine M {{\n    phases {{ A }}\n    initial A;\n    state {{ n: u64 = 0 }}\n    input Go;\n    effect Went;\n    transition go on Go from A -> same {{\n{body}\n    }}\n}}\n"
        )
    }

    #[test]
    fn a_semicolon_missing_at_the_end_of_a_line_is_pointed_out_there() {
        let src = with_body("        guard few: self.n < 3\n        update { self.n += 1; }");
        let d = parse(&src).unwrap_err();
        assert!(
            d.message.starts_with("syntax error: expected `;`"),
            "{}",
            d.message
        );
        assert_eq!(
            &src[d.span.start..d.span.end],
            "3",
            "the end of the guard's line"
        );
        assert_eq!(d.label, "expected `;` after this");
        // Comments after the code, or on lines of their own, are skipped.
        let src = with_body(
            "        guard few: self.n < 3 // \"no more\" // than 3\n        /// Counts.\n        // (café)\n        update { self.n += 1; }",
        );
        let d = parse(&src).unwrap_err();
        assert_eq!(&src[d.span.start..d.span.end], "3", "{d:?}");
        // On the same line, the token that is there instead is underlined.
        let src = with_body("        update { self.n += 1 }");
        let d = parse(&src).unwrap_err();
        assert!(
            d.message.starts_with("syntax error: expected `;`"),
            "{}",
            d.message
        );
        assert_eq!(&src[d.span.start..d.span.end], "}");
    }

    #[test]
    fn a_semicolon_after_a_block_is_pointed_out() {
        let d = parse(&with_body("        update { self.n += 1; };")).unwrap_err();
        assert!(
            d.help.iter().any(|h| h.contains("remove this `;`")),
            "{:?}",
            d.help
        );
    }

    #[test]
    fn an_assignment_in_a_guard_suggests_a_comparison() {
        let d = parse(&with_body("        guard zero: self.n = 0;")).unwrap_err();
        assert!(
            d.help.iter().any(|h| h.contains("write `==`")),
            "{:?}",
            d.help
        );
    }

    #[test]
    fn an_update_after_an_emit_explains_the_order_of_a_body() {
        let d = parse(&with_body(
            "        emit Went;\n        update { self.n += 1; }",
        ))
        .unwrap_err();
        assert!(
            d.help.iter().any(|h| h.contains("in order")),
            "{:?}",
            d.help
        );
        let d = parse(&with_body(
            "        guard few: self.n < 3\n        update { self.n += 1; }",
        ))
        .unwrap_err();
        assert!(
            d.help.is_empty(),
            "a missing `;` is not an ordering problem: {:?}",
            d.help
        );
        // Outside a transition there is no body to put in order.
        let d = parse("machine M {\n    phases { A }\n    guard x: true;\n}\n").unwrap_err();
        assert!(d.help.is_empty(), "{:?}", d.help);
    }

    #[test]
    fn binary_operators_follow_precedence() {
        let src = "machine M { invariant i: a || b && c implies d == e + f - g; }";
        let file = parse(src).unwrap();
        let Item::Invariant(inv) = &file.machines[0].items[0] else {
            panic!()
        };
        let ExprKind::Binary(BinOp::Implies, lhs, rhs) = &inv.expr.kind else {
            panic!("{:?}", inv.expr)
        };
        assert!(matches!(lhs.kind, ExprKind::Binary(BinOp::Or, _, _)));
        let ExprKind::Binary(BinOp::Eq, _, sum) = &rhs.kind else {
            panic!()
        };
        assert!(matches!(sum.kind, ExprKind::Binary(BinOp::Sub, _, _)));
    }

    #[test]
    fn item_keywords_are_contextual_and_whole_words() {
        let src = "machine M { phases { A } initial A; state { from: u64 = 0, state: u64 = 1 } \
                   input inputs; effect Changed { from: u64, to: u64 } }";
        let file = parse(src).unwrap_or_else(|d| panic!("{d:?}"));
        let m = &file.machines[0];
        let Item::Input(input) = &m.items[3] else {
            panic!("{:?}", m.items[3])
        };
        assert_eq!(input.name.name, "inputs");
        assert!(parse("machine M { inputFoo; }").is_err());
    }

    /// A statement keyword is a whole word: `emitDone;` is not `emit Done;`, `ifx` is not
    /// `if x`.
    #[test]
    fn statement_keywords_are_whole_words() {
        for body in [
            "        emitWent;",
            "        update { ifself.n > 0 { self.n = 0; } }",
            "        update { if self.n > 0 { self.n = 0; } elseif self.n == 0 { self.n = 1; } }",
            "        update { forx in self.s { self.n = 0; } }",
            "        update { for x inself.s { self.n = 0; } }",
            "        guard g: allx in self.s: true;",
        ] {
            assert!(parse(&with_body(body)).is_err(), "accepted: {body}");
        }
        // Misspelt, they are suggested; other words are not taken for them.
        let help = |body: &str| parse(&with_body(body)).unwrap_err().help.join(" ");
        for (body, keyword) in [
            ("        emits Went;", "emit"),
            ("        update { slef.n = 1; }", "self"),
            (
                "        update { if self.n > 0 { self.n = 0; } elif self.n == 0 { self.n = 1; } }",
                "else if",
            ),
        ] {
            assert_eq!(help(body), format!("did you mean `{keyword}`?"), "{body}");
        }
        assert!(!help("        update { elif.n = 1; }").contains("did you mean"));
        for body in [
            "        emit Went;",
            "        update { if self.n > 0 { self.n = 0; } else if self.n == 0 { self.n = 1; } }",
            "        update { for x in self.s { self.n = 0; } }",
            "        guard g: all x in self.s: true;",
            "        guard g: any(a, b) in self.s: true;",
        ] {
            parse(&with_body(body)).unwrap_or_else(|d| panic!("{body}: {d:?}"));
        }
    }

    /// `self.cfg.limit = 5;` is a syntax error whose help says how to write it.
    #[test]
    fn writing_one_field_of_a_struct_field_is_told_to_assign_the_whole_struct() {
        let help = |body: &str| parse(&with_body(body)).unwrap_err().help.join(" ");
        let written = help("        update { self.cfg.limit = 5; }");
        assert!(
            written.contains("`self.cfg` a struct literal")
                && written.contains("`self.m[k].limit = ..;`"),
            "{written}"
        );
        assert!(!help("        update { x.cfg.limit = 5; }").contains("struct literal"));
        assert!(!help("        update { self.cfg.limit(5) = 1; }").contains("struct literal"));
    }

    #[test]
    fn a_missing_field_name_is_pointed_out() {
        let d = parse("machine M { effect Changed { : u64 } }").unwrap_err();
        assert!(d.message.contains("expected a field"), "{}", d.message);
    }

    #[test]
    fn recovery_reports_every_broken_item_at_its_own_place() {
        // The first item is broken around a multi-byte character; the offsets of the
        // second error must still point into the original text.
        let src = "machine M {\n    phases { A }\n    initial A;\n    input Né é\n    input Ok;\n    effect E { x: }\n}\n";
        let errors = parse_all(src).expect_err("two broken items");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            src[errors[0].span.start..].starts_with('\u{e9}')
                || src[errors[0].span.start..].starts_with("input")
        );
        assert_eq!(&src[errors[1].span.start..errors[1].span.end], "}");
        assert!(parse_all("machine M { phases { A } initial A; }").is_ok());
    }

    #[test]
    fn a_reserved_word_as_a_name_is_named_in_the_hint() {
        for (src, word) in [
            ("machine M { state { old: u64 = 0 } }", "old"),
            ("machine M { input I { some: u64 } }", "some"),
            ("machine M { transition any on I from A -> same {} }", "any"),
        ] {
            let help = parse(src).unwrap_err().help.join(" ");
            assert!(
                help.starts_with(&format!("`{word}` is a reserved word")),
                "{src}: {help}"
            );
        }
    }

    #[test]
    fn a_doc_comment_where_none_may_stand_is_told_to_be_a_plain_comment() {
        let body = |b: &str| {
            format!(
                "machine M {{ phases {{ A }} initial A; input I; effect E;\n transition t on I from A -> same {{\n{b}\n}} }}"
            )
        };
        for src in [
            body("/// doc\nupdate { }"),
            body("update {\n/// doc\n}"),
            body("emit E;\n/// doc"),
        ] {
            let help = parse(&src).unwrap_err().help.join(" ");
            assert!(help.contains("make it a `//` comment"), "{src}: {help}");
        }
        // A misspelt item after a doc comment is not blamed on the comment.
        let src = "machine M {\n/// doc\ntranstion t on I from A -> same {}\n}";
        let help = parse(src).unwrap_err().help.join(" ");
        assert!(!help.contains("make it a `//` comment"), "{help}");
    }

    /// Blanking a broken item longer than 64 KiB (past what a `format!` width allows)
    /// reports the error; it once made the generator panic.
    #[test]
    fn recovery_blanks_a_broken_item_of_any_size() {
        let mut src = String::from(
            "machine M {\n    phases { A }\n    initial A;\n    state {\n        broken u64 = 0,\n",
        );
        for i in 0..3000 {
            src.push_str(&format!("        field_{i}: u64 = 0, // é\n"));
        }
        src.push_str("    }\n    input Bad {\n}\n");
        assert!(src.len() > 65_535);
        let errors = parse_all(&src).expect_err("two broken items");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(&src[errors[0].span.start..errors[0].span.end], "u64");
    }
}
