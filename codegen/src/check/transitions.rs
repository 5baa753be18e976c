//! Transitions: input and phase references, guards, bodies, terminal phases and
//! shadowed candidates.

use super::expr::{InputScope, OldRule, Place, Scope};
use super::names::Namespace;
use super::{Checked, Checker, Reported, TransitionSummary};
use crate::ast::{self, Ident};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{self, Ty};
use crate::rust::camel_case;
use std::collections::HashMap;

impl Checker<'_> {
    pub(crate) fn transitions(
        &mut self,
        defs: &[&ast::TransitionDef],
    ) -> (Vec<ir::Transition>, Vec<TransitionSummary>) {
        let mut ns = Namespace::new("transition");
        let mut variants: HashMap<String, &Ident> = HashMap::new();
        let mut out = Vec::new();
        let mut summaries = Vec::new();
        for t in defs {
            let mut fresh = self.declare(&mut ns, &t.name);
            if self.check_keyword(&t.name, "transition") {
                fresh &= self.check_transition_variant(&t.name);
            }
            if fresh {
                let variant = camel_case(&t.name.name);
                if let Some(first) = variants.get(&variant) {
                    let d = Diagnostic::new(
                        Code::DuplicateName,
                        t.name.span,
                        format!(
                            "transitions `{}` and `{}` would both become `{variant}` in Rust",
                            first.name, t.name.name
                        ),
                    )
                    .label("collides in the generated `TransitionId`")
                    .secondary(first.span, "first declared here");
                    self.report(d);
                    fresh = false;
                } else {
                    variants.insert(variant, &t.name);
                }
            }
            let (ir, summary) = self.transition(t);
            // A duplicate is already an error; it takes no part in candidate analysis.
            if let (true, Some(summary)) = (fresh, summary) {
                summaries.push(summary);
            }
            if let (true, Ok(ir)) = (fresh, ir) {
                out.push(ir);
            }
        }
        (out, summaries)
    }

    /// Checks one transition; the summary is present when its input and phases resolved.
    fn transition(
        &mut self,
        t: &ast::TransitionDef,
    ) -> (Checked<ir::Transition>, Option<TransitionSummary>) {
        let input = match self.env.input(&t.input.name).cloned() {
            Some(info) => {
                self.handled.insert(info.name.clone());
                Ok(info)
            }
            None => {
                self.incomplete_inputs = true;
                let names: Vec<String> = self.env.inputs.iter().map(|m| m.name.clone()).collect();
                let mut d = Diagnostic::new(
                    Code::UndefinedName,
                    t.input.span,
                    format!("unknown input `{}`", t.input.name),
                )
                .label("not a declared input");
                if let Some(s) = did_you_mean(&t.input.name, names.iter().map(String::as_str)) {
                    d = d.help(format!("did you mean `{s}`?"));
                }
                Err(self.report(d))
            }
        };
        let from = self.source_phases(&t.from);
        let to = match &t.to {
            ast::ToPhase::Same(_) => Ok(ir::Target::Same),
            ast::ToPhase::Phase(p) => {
                let same = p.name.eq_ignore_ascii_case("same");
                let help =
                    same.then_some("to stay in the phase the transition fires from, write `same`");
                self.phase_ref_or(p, help)
                    .map(|_| ir::Target::Phase(p.name.clone()))
            }
        };
        if let (Ok(from), ast::ToPhase::Phase(to_id)) = (&from, &t.to) {
            self.leaves_terminal(t, from, to_id);
        }

        let input_scope = match &input {
            Ok(info) => InputScope::Fields(info.fields.clone()),
            Err(_) => InputScope::Unknown,
        };

        // Guards: each sees the facts of the ones before it.
        let mut gns = Namespace::new("guard").within(format_args!("transition `{}`", t.name.name));
        let mut guard_scope = Scope::new(input_scope.clone(), OldRule::Forbidden, Place::Guard);
        let mut guards = Vec::new();
        let mut guards_ok = true;
        // Per guard: the E0303s it reported, and its own facts (for `suggest_guard_order`).
        let mut unestablished = Vec::new();
        let mut own_facts = Vec::new();
        for (i, g) in t.guards.iter().enumerate() {
            guards_ok &= self.declare(&mut gns, &g.name);
            guards_ok &= self.check_keyword(&g.name, "guard");
            let expr = self.check_expr(&mut guard_scope, &g.expr, &Ty::Bool);
            unestablished.extend(
                self.unestablished_in_guards
                    .drain(..)
                    .map(|(d, f)| (d, f, i)),
            );
            let mut alone = Scope::new(input_scope.clone(), OldRule::Forbidden, Place::Guard);
            alone.assume(&expr);
            own_facts.push(alone.facts);
            guard_scope.assume(&expr);
            match expr {
                Ok(expr) => guards.push(ir::Guard {
                    name: g.name.name.clone(),
                    doc: g.doc.clone(),
                    expr,
                }),
                Err(_) => guards_ok = false,
            }
        }
        self.suggest_guard_order(t, &unestablished, &own_facts);

        // Body: every guard's conjuncts hold, on the pre-state that `old()` reads too.
        let mut body_scope = Scope::new(input_scope, OldRule::Allowed, Place::Body);
        let old_facts = super::establish::pre_state_copies(&guard_scope.facts);
        body_scope.facts = guard_scope.facts;
        body_scope.facts.extend(old_facts);
        body_scope.facts_incomplete = guard_scope.facts_incomplete;
        // A fact a guard already lacked is not reported again in the body.
        body_scope.reported_missing = std::mem::take(&mut guard_scope.reported_missing);
        let (update, exit) = self.block_exit(&mut body_scope, &t.update);
        // The emits after the update see what its statements made false or true; facts
        // about the update's `let` names are gone with them (an emit's quantifier may
        // reuse such a name for something else).
        body_scope.facts = exit.facts;
        body_scope.facts_incomplete = exit.incomplete;
        body_scope.ended.extend(exit.ended);
        // The phase changes to the target between the update and the emits: a fact about
        // `self.phase` (from a guard or the update) may not hold for the emits.
        let moves = !matches!(to, Ok(ir::Target::Same));
        body_scope.facts.retain(|fact| {
            !ir::any_expr(fact, |e| match &e.kind {
                ir::ExprKind::Var(_) => true,
                ir::ExprKind::SelfField(f) => moves && f == "phase",
                _ => false,
            })
        });
        let mut emits = Vec::new();
        let mut emits_ok = true;
        for e in &t.emits {
            match self.emit(&mut body_scope, e) {
                Ok(e) => emits.push(e),
                Err(_) => emits_ok = false,
            }
        }

        let summary = match (&from, &to) {
            (Ok(from), Ok(target)) => Some(TransitionSummary {
                name: t.name.clone(),
                input: input.as_ref().ok().map(|info| info.name.clone()),
                from: from.clone(),
                target: target.clone(),
                guardless: t.guards.is_empty(),
            }),
            _ => None,
        };
        let ir = (|| {
            let (input, from, to, update) = (input?, from?, to?, update?);
            if !guards_ok || !emits_ok {
                return Err(Reported);
            }
            Ok(ir::Transition {
                name: t.name.name.clone(),
                doc: t.doc.clone(),
                input: input.name,
                from,
                to,
                guards,
                update,
                emits,
            })
        })();
        (ir, summary)
    }

    /// `from`: `*` expands to every non-terminal phase; lists are deduplicated and put in
    /// phase declaration order.
    fn source_phases(&mut self, from: &ast::FromPhases) -> Checked<Vec<String>> {
        let Some(phases) = self.env.phases.clone() else {
            return Err(Reported);
        };
        match from {
            ast::FromPhases::Any(_) => Ok(phases
                .into_iter()
                .filter(|p| !self.env.terminal.contains(p))
                .collect()),
            ast::FromPhases::List(ids) => {
                let mut ok = true;
                for id in ids {
                    ok &= self.phase_ref(id).is_ok();
                }
                if !ok {
                    return Err(Reported);
                }
                Ok(phases
                    .into_iter()
                    .filter(|p| ids.iter().any(|id| &id.name == p))
                    .collect())
            }
        }
    }

    /// An E0303 in a guard whose missing fact a *later* guard of the same transition
    /// establishes: the fix is to reorder, so the help says which guard to move.
    fn suggest_guard_order(
        &mut self,
        t: &ast::TransitionDef,
        unestablished: &[(usize, ir::Expr, usize)],
        own_facts: &[Vec<ir::Expr>],
    ) {
        for (diag, fact, at) in unestablished {
            let later = (at + 1..t.guards.len())
                .find(|&j| super::establish::established(&own_facts[j], fact));
            if let Some(j) = later {
                self.diags[*diag].help = vec![format!(
                    "move guard `{}` before `{}`: it establishes this",
                    t.guards[j].name.name, t.guards[*at].name.name
                )];
            }
        }
    }

    /// E0301: leaving a terminal phase for another phase.
    fn leaves_terminal(&mut self, t: &ast::TransitionDef, from: &[String], to: &Ident) {
        let ast::FromPhases::List(ids) = &t.from else {
            return;
        };
        let mut reported = Vec::new();
        for id in ids {
            if self.env.terminal.contains(&id.name)
                && id.name != to.name
                && !reported.contains(&id.name)
                && from.contains(&id.name)
            {
                reported.push(id.name.clone());
                let d = Diagnostic::new(
                    Code::LeavesTerminal,
                    to.span,
                    format!(
                        "transition `{}` leaves the terminal phase `{}`",
                        t.name.name, id.name
                    ),
                )
                .label(format!("leads from `{}` to `{}`", id.name, to.name))
                .secondary(id.span, "terminal phase")
                .help(format!(
                    "a terminal phase is never left: use `-> same` (or `-> {}`), or handle the input in other phases only",
                    id.name
                ));
                self.report(d);
            }
        }
    }

    /// E0302: a candidate that an earlier guardless candidate for the same input always
    /// pre-empts in some phase. Reported once per transition, naming the phases.
    pub(crate) fn unreachable_candidates(&mut self, summaries: &[TransitionSummary]) {
        for (j, later) in summaries.iter().enumerate() {
            let mut shadowed: Vec<&str> = Vec::new();
            let mut by: Option<&TransitionSummary> = None;
            for phase in &later.from {
                let earlier = summaries[..j].iter().find(|s| {
                    s.guardless
                        && s.input.is_some()
                        && s.input == later.input
                        && s.from.contains(phase)
                });
                if let Some(earlier) = earlier {
                    shadowed.push(phase);
                    by.get_or_insert(earlier);
                }
            }
            let Some(by) = by else {
                continue;
            };
            let phases: Vec<String> = shadowed.iter().map(|p| format!("`{p}`")).collect();
            let noun = if phases.len() == 1 { "phase" } else { "phases" };
            let d = Diagnostic::new(
                Code::UnreachableCandidate,
                later.name.span,
                format!(
                    "transition `{}` can never fire in {noun} {}",
                    later.name.name,
                    phases.join(", ")
                ),
            )
            .label(format!("always pre-empted by `{}`", by.name.name))
            .secondary(
                by.name.span,
                format!(
                    "has no guards, so it always fires first on `{}`",
                    by.input.as_deref().unwrap_or_default()
                ),
            );
            // Phases where it can still fire: naming only those is the third way out.
            let live: Vec<&str> = later
                .from
                .iter()
                .map(String::as_str)
                .filter(|p| !shadowed.contains(p))
                .collect();
            let help = match live.as_slice() {
                [] => format!(
                    "add a guard to `{}`, or move `{}` before it",
                    by.name.name, later.name.name
                ),
                [only] => format!(
                    "add a guard to `{}`, move `{}` before it, or name only the phase where it can fire: `from {only}`",
                    by.name.name, later.name.name
                ),
                several => format!(
                    "add a guard to `{}`, move `{}` before it, or name only the phases where it can fire: `from [{}]`",
                    by.name.name,
                    later.name.name,
                    several.join(", ")
                ),
            };
            let d = d.help(help);
            self.report(d);
        }
    }
}
