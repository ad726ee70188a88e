// Voice in the browser: record the microphone as the browser encodes it (WebM/Opus in Chromium,
// Ogg/Opus in Firefox) with a live level, end a turn on silence, send the recording to
// /api/voice/transcribe; speak replies through /api/voice/speak. Plain JavaScript loaded only by
// the pages with voice, so the WebAssembly stays small; the pages call window.aiVoice.
(() => {
  "use strict";
  const MAX_MS = 60_000;
  const SILENCE_MS = 1_200;
  const SPEECH_LEVEL = 0.04;
  let current = null; // the recording in progress
  let player = null; // the reply being spoken

  const blocked = (e) => {
    if (e && (e.name === "NotAllowedError" || e.name === "SecurityError")) {
      return "The browser blocked the microphone. Allow it for this site (the icon beside the address) and try again.";
    }
    if (e && e.name === "NotFoundError") return "No microphone was found on this device.";
    return `The microphone could not start (${(e && e.message) || e}).`;
  };

  const pickType = () => {
    for (const t of ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"]) {
      if (window.MediaRecorder && MediaRecorder.isTypeSupported(t)) return t;
    }
    return "";
  };

  async function answer(response) {
    const text = await response.text();
    if (response.ok) return JSON.parse(text);
    let message = `The server answered ${response.status}.`;
    try { message = JSON.parse(text).error.message || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }

  // 16-bit mono WAV of Float32 sample blocks (the server resamples to 16 kHz).
  function wav(blocks, rate) {
    const n = blocks.reduce((sum, b) => sum + b.length, 0);
    if (!n) return new Blob([], { type: "audio/wav" });
    const view = new DataView(new ArrayBuffer(44 + 2 * n));
    const text = (at, s) => { for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
    text(0, "RIFF"); view.setUint32(4, 36 + 2 * n, true); text(8, "WAVEfmt ");
    view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
    view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true);
    view.setUint16(32, 2, true); view.setUint16(34, 16, true);
    text(36, "data"); view.setUint32(40, 2 * n, true);
    let at = 44;
    for (const block of blocks) {
      for (const x of block) { view.setInt16(at, Math.max(-1, Math.min(1, x)) * 32767, true); at += 2; }
    }
    return new Blob([view.buffer], { type: "audio/wav" });
  }

  // Records until stop() (hold to talk) or, with `endOnSilence`, until a pause after speech;
  // resolves with the transcription. `meter` is an element whose width shows the level.
  async function record(meter, endOnSilence, language) {
    endOnSilence = Boolean(endOnSilence);
    if (current) throw new Error("A recording is already in progress.");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("This browser cannot record audio here (it needs a secure page, https or localhost).");
    }
    // Registered before the permission prompt, so a release or a tap during it is not lost.
    current = { finish: null, endOnSilence, stopped: false };
    const state = current;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch (e) {
      current = null;
      throw new Error(blocked(e));
    }
    const type = pickType();
    const context = new (window.AudioContext || window.webkitAudioContext)();
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    // Opus as the browser encodes it where it can (Chromium, Firefox); elsewhere (Safari records
    // only MP4/AAC) the samples themselves, sent as WAV.
    let active = true;
    let recorder = null;
    let processor = null;
    const chunks = [];
    const pcm = [];
    let stopped;
    const done = new Promise((resolve) => { stopped = resolve; });
    if (type) {
      recorder = new MediaRecorder(stream, { mimeType: type });
      recorder.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
      recorder.onstop = stopped;
    } else {
      processor = context.createScriptProcessor(4096, 1, 1);
      processor.onaudioprocess = (e) => { if (active) pcm.push(new Float32Array(e.inputBuffer.getChannelData(0))); };
      source.connect(processor);
      processor.connect(context.destination); // silent: the output buffer is left empty
    }
    const samples = new Float32Array(analyser.fftSize);
    const started = performance.now();
    let heard = false;
    let quietSince = null;
    const finish = () => {
      if (!active) return;
      active = false;
      if (recorder) recorder.stop(); else stopped();
    };
    const tick = () => {
      if (!active) return;
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const level = Math.sqrt(sum / samples.length);
      if (meter) {
        const shown = Math.min(100, Math.round(level * 400));
        meter.style.width = `${shown}%`;
        (meter.parentElement || meter).setAttribute("aria-valuenow", String(shown));
      }
      const now = performance.now();
      if (level > SPEECH_LEVEL) { heard = true; quietSince = null; } else if (heard && quietSince === null) { quietSince = now; }
      if (state.endOnSilence && heard && quietSince !== null && now - quietSince > SILENCE_MS) finish();
      if (now - started > MAX_MS) finish();
      requestAnimationFrame(tick);
    };
    state.finish = finish;
    if (recorder) recorder.start(250);
    if (state.stopped) setTimeout(finish, 300);
    requestAnimationFrame(tick);
    await done;
    current = null;
    if (processor) processor.disconnect();
    stream.getTracks().forEach((t) => t.stop());
    context.close();
    if (meter) meter.style.width = "0%";
    const blob = recorder
      ? new Blob(chunks, { type: recorder.mimeType || type })
      : wav(pcm, context.sampleRate);
    if (!blob.size) throw new Error("Nothing was recorded; hold the button while you speak.");
    const form = new FormData();
    const name = blob.type.includes("wav") ? "speech.wav" : blob.type.includes("ogg") ? "speech.ogg" : "speech.webm";
    form.append("file", blob, name);
    if (language) form.append("language", language);
    return answer(await fetch("/api/voice/transcribe", { method: "POST", body: form }));
  }

  function stop() {
    if (!current) return;
    current.stopped = true;
    if (current.finish) current.finish();
  }

  // A tap rather than a hold: the recording in progress now ends at the next pause.
  function endOnSilence() { if (current) current.endOnSilence = true; }

  function recording() { return current !== null; }

  // Speaks `text` in `voice` ("support" or "pirate"); resolves when it has finished playing.
  async function speak(text, voice) {
    silence();
    const response = await fetch("/api/voice/speak", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text, voice }),
    });
    if (!response.ok) await answer(response);
    const url = URL.createObjectURL(await response.blob());
    const audio = new Audio(url);
    player = audio;
    try {
      await new Promise((resolve, reject) => {
        audio.onended = resolve;
        audio.onpause = resolve;
        audio.onerror = () => reject(new Error("The browser could not play the spoken reply."));
        audio.play().catch(reject);
      });
    } finally {
      URL.revokeObjectURL(url);
      if (player === audio) player = null;
    }
  }

  function silence() { if (player) { player.pause(); player = null; } }

  window.aiVoice = { record, stop, endOnSilence, recording, speak, silence };
})();
