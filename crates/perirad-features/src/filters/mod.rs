pub mod pyradiomics;
