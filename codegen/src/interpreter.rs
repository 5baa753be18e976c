//! Reference interpreter: a plain tree walk over the checked IR.
//!
//! It exists to be obviously right, not fast: differential tests run it side by side with
//! the generated Rust kernel and compare accept/reject outcomes, effects and post-states.
//! States, inputs and effects cross its boundary as JSON in exactly the serde shape of the
//! generated types (see decision 13 in the language notes), so the two can be compared
//! with `==` on `serde_json::Value`.
//!
//! The IR is trusted to be well-formed (that is the checker's contract). If it is not —
//! a field or phase that does not exist, an operator applied to the wrong kind of value —
//! the interpreter panics with a `malformed IR` message naming the problem, because that is a
//! checker bug and must not be mistaken for a behaviour of the machine. JSON coming from
//! outside is never trusted: bad JSON is an error value, never a panic.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{Map as JsonMap, Value as Json};

use crate::ir::{self, BinOp, Binder, Expr, ExprKind, Machine, Quantifier, Stmt, Ty};

/// Runs one machine: the current state plus the machine it belongs to.
#[derive(Debug, Clone)]
pub struct Interpreter<'m> {
    machine: &'m Machine,
    state: State,
}

/// A successful firing.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub transition: String,
    pub from: String,
    pub to: String,
    /// In emission order, each in the externally tagged serde shape of `Effect`.
    pub effects: Vec<Json>,
}

/// Why an input was not accepted. In every case the state is exactly what it was before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// No transition handles this input in the current phase.
    NotHandled,
    /// Every candidate had a false guard: `(transition, its first failing guard)` in
    /// candidate order.
    GuardsFailed(Vec<(String, String)>),
    /// Checked arithmetic overflowed or underflowed in a guard, update or emit.
    Overflow { transition: String },
    /// A partial operation (`unwrap`, `m[k]`) found no value.
    Absent { transition: String },
    /// The transition fired but left a state in which this invariant is false (or cannot
    /// be evaluated).
    InvariantViolated {
        transition: String,
        invariant: String,
    },
    /// The JSON does not have the shape of any input of the machine.
    BadInput(String),
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::NotHandled => write!(f, "input not handled in this phase"),
            Rejected::GuardsFailed(failed) => {
                write!(f, "no candidate fired:")?;
                for (transition, guard) in failed {
                    write!(f, " `{transition}` failed `{guard}`;")?;
                }
                Ok(())
            }
            Rejected::Overflow { transition } => {
                write!(f, "arithmetic overflow in `{transition}`")
            }
            Rejected::Absent { transition } => write!(f, "absent value in `{transition}`"),
            Rejected::InvariantViolated {
                transition,
                invariant,
            } => write!(f, "`{transition}` violates invariant `{invariant}`"),
            Rejected::BadInput(why) => write!(f, "bad input: {why}"),
        }
    }
}

impl std::error::Error for Rejected {}

/// A runtime value. The derived `Ord` reproduces the ordering of the generated Rust types
/// (decision 9): enum variants and phases carry their declaration index first, structs
/// compare field by field in declaration order, `None < Some`, strings bytewise.
/// Newtypes are transparent: a `Bytes` is just a `U64`. Values of different variants are
/// never compared (the IR is typed), so the order between variants is irrelevant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Bool(bool),
    U64(u64),
    I64(i64),
    Str(String),
    /// An enum variant or a phase: (declaration index, name).
    Tag(usize, String),
    /// Field values in declaration order.
    Struct(Vec<Value>),
    Option(Option<Box<Value>>),
    Seq(VecDeque<Value>),
    Set(BTreeSet<Value>),
    Map(BTreeMap<Value, Value>),
}

/// The machine's state: the phase (index into `Machine::phases`) and the field values in
/// declaration order.
#[derive(Debug, Clone, PartialEq)]
struct State {
    phase: usize,
    fields: Vec<Value>,
}

/// The fields of a decoded input, by name, in declaration order.
type InputFields = Vec<(String, Value)>;

/// Why evaluation stopped. Either rejects the whole transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Overflow,
    Absent,
}

impl Fault {
    fn reject(self, transition: &str) -> Rejected {
        let transition = transition.to_owned();
        match self {
            Fault::Overflow => Rejected::Overflow { transition },
            Fault::Absent => Rejected::Absent { transition },
        }
    }
}

/// Reports an IR that breaks its own contract (a checker bug).
#[track_caller]
fn malformed(what: impl std::fmt::Display) -> ! {
    panic!("malformed IR: {what}")
}

impl<'m> Interpreter<'m> {
    /// The initial state: every field at its default, the phase at `initial`.
    pub fn new(machine: &'m Machine) -> Self {
        let phase = phase_index(machine, &machine.initial);
        let empty = State {
            phase,
            fields: Vec::new(),
        };
        let ctx = Ctx {
            machine,
            state: &empty,
            pre: &empty,
            input: &[],
        };
        let fields = machine
            .fields
            .iter()
            .map(|f| match ctx.eval(&f.default, &Scope::Empty) {
                Ok(v) => v,
                Err(fault) => malformed(format!("default of `{}` faults: {fault:?}", f.name)),
            })
            .collect();
        Interpreter {
            machine,
            state: State { phase, fields },
        }
    }

