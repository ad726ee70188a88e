#!/usr/bin/env python3
"""faster-whisper, the reference implementation, on the same audio and the same weights (the
CTranslate2 Whisper base the project converts for candle): greedy decoding (beam 1, temperature 0),
English, timestamps on, no VAD, the same threads. Prints one line per file and the figures.

    voice_reference.py CT2_MODEL_DIR THREADS WAV... > transcripts.tsv
"""
import os
import resource
import sys
import time

from faster_whisper import WhisperModel


def main():
    model_dir, threads, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    started = time.perf_counter()
    model = WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=threads)
    load = time.perf_counter() - started
    audio_s = asr_s = 0.0
    for path in files:
        t = time.perf_counter()
        segments, info = model.transcribe(
            path,
            language="en",
            beam_size=1,
            temperature=0.0,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        text = " ".join(s.text.strip() for s in segments)
        asr_s += time.perf_counter() - t
        audio_s += info.duration
        print(f"{os.path.basename(path)}\t{text}", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"faster-whisper, {threads} thread(s): load {load:.2f} s, audio {audio_s:.1f} s, "
        f"recognition {asr_s:.2f} s (real-time factor {asr_s / max(audio_s, 1e-9):.3f}), "
        f"peak memory {peak_mb:.0f} MB",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
