//! The CSV export's rows (RFC 4180, UTF-8): the table's columns, then phone, external id,
//! timezone and created date. Times are RFC 3339 in the viewer's timezone, as the page shows
//! them. A cell a spreadsheet would read as a formula is neutralised (OWASP "CSV injection").

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;

use crate::store::ExportRow;

/// The header row.
pub const HEADER: [&str; 11] = [
    "First name",
    "Last name",
    "Email",
    "Type",
    "Roles",
    "Status",
    "Last login",
    "Phone",
    "External ID",
    "Timezone",
    "Created",
];

/// The byte order mark the file starts with: without it, Excel reads UTF-8 as the machine's
/// legacy code page and mangles every accented name.
pub const BOM: &str = "\u{feff}";

/// Appends the header row to `out`.
pub fn write_header(out: &mut String) {
    write_record(out, HEADER.iter().copied());
}

/// Appends the row of `row`'s user to `out`, times in the timezone `tz`.
pub fn write_user(out: &mut String, row: &ExportRow, tz: Tz) {
    let roles = row.roles.join("; ");
    let last_login = row
        .last_login_at
        .map(|t| timestamp(t, tz))
        .unwrap_or_default();
    let created = timestamp(row.created_at, tz);
    write_record(
        out,
        [
            row.first_name.as_str(),
            row.last_name.as_str(),
            row.email.as_str(),
            row.user_type.as_str(),
            roles.as_str(),
            row.status.as_str(),
            last_login.as_str(),
            row.phone.as_deref().unwrap_or(""),
            row.external_id.as_deref().unwrap_or(""),
            row.timezone.as_deref().unwrap_or(""),
            created.as_str(),
        ],
    );
}

/// `at_ms` as RFC 3339 to the second, in `tz`.
fn timestamp(at_ms: i64, tz: Tz) -> String {
    Utc.timestamp_millis_opt(at_ms)
        .single()
        .unwrap_or_default()
        .with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// One record: cells separated by commas, ended by CRLF.
fn write_record<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// One cell. A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading `'`, so a spreadsheet shows it as text instead of running it (a phone number
/// `+4930…` reads `'+4930…`), and is quoted as OWASP advises. A cell holding a comma, a
/// quote or a line break is quoted, its quotes doubled.
fn write_cell(out: &mut String, cell: &str) {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = formula || cell.contains([',', '"', '\r', '\n']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in cell.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str) -> String {
        let mut out = String::new();
        write_cell(&mut out, s);
        out
    }

    #[test]
    fn cells_are_quoted_as_rfc_4180_says() {
        assert_eq!(cell("Ann"), "Ann");
        assert_eq!(cell(""), "");
        assert_eq!(cell("Lee, Jr."), "\"Lee, Jr.\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("O'Brien"), "O'Brien");
        assert_eq!(cell("Zoë Ñúñez"), "Zoë Ñúñez");
    }

    #[test]
    fn formulas_are_neutralised() {
        for bad in ["=1+2", "+4930123", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let out = cell(bad);
            assert!(out.starts_with("\"'"), "{bad:?} became {out:?}");
            assert!(out.ends_with('"'), "{bad:?} became {out:?}");
        }
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        // Only the first character counts.
        assert_eq!(cell("a=b"), "a=b");
    }

    #[test]
    fn a_record_ends_with_crlf() {
        let mut out = String::new();
        write_record(&mut out, ["a", "b,c", ""]);
        assert_eq!(out, "a,\"b,c\",\r\n");
    }
}