    /// Restores a state from its serde JSON form (an object with `phase` and every field).
    /// Like the generated `from_state`, the invariants must hold in it.
    pub fn from_state_json(machine: &'m Machine, json: &Json) -> Result<Self, String> {
        let object = json
            .as_object()
            .ok_or_else(|| format!("state: expected an object, found {}", kind(json)))?;
        let phase_json = object
            .get("phase")
            .ok_or_else(|| "state: missing field `phase`".to_owned())?;
        let phase = match from_json(machine, phase_json, &Ty::Phase, "state.phase")? {
            Value::Tag(index, _) => index,
            other => malformed(format!("phase decoded as {other:?}")),
        };
        no_unknown_fields(
            object,
            std::iter::once("phase").chain(machine.fields.iter().map(|f| f.name.as_str())),
            "state",
        )?;
        let fields = machine
            .fields
            .iter()
            .map(|f| field_from_json(machine, object, &f.name, &f.ty, "state"))
            .collect::<Result<Vec<_>, _>>()?;
        let interpreter = Interpreter {
            machine,
            state: State { phase, fields },
        };
        interpreter
            .check_invariants()
            .map_err(|name| format!("state: invariant `{name}` does not hold"))?;
        Ok(interpreter)
    }

    /// The state in the serde JSON shape of the generated `State`.
    pub fn state_json(&self) -> Json {
        let mut object = JsonMap::new();
        object.insert("phase".to_owned(), Json::String(self.phase().to_owned()));
        for (field, value) in self.machine.fields.iter().zip(&self.state.fields) {
            object.insert(field.name.clone(), to_json(self.machine, value, &field.ty));
        }
        Json::Object(object)
    }

    /// The name of the current phase.
    pub fn phase(&self) -> &str {
        &self.machine.phases[self.state.phase].name
    }

    /// Dispatches one input (serde JSON of the generated `Input`) and, if a candidate
    /// fires, commits its post-state. On rejection the state is untouched.
    pub fn apply(&mut self, input: &Json) -> Result<Fired, Rejected> {
        let (message, fields) = decode_input(self.machine, input).map_err(Rejected::BadInput)?;
        let machine = self.machine;
        let from = machine.phases[self.state.phase].name.as_str();
        let mut failed = Vec::new();
        for transition in machine.candidates(&message.name, from) {
            let ctx = Ctx {
                machine: self.machine,
                state: &self.state,
                pre: &self.state,
                input: &fields,
            };
            match ctx.first_false_guard(transition) {
                Err(fault) => return Err(fault.reject(&transition.name)),
                Ok(Some(guard)) => failed.push((transition.name.clone(), guard.to_owned())),
                Ok(None) => {
                    let (state, effects) = self.fire(transition, &fields)?;
                    let to = machine.phases[state.phase].name.clone();
                    self.state = state;
                    return Ok(Fired {
                        transition: transition.name.clone(),
                        from: from.to_owned(),
                        to,
                        effects,
                    });
                }
            }
        }
        if failed.is_empty() {
            Err(Rejected::NotHandled)
        } else {
            Err(Rejected::GuardsFailed(failed))
        }
    }

    /// Checks every invariant on the current state, in declaration order; the error names
    /// the first one that is false or whose evaluation faults.
    pub fn check_invariants(&self) -> Result<(), String> {
        check_invariants(self.machine, &self.state)
    }

    /// Every invariant that is false on the current state, or whose evaluation faults, in
    /// declaration order.
    pub fn broken_invariants(&self) -> Vec<&ir::Invariant> {
        broken_invariants(self.machine, &self.state).collect()
    }

    /// The fault that stops `invariant`'s evaluation in the current state, if one does
    /// (an invariant that faults does not hold).
    pub fn invariant_fault(&self, invariant: &ir::Invariant) -> Option<&'static str> {
        let ctx = Ctx {
            machine: self.machine,
            state: &self.state,
            pre: &self.state,
            input: &[],
        };
        match ctx.eval_bool(&invariant.expr, &Scope::Empty) {
            Ok(_) => None,
            Err(Fault::Overflow) => Some("an arithmetic overflow"),
            Err(Fault::Absent) => Some("reading an absent value"),
        }
    }

    /// Runs a transition whose guards held on a copy of the state (decision 4) and returns
    /// the post-state with the effects, or the rejection; `self` is not modified.
    fn fire(
        &self,
        transition: &ir::Transition,
        input: &[(String, Value)],
    ) -> Result<(State, Vec<Json>), Rejected> {
        let fault = |f: Fault| f.reject(&transition.name);
        let pre = &self.state;
        let mut run = Run {
            machine: self.machine,
            pre,
            input,
            state: pre.clone(),
            effects: Vec::new(),
        };
        run.exec_block(&transition.update, &Scope::Empty)
            .map_err(fault)?;
        let from = self.machine.phases[pre.phase].name.as_str();
        run.state.phase = phase_index(self.machine, transition.target(from));
        for emit in &transition.emits {
            run.emit(emit, &Scope::Empty).map_err(fault)?;
        }
        check_invariants(self.machine, &run.state).map_err(|invariant| {
            Rejected::InvariantViolated {
                transition: transition.name.clone(),
                invariant,
            }
        })?;
        Ok((run.state, run.effects))
    }
}

fn check_invariants(machine: &Machine, state: &State) -> Result<(), String> {
    match broken_invariants(machine, state).next() {
        Some(invariant) => Err(invariant.name.clone()),
        None => Ok(()),
    }
}

/// The invariants that are false on `state`, or whose evaluation faults, in declaration
/// order.
fn broken_invariants<'a>(
    machine: &'a Machine,
    state: &'a State,
) -> impl Iterator<Item = &'a ir::Invariant> {
    let ctx = Ctx {
        machine,
        state,
        pre: state,
        input: &[],
    };
    machine
        .invariants
        .iter()
        .filter(move |invariant| ctx.eval_bool(&invariant.expr, &Scope::Empty) != Ok(true))
}

