//! Word error rate of a transcript file against its references, one sentence per line (the
//! same normalisation as the tests): `voice_score REFERENCES.txt TRANSCRIPTS.txt`. Used to score
//! faster-whisper's transcripts (scripts/voice_reference.py) beside candle's.

fn lines(path: &str) -> Result<Vec<String>, std::io::Error> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [refs, hyps] = args.as_slice() else {
        return Err("usage: voice_score REFERENCES.txt TRANSCRIPTS.txt".into());
    };
    let (refs, hyps) = (lines(refs)?, lines(hyps)?);
    let (mut errors, mut words) = (0, 0);
    for (r, h) in refs.iter().zip(&hyps) {
        let (e, n) = voice::wer::errors(r, h);
        errors += e;
        words += n;
    }
    println!(
        "WER {:.1}% ({errors}/{words} words, {} sentences)",
        100.0 * errors as f64 / words.max(1) as f64,
        hyps.len()
    );
    Ok(())
}
