//! Statistics for radiomics studies, each method matching its reference implementation
//! (scikit-learn, glmnet, statsmodels, lifelines, scikit-survival, pROC, neuroCombat, psych).
//!
//! Numerical only: no files, no terminal. Every function takes plain slices or [`Matrix`]
//! values and returns plain values or a [`StatsError`] naming what is wrong with the input.

pub mod error;
pub mod matrix;

// Preprocessing and feature selection.
pub mod correlation;
pub mod icc;
pub mod mrmr;
pub mod preprocess;

// Models.
pub mod cox;
pub mod glmnet;
pub mod logistic;
pub mod nomogram;

// Evaluation.
pub mod calibration;
pub mod metrics;
pub mod roc;
pub mod survival;

// Harmonisation and validation designs.
pub mod combat;
pub mod cv;
pub mod pipeline;

pub use error::StatsError;
pub use matrix::Matrix;
