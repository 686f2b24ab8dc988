//! Reading CSV tables: manifests' companions, feature tables (one row per patient, an ID column,
//! outcome columns and numeric feature columns) and fold-assignment tables. Plain CSV (RFC 4180
//! quoting), optionally gzip-compressed (`.gz`).

use crate::StudyError;
use std::io::Read;
use std::path::Path;

type Result<T> = std::result::Result<T, StudyError>;

fn invalid(m: String) -> StudyError {
    StudyError::Invalid(m)
}

/// A CSV file as header + rows of fields.
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads `path` (gzip when it ends in `.gz`). Every row must have as many fields as the header.
    pub fn read(path: &Path) -> Result<Csv> {
        let bytes = std::fs::read(path).map_err(|e| StudyError::file(path, e))?;
        let text = if path.extension().is_some_and(|e| e == "gz") {
            let mut s = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut s)
                .map_err(|_| {
                    invalid(format!(
                        "{}: not a gzip-compressed text file",
                        path.display()
                    ))
                })?;
            s
        } else {
            String::from_utf8(bytes)
                .map_err(|_| invalid(format!("{}: not UTF-8 text", path.display())))?
        };
        Self::parse(&text).map_err(|e| e.context(path.display().to_string()))
    }

    /// Parses CSV text: fields separated by commas, `"` quoting with `""` for a quote, CRLF or
    /// LF line ends; blank lines are skipped.
    pub fn parse(text: &str) -> Result<Csv> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records: Vec<(u64, Vec<String>)> = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                invalid(format!("line {line}: {e}"))
            })?;
            let line = rec.position().map_or(0, |p| p.line());
            let fields: Vec<String> = rec.iter().map(str::to_string).collect();
            if fields.len() == 1 && fields[0].trim().is_empty() {
                continue;
            }
            records.push((line, fields));
        }
        let mut it = records.into_iter();
        let Some((_, header)) = it.next() else {
            return Err(invalid("the file is empty (no header line)".into()));
        };
        let header: Vec<String> = header.into_iter().map(|h| h.trim().to_string()).collect();
        for (i, h) in header.iter().enumerate() {
            if header[..i].contains(h) {
                return Err(invalid(format!("column {h:?} appears twice in the header")));
            }
        }
        let mut rows = Vec::new();
        for (ln, r) in it {
            if r.len() != header.len() {
                return Err(invalid(format!(
                    "line {ln}: {} fields, the header has {}",
                    r.len(),
                    header.len()
                )));
            }
            rows.push(r);
        }
        Ok(Csv { header, rows })
    }

    /// The index of column `name`, or an error listing the columns.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            let mut shown: Vec<&str> = self.header.iter().take(8).map(String::as_str).collect();
            if self.header.len() > 8 {
                shown.push("...");
            }
            invalid(format!(
                "no column {name:?} (columns: {})",
                shown.join(", ")
            ))
        })
    }
}

/// A CSV field, quoted when it needs to be.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A cell that is neither a number nor a missing-value marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// A cell read as a number: `NA`, `NaN`, `nan`, `null` and empty cells are missing (`None`);
/// anything else that does not parse is an error.
pub fn parse_cell(cell: &str) -> std::result::Result<Option<f64>, NotANumber> {
    let t = cell.trim();
    if is_missing(t) {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) => Err(NotANumber),
        Err(_) => match t.to_ascii_lowercase().as_str() {
            "true" => Ok(Some(1.0)),
            "false" => Ok(Some(0.0)),
            _ => Err(NotANumber),
        },
    }
}

/// Whether a (trimmed) cell is a missing-value marker: empty, `NA`, `NaN`, `nan`, `null`,
/// `NULL`, `None` or `N/A`.
pub fn is_missing(t: &str) -> bool {
    t.is_empty() || matches!(t, "NA" | "NaN" | "nan" | "null" | "NULL" | "None" | "N/A")
}

/// Why a cell is not a binary outcome value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotBinary {
    /// A missing-value marker (see [`is_missing`]).
    Missing,
    /// Anything else that is not one of the accepted values.
    Other,
}

/// A binary outcome cell. With `positive`, true iff the cell equals it; without, `1`, `1.0`,
/// `true`, `yes` are true and `0`, `0.0`, `false`, `no` false (any case).
pub fn parse_flag(cell: &str, positive: Option<&str>) -> std::result::Result<bool, NotBinary> {
    let t = cell.trim();
    if is_missing(t) {
        return Err(NotBinary::Missing);
    }
    match positive {
        Some(p) => Ok(t == p),
        None => match t.to_ascii_lowercase().as_str() {
            "1" | "1.0" | "true" | "yes" => Ok(true),
            "0" | "0.0" | "false" | "no" => Ok(false),
            _ => Err(NotBinary::Other),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quotes_crlf_and_blank_lines() {
        let c = Csv::parse("id,\"a,b\",c\r\n1,\"x \"\"q\"\"\",3\r\n\r\n2,,4\n").expect("valid csv");
        assert_eq!(c.header, ["id", "a,b", "c"]);
        assert_eq!(c.rows.len(), 2);
        assert_eq!(c.rows[0][1], "x \"q\"");
        assert_eq!(c.rows[1][1], "");
        assert_eq!(c.column("c").expect("exists"), 2);
        assert!(c.column("zz").is_err());
    }

    #[test]
    fn rejects_ragged_rows_and_open_quotes() {
        let e = Csv::parse("a,b\n1,2,3\n").err().expect("ragged");
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(Csv::parse("a,b\n\"1,2\n").is_err());
        assert!(Csv::parse("").is_err());
        assert!(Csv::parse("a,a\n1,2\n").is_err());
    }

    #[test]
    fn cells() {
        assert_eq!(parse_cell(" 1.5e3 "), Ok(Some(1500.0)));
        assert_eq!(parse_cell("NA"), Ok(None));
        assert_eq!(parse_cell(""), Ok(None));
        assert_eq!(parse_cell("abc"), Err(NotANumber));
        assert_eq!(parse_cell("inf"), Err(NotANumber));
        assert_eq!(parse_cell("TRUE"), Ok(Some(1.0)));
        assert_eq!(parse_flag(" Yes ", None), Ok(true));
        assert_eq!(parse_flag("0.0", None), Ok(false));
        assert_eq!(parse_flag("2", None), Err(NotBinary::Other));
        assert_eq!(parse_flag("NA", Some("MVI+")), Err(NotBinary::Missing));
        assert_eq!(parse_flag("MVI+", Some("MVI+")), Ok(true));
        assert_eq!(parse_flag("MVI-", Some("MVI+")), Ok(false));
    }
}