fn phase_index(machine: &Machine, name: &str) -> usize {
    machine
        .phases
        .iter()
        .position(|p| p.name == name)
        .unwrap_or_else(|| malformed(format!("unknown phase `{name}`")))
}

fn field_index(machine: &Machine, name: &str) -> usize {
    machine
        .fields
        .iter()
        .position(|f| f.name == name)
        .unwrap_or_else(|| malformed(format!("unknown state field `{name}`")))
}

/// Positions (in declaration order) of the struct fields `path` names inside an entry of
/// the map field `field`.
fn entry_path_indices(machine: &Machine, field: &str, path: &[String]) -> Vec<usize> {
    let mut ty = match &machine.fields[field_index(machine, field)].ty {
        Ty::Map(_, entry) => (**entry).clone(),
        other => malformed(format!("entry field write into a {}", other.spec_name())),
    };
    let mut indices = Vec::with_capacity(path.len());
    for name in path {
        let Ty::Struct(s) = &ty else {
            malformed(format!(".{name} on a {}", ty.spec_name()))
        };
        let def = struct_def(machine, s);
        let index = def
            .fields
            .iter()
            .position(|f| &f.name == name)
            .unwrap_or_else(|| malformed(format!("unknown field {s}.{name}")));
        ty = def.fields[index].ty.clone();
        indices.push(index);
    }
    indices
}

fn struct_def<'a>(machine: &'a Machine, name: &str) -> &'a ir::Struct {
    machine
        .struct_def(name)
        .unwrap_or_else(|| malformed(format!("unknown struct `{name}`")))
}

fn enum_def<'a>(machine: &'a Machine, name: &str) -> &'a ir::Enum {
    machine
        .enum_def(name)
        .unwrap_or_else(|| malformed(format!("unknown enum `{name}`")))
}

fn newtype_base<'a>(machine: &'a Machine, name: &str) -> &'a Ty {
    &machine
        .newtype(name)
        .unwrap_or_else(|| malformed(format!("unknown newtype `{name}`")))
        .base
}

/// Loop and quantifier variables: a chain of bindings, innermost first.
enum Scope<'a> {
    Empty,
    Bind {
        name: &'a str,
        value: Value,
        parent: &'a Scope<'a>,
    },
}

impl Scope<'_> {
    fn lookup(&self, wanted: &str) -> &Value {
        let mut scope = self;
        loop {
            match scope {
                Scope::Empty => malformed(format!("unbound variable `{wanted}`")),
                Scope::Bind {
                    name,
                    value,
                    parent,
                } => {
                    if *name == wanted {
                        return value;
                    }
                    scope = parent;
                }
            }
        }
    }
}

/// The elements a `for` or quantifier visits, from a snapshot of the collection: one value
/// per element for sets and sequences, `(key, value)` for maps.
fn elements(collection: Value) -> Vec<(Value, Option<Value>)> {
    match collection {
        Value::Seq(items) => items.into_iter().map(|v| (v, None)).collect(),
        Value::Set(items) => items.into_iter().map(|v| (v, None)).collect(),
        Value::Map(entries) => entries.into_iter().map(|(k, v)| (k, Some(v))).collect(),
        other => malformed(format!("iteration over {other:?}")),
    }
}

/// Where control goes after a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Next,
    /// A `break` ran: the innermost `for` loop ends.
    Break,
}

/// Calls `body` with `scope` extended by the binder for one element.
fn with_binding<R>(
    binder: &Binder,
    element: (Value, Option<Value>),
    scope: &Scope<'_>,
    body: impl FnOnce(&Scope<'_>) -> R,
) -> R {
    match (binder, element) {
        (Binder::One(name), (value, _)) => body(&Scope::Bind {
            name,
            value,
            parent: scope,
        }),
        (Binder::Pair(k, v), (key, Some(value))) => {
            let outer = Scope::Bind {
                name: k,
                value: key,
                parent: scope,
            };
            body(&Scope::Bind {
                name: v,
                value,
                parent: &outer,
            })
        }
        (Binder::Pair(k, v), (_, None)) => {
            malformed(format!("pair binder ({k}, {v}) over a non-map"))
        }
    }
}

/// What an expression can read: the current state, the pre-state (for `old`), the
/// input's fields. Guards and invariants use the same state for both.
struct Ctx<'a> {
    machine: &'a Machine,
    state: &'a State,
    pre: &'a State,
    input: &'a [(String, Value)],
}

