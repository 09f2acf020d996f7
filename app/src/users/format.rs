//! Numbers and counts as the page writes them.

use super::query::MatchCount;

impl MatchCount {
    /// "1 user matches", "2,345 users match", "10,000+ users match".
    pub fn label(&self) -> String {
        let n = group_thousands(self.count);
        match (self.count, self.capped) {
            (_, true) => format!("{n}+ users match"),
            (1, false) => "1 user matches".into(),
            _ => format!("{n} users match"),
        }
    }
}

/// 12345 → "12,345".
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_naturally() {
        assert_eq!(
            MatchCount {
                count: 1,
                capped: false
            }
            .label(),
            "1 user matches"
        );
        assert_eq!(
            MatchCount {
                count: 12345,
                capped: false
            }
            .label(),
            "12,345 users match"
        );
        assert_eq!(
            MatchCount {
                count: 10000,
                capped: true
            }
            .label(),
            "10,000+ users match"
        );
    }
}
