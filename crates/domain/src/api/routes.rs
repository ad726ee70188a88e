//! Every route the pages call, named once with its method, its path template and the types it
//! takes and answers. The server's routers mount `template()`, the pages build URLs with
//! `url(..)` and send through the typed fetch helper, which takes the request body and reads the
//! answer as the endpoint's types: a renamed route or a changed body breaks the build on both
//! sides. (The REST API's routes under `/api/v1` are `api::v1`'s and the OpenAPI document's.)

use std::fmt::Display;
use std::marker::PhantomData;

use super::{desk, feedback, gpt, images, knowledge, support, v1};
use crate::chat::{ChatInput, StreamFrame};
use crate::classifier::{ClassList, ClassifierInfo, Prediction, TeachReport};

/// An HTTP method the pages use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A request with no body.
#[derive(Clone, Copy, Debug)]
pub struct NoBody;

/// A multipart form (a file upload; the browser writes it).
#[derive(Clone, Copy, Debug)]
pub struct Form;

/// An answer that is a stream of server-sent events, each data line a `Frame`.
pub struct EventStream<Frame>(PhantomData<Frame>);

/// An answer that is a file (a picture), not JSON.
#[derive(Clone, Copy, Debug)]
pub struct File;

/// A server answer with no content worth reading (`204`, or a summary the page ignores).
pub type Ignored = serde::de::IgnoredAny;

/// One route: `Body` is what the request carries, `Answer` what a success reads as.
pub struct Endpoint<Body, Answer> {
    method: Method,
    template: &'static str,
    types: PhantomData<fn(Body) -> Answer>,
}

// Manual impls: the derives would require `Body` and `Answer` to be `Copy` too.
impl<B, A> Clone for Endpoint<B, A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<B, A> Copy for Endpoint<B, A> {}

impl<B, A> Endpoint<B, A> {
    const fn new(method: Method, template: &'static str) -> Self {
        Self {
            method,
            template,
            types: PhantomData,
        }
    }

    pub const fn method(&self) -> Method {
        self.method
    }

    /// The path with `{name}` placeholders, as axum mounts it.
    pub const fn template(&self) -> &'static str {
        self.template
    }

    /// The URL with its placeholders filled in order by `params` (percent-encoded).
    pub fn url(&self, params: &[&dyn Display]) -> Url<B, A> {
        let mut path = String::with_capacity(self.template.len() + 16);
        let mut params = params.iter();
        let mut rest = self.template;
        while let Some(open) = rest.find('{') {
            path.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
            if let Some(value) = params.next() {
                encode_into(&mut path, &value.to_string());
            }
            rest = &rest[close..];
        }
        path.push_str(rest);
        Url {
            method: self.method,
            path,
            types: PhantomData,
        }
    }
}

/// A filled-in URL of an endpoint, still carrying its types.
pub struct Url<Body, Answer> {
    method: Method,
    path: String,
    types: PhantomData<fn(Body) -> Answer>,
}

impl<B, A> Url<B, A> {
    /// Adds `key=value` to the query string (percent-encoded).
    pub fn query(mut self, key: &str, value: &dyn Display) -> Self {
        self.path
            .push(if self.path.contains('?') { '&' } else { '?' });
        encode_into(&mut self.path, key);
        self.path.push('=');
        encode_into(&mut self.path, &value.to_string());
        self
    }

    pub fn method(&self) -> Method {
        self.method
    }

    pub fn as_str(&self) -> &str {
        &self.path
    }
}

impl<B, A> Display for Url<B, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path)
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

const fn get<A>(template: &'static str) -> Endpoint<NoBody, A> {
    Endpoint::new(Method::Get, template)
}

const fn post<B, A>(template: &'static str) -> Endpoint<B, A> {
    Endpoint::new(Method::Post, template)
}

const fn delete<A>(template: &'static str) -> Endpoint<NoBody, A> {
    Endpoint::new(Method::Delete, template)
}

/// The customer chat.
pub mod support_chat {
    use super::*;

    /// A turn; the answer streams `TurnFrame`s.
    pub const CHAT: Endpoint<support::ChatRequest, EventStream<support::TurnFrame>> =
        post("/api/support/chat");
    pub const CONVERSATION: Endpoint<NoBody, support::ConversationState> =
        get("/api/support/conversation");
    pub const NEW: Endpoint<NoBody, support::Started> = post("/api/support/new");
    pub const HUMAN: Endpoint<NoBody, support::HandedOff> = post("/api/support/human");
    /// The live stream of this conversation (EventSource).
    pub const EVENTS: Endpoint<NoBody, EventStream<desk::ConversationEvent>> =
        get("/api/support/events");
    pub const INBOX: Endpoint<NoBody, support::Inbox> = get("/api/support/inbox");
    /// A vote on a reply (or a passage it cited) of this browser's conversation.
    pub const FEEDBACK: Endpoint<feedback::ReplyFeedback, feedback::FeedbackRecorded> =
        post("/api/support/feedback");
    /// A rating of this browser's conversation, once resolved.
    pub const RATING: Endpoint<feedback::ConversationRating, feedback::FeedbackRecorded> =
        post("/api/support/rating");
}

