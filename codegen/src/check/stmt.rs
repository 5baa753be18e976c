//! Update statements and emits.

use super::expr::{BlockExit, Ended, Scope};
use super::{Checked, Checker, Reported};
use crate::ast::{self, AssignOp, Ident, Span};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{self, Ty};

/// Statement methods per collection type, for checking and suggestions.
fn statement_methods(ty: &Ty) -> &'static [&'static str] {
    match ty {
        Ty::Set(_) => &["insert", "remove", "clear"],
        Ty::Map(..) => &["remove", "clear"],
        Ty::Seq(_) => &["push_back", "pop_front", "clear"],
        _ => &[],
    }
}

impl Checker<'_> {
    /// Checks a block; every statement is checked even after a failing one.
    pub(crate) fn block(&mut self, sc: &mut Scope, stmts: &[ast::Stmt]) -> Checked<Vec<ir::Stmt>> {
        self.block_exit(sc, stmts).0
    }

    /// `block`, and the facts that hold at its end (the scope itself is left as before).
    pub(crate) fn block_exit(
        &mut self,
        sc: &mut Scope,
        stmts: &[ast::Stmt],
    ) -> (Checked<Vec<ir::Stmt>>, BlockExit) {
        let mut out = Vec::new();
        let mut failed = false;
        // Facts a statement adds (guard clauses) or kills (writes) hold until the end of the
        // block; the enclosing block kills, in its turn, what this whole statement writes.
        let saved = (sc.facts.clone(), sc.facts_incomplete, sc.ended.len());
        // `let` names last until the end of the block.
        let depth = sc.vars.len();
        for s in stmts {
            let checked = self.stmt(sc, s);
            after_statement(sc, s, checked.as_ref().ok());
            match checked {
                Ok(s) => out.push(s),
                Err(_) => failed = true,
            }
        }
        // Facts about this block's `let` names end with them: after the block the same
        // name may be bound again, to another value.
        let own: Vec<&str> = sc.vars[depth..]
            .iter()
            .map(|(n, _, _)| n.as_str())
            .collect();
        let mut facts = std::mem::replace(&mut sc.facts, saved.0);
        facts.retain(|fact| !reads_var(fact, &own));
        let exit = BlockExit {
            facts,
            incomplete: sc.facts_incomplete,
            ended: sc.ended[saved.2..].to_vec(),
            diverges: stmts.iter().any(diverges),
        };
        sc.facts_incomplete = saved.1;
        // What ended facts that only this block had is no explanation outside it.
        sc.ended.truncate(saved.2);
        sc.vars.truncate(depth);
        // The generated Rust would have unreachable code, which its lints refuse.
        if let Some(at) = stmts.iter().position(diverges)
            && let Some(next) = stmts.get(at + 1)
        {
            let d = Diagnostic::new(
                Code::MisplacedBreak,
                stmt_span(next),
                "this statement never runs: the loop has already ended",
            )
            .label("unreachable")
            .secondary(stmt_span(&stmts[at]), "the loop ends here")
            .help("move it before the `break`, or remove it");
            self.report(d);
            failed = true;
        }
        (if failed { Err(Reported) } else { Ok(out) }, exit)
    }

    /// The type of a state field written by a statement; `self.phase` is read-only.
    fn target_field(&mut self, field: &Ident) -> Checked<Ty> {
        if field.name == "phase" {
            let d = Diagnostic::new(
                Code::ReadOnly,
                field.span,
                "`self.phase` cannot be written in an `update` block",
            )
            .label("read-only")
            .help("the phase changes only through the transition's `-> Phase` target");
            return Err(self.report(d));
        }
        self.self_field(field)
    }

    fn stmt(&mut self, sc: &mut Scope, s: &ast::Stmt) -> Checked<ir::Stmt> {
        match s {
            ast::Stmt::Assign {
                field, op, value, ..
            } => {
                let ty = match self.target_field(field) {
                    Ok(ty) => ty,
                    Err(_) => {
                        // Still look inside the value for its own problems.
                        if !matches!(
                            value.kind,
                            ast::ExprKind::Int(_)
                                | ast::ExprKind::None
                                | ast::ExprKind::EmptySeq
                                | ast::ExprKind::EmptyBraces
                        ) {
                            let _ = self.infer(sc, value);
                        }
                        return Err(Reported);
                    }
                };
                if *op != AssignOp::Set && !self.env.is_numeric(&ty) {
                    let sym = if *op == AssignOp::Add { "+=" } else { "-=" };
                    let d = Diagnostic::new(
                        Code::BadOperation,
                        field.span,
                        format!(
                            "`{sym}` needs a number, but `self.{}` is `{}`",
                            field.name,
                            ty.spec_name()
                        ),
                    )
                    .label(format!("`{}`", ty.spec_name()));
                    return Err(self.report(d));
                }
                let value = self.check_expr(sc, value, &ty)?;
                let field = field.name.clone();
                Ok(match op {
                    AssignOp::Set => ir::Stmt::Assign { field, value },
                    AssignOp::Add => ir::Stmt::AddAssign { field, value },
                    AssignOp::Sub => ir::Stmt::SubAssign { field, value },
                })
            }
            ast::Stmt::IndexAssign {
                field, key, value, ..
            } => {
                let ty = self.target_field(field)?;
                let Ty::Map(k, v) = ty else {
                    let d = Diagnostic::new(
                        Code::BadOperation,
                        field.span,
                        format!(
                            "`self.{}[...] = ...` needs a `Map`, but `self.{}` is `{}`",
                            field.name,
                            field.name,
                            ty.spec_name()
                        ),
                    )
                    .label("not a map");
                    return Err(self.report(d));
                };
                let key = self.check_expr(sc, key, &k);
                let value = self.check_expr(sc, value, &v);
                Ok(ir::Stmt::MapInsert {
                    field: field.name.clone(),
                    key: key?,
                    value: value?,
                })
            }
            ast::Stmt::EntryFieldAssign {
                field,
                key,
                path,
                value,
                span,
            } => self.entry_field_assign(sc, field, key, path, value, *span),
            ast::Stmt::Call {
                field,
                method,
                args,
                ..
            } => self.method_stmt(sc, field, method, args),
            ast::Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                let cond = self.check_expr(sc, cond, &Ty::Bool);
                let saved = (sc.facts.len(), sc.facts_incomplete);
                sc.assume(&cond);
                let (then, then_exit) = self.block_exit(sc, then);
                sc.facts.truncate(saved.0);
                sc.facts_incomplete = saved.1;
                // The other branch runs where the condition is false.
                sc.assume_false(&cond);
                let (otherwise, else_exit) = self.block_exit(sc, otherwise);
                sc.facts.truncate(saved.0);
                sc.facts_incomplete = saved.1;
                sc.if_exit = Some(merge_exits(then_exit, else_exit));
                Ok(ir::Stmt::If {
                    cond: cond?,
                    then: then?,
                    otherwise: otherwise?,
                })
            }
            ast::Stmt::For {
                binder,
                collection,
                body,
                ..
            } => {
                let over = collection.span;
                // The enclosing block ends, after the loop, what the loop's writes may make
                // false; what happens here is for the body only.
                let outside = (sc.facts.clone(), sc.ended.len());
                let checked = self.in_binder_scope(sc, "for", binder, collection, |this, sc| {
                    // The collection is read once, with the facts before the loop; a second
                    // iteration runs after the body's writes of the first, so the body is
                    // checked without the facts those writes may end.
                    forget_facts_about(sc, s, Ended::LaterIteration);
                    sc.loops += 1;
                    let body = this.block(sc, body);
                    sc.loops -= 1;
                    body
                });
                sc.facts = outside.0;
                sc.ended.truncate(outside.1);
                let (collection, binder, checked) = checked?;
                if let Some(end) = body.iter().find(|s| diverges(s)) {
                    let d = Diagnostic::new(
                        Code::MisplacedBreak,
                        stmt_span(end),
                        "this loop always ends at its first element",
                    )
                    .label("ends the loop whatever the element")
                    .secondary(over, "in the loop over this")
                    .help("break only under a condition that some elements do not meet, or use `if` instead of a loop");
                    return Err(self.report(d));
                }
                let body = checked;
                Ok(ir::Stmt::For {
                    binder,
                    collection,
                    body,
                })
            }
            ast::Stmt::Break { span } => {
                if sc.loops == 0 {
                    let d = Diagnostic::new(
                        Code::MisplacedBreak,
                        *span,
                        "`break` outside a `for` loop",
                    )
                    .label("no loop to end")
                    .help("`break` ends the innermost `for` loop of an `update` block");
                    return Err(self.report(d));
                }
                Ok(ir::Stmt::Break)
            }
            ast::Stmt::Let {
                name, ty, value, ..
            } => {
                let fresh = self.check_new_variable(sc, name, None);
                let value = match ty {
                    // The value must fit the written type (literals and `none`, `[]`, `{}`
                    // take it from there).
                    Some(ty) => match self.resolve_ty(ty) {
                        Ok(ty) => self.check_expr(sc, value, &ty),
                        Err(reported) => Err(reported),
                    },
                    None => self.infer(sc, value),
                };
                // Declared even when something failed, so later uses are not reported as
                // undefined; a value that did not check has no type, and neither has a
                // refused name (its uses may mean the input field it shadows).
                let ty = value.as_ref().ok().filter(|_| fresh).map(|v| v.ty.clone());
                sc.vars.push((name.name.clone(), ty, name.span));
                if !fresh {
                    return Err(Reported);
                }
                Ok(ir::Stmt::Let {
                    name: name.name.clone(),
                    value: value?,
                })
            }
            ast::Stmt::Emit(e) => Ok(ir::Stmt::Emit(self.emit(sc, e)?)),
        }
    }

    /// `self.m[k].a.b = v;`: the entry must be established like `self.m[k]` as a value,
    /// and the path must name struct fields.
    fn entry_field_assign(
        &mut self,
        sc: &mut Scope,
        field: &Ident,
        key: &ast::Expr,
        path: &[Ident],
        value: &ast::Expr,
        span: Span,
    ) -> Checked<ir::Stmt> {
        let ty = self.target_field(field)?;
        let Ty::Map(k, v) = ty.clone() else {
            let d = Diagnostic::new(
                Code::BadOperation,
                field.span,
                format!(
                    "`self.{}[...].{} = ...` needs a `Map`, but `self.{}` is `{}`",
                    field.name,
                    path.first().map_or("", |p| p.name.as_str()),
                    field.name,
                    ty.spec_name()
                ),
            )
            .label("not a map");
            let _ = self.infer_quiet(sc, key);
            let _ = self.infer_quiet(sc, value);
            return Err(self.report(d));
        };
        let key_ir = self.check_expr(sc, key, &k);
        // A path into an entry that has no such field is the error to report; whether the
        // entry exists is moot then.
        let leaf = self.entry_path(field, &v, path);
        if let (Ok(key_ir), Ok(_)) = (&key_ir, &leaf) {
            let map_ir = ir::Expr {
                kind: ir::ExprKind::SelfField(field.name.clone()),
                ty: ty.clone(),
            };
            let fact = ir::Expr {
                kind: ir::ExprKind::Binary(
                    ast::BinOp::In,
                    Box::new(key_ir.clone()),
                    Box::new(map_ir),
                ),
                ty: Ty::Bool,
            };
            // The entry as an expression, for the message; underlined up to the field written.
            let end = path.last().map_or(key.span.end, |p| p.span.end);
            let entry = ast::Expr {
                kind: ast::ExprKind::Index(
                    Box::new(ast::Expr {
                        kind: ast::ExprKind::SelfField(field.clone()),
                        span: Span::new(span.start, field.span.end),
                    }),
                    Box::new(key.clone()),
                ),
                span: Span::new(span.start, end),
            };
            self.require(sc, &entry, &fact, |show| {
                format!("{} in self.{}", show(key), field.name)
            });
        }
        let value = match &leaf {
            Ok(leaf) => self.check_expr(sc, value, leaf),
            Err(_) => {
                let _ = self.infer_quiet(sc, value);
                Err(Reported)
            }
        };
        Ok(ir::Stmt::MapFieldSet {
            field: field.name.clone(),
            key: key_ir?,
            path: path.iter().map(|p| p.name.clone()).collect(),
            value: value?,
        })
    }

    /// The type of the field `path` names inside an entry of type `entry` of `self.field`.
    fn entry_path(&mut self, field: &Ident, entry: &Ty, path: &[Ident]) -> Checked<Ty> {
        let mut cur = entry.clone();
        for (i, step) in path.iter().enumerate() {
            let fields = match &cur {
                Ty::Struct(s) => self.env.struct_fields(s).map(<[_]>::to_vec),
                _ => None,
            };
            let Some(fields) = fields else {
                let label = if i == 0 {
                    format!(
                        "the entries of `self.{}` are `{}`",
                        field.name,
                        cur.spec_name()
                    )
                } else {
                    "field access on a non-struct value".to_string()
                };
                let mut d = Diagnostic::new(
                    Code::BadOperation,
                    step.span,
                    format!("`{}` has no fields", cur.spec_name()),
                )
                .label(label);
                if i == 0 {
                    d = d.help(format!(
                        "replace the whole entry instead: `self.{}[...] = ...;`",
                        field.name
                    ));
                }
                return Err(self.report(d));
            };
            let Ty::Struct(sname) = &cur else {
                return Err(Reported);
            };
            cur = match fields.iter().find(|(n, _)| n == &step.name) {
                Some((_, Some(ty))) => ty.clone(),
                Some((_, None)) => return Err(Reported),
                None => {
                    let mut d = Diagnostic::new(
                        Code::UnknownField,
                        step.span,
                        format!("struct `{sname}` has no field `{}`", step.name),
                    )
                    .label("unknown field");
                    if let Some(s) =
                        did_you_mean(&step.name, fields.iter().map(|(n, _)| n.as_str()))
                    {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    return Err(self.report(d));
                }
            };
        }
        Ok(cur)
    }

    fn method_stmt(
        &mut self,
        sc: &mut Scope,
        field: &Ident,
        method: &Ident,
        args: &[ast::Expr],
    ) -> Checked<ir::Stmt> {
        let ty = self.target_field(field)?;
        let m = method.name.as_str();
        let methods = statement_methods(&ty);
        if !methods.contains(&m) {
            let mut d = Diagnostic::new(
                Code::BadOperation,
                method.span,
                if methods.is_empty() {
                    format!(
                        "`self.{}` is `{}`, which has no update methods",
                        field.name,
                        ty.spec_name()
                    )
                } else {
                    format!("`{}` has no update method `{m}`", ty.spec_name())
                },
            )
            .label("unknown method");
            if matches!(ty, Ty::Map(..)) && ["insert", "set", "put", "add"].contains(&m) {
                d = d.help(format!(
                    "an entry is inserted or replaced by assigning it: `self.{}[key] = value;`",
                    field.name
                ));
            } else if let Some(s) = did_you_mean(m, methods.iter().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            } else if !methods.is_empty() {
                let list: Vec<String> = methods.iter().map(|m| format!("`{m}`")).collect();
                d = d.help(format!("available here: {}", list.join(", ")));
            } else if matches!(
                ty,
                Ty::Bool | Ty::U64 | Ty::I64 | Ty::String | Ty::Option(_)
            ) {
                d = d.help(format!("assign it instead: `self.{} = ...;`", field.name));
            }
            return Err(self.report(d));
        }
        let arity = match m {
            "insert" | "remove" | "push_back" => 1,
            _ => 0,
        };
        if args.len() != arity {
            let d = Diagnostic::new(
                Code::BadOperation,
                method.span,
                format!(
                    "`{m}` takes {arity} argument{}, {} given",
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
            )
            .label("wrong number of arguments");
            return Err(self.report(d));
        }
        let f = field.name.clone();
        Ok(match (&ty, m) {
            (_, "clear") => ir::Stmt::Clear { field: f },
            (_, "pop_front") => ir::Stmt::PopFront { field: f },
            (Ty::Seq(t), _) => ir::Stmt::PushBack {
                field: f,
                value: self.check_expr(sc, &args[0], t)?,
            },
            (Ty::Set(t), "insert") => ir::Stmt::SetInsert {
                field: f,
                value: self.check_expr(sc, &args[0], t)?,
            },
            (Ty::Set(t), _) => ir::Stmt::SetRemove {
                field: f,
                value: self.check_expr(sc, &args[0], t)?,
            },
            (Ty::Map(k, _), _) => ir::Stmt::MapRemove {
                field: f,
                key: self.check_expr(sc, &args[0], k)?,
            },
            _ => return Err(Reported),
        })
    }

    /// `emit Effect { ... };` (top-level or nested).
    pub(crate) fn emit(&mut self, sc: &mut Scope, e: &ast::Emit) -> Checked<ir::Emit> {
        self.emitted.insert(e.effect.name.clone());
        let Some(info) = self.env.effect(&e.effect.name).cloned() else {
            self.incomplete_effects = true;
            let names: Vec<String> = self.env.effects.iter().map(|m| m.name.clone()).collect();
            let mut d = Diagnostic::new(
                Code::UndefinedName,
                e.effect.span,
                format!("unknown effect `{}`", e.effect.name),
            )
            .label("not a declared effect");
            if let Some(s) = did_you_mean(&e.effect.name, names.iter().map(String::as_str)) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            return Err(self.report(d));
        };
        if e.fields.is_empty() && !info.fields.is_empty() {
            let names: Vec<String> = info.fields.iter().map(|(n, _)| format!("`{n}`")).collect();
            let example: Vec<String> = info
                .fields
                .iter()
                .map(|(n, _)| format!("{n}: ..."))
                .collect();
            let d = Diagnostic::new(
                Code::MissingField,
                e.effect.span,
                format!("effect `{}` has fields, but none are given", e.effect.name),
            )
            .label(format!("missing {}", names.join(", ")))
            .help(format!(
                "write `emit {} {{ {} }};`",
                e.effect.name,
                example.join(", ")
            ));
            return Err(self.report(d));
        }
        let fields = self.field_inits(sc, "effect", &e.effect, &info.fields, &e.fields)?;
        Ok(ir::Emit {
            effect: e.effect.name.clone(),
            fields,
        })
    }
}

/// What holds after an `if` whose branches end with `a` and `b`: the facts both end
/// with; a branch that never reaches its end (it breaks) adds no constraint.
fn merge_exits(a: BlockExit, b: BlockExit) -> BlockExit {
    let (facts, incomplete) = match (a.diverges, b.diverges) {
        (true, false) => (b.facts, b.incomplete),
        (false, true) => (a.facts, a.incomplete),
        // Both break: nothing runs after it (E0305 reports what would). Otherwise what
        // both end with, spelled either way (`self.o.is_some()` after one branch,
        // `!self.o.is_none()` after the other).
        _ => (
            a.facts
                .into_iter()
                .filter(|f| super::establish::established(&b.facts, f))
                .collect(),
            a.incomplete || b.incomplete,
        ),
    };
    BlockExit {
        facts,
        incomplete,
        ended: Vec::new(),
        diverges: a.diverges && b.diverges,
    }
}

/// Whether control never gets past `s`: a `break`, or an `if` whose branches both end in
/// one.
fn diverges(s: &ast::Stmt) -> bool {
    match s {
        ast::Stmt::Break { .. } => true,
        ast::Stmt::If {
            then, otherwise, ..
        } => then.iter().any(diverges) && otherwise.iter().any(diverges),
        _ => false,
    }
}

fn stmt_span(s: &ast::Stmt) -> Span {
    match s {
        ast::Stmt::Assign { span, .. }
        | ast::Stmt::IndexAssign { span, .. }
        | ast::Stmt::EntryFieldAssign { span, .. }
        | ast::Stmt::Call { span, .. }
        | ast::Stmt::If { span, .. }
        | ast::Stmt::For { span, .. }
        | ast::Stmt::Break { span }
        | ast::Stmt::Let { span, .. } => *span,
        ast::Stmt::Emit(e) => e.span,
    }
}

/// Drops the facts that `s` may make false, anywhere inside it: a fact that reads a field
/// `s` writes ends, except that a membership fact (`k in self.m`, `self.m.get(k) != none`)
/// survives writes that cannot remove the key (writing a field of an entry, inserting).
/// So `k in self.m` does not survive `self.m.remove(j)`, `self.m.clear()` or
/// `self.m = ..`, and `self.o.is_some()` does not survive `self.o = ..`.
/// Updates the facts after `s` ran: forgets what it may have made false, then learns what
/// it made true (`checked` is its IR, if it checked).
pub(crate) fn after_statement(sc: &mut Scope, s: &ast::Stmt, checked: Option<&ir::Stmt>) {
    forget_facts_about(sc, s, Ended::Before);
    if let ast::Stmt::If { .. } = s {
        // What both branches end with; for a guard clause `if !c { ..; break; }`, `c`.
        if let Some(exit) = sc.if_exit.take() {
            for fact in exit.facts {
                if !sc.facts.contains(&fact) {
                    sc.facts.push(fact);
                }
            }
            sc.facts_incomplete |= exit.incomplete;
        }
    } else if let Some(checked) = checked {
        learn_from_write(sc, checked);
    }
}

pub(crate) fn forget_facts_about(sc: &mut Scope, s: &ast::Stmt, how: Ended) {
    let mut written = Vec::new();
    writes_of(s, &mut written);
    if written.is_empty() {
        return;
    }
    let mut kept = Vec::with_capacity(sc.facts.len());
    for fact in std::mem::take(&mut sc.facts) {
        let ender = written.iter().find(|w| ends(&fact, w));
        match ender {
            // Remembered for the message if the fact is needed later.
            Some(w) => sc.ended.push((fact, w.span, how)),
            None => kept.push(fact),
        }
    }
    sc.facts = kept;
}

/// What a write makes true: `self.o = some(..)` that `self.o` has a value, and
/// `self.m[k] = v` that `k in self.m` (when `k` does not read `self.m`).
fn learn_from_write(sc: &mut Scope, s: &ir::Stmt) {
    let field = |f: &str, ty: &Ty| ir::Expr {
        kind: ir::ExprKind::SelfField(f.to_string()),
        ty: ty.clone(),
    };
    let fact = match s {
        ir::Stmt::Assign { field: f, value } if matches!(value.kind, ir::ExprKind::Some(_)) => {
            ir::ExprKind::IsSome(Box::new(field(f, &value.ty)))
        }
        ir::Stmt::MapInsert { field: f, key, .. } if !reads_field(key, f) => ir::ExprKind::Binary(
            ir::BinOp::In,
            Box::new(key.clone()),
            Box::new(field(f, &Ty::Bool)),
        ),
        _ => return,
    };
    sc.assume(&Ok(ir::Expr {
        kind: fact,
        ty: Ty::Bool,
    }));
}

/// One write of a statement, as far as facts are concerned.
struct Write {
    field: String,
    /// It may remove elements or replace the whole value.
    shrinks: bool,
    /// `self.m[k].f.. = v`: the first field of the entry it writes.
    entry_field: Option<String>,
    span: Span,
}

/// Whether `w` may make `fact` false: the fact reads the written field, and is neither a
/// membership fact (which only shrinking writes end) nor, for a write of one field of an
/// entry, about other fields of the map's entries only.
fn ends(fact: &ir::Expr, w: &Write) -> bool {
    if !reads_field(fact, &w.field) {
        return false;
    }
    if w.shrinks {
        return true;
    }
    if is_membership(fact, &w.field) {
        return false;
    }
    match &w.entry_field {
        Some(written) => !reads_only_other_entry_fields(fact, &w.field, written),
        None => true,
    }
}

/// Whether every read of `self.<map>` in `e` is `self.<map>[k].f` with `f` other than
/// `written` (and `k` itself not reading the map).
fn reads_only_other_entry_fields(e: &ir::Expr, map: &str, written: &str) -> bool {
    use ir::ExprKind as K;
    if let K::Field(inner, f) = &e.kind
        && let K::Index(m, key) = &inner.kind
        && matches!(&m.kind, K::SelfField(x) if x == map)
    {
        return f != written && !reads_field(key, map);
    }
    match &e.kind {
        K::SelfField(f) => f != map,
        _ => ir::children(e)
            .into_iter()
            .all(|c| reads_only_other_entry_fields(c, map, written)),
    }
}

/// The writes of `s`, nested statements included.
fn writes_of(s: &ast::Stmt, out: &mut Vec<Write>) {
    let mut push = |field: &Ident, shrinks: bool, entry_field: Option<String>, span: Span| {
        out.push(Write {
            field: field.name.clone(),
            shrinks,
            entry_field,
            span,
        })
    };
    match s {
        ast::Stmt::Assign { field, span, .. } => push(field, true, None, *span),
        ast::Stmt::IndexAssign { field, span, .. } => push(field, false, None, *span),
        ast::Stmt::EntryFieldAssign {
            field, path, span, ..
        } => push(field, false, path.first().map(|p| p.name.clone()), *span),
        ast::Stmt::Call {
            field,
            method,
            span,
            ..
        } => {
            let shrinks = matches!(method.name.as_str(), "remove" | "clear" | "pop_front");
            push(field, shrinks, None, *span);
        }
        ast::Stmt::If {
            then, otherwise, ..
        } => then.iter().chain(otherwise).for_each(|s| writes_of(s, out)),
        ast::Stmt::For { body, .. } => body.iter().for_each(|s| writes_of(s, out)),
        ast::Stmt::Break { .. } | ast::Stmt::Let { .. } | ast::Stmt::Emit(_) => {}
    }
}

/// Whether `e` reads one of the variables `names`.
fn reads_var(e: &ir::Expr, names: &[&str]) -> bool {
    !names.is_empty()
        && ir::any_expr(
            e,
            |x| matches!(&x.kind, ir::ExprKind::Var(v) if names.contains(&v.as_str())),
        )
}

fn reads_field(e: &ir::Expr, field: &str) -> bool {
    ir::any_expr(
        e,
        |x| matches!(&x.kind, ir::ExprKind::SelfField(f) if f == field),
    )
}

/// `k in self.<field>` or `self.<field>.get(k)` tested for a value, with a key that does
/// not read the field itself.
fn is_membership(fact: &ir::Expr, field: &str) -> bool {
    matches!(
        super::establish::present(fact),
        Some(super::establish::Present::Key { coll, key })
            if matches!(&coll.kind, ir::ExprKind::SelfField(f) if f == field)
                && !reads_field(key, field)
    )
}
