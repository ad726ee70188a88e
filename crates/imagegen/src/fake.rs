//! A FAKE OF THE STABILITY AI AND OPENAI IMAGES CLOUD APIS for tests and the benchmark: a local
//! HTTP server speaking both wire protocols (Stability: multipart in, image bytes with
//! `finish-reason` out, its JSON error bodies; OpenAI: JSON in, base64 JSON out). The real APIs
//! cannot be reached from here. It is never used by the app itself.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A 1x1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xdf, 0xc0, 0x00,
    0x00, 0x04, 0x01, 0x01, 0x80, 0xc5, 0x2a, 0x18, 0x5d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];
pub const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP438AAAAQBAYDFKhhdAAAAAElFTkSuQmCC";

/// One request the fake received.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub fields: Vec<(String, String)>,
    pub json: Option<serde_json::Value>,
}

async fn read_request(socket: &mut TcpStream) -> Option<(String, Vec<(String, String)>, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut piece = [0_u8; 8192];
    loop {
        let n = socket.read(&mut piece).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&piece[..n]);
        let Some(split) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..split]).to_string();
        let mut lines = head.lines();
        let path = lines.next()?.split_whitespace().nth(1)?.to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            })
            .collect();
        let length = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        if buffer.len() >= split + 4 + length {
            return Some((
                path,
                headers,
                buffer[split + 4..split + 4 + length].to_vec(),
            ));
        }
    }
}

/// The fields of a multipart/form-data body.
fn multipart_fields(content_type: &str, body: &[u8]) -> Vec<(String, String)> {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(body);
    text.split(&format!("--{boundary}"))
        .filter_map(|part| {
            let (head, value) = part.split_once("\r\n\r\n")?;
            let name = head.split("name=\"").nth(1)?.split('"').next()?.to_string();
            Some((name, value.trim_end_matches("\r\n").to_string()))
        })
        .collect()
}

fn respond(status: u16, content_type: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        402 => "Payment Required",
        429 => "Too Many Requests",
        _ => "Error",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n{extra}connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Answers like Stability's SD3 endpoint, or like OpenAI's images endpoint, by path. The prompt
/// picks the outcome: "filtered", "no credits", "bad key", "busy", "flagged"; anything else works.
pub async fn fake_cloud() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let Ok(listener) = TcpListener::bind("127.0.0.1:0").await else {
        return (String::new(), Arc::default());
    };
    let base = listener
        .local_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let Some((path, headers, body)) = read_request(&mut socket).await else {
                    return;
                };
                let header = |name: &str| {
                    headers
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                let mut record = Seen {
                    path: path.clone(),
                    headers: headers.clone(),
                    ..Default::default()
                };
                let reply = if path == "/v2beta/stable-image/generate/sd3" {
                    record.fields = multipart_fields(&header("content-type"), &body);
                    let prompt = record
                        .fields
                        .iter()
                        .find(|(k, _)| k == "prompt")
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    if header("accept") != "image/*" {
                        respond(400, "application/json", "", br#"{"id":"x","name":"bad_request","errors":["accept must be image/* or application/json"]}"#)
                    } else if header("authorization") != "Bearer sk-stability-test"
                        || prompt.contains("bad key")
                    {
                        respond(401, "application/json", "", br#"{"id":"x","name":"unauthorized","errors":["authorization: invalid or missing API key"]}"#)
                    } else if prompt.contains("no credits") {
                        respond(
                            402,
                            "application/json",
                            "",
                            br#"{"id":"x","name":"payment_required","errors":["lack of balance"]}"#,
                        )
                    } else if prompt.contains("busy") {
                        respond(429, "application/json", "", br#"{"id":"x","name":"rate_limit_exceeded","errors":["You have exceeded the rate limit"]}"#)
                    } else if prompt.contains("filtered") {
                        respond(
                            200,
                            "image/png",
                            "finish-reason: CONTENT_FILTERED\r\nseed: 42\r\n",
                            PNG,
                        )
                    } else {
                        respond(
                            200,
                            "image/png",
                            "finish-reason: SUCCESS\r\nseed: 42\r\n",
                            PNG,
                        )
                    }
                } else if path == "/v1/images/generations" {
                    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                    record.json = Some(json.clone());
                    if json["prompt"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("flagged")
                    {
                        respond(400, "application/json", "", br#"{"error":{"message":"Your request was rejected as a result of our safety system.","type":"image_generation_user_error","param":null,"code":"content_policy_violation"}}"#)
                    } else {
                        let answer = serde_json::json!({"created": 1718000000, "data": [{"b64_json": PNG_BASE64}]});
                        respond(200, "application/json", "", answer.to_string().as_bytes())
                    }
                } else {
                    respond(404, "application/json", "", br#"{"error":"not found"}"#)
                };
                if let Ok(mut all) = log.lock() {
                    all.push(record);
                }
                let _ = socket.write_all(&reply).await;
            });
        }
    });
    (base, seen)
}
