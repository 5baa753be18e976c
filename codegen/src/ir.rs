//! Checked IR: names resolved, every expression typed, newtype coercions explicit.
//!
//! The checker produces it; the Rust generator, the Markdown generator and the reference
//! interpreter consume it. Anything in here is known to be well-formed: a consumer never
//! needs to re-check names or types.

pub use crate::ast::{BinOp, Quantifier};

/// A checked spec file: one or more machines, in source order.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub machines: Vec<Machine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    pub name: String,
    /// Where the name is written, for messages about the machine as a whole.
    pub name_span: crate::ast::Span,
    pub doc: Vec<String>,
    pub newtypes: Vec<Newtype>,
    pub enums: Vec<Enum>,
    pub structs: Vec<Struct>,
    /// In declaration order.
    pub phases: Vec<PhaseDecl>,
    pub initial: String,
    pub terminal: Vec<String>,
    pub fields: Vec<StateField>,
    pub inputs: Vec<Message>,
    pub effects: Vec<Message>,
    /// In declaration order, which is also candidate order.
    pub transitions: Vec<Transition>,
    pub invariants: Vec<Invariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Newtype {
    pub name: String,
    pub doc: Vec<String>,
    /// One of `Bool`, `U64`, `I64`, `String`.
    pub base: Ty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    pub name: String,
    pub doc: Vec<String>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub doc: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub name: String,
    pub doc: Vec<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub doc: Vec<String>,
    pub ty: Ty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseDecl {
    pub name: String,
    pub doc: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StateField {
    pub name: String,
    pub doc: Vec<String>,
    pub ty: Ty,
    /// A literal (possibly wrapped in `Coerce`), typed as `ty`.
    pub default: Expr,
}

/// An input or effect: a name and its fields (empty for a signal).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub name: String,
    pub doc: Vec<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub name: String,
    pub doc: Vec<String>,
    pub input: String,
    /// Phases it fires from, expanded (`*` resolved) and in phase declaration order.
    pub from: Vec<String>,
    pub to: Target,
    pub guards: Vec<Guard>,
    pub update: Vec<Stmt>,
    /// Top-level `emit`s, run after the update block.
    pub emits: Vec<Emit>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Stay in the phase the transition fired from.
    Same,
    Phase(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    pub name: String,
    pub doc: Vec<String>,
    /// Typed `Bool`.
    pub expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invariant {
    pub name: String,
    pub doc: Vec<String>,
    /// Typed `Bool`.
    pub expr: Expr,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ty {
    Bool,
    U64,
    I64,
    String,
    Phase,
    Newtype(String),
    Enum(String),
    Struct(String),
    Option(Box<Ty>),
    Seq(Box<Ty>),
    Set(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
}

impl Ty {
    /// The type as written in a spec (`Map<u64, FailReason>`).
    pub fn spec_name(&self) -> String {
        match self {
            Ty::Bool => "bool".into(),
            Ty::U64 => "u64".into(),
            Ty::I64 => "i64".into(),
            Ty::String => "string".into(),
            Ty::Phase => "Phase".into(),
            Ty::Newtype(n) | Ty::Enum(n) | Ty::Struct(n) => n.clone(),
            Ty::Option(t) => format!("Option<{}>", t.spec_name()),
            Ty::Seq(t) => format!("Seq<{}>", t.spec_name()),
            Ty::Set(t) => format!("Set<{}>", t.spec_name()),
            Ty::Map(k, v) => format!("Map<{}, {}>", k.spec_name(), v.spec_name()),
        }
    }

    /// Whether a map keyed by this type is serialized as a map, the key in its string
    /// form (a bool, an integer, a string, a newtype, which wraps one of those, an enum or
    /// a phase); otherwise, as a sequence of `[key, value]` pairs.
    pub fn is_string_key(&self) -> bool {
        match self {
            Ty::Bool | Ty::U64 | Ty::I64 | Ty::String | Ty::Phase => true,
            Ty::Newtype(_) | Ty::Enum(_) => true,
            Ty::Struct(_) | Ty::Option(_) | Ty::Seq(_) | Ty::Set(_) | Ty::Map(..) => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
}

/// Operand types of a `Binary`:
/// - `And`, `Or`, `Implies`: both `Bool`.
/// - `Eq`, `Ne`, `Lt`, `Le`, `Gt`, `Ge`: both of the same type (result `Bool`); ordering
///   only on `U64`, `I64`, `String` and newtypes over them.
/// - `Add`, `Sub`: both of the same type, `U64`, `I64` or a newtype over one; the result
///   has that type; overflow and underflow are faults.
/// - `In`: element (already coerced to the element/key type) and a `Seq`, `Set` or `Map`
///   (membership of a key).
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    U64(u64),
    I64(i64),
    Str(String),
    /// `none`, typed `Option<T>`.
    None,
    Some(Box<Expr>),
    EmptySeq,
    EmptySet,
    EmptyMap,
    /// `Enum::Variant`.
    Variant {
        enum_name: String,
        variant: String,
    },
    /// `Phase::P`.
    Phase(String),
    /// Fields in the struct's declaration order.
    StructLit {
        name: String,
        fields: Vec<(String, Expr)>,
    },
    /// `self.f`; in emits this reads the post-state, in updates the current state.
    SelfField(String),
    /// `old(self.f)`: the pre-state value (only in updates and emits).
    Old(String),
    /// A field of the transition's input, bound by name.
    InputField(String),
    /// A loop or quantifier variable.
    Var(String),
    /// `e.f` on a struct value.
    Field(Box<Expr>, String),
    /// Between a newtype and its base type, in either direction; `ty` is the target.
    Coerce(Box<Expr>),
    Not(Box<Expr>),
    /// Negation of an `I64` (or newtype over it); overflow is a fault.
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `coll.len()` on a `Seq`, `Set` or `Map`; typed `U64`.
    Len(Box<Expr>),
    IsEmpty(Box<Expr>),
    IsSome(Box<Expr>),
    IsNone(Box<Expr>),
    /// Partial: absent is a fault.
    Unwrap(Box<Expr>),
    UnwrapOr(Box<Expr>, Box<Expr>),
    /// `m.get(k)`: `Option<V>`.
    Get(Box<Expr>, Box<Expr>),
    /// `m[k]`. Partial: absent is a fault.
    Index(Box<Expr>, Box<Expr>),
    /// `q.front()`: `Option<T>`.
    Front(Box<Expr>),
    Quant {
        kind: Quantifier,
        binder: Binder,
        collection: Box<Expr>,
        body: Box<Expr>,
    },
}

/// Loop or quantifier variables; `Pair` only over maps.
#[derive(Debug, Clone, PartialEq)]
pub enum Binder {
    One(String),
    Pair(String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `self.f = e;` (never `phase`).
    Assign {
        field: String,
        value: Expr,
    },
    /// `self.f += e;` checked.
    AddAssign {
        field: String,
        value: Expr,
    },
    /// `self.f -= e;` checked.
    SubAssign {
        field: String,
        value: Expr,
    },
    /// `self.s.insert(e);` on a set.
    SetInsert {
        field: String,
        value: Expr,
    },
    /// `self.s.remove(e);` on a set.
    SetRemove {
        field: String,
        value: Expr,
    },
    /// `self.m[k] = v;`
    MapInsert {
        field: String,
        key: Expr,
        value: Expr,
    },
    /// `self.m[k].a.b = v;`: sets a field (through nested struct fields) of an existing
    /// entry of a map whose values are structs. `key` is evaluated before `value`.
    /// Partial: an absent key is a fault.
    MapFieldSet {
        field: String,
        key: Expr,
        /// Struct field names from the entry down to the field written; never empty.
        path: Vec<String>,
        /// Typed as the last field of `path`.
        value: Expr,
    },
    /// `self.m.remove(k);`
    MapRemove {
        field: String,
        key: Expr,
    },
    /// `self.q.push_back(e);`
    PushBack {
        field: String,
        value: Expr,
    },
    /// `self.q.pop_front();` (a no-op on an empty sequence).
    PopFront {
        field: String,
    },
    /// `self.c.clear();` on a sequence, set or map.
    Clear {
        field: String,
    },
    If {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
    },
    /// Iterates over a snapshot of `collection` taken before the loop, ascending for sets
    /// and maps.
    For {
        binder: Binder,
        collection: Expr,
        body: Vec<Stmt>,
    },
    /// `break;`: ends the innermost `for` loop (the checker allows it only inside one).
    Break,
    /// `let name = value;`: `value` is evaluated here; `name` reads it for the rest of the
    /// block (as `Var(name)`).
    Let {
        name: String,
        value: Expr,
    },
    Emit(Emit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Emit {
    pub effect: String,
    /// In the effect's declaration order, each coerced to the field's type.
    pub fields: Vec<(String, Expr)>,
}

impl Machine {
    pub fn is_terminal(&self, phase: &str) -> bool {
        self.terminal.iter().any(|p| p == phase)
    }

    pub fn newtype(&self, name: &str) -> Option<&Newtype> {
        self.newtypes.iter().find(|n| n.name == name)
    }

    pub fn struct_def(&self, name: &str) -> Option<&Struct> {
        self.structs.iter().find(|s| s.name == name)
    }

    pub fn enum_def(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }

    pub fn input(&self, name: &str) -> Option<&Message> {
        self.inputs.iter().find(|m| m.name == name)
    }

    pub fn effect(&self, name: &str) -> Option<&Message> {
        self.effects.iter().find(|m| m.name == name)
    }

    pub fn field(&self, name: &str) -> Option<&StateField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Candidates for `input` in `phase`, in declaration (= dispatch) order.
    pub fn candidates<'a>(
        &'a self,
        input: &'a str,
        phase: &'a str,
    ) -> impl Iterator<Item = &'a Transition> + 'a {
        self.transitions
            .iter()
            .filter(move |t| t.input == input && t.from.iter().any(|p| p == phase))
    }
}

impl Transition {
    /// The phase this transition leads to when fired from `from`.
    pub fn target<'a>(&'a self, from: &'a str) -> &'a str {
        match &self.to {
            Target::Same => from,
            Target::Phase(p) => p,
        }
    }
}

/// Calls `f` on `e` and on every expression inside it, outermost first.
pub fn visit_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    for child in children(e) {
        visit_expr(child, f);
    }
}

/// Whether `e` or an expression inside it satisfies `pred`.
pub fn any_expr(e: &Expr, pred: impl Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    visit_expr(e, &mut |x| found |= pred(x));
    found
}

/// Calls `f` on every statement in `stmts`, nested ones included, outermost first.
pub fn visit_nested_stmts(stmts: &[Stmt], f: &mut dyn FnMut(&Stmt)) {
    for s in stmts {
        f(s);
        match s {
            Stmt::If {
                then, otherwise, ..
            } => {
                visit_nested_stmts(then, f);
                visit_nested_stmts(otherwise, f);
            }
            Stmt::For { body, .. } => visit_nested_stmts(body, f),
            _ => {}
        }
    }
}

/// Calls `f` on every expression in `stmts`, nested statements included, outermost first.
pub fn visit_stmts(stmts: &[Stmt], f: &mut dyn FnMut(&Expr)) {
    visit_nested_stmts(stmts, &mut |s| match s {
        Stmt::Assign { value, .. }
        | Stmt::AddAssign { value, .. }
        | Stmt::SubAssign { value, .. }
        | Stmt::SetInsert { value, .. }
        | Stmt::SetRemove { value, .. }
        | Stmt::PushBack { value, .. }
        | Stmt::Let { value, .. } => visit_expr(value, f),
        Stmt::MapInsert { key, value, .. } | Stmt::MapFieldSet { key, value, .. } => {
            visit_expr(key, f);
            visit_expr(value, f);
        }
        Stmt::MapRemove { key, .. } => visit_expr(key, f),
        // The statements inside come next, from `visit_nested_stmts`.
        Stmt::If { cond, .. } => visit_expr(cond, f),
        Stmt::For { collection, .. } => visit_expr(collection, f),
        Stmt::Emit(e) => visit_emit(e, f),
        Stmt::PopFront { .. } | Stmt::Clear { .. } | Stmt::Break => {}
    });
}

/// Whether some expression in `stmts`, nested statements included, satisfies `pred`.
pub fn any_expr_in(stmts: &[Stmt], pred: impl Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    visit_stmts(stmts, &mut |e| found |= pred(e));
    found
}

/// Calls `f` on every expression in the fields of `e`, outermost first.
pub fn visit_emit(e: &Emit, f: &mut dyn FnMut(&Expr)) {
    for (_, v) in &e.fields {
        visit_expr(v, f);
    }
}

/// The expressions directly inside `e`, in evaluation order.
pub fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Some(a)
        | ExprKind::Field(a, _)
        | ExprKind::Coerce(a)
        | ExprKind::Not(a)
        | ExprKind::Neg(a)
        | ExprKind::Len(a)
        | ExprKind::IsEmpty(a)
        | ExprKind::IsSome(a)
        | ExprKind::IsNone(a)
        | ExprKind::Unwrap(a)
        | ExprKind::Front(a) => vec![a],
        ExprKind::Binary(_, a, b)
        | ExprKind::UnwrapOr(a, b)
        | ExprKind::Get(a, b)
        | ExprKind::Index(a, b) => vec![a, b],
        ExprKind::StructLit { fields, .. } => fields.iter().map(|(_, v)| v).collect(),
        ExprKind::Quant {
            collection, body, ..
        } => vec![collection, body],
        _ => Vec::new(),
    }
}
