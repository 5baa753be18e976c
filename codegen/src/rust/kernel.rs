//! Transitions: ids and introspection tables, guard and firing functions, dispatch,
//! undo log, invariants, rejection types and the `Authority`.

use super::entry;
use super::expr::{ExprGen, MapLookup, binder_pattern, map_lookup};
use super::names::{camel, camel_case, code, docs, docs_or, either, ident, old_local, ty};
use super::types::unit_enum;
use crate::ir::{
    Binder, Emit, Expr, ExprKind, Field, Machine, Stmt, Target, Transition, Ty, any_expr_in,
    visit_emit, visit_expr, visit_nested_stmts, visit_stmts,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeSet;

/// The kinds of undo record a field needs, derived from the statements that write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum UndoKind {
    /// Old value of the whole field (assignments, `+=`, `-=`, `clear` of a set or map).
    Replaced,
    /// A set element that was inserted.
    Inserted,
    /// A set element that was removed.
    Removed,
    /// A map key and the value it had (replaced or removed).
    Entry,
    /// A map key that was absent (a new entry): undone by removing it. Apart from
    /// `Entry`, so that a new entry's record is `Copy` whenever the key is, even when the
    /// value owns heap data.
    Added,
    /// A map key and the previous value of one struct field of its entry
    /// (`self.m[k].f = v`): restoring the field, not the whole entry.
    Leaf,
    /// A sequence element pushed at the back.
    Pushed,
    /// A sequence element popped from the front (`pop_front`, and each element of a
    /// `clear`ed sequence, which so keeps its buffer for the next push).
    Popped,
}

fn undo_variant(field: &str, kind: UndoKind) -> syn::Ident {
    let field = camel_case(field);
    match kind {
        UndoKind::Replaced => format_ident!("{}Replaced", field),
        UndoKind::Inserted => format_ident!("{}Inserted", field),
        UndoKind::Removed => format_ident!("{}Removed", field),
        UndoKind::Entry => format_ident!("{}Entry", field),
        UndoKind::Added => format_ident!("{}Added", field),
        UndoKind::Leaf => format_ident!("{}Leaf", field),
        UndoKind::Pushed => format_ident!("{}Pushed", field),
        UndoKind::Popped => format_ident!("{}Popped", field),
    }
}

/// One kind of undo record: the field written, the kind, and for `Leaf` the struct path.
type Write = (String, UndoKind, Vec<String>);

/// The variant of a `Leaf` record: the writes of each distinct path get their own, numbered
/// in the (sorted) order of `writes`.
fn leaf_variant(writes: &BTreeSet<Write>, field: &str, path: &[String]) -> syn::Ident {
    let index = writes
        .iter()
        .filter(|(f, k, _)| f == field && *k == UndoKind::Leaf)
        .position(|(_, _, p)| p == path)
        .unwrap_or(0);
    format_ident!("{}{}", undo_variant(field, UndoKind::Leaf), index)
}

fn collect_writes(m: &Machine, stmts: &[Stmt], out: &mut BTreeSet<Write>) {
    visit_nested_stmts(stmts, &mut |s| {
        let (field, kind, path) = match s {
            Stmt::Clear { field } if is_seq(m, field) => (field, UndoKind::Popped, Vec::new()),
            Stmt::Assign { field, .. }
            | Stmt::AddAssign { field, .. }
            | Stmt::SubAssign { field, .. }
            | Stmt::Clear { field } => (field, UndoKind::Replaced, Vec::new()),
            Stmt::SetInsert { field, .. } => (field, UndoKind::Inserted, Vec::new()),
            Stmt::SetRemove { field, .. } => (field, UndoKind::Removed, Vec::new()),
            Stmt::MapInsert { field, .. } => {
                out.insert((field.clone(), UndoKind::Added, Vec::new()));
                (field, UndoKind::Entry, Vec::new())
            }
            Stmt::MapRemove { field, .. } => (field, UndoKind::Entry, Vec::new()),
            Stmt::MapFieldSet { field, path, .. } => (field, UndoKind::Leaf, path.clone()),
            Stmt::PushBack { field, .. } => (field, UndoKind::Pushed, Vec::new()),
            Stmt::PopFront { field } => (field, UndoKind::Popped, Vec::new()),
            Stmt::If { .. } | Stmt::For { .. } | Stmt::Break | Stmt::Let { .. } | Stmt::Emit(_) => {
                return;
            }
        };
        out.insert((field.clone(), kind, path));
    });
}

/// Whether state field `field` is a sequence.
fn is_seq(m: &Machine, field: &str) -> bool {
    matches!(m.field(field).map(|d| &d.ty), Some(Ty::Seq(_)))
}

/// What a set of expressions reads: input fields, `old()` fields, and whether `state`.
#[derive(Default)]
struct Reads {
    inputs: BTreeSet<String>,
    olds: BTreeSet<String>,
    state: bool,
}

impl Reads {
    fn note(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::InputField(x) => {
                self.inputs.insert(x.clone());
            }
            ExprKind::Old(f) => {
                self.olds.insert(f.clone());
            }
            ExprKind::SelfField(_) => self.state = true,
            _ => {}
        }
    }
}

fn effects_of(t: &Transition) -> Vec<String> {
    let mut out = Vec::new();
    visit_nested_stmts(&t.update, &mut |s| {
        if let Stmt::Emit(e) = s
            && !out.contains(&e.effect)
        {
            out.push(e.effect.clone());
        }
    });
    for e in &t.emits {
        if !out.contains(&e.effect) {
            out.push(e.effect.clone());
        }
    }
    out
}

pub struct KernelGen<'m> {
    m: &'m Machine,
    gen_: ExprGen<'m>,
    /// Every undo record kind the machine's transitions need.
    writes: BTreeSet<Write>,
}

impl<'m> KernelGen<'m> {
    pub fn new(m: &'m Machine) -> Self {
        let mut writes = BTreeSet::new();
        for t in &m.transitions {
            collect_writes(m, &t.update, &mut writes);
        }
        KernelGen {
            m,
            gen_: ExprGen::new(m),
            writes,
        }
    }