impl Ctx<'_> {
    /// The first guard of `transition` that is false, or `None` if all hold (decision 3).
    fn first_false_guard<'t>(
        &self,
        transition: &'t ir::Transition,
    ) -> Result<Option<&'t str>, Fault> {
        for guard in &transition.guards {
            if !self.eval_bool(&guard.expr, &Scope::Empty)? {
                return Ok(Some(&guard.name));
            }
        }
        Ok(None)
    }

    fn read_field(&self, state: &State, name: &str) -> Value {
        match self.machine.fields.iter().position(|f| f.name == name) {
            Some(index) => state.fields[index].clone(),
            None if name == "phase" => {
                Value::Tag(state.phase, self.machine.phases[state.phase].name.clone())
            }
            None => malformed(format!("unknown state field `{name}`")),
        }
    }

    fn eval_bool(&self, e: &Expr, scope: &Scope<'_>) -> Result<bool, Fault> {
        match self.eval(e, scope)? {
            Value::Bool(b) => Ok(b),
            other => malformed(format!("expected a bool, got {other:?}")),
        }
    }

    fn eval(&self, e: &Expr, scope: &Scope<'_>) -> Result<Value, Fault> {
        Ok(match &e.kind {
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::U64(n) => Value::U64(*n),
            ExprKind::I64(n) => Value::I64(*n),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::None => Value::Option(None),
            ExprKind::Some(inner) => Value::Option(Some(Box::new(self.eval(inner, scope)?))),
            ExprKind::EmptySeq => Value::Seq(VecDeque::new()),
            ExprKind::EmptySet => Value::Set(BTreeSet::new()),
            ExprKind::EmptyMap => Value::Map(BTreeMap::new()),
            ExprKind::Variant { enum_name, variant } => {
                let index = enum_def(self.machine, enum_name)
                    .variants
                    .iter()
                    .position(|v| &v.name == variant)
                    .unwrap_or_else(|| {
                        malformed(format!("unknown variant {enum_name}::{variant}"))
                    });
                Value::Tag(index, variant.clone())
            }
            ExprKind::Phase(name) => Value::Tag(phase_index(self.machine, name), name.clone()),
            ExprKind::StructLit { name, fields } => {
                let def = struct_def(self.machine, name);
                let mut slots: Vec<Option<Value>> = vec![None; def.fields.len()];
                for (field, expr) in fields {
                    let index = def
                        .fields
                        .iter()
                        .position(|f| &f.name == field)
                        .unwrap_or_else(|| malformed(format!("unknown field {name}.{field}")));
                    slots[index] = Some(self.eval(expr, scope)?);
                }
                Value::Struct(
                    slots
                        .into_iter()
                        .zip(&def.fields)
                        .map(|(slot, f)| {
                            slot.unwrap_or_else(|| malformed(format!("missing {name}.{}", f.name)))
                        })
                        .collect(),
                )
            }
            ExprKind::SelfField(name) => self.read_field(self.state, name),
            ExprKind::Old(name) => self.read_field(self.pre, name),
            ExprKind::InputField(name) => self
                .input
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| malformed(format!("unknown input field `{name}`"))),
            ExprKind::Var(name) => scope.lookup(name).clone(),
            ExprKind::Field(inner, field) => {
                let Ty::Struct(name) = &inner.ty else {
                    malformed(format!(".{field} on a {}", inner.ty.spec_name()))
                };
                let index = struct_def(self.machine, name)
                    .fields
                    .iter()
                    .position(|f| &f.name == field)
                    .unwrap_or_else(|| malformed(format!("unknown field {name}.{field}")));
                match self.eval(inner, scope)? {
                    Value::Struct(mut values) if index < values.len() => values.swap_remove(index),
                    other => malformed(format!(".{field} on {other:?}")),
                }
            }
            ExprKind::Coerce(inner) => self.eval(inner, scope)?,
            ExprKind::Not(inner) => Value::Bool(!self.eval_bool(inner, scope)?),
            ExprKind::Neg(inner) => match self.eval(inner, scope)? {
                Value::I64(n) => Value::I64(n.checked_neg().ok_or(Fault::Overflow)?),
                other => malformed(format!("negation of {other:?}")),
            },
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, scope)?,
            ExprKind::Len(inner) => {
                let len = match self.eval(inner, scope)? {
                    Value::Seq(items) => items.len(),
                    Value::Set(items) => items.len(),
                    Value::Map(entries) => entries.len(),
                    other => malformed(format!("len() of {other:?}")),
                };
                // A usize always fits in a u64 on the platforms Rust supports.
                Value::U64(u64::try_from(len).map_err(|_| Fault::Overflow)?)
            }
            ExprKind::IsEmpty(inner) => Value::Bool(match self.eval(inner, scope)? {
                Value::Seq(items) => items.is_empty(),
                Value::Set(items) => items.is_empty(),
                Value::Map(entries) => entries.is_empty(),
                other => malformed(format!("is_empty() of {other:?}")),
            }),
            ExprKind::IsSome(inner) => Value::Bool(self.eval_option(inner, scope)?.is_some()),
            ExprKind::IsNone(inner) => Value::Bool(self.eval_option(inner, scope)?.is_none()),
            ExprKind::Unwrap(inner) => self.eval_option(inner, scope)?.ok_or(Fault::Absent)?,
            ExprKind::UnwrapOr(inner, default) => {
                // Both sides are evaluated first, as Rust's `unwrap_or(e)` does: a fault
                // in the default rejects even when the option holds a value.
                let option = self.eval_option(inner, scope)?;
                let default = self.eval(default, scope)?;
                option.unwrap_or(default)
            }
            ExprKind::Get(map, key) => {
                let map = self.eval_map(map, scope)?;
                let key = self.eval(key, scope)?;
                Value::Option(map.get(&key).cloned().map(Box::new))
            }
            ExprKind::Index(map, key) => {
                let mut map = self.eval_map(map, scope)?;
                let key = self.eval(key, scope)?;
                map.remove(&key).ok_or(Fault::Absent)?
            }
            ExprKind::Front(inner) => match self.eval(inner, scope)? {
                Value::Seq(mut items) => Value::Option(items.pop_front().map(Box::new)),
                other => malformed(format!("front() of {other:?}")),
            },
            ExprKind::Quant {
                kind,
                binder,
                collection,
                body,
            } => {
                let want = match kind {
                    Quantifier::All => false,
                    Quantifier::Any => true,
                };
                // `all` stops at the first false body, `any` at the first true one.
                for element in elements(self.eval(collection, scope)?) {
                    let holds =
                        with_binding(binder, element, scope, |scope| self.eval_bool(body, scope))?;
                    if holds == want {
                        return Ok(Value::Bool(want));
                    }
                }
                Value::Bool(!want)
            }
        })
    }

    fn eval_option(&self, e: &Expr, scope: &Scope<'_>) -> Result<Option<Value>, Fault> {
        match self.eval(e, scope)? {
            Value::Option(inner) => Ok(inner.map(|b| *b)),
            other => malformed(format!("expected an option, got {other:?}")),
        }
    }

    fn eval_map(&self, e: &Expr, scope: &Scope<'_>) -> Result<BTreeMap<Value, Value>, Fault> {
        match self.eval(e, scope)? {
            Value::Map(entries) => Ok(entries),
            other => malformed(format!("expected a map, got {other:?}")),
        }
    }

    fn binary(
        &self,
        op: BinOp,
        left: &Expr,
        right: &Expr,
        scope: &Scope<'_>,
    ) -> Result<Value, Fault> {
        // The logical operators short-circuit left to right (decision 3).
        match op {
            BinOp::And => {
                return Ok(Value::Bool(
                    self.eval_bool(left, scope)? && self.eval_bool(right, scope)?,
                ));
            }
            BinOp::Or => {
                return Ok(Value::Bool(
                    self.eval_bool(left, scope)? || self.eval_bool(right, scope)?,
                ));
            }
            BinOp::Implies => {
                return Ok(Value::Bool(
                    !self.eval_bool(left, scope)? || self.eval_bool(right, scope)?,
                ));
            }
            _ => {}
        }
        let l = self.eval(left, scope)?;
        let r = self.eval(right, scope)?;
        Ok(match op {
            BinOp::Eq => Value::Bool(l == r),
            BinOp::Ne => Value::Bool(l != r),
            BinOp::Lt => Value::Bool(l < r),
            BinOp::Le => Value::Bool(l <= r),
            BinOp::Gt => Value::Bool(l > r),
            BinOp::Ge => Value::Bool(l >= r),
            BinOp::In => Value::Bool(match r {
                Value::Seq(items) => items.contains(&l),
                Value::Set(items) => items.contains(&l),
                Value::Map(entries) => entries.contains_key(&l),
                other => malformed(format!("`in` over {other:?}")),
            }),
            BinOp::Add => arithmetic(l, r, u64::checked_add, i64::checked_add)?,
            BinOp::Sub => arithmetic(l, r, u64::checked_sub, i64::checked_sub)?,
            BinOp::And | BinOp::Or | BinOp::Implies => unreachable!("handled above"),
        })
    }
}

