//! Reading settings from the environment: the parsers every group of settings shares, each
//! error naming the setting.

/// A true/false setting: `1`/`true`/`yes` or `0`/`false`/`no`/empty; anything else is an error
/// naming the setting.
pub fn flag(name: &str, value: &str) -> Result<bool, String> {
    match value {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" | "" => Ok(false),
        _ => Err(format!("{name} must be true or false, not {value:?}")),
    }
}

/// A whole-number setting from 1 to `max` read through `get`, or `None` when it is not set.
pub fn whole(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    max: u64,
) -> Result<Option<u64>, String> {
    match get(name) {
        None => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .map(Some)
            .ok_or_else(|| format!("{name} must be a positive whole number, not {v:?}")),
    }
}
