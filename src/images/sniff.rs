//! What a file is, judged by its first bytes: names and declared types are chosen by the
//! sender and prove nothing.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
}

impl Sniffed {
    pub fn mime(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "image/jpeg",
            Sniffed::Png => "image/png",
        }
    }
}

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG_MAGIC: &[u8] = &[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];

pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.starts_with(JPEG_MAGIC) {
        Some(Sniffed::Jpeg)
    } else if bytes.starts_with(PNG_MAGIC) {
        Some(Sniffed::Png)
    } else {
        None
    }
}

/// True when these bytes start like a JPEG or PNG file (used to check that stored files are
/// not plain images).
pub fn looks_like_image(bytes: &[u8]) -> bool {
    sniff(bytes).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_jpeg_and_png_by_signature() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(Sniffed::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Sniffed::Png));
    }

    #[test]
    fn refuses_everything_else() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"PK\x03\x04"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), None);
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None, "too short to be a JPEG");
    }
}
