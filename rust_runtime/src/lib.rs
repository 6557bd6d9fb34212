//! Stratum's native runtime kernels. The kernels are plain Rust over slices;
//! the `python` feature adds the `stratum._rt` extension module around them.

pub mod category_codes;
mod dict;
pub mod factorize;

#[cfg(feature = "python")]
mod python;
