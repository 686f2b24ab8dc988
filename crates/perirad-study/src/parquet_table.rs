//! Parquet versions of the long and wide tables (`--format parquet`), written with the parquet
//! crate's column writer: strings as UTF-8 byte arrays, values as doubles (NaN kept), a wide
//! cell with no value as null. Row groups of at most [`LONG_GROUP`] long rows or
//! [`WIDE_GROUP`] cases; snappy-compressed pages. Written under a temporary name and renamed
//! when complete, like every table.

use crate::StudyError;
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{Type, TypePtr};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Long-table rows per row group.
pub const LONG_GROUP: usize = 1 << 20;
/// Wide-table cases per row group.
pub const WIDE_GROUP: usize = 256;

fn err(path: &Path, e: impl std::fmt::Display) -> StudyError {
    StudyError::Output {
        path: path.to_path_buf(),
        reason: format!("parquet: {e}"),
    }
}

fn column(name: &str, physical: Physical, required: bool) -> Result<TypePtr, StudyError> {
    let mut b = Type::primitive_type_builder(name, physical).with_repetition(if required {
        Repetition::REQUIRED
    } else {
        Repetition::OPTIONAL
    });
    if physical == Physical::BYTE_ARRAY {
        b = b.with_logical_type(Some(LogicalType::String));
    }
    b.build()
        .map(Arc::new)
        .map_err(|e| StudyError::Invalid(format!("parquet column {name:?}: {e}")))
}

/// The value of a table cell: the written decimal read back (`NaN` included).
fn number(path: &Path, s: &str) -> Result<f64, StudyError> {
    s.parse::<f64>()
        .map_err(|_| err(path, format!("{s:?} is not a number")))
}

/// A parquet file being written.
struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    inner: SerializedFileWriter<File>,
}

impl Writer {
    fn create(path: &Path, fields: Vec<TypePtr>) -> Result<Writer, StudyError> {
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(|e| err(path, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("perirad {}", env!("CARGO_PKG_VERSION")))
            .build();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
        let file = File::create(&tmp).map_err(|e| StudyError::file(&tmp, e))?;
        let inner = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))
            .map_err(|e| err(path, e))?;
        Ok(Writer {
            path: path.to_path_buf(),
            tmp,
            inner,
        })
    }

    /// Writes one row group: `text[c]` for the string columns (then `None` cells as null when
    /// the column is optional), `values[c]` for the double columns, in schema order.
    fn group(&mut self, columns: Vec<Column>) -> Result<(), StudyError> {
        let path = self.path.clone();
        let mut rg = self.inner.next_row_group().map_err(|e| err(&path, e))?;
        let mut columns = columns.into_iter();
        while let Some(mut col) = rg.next_column().map_err(|e| err(&path, e))? {
            let Some(data) = columns.next() else {
                return Err(err(&path, "more schema columns than data"));
            };
            match data {
                Column::Text(cells) => {
                    let def: Vec<i16> = cells.iter().map(|c| i16::from(c.is_some())).collect();
                    let values: Vec<ByteArray> = cells
                        .into_iter()
                        .flatten()
                        .map(|s| ByteArray::from(s.into_bytes()))
                        .collect();
                    col.typed::<ByteArrayType>()
                        .write_batch(&values, Some(&def), None)
                        .map_err(|e| err(&path, e))?;
                }
                Column::Number(cells) => {
                    let def: Vec<i16> = cells.iter().map(|c| i16::from(c.is_some())).collect();
                    let values: Vec<f64> = cells.into_iter().flatten().collect();
                    col.typed::<DoubleType>()
                        .write_batch(&values, Some(&def), None)
                        .map_err(|e| err(&path, e))?;
                }
            }
            col.close().map_err(|e| err(&path, e))?;
        }
        rg.close().map_err(|e| err(&path, e))?;
        Ok(())
    }

    fn finish(self) -> Result<(), StudyError> {
        let Writer { path, tmp, inner } = self;
        let file = inner.into_inner().map_err(|e| err(&path, e))?;
        file.sync_all().map_err(|e| StudyError::file(&tmp, e))?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(|e| StudyError::file(&path, e))
    }
}

/// The cells of one column of a row group.
enum Column {
    Text(Vec<Option<String>>),
    Number(Vec<Option<f64>>),
}

/// The long table `case_id, phase, region, feature` (strings) and `value` (double).
pub(crate) struct LongParquet {
    writer: Writer,
    text: [Vec<Option<String>>; 4],
    values: Vec<Option<f64>>,
}