/// Checked `+`/`-` on two integers of the same kind.
fn arithmetic(
    l: Value,
    r: Value,
    unsigned: fn(u64, u64) -> Option<u64>,
    signed: fn(i64, i64) -> Option<i64>,
) -> Result<Value, Fault> {
    match (l, r) {
        (Value::U64(a), Value::U64(b)) => unsigned(a, b).map(Value::U64).ok_or(Fault::Overflow),
        (Value::I64(a), Value::I64(b)) => signed(a, b).map(Value::I64).ok_or(Fault::Overflow),
        (l, r) => malformed(format!("arithmetic on {l:?} and {r:?}")),
    }
}

/// A transition being fired: the working copy of the state and the effects so far.
struct Run<'a> {
    machine: &'a Machine,
    pre: &'a State,
    input: &'a [(String, Value)],
    state: State,
    effects: Vec<Json>,
}

impl Run<'_> {
    fn eval(&self, e: &Expr, scope: &Scope<'_>) -> Result<Value, Fault> {
        self.ctx().eval(e, scope)
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            machine: self.machine,
            state: &self.state,
            pre: self.pre,
            input: self.input,
        }
    }

    fn field_mut(&mut self, name: &str) -> &mut Value {
        let index = field_index(self.machine, name);
        &mut self.state.fields[index]
    }

    /// Runs `stmts` in order; stops at a `break`, which it passes on to the enclosing loop.
    /// A `let` runs the rest of the block with its name bound (a recursion per `let`, so
    /// the depth is the number of `let`s in a block).
    fn exec_block(&mut self, stmts: &[Stmt], scope: &Scope<'_>) -> Result<Flow, Fault> {
        for (i, s) in stmts.iter().enumerate() {
            if let Stmt::Let { name, value } = s {
                let value = self.eval(value, scope)?;
                let rest = Scope::Bind {
                    name,
                    value,
                    parent: scope,
                };
                return self.exec_block(&stmts[i + 1..], &rest);
            }
            if self.exec(s, scope)? == Flow::Break {
                return Ok(Flow::Break);
            }
        }
        Ok(Flow::Next)
    }

    fn exec(&mut self, stmt: &Stmt, scope: &Scope<'_>) -> Result<Flow, Fault> {
        match stmt {
            Stmt::Break => return Ok(Flow::Break),
            Stmt::Let { .. } => malformed("`let` outside a block".to_string()),
            Stmt::Assign { field, value } => {
                let value = self.eval(value, scope)?;
                *self.field_mut(field) = value;
            }
            Stmt::AddAssign { field, value } | Stmt::SubAssign { field, value } => {
                let operand = self.eval(value, scope)?;
                let current = self.field_mut(field).clone();
                let result = if matches!(stmt, Stmt::AddAssign { .. }) {
                    arithmetic(current, operand, u64::checked_add, i64::checked_add)?
                } else {
                    arithmetic(current, operand, u64::checked_sub, i64::checked_sub)?
                };
                *self.field_mut(field) = result;
            }
            Stmt::SetInsert { field, value } => {
                let value = self.eval(value, scope)?;
                match self.field_mut(field) {
                    Value::Set(items) => {
                        items.insert(value);
                    }
                    other => malformed(format!("insert into {other:?}")),
                }
            }
            Stmt::SetRemove { field, value } => {
                let value = self.eval(value, scope)?;
                match self.field_mut(field) {
                    Value::Set(items) => {
                        items.remove(&value);
                    }
                    other => malformed(format!("remove from {other:?}")),
                }
            }
            Stmt::MapInsert { field, key, value } => {
                let key = self.eval(key, scope)?;
                let value = self.eval(value, scope)?;
                match self.field_mut(field) {
                    Value::Map(entries) => {
                        entries.insert(key, value);
                    }
                    other => malformed(format!("map insert into {other:?}")),
                }
            }
            Stmt::MapFieldSet {
                field,
                key,
                path,
                value,
            } => {
                let key = self.eval(key, scope)?;
                let value = self.eval(value, scope)?;
                let indices = entry_path_indices(self.machine, field, path);
                let mut place = match self.field_mut(field) {
                    Value::Map(entries) => entries.get_mut(&key).ok_or(Fault::Absent)?,
                    other => malformed(format!("entry field write into {other:?}")),
                };
                for index in indices {
                    place = match place {
                        Value::Struct(values) => values
                            .get_mut(index)
                            .unwrap_or_else(|| malformed(format!("no field {index} in {field}"))),
                        other => malformed(format!("field {index} of {other:?}")),
                    };
                }
                *place = value;
            }
            Stmt::MapRemove { field, key } => {
                let key = self.eval(key, scope)?;
                match self.field_mut(field) {
                    Value::Map(entries) => {
                        entries.remove(&key);
                    }
                    other => malformed(format!("map remove from {other:?}")),
                }
            }
            Stmt::PushBack { field, value } => {
                let value = self.eval(value, scope)?;
                match self.field_mut(field) {
                    Value::Seq(items) => items.push_back(value),
                    other => malformed(format!("push_back onto {other:?}")),
                }
            }
            Stmt::PopFront { field } => match self.field_mut(field) {
                Value::Seq(items) => {
                    items.pop_front();
                }
                other => malformed(format!("pop_front from {other:?}")),
            },
            Stmt::Clear { field } => match self.field_mut(field) {
                Value::Seq(items) => items.clear(),
                Value::Set(items) => items.clear(),
                Value::Map(entries) => entries.clear(),
                other => malformed(format!("clear of {other:?}")),
            },
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                let branch = if self.ctx().eval_bool(cond, scope)? {
                    then
                } else {
                    otherwise
                };
                return self.exec_block(branch, scope);
            }
            Stmt::For {
                binder,
                collection,
                body,
            } => {
                // `eval` returns an owned value: the loop walks a snapshot (decision 8).
                for element in elements(self.eval(collection, scope)?) {
                    let flow =
                        with_binding(binder, element, scope, |scope| self.exec_block(body, scope))?;
                    if flow == Flow::Break {
                        break;
                    }
                }
            }
            Stmt::Emit(emit) => self.emit(emit, scope)?,
        }
        Ok(Flow::Next)
    }

    /// Evaluates the effect's fields (in declaration order, decision 10) and records it.
    fn emit(&mut self, emit: &ir::Emit, scope: &Scope<'_>) -> Result<(), Fault> {
        let def = self
            .machine
            .effect(&emit.effect)
            .unwrap_or_else(|| malformed(format!("unknown effect `{}`", emit.effect)));
        let mut values = Vec::with_capacity(emit.fields.len());
        for (name, expr) in &emit.fields {
            values.push((name, self.eval(expr, scope)?));
        }
        let json = if def.fields.is_empty() {
            Json::String(def.name.clone())
        } else {
            let mut object = JsonMap::new();
            for field in &def.fields {
                let value = values
                    .iter()
                    .find(|(name, _)| **name == field.name)
                    .map(|(_, v)| v)
                    .unwrap_or_else(|| malformed(format!("missing {}.{}", def.name, field.name)));
                object.insert(field.name.clone(), to_json(self.machine, value, &field.ty));
            }
            let mut tagged = JsonMap::new();
            tagged.insert(def.name.clone(), Json::Object(object));
            Json::Object(tagged)
        };
        self.effects.push(json);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// JSON conversion (decision 13): the serde shape of the generated types.

fn to_json(machine: &Machine, value: &Value, ty: &Ty) -> Json {
    match (ty, value) {
        (Ty::Bool, Value::Bool(b)) => Json::Bool(*b),
        (Ty::U64, Value::U64(n)) => Json::from(*n),
        (Ty::I64, Value::I64(n)) => Json::from(*n),
        (Ty::String, Value::Str(s)) => Json::String(s.clone()),
        (Ty::Phase | Ty::Enum(_), Value::Tag(_, name)) => Json::String(name.clone()),
        (Ty::Newtype(name), value) => to_json(machine, value, newtype_base(machine, name)),
        (Ty::Struct(name), Value::Struct(values)) => {
            let def = struct_def(machine, name);
            Json::Object(
                def.fields
                    .iter()
                    .zip(values)
                    .map(|(f, v)| (f.name.clone(), to_json(machine, v, &f.ty)))
                    .collect(),
            )
        }
        (Ty::Option(_), Value::Option(None)) => Json::Null,
        (Ty::Option(inner), Value::Option(Some(v))) => to_json(machine, v, inner),
        (Ty::Seq(inner), Value::Seq(items)) => {
            Json::Array(items.iter().map(|v| to_json(machine, v, inner)).collect())
        }
        (Ty::Set(inner), Value::Set(items)) => {
            Json::Array(items.iter().map(|v| to_json(machine, v, inner)).collect())
        }
        (Ty::Map(key_ty, value_ty), Value::Map(entries)) if key_ty.is_string_key() => Json::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        key_string(machine, k, key_ty),
                        to_json(machine, v, value_ty),
                    )
                })
                .collect(),
        ),
        (Ty::Map(key_ty, value_ty), Value::Map(entries)) => Json::Array(
            entries
                .iter()
                .map(|(k, v)| {
                    Json::Array(vec![
                        to_json(machine, k, key_ty),
                        to_json(machine, v, value_ty),
                    ])
                })
                .collect(),
        ),
        (ty, value) => malformed(format!("{value:?} is not a {}", ty.spec_name())),
    }
}

