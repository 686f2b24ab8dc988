//! Provenance of outputs: inputs with their checksums (perirad-study's).

pub use perirad_study::provenance::provenance;
