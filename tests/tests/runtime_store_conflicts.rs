//! The runtime never sends the store a batch that contradicts what it holds: random
//! sequences of every public call (racing ones spawned), of inputs of every kind and
//! durability, of every store fault `InMemoryStore` can inject, and of sessions destroyed,
//! unregistered and registered again midway, end with no batch refused as a `Conflict`
//! and no call failing with a conflict, corruption or kernel error. (It found a control
//! operation acting on a session whose registration had failed: see runtime_regressions.)
//!
//! `runtime_proptest` checks what the store holds against the kernel for one session's
//! life; this one covers what that one leaves out, at the price of fewer checks.

mod support;

use proptest::prelude::*;
use std::sync::Arc;
use support::*;
use suricate_runtime::testing::*;
use suricate_runtime::*;

#[derive(Debug, Clone)]
enum Op {
    Accept {
        kind: u8,
        dur: u8,
        steer: bool,
        key: Option<u8>,
        wake: bool,
    },
    Wake,
    CancelAfterBoundary,
    Interrupt,
    Stop,
    Attach,
    Retire,
    Reset,
    Recycle,
    Recover,
    Destroy,
    Unregister,
    Register,
    Release,
    Yield,
    Sleep,
    Fault {
        n: usize,
        fault: u8,
        loads: usize,
    },
    Matching {
        kind: u8,
        n: usize,
    },
    Shutdown,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (0u8..4, 0u8..3, any::<bool>(), proptest::option::weighted(0.3, 0u8..3), prop::bool::weighted(0.8))
            .prop_map(|(kind, dur, steer, key, wake)| Op::Accept { kind, dur, steer, key, wake }),
        1 => Just(Op::Wake),
        1 => Just(Op::CancelAfterBoundary),
        1 => Just(Op::Interrupt),
        1 => Just(Op::Stop),
        3 => Just(Op::Attach),
        1 => Just(Op::Retire),
        1 => Just(Op::Reset),
        1 => Just(Op::Recycle),
        2 => Just(Op::Recover),
        1 => Just(Op::Destroy),
        1 => Just(Op::Unregister),
        2 => Just(Op::Register),
        4 => Just(Op::Release),
        3 => Just(Op::Yield),
        1 => Just(Op::Sleep),
        3 => (1usize..3, 0u8..3, 0usize..3).prop_map(|(n, fault, loads)| Op::Fault { n, fault, loads }),
        2 => (0u8..10, 1usize..3).prop_map(|(kind, n)| Op::Matching { kind, n }),
        1 => Just(Op::Shutdown),
    ]
}

/// Errors a random call may get; a conflict, corruption or kernel error is a bug.
fn acceptable(e: &RuntimeError) -> bool {
    !matches!(
        e,
        RuntimeError::Store(StoreError::Conflict(_))
            | RuntimeError::Store(StoreError::Corrupt(_))
            | RuntimeError::Kernel(_)
    )
}