/// The JSON object key of a map key of a type with a string form ([`Ty::is_string_key`]):
/// integers and bools in their string form, strings as-is, enum variants and phases by
/// name, newtypes as their base. A map keyed by any other type is an array of
/// `[key, value]` pairs instead.
fn key_string(machine: &Machine, key: &Value, ty: &Ty) -> String {
    match (ty, key) {
        (Ty::Newtype(name), key) => key_string(machine, key, newtype_base(machine, name)),
        (Ty::Bool, Value::Bool(b)) => b.to_string(),
        (Ty::U64, Value::U64(n)) => n.to_string(),
        (Ty::I64, Value::I64(n)) => n.to_string(),
        (Ty::String, Value::Str(s)) => s.clone(),
        (Ty::Phase | Ty::Enum(_), Value::Tag(_, name)) => name.clone(),
        (ty, key) => malformed(format!("{key:?} as a key of type {}", ty.spec_name())),
    }
}

/// Inverse of [`key_string`]. Integer keys must be in canonical form (`"7"`, not `"07"`),
/// so that distinct keys in a JSON object are distinct keys in the map.
fn key_from_string(machine: &Machine, key: &str, ty: &Ty, path: &str) -> Result<Value, String> {
    let bad = |what: &str| format!("{path}: map key {key:?} is not {what}");
    match ty {
        Ty::Newtype(name) => key_from_string(machine, key, newtype_base(machine, name), path),
        Ty::Bool => match key {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(bad("a bool")),
        },
        Ty::U64 => match key.parse::<u64>() {
            Ok(n) if n.to_string() == key => Ok(Value::U64(n)),
            _ => Err(bad("a u64")),
        },
        Ty::I64 => match key.parse::<i64>() {
            Ok(n) if n.to_string() == key => Ok(Value::I64(n)),
            _ => Err(bad("an i64")),
        },
        Ty::String => Ok(Value::Str(key.to_owned())),
        Ty::Phase | Ty::Enum(_) => from_json(machine, &Json::String(key.to_owned()), ty, path),
        ty => malformed(format!("a string key of type {}", ty.spec_name())),
    }
}

