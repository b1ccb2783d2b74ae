//! Redaction of known secret values from anything a guest writes (logs, errors).

/// The secrets of one connection; every occurrence is replaced before text leaves the sandbox.
#[derive(Debug, Default)]
pub struct Scrubber {
    secrets: Vec<String>,
}

const REDACTED: &str = "[redacted]";

impl Scrubber {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        // Very short values would redact ordinary words; credentials are never that short.
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Scrubber { secrets }
    }

    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Scrubber;

    #[test]
    fn replaces_every_secret() {
        let s = Scrubber::new(["sk_live_abcdef".to_string(), "abc".to_string(), "hunter22".to_string()]);
        assert_eq!(s.scrub("token sk_live_abcdef and hunter22, abc stays"), "token [redacted] and [redacted], abc stays");
    }
}
