//! Alerts to the team when a customer waits for them: an escalation, a new ticket, a rating of 1
//! or 2. Each alert becomes one stored delivery per webhook (`WEBHOOK_URLS`) and, when SMTP is
//! configured, per active team member's email (`store::alerts`); a worker on every instance
//! sends what is due, one instance per delivery.
//!
//! A webhook gets the JSON [`AlertPayload`] with `X-Signature-256: sha256=<hex>`, the HMAC-SHA256
//! of `"<X-Signature-Timestamp>.<body>"` under `WEBHOOK_SECRET`, so a receiver checks both who
//! sent it and that it is fresh. A 2xx answer delivers it; a network error, a timeout, a 5xx,
//! 408 or 429 is tried again after 1, 4, 16, 64 and 256 seconds; any other answer, or the sixth
//! failure, fails it. The desk shows the log.

use domain::api::desk::{AlertDelivery, AlertPayload};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;
use store::alerts::{DeliveryOutcome, DeliveryRow};
use support::tools::{Mail, Mailer};
use tokio::sync::Notify;

/// Attempts before a delivery fails for good.
pub const MAX_ATTEMPTS: i64 = 6;
/// How long one instance holds a delivery it is sending.
const LEASE_MS: i64 = 30_000;
/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How often the worker looks for deliveries that came due (or that another instance queued).
const POLL: Duration = Duration::from_secs(1);

/// Why the team is alerted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alert {
    Escalated {
        conversation_id: String,
        ticket_id: Option<i64>,
        priority: String,
        category: String,
    },
    TicketCreated {
        conversation_id: String,
        ticket_id: i64,
        priority: String,
        category: String,
    },
    LowRating {
        conversation_id: String,
        rating: u8,
    },
}

impl Alert {
    pub fn event(&self) -> &'static str {
        match self {
            Alert::Escalated { .. } => "conversation.escalated",
            Alert::TicketCreated { .. } => "ticket.created",
            Alert::LowRating { .. } => "rating.low",
        }
    }

    fn payload(&self, delivery_id: i64, at: chrono::DateTime<chrono::Utc>) -> AlertPayload {
        let mut payload = AlertPayload {
            event: self.event().to_owned(),
            delivery_id,
            conversation_id: None,
            ticket_id: None,
            priority: None,
            category: None,
            rating: None,
            occurred_at: at,
        };
        match self {
            Alert::Escalated {
                conversation_id,
                ticket_id,
                priority,
                category,
            } => {
                payload.conversation_id = Some(conversation_id.clone());
                payload.ticket_id = *ticket_id;
                payload.priority = Some(priority.clone());
                payload.category = Some(category.clone());
            }
            Alert::TicketCreated {
                conversation_id,
                ticket_id,
                priority,
                category,
            } => {
                payload.conversation_id = Some(conversation_id.clone());
                payload.ticket_id = Some(*ticket_id);
                payload.priority = Some(priority.clone());
                payload.category = Some(category.clone());
            }
            Alert::LowRating {
                conversation_id,
                rating,
            } => {
                payload.conversation_id = Some(conversation_id.clone());
                payload.rating = Some(*rating);
            }
        }
        payload
    }
}

/// The signature header's value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// The wait before attempt `attempts + 1`, after `attempts` failures: 1, 4, 16, 64, 256 s.
pub fn retry_delay(attempts: i64) -> Duration {
    Duration::from_secs(4_u64.pow(u32::try_from(attempts.clamp(1, 5) - 1).unwrap_or(0)))
}