/// A short name for the kind of a JSON value, for messages.
fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Decodes `json` as a value of type `ty`, accepting what serde's derived `Deserialize`
/// of the generated type accepts: a missing `Option` field is `none`, a struct may also be
/// given as an array of its fields in order, and a set (or a map written as `[key, value]`
/// pairs) may list its elements in any order, but not the same element (or key) twice.
fn from_json(machine: &Machine, json: &Json, ty: &Ty, path: &str) -> Result<Value, String> {
    let expected = |what: &str| format!("{path}: expected {what}, found {}", kind(json));
    match ty {
        Ty::Bool => json
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| expected("a bool")),
        Ty::U64 => json
            .as_u64()
            .map(Value::U64)
            .ok_or_else(|| expected("a u64")),
        Ty::I64 => json
            .as_i64()
            .map(Value::I64)
            .ok_or_else(|| expected("an i64")),
        Ty::String => json
            .as_str()
            .map(|s| Value::Str(s.to_owned()))
            .ok_or_else(|| expected("a string")),
        Ty::Phase => {
            let name = json.as_str().ok_or_else(|| expected("a phase name"))?;
            machine
                .phases
                .iter()
                .position(|p| p.name == name)
                .map(|index| Value::Tag(index, name.to_owned()))
                .ok_or_else(|| format!("{path}: unknown phase {name:?}"))
        }
        Ty::Enum(enum_name) => {
            let name = json.as_str().ok_or_else(|| expected("a variant name"))?;
            enum_def(machine, enum_name)
                .variants
                .iter()
                .position(|v| v.name == name)
                .map(|index| Value::Tag(index, name.to_owned()))
                .ok_or_else(|| format!("{path}: unknown {enum_name} variant {name:?}"))
        }
        Ty::Newtype(name) => from_json(machine, json, newtype_base(machine, name), path),
        Ty::Struct(name) => {
            let fields = &struct_def(machine, name).fields;
            fields_from_json(machine, json, fields, path).map(Value::Struct)
        }
        Ty::Option(inner) => match json {
            Json::Null => Ok(Value::Option(None)),
            json => Ok(Value::Option(Some(Box::new(from_json(
                machine, json, inner, path,
            )?)))),
        },
        Ty::Seq(inner) => {
            let items = json.as_array().ok_or_else(|| expected("an array"))?;
            items
                .iter()
                .enumerate()
                .map(|(i, item)| from_json(machine, item, inner, &format!("{path}[{i}]")))
                .collect::<Result<VecDeque<_>, _>>()
                .map(Value::Seq)
        }
        Ty::Set(inner) => {
            let items = json.as_array().ok_or_else(|| expected("an array"))?;
            let mut set = BTreeSet::new();
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                if !set.insert(from_json(machine, item, inner, &item_path)?) {
                    return Err(format!("{item_path}: duplicate set element {item}"));
                }
            }
            Ok(Value::Set(set))
        }
        Ty::Map(key_ty, value_ty) if key_ty.is_string_key() => {
            let object = json.as_object().ok_or_else(|| expected("an object"))?;
            let mut entries = BTreeMap::new();
            for (key, value) in object {
                let item_path = format!("{path}[{key:?}]");
                let key_value = key_from_string(machine, key, key_ty, path)?;
                let value = from_json(machine, value, value_ty, &item_path)?;
                // A `serde_json::Value` holds each object key once; integer keys are
                // canonical, so two of them never name the same key either.
                if entries.insert(key_value, value).is_some() {
                    return Err(format!("{item_path}: duplicate map key {key:?}"));
                }
            }
            Ok(Value::Map(entries))
        }
        Ty::Map(key_ty, value_ty) => {
            let pairs = json
                .as_array()
                .ok_or_else(|| expected("an array of [key, value] pairs"))?;
            let mut entries = BTreeMap::new();
            for (i, pair) in pairs.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                let [key, value] = pair.as_array().map(Vec::as_slice).unwrap_or_default() else {
                    let found = match pair {
                        Json::Array(items) => format!("an array of {}", items.len()),
                        other => kind(other).to_owned(),
                    };
                    return Err(format!(
                        "{item_path}: expected a [key, value] pair, found {found}"
                    ));
                };
                let key_value = from_json(machine, key, key_ty, &format!("{item_path}[0]"))?;
                let value = from_json(machine, value, value_ty, &format!("{item_path}[1]"))?;
                if entries.insert(key_value, value).is_some() {
                    return Err(format!("{item_path}: duplicate map key {key}"));
                }
            }
            Ok(Value::Map(entries))
        }
    }
}

