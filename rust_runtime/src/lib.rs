//! Stratum's native runtime kernels. The kernels are plain Rust over slices;
//! the `python` feature adds the `stratum._rt` extension module around them.

pub mod arrow;
pub mod category_codes;
mod dict;
pub mod factorize;
pub mod groupby;
pub mod join;
pub mod onehot;
pub mod quantile;
pub mod strings;
pub mod value_counts;

#[cfg(feature = "python")]
mod python;