/// Where alerts go and the worker that sends them. Cheap to clone.
#[derive(Clone)]
pub struct Alerts {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    webhooks: Vec<String>,
    secret: Option<crate::config::Secret>,
    /// SMTP: with it, alerts also go to the team by email.
    mailer: Option<Arc<dyn Mailer>>,
    client: reqwest::Client,
    wake: Notify,
    metrics: Option<crate::services::metrics::Metrics>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Alerts {
    pub fn new(
        store: Store,
        webhooks: Vec<String>,
        secret: Option<crate::config::Secret>,
        mailer: Option<Arc<dyn Mailer>>,
        metrics: Option<crate::services::metrics::Metrics>,
    ) -> Alerts {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Alerts {
            inner: Arc::new(Inner {
                store,
                webhooks,
                secret,
                mailer,
                client,
                wake: Notify::new(),
                metrics,
            }),
        }
    }

    pub fn webhooks(&self) -> &[String] {
        &self.inner.webhooks
    }

    pub fn emails(&self) -> bool {
        self.inner.mailer.is_some()
    }

    /// Queues the alert for every target and wakes the worker. A failure to queue is logged:
    /// the customer's request that caused it goes on.
    pub async fn raise(&self, alert: Alert) {
        let mut targets: Vec<(&str, String)> = self
            .inner
            .webhooks
            .iter()
            .map(|url| ("webhook", url.clone()))
            .collect();
        if self.inner.mailer.is_some() {
            match self.inner.store.list_staff().await {
                Ok(staff) => targets.extend(
                    staff
                        .into_iter()
                        .filter(|s| s.active)
                        .map(|s| ("email", s.email)),
                ),
                Err(e) => tracing::warn!(error = %e, "alerts: cannot read the team's addresses"),
            }
        }
        if targets.is_empty() {
            return;
        }
        let at = chrono::Utc::now();
        let targets: Vec<(&str, &str)> = targets.iter().map(|(c, t)| (*c, t.as_str())).collect();
        let queued = self
            .inner
            .store
            .queue_alert(
                alert.event(),
                &targets,
                |id| serde_json::to_string(&alert.payload(id, at)).unwrap_or_default(),
                at.timestamp_millis(),
            )
            .await;
        match queued {
            Ok(ids) => {
                tracing::info!(
                    event = alert.event(),
                    deliveries = ids.len(),
                    "alert queued"
                );
                self.inner.wake.notify_one();
            }
            Err(e) => tracing::error!(error = %e, event = alert.event(), "cannot queue an alert"),
        }
    }

    /// Sends every delivery due at `now_ms`; how many were attempted.
    pub async fn deliver_due(&self, now_ms: i64) -> usize {
        let mut attempted = 0;
        loop {
            let row = match self.inner.store.claim_delivery(now_ms, LEASE_MS).await {
                Ok(Some(row)) => row,
                Ok(None) => return attempted,
                Err(e) => {
                    tracing::warn!(error = %e, "alerts: cannot claim a delivery");
                    return attempted;
                }
            };
            attempted += 1;
            self.attempt(row, now_ms).await;
        }
    }

    async fn attempt(&self, row: DeliveryRow, at_ms: i64) {
        let started = Instant::now();
        let (http_status, result) = match row.channel.as_str() {
            "webhook" => self.post(&row).await,
            _ => (None, self.mail(&row).await.map_err(|e| (e, true))),
        };
        let outcome = match &result {
            Ok(()) => DeliveryOutcome::Delivered { http_status },
            Err((error, retry)) if *retry && row.attempts < MAX_ATTEMPTS => {
                let delay = i64::try_from(retry_delay(row.attempts).as_millis()).unwrap_or(1_000);
                DeliveryOutcome::Retry {
                    http_status,
                    error,
                    at_ms: at_ms + delay,
                }
            }
            Err((error, _)) => DeliveryOutcome::Failed { http_status, error },
        };
        let label = match outcome {
            DeliveryOutcome::Delivered { .. } => "delivered",
            DeliveryOutcome::Retry { .. } => "retry",
            DeliveryOutcome::Failed { .. } => "failed",
        };
        if let Some(metrics) = &self.inner.metrics {
            metrics.count(
                "alert_deliveries_total",
                vec![("channel", row.channel.clone()), ("outcome", label.into())],
                1.0,
            );
            metrics.observe(
                "alert_delivery_seconds",
                vec![("channel", row.channel.clone())],
                started.elapsed().as_secs_f64(),
            );
        }
        tracing::info!(
            delivery = row.id,
            channel = %row.channel,
            attempt = row.attempts,
            outcome = label,
            ms = started.elapsed().as_millis() as u64,
            "alert delivery"
        );
        if let Err(e) = self
            .inner
            .store
            .finish_delivery(row.id, outcome, at_ms.max(now_ms()))
            .await
        {
            tracing::error!(error = %e, delivery = row.id, "cannot record an alert delivery");
        }
    }

    /// POSTs the payload, signed. `Err((why, retry))`.
    async fn post(&self, row: &DeliveryRow) -> (Option<i64>, Result<(), (String, bool)>) {
        let timestamp = chrono::Utc::now().timestamp();
        let mut request = self
            .inner
            .client
            .post(&row.target)
            .header("content-type", "application/json")
            .header("user-agent", "ai-portfolio-alerts/1")
            .header("x-alert-event", &row.event)
            .header("x-delivery-id", row.id.to_string())
            .header("x-signature-timestamp", timestamp.to_string());
        if let Some(secret) = &self.inner.secret {
            use secrecy::ExposeSecret;
            request = request.header(
                "x-signature-256",
                signature(secret.expose_secret(), timestamp, &row.payload),
            );
        }
        match request.body(row.payload.clone()).send().await {
            Ok(response) => {
                let status = response.status();
                let code = Some(i64::from(status.as_u16()));
                if status.is_success() {
                    (code, Ok(()))
                } else {
                    let retry = status.is_server_error()
                        || status.as_u16() == 408
                        || status.as_u16() == 429;
                    (
                        code,
                        Err((format!("the receiver answered {status}"), retry)),
                    )
                }
            }
            Err(e) if e.is_timeout() => (
                None,
                Err((format!("no answer within {} s", TIMEOUT.as_secs()), true)),
            ),
            Err(e) => (
                None,
                Err((format!("could not reach the receiver ({e})"), true)),
            ),
        }
    }

    async fn mail(&self, row: &DeliveryRow) -> Result<(), String> {
        let Some(mailer) = &self.inner.mailer else {
            return Err("SMTP is not configured".into());
        };
        let payload: AlertPayload =
            serde_json::from_str(&row.payload).map_err(|e| format!("unreadable alert ({e})"))?;
        let what = match payload.event.as_str() {
            "conversation.escalated" => "A customer is waiting for a person".to_owned(),
            "ticket.created" => format!("New ticket #{}", payload.ticket_id.unwrap_or_default()),
            _ => format!(
                "A customer rated a conversation {} of 5",
                payload.rating.unwrap_or(0)
            ),
        };
        let body = format!(
            "{what}.\n\nConversation: {}\nTicket: {}\nPriority: {}\n\nOpen the support desk to answer.\n",
            payload.conversation_id.as_deref().unwrap_or("-"),
            payload.ticket_id.map_or("-".to_owned(), |t| t.to_string()),
            payload.priority.as_deref().unwrap_or("-"),
        );
        mailer
            .send(&Mail {
                to: row.target.clone(),
                subject: format!("[Support] {what}"),
                body,
            })
            .await
            .map(drop)
    }

    /// Sends what is due until the hub shuts down: at once when an alert is raised here, and
    /// every second for retries and for alerts another instance queued.
    pub fn start(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        if self.inner.webhooks.is_empty() && self.inner.mailer.is_none() {
            return;
        }
        let alerts = self.clone();
        tokio::spawn(async move {
            loop {
                alerts.deliver_due(now_ms()).await;
                tokio::select! {
                    () = alerts.inner.wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                    _ = shutdown.wait_for(|stop| *stop) => return,
                }
            }
        });
    }
}

/// A stored delivery as the desk shows it.
pub fn delivery_view(row: DeliveryRow) -> AlertDelivery {
    let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    AlertDelivery {
        id: row.id,
        event: row.event,
        channel: row.channel,
        target: row.target,
        next_attempt_at: (row.status == "pending").then(|| at(row.next_attempt_ms)),
        status: row.status,
        attempts: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error,
        created_at: at(row.created_ms),
        delivered_at: row.delivered_ms.map(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_rfc_4231_hmac_of_timestamp_dot_body() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature("Jefe", 0, "what do ya want for nothing?").len(),
            "sha256=".len() + 64
        );
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap_or_else(|_| unreachable!());
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // What is signed is "<timestamp>.<body>": a changed timestamp or body changes it.
        let signed = signature("secret", 1_700_000_000, "{}");
        assert_ne!(signed, signature("secret", 1_700_000_001, "{}"));
        assert_ne!(signed, signature("secret", 1_700_000_000, "{ }"));
        assert_ne!(signed, signature("other", 1_700_000_000, "{}"));
    }

    #[test]
    fn retries_wait_longer_each_time() {
        let waits: Vec<u64> = (1..=5).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(waits, vec![1, 4, 16, 64, 256]);
    }
}
