//! Property test of the remembered-inputs window: a tiny window (1 to 3 finished inputs),
//! ids and keys reused from small pools, operations, ephemeral inputs, control operations,
//! store faults and every executor outcome. After every operation the shell's view
//! (`input_state`), the kernel and the store must agree: the shell knows exactly the
//! inputs the kernel remembers, nothing finished twice, every store row belongs to a
//! remembered input, and receipts and consumed rows match both ways. At the end every
//! waiter resolves.
mod support;

use proptest::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;
use support::*;
use suricate_runtime::*;

#[derive(Debug, Clone)]
enum Op {
    Accept {
        id: u8,
        kind: u8,
        key: Option<u8>,
        ephemeral: bool,
        steer: bool,
    },
    Stop,
    Attach,
    Reset,
    Recover,
    Recycle,
    Release,
    Yield,
    Fault,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (0u8..8, 0u8..3, prop::option::of(0u8..3), any::<bool>(), any::<bool>())
            .prop_map(|(id, kind, key, ephemeral, steer)| Op::Accept { id, kind, key, ephemeral, steer }),
        1 => Just(Op::Stop),
        2 => Just(Op::Attach),
        1 => Just(Op::Reset),
        1 => Just(Op::Recover),
        1 => Just(Op::Recycle),
        3 => Just(Op::Release),
        3 => Just(Op::Yield),
        1 => Just(Op::Fault),
    ]
}

fn bad(e: &RuntimeError) -> bool {
    match e {
        RuntimeError::Store(StoreError::Unavailable(_)) => false,
        RuntimeError::Store(_) => true,
        RuntimeError::Rejected(InputRejection::DuplicateId { .. }) => false,
        RuntimeError::Rejected(_) => true,
        _ => false,
    }
}

async fn run_case(ops: Vec<Op>, outcomes: Vec<u8>, remember: u64) -> Result<(), TestCaseError> {
    let (runtime, store) = runtime_remembering(Some(remember));
    let s = sid("s");
    let exec = outcome_executor(outcomes.clone());
    runtime.register_session(&s).await.unwrap();
    let mut handles = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    for op in ops {
        let r: Result<(), RuntimeError> = match op {
            Op::Accept {
                id,
                kind,
                key,
                ephemeral,
                steer,
            } => {
                let id = format!("i{id}");
                ids.insert(id.clone());
                let mut input = match kind {
                    0 => prompt(&id),
                    1 => msg(&id),
                    _ => RuntimeInput::operation(id.clone(), "noop", serde_json::Value::Null),
                };
                if let Some(k) = key {
                    input = input.with_key(format!("k{k}"));
                }
                if ephemeral {
                    input = input.durability(Durability::Ephemeral);
                }
                if steer && kind != 2 {
                    input = input.steer();
                }
                match runtime.accept(&s, input).await {
                    Ok(a) => {
                        if let Some(h) = a.completion {
                            handles.push(h);
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            Op::Stop => runtime.stop(&s).await.map(|_| ()),
            Op::Attach => runtime
                .ensure_executor(&s, Arc::new(exec.clone()))
                .await
                .map(|_| ()),
            Op::Reset => runtime.reset(&s).await.map(|_| ()),
            Op::Recover => runtime.recover(&s).await.map(|_| ()),
            Op::Recycle => runtime.recycle(&s).await.map(|_| ()),
            Op::Release => {
                exec.release(1);
                Ok(())
            }
            Op::Yield => {
                settle_briefly().await;
                Ok(())
            }
            Op::Fault => {
                store.fail_next_writes(1);
                Ok(())
            }
        };
        if let Err(e) = r {
            prop_assert!(!bad(&e), "unexpected error {:?}", e);
        }
        // Consistency after every operation (queries take the gate, so no step is half done).
        let kernel = runtime.kernel_snapshot(&s).await.unwrap().state;
        let mut known = 0;
        for id in &ids {
            if runtime.input_state(&s, &iid(id)).await.unwrap().is_some() {
                known += 1;
            }
        }
        prop_assert_eq!(
            known,
            kernel.inputs.len(),
            "ledger and kernel disagree: {:?}",
            kernel
        );
        prop_assert!(kernel.finished.len() <= kernel.inputs.len());
        let fin: HashSet<_> = kernel.finished.iter().collect();
        prop_assert_eq!(
            fin.len(),
            kernel.finished.len(),
            "an input finished twice: {:?}",
            kernel.finished
        );
        if let Some(stored) = store.session(&s) {
            for row in &stored.inputs {
                let st = runtime
                    .input_state(&s, &row.input.input.header.id)
                    .await
                    .unwrap();
                prop_assert!(
                    st.is_some(),
                    "store row {} the kernel forgot",
                    row.input.input.header.id
                );
            }
            for receipt in &stored.runs {
                let has = stored.inputs.iter().any(|r| {
                    r.phase == InputPhase::Consumed
                        && r.run == Some(receipt.run)
                        && receipt.inputs.contains(&r.input.input.header.id)
                });
                prop_assert!(has, "receipt {:?} with no consumed row", receipt.run);
            }
            for row in stored
                .inputs
                .iter()
                .filter(|r| r.phase == InputPhase::Consumed)
            {
                if let Some(run) = row.run {
                    prop_assert!(
                        stored.runs.iter().any(|r| r.run == run),
                        "row {} lost receipt {:?}",
                        row.input.input.header.id,
                        run
                    );
                }
            }
        }
    }
    // Drain and check every waiter resolves.
    store.fail_next_writes(0);
    for _ in 0..20 {
        exec.release_all();
        let phase = runtime.runtime_state(&s).await.unwrap().phase;
        if matches!(phase, RuntimePhase::Idle | RuntimePhase::Stopped) {
            runtime
                .ensure_executor(&s, Arc::new(exec.clone()))
                .await
                .unwrap();
        }
        let _ = runtime.wake(&s).await;
        settle_briefly().await;
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    exec.release_all();
    for h in handles {
        let input = h.input().clone();
        let o = tokio::time::timeout(LIMIT, h.wait())
            .await
            .map_err(|_| TestCaseError::fail(format!("waiter of {input} never resolved")))?;
        prop_assert!(
            !matches!(
                o,
                CompletionOutcome::RuntimeTerminated {
                    reason: TerminationReason::Dropped
                }
            ),
            "dropped waiter"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(runtime_proptest_config(64))]
    #[test]
    fn shell_kernel_and_store_agree_under_a_tiny_window(
        ops in prop::collection::vec(op(), 1..60),
        outcomes in prop::collection::vec(0u8..10, 1..8),
        remember in 1u64..4,
    ) {
        run_proptest_case(run_case(ops, outcomes, remember))?;
    }
}
