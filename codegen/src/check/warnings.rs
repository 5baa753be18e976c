//! Machine-wide warnings: unreachable phases, unhandled inputs, unused effects.
//!
//! Each is skipped when a relevant reference failed to resolve (already an error), so a
//! typo is not also reported as, say, an unreachable phase.

use super::{Checker, TransitionSummary};
use crate::ast::{self, Ident};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir;
use std::collections::BTreeSet;

impl Checker<'_> {
    pub(crate) fn warnings(
        &mut self,
        phases: &[&ast::PhasesDef],
        initial: Option<&Ident>,
        summaries: &[TransitionSummary],
    ) {
        if let (Some(def), Some(initial), false) = (phases.first(), initial, self.incomplete_phases)
        {
            self.unreachable_phases(def, &initial.name, summaries);
        }
        if !self.incomplete_inputs {
            for input in self.env.inputs.clone() {
                if !self.handled.contains(&input.name) {
                    let d = Diagnostic::new(
                        Code::UnhandledInput,
                        input.span,
                        format!("no transition handles input `{}`", input.name),
                    )
                    .label("never accepted")
                    .help(format!(
                        "add `transition ... on {} from ... -> ... {{ }}`, or remove the input",
                        input.name
                    ));
                    self.report(d);
                }
            }
        }
        if !self.incomplete_effects {
            for effect in self.env.effects.clone() {
                if !self.emitted.contains(&effect.name) {
                    let d = Diagnostic::new(
                        Code::UnusedEffect,
                        effect.span,
                        format!("effect `{}` is never emitted", effect.name),
                    )
                    .label("no transition emits it")
                    .help("emit it from a transition, or remove it");
                    self.report(d);
                }
            }
        }
    }

    /// W0401: phases no path of transitions (guards ignored) reaches from `initial`.
    fn unreachable_phases(
        &mut self,
        def: &ast::PhasesDef,
        initial: &str,
        summaries: &[TransitionSummary],
    ) {
        let mut reached: BTreeSet<&str> = BTreeSet::new();
        let mut work = vec![initial];
        while let Some(p) = work.pop() {
            if !reached.insert(p) {
                continue;
            }
            for s in summaries.iter().filter(|s| s.from.iter().any(|f| f == p)) {
                let next = match &s.target {
                    ir::Target::Same => p,
                    ir::Target::Phase(q) => q.as_str(),
                };
                if !reached.contains(next) {
                    work.push(next);
                }
            }
        }
        let mut seen = BTreeSet::new();
        for v in &def.phases {
            // A phase named `same` is already an error (it could never be entered).
            if !seen.insert(v.name.name.as_str())
                || reached.contains(v.name.name.as_str())
                || v.name.name == "same"
            {
                continue;
            }
            let d = Diagnostic::new(
                Code::UnreachablePhase,
                v.name.span,
                format!("phase `{}` is unreachable from `{initial}`", v.name.name),
            )
            .label("no transition path leads here")
            .help(format!(
                "add a transition into `{}`, or remove the phase",
                v.name.name
            ));
            self.report(d);
        }
    }
}
