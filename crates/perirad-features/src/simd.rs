//! The instruction set of the hot loops, chosen at run time.
//!
//! The texture kernels are compiled twice, for the baseline x86-64 and for x86-64-v3 (AVX2),
//! through `pulp`'s dispatch (the SIMD layer of `faer`), so that one binary runs on any x86-64
//! and uses wider vectors where the CPU has them, without `unsafe` in perirad. A kernel is a
//! struct implementing [`pulp::WithSimd`] whose `with_simd` calls `#[inline(always)]` code: only
//! code inlined into it is compiled for AVX2.
//!
//! Both versions give the same bits: the kernels' floating-point loops are element-wise or sum
//! in an explicit order, and Rust never fuses a multiply and an add or reassociates a sum, so
//! vectorisation changes how many elements an instruction handles, not any result.

/// The instruction set to run the kernels with: the best the CPU has (x86-64-v3 or the
/// baseline), or the baseline in tests that compare the two.
pub(crate) fn arch() -> pulp::Arch {
    #[cfg(test)]
    if testing::BASELINE.load(std::sync::atomic::Ordering::Relaxed) {
        return pulp::Arch::Scalar;
    }
    pulp::Arch::new()
}

#[cfg(test)]
pub(crate) mod testing {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    pub(super) static BASELINE: AtomicBool = AtomicBool::new(false);
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    /// `f` run with the baseline kernels only (other tests running meanwhile may get them too,
    /// which changes no result).
    pub(crate) fn baseline<R>(f: impl FnOnce() -> R) -> R {
        let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        BASELINE.store(true, Ordering::Relaxed);
        let out = f();
        BASELINE.store(false, Ordering::Relaxed);
        out
    }
}
