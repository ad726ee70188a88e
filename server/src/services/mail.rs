//! Mail for real: one-time codes go out through the SMTP server in `SMTP_URL` (lettre, over
//! TLS with `smtps://` or `?tls=required`). Without it, the support agent keeps them in the demo
//! inbox instead, and the page says so.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use support::tools::{Mail, Mailer};

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `url`: `smtp://user:pass@host:port` (or `smtps://`, `?tls=required`); `from`: the sender.
    pub fn new(url: &str, from: &str) -> Result<SmtpMailer, String> {
        let from = crate::config::smtp_sender(from)?;
        let transport = crate::config::smtp_transport(url)?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(
        &'a self,
        mail: &'a Mail,
    ) -> Pin<Box<dyn Future<Output = Result<&'static str, String>> + Send + 'a>> {
        Box::pin(async move {
            let to: Mailbox = mail
                .to
                .parse()
                .map_err(|e| format!("not a mail address ({e})"))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(mail.subject.clone())
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
                .map_err(|e| format!("the message could not be built ({e})"))?;
            self.transport
                .send(message)
                .await
                .map(|_| "smtp")
                .map_err(|e| format!("the SMTP server refused the message ({e})"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    /// A minimal SMTP server (RFC 5321's dialogue: greeting, EHLO, MAIL, RCPT, DATA, QUIT) that
    /// keeps what it received: the real wire protocol, not a mock of the mailer.
    async fn smtp_sink() -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let handle = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.expect("accept");
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            let mut received = String::new();
            let mut in_data = false;
            write
                .write_all(b"220 sink ESMTP ready\r\n")
                .await
                .expect("greet");
            while let Ok(Some(line)) = lines.next_line().await {
                received.push_str(&line);
                received.push('\n');
                if in_data {
                    if line == "." {
                        in_data = false;
                        write
                            .write_all(b"250 2.0.0 queued\r\n")
                            .await
                            .expect("queued");
                    }
                    continue;
                }
                let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                let answer: &[u8] = match verb.as_str() {
                    "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
                    "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.1.0 ok\r\n",
                    "DATA" => {
                        in_data = true;
                        b"354 end with .\r\n"
                    }
                    "QUIT" => {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    }
                    _ => b"502 5.5.2 unknown\r\n",
                };
                write.write_all(answer).await.expect("answer");
            }
            received
        });
        (format!("smtp://127.0.0.1:{port}"), handle)
    }

    #[tokio::test]
    async fn a_code_goes_out_over_smtp() {
        let (url, sink) = smtp_sink().await;
        let mailer = SmtpMailer::new(&url, "Store <store@example.com>").expect("mailer");
        let mail = Mail {
            to: "ava.thompson@example.com".into(),
            subject: "Your verification code".into(),
            body: "Your code is 482913.".into(),
        };
        assert_eq!(mailer.send(&mail).await, Ok("smtp"));
        drop(mailer);
        let received = tokio::time::timeout(Duration::from_secs(10), sink)
            .await
            .expect("the sink finished")
            .expect("sink task");
        assert!(
            received.contains("RCPT TO:<ava.thompson@example.com>"),
            "{received}"
        );
        assert!(
            received.contains("Subject: Your verification code"),
            "{received}"
        );
        assert!(received.contains("482913"), "{received}");
    }

    #[test]
    fn bad_settings_are_refused_with_a_sentence() {
        assert!(SmtpMailer::new("smtp://127.0.0.1:2525", "not an address").is_err());
        assert!(SmtpMailer::new("ftp://x", "store@example.com").is_err());
    }
}
