//! Diagnostics: stable codes, spans, and rendering through `codespan-reporting`.

use crate::ast::Span;
use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label, LabelStyle, Severity as CsSeverity,
};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// Every diagnostic the generator can produce, with its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The source does not parse.
    Syntax,
    /// A name that is declared nowhere.
    UndefinedName,
    /// A name declared twice in the same namespace.
    DuplicateName,
    /// A name the generated Rust cannot use.
    ReservedName,
    /// `phases`, `initial` or `state` missing or given twice.
    MissingOrRepeatedItem,
    /// An expression of the wrong type.
    TypeMismatch,
    /// A struct or effect literal without one of its fields.
    MissingField,
    /// A struct or effect literal with a field its type does not have.
    UnknownField,
    /// Two different newtypes used together.
    NewtypeMix,
    /// A method or operator the type does not support, or wrong arguments.
    BadOperation,
    /// A field default that is not a literal.
    NonLiteralDefault,
    /// An integer literal outside the range of its type.
    IntOutOfRange,
    /// A statement writing something only transitions may write (`self.phase`).
    ReadOnly,
    /// A struct that contains itself without a collection in between (infinite size).
    RecursiveType,
    /// A transition that leaves a terminal phase.
    LeavesTerminal,
    /// A candidate shadowed by an earlier guardless candidate.
    UnreachableCandidate,
    /// `m[k]` or `unwrap()` without the guard that establishes it.
    UnestablishedPartial,
    /// `old(...)` where there is no pre-state (guards, invariants, defaults).
    MisplacedOld,
    /// `break` outside a `for` loop, a statement after a `break` (it never runs), or a loop
    /// body that always breaks (it never gets past its first element).
    MisplacedBreak,
    /// An invariant that is false (or cannot be evaluated) in the initial state: every
    /// field at its default, the phase at `initial`.
    InitialInvariant,
    /// A phase no transition path reaches from `initial`.
    UnreachablePhase,
    /// An input no transition handles.
    UnhandledInput,
    /// An effect no transition emits.
    UnusedEffect,
    /// A spec file that declares no machine (it generates nothing).
    NoMachine,
}

impl Code {
    pub const ALL: [Code; 24] = [
        Code::Syntax,
        Code::UndefinedName,
        Code::DuplicateName,
        Code::ReservedName,
        Code::MissingOrRepeatedItem,
        Code::TypeMismatch,
        Code::MissingField,
        Code::UnknownField,
        Code::NewtypeMix,
        Code::BadOperation,
        Code::NonLiteralDefault,
        Code::IntOutOfRange,
        Code::ReadOnly,
        Code::RecursiveType,
        Code::LeavesTerminal,
        Code::UnreachableCandidate,
        Code::UnestablishedPartial,
        Code::MisplacedOld,
        Code::MisplacedBreak,
        Code::InitialInvariant,
        Code::UnreachablePhase,
        Code::UnhandledInput,
        Code::UnusedEffect,
        Code::NoMachine,
    ];

