//! Inputs a consumer hands to a session.
//!
//! Constructing an input never validates it: whether an input is acceptable is a kernel
//! decision (the guards of the accept transition), and the shell reports a failing guard as an
//! [`InputRejection`]. The constructors only pick defaults (durable, queue lane).

use crate::types::{Durability, HandlingMode, InputId, InputKind};
use serde::{Deserialize, Serialize};

/// Fields every input carries, whatever its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputHeader {
    /// Caller-chosen, not empty, and unique within the session while the session remembers
    /// the input.
    pub id: InputId,
    /// Inputs with the same key share one execution: a repeat while the first is in flight
    /// joins its outcome, a repeat after it is terminal is deduplicated.
    pub idempotency_key: Option<String>,
    /// What the store keeps of the input (default `Durable`).
    pub durability: Durability,
    /// The lane it waits in (default `Queue`).
    pub handling: HandlingMode,
}

impl InputHeader {
    /// A durable, queued header without an idempotency key.
    pub fn new(id: impl Into<InputId>) -> Self {
        Self {
            id: id.into(),
            idempotency_key: None,
            durability: Durability::default(),
            handling: HandlingMode::default(),
        }
    }
}

/// What an input says; its variant determines the [`InputKind`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InputBody {
    /// A user turn; always runs alone.
    Prompt {
        /// The user's message.
        text: String,
    },
    /// A one-way message from a peer agent.
    PeerMessage {
        /// The sending peer.
        from: String,
        /// The message.
        body: String,
    },
    /// A request from a peer that expects responses carrying `request_id`.
    PeerRequest {
        /// The requesting peer.
        from: String,
        /// Names the request for its responses; must not be empty.
        request_id: String,
        /// The request.
        body: String,
    },
    /// A response to an earlier peer request; `terminal` marks the last one. A terminal
    /// response must name its request (kernel guard), a progress update may not know it.
    PeerResponse {
        /// The request answered; an empty id counts as none.
        request_id: Option<String>,
        /// Whether this is the last response (otherwise a progress update).
        terminal: bool,
        /// The response.
        body: String,
    },
    /// A notification from outside the agent system (webhook, timer, file watcher, ...).
    ExternalEvent {
        /// Where the event came from.
        source: String,
        /// The event's data.
        payload: serde_json::Value,
    },
    /// Work the agent scheduled for itself.
    Continuation {
        /// The agent's own description of the work; the runtime does not read it.
        note: String,
    },
    /// A control operation; consumed on accept, never reaches the executor.
    Operation {
        /// Which operation. The runtime does not act on it; a durable operation's store
        /// row keeps it.
        name: String,
        /// The operation's arguments; kept like `name`.
        payload: serde_json::Value,
    },
}

impl InputBody {
    /// The body's text, for the kinds that carry one: a prompt's text, a peer message's,
    /// request's or response's body, a continuation's note. `None` for an external event
    /// or an operation, whose content is a JSON payload.
    pub fn text(&self) -> Option<&str> {
        match self {
            InputBody::Prompt { text } => Some(text),
            InputBody::PeerMessage { body, .. }
            | InputBody::PeerRequest { body, .. }
            | InputBody::PeerResponse { body, .. } => Some(body),
            InputBody::Continuation { note } => Some(note),
            InputBody::ExternalEvent { .. } | InputBody::Operation { .. } => None,
        }
    }
}

/// One input: header plus body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimeInput {
    /// Id, idempotency key, durability and lane.
    pub header: InputHeader,
    /// What the input says; decides its kind.
    pub body: InputBody,
}

impl RuntimeInput {
    /// An input with the default header (durable, queue lane, no key).
    pub fn new(id: impl Into<InputId>, body: InputBody) -> Self {
        Self {
            header: InputHeader::new(id),
            body,
        }
    }

    /// A user prompt, with the default header.
    pub fn prompt(id: impl Into<InputId>, text: impl Into<String>) -> Self {
        Self::new(id, InputBody::Prompt { text: text.into() })
    }

    /// A one-way message from peer `from`, with the default header.
    pub fn peer_message(
        id: impl Into<InputId>,
        from: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self::new(
            id,
            InputBody::PeerMessage {
                from: from.into(),
                body: body.into(),
            },
        )
    }

    /// A request from peer `from`, which its responses will name by `request_id`.
    pub fn peer_request(
        id: impl Into<InputId>,
        from: impl Into<String>,
        request_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self::new(
            id,
            InputBody::PeerRequest {
                from: from.into(),
                request_id: request_id.into(),
                body: body.into(),
            },
        )
    }

