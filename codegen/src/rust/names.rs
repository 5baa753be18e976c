//! Rust identifiers and types for IR names.

use crate::ir::Ty;
use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// An identifier as written in the spec (the checker rejects Rust keywords).
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `give_up` -> `GiveUp`, for transition ids.
pub fn camel(name: &str) -> Ident {
    Ident::new(&camel_case(name), Span::call_site())
}

/// The UpperCamelCase form of a spec name: transition `give_up` becomes
/// `TransitionId::GiveUp`, and state field `retries` names the undo-log variants
/// `RetriesReplaced`, ... The checker refuses names whose form is no Rust identifier.
pub fn camel_case(name: &str) -> String {
    name.to_upper_camel_case()
}

pub fn module_name(machine: &str) -> String {
    machine.to_snake_case()
}

/// Local holding the pre-state value of `old(self.f)`.
pub fn old_local(field: &str) -> Ident {
    format_ident!("old_{}", field)
}

/// The Rust type of an IR type.
pub fn ty(t: &Ty) -> TokenStream {
    match t {
        Ty::Bool => quote!(bool),
        Ty::U64 => quote!(u64),
        Ty::I64 => quote!(i64),
        Ty::String => quote!(String),
        Ty::Phase => quote!(Phase),
        Ty::Newtype(n) | Ty::Enum(n) | Ty::Struct(n) => {
            let n = ident(n);
            quote!(#n)
        }
        Ty::Option(inner) => {
            let inner = ty(inner);
            quote!(Option<#inner>)
        }
        Ty::Seq(inner) => {
            let inner = ty(inner);
            quote!(VecDeque<#inner>)
        }
        Ty::Set(inner) => {
            let inner = ty(inner);
            quote!(BTreeSet<#inner>)
        }
        Ty::Map(k, v) => {
            let (k, v) = (ty(k), ty(v));
            quote!(OrdMap<#k, #v>)
        }
    }
}

/// Doc attributes for doc-comment lines.
pub fn docs(lines: &[String]) -> TokenStream {
    let lines = doc_lines(lines);
    quote!(#(#[doc = #lines])*)
}

/// Doc attributes for a public item: the spec's doc-comment lines, or, where the spec
/// gives the item none, the one line `fallback` makes (with its leading space). Every
/// public item of a generated module is documented, so that a crate that denies or
/// forbids `missing_docs` compiles the module without an `allow` (which `forbid`
/// refuses).
pub fn docs_or(lines: &[String], fallback: impl FnOnce() -> String) -> TokenStream {
    if lines.is_empty() {
        let line = printable(&fallback());
        quote!(#[doc = #line])
    } else {
        docs(lines)
    }
}

/// `text` as a Markdown code span, fenced by one more backtick than its longest run of
/// them (a string in a spec's default value may hold some).
pub fn code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest == 0 {
        format!("{fence}{text}{fence}")
    } else {
        format!("{fence} {text} {fence}")
    }
}

/// Names joined as prose, each a code span: "`A`", "`A` or `B`", "`A`, `B` or `C`".
pub fn either(names: &[String]) -> String {
    let spans: Vec<String> = names.iter().map(|n| code(n)).collect();
    match spans.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// A spec's doc-comment lines as rustdoc lines, each with its leading space. A code block
/// in a spec's doc comment shows spec text, not Rust, and rustdoc would compile one without
/// a language as a doctest of the consumer's crate: such blocks are marked `text`, and an
/// indented block is fenced as `text` too. Blocks that name a language are left alone.
pub fn doc_lines(lines: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    // The open fence's character and length, when inside a fenced block.
    let mut fence: Option<(char, usize)> = None;
    let mut in_indented = false;
    // Blank lines met inside an indented block, not yet known to be inside it.
    let mut blank_run = 0;
    let mut after_blank = true;
    // An indented line right after a list item continues the item, it is not code.
    let mut after_list_item = false;
    for line in lines {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some((c, n)) = fence {
            if indent < 4
                && fence_run(trimmed)
                    .is_some_and(|(rc, rn, rest)| rc == c && rn >= n && rest.trim().is_empty())
            {
                fence = None;
            }
            out.push(line.clone());
            continue;
        }
        if in_indented {
            if trimmed.is_empty() {
                blank_run += 1;
                continue;
            }
            if indent >= 4 {
                out.extend(std::iter::repeat_n(String::new(), blank_run));
                blank_run = 0;
                out.push(line[4..].to_string());
                continue;
            }
            // Blank lines after the block stay after the closing fence.
            out.push("```".to_string());
            out.extend(std::iter::repeat_n(String::new(), blank_run));
            blank_run = 0;
            in_indented = false;
        }
        if indent < 4 {
            if let Some((c, n, info)) = fence_run(trimmed) {
                fence = Some((c, n));
                out.push(if info.trim().is_empty() {
                    format!("{line}text")
                } else {
                    line.clone()
                });
                after_blank = false;
                continue;
            }
        } else if after_blank && !after_list_item && !trimmed.is_empty() {
            in_indented = true;
            out.push("```text".to_string());
            out.push(line[4..].to_string());
            continue;
        }
        if !trimmed.is_empty() {
            after_list_item = is_list_item(trimmed) || (after_list_item && indent > 0);
        }
        after_blank = trimmed.is_empty();
        out.push(line.clone());
    }
    if in_indented {
        out.push("```".to_string());
        out.extend(std::iter::repeat_n(String::new(), blank_run));
    }
    out.into_iter()
        .map(|l| {
            if l.is_empty() {
                l
            } else {
                format!(" {}", printable(&l))
            }
        })
        .collect()
}

/// `line` with what a Rust comment may not hold written out: a lone carriage return
/// (rustc refuses it in a doc comment) becomes a space, and a character that changes the
/// visible direction of text (refused by a deny-by-default lint) its `\u{..}` escape.
fn printable(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\r' => out.push(' '),
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&c.escape_unicode().to_string())
            }
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown code fence (three or more backticks or tildes): its character, its length
/// and the rest of the line.
fn fence_run(trimmed: &str) -> Option<(char, usize, &str)> {
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = trimmed.chars().take_while(|x| *x == c).count();
    (n >= 3).then(|| (c, n, &trimmed[n..]))
}

fn is_list_item(trimmed: &str) -> bool {
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    let rest = &trimmed[digits..];
    if digits > 0 {
        return rest.starts_with(". ") || rest.starts_with(") ");
    }
    ["- ", "* ", "+ "].iter().any(|m| trimmed.starts_with(m))
}

#[cfg(test)]
mod tests {
    use super::{code, doc_lines, either};

    #[test]
    fn code_spans_hold_backticks_and_names_join_as_prose() {
        assert_eq!(code("0"), "`0`");
        assert_eq!(code("\"a`b\""), "`` \"a`b\" ``");
        assert_eq!(code("``"), "``` `` ```");
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(either(&names(&["A"])), "`A`");
        assert_eq!(either(&names(&["A", "B"])), "`A` or `B`");
        assert_eq!(either(&names(&["A", "B", "C"])), "`A`, `B` or `C`");
    }

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn characters_a_comment_may_not_hold_are_written_out() {
        let out = doc_lines(&[
            "admin \u{202E}nimda\u{2066}".to_string(),
            "a\rb".to_string(),
        ]);
        assert_eq!(out, [" admin \\u{202e}nimda\\u{2066}", " a b"]);
    }

    #[test]
    fn a_fence_without_a_language_is_marked_text() {
        let out = doc_lines(&lines("Example:\n```\nself.n = 1\n```\nafter"));
        assert_eq!(
            out,
            [" Example:", " ```text", " self.n = 1", " ```", " after"]
        );
    }

    #[test]
    fn fences_that_name_a_language_and_their_contents_are_kept() {
        let text = "~~~~ rust\n```\nnot a fence end\n~~~~\n\n```json\n{}\n```";
        let out = doc_lines(&lines(text));
        let kept: Vec<String> = lines(text)
            .iter()
            .map(|l| {
                if l.is_empty() {
                    l.clone()
                } else {
                    format!(" {l}")
                }
            })
            .collect();
        assert_eq!(out, kept);
    }

    #[test]
    fn an_indented_block_is_fenced_as_text() {
        let out = doc_lines(&lines("A machine.\n\n    indented\n\n      deeper\nprose"));
        assert_eq!(
            out,
            [
                " A machine.",
                "",
                " ```text",
                " indented",
                "",
                "   deeper",
                " ```",
                " prose"
            ]
        );
        let blank_after = doc_lines(&lines("    code\n\nprose"));
        assert_eq!(blank_after, [" ```text", " code", " ```", "", " prose"]);
        let at_end = doc_lines(&lines("    only code"));
        assert_eq!(at_end, [" ```text", " only code", " ```"]);
    }

    #[test]
    fn indented_lines_that_continue_a_paragraph_or_a_list_item_stay_prose() {
        let text = "para\n    continued\n\n- item\n\n    more of the item\n1. first\n\n    more";
        let out = doc_lines(&lines(text));
        assert!(!out.iter().any(|l| l.contains("```")), "{out:?}");
    }
}