/// Decodes the fields of a struct or input, from an object or an array in field order.
fn fields_from_json(
    machine: &Machine,
    json: &Json,
    fields: &[ir::Field],
    path: &str,
) -> Result<Vec<Value>, String> {
    match json {
        Json::Object(object) => {
            no_unknown_fields(object, fields.iter().map(|f| f.name.as_str()), path)?;
            fields
                .iter()
                .map(|f| field_from_json(machine, object, &f.name, &f.ty, path))
                .collect()
        }
        Json::Array(items) if items.len() == fields.len() => fields
            .iter()
            .zip(items)
            .map(|(f, item)| from_json(machine, item, &f.ty, &format!("{path}.{}", f.name)))
            .collect(),
        Json::Array(items) => Err(format!(
            "{path}: expected {} fields, found an array of {}",
            fields.len(),
            items.len()
        )),
        _ => Err(format!("{path}: expected an object, found {}", kind(json))),
    }
}

/// Refuses a key of `object` that is not one of `names`, as the generated types do
/// (`#[serde(deny_unknown_fields)]`).
fn no_unknown_fields<'a>(
    object: &JsonMap<String, Json>,
    names: impl Iterator<Item = &'a str> + Clone,
    path: &str,
) -> Result<(), String> {
    match object
        .keys()
        .find(|key| !names.clone().any(|name| name == *key))
    {
        Some(key) => Err(format!("{path}: unknown field `{key}`")),
        None => Ok(()),
    }
}

fn field_from_json(
    machine: &Machine,
    object: &JsonMap<String, Json>,
    name: &str,
    ty: &Ty,
    path: &str,
) -> Result<Value, String> {
    let path = format!("{path}.{name}");
    match (object.get(name), ty) {
        (Some(json), ty) => from_json(machine, json, ty, &path),
        (None, Ty::Option(_)) => Ok(Value::Option(None)),
        (None, _) => Err(format!("{path}: missing field")),
    }
}

/// Decodes an externally tagged `Input`: `"Signal"`, `{"Signal": null}` or
/// `{"Name": {fields}}`. Returns the input's declaration and its fields by name.
fn decode_input<'m>(
    machine: &'m Machine,
    json: &Json,
) -> Result<(&'m ir::Message, InputFields), String> {
    let (name, body) = match json {
        Json::String(name) => (name.as_str(), None),
        Json::Object(object) if object.len() == 1 => match object.iter().next() {
            Some((name, body)) => (name.as_str(), Some(body)),
            None => return Err("expected an object with one key".to_owned()),
        },
        other => {
            return Err(format!(
                "expected a string or an object with one key, found {}",
                kind(other)
            ));
        }
    };
    let message = machine
        .input(name)
        .ok_or_else(|| format!("unknown input {name:?}"))?;
    let values = match body {
        None | Some(Json::Null) if message.fields.is_empty() => Vec::new(),
        None | Some(Json::Null) => {
            return Err(format!("input `{name}` has fields; expected an object"));
        }
        Some(_) if message.fields.is_empty() => {
            return Err(format!("input `{name}` has no fields; expected {name:?}"));
        }
        Some(body) => fields_from_json(machine, body, &message.fields, name)?,
    };
    let fields = message
        .fields
        .iter()
        .map(|f| f.name.clone())
        .zip(values)
        .collect();
    Ok((message, fields))
}

#[cfg(test)]
mod tests;
