//! `Series.value_counts()`: the distinct values with their counts, by
//! descending count; ties keep the order of first appearance (pandas sorts
//! the first-appearance factorization with a stable sort).

use rayon::prelude::*;

use crate::dict::MIN_PAR_LEN;
use crate::groupby::{check_codes, check_group_count};

/// Rows per group of `codes` (`-1` = missing, not counted). Low-cardinality
/// inputs are counted in parallel chunks whose tables are then added up.
pub fn count_codes(codes: &[i64], n_groups: usize) -> Result<Vec<i64>, String> {
    check_group_count(codes, n_groups)?;
    check_codes(codes, n_groups)?;
    let count = |chunk: &[i64]| {
        let mut counts = vec![0i64; n_groups];
        for &c in chunk {
            if c >= 0 {
                counts[c as usize] += 1;
            }
        }
        counts
    };
    let threads = rayon::current_num_threads();
    let chunk = codes.len().div_ceil(threads).max(4 * MIN_PAR_LEN);
    if threads == 1 || codes.len() <= chunk || n_groups * 8 > chunk {
        return Ok(count(codes));
    }
    Ok(codes
        .par_chunks(chunk)
        .map(count)
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
            a
        })
        .unwrap_or_else(|| vec![0; n_groups]))
}

/// The groups of a first-appearance factorization ordered by descending
/// count, stable for ties, and their counts.
pub fn value_counts(codes: &[i64], n_groups: usize) -> Result<(Vec<usize>, Vec<i64>), String> {
    let counts = count_codes(codes, n_groups)?;
    let mut order: Vec<usize> = (0..n_groups).collect();
    order.par_sort_by_key(|&g| std::cmp::Reverse(counts[g]));
    let sorted = order.iter().map(|&g| counts[g]).collect();
    Ok((order, sorted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factorize::factorize_i64;

    #[test]
    fn ties_keep_first_appearance() {
        let f = factorize_i64(&[3, 1, 2, 1, 3, 2, 9]);
        let (order, counts) = value_counts(&f.codes, f.keys.len()).unwrap();
        let keys: Vec<i64> = order.iter().map(|&g| f.keys[g]).collect();
        assert_eq!(keys, vec![3, 1, 2, 9]);
        assert_eq!(counts, vec![2, 2, 2, 1]);
    }

    #[test]
    fn missing_not_counted_and_parallel_agrees() {
        let codes: Vec<i64> = (0..1_000_003i64)
            .map(|i| if i % 7 == 0 { -1 } else { i % 5 })
            .collect();
        let counts = count_codes(&codes, 5).unwrap();
        let serial = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| count_codes(&codes, 5).unwrap());
        assert_eq!(counts, serial);
        assert_eq!(
            counts.iter().sum::<i64>(),
            codes.iter().filter(|&&c| c >= 0).count() as i64
        );
        assert!(count_codes(&[5], 5).is_err());
        assert_eq!(value_counts(&[], 0).unwrap(), (vec![], vec![]));
    }
}