/// Applies one operation; `n` numbers the input an accept creates.
async fn apply(
    runtime: &SessionRuntime,
    s: &SessionId,
    exec: &ScriptedExecutor,
    store: &InMemoryStore,
    op: Op,
    n: usize,
) -> Result<(), String> {
    let r: RuntimeResult<()> = match op {
        Op::Accept {
            kind,
            dur,
            steer,
            key,
            wake,
        } => {
            let id = format!("i{n}");
            let mut input = match kind {
                0 => prompt(&id),
                1 => msg(&id),
                2 => RuntimeInput::operation(id.as_str(), "op", serde_json::json!({})),
                _ => RuntimeInput::continuation(id.as_str(), "note"),
            };
            input = input.durability(match dur {
                0 => Durability::Durable,
                1 => Durability::Ephemeral,
                _ => Durability::Derived,
            });
            if steer {
                input = input.steer();
            }
            if let Some(k) = key {
                input = input.with_key(format!("k{k}"));
            }
            if wake {
                runtime.accept(s, input).await.map(|_| ())
            } else {
                runtime.accept_without_wake(s, input).await.map(|_| ())
            }
        }
        Op::Wake => runtime.wake(s).await,
        Op::CancelAfterBoundary => runtime.cancel_after_boundary(s).await.map(|_| ()),
        Op::Interrupt => match runtime.runtime_state(s).await {
            Ok(st) => runtime
                .interrupt(s, st.run.unwrap_or(RunId(0)))
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        Op::Stop => runtime.stop(s).await.map(|_| ()),
        Op::Attach => runtime
            .ensure_executor(s, Arc::new(exec.clone()))
            .await
            .map(|_| ()),
        Op::Retire => runtime.retire(s).await.map(|_| ()),
        Op::Reset => runtime.reset(s).await.map(|_| ()),
        Op::Recycle => runtime.recycle(s).await.map(|_| ()),
        Op::Recover => runtime.recover(s).await.map(|_| ()),
        Op::Destroy => runtime.destroy(s).await.map(|_| ()),
        Op::Unregister => runtime.unregister_session(s).await.map(|_| ()),
        Op::Register => runtime.register_session(s).await.map(|_| ()),
        Op::Release => {
            exec.release(1);
            Ok(())
        }
        Op::Yield => {
            settle_briefly().await;
            Ok(())
        }
        Op::Sleep => {
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
            Ok(())
        }
        Op::Fault { n, fault, loads } => {
            match fault {
                0 => store.fail_next_writes(n),
                1 => store.lose_next_writes(n),
                _ => store.apply_then_fail_next_writes(n),
            }
            store.fail_next_loads(loads);
            Ok(())
        }
        Op::Matching { kind, n } => {
            store.fail_next_matching(WriteKind::ALL[kind as usize], n);
            Ok(())
        }
        Op::Shutdown => {
            runtime.shutdown().await;
            Ok(())
        }
    };
    match r {
        Ok(()) => Ok(()),
        Err(e) if acceptable(&e) => Ok(()),
        Err(e) => Err(format!("{e:?}")),
    }
}

/// One case: the operations in order, those marked `true` spawned to race the rest; then
/// every fault is lifted, the session drains if it still exists, and the store must have
/// refused nothing as a conflict.
async fn run_case(
    ops: Vec<(Op, bool)>,
    outcomes: Vec<u8>,
    window: Option<u64>,
) -> Result<(), TestCaseError> {
    let (runtime, store) = runtime_remembering(window);
    let s = sid("s");
    let exec = outcome_executor(outcomes);
    runtime.register_session(&s).await.unwrap();
    let mut spawned = Vec::new();
    for (n, (op, detach)) in ops.into_iter().enumerate() {
        if detach && !matches!(op, Op::Fault { .. } | Op::Matching { .. } | Op::Shutdown) {
            let (runtime, s, exec, store) =
                (runtime.clone(), s.clone(), exec.clone(), store.clone());
            spawned.push(tokio::spawn(async move {
                apply(&runtime, &s, &exec, &store, op, n).await
            }));
        } else {
            apply(&runtime, &s, &exec, &store, op, n)
                .await
                .map_err(TestCaseError::fail)?;
        }
    }
    store.fail_next_writes(0);
    store.fail_next_loads(0);
    store.lose_next_writes(0);
    store.apply_then_fail_next_writes(0);
    for k in WriteKind::ALL {
        store.fail_next_matching(k, 0);
    }
    for _ in 0..5 {
        exec.release_all();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    for h in spawned {
        tokio::time::timeout(LIMIT, h)
            .await
            .map_err(|_| TestCaseError::fail("spawned op hung"))?
            .map_err(|e| TestCaseError::fail(format!("join: {e}")))?
            .map_err(TestCaseError::fail)?;
    }
    // Drain if possible, to exercise more writes after the faults.
    if runtime.contains_session(&s) {
        let _ = runtime.ensure_executor(&s, Arc::new(exec.clone())).await;
        let _ = runtime.wake(&s).await;
        for _ in 0..10 {
            exec.release_all();
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
    }
    prop_assert_eq!(store.conflicts(), 0, "store refused a batch as a Conflict");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..runtime_proptest_config(48)
    })]

    #[test]
    fn no_batch_is_refused_as_a_conflict(
        ops in prop::collection::vec((op(), prop::bool::weighted(0.25)), 1..50),
        outcomes in prop::collection::vec(0u8..10, 1..8),
        window in prop_oneof![1 => Just(None), 1 => (1u64..4).prop_map(Some)],
    ) {
        run_proptest_case(run_case(ops, outcomes, window))?;
    }

    #[test]
    fn no_batch_is_refused_as_a_conflict_on_two_workers(
        ops in prop::collection::vec((op(), prop::bool::weighted(0.4)), 1..50),
        outcomes in prop::collection::vec(0u8..10, 1..8),
        window in prop_oneof![1 => Just(None), 1 => (1u64..4).prop_map(Some)],
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            tokio::time::timeout(LIMIT * 3, run_case(ops, outcomes, window)).await
                .map_err(|_| TestCaseError::fail("case did not finish"))?
        })?;
    }
}
