//! Helpers for tests (the `testing` feature; always on in this crate's own tests).
//!
//! [`ScriptedExecutor`] is an [`Executor`](crate::Executor) driven by a script. Each
//! `apply` takes the next scripted [`Step`] (or asks the responder when the script is
//! empty), records the primitive it saw, and acts the step out. A [`Step::Block`] parks the
//! call until [`ScriptedExecutor::release`] grants a permit, until the run is interrupted or
//! boundary-cancelled (the call then returns `Cancelled`), or until `stop` is called (it then
//! returns `Stopped`). Cancels are checked only at block points: a step that does not block
//! completes as scripted, like a real run that reached its end before the boundary. The
//! executor is a cheap handle (`Clone` shares the state), so a test keeps one clone for
//! inspection and hands another to the runtime.
//!
//! [`check_store`] checks the contract of [`RuntimeStore`](crate::RuntimeStore) on any
//! backend: a backend runs it in its own tests.

mod executor;
pub(crate) mod store_contract;

pub use executor::{ScriptedExecutor, Step};
pub use store_contract::check_store;