    /// A progress (non-terminal) response to a peer request.
    pub fn peer_progress(
        id: impl Into<InputId>,
        request_id: Option<String>,
        body: impl Into<String>,
    ) -> Self {
        Self::new(
            id,
            InputBody::PeerResponse {
                request_id,
                terminal: false,
                body: body.into(),
            },
        )
    }

    /// The terminal response to a peer request.
    pub fn peer_response(
        id: impl Into<InputId>,
        request_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self::new(
            id,
            InputBody::PeerResponse {
                request_id: Some(request_id.into()),
                terminal: true,
                body: body.into(),
            },
        )
    }

    /// An event from `source` outside the agent system, with the default header.
    pub fn external_event(
        id: impl Into<InputId>,
        source: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self::new(
            id,
            InputBody::ExternalEvent {
                source: source.into(),
                payload,
            },
        )
    }

    /// Work the agent scheduled for itself, with the default header.
    pub fn continuation(id: impl Into<InputId>, note: impl Into<String>) -> Self {
        Self::new(id, InputBody::Continuation { note: note.into() })
    }

    /// A control operation: consumed on accept, never handed to the executor.
    pub fn operation(
        id: impl Into<InputId>,
        name: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self::new(
            id,
            InputBody::Operation {
                name: name.into(),
                payload,
            },
        )
    }

    /// Sets the idempotency key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.header.idempotency_key = Some(key.into());
        self
    }

    /// Moves the input to the steer lane.
    pub fn steer(mut self) -> Self {
        self.header.handling = HandlingMode::Steer;
        self
    }

    /// Sets the lane (`steer()` is the shorthand for `Steer`).
    pub fn handling(mut self, handling: HandlingMode) -> Self {
        self.header.handling = handling;
        self
    }

    /// Sets what the store keeps of the input.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.header.durability = durability;
        self
    }

    /// The caller's id of the input.
    pub fn id(&self) -> &InputId {
        &self.header.id
    }

    /// The idempotency key, if one was set.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.header.idempotency_key.as_deref()
    }

    /// The kind the kernel reasons about; a peer response splits on `terminal`.
    pub fn kind(&self) -> InputKind {
        match &self.body {
            InputBody::Prompt { .. } => InputKind::Prompt,
            InputBody::PeerMessage { .. } => InputKind::PeerMessage,
            InputBody::PeerRequest { .. } => InputKind::PeerRequest,
            InputBody::PeerResponse { terminal: true, .. } => InputKind::PeerResponseTerminal,
            InputBody::PeerResponse {
                terminal: false, ..
            } => InputKind::PeerResponseProgress,
            InputBody::ExternalEvent { .. } => InputKind::ExternalEvent,
            InputBody::Continuation { .. } => InputKind::Continuation,
            InputBody::Operation { .. } => InputKind::Operation,
        }
    }

    /// The peer request this input belongs to, if its kind carries one. An empty request
    /// id names no request, as an empty input id names no input.
    pub fn request_id(&self) -> Option<&str> {
        let id = match &self.body {
            InputBody::PeerRequest { request_id, .. } => Some(request_id.as_str()),
            InputBody::PeerResponse { request_id, .. } => request_id.as_deref(),
            _ => None,
        };
        id.filter(|id| !id.is_empty())
    }
}

