//! The voice round trip and its figures: speaks each sentence with the embedded synthesiser,
//! transcribes it with Whisper and prints word error rate, real-time factor, load time, synthesis
//! latency and peak memory. Threads follow RAYON_NUM_THREADS (candle reads it).
//!
//!     voice_bench MODELS_DIR OUT_DIR SENTENCES.txt [MORE.txt ...]
//!
//! Writes OUT_DIR/<set>-<n>.wav (the audio, for faster-whisper to read the same) and
//! OUT_DIR/candle.tsv (file, reference, transcript).

use std::path::PathBuf;
use std::time::Instant;
use voice::synth::{self, Engine, Voice};
use voice::whisper::{Language, Recognizer};
use voice::{audio, wer};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err("usage: voice_bench MODELS_DIR OUT_DIR SENTENCES.txt [MORE.txt ...]".into());
    }
    let models = PathBuf::from(&args[0]);
    let out = PathBuf::from(&args[1]);
    std::fs::create_dir_all(&out)?;
    let engine = Engine::detect().ok_or("no speech engine: install flite or espeak-ng")?;
    let threads = candle_core::utils::get_num_threads();
    let started = Instant::now();
    let mut recognizer = Recognizer::load(&models)?;
    let load = started.elapsed().as_secs_f64();
    println!(
        "engine {}, {threads} thread(s), model load {:.2} s",
        engine.name(),
        load
    );
    let mut tsv = String::new();
    for set in &args[2..] {
        let name = PathBuf::from(set)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("set")
            .to_string();
        let lines: Vec<String> = std::fs::read_to_string(set)?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect();
        let (mut errors, mut words, mut audio_s, mut asr_s, mut tts_s) = (0, 0, 0.0, 0.0, 0.0);
        for (i, line) in lines.iter().enumerate() {
            let t = Instant::now();
            let wav = synth::speak(&engine, &synth::clean_text(line)?, Voice::Support).await?;
            tts_s += t.elapsed().as_secs_f64();
            let file = format!("{name}-{:02}.wav", i + 1);
            std::fs::write(out.join(&file), &wav)?;
            let decoded = audio::decode(&wav)?;
            let t = Instant::now();
            let transcript =
                recognizer.transcribe(&decoded.samples, &Language::Fixed("en".into()))?;
            asr_s += t.elapsed().as_secs_f64();
            audio_s += f64::from(decoded.seconds());
            let (e, n) = wer::errors(line, &transcript.text);
            errors += e;
            words += n;
            println!("{file}\t{e}/{n}\t{line}\t=> {}", transcript.text);
            tsv.push_str(&format!("{file}\t{line}\t{}\n", transcript.text));
        }
        println!(
            "{name}: {} sentences, WER {:.1}% ({errors}/{words} words), audio {:.1} s, recognition {:.2} s (real-time factor {:.3}), synthesis {:.0} ms per sentence",
            lines.len(),
            100.0 * errors as f64 / words.max(1) as f64,
            audio_s,
            asr_s,
            asr_s / audio_s.max(1e-9),
            1000.0 * tts_s / lines.len().max(1) as f64
        );
    }
    std::fs::write(out.join("candle.tsv"), tsv)?;
    println!("peak memory {:.0} MB", peak_rss_mb());
    Ok(())
}
