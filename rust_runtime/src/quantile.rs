//! `Series.median()` and `Series.quantile(q)` (linear interpolation, NaN
//! skipped) by selection (`select_nth_unstable`) instead of numpy's
//! partition, with numpy's arithmetic replayed exactly:
//!
//! * median (`np.nanmedian` of the float64 values): the middle order
//!   statistic, or for an even count `((0.0 + lo) + hi) / 2`; numpy's sum
//!   starts from `+0.0`, so a zero median is always `+0.0`.
//! * quantile (`np.quantile(method="linear")`): virtual index
//!   `i = (n - 1) * q`, neighbours `a = x[floor(i)]`, `b = x[floor(i) + 1]`,
//!   weight `t = i - floor(i)`; at or past the last index both neighbours
//!   are the maximum and `t = i + 1` (numpy's index there is `-1`). Then
//!   `a + (b - a) * t`, or `b - (b - a) * (1 - t)` when `t >= 0.5`. For int64
//!   values `b - a` is taken in int64, as numpy does.
//!
//! Where numpy would warn (a non-finite neighbour or result, an int64
//! overflow) or where the result could depend on which of several equal
//! values numpy's partition puts where (a column holding both 0.0 and -0.0,
//! for quantile), the kernels return `None` and the caller runs pandas.

use rayon::prelude::*;

/// Above this many values, the non-NaN values are gathered in parallel.
const MIN_PAR_LEN: usize = 1 << 16;

/// The non-NaN values, and whether both signs of zero occur among them.
fn present(values: &[f64]) -> (Vec<f64>, bool) {
    let signs = |v: &[f64]| {
        v.iter().fold((false, false), |(p, n), &x| {
            (
                p || (x == 0.0 && x.is_sign_positive()),
                n || (x == 0.0 && x.is_sign_negative()),
            )
        })
    };
    let kept: Vec<f64> = if values.len() >= MIN_PAR_LEN {
        values
            .par_chunks(MIN_PAR_LEN / 4)
            .flat_map_iter(|c| c.iter().copied().filter(|x| !x.is_nan()))
            .collect()
    } else {
        values.iter().copied().filter(|x| !x.is_nan()).collect()
    };
    let (pos, neg) = if kept.len() >= MIN_PAR_LEN {
        kept.par_chunks(MIN_PAR_LEN / 4)
            .map(signs)
            .reduce(|| (false, false), |a, b| (a.0 || b.0, a.1 || b.1))
    } else {
        signs(&kept)
    };
    (kept, pos && neg)
}

/// The order statistics at ranks `k` and `k + 1` (`hi` only when asked).
fn pair<T: Copy + PartialOrd>(
    v: &mut [T],
    k: usize,
    with_next: bool,
    cmp: fn(&T, &T) -> std::cmp::Ordering,
) -> (T, T) {
    let (_, &mut lo, upper) = v.select_nth_unstable_by(k, cmp);
    if !with_next || upper.is_empty() {
        return (lo, lo);
    }
    let hi = upper
        .iter()
        .copied()
        .reduce(|a, b| if cmp(&b, &a).is_lt() { b } else { a })
        .unwrap_or(lo);
    (lo, hi)
}

/// `Series.median()` of float64 values (int64 ones cast to float64 first).
pub fn median_f64(values: &[f64]) -> Option<f64> {
    let (mut v, _) = present(values);
    let n = v.len();
    if n == 0 {
        return None;
    }
    let result = if n % 2 == 1 {
        let (mid, _) = pair(&mut v, n / 2, false, f64::total_cmp);
        if !mid.is_finite() {
            return None;
        }
        0.0 + mid
    } else {
        let (lo, hi) = pair(&mut v, n / 2 - 1, true, f64::total_cmp);
        if !lo.is_finite() || !hi.is_finite() {
            return None;
        }
        (0.0 + lo + hi) / 2.0
    };
    result.is_finite().then_some(result)
}

