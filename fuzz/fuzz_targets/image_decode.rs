//! Uploaded bytes through the classifier's decoding: content sniffing, bounded decode of JPEG,
//! PNG, GIF and WebP, transparency flattening and the resize to the network's input. Any panic,
//! hang or runaway allocation here is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(image) = vision::preprocess::decode(data) {
        assert!(image.width() > 0 && image.height() > 0);
        assert!(image.width() <= vision::preprocess::MAX_SIDE);
        assert!(image.height() <= vision::preprocess::MAX_SIDE);
        // The resize only for small pictures, to keep executions fast.
        if u64::from(image.width()) * u64::from(image.height()) <= 512 * 512 {
            let chw = vision::preprocess::to_chw(&vision::preprocess::resize(&image));
            assert_eq!(chw.len(), 3 * 224 * 224);
        }
    }
});