/// Why the kernel refused an input; a rejected input leaves no trace anywhere.
///
/// Each variant corresponds to one guard of the kernel's accept transition; the shell maps the
/// failing guard to its variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum InputRejection {
    /// The input id is empty (guard `has_id`).
    #[error("input id is empty")]
    EmptyId,
    /// The idempotency key is `Some("")`; no key is `None` (guard `key_not_empty`).
    #[error("idempotency key is empty")]
    EmptyIdempotencyKey,
    /// A prompt marked `Derived`: only the runtime derives inputs, and never prompts
    /// (guard `prompt_not_derived`).
    #[error("a prompt cannot have derived durability")]
    DerivedPrompt,
    /// A terminal peer response without a request id, or with an empty one
    /// (guard `terminal_response_has_request`).
    #[error("a terminal peer response must name the request it answers")]
    TerminalResponseWithoutRequest,
    /// A peer request with an empty request id (guard `request_has_id`).
    #[error("a peer request must carry its request id")]
    RequestWithoutId,
    /// An operation marked `Derived`: only the runtime derives inputs, and never operations
    /// (guard `operation_not_derived`).
    #[error("an operation cannot have derived durability")]
    DerivedOperation,
    /// The session still remembers an input with this id (see
    /// `RuntimeOptions::remembered_inputs`); `input_state(id)` shows it.
    #[error("input {id} already exists in the session")]
    DuplicateId {
        /// The id of the input being accepted, which the earlier one holds.
        id: InputId,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn constructors_map_to_kinds() {
        let cases = [
            (RuntimeInput::prompt("a", "hi"), InputKind::Prompt),
            (
                RuntimeInput::peer_message("b", "peer", "hello"),
                InputKind::PeerMessage,
            ),
            (
                RuntimeInput::peer_request("c", "peer", "r1", "do it"),
                InputKind::PeerRequest,
            ),
            (
                RuntimeInput::peer_progress("d", Some("r1".into()), "50%"),
                InputKind::PeerResponseProgress,
            ),
            (
                RuntimeInput::peer_progress("d2", None, "50%"),
                InputKind::PeerResponseProgress,
            ),
            (
                RuntimeInput::peer_response("e", "r1", "done"),
                InputKind::PeerResponseTerminal,
            ),
            (
                RuntimeInput::external_event("f", "webhook", json!({"x": 1})),
                InputKind::ExternalEvent,
            ),
            (
                RuntimeInput::continuation("g", "next step"),
                InputKind::Continuation,
            ),
            (
                RuntimeInput::operation("h", "compact", json!(null)),
                InputKind::Operation,
            ),
        ];
        for (input, kind) in cases {
            assert_eq!(input.kind(), kind, "{input:?}");
            assert_eq!(input.header.durability, Durability::Durable);
            assert_eq!(input.header.handling, HandlingMode::Queue);
            assert_eq!(input.idempotency_key(), None);
        }
    }

    #[test]
    fn terminal_response_without_request_is_representable() {
        // The kernel rejects it; constructing it must still be possible so the rejection can
        // be reported rather than made impossible to express by the shell.
        let input = RuntimeInput::new(
            "x",
            InputBody::PeerResponse {
                request_id: None,
                terminal: true,
                body: String::new(),
            },
        );
        assert_eq!(input.kind(), InputKind::PeerResponseTerminal);
        assert_eq!(input.request_id(), None);
    }

    #[test]
    fn builders_set_header_fields() {
        let input = RuntimeInput::prompt("p", "t")
            .with_key("k")
            .steer()
            .durability(Durability::Ephemeral);
        assert_eq!(input.id(), &InputId::from("p"));
        assert_eq!(input.idempotency_key(), Some("k"));
        assert_eq!(input.header.handling, HandlingMode::Steer);
        assert_eq!(input.header.durability, Durability::Ephemeral);
        let back = input.handling(HandlingMode::Queue);
        assert_eq!(back.header.handling, HandlingMode::Queue);
    }

    #[test]
    fn request_ids() {
        assert_eq!(
            RuntimeInput::peer_request("a", "p", "r9", "b").request_id(),
            Some("r9")
        );
        assert_eq!(
            RuntimeInput::peer_response("a", "r9", "b").request_id(),
            Some("r9")
        );
        assert_eq!(RuntimeInput::prompt("a", "b").request_id(), None);
        assert_eq!(
            RuntimeInput::peer_request("a", "p", "", "b").request_id(),
            None
        );
    }

    #[test]
    fn bodies_with_text_give_it() {
        let inputs = [
            RuntimeInput::prompt("a", "hi"),
            RuntimeInput::peer_message("b", "peer", "hello"),
            RuntimeInput::peer_request("c", "peer", "r1", "do it"),
            RuntimeInput::peer_progress("d", Some("r1".into()), "50%"),
            RuntimeInput::external_event("e", "hook", json!({"n": 1})),
        ];
        let texts: Vec<Option<&str>> = inputs.iter().map(|i| i.body.text()).collect();
        assert_eq!(
            texts,
            [Some("hi"), Some("hello"), Some("do it"), Some("50%"), None]
        );
    }

    #[test]
    fn a_continuation_gives_its_note_as_text() {
        let input = RuntimeInput::continuation("g", "next step");
        assert_eq!(input.body.text(), Some("next step"));
        let operation = RuntimeInput::operation("h", "compact", json!(null));
        assert_eq!(operation.body.text(), None);
    }

    #[test]
    fn inputs_round_trip_through_json() {
        let input = RuntimeInput::external_event("e", "hook", json!({"n": [1, 2]})).with_key("k");
        let text = serde_json::to_string(&input).unwrap();
        let back: RuntimeInput = serde_json::from_str(&text).unwrap();
        assert_eq!(back, input);
    }

    #[test]
    fn rejections_have_messages() {
        assert_eq!(
            InputRejection::DerivedPrompt.to_string(),
            "a prompt cannot have derived durability"
        );
    }
}