/// The virtual index's neighbours and weight: `(rank of a, rank of b, t)`,
/// or `None` for a `q` outside `[0, 1]`.
fn neighbours(n: usize, q: f64) -> Option<(usize, usize, f64)> {
    if !(0.0..=1.0).contains(&q) || n == 0 {
        return None;
    }
    let last = n - 1;
    let index = last as f64 * q;
    if index >= last as f64 {
        return Some((last, last, index + 1.0));
    }
    let below = index.floor();
    Some((below as usize, below as usize + 1, index - below))
}

fn lerp(a: f64, b: f64, diff: f64, t: f64) -> f64 {
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// `Series.quantile(q)` of float64 values.
pub fn quantile_f64(values: &[f64], q: f64) -> Option<f64> {
    let (mut v, mixed_zeros) = present(values);
    let (ka, kb, t) = neighbours(v.len(), q)?;
    if mixed_zeros {
        return None;
    }
    let (a, b) = pair(&mut v, ka, kb > ka, f64::total_cmp);
    let diff = b - a;
    let result = lerp(a, b, diff, t);
    (a.is_finite() && b.is_finite() && diff.is_finite() && result.is_finite()).then_some(result)
}

/// `Series.quantile(q)` of int64 values.
pub fn quantile_i64(values: &[i64], q: f64) -> Option<f64> {
    let (ka, kb, t) = neighbours(values.len(), q)?;
    let mut v = values.to_vec();
    let (a, b) = pair(&mut v, ka, kb > ka, i64::cmp);
    let diff = b.checked_sub(a)? as f64;
    let result = lerp(a as f64, b as f64, diff, t);
    result.is_finite().then_some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy's linear quantile on a sorted copy, written out.
    fn sorted_quantile(values: &[f64], q: f64) -> f64 {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        let (ka, kb, t) = neighbours(v.len(), q).unwrap();
        lerp(v[ka], v[kb], v[kb] - v[ka], t)
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median_f64(&[3.0, f64::NAN, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_f64(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(
            median_f64(&[-0.0]).map(f64::to_bits),
            Some(0.0f64.to_bits())
        );
        assert_eq!(
            median_f64(&[-0.0, -0.0]).map(f64::to_bits),
            Some(0.0f64.to_bits())
        );
        assert_eq!(median_f64(&[f64::NAN]), None);
        assert_eq!(median_f64(&[]), None);
        assert_eq!(median_f64(&[f64::INFINITY, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_f64(&[f64::INFINITY, f64::NEG_INFINITY]), None);
        assert_eq!(median_f64(&[f64::MAX, f64::MAX]), None);
    }

    #[test]
    fn quantile_matches_sorted_reference() {
        let values: Vec<f64> = (0..1001)
            .map(|i| ((i * 7919) % 1013) as f64 * 0.37 - 50.0)
            .collect();
        for q in [0.0, 0.01, 0.1, 0.25, 1.0 / 3.0, 0.5, 0.75, 0.9, 0.999, 1.0] {
            let got = quantile_f64(&values, q).unwrap();
            assert_eq!(
                got.to_bits(),
                sorted_quantile(&values, q).to_bits(),
                "q = {q}"
            );
        }
        assert_eq!(quantile_f64(&[1.0, 2.0], 1.5), None);
        assert_eq!(quantile_f64(&[0.0, -0.0, 1.0], 0.5), None);
        assert_eq!(quantile_f64(&[1.0, f64::INFINITY], 0.5), None);
        assert_eq!(quantile_f64(&[5.0], 0.3), Some(5.0));
    }

    #[test]
    fn int_quantile_interpolates_in_float() {
        assert_eq!(quantile_i64(&[1, 2, 3, 4], 0.5), Some(2.5));
        assert_eq!(quantile_i64(&[10, 0], 0.25), Some(2.5));
        assert_eq!(quantile_i64(&[i64::MIN, i64::MAX], 0.5), None);
        assert_eq!(quantile_i64(&[], 0.5), None);
    }
}