    /// The type of the struct field `path` leads to from a value of type `t`.
    fn leaf_ty(&self, t: &Ty, path: &[String]) -> Option<Ty> {
        let mut current = t.clone();
        for name in path {
            let Ty::Struct(s) = &current else {
                return None;
            };
            current = self
                .m
                .struct_def(s)?
                .fields
                .iter()
                .find(|f| &f.name == name)?
                .ty
                .clone();
        }
        Some(current)
    }

    pub fn generate(&self) -> TokenStream {
        let ids = self.transition_ids();
        let info = self.info_table();
        let errors = self.error_types();
        let undo = self.undo();
        let guards = self
            .m
            .transitions
            .iter()
            .filter(|t| !t.guards.is_empty())
            .map(|t| self.guard_fn(t));
        let fires = self.m.transitions.iter().map(|t| self.fire_fn(t));
        let dispatch = self.dispatch();
        let invariants = self.invariants();
        let authority = authority();
        quote! {
            #ids
            #info
            #errors
            #undo
            #(#guards)*
            #(#fires)*
            #dispatch
            #invariants
            #authority
        }
    }

    fn transition_ids(&self) -> TokenStream {
        let variants: Vec<_> = self
            .m
            .transitions
            .iter()
            .map(|t| {
                let doc = docs_or(&t.doc, || {
                    let from = either(&t.from);
                    let moves = match &t.to {
                        Target::Same => format!("in {from}, staying there"),
                        Target::Phase(to) => format!("from {from} to {}", code(to)),
                    };
                    format!(
                        " Transition {}: on {}, {moves}.",
                        code(&t.name),
                        code(&t.input)
                    )
                });
                (camel(&t.name), t.name.clone(), doc)
            })
            .collect();
        unit_enum(
            &format_ident!("TransitionId"),
            quote!(#[doc = " Names a transition of the spec."]),
            &variants,
        )
    }

    fn info_table(&self) -> TokenStream {
        let rows = self.m.transitions.iter().map(|t| {
            let id = camel(&t.name);
            let name = &t.name;
            let input = ident(&t.input);
            let from = t.from.iter().map(|p| ident(p));
            let to = match &t.to {
                Target::Same => quote!(None),
                Target::Phase(p) => {
                    let p = ident(p);
                    quote!(Some(Phase::#p))
                }
            };
            let guards = t.guards.iter().map(|g| &g.name);
            let effects = effects_of(t).into_iter().map(|e| ident(&e));
            quote! {
                TransitionInfo {
                    id: TransitionId::#id,
                    name: #name,
                    input: InputKind::#input,
                    from: &[#(Phase::#from),*],
                    to: #to,
                    guards: &[#(#guards),*],
                    effects: &[#(EffectKind::#effects),*],
                }
            }
        });
        let info_body = if self.m.transitions.is_empty() {
            quote!(match self {})
        } else {
            quote!(&TRANSITIONS[self as usize])
        };
        quote! {
            /// Static description of one transition, for tooling and diagnostics.
            pub type TransitionInfo = ::suricate_kernel::TransitionInfo<Machine>;

            /// Every transition, in declaration (dispatch) order; indexed by `TransitionId as usize`.
            pub const TRANSITIONS: &[TransitionInfo] = &[#(#rows),*];

            impl TransitionId {
                /// This transition's static description.
                pub fn info(self) -> &'static TransitionInfo {
                    #info_body
                }
            }
        }
    }

    /// The answer types of `apply` and `rollback`, shared by every machine: this machine's
    /// instances of the generic ones in `suricate_kernel`.
    fn error_types(&self) -> TokenStream {
        quote! {
            /// Why an input was rejected. A rejected input leaves the state untouched.
            pub type Rejection = ::suricate_kernel::Rejection<Machine>;
            /// Why the input was rejected (see [`Rejection`]).
            pub type RejectReason = ::suricate_kernel::RejectReason<Machine>;
            /// The first guard of a candidate transition that did not hold.
            pub type FailedGuard = ::suricate_kernel::FailedGuard<Machine>;
            /// Only the most recently applied transition can be rolled back, once.
            pub type RollbackError = ::suricate_kernel::RollbackError<Machine>;
            /// An invariant that does not hold (or could not be evaluated) in a state, from
            /// `check_invariants` and `Authority::from_state`.
            pub use ::suricate_kernel::InvariantViolation;
            /// Why an invariant or a transition could not be evaluated (the `fault` of an
            /// [`InvariantViolation`] or of `RejectReason::InvariantViolated`).
            pub use ::suricate_kernel::Fault;
        }
    }

    /// Whether the undo record of `(field, kind, path)` holds only `Copy` data. One that
    /// owns heap data (a string, a collection, a struct) is kept apart, as an `Undo`, so
    /// that `UndoStep` has no destructor and emptying a log costs nothing per record.
    fn is_copy_record(&self, field: &str, kind: UndoKind, path: &[String]) -> bool {
        let Some(decl) = self.m.field(field) else {
            return true;
        };
        let copy = |t: &Ty| self.gen_.is_copy(t);
        match (kind, &decl.ty) {
            (UndoKind::Pushed, _) => true,
            (UndoKind::Inserted | UndoKind::Removed, Ty::Set(e)) => copy(e),
            (UndoKind::Popped, Ty::Seq(e)) => copy(e),
            (UndoKind::Entry, Ty::Map(k, v)) => copy(k) && copy(v),
            (UndoKind::Added, Ty::Map(k, _)) => copy(k),
            (UndoKind::Leaf, Ty::Map(k, v)) => {
                copy(k) && self.leaf_ty(v, path).is_some_and(|leaf| copy(&leaf))
            }
            (_, t) => copy(t),
        }
    }

    /// Records the undo step `v(payload)` of a write of `field` (`kind`, `path` for a
    /// `Leaf`) in the log `undo`.
    fn record(
        &self,
        (field, kind, path): (&str, UndoKind, &[String]),
        v: &syn::Ident,
        payload: TokenStream,
    ) -> TokenStream {
        if self.is_copy_record(field, kind, path) {
            quote!(undo.steps.push(UndoStep::#v #payload);)
        } else {
            quote!(undo.push_owned(Undo::#v #payload);)
        }
    }

    fn undo(&self) -> TokenStream {
        let writes = &self.writes;
        let (mut variants, mut arms) = (Vec::new(), Vec::new());
        let (mut owned_variants, mut owned_arms) = (Vec::new(), Vec::new());
        for (field, kind, path) in writes {
            let Some(decl) = self.m.field(field) else {
                continue;
            };
            let v = if *kind == UndoKind::Leaf {
                leaf_variant(writes, field, path)
            } else {
                undo_variant(field, *kind)
            };
            let copy = self.is_copy_record(field, *kind, path);
            let record = if copy { quote!(UndoStep) } else { quote!(Undo) };
            let f = ident(field);
            let (payload, arm) = match (kind, &decl.ty) {
                (UndoKind::Replaced, t) => {
                    let t = ty(t);
                    (quote!((#t)), quote!(#record::#v(old) => state.#f = old))
                }
                (UndoKind::Inserted, Ty::Set(e)) => {
                    let e = ty(e);
                    (
                        quote!((#e)),
                        quote!(#record::#v(x) => { state.#f.remove(&x); }),
                    )
                }
                (UndoKind::Removed, Ty::Set(e)) => {
                    let e = ty(e);
                    (
                        quote!((#e)),
                        quote!(#record::#v(x) => { state.#f.insert(x); }),
                    )
                }
                (UndoKind::Entry, Ty::Map(k, val)) => {
                    let (k, val) = (ty(k), ty(val));
                    (
                        quote!((#k, #val)),
                        quote!(#record::#v(k, old) => { state.#f.insert(k, old); }),
                    )
                }
                (UndoKind::Added, Ty::Map(k, _)) => {
                    let k = ty(k);
                    (
                        quote!((#k)),
                        quote!(#record::#v(k) => { state.#f.remove(&k); }),
                    )
                }
                (UndoKind::Leaf, Ty::Map(k, val)) => {
                    let Some(leaf) = self.leaf_ty(val, path) else {
                        continue;
                    };
                    let (k, leaf) = (ty(k), ty(&leaf));
                    let members = path.iter().map(|p| ident(p));
                    (
                        quote!((#k, #leaf)),
                        // The entry exists: later writes of this transition that could have
                        // removed or replaced it were undone first.
                        quote!(#record::#v(k, old) => {
                            if let Some(entry) = state.#f.get_mut(&k) {
                                entry #(.#members)* = old;
                            }
                        }),
                    )
                }
                (UndoKind::Pushed, Ty::Seq(_)) => {
                    (quote!(), quote!(#record::#v => { state.#f.pop_back(); }))
                }
                (UndoKind::Popped, Ty::Seq(e)) => {
                    let e = ty(e);
                    (
                        quote!((#e)),
                        quote!(#record::#v(x) => state.#f.push_front(x)),
                    )
                }
                // The checker only allows these statements on fields of matching types.
                _ => continue,
            };
            let variant = if *kind == UndoKind::Leaf {
                let doc = format!(" Old value of `{field}[k].{}`.", path.join("."));
                quote!(#[doc = #doc] #v #payload)
            } else {
                quote!(#v #payload)
            };
            if copy {
                variants.push(variant);
                arms.push(arm);
            } else {
                owned_variants.push(variant);
                owned_arms.push(arm);
            }
        }
        // Records that own heap data wait in `owned`, each marked in `steps` by `Owned`.
        let owned = if owned_variants.is_empty() {
            None
        } else {
            variants.push(quote! {
                /// Stands for the next record of `UndoLog::owned`, most recent last.
                Owned
            });
            arms.push(quote! {
                UndoStep::Owned => {
                    if let Some(step) = log.owned.pop() {
                        match step { #(#owned_arms,)* }
                    }
                }
            });
            Some(quote! {
                /// An undo record that owns heap data, kept in `UndoLog::owned`.
                #[derive(Debug, Clone)]
                enum Undo { #(#owned_variants),* }
            })
        };
        let (owned_field, push_owned, clear_owned, owned_bytes) = if owned.is_some() {
            (
                quote! {
                    /// The records that own heap data, in the order written.
                    owned: Vec<Undo>,
                },
                quote! {
                    /// Records a write whose undo record owns heap data.
                    fn push_owned(&mut self, step: Undo) {
                        self.steps.push(UndoStep::Owned);
                        self.owned.push(step);
                    }
                },
                quote!(self.owned.clear();),
                quote!(+ self.owned.capacity() * ::std::mem::size_of::<Undo>()),
            )
        } else {
            (quote!(), quote!(), quote!(), quote!())
        };
        // Without any write there is nothing to revert (and `UndoStep` is uninhabited).
        let revert = if arms.is_empty() {
            quote!(log.steps.clear();)
        } else {
            quote! {
                while let Some(step) = log.steps.pop() {
                    match step { #(#arms,)* }
                }
            }
        };
        quote! {
            /// One reversible write of a transition. Undo cost is proportional to what the
            /// transition wrote, never to the size of the state. Holds no heap data, so
            /// emptying a log of them costs nothing per record.
            #[derive(Debug, Clone)]
            enum UndoStep { #(#variants),* }

            // Checked at compile time: a record that owns heap data is an `Undo` instead.
            const _: () = if ::std::mem::needs_drop::<UndoStep>() {
                panic!("an undo record that owns heap data must be an `Undo`, not an `UndoStep`");
            };

            /// The undo records of the latest transition, which the `Authority` keeps for
            /// `rollback`. Opaque: only this module reads or writes them.
            #[derive(Debug, Clone, Default)]
            pub struct UndoLog {
                /// One record per write, most recent last.
                steps: Vec<UndoStep>,
                #owned_field
            }

            #owned

            /// Reverts the records of `log` (most recent first, leaving its buffers empty
            /// for reuse) and restores the phase.
            fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
                #revert
                state.phase = phase;
            }

            impl UndoLog {
                #push_owned

                /// Empties the log without reverting anything, keeping its buffers for
                /// reuse unless together they are larger than `MAX_KEPT_UNDO_BYTES`.
                fn clear(&mut self) {
                    if self.steps.capacity() * ::std::mem::size_of::<UndoStep>() #owned_bytes
                        > ::suricate_kernel::MAX_KEPT_UNDO_BYTES
                    {
                        *self = UndoLog::default();
                    } else {
                        self.steps.clear();
                        #clear_owned
                    }
                }
            }
        }
    }

    /// The fields of `t`'s input that an expression set reads, in declaration order.
    fn read_input_fields<'a>(
        &'a self,
        t: &Transition,
        reads: &'a Reads,
    ) -> impl Iterator<Item = &'a Field> {
        self.m
            .input(&t.input)
            .into_iter()
            .flat_map(|input| &input.fields)
            .filter(|f| reads.inputs.contains(&f.name))
    }

    /// Parameters for the input fields an expression set reads, bound by reference.
    fn input_params(&self, t: &Transition, reads: &Reads) -> Vec<TokenStream> {
        self.read_input_fields(t, reads)
            .map(|f| {
                let (name, t) = (ident(&f.name), ty(&f.ty));
                quote!(#name: &#t)
            })
            .collect()
    }

    fn input_args(&self, t: &Transition, reads: &Reads) -> Vec<syn::Ident> {
        self.read_input_fields(t, reads)
            .map(|f| ident(&f.name))
            .collect()
    }

    fn guard_reads(t: &Transition) -> Reads {
        let mut reads = Reads::default();
        for g in &t.guards {
            visit_expr(&g.expr, &mut |e| reads.note(e));
        }
        reads
    }

    fn fire_reads(t: &Transition) -> Reads {
        let mut reads = Reads::default();
        visit_stmts(&t.update, &mut |e| reads.note(e));
        for e in &t.emits {
            visit_emit(e, &mut |e| reads.note(e));
        }
        reads
    }

    fn guard_fn(&self, t: &Transition) -> TokenStream {
        let name = format_ident!("guards_{}", t.name);
        let reads = Self::guard_reads(t);
        let state = if reads.state {
            quote!(state)
        } else {
            quote!(_state)
        };
        let params = self.input_params(t, &reads);
        let checks = t.guards.iter().map(|g| {
            // `guard fresh: !(x in s)` fails when `x in s`: test that directly.
            let (prelude, fails) = match &g.expr.kind {
                ExprKind::Not(inner) => {
                    let (prelude, cond) = self.gen_.condition(inner);
                    (prelude, super::expr::unparen(cond))
                }
                _ => {
                    let cond = self.gen_.value(&g.expr);
                    (quote!(), quote!(!#cond))
                }
            };
            let gname = &g.name;
            quote! {
                #prelude
                if #fails {
                    return Ok(Some(#gname));
                }
            }
        });
        let doc = format!(
            " Guards of `{}`: the first that does not hold, if any.",
            t.name
        );
        quote! {
            #[doc = #doc]
            fn #name(#state: &State, #(#params),*) -> Result<Option<&'static str>, Fault> {
                #(#checks)*
                Ok(None)
            }
        }
    }

    fn fire_fn(&self, t: &Transition) -> TokenStream {
        let name = format_ident!("fire_{}", t.name);
        let reads = Self::fire_reads(t);
        let params = self.input_params(t, &reads);
        let mut writes = BTreeSet::new();
        collect_writes(self.m, &t.update, &mut writes);
        let olds = reads.olds.iter().map(|f| {
            let local = old_local(f);
            let field = ident(f);
            let decl_ty = if f == "phase" {
                Some(&Ty::Phase)
            } else {
                self.m.field(f).map(|d| &d.ty)
            };
            if decl_ty.is_some_and(|t| self.gen_.is_copy(t)) {
                quote!(let #local = state.#field;)
            } else {
                quote!(let #local = state.#field.clone();)
            }
        });
        let body = self.stmts(&t.update);
        let set_phase = match &t.to {
            Target::Same => quote!(),
            Target::Phase(p) => {
                let p = ident(p);
                quote!(state.phase = Phase::#p;)
            }
        };
        let emits = t.emits.iter().map(|e| self.emit(&self.gen_, e));
        let uses_undo = !writes.is_empty();
        let uses_effects = !effects_of(t).is_empty();
        let uses_state =
            uses_undo || reads.state || !reads.olds.is_empty() || !matches!(t.to, Target::Same);
        let state = if uses_state {
            quote!(state)
        } else {
            quote!(_state)
        };
        let undo = if uses_undo {
            quote!(undo)
        } else {
            quote!(_undo)
        };
        let effects = if uses_effects {
            quote!(effects)
        } else {
            quote!(_effects)
        };
        let doc = format!(
            " Runs the updates and emits of `{}`, recording undo steps.",
            t.name
        );
        quote! {
            #[doc = #doc]
            fn #name(
                #state: &mut State,
                #undo: &mut UndoLog,
                #effects: &mut Vec<Effect>,
                #(#params),*
            ) -> Result<(), Fault> {
                #(#olds)*
                #body
                #set_phase
                #(#emits)*
                Ok(())
            }
        }
    }

    fn stmts(&self, stmts: &[Stmt]) -> TokenStream {
        self.stmts_with(&self.gen_, stmts)
    }

    /// `stmts` rendered by `g`. Inside a bound entry no other is bound: its local would
    /// shadow the first.
    fn stmts_with(&self, g: &ExprGen, stmts: &[Stmt]) -> TokenStream {
        self.stmts_before(g, stmts, &[])
    }

    /// `stmts` rendered by `g`, followed in the same scope by `after` (rendered
    /// separately), which may read their `let`s.
    fn stmts_before(&self, g: &ExprGen, stmts: &[Stmt], after: &[Stmt]) -> TokenStream {
        let mut out = TokenStream::new();
        let mut rest = stmts;
        while let Some((first, tail)) = rest.split_first() {
            if let Some(unused) = self.unused_let(g, first, tail, after) {
                out.extend(unused);
                rest = tail;
                continue;
            }
            if g.has_entry() {
                out.extend(self.stmt(g, first));
                rest = tail;
                continue;
            }
            match self.entry_run(first, tail) {
                Some((fused, used)) => {
                    out.extend(fused);
                    rest = &rest[used..];
                }
                None => {
                    out.extend(self.stmt(&self.gen_, first));
                    rest = tail;
                }
            }
        }
        out
    }

    /// `let x = e;` when nothing after it in its block reads `x`: `e` is still evaluated
    /// (it may fault) but not bound, which Rust would warn about, and a place is only
    /// borrowed, not cloned.
    fn unused_let(
        &self,
        g: &ExprGen,
        s: &Stmt,
        rest: &[Stmt],
        after: &[Stmt],
    ) -> Option<TokenStream> {
        let Stmt::Let { name, value } = s else {
            return None;
        };
        let read = |stmts: &[Stmt]| any_expr_in(stmts, |e| super::expr::reads_var(e, name));
        if read(rest) || read(after) {
            return None;
        }
        let value = g.borrowed(value);
        Some(quote!(let _ = #value;))
    }

    /// A run of statements that starts by writing a field of `self.m[k]` and goes on
    /// using that entry, with one lookup (see `entry.rs`): the code and how many
    /// statements it covers. `None` unless a later statement uses the entry too.
    fn entry_run(&self, first: &Stmt, tail: &[Stmt]) -> Option<(TokenStream, usize)> {
        let Stmt::MapFieldSet {
            field,
            key,
            path,
            value,
        } = first
        else {
            return None;
        };
        if !entry::stable(key) || entry::reads_local(key) {
            return None;
        }
        let run = &tail[..entry::run_len(tail, field, key)];
        let uses = run.iter().any(|s| entry::writes_entry(s, field, key))
            || any_expr_in(run, |e| entry::reads_entry(e, field, key));
        if !uses {
            return None;
        }
        // The first write, as it would be alone, hands on the entry it looked up.
        let first = self.map_field_set(&self.gen_, field, key, path, value);
        let local = ident(entry::LOCAL);
        let g = self.gen_.with_entry(field, key);
        let others = run.iter().map(|s| self.stmt(&g, s));
        let code = quote! {{
            let #local = {
                #first
                #local
            };
            #(#others)*
        }};
        Some((code, 1 + run.len()))
    }

    /// `if k in self.m { .. }` with one lookup (see `entry.rs`): `get` when the branch only
    /// reads that entry, `get_mut` when it touches the map only there and writes its
    /// fields, or when it starts with a run that writes the entry. `if k in self.m && e`
    /// shares the lookup with `e` when the whole branch does: `e` becomes a match guard.
    fn entry_if(&self, cond: &Expr, then: &[Stmt], otherwise: &[Stmt]) -> Option<TokenStream> {
        let (map, key, guard) = entry::guarded_membership(cond)?;
        // The guard is read through the bound entry: it may touch the map only there.
        if !guard.iter().all(|c| entry::through_entry(c, map, key)) {
            return None;
        }
        let reads = any_expr_in(then, |e| entry::reads_entry(e, map, key));
        let mut writes = false;
        visit_nested_stmts(then, &mut |s| writes |= entry::writes_entry(s, map, key));
        // The whole branch through one borrowed entry: shared if it only reads it, mutable
        // if it also writes its fields (a write of the map is then what makes an enclosing
        // loop over the map iterate a copy).
        let whole = if writes {
            entry::touches_only_entry(then, map, key).then_some(MapLookup::GetMut)
        } else {
            (reads && entry::reads_only_entry(then, map, key)).then_some(MapLookup::Get)
        };
        if let Some(lookup) = whole {
            let field = ident(map);
            let local = ident(entry::LOCAL);
            let lookup = map_lookup(lookup, quote!(state.#field), self.gen_.borrowed(key));
            let g = self.gen_.with_entry(map, key);
            let then = self.stmts_with(&g, then);
            if guard.is_empty() {
                let otherwise = self.else_branch(otherwise);
                return Some(quote! {
                    if let Some(#local) = #lookup {
                        #then
                    } #otherwise
                });
            }
            let guard = super::expr::conjunction(guard.iter().map(|c| g.value(c)).collect());
            let otherwise = self.stmts(otherwise);
            return Some(quote! {
                match #lookup {
                    Some(#local) if #guard => { #then }
                    _ => { #otherwise }
                }
            });
        }
        // The branches below bind the entry only after the whole condition held.
        if !guard.is_empty() {
            return None;
        }
        let len = entry::run_len(then, map, key);
        let (run, rest) = then.split_at(len);
        let shadowed = any_expr_in(rest, entry::reads_local);
        // A write is needed: it is what makes an enclosing loop over the map iterate a
        // copy, so the map is not borrowed while the entry is.
        if shadowed || !run.iter().any(|s| entry::writes_entry(s, map, key)) {
            return self.entry_read_prefix(map, key, then, otherwise);
        }
        let field = ident(map);
        let local = ident(entry::LOCAL);
        let key_ref = self.gen_.borrowed(key);
        let g = self.gen_.with_entry(map, key);
        let run = run.iter().map(|s| self.stmt(&g, s));
        let rest = self.stmts(rest);
        let otherwise = self.else_branch(otherwise);
        let get_mut = map_lookup(MapLookup::GetMut, quote!(state.#field), key_ref);
        Some(quote! {
            if let Some(#local) = #get_mut {
                #(#run)*
                #rest
            } #otherwise
        })
    }

    /// `if k in self.m { .. }` whose branch reads the entry and then writes the map (an
    /// eviction reads the entry, then removes it): the longest leading run of statements
    /// that only read the map at that entry shares one `get`, and the borrow ends before
    /// the rest, which is generated as usual.
    fn entry_read_prefix(
        &self,
        map: &str,
        key: &Expr,
        then: &[Stmt],
        otherwise: &[Stmt],
    ) -> Option<TokenStream> {
        let len = (1..then.len())
            .rev()
            .find(|&n| entry::reads_only_entry(&then[..n], map, key))?;
        let (lead, rest) = then.split_at(len);
        if !any_expr_in(lead, |e| entry::reads_entry(e, map, key))
            || any_expr_in(rest, entry::reads_local)
        {
            return None;
        }
        let field = ident(map);
        let local = ident(entry::LOCAL);
        let key_ref = self.gen_.borrowed(key);
        // `rest` reads the `let`s of `lead` too: they are bound in the same block.
        let lead = self.stmts_before(&self.gen_.with_entry(map, key), lead, rest);
        let rest = self.stmts(rest);
        let otherwise = self.else_branch(otherwise);
        let get = map_lookup(MapLookup::Get, quote!(state.#field), key_ref);
        Some(quote! {
            if let Some(#local) = #get {
                #lead
                #rest
            } #otherwise
        })
    }

    /// `else { .. }`, or nothing for an empty branch.
    fn else_branch(&self, otherwise: &[Stmt]) -> TokenStream {
        if otherwise.is_empty() {
            quote!()
        } else {
            let otherwise = self.stmts(otherwise);
            quote!(else { #otherwise })
        }
    }

    /// `self.m[k].a.b = v;` as statements: looks the entry up, unless `g` has it bound.
    fn map_field_set(
        &self,
        g: &ExprGen,
        field: &str,
        key: &Expr,
        path: &[String],
        value: &Expr,
    ) -> TokenStream {
        let f = ident(field);
        let v = leaf_variant(&self.writes, field, path);
        let record = self.record((field, UndoKind::Leaf, path), &v, quote!((k, old)));
        let path = path.iter().map(|p| ident(p));
        let local = ident(entry::LOCAL);
        let lookup = if g.binds_entry(field, key) {
            quote!()
        } else {
            let get_mut = map_lookup(MapLookup::GetMut, quote!(state.#f), quote!(&k));
            quote!(let #local = #get_mut.ok_or(Fault::Absent)?;)
        };
        let (key, value) = (g.value_top(key), g.value_top(value));
        // Key and value are evaluated before any local is bound. Only the written field's
        // old value is saved (moved out, not cloned).
        quote! {
            let (k, value) = (#key, #value);
            #lookup
            let old = ::std::mem::replace(&mut #local #(.#path)*, value);
            #record
        }
    }

    /// `s` in Rust; `g` renders its expressions (with or without a bound entry).
    fn stmt(&self, g: &ExprGen, s: &Stmt) -> TokenStream {
        match s {
            Stmt::Assign { field, value } => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Replaced);
                let record = self.record(
                    (field, UndoKind::Replaced, &[]),
                    &v,
                    quote!((::std::mem::replace(&mut state.#f, new))),
                );
                let value = g.value_top(value);
                quote! {{
                    let new = #value;
                    #record
                }}
            }
            Stmt::AddAssign { field, value } | Stmt::SubAssign { field, value } => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Replaced);
                let method = if matches!(s, Stmt::AddAssign { .. }) {
                    quote!(checked_add)
                } else {
                    quote!(checked_sub)
                };
                let field_ty = self.m.field(field).map(|d| d.ty.clone()).unwrap_or(Ty::U64);
                let value = super::expr::unparen(g.base_value(value));
                let new = match &field_ty {
                    Ty::Newtype(n) => {
                        let n = ident(n);
                        quote!(#n(state.#f.0.#method(#value).ok_or(Fault::Overflow)?))
                    }
                    _ => quote!(state.#f.#method(#value).ok_or(Fault::Overflow)?),
                };
                let record = self.record(
                    (field, UndoKind::Replaced, &[]),
                    &v,
                    quote!((::std::mem::replace(&mut state.#f, new))),
                );
                quote! {{
                    let new = #new;
                    #record
                }}
            }
            Stmt::SetInsert { field, value } => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Inserted);
                let record = self.record((field, UndoKind::Inserted, &[]), &v, quote!((x)));
                let value = g.value_top(value);
                let elem_copy =
                    matches!(&self.m.field(field).map(|d| &d.ty), Some(Ty::Set(e)) if g.is_copy(e));
                let stored = if elem_copy {
                    quote!(x)
                } else {
                    quote!(x.clone())
                };
                quote! {{
                    let x = #value;
                    if state.#f.insert(#stored) {
                        #record
                    }
                }}
            }
            Stmt::SetRemove { field, value } => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Removed);
                let record = self.record((field, UndoKind::Removed, &[]), &v, quote!((x)));
                let value = g.value_top(value);
                quote! {{
                    let x = #value;
                    if state.#f.remove(&x) {
                        #record
                    }
                }}
            }
            Stmt::MapInsert { field, key, value } => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Entry);
                let replaced = self.record((field, UndoKind::Entry, &[]), &v, quote!((k, old)));
                let v = undo_variant(field, UndoKind::Added);
                let added = self.record((field, UndoKind::Added, &[]), &v, quote!((k)));
                let key_copy = matches!(&self.m.field(field).map(|d| &d.ty), Some(Ty::Map(k, _)) if g.is_copy(k));
                let stored = if key_copy {
                    quote!(k)
                } else {
                    quote!(k.clone())
                };
                let (key, value) = (g.value_top(key), g.value_top(value));
                // Key and value are evaluated together, before either local is bound.
                quote! {{
                    let (k, value) = (#key, #value);
                    match state.#f.insert(#stored, value) {
                        Some(old) => { #replaced }
                        None => { #added }
                    }
                }}
            }
            Stmt::MapFieldSet {
                field,
                key,
                path,
                value,
            } => {
                let body = self.map_field_set(g, field, key, path, value);
                quote!({ #body })
            }
            Stmt::MapRemove { field, key } => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Entry);
                let record = self.record((field, UndoKind::Entry, &[]), &v, quote!((k, old)));
                let key = g.value_top(key);
                quote! {{
                    let k = #key;
                    if let Some(old) = state.#f.remove(&k) {
                        #record
                    }
                }}
            }
            Stmt::PushBack { field, value } => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Pushed);
                let record = self.record((field, UndoKind::Pushed, &[]), &v, quote!());
                let value = g.value_top(value);
                quote! {
                    state.#f.push_back(#value);
                    #record
                }
            }
            Stmt::PopFront { field } => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Popped);
                let record = self.record((field, UndoKind::Popped, &[]), &v, quote!((x)));
                quote! {
                    if let Some(x) = state.#f.pop_front() {
                        #record
                    }
                }
            }
            // A sequence is emptied element by element, each recorded like a `pop_front`:
            // it keeps its buffer, so refilling it (a queue's next batch) does not allocate.
            Stmt::Clear { field } if is_seq(self.m, field) => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Popped);
                let record = self.record((field, UndoKind::Popped, &[]), &v, quote!((x)));
                quote! {
                    while let Some(x) = state.#f.pop_front() {
                        #record
                    }
                }
            }
            Stmt::Clear { field } => {
                let f = ident(field);
                let v = undo_variant(field, UndoKind::Replaced);
                let record = self.record(
                    (field, UndoKind::Replaced, &[]),
                    &v,
                    quote!((::std::mem::take(&mut state.#f))),
                );
                quote! {
                    #record
                }
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                // Nothing to run either way: the condition is still evaluated, since it
                // may fault (`if self.n + x > 0 {}`), but not as an empty `if`, which
                // clippy refuses (`needless_ifs`).
                if then.is_empty() && otherwise.is_empty() {
                    let (prelude, cond) = g.condition(cond);
                    let cond = super::expr::unparen(cond);
                    return quote!(#prelude let _ = #cond;);
                }
                if !g.has_entry()
                    && let Some(code) = self.entry_if(cond, then, otherwise)
                {
                    return code;
                }
                let (prelude, cond) = g.condition(cond);
                let cond = super::expr::unparen(cond);
                let then = self.stmts_with(g, then);
                if otherwise.is_empty() {
                    quote!(#prelude if #cond { #then })
                } else {
                    let otherwise = self.stmts_with(g, otherwise);
                    quote!(#prelude if #cond { #then } else { #otherwise })
                }
            }
            Stmt::For {
                binder,
                collection,
                body,
            } => self.for_loop(g, binder, collection, body),
            Stmt::Break => quote!(break;),
            // Bound by reference like loop variables; the block makes an owned temporary,
            // so the binding does not borrow the state the statements after it write.
            // The type is written: the value alone may not say it (`none`, `{}`).
            Stmt::Let { name, value } => {
                let name = ident(name);
                let t = ty(&value.ty);
                let value = g.value_top(value);
                quote!(let #name: &#t = &{ #value };)
            }
            Stmt::Emit(e) => self.emit(g, e),
        }
    }

    /// Loops run over a snapshot of the collection: when the body writes the field being
    /// iterated, the elements are cloned first; otherwise the live collection is borrowed
    /// (the body cannot change it, so that is the same snapshot). `entry_if` relies on
    /// this: it binds an entry mutably only where the body writes the map, so no loop
    /// borrows the map then.
    fn for_loop(
        &self,
        g: &ExprGen,
        binder: &Binder,
        collection: &Expr,
        body: &[Stmt],
    ) -> TokenStream {
        let mut writes = BTreeSet::new();
        collect_writes(self.m, body, &mut writes);
        let root_written =
            root_field(collection).is_some_and(|f| writes.iter().any(|(w, _, _)| w == f));
        let pattern = binder_pattern(binder, |x| {
            any_expr_in(body, |e| super::expr::reads_var(e, x))
        });
        let body = self.stmts_with(g, body);
        match g.place(collection).map(|p| p.receiver()) {
            Some(place) if !root_written => quote! {
                for #pattern in #place.iter() {
                    #body
                }
            },
            _ => {
                let value = g.value(collection);
                quote! {
                    for #pattern in #value.into_iter().collect::<Vec<_>>().iter() {
                        #body
                    }
                }
            }
        }
    }

    /// `emit E { .. };`; `g` renders the fields (with or without a bound entry).
    fn emit(&self, g: &ExprGen, e: &Emit) -> TokenStream {
        let name = ident(&e.effect);
        if e.fields.is_empty() {
            return quote!(effects.push(Effect::#name););
        }
        let fields = e.fields.iter().map(|(f, v)| {
            let f = ident(f);
            let v = g.value_top(v);
            quote!(#f: #v)
        });
        quote!(effects.push(Effect::#name { #(#fields),* });)
    }

    /// `match` on (input, phase); per arm the candidates in order.
    fn dispatch(&self) -> TokenStream {
        let arms = self.m.inputs.iter().map(|input| {
            let iv = ident(&input.name);
            // Group phases whose candidate lists are identical into one arm.
            let mut groups: Vec<(Vec<&str>, Vec<&Transition>)> = Vec::new();
            for p in &self.m.phases {
                let cands: Vec<&Transition> = self.m.candidates(&input.name, &p.name).collect();
                if cands.is_empty() {
                    continue;
                }
                match groups.iter_mut().find(|(_, c)| same_list(c, &cands)) {
                    Some((phases, _)) => phases.push(&p.name),
                    None => groups.push((vec![&p.name], cands)),
                }
            }
            let fields: Vec<_> = input.fields.iter().map(|f| ident(&f.name)).collect();
            let pattern = if input.fields.is_empty() {
                quote!(Input::#iv)
            } else {
                let used: BTreeSet<String> = groups
                    .iter()
                    .flat_map(|(_, c)| c.iter())
                    .flat_map(|t| {
                        let mut r = Self::guard_reads(t).inputs;
                        r.extend(Self::fire_reads(t).inputs);
                        r
                    })
                    .collect();
                let binds: Vec<_> = input
                    .fields
                    .iter()
                    .zip(&fields)
                    .filter(|(f, _)| used.contains(&f.name))
                    .map(|(_, i)| i)
                    .collect();
                let rest = (binds.len() < fields.len()).then(|| quote!(..));
                quote!(Input::#iv { #(#binds,)* #rest })
            };
            let phase_arms = groups.iter().map(|(phases, cands)| {
                let phases = phases.iter().map(|p| ident(p));
                let body = self.candidates(cands);
                quote!(#(Phase::#phases)|* => { #body })
            });
            let all_handled =
                groups.iter().map(|(p, _)| p.len()).sum::<usize>() == self.m.phases.len();
            if groups.is_empty() {
                return quote!(#pattern => Err(RejectReason::NotHandled));
            }
            let fallback = (!all_handled).then(|| quote!(_ => Err(RejectReason::NotHandled),));
            quote! {
                #pattern => match state.phase {
                    #(#phase_arms)*
                    #fallback
                }
            }
        });
        let body = if self.m.inputs.is_empty() {
            quote!(match *input {})
        } else {
            quote!(match input { #(#arms),* })
        };
        // Without any candidate every input is `NotHandled` and only `input` is read.
        let fires = self.m.inputs.iter().any(|i| {
            self.m
                .phases
                .iter()
                .any(|p| self.m.candidates(&i.name, &p.name).next().is_some())
        });
        let (state, undo, effects) = if fires {
            (quote!(state), quote!(undo), quote!(effects))
        } else {
            (quote!(_state), quote!(_undo), quote!(_effects))
        };
        quote! {
            /// Picks the first candidate whose guards hold and fires it.
            fn dispatch(
                #state: &mut State,
                input: &Input,
                #undo: &mut UndoLog,
                #effects: &mut Vec<Effect>,
            ) -> Result<TransitionId, RejectReason> {
                #body
            }
        }
    }

    /// Tries each candidate in order. The first failing guard of each is kept in a local of
    /// its own and the rejection's list is built only when every candidate failed, so an
    /// input that fires allocates nothing for the candidates it passed over.
    fn candidates(&self, cands: &[&Transition]) -> TokenStream {
        // A guardless candidate always fires; the checker rejects any after it. Then no
        // rejection can happen, and the failing guards need not be kept.
        let guarded: Vec<&Transition> = cands
            .iter()
            .copied()
            .take_while(|t| !t.guards.is_empty())
            .collect();
        let fallback = cands.get(guarded.len());
        let mut steps = Vec::new();
        let mut failed = Vec::new();
        for (i, t) in guarded.iter().enumerate() {
            let id = camel(&t.name);
            let fire = self.fire_call(t);
            let guard_name = format_ident!("guards_{}", t.name);
            let guard_args = self.input_args(t, &Self::guard_reads(t));
            let check = quote! {
                self::#guard_name(state, #(#guard_args),*).map_err(|f| f.at::<Machine>(TransitionId::#id))?
            };
            if fallback.is_some() {
                steps.push(quote! {
                    if #check.is_none() {
                        #fire;
                        return Ok(TransitionId::#id);
                    }
                });
            } else {
                let local = format_ident!("failed_{}", i);
                steps.push(quote! {
                    let #local = match #check {
                        None => {
                            #fire;
                            return Ok(TransitionId::#id);
                        }
                        Some(guard) => guard,
                    };
                });
                failed.push(quote!(FailedGuard { transition: TransitionId::#id, guard: #local }));
            }
        }
        let tail = match fallback {
            Some(t) => {
                let (id, fire) = (camel(&t.name), self.fire_call(t));
                quote! {
                    #fire;
                    Ok(TransitionId::#id)
                }
            }
            None => quote!(Err(RejectReason::GuardsFailed(vec![#(#failed),*]))),
        };
        quote! {
            #(#steps)*
            #tail
        }
    }

    /// The call of `t`'s firing function, its fault turned into `t`'s rejection. Input
    /// fields are bound by name in dispatch, so the function is called through `self::`: a
    /// field named `fire_go` cannot shadow the function `fire_go`.
    fn fire_call(&self, t: &Transition) -> TokenStream {
        let id = camel(&t.name);
        let fire_name = format_ident!("fire_{}", t.name);
        let fire_args = self.input_args(t, &Self::fire_reads(t));
        quote! {
            self::#fire_name(state, undo, effects, #(#fire_args),*).map_err(|f| f.at::<Machine>(TransitionId::#id))?
        }
    }

    fn invariants(&self) -> TokenStream {
        let fns = self.m.invariants.iter().map(|inv| {
            let name = format_ident!("invariant_{}", inv.name);
            let doc = docs(&inv.doc);
            let mut reads = Reads::default();
            visit_expr(&inv.expr, &mut |e| reads.note(e));
            let state = if reads.state {
                quote!(state)
            } else {
                quote!(_state)
            };
            let body = self.gen_.value_top(&inv.expr);
            quote! {
                #doc
                fn #name(#state: &State) -> Result<bool, Fault> {
                    Ok(#body)
                }
            }
        });
        let checks = self.m.invariants.iter().map(|inv| {
            let name = format_ident!("invariant_{}", inv.name);
            let n = &inv.name;
            quote! {
                // A fault while evaluating an invariant counts as a violation.
                match #name(state) {
                    Ok(true) => {}
                    value => return Err(InvariantViolation { invariant: #n, fault: value.err() }),
                }
            }
        });
        let state = if self.m.invariants.is_empty() {
            quote!(_state)
        } else {
            quote!(state)
        };
        quote! {
            #(#fns)*

            /// Checks every invariant, in declaration order.
            pub fn check_invariants(#state: &State) -> Result<(), InvariantViolation> {
                #(#checks)*
                Ok(())
            }
        }
    }
}

fn same_list(a: &[&Transition], b: &[&Transition]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.name == y.name)
}

/// The state field an expression reads through, if it is a place rooted at `self.f`.
fn root_field(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::SelfField(f) => Some(f),
        ExprKind::Field(inner, _) | ExprKind::Coerce(inner) | ExprKind::Unwrap(inner) => {
            root_field(inner)
        }
        ExprKind::Index(map, _) => root_field(map),
        _ => None,
    }
}

/// This machine's implementation of `suricate_kernel::Machine`, and the generic
/// `Authority` and `Transition` instantiated with it.
fn authority() -> TokenStream {
    quote! {
        /// This machine, for the generic half of the kernel in `suricate_kernel`: the
        /// `Authority` below and its answer types are instantiated with it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct Machine;

        impl ::suricate_kernel::Machine for Machine {
            type State = State;
            type Phase = Phase;
            type Input = Input;
            type InputKind = InputKind;
            type Effect = Effect;
            type EffectKind = EffectKind;
            type TransitionId = TransitionId;
            type UndoLog = UndoLog;

            const CHECK_INVARIANTS_BY_DEFAULT: bool = cfg!(debug_assertions);

            fn initial() -> State {
                State::initial()
            }

            fn phase(state: &State) -> Phase {
                state.phase
            }

            fn input_kind(input: &Input) -> InputKind {
                input.kind()
            }

            fn dispatch(
                state: &mut State,
                input: &Input,
                undo: &mut UndoLog,
                effects: &mut Vec<Effect>,
            ) -> Result<TransitionId, RejectReason> {
                self::dispatch(state, input, undo, effects)
            }

            fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
                self::undo(state, phase, log)
            }

            fn clear_undo(log: &mut UndoLog) {
                log.clear()
            }

            fn check_invariants(state: &State) -> Result<(), InvariantViolation> {
                self::check_invariants(state)
            }
        }

        /// Owns the machine's state; the only way to change it is `apply` (and `rollback`).
        pub type Authority = ::suricate_kernel::Authority<Machine>;
        /// The result of applying an input: what fired, and the effects to realise. Keep it
        /// to roll the transition back if realising the effects fails.
        pub type Transition = ::suricate_kernel::Transition<Machine>;
        /// What `apply` would do, computed without changing the authority.
        pub type Preview = ::suricate_kernel::Preview<Machine>;
    }
}
