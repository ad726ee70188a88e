//! Who did what on the desk: every staff action, sign-in and failed sign-in is written to the
//! audit log with the client's address. A write that fails is logged and does not undo the
//! action it records.

use store::Store;
use store::audit::NewAuditEntry;
use store::staff::Staff;

#[derive(Clone)]
pub struct Audit {
    store: Store,
}

impl Audit {
    pub fn new(store: Store) -> Audit {
        Audit { store }
    }

    pub async fn record(&self, entry: NewAuditEntry) {
        if let Err(e) = self.store.insert_audit(&entry, chrono::Utc::now()).await {
            tracing::error!(error = %e, action = %entry.action, "cannot write the audit log");
        }
    }

    /// An action by a signed-in staff member.
    pub async fn staff(&self, staff: &Staff, ip: &str, action: &str, target: &str, detail: &str) {
        self.record(NewAuditEntry {
            actor: actor(staff),
            staff_id: Some(staff.id),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_owned(),
            ip: ip.to_owned(),
        })
        .await;
    }
}

/// How a person appears in the log.
pub fn actor(staff: &Staff) -> String {
    format!("{} <{}>", staff.name, staff.email)
}
