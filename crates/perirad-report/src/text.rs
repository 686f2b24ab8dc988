//! Escaping and number formatting for the HTML (every user-provided string goes through
//! [`escape`]; every number through a formatter that shows "n/a" for missing or non-finite values).

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The "not available" marker.
pub const NA: &str = "n/a";

/// A value with `digits` decimals, or "n/a".
pub fn num(value: f64, digits: usize) -> String {
    if value.is_finite() {
        let s = format!("{value:.digits$}");
        // "-0.000" reads as a sign error in a table.
        if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
            s[1..].to_string()
        } else {
            s
        }
    } else {
        NA.to_string()
    }
}

/// An optional value with `digits` decimals, or "n/a".
pub fn opt_num(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| NA.to_string(), |v| num(v, digits))
}

/// A p-value: three decimals, "< 0.001" below that, "n/a" when missing.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        Some(p) if p.is_finite() && p < 0.001 => "&lt; 0.001".to_string(),
        Some(p) if p.is_finite() => format!("{p:.3}"),
        _ => NA.to_string(),
    }
}

/// "0.812 (0.731–0.893)", "0.812" without a CI, or "n/a".
pub fn metric_with_ci(value: f64, lower: Option<f64>, upper: Option<f64>) -> String {
    if !value.is_finite() {
        return NA.to_string();
    }
    match (lower, upper) {
        (Some(l), Some(u)) if l.is_finite() && u.is_finite() => {
            format!("{} ({}–{})", num(value, 3), num(l, 3), num(u, 3))
        }
        _ => num(value, 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x&y")</script> it's"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; it&#39;s"
        );
        assert_eq!(escape("wavelet-LLH_glcm_Idmn"), "wavelet-LLH_glcm_Idmn");
        assert_eq!(escape("a\u{0}b"), "a\u{fffd}b");
    }

    #[test]
    fn numbers_show_na_when_missing() {
        assert_eq!(num(f64::NAN, 3), "n/a");
        assert_eq!(num(f64::INFINITY, 3), "n/a");
        assert_eq!(num(-0.0001, 3), "0.000");
        assert_eq!(num(0.81249, 3), "0.812");
        assert_eq!(opt_num(None, 2), "n/a");
        assert_eq!(p_value(Some(0.0004)), "&lt; 0.001");
        assert_eq!(p_value(Some(0.0412)), "0.041");
        assert_eq!(p_value(Some(f64::NAN)), "n/a");
        assert_eq!(
            metric_with_ci(0.8, Some(0.7), Some(0.9)),
            "0.800 (0.700–0.900)"
        );
        assert_eq!(metric_with_ci(0.8, None, Some(0.9)), "0.800");
        assert_eq!(metric_with_ci(f64::NAN, Some(0.7), Some(0.9)), "n/a");
    }
}
