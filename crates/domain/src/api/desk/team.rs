//! The team: staff accounts, sign-in and sessions, roles and passwords, API keys and their
//! scopes, and the audit log.

use super::*;

/// A member of the team (never their password).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct StaffMember {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub role: StaffRole,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// A "Try the desk" account: it sees only the conversations its own browser started and
    /// none of the team's other pages.
    #[serde(default)]
    pub demo: bool,
}

impl StaffMember {
    pub fn is_admin(&self) -> bool {
        self.role == StaffRole::Admin && !self.demo
    }
}

/// What an API key may do; each `/api/v1` operation needs one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiScope {
    /// Send customer messages, answer action cards, escalate and resolve.
    #[serde(rename = "messages:write")]
    MessagesWrite,
    /// Read conversations and list a customer's.
    #[serde(rename = "conversations:read")]
    ConversationsRead,
    /// Upload knowledge-base documents.
    #[serde(rename = "kb:write")]
    KbWrite,
    /// Follow background jobs.
    #[serde(rename = "jobs:read")]
    JobsRead,
    /// Export or erase everything kept about a customer.
    #[serde(rename = "customers:privacy")]
    CustomersPrivacy,
}

impl ApiScope {
    pub const ALL: [ApiScope; 5] = [
        ApiScope::MessagesWrite,
        ApiScope::ConversationsRead,
        ApiScope::KbWrite,
        ApiScope::JobsRead,
        ApiScope::CustomersPrivacy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::MessagesWrite => "messages:write",
            ApiScope::ConversationsRead => "conversations:read",
            ApiScope::KbWrite => "kb:write",
            ApiScope::JobsRead => "jobs:read",
            ApiScope::CustomersPrivacy => "customers:privacy",
        }
    }

    /// What the scope allows, for the desk and the OpenAPI document.
    pub fn description(self) -> &'static str {
        match self {
            ApiScope::MessagesWrite => {
                "Send customer messages, answer action cards, escalate and resolve"
            }
            ApiScope::ConversationsRead => "Read conversations and list a customer's",
            ApiScope::KbWrite => "Upload knowledge-base documents",
            ApiScope::JobsRead => "Follow background jobs",
            ApiScope::CustomersPrivacy => "Export or erase everything kept about a customer",
        }
    }
}

impl std::str::FromStr for ApiScope {
    type Err = crate::api::UnknownValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ApiScope::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| crate::api::UnknownValue {
                what: "API scope",
                value: text.to_owned(),
            })
    }
}

/// A key's scopes, stored as one line of words ("messages:write kb:write"), sorted, no repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiScopes(pub Vec<ApiScope>);

impl ApiScopes {
    pub fn new(scopes: impl IntoIterator<Item = ApiScope>) -> ApiScopes {
        let mut scopes: Vec<ApiScope> = scopes.into_iter().collect();
        scopes.sort();
        scopes.dedup();
        ApiScopes(scopes)
    }

    pub fn all() -> ApiScopes {
        ApiScopes::new(ApiScope::ALL)
    }

    pub fn allows(&self, scope: ApiScope) -> bool {
        self.0.contains(&scope)
    }

    /// As stored: the words separated by spaces.
    pub fn to_line(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl TryFrom<String> for ApiScopes {
    type Error = crate::api::UnknownValue;

    fn try_from(line: String) -> Result<Self, Self::Error> {
        line.split_whitespace()
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(ApiScopes::new)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, to tell keys apart on the desk.
    pub prefix: String,
    pub rate_per_minute: i64,
    /// What the key may do, chosen when it was created.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub scopes: ApiScopes,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The cookie that carries a desk session (staff or "Try the desk"), HttpOnly.
pub const STAFF_COOKIE: &str = "staff_session";

/// Whether `value` has the shape of a session token (64 hex digits); anything else reads as no
/// session at all.
pub fn is_session_token(value: &str) -> bool {
    value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit())
}

/// `POST /api/desk/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// Who is signed in (sign-in, `GET /api/desk/me`), or the account made or changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAnswer {
    pub staff: StaffMember,
}

/// `GET /api/desk/users` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffList {
    pub staff: Vec<StaffMember>,
}

/// One line of the audit log: who did what, to what, when and from where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The person ("Ada Admin <ada@store.example>"), the API key, or the email a failed
    /// sign-in gave.
    pub actor: String,
    pub staff_id: Option<i64>,
    /// What was done, as `area.verb` (sign_in, conversation.reply, api_key.create…).
    pub action: String,
    /// What it was done to (a conversation id, a ticket, a key, an account, a document).
    pub target: String,
    pub detail: String,
    /// The client's address.
    pub ip: String,
}

impl crate::csv::CsvRecord for AuditEntry {
    const HEADERS: &'static [&'static str] = &[
        "id", "at", "actor", "staff_id", "action", "target", "detail", "ip",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.at.to_rfc3339(),
            self.actor.clone(),
            self.staff_id.map(|i| i.to_string()).unwrap_or_default(),
            self.action.clone(),
            self.target.clone(),
            self.detail.clone(),
            self.ip.clone(),
        ]
    }
}

/// `GET /api/desk/audit?before=<id>` (admin): newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next page; none when this is the last.
    pub next_before: Option<i64>,
}

/// `POST /api/desk/me/password`: the signed-in person's own password, with the current one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// `POST /api/desk/users/{id}/password` (admin): a new password for someone else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPassword {
    pub new_password: String,
}

/// `POST /api/desk/users/{id}/role` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRole {
    pub role: StaffRole,
}

/// `POST /api/desk/users` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaff {
    pub email: String,
    pub name: String,
    pub password: String,
    #[serde(default = "default_role")]
    pub role: StaffRole,
}

fn default_role() -> StaffRole {
    StaffRole::Agent
}

/// `POST /api/desk/users/{id}/active` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetActive {
    pub active: bool,
}

/// `GET /api/desk/api-keys` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyList {
    pub keys: Vec<ApiKey>,
}

/// `POST /api/desk/api-keys` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub name: String,
    #[serde(default)]
    pub rate_per_minute: Option<i64>,
    /// At least one; the desk offers each with its description.
    pub scopes: Vec<ApiScope>,
}

/// The new key, with its secret shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    pub secret: String,
}
