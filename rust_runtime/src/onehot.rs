//! One-hot matrices for `pd.get_dummies`: for codes into `k` sorted
//! categories, the `(k, n)` row-major matrix with a one at `(codes[i], i)`.
//! Its transpose is the `(n, k)` column-major matrix pandas builds, so the
//! DataFrame made from it has the same single block.

use rayon::prelude::*;

use crate::groupby::check_codes;

/// Raw pointer to the output, shared by the threads that scatter the ones.
struct Out<T>(*mut T);
// SAFETY: threads write through it only at positions of distinct rows `i`
// (see `onehot`), so no two threads touch the same element.
unsafe impl<T: Send> Sync for Out<T> {}

/// The `(n_columns, codes.len())` one-hot matrix, row-major: element
/// `c * n + i` is `one` where `codes[i] == c`, else `zero`; rows with code
/// `-1` are all `zero`.
pub fn onehot<T: Copy + Send + Sync>(
    codes: &[i64],
    n_columns: usize,
    zero: T,
    one: T,
) -> Result<Vec<T>, String> {
    check_codes(codes, n_columns)?;
    let n = codes.len();
    let len = n_columns.checked_mul(n).ok_or("one-hot matrix too large")?;
    // A zero-valued `zero` makes this a zeroed allocation: pages are only
    // touched where a one is written.
    let mut out = vec![zero; len];
    let ptr = Out(out.as_mut_ptr());
    let ptr = &ptr;
    codes
        .par_iter()
        .enumerate()
        .with_min_len(1 << 15)
        .for_each(|(i, &c)| {
            if c >= 0 {
                // SAFETY: check_codes gave c < n_columns and i < n, so the
                // index is inside `out` (len = n_columns * n); each i is
                // visited once, so writes never overlap.
                unsafe { *ptr.0.add(c as usize * n + i) = one };
            }
        });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_layout() {
        let m = onehot(&[1, -1, 0, 1], 2, 0u8, 1u8).unwrap();
        assert_eq!(m, vec![0, 0, 1, 0, 1, 0, 0, 1]);
        let m = onehot(&[0], 1, false, true).unwrap();
        assert_eq!(m, vec![true]);
    }

    #[test]
    fn large_parallel_input() {
        let codes: Vec<i64> = (0..200_001i64).map(|i| i % 3 - 1).collect();
        let m = onehot(&codes, 2, 0.0f64, 1.0).unwrap();
        for (i, &c) in codes.iter().enumerate() {
            assert_eq!(m[i], if c == 0 { 1.0 } else { 0.0 });
            assert_eq!(m[codes.len() + i], if c == 1 { 1.0 } else { 0.0 });
        }
    }

    #[test]
    fn bad_codes_and_empty() {
        assert!(onehot(&[2], 2, 0u8, 1).is_err());
        assert_eq!(onehot(&[], 3, 0u8, 1).unwrap(), Vec::<u8>::new());
        assert_eq!(onehot(&[-1, -1], 0, 0u8, 1).unwrap(), Vec::<u8>::new());
    }
}