/// The support desk: sign-in, conversations, tickets, analytics, team, knowledge base.
pub mod desk_api {
    use super::*;

    pub const LOGIN: Endpoint<desk::SignIn, desk::StaffAnswer> = post("/api/desk/login");
    pub const LOGOUT: Endpoint<NoBody, Ignored> = post("/api/desk/logout");
    pub const ME: Endpoint<NoBody, desk::StaffAnswer> = get("/api/desk/me");
    /// "Try the desk": a demo account for this browser (the visitor cookie).
    pub const TRY_DESK: Endpoint<NoBody, desk::StaffAnswer> = post("/api/desk/demo");
    pub const USERS: Endpoint<NoBody, desk::StaffList> = get("/api/desk/users");
    pub const ADD_USER: Endpoint<desk::NewStaff, desk::StaffAnswer> = post("/api/desk/users");
    pub const USER_ACTIVE: Endpoint<desk::SetActive, Ignored> = post("/api/desk/users/{id}/active");
    pub const USER_ROLE: Endpoint<desk::SetRole, Ignored> = post("/api/desk/users/{id}/role");
    pub const USER_PASSWORD: Endpoint<desk::ResetPassword, Ignored> =
        post("/api/desk/users/{id}/password");
    pub const OWN_PASSWORD: Endpoint<desk::ChangePassword, Ignored> = post("/api/desk/me/password");
    /// Query `before`: an entry id (the next page).
    pub const AUDIT: Endpoint<NoBody, desk::AuditLog> = get("/api/desk/audit");
    pub const ALERTS: Endpoint<NoBody, desk::AlertLog> = get("/api/desk/alerts");
    pub const AUDIT_CSV: Endpoint<NoBody, File> = get("/api/desk/audit.csv");
    /// Everything kept about a customer's email, as JSON (a download).
    pub const CUSTOMER_EXPORT: Endpoint<NoBody, File> = get("/api/desk/customers/{email}/export");
    pub const CUSTOMER_ERASE: Endpoint<v1::EraseRequest, v1::ErasedOut> =
        post("/api/desk/customers/{email}/erase");

    /// Query `view`: a `ConversationView`.
    pub const CONVERSATIONS: Endpoint<NoBody, desk::ConversationList> =
        get("/api/desk/conversations");
    pub const CONVERSATION: Endpoint<NoBody, desk::Transcript> =
        get("/api/desk/conversations/{id}");
    pub const CLAIM: Endpoint<NoBody, desk::ConversationChanged> =
        post("/api/desk/conversations/{id}/claim");
    pub const RELEASE: Endpoint<NoBody, desk::ConversationChanged> =
        post("/api/desk/conversations/{id}/release");
    pub const RESOLVE: Endpoint<NoBody, desk::ConversationChanged> =
        post("/api/desk/conversations/{id}/resolve");
    pub const REPLY: Endpoint<desk::ReplyRequest, desk::ReplySent> =
        post("/api/desk/conversations/{id}/reply");
    pub const SUGGESTION: Endpoint<NoBody, desk::SuggestedReply> =
        get("/api/desk/conversations/{id}/suggestion");
    pub const CANNED: Endpoint<NoBody, desk::CannedReplies> =
        get("/api/desk/conversations/{id}/canned");

    /// Query `status`: a ticket status or `all`.
    pub const TICKETS: Endpoint<NoBody, desk::TicketList> = get("/api/desk/tickets");
    pub const TICKET_STATUS: Endpoint<desk::TicketStatusChange, desk::TicketStatusChanged> =
        post("/api/desk/tickets/{id}/status");
    pub const TICKET_ASSIGN: Endpoint<desk::TicketAssign, desk::TicketAssigned> =
        post("/api/desk/tickets/{id}/assign");
    /// Query `days`.
    pub const ANALYTICS: Endpoint<NoBody, desk::Analytics> = get("/api/desk/analytics");
    /// Query `days` and `table` (see `services::analytics_csv::TABLES`).
    pub const ANALYTICS_CSV: Endpoint<NoBody, File> = get("/api/desk/analytics.csv");
    /// The desk's live stream (EventSource).
    pub const EVENTS: Endpoint<NoBody, EventStream<desk::ConversationEvent>> =
        get("/api/desk/events");
    pub const API_KEYS: Endpoint<NoBody, desk::ApiKeyList> = get("/api/desk/api-keys");
    pub const ADD_API_KEY: Endpoint<desk::NewApiKey, desk::CreatedApiKey> =
        post("/api/desk/api-keys");
    pub const REVOKE_API_KEY: Endpoint<NoBody, Ignored> = post("/api/desk/api-keys/{id}/revoke");

