//! Ogg pages (RFC 3533) to the packets of the first logical stream, with each page's CRC checked
//! so that a damaged upload is refused rather than decoded into noise.

use super::OpusStream;
use crate::VoiceError;

fn bad(why: impl Into<String>) -> VoiceError {
    VoiceError::BadAudio(why.into())
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0u32;
    for b in bytes {
        crc ^= u32::from(*b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

pub(super) fn read(bytes: &[u8]) -> Result<OpusStream, VoiceError> {
    let mut at = 0;
    let mut serial = None;
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let mut partial: Vec<u8> = Vec::new();
    let mut last_granule = None;
    while at < bytes.len() {
        if bytes.len() < at + 27 || &bytes[at..at + 4] != b"OggS" {
            return Err(bad(
                "The Ogg file is damaged or cut short (a page header is missing).",
            ));
        }
        let header = &bytes[at..];
        let granule = u64::from_le_bytes(header[6..14].try_into().unwrap_or([0; 8]));
        let page_serial = u32::from_le_bytes(header[14..18].try_into().unwrap_or([0; 4]));
        let stored_crc = u32::from_le_bytes(header[22..26].try_into().unwrap_or([0; 4]));
        let segments = usize::from(header[26]);
        if header.len() < 27 + segments {
            return Err(bad("The Ogg file is cut short inside a page header."));
        }
        let lacing = &header[27..27 + segments];
        let body_len: usize = lacing.iter().map(|l| usize::from(*l)).sum();
        let page_len = 27 + segments + body_len;
        if header.len() < page_len {
            return Err(bad(
                "The Ogg file is cut short: its last page is incomplete.",
            ));
        }
        let mut page = header[..page_len].to_vec();
        page[22..26].fill(0);
        if crc32(&page) != stored_crc {
            return Err(bad("The Ogg file is damaged (a page fails its checksum)."));
        }
        let serial = *serial.get_or_insert(page_serial);
        if page_serial == serial {
            let mut body = &header[27 + segments..page_len];
            for l in lacing {
                let l = usize::from(*l);
                partial.extend_from_slice(&body[..l]);
                body = &body[l..];
                if l < 255 {
                    packets.push(std::mem::take(&mut partial));
                }
            }
            if granule != u64::MAX {
                last_granule = Some(granule);
            }
        }
        at += page_len;
    }
    let mut packets = packets.into_iter();
    let head = packets
        .next()
        .filter(|p| p.starts_with(b"OpusHead"))
        .ok_or_else(|| {
            VoiceError::UnsupportedType(
                "This Ogg file does not hold Opus audio; send Ogg/Opus, WebM/Opus or WAV.".into(),
            )
        })?;
    // The second packet is OpusTags (metadata); audio follows.
    let packets: Vec<Vec<u8>> = packets.skip(1).filter(|p| !p.is_empty()).collect();
    Ok(OpusStream {
        head,
        packets,
        total_48k: last_granule,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One page with the given packets (each under 255 bytes).
    pub(crate) fn page(
        serial: u32,
        seq: u32,
        granule: u64,
        flags: u8,
        packets: &[&[u8]],
    ) -> Vec<u8> {
        let mut p = b"OggS\0".to_vec();
        p.push(flags);
        p.extend_from_slice(&granule.to_le_bytes());
        p.extend_from_slice(&serial.to_le_bytes());
        p.extend_from_slice(&seq.to_le_bytes());
        p.extend_from_slice(&[0; 4]);
        p.push(packets.len() as u8);
        for packet in packets {
            p.push(packet.len() as u8);
        }
        for packet in packets {
            p.extend_from_slice(packet);
        }
        let crc = crc32(&p);
        p[22..26].copy_from_slice(&crc.to_le_bytes());
        p
    }

    #[test]
    fn packets_come_out_and_damage_is_named() {
        let mut file = page(7, 0, 0, 2, &[b"OpusHead\x01\x01\x38\x01\x80\x3e\0\0\0\0\0"]);
        file.extend(page(7, 1, 0, 0, &[b"OpusTags"]));
        file.extend(page(7, 2, 960, 4, &[b"\xf8\x01", b"\xf8\x02"]));
        let stream = read(&file).unwrap();
        assert!(stream.head.starts_with(b"OpusHead"));
        assert_eq!(
            stream.packets,
            vec![b"\xf8\x01".to_vec(), b"\xf8\x02".to_vec()]
        );
        assert_eq!(stream.total_48k, Some(960));

        let cut = read(&file[..file.len() - 1]).unwrap_err().to_string();
        assert!(cut.contains("cut short"), "{cut}");
        let mut damaged = file.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 0x55;
        let damaged = read(&damaged).unwrap_err().to_string();
        assert!(damaged.contains("checksum"), "{damaged}");
        let vorbis = read(&page(1, 0, 0, 2, &[b"\x01vorbis"]))
            .unwrap_err()
            .to_string();
        assert!(vorbis.contains("does not hold Opus"), "{vorbis}");
    }
}
