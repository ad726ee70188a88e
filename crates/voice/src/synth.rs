//! Speech synthesis through a real offline engine run as a process with a timeout: flite (CMU's
//! Festival-lite; its "rms" voice was the clearest to Whisper of the five tried, see
//! docs/benchmarks.md) or,
//! where flite is not installed, espeak-ng. Both write WAV to stdout; text is passed as one
//! argument, never through a shell.

use crate::VoiceError;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::process::Command;

/// The longest text spoken at once, in characters.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// A synthesis taking longer than this is stopped.
const TIMEOUT: Duration = Duration::from_secs(20);

/// An installed engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    Flite(PathBuf),
    EspeakNg(PathBuf),
}

impl Engine {
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Flite(_) => "flite",
            Engine::EspeakNg(_) => "espeak-ng",
        }
    }

    /// The engine found on PATH (flite first), or at `FLITE_BIN` / `ESPEAK_NG_BIN`.
    pub fn detect() -> Option<Engine> {
        let explicit = |var: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .filter(|p| p.is_file())
        };
        if let Some(p) = explicit("FLITE_BIN").or_else(|| on_path("flite")) {
            return Some(Engine::Flite(p));
        }
        explicit("ESPEAK_NG_BIN")
            .or_else(|| on_path("espeak-ng"))
            .map(Engine::EspeakNg)
    }

    fn command(&self, text: &str, voice: Voice) -> Command {
        match self {
            Engine::Flite(path) => {
                let mut c = Command::new(path);
                // The pirate gets a Scottish male voice, slowed a little and lowered.
                let (name, extra): (&str, &[&str]) = match voice {
                    Voice::Support => ("rms", &[]),
                    Voice::Pirate => (
                        "awb",
                        &[
                            "--setf",
                            "duration_stretch=1.1",
                            "--setf",
                            "int_f0_target_mean=95",
                        ],
                    ),
                };
                c.args(["-voice", name])
                    .args(extra)
                    .args(["-o", "/dev/stdout", "-t", text]);
                c
            }
            Engine::EspeakNg(path) => {
                let mut c = Command::new(path);
                let (name, pitch, speed) = match voice {
                    Voice::Support => ("en-us+f3", "50", "165"),
                    Voice::Pirate => ("en+m3", "25", "145"),
                };
                c.args(["-v", name, "-p", pitch, "-s", speed, "--stdout", "--", text]);
                c
            }
        }
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
}

/// The voices the app speaks with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Voice {
    Support,
    Pirate,
}

impl Voice {
    pub fn parse(raw: &str) -> Option<Voice> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "support" | "" => Some(Voice::Support),
            "pirate" => Some(Voice::Pirate),
            _ => None,
        }
    }
}

/// Text made safe to speak: control characters become spaces, markdown marks are dropped,
/// whitespace is collapsed; empty or overlong text is refused with a sentence.
pub fn clean_text(raw: &str) -> Result<String, VoiceError> {
    let text: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !matches!(c, '*' | '_' | '`' | '#' | '>' | '|' | '[' | ']'))
        .collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(VoiceError::Invalid("There is no text to speak.".into()));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(VoiceError::Invalid(format!(
            "The text is {chars} characters long; at most {MAX_TEXT_CHARS} can be spoken at once."
        )));
    }
    Ok(text)
}

/// Speaks cleaned text with an engine; returns WAV bytes.
pub async fn speak(engine: &Engine, text: &str, voice: Voice) -> Result<Vec<u8>, VoiceError> {
    let mut command = engine.command(text, voice);
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| {
        VoiceError::Engine(format!(
            "The speech engine {} could not start: {e}.",
            engine.name()
        ))
    })?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| VoiceError::Engine("The speech engine gave no output.".into()))?;
    let run = async {
        let mut wav = Vec::new();
        stdout.read_to_end(&mut wav).await?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((wav, status))
    };
    let (wav, status) = tokio::time::timeout(TIMEOUT, run)
        .await
        .map_err(|_| {
            VoiceError::Engine(format!(
                "The speech engine took longer than {} s and was stopped.",
                TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| VoiceError::Engine(format!("The speech engine failed: {e}.")))?;
    if !status.success() || wav.len() < 44 || !wav.starts_with(b"RIFF") {
        return Err(VoiceError::Engine(format!(
            "The speech engine {} failed ({status}).",
            engine.name()
        )));
    }
    Ok(fix_wav_sizes(wav))
}

/// Writers to a pipe cannot seek back to fill in the RIFF and data sizes; set them so every
/// player reads the file.
fn fix_wav_sizes(mut wav: Vec<u8>) -> Vec<u8> {
    let total = wav.len();
    wav[4..8].copy_from_slice(&((total - 8) as u32).to_le_bytes());
    let mut at = 12;
    while at + 8 <= total {
        let size =
            u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        if &wav[at..at + 4] == b"data" {
            let len = (total - at - 8) as u32;
            wav[at + 4..at + 8].copy_from_slice(&len.to_le_bytes());
            break;
        }
        at += 8 + size + (size & 1);
    }
    wav
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cleaned_and_bounded() {
        assert_eq!(
            clean_text("  **Order** #10428\nshipped\t").unwrap(),
            "Order 10428 shipped"
        );
        assert!(
            clean_text(" \n ")
                .unwrap_err()
                .to_string()
                .contains("no text")
        );
        assert!(
            clean_text(&"a".repeat(1_001))
                .unwrap_err()
                .to_string()
                .contains("1001 characters")
        );
        assert_eq!(Voice::parse("Pirate"), Some(Voice::Pirate));
        assert_eq!(Voice::parse("robot"), None);
    }

    #[test]
    fn sizes_left_open_by_a_pipe_are_filled_in() {
        let mut wav = crate::audio::wav_bytes(&[0.1; 100], 16_000);
        wav[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        wav[40..44].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        let fixed = fix_wav_sizes(wav.clone());
        assert_eq!(
            u32::from_le_bytes([fixed[40], fixed[41], fixed[42], fixed[43]]),
            200
        );
        assert_eq!(
            u32::from_le_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
            (wav.len() - 8) as u32
        );
    }
}