impl LongParquet {
    pub(crate) fn create(path: &Path) -> Result<LongParquet, StudyError> {
        let mut fields = Vec::new();
        for name in ["case_id", "phase", "region", "feature"] {
            fields.push(column(name, Physical::BYTE_ARRAY, true)?);
        }
        fields.push(column("value", Physical::DOUBLE, true)?);
        Ok(LongParquet {
            writer: Writer::create(path, fields)?,
            text: Default::default(),
            values: Vec::new(),
        })
    }

    pub(crate) fn push(
        &mut self,
        case_id: &str,
        row: &crate::table::Row,
    ) -> Result<(), StudyError> {
        let value = number(&self.writer.path, &row[3])?;
        self.text[0].push(Some(case_id.to_string()));
        for (c, v) in self.text[1..].iter_mut().zip(&row[..3]) {
            c.push(Some(v.clone()));
        }
        self.values.push(Some(value));
        if self.values.len() >= LONG_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StudyError> {
        if self.values.is_empty() {
            return Ok(());
        }
        let mut columns: Vec<Column> = self
            .text
            .iter_mut()
            .map(|c| Column::Text(std::mem::take(c)))
            .collect();
        columns.push(Column::Number(std::mem::take(&mut self.values)));
        self.writer.group(columns)
    }

    pub(crate) fn finish(mut self) -> Result<(), StudyError> {
        self.flush()?;
        self.writer.finish()
    }
}

/// The wide table: `case_id` and the passthrough columns (strings), then one double column per
/// feature (null where the case has no value).
pub(crate) struct WideParquet {
    writer: Writer,
    texts: usize,
    rows: Vec<Vec<String>>,
}

impl WideParquet {
    /// `header`: every column name; the first `texts` are strings.
    pub(crate) fn create(
        path: &Path,
        header: &[String],
        texts: usize,
    ) -> Result<WideParquet, StudyError> {
        let mut fields = Vec::new();
        for (i, name) in header.iter().enumerate() {
            fields.push(if i < texts {
                column(name, Physical::BYTE_ARRAY, i == 0)?
            } else {
                column(name, Physical::DOUBLE, false)?
            });
        }
        Ok(WideParquet {
            writer: Writer::create(path, fields)?,
            texts,
            rows: Vec::new(),
        })
    }

    /// One case: every cell as the CSV would hold it (empty: no value).
    pub(crate) fn push(&mut self, cells: Vec<String>) -> Result<(), StudyError> {
        self.rows.push(cells);
        if self.rows.len() >= WIDE_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StudyError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let width = rows[0].len();
        let mut columns = Vec::with_capacity(width);
        for c in 0..width {
            if c < self.texts {
                columns.push(Column::Text(
                    rows.iter()
                        .map(|r| Some(r[c].clone()).filter(|s| c == 0 || !s.is_empty()))
                        .collect(),
                ));
            } else {
                let mut cells = Vec::with_capacity(rows.len());
                for r in &rows {
                    cells.push(if r[c].is_empty() {
                        None
                    } else {
                        Some(number(&self.writer.path, &r[c])?)
                    });
                }
                columns.push(Column::Number(cells));
            }
        }
        self.writer.group(columns)
    }

    pub(crate) fn finish(mut self) -> Result<(), StudyError> {
        self.flush()?;
        self.writer.finish()
    }
}

/// The rows of a long table written by [`LongParquet`]: `(case_id, [phase, region, feature,
/// value])`, the value as the CSV table writes it.
pub(crate) fn read_long(path: &Path) -> Result<Vec<(String, crate::table::Row)>, StudyError> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::RowAccessor;
    let file = File::open(path).map_err(|e| StudyError::file(path, e))?;
    let reader = SerializedFileReader::new(file).map_err(|e| err(path, e))?;
    let names: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    if names != ["case_id", "phase", "region", "feature", "value"] {
        return Err(err(
            path,
            format!("columns {names:?}, expected case_id, phase, region, feature, value"),
        ));
    }
    let mut out = Vec::new();
    for row in reader.get_row_iter(None).map_err(|e| err(path, e))? {
        let row = row.map_err(|e| err(path, e))?;
        let text = |i: usize| row.get_string(i).cloned().map_err(|e| err(path, e));
        let value = row.get_double(4).map_err(|e| err(path, e))?;
        out.push((text(0)?, [text(1)?, text(2)?, text(3)?, value.to_string()]));
    }
    Ok(out)
}
