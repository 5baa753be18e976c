//! Spanned syntax tree of a `.machine` file, as written (names unresolved, types unchecked).

/// Byte range into the spec source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// An identifier with the place it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct File {
    pub machines: Vec<Machine>,
}

#[derive(Debug, Clone)]
pub struct Machine {
    pub doc: Vec<String>,
    pub name: Ident,
    pub span: Span,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Type(TypeDef),
    Enum(EnumDef),
    Struct(StructDef),
    Phases(PhasesDef),
    Initial(Ident),
    Terminal(Vec<Ident>, Span),
    State(Vec<StateField>, Span),
    Input(MessageDef),
    Effect(MessageDef),
    Transition(TransitionDef),
    Invariant(InvariantDef),
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub doc: Vec<String>,
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub doc: Vec<String>,
    pub name: Ident,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub doc: Vec<String>,
    pub name: Ident,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone)]
pub struct FieldDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Debug, Clone)]
pub struct StructDef {
    pub doc: Vec<String>,
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
}

#[derive(Debug, Clone)]
pub struct PhasesDef {
    pub doc: Vec<String>,
    pub phases: Vec<Variant>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct StateField {
    pub doc: Vec<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Expr,
}

/// An `input` or `effect` declaration: a name and zero or more typed fields.
#[derive(Debug, Clone)]
pub struct MessageDef {
    pub doc: Vec<String>,
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
}

#[derive(Debug, Clone)]
pub enum FromPhases {
    /// `*`: every non-terminal phase.
    Any(Span),
    List(Vec<Ident>),
}

#[derive(Debug, Clone)]
pub enum ToPhase {
    Same(Span),
    Phase(Ident),
}

#[derive(Debug, Clone)]
pub struct TransitionDef {
    pub doc: Vec<String>,
    pub name: Ident,
    pub input: Ident,
    pub from: FromPhases,
    pub to: ToPhase,
    pub guards: Vec<Guard>,
    pub update: Vec<Stmt>,
    pub emits: Vec<Emit>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Guard {
    pub doc: Vec<String>,
    pub name: Ident,
    pub expr: Expr,
}

#[derive(Debug, Clone)]
pub struct InvariantDef {
    pub doc: Vec<String>,
    pub name: Ident,
    pub expr: Expr,
}

/// A type as written: `u64`, `JobId`, `Map<K, V>`.
#[derive(Debug, Clone)]
pub struct TypeExpr {
    pub name: Ident,
    pub args: Vec<TypeExpr>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
}

#[derive(Debug, Clone)]
pub enum Stmt {
    /// `self.f = e;`, `self.f += e;`, `self.f -= e;`
    Assign {
        field: Ident,
        op: AssignOp,
        value: Expr,
        span: Span,
    },
    /// `self.m[k] = v;`
    IndexAssign {
        field: Ident,
        key: Expr,
        value: Expr,
        span: Span,
    },
    /// `self.m[k].f.g = v;`: a field (through nested struct fields) of a map entry.
    EntryFieldAssign {
        field: Ident,
        key: Expr,
        /// Struct field names from the entry down to the field written; never empty.
        path: Vec<Ident>,
        value: Expr,
        span: Span,
    },
    /// `self.f.method(args);`
    Call {
        field: Ident,
        method: Ident,
        args: Vec<Expr>,
        span: Span,
    },
    If {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
        span: Span,
    },
    For {
        binder: Binder,
        collection: Expr,
        body: Vec<Stmt>,
        span: Span,
    },
    /// `break;`: ends the innermost `for` loop.
    Break {
        span: Span,
    },
    /// `let x = e;` or `let x: T = e;`: names the value of `e` for the rest of the block.
    Let {
        name: Ident,
        ty: Option<TypeExpr>,
        value: Expr,
        span: Span,
    },
    Emit(Emit),
}

#[derive(Debug, Clone)]
pub struct Emit {
    pub effect: Ident,
    pub fields: Vec<FieldInit>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct FieldInit {
    pub name: Ident,
    pub value: Expr,
}

/// Loop or quantifier variable(s): `x` or `(k, v)`.
#[derive(Debug, Clone)]
pub enum Binder {
    One(Ident),
    Pair(Ident, Ident),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Implies,
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Implies => "implies",
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    All,
    Any,
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Bool(bool),
    /// Unsigned digits as written; sign comes from a surrounding `Unary(Neg)`.
    Int(u128),
    Str(String),
    None,
    Some(Box<Expr>),
    EmptySeq,
    /// `{}`: an empty set or map, decided by the expected type.
    EmptyBraces,
    /// `A::B`: an enum variant or `Phase::P`.
    Path(Ident, Ident),
    StructLit(Ident, Vec<FieldInit>),
    SelfField(Ident),
    Old(Ident),
    /// A bare name: an input field or a bound variable.
    Name(Ident),
    Field(Box<Expr>, Ident),
    Call(Box<Expr>, Ident, Vec<Expr>),
    Index(Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Quant {
        kind: Quantifier,
        binder: Binder,
        collection: Box<Expr>,
        body: Box<Expr>,
    },
}