    /// The stable code shown to users; never renumber an existing code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "E0001",
            Code::UndefinedName => "E0101",
            Code::DuplicateName => "E0102",
            Code::ReservedName => "E0103",
            Code::MissingOrRepeatedItem => "E0104",
            Code::TypeMismatch => "E0201",
            Code::MissingField => "E0202",
            Code::UnknownField => "E0203",
            Code::NewtypeMix => "E0204",
            Code::BadOperation => "E0205",
            Code::NonLiteralDefault => "E0206",
            Code::IntOutOfRange => "E0207",
            Code::ReadOnly => "E0208",
            Code::RecursiveType => "E0209",
            Code::LeavesTerminal => "E0301",
            Code::UnreachableCandidate => "E0302",
            Code::UnestablishedPartial => "E0303",
            Code::MisplacedOld => "E0304",
            Code::MisplacedBreak => "E0305",
            Code::InitialInvariant => "E0306",
            Code::UnreachablePhase => "W0401",
            Code::UnhandledInput => "W0402",
            Code::UnusedEffect => "W0403",
            Code::NoMachine => "W0404",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Code::UnreachablePhase
            | Code::UnhandledInput
            | Code::UnusedEffect
            | Code::NoMachine => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub span: Span,
    /// Text under the primary span.
    pub label: String,
    /// Further places worth showing (e.g. the earlier declaration of a duplicate).
    pub secondary: Vec<(Span, String)>,
    /// `help:` lines, such as did-you-mean suggestions.
    pub help: Vec<String>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span,
            label: String::new(),
            secondary: Vec::new(),
            help: Vec::new(),
        }
    }

    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.label = text.into();
        self
    }

    pub fn secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push((span, text.into()));
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help.push(text.into());
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// The diagnostics of one spec file, with the source needed to render them.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    pub path: String,
    pub source: String,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(
        path: impl Into<String>,
        source: impl Into<String>,
        mut items: Vec<Diagnostic>,
    ) -> Self {
        // Source order, then errors before warnings at one place: stable output.
        items.sort_by(|a, b| {
            (
                a.span.start,
                a.span.end,
                std::cmp::Reverse(a.severity()),
                a.code.as_str(),
            )
                .cmp(&(
                    b.span.start,
                    b.span.end,
                    std::cmp::Reverse(b.severity()),
                    b.code.as_str(),
                ))
        });
        Diagnostics {
            path: path.into(),
            source: source.into(),
            items,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity() == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity() == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity() == Severity::Warning)
    }

    /// Plain-text rendering (no colour): `file:line:col`, code, source line, underline, help.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        {
            let mut writer = term::termcolor::NoColor::new(&mut out);
            self.emit(&mut writer);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Rendering with colour when `writer` supports it (used by the CLI).
    ///
    /// Zero-width and text-direction characters, which show as nothing on a terminal or
    /// reorder the text around them, are shown as `U+FFFD` in the quoted source lines:
    /// otherwise an error at one would have no underline, and one earlier on the line
    /// would move the rest of it away from its underline. Both take three bytes in UTF-8,
    /// so every span and column stays as it is. A lone carriage return (refused by the
    /// parser) is shown as a line break: written out, it would send the terminal's cursor
    /// back over the quoted line.
    pub fn emit(&self, writer: &mut dyn term::termcolor::WriteColor) {
        let mut chars = self.source.chars().peekable();
        let mut shown = String::with_capacity(self.source.len());
        while let Some(c) = chars.next() {
            shown.push(match c {
                '\r' if chars.peek() != Some(&'\n') => '\n',
                c if is_invisible(c) => '\u{fffd}',
                c => c,
            });
        }
        let file = SimpleFile::new(self.path.as_str(), shown.as_str());
        let config = Config::default();
        let clamp = |s: Span| {
            let end = s.end.min(self.source.len());
            s.start.min(end)..end
        };
        for d in &self.items {
            let severity = match d.severity() {
                Severity::Error => CsSeverity::Error,
                Severity::Warning => CsSeverity::Warning,
            };
            let mut labels = vec![
                Label::new(LabelStyle::Primary, (), clamp(d.span)).with_message(d.label.clone()),
            ];
            for (span, text) in &d.secondary {
                labels.push(
                    Label::new(LabelStyle::Secondary, (), clamp(*span)).with_message(text.clone()),
                );
            }
            let diagnostic = CsDiagnostic::new(severity)
                .with_code(d.code.as_str())
                .with_message(d.message.clone())
                .with_labels(labels)
                .with_notes(d.help.iter().map(|h| format!("help: {h}")).collect());
            // Writing to an in-memory or terminal buffer; a failed write has nowhere to go.
            let _ = term::emit(writer, &config, &file, &diagnostic);
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Diagnostics {}

/// Whether `c` is a zero-width or text-direction character: on a terminal it shows as
/// nothing, or reorders the text around it. All of them are three bytes in UTF-8.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// The closest candidate to a misspelt name, if one is close enough to suggest: similar
/// by Jaro-Winkler, or one edit away (a transposition counts as one edit: Jaro-Winkler
/// scores `jbo` against `job` low, yet it is the typical slip of a short name). Names
/// under three characters are too short for one edit to be telling.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let lower = name.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let other = candidate.to_lowercase();
        let score = strsim::jaro_winkler(&lower, &other);
        let one_edit = lower.chars().count() >= 3 && strsim::osa_distance(&lower, &other) <= 1;
        if (score >= 0.8 || one_edit)
            && best.is_none_or(|(s, c)| score > s || (score == s && candidate < c))
        {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c.to_string())
}
