//! The CSV reader the modelling commands use (shared with the study runner).

pub use perirad_study::csv_read::{field, parse_cell, parse_flag, Csv, NotBinary};