    pub const DOCUMENTS: Endpoint<NoBody, knowledge::DocumentList> = get("/api/desk/kb/documents");
    pub const UPLOAD: Endpoint<Form, knowledge::DocumentAccepted> = post("/api/desk/kb/documents");
    pub const DELETE_DOCUMENT: Endpoint<NoBody, knowledge::DocumentDeleted> =
        delete("/api/desk/kb/documents/{id}");
    pub const DOCUMENT_CHUNKS: Endpoint<NoBody, knowledge::DocumentChunks> =
        get("/api/desk/kb/documents/{id}/chunks");
    pub const REINDEX: Endpoint<NoBody, knowledge::ReindexStarted> = post("/api/desk/kb/reindex");
}

/// Text-to-image.
pub mod images_api {
    use super::*;

    pub const GENERATE: Endpoint<images::ImageInput, images::Generated> =
        post("/api/images/generate");
    /// Query `limit`, `offset`.
    pub const GALLERY: Endpoint<NoBody, images::Gallery> = get("/api/images");
    pub const PROVIDERS: Endpoint<NoBody, images::ProviderList> = get("/api/images/providers");
    pub const FILE: Endpoint<NoBody, File> = get("/api/images/{id}/file");
    pub const DELETE: Endpoint<NoBody, Ignored> = delete("/api/images/{id}");
}

/// The image classifier.
pub mod classifier_api {
    use super::*;

    pub const PREDICT: Endpoint<Form, Prediction> = post("/api/classifier/predict");
    pub const TEACH: Endpoint<Form, TeachReport> = post("/api/classifier/teach");
    pub const RESET: Endpoint<NoBody, ClassList> = post("/api/classifier/reset");
    /// The shared classes every visitor starts from (an administrator, on the desk).
    pub const TEACH_SHARED: Endpoint<Form, TeachReport> = post("/api/desk/classifier/teach");
    pub const RESET_SHARED: Endpoint<NoBody, ClassList> = post("/api/desk/classifier/reset");
    pub const INFO: Endpoint<NoBody, ClassifierInfo> = get("/api/classifier/info");
    /// `{name}` is the sample's file name (`cat-1.png`).
    pub const SAMPLE: Endpoint<NoBody, File> = get("/api/classifier/samples/{name}");
}

/// Voice: a recording to text, text to speech (a WAV file).
pub mod voice_api {
    use super::*;
    use crate::voice::{SpeakInput, Transcription};

    pub const TRANSCRIBE: Endpoint<Form, Transcription> = post("/api/voice/transcribe");
    pub const SPEAK: Endpoint<SpeakInput, File> = post("/api/voice/speak");
}

/// The pirate chatbot's streamed reply.
pub mod pirate_api {
    use super::*;

    pub const CHAT: Endpoint<ChatInput, EventStream<StreamFrame>> = post("/api/pirate/chat");
}

/// The Custom GPT as the page calls it: the service's own contract, mounted under `PREFIX`.
pub mod gpt_api {
    use super::*;

    pub const PREFIX: &str = "/api/gpt";
    pub const MODELS: Endpoint<NoBody, gpt::ModelList> = get("/api/gpt/models");
    /// Named events `meta`, `token`, `done`, `error`.
    pub const GENERATE_STREAM: Endpoint<gpt::GenerateInput, EventStream<gpt::StreamToken>> =
        post("/api/gpt/generate/stream");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_in_order_and_encode() {
        let url = desk_api::CLAIM.url(&[&"a b/c"]);
        assert_eq!(url.as_str(), "/api/desk/conversations/a%20b%2Fc/claim");
        assert_eq!(url.method(), Method::Post);
        let url = desk_api::TICKETS.url(&[]).query("status", &"in_progress");
        assert_eq!(url.as_str(), "/api/desk/tickets?status=in_progress");
        let url = images_api::GALLERY
            .url(&[])
            .query("limit", &48)
            .query("q", &"x&y");
        assert_eq!(url.as_str(), "/api/images?limit=48&q=x%26y");
    }

    #[test]
    fn every_gpt_route_sits_under_its_prefix() {
        for template in [
            gpt_api::MODELS.template(),
            gpt_api::GENERATE_STREAM.template(),
        ] {
            assert!(template.starts_with(gpt_api::PREFIX), "{template}");
        }
    }
}
