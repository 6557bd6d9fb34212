//! `Series.median()` and `Series.quantile(q)` (linear interpolation, NaN
//! skipped) by selection instead of numpy's partition of a full copy: the
//! values map to order-preserving u64 keys; small inputs are copied and
//! selected (`select_nth_unstable`), large ones go through a parallel radix
//! select (the keys' range, a histogram of the top 16 bits of key - min,
//! then a selection among the one or two buckets holding the wanted ranks). numpy's arithmetic is replayed
//! exactly:
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
//! values numpy's partition puts where (a zero neighbour in a column holding
//! both 0.0 and -0.0, for quantile), the kernels return `None` and the
//! caller runs pandas.

use rayon::prelude::*;

/// From this many values on, order statistics are found by a parallel
/// radix select (a histogram of the top key bits, then a selection among
/// the values of the one or two buckets holding the ranks) instead of
/// copying every value and selecting serially.
const RADIX_MIN_LEN: usize = 1 << 20;
/// Key bits the radix histogram buckets by.
const RADIX_BITS: u32 = 16;
/// Values per parallel task.
const CHUNK: usize = 1 << 18;

/// Order-preserving key of a float (NaN: none; -0.0 sorts before 0.0).
#[inline]
fn f64_key(x: f64) -> Option<u64> {
    if x.is_nan() {
        return None;
    }
    let bits = x.to_bits();
    Some(if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    })
}

#[inline]
fn key_f64(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

#[inline]
fn i64_key(v: i64) -> Option<u64> {
    Some((v as u64) ^ (1 << 63))
}

#[inline]
fn key_i64(k: u64) -> i64 {
    (k ^ (1 << 63)) as i64
}

/// The keys at ranks `k` and `k + 1` of `keys` (both `k` when `k + 1` is
/// past the end or not asked for), reordering `keys`.
fn select(keys: &mut [u64], k: usize, with_next: bool) -> (u64, u64) {
    let (_, &mut lo, upper) = keys.select_nth_unstable(k);
    let hi = if with_next {
        upper.iter().copied().min().unwrap_or(lo)
    } else {
        lo
    };
    (lo, hi)
}

/// The order statistics at ranks `k` and `k + 1` of the present values,
/// where `rank(n)` gives `(k, with_next)` for `n` present values (None:
/// nothing to select).
fn order_stats<T, K, R>(values: &[T], key: K, rank: R) -> Option<(usize, u64, u64)>
where
    T: Copy + Sync,
    K: Fn(T) -> Option<u64> + Sync,
    R: FnOnce(usize) -> Option<(usize, bool)>,
{
    if values.len() < RADIX_MIN_LEN {
        let mut keys: Vec<u64> = values.iter().filter_map(|&v| key(v)).collect();
        let n = keys.len();
        let (k, next) = rank(n)?;
        let (lo, hi) = select(&mut keys, k, next);
        return Some((n, lo, hi));
    }
    // Buckets split the keys' actual range, so that clustered keys (ints of
    // a small range share all their top bits) still spread over buckets.
    let (min, max) = values
        .par_chunks(CHUNK)
        .map(|c| {
            c.iter()
                .filter_map(|&v| key(v))
                .fold((u64::MAX, 0), |(lo, hi), k| (lo.min(k), hi.max(k)))
        })
        .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    if min > max {
        return None; // nothing present: every caller declines
    }
    let span_bits = 64 - (max - min).leading_zeros();
    let shift = span_bits.saturating_sub(RADIX_BITS);
    let bucket = move |k: u64| (k - min) >> shift;
    let counts = values
        .par_chunks(CHUNK)
        .map(|c| {
            let mut h = vec![0usize; 1 << RADIX_BITS];
            for k in c.iter().filter_map(|&v| key(v)) {
                h[bucket(k) as usize] += 1;
            }
            h
        })
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
            a
        })?;
    let total: usize = counts.iter().sum();
    let (k, next) = rank(total)?;
    // The bucket holding rank `r`, and how many keys precede it.
    let bucket_of = |r: usize| {
        let mut below = 0;
        for (b, &c) in counts.iter().enumerate() {
            if r < below + c {
                return (b as u64, below);
            }
            below += c;
        }
        unreachable!("rank {r} is below the count")
    };
    let (first, below) = bucket_of(k);
    let last = if next && k + 1 < total {
        bucket_of(k + 1).0
    } else {
        first
    };
    let mut keys: Vec<u64> = values
        .par_chunks(CHUNK)
        .flat_map_iter(|c| {
            c.iter()
                .filter_map(|&v| key(v))
                .filter(|&k| (first..=last).contains(&bucket(k)))
        })
        .collect();
    let (lo, hi) = select(&mut keys, k - below, next);
    Some((total, lo, hi))
}

/// Whether both 0.0 and -0.0 occur.
fn mixed_zeros(values: &[f64]) -> bool {
    let (pos, neg) = values
        .par_chunks(CHUNK)
        .map(|c| {
            c.iter().fold((false, false), |(p, n), &x| {
                (
                    p || (x == 0.0 && x.is_sign_positive()),
                    n || (x == 0.0 && x.is_sign_negative()),
                )
            })
        })
        .reduce(|| (false, false), |a, b| (a.0 || b.0, a.1 || b.1));
    pos && neg
}

/// `Series.median()` of float64 values (int64 ones cast to float64 first).
pub fn median_f64(values: &[f64]) -> Option<f64> {
    let (n, lo, hi) = order_stats(values, f64_key, |n| match n {
        0 => None,
        n if n % 2 == 1 => Some((n / 2, false)),
        n => Some((n / 2 - 1, true)),
    })?;
    let (lo, hi) = (key_f64(lo), key_f64(hi));
    if !lo.is_finite() || !hi.is_finite() {
        return None;
    }
    let result = if n % 2 == 1 {
        0.0 + lo
    } else {
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

/// `(a, b, t)` of `q` among the present values.
fn interpolation<T, K>(values: &[T], key: K, q: f64) -> Option<(u64, u64, f64)>
where
    T: Copy + Sync,
    K: Fn(T) -> Option<u64> + Sync,
{
    let mut weight = 0.0;
    let (_, a, b) = order_stats(values, key, |n| {
        let (ka, kb, t) = neighbours(n, q)?;
        weight = t;
        Some((ka, kb > ka))
    })?;
    Some((a, b, weight))
}

/// `Series.quantile(q)` of float64 values.
pub fn quantile_f64(values: &[f64], q: f64) -> Option<f64> {
    let (a, b, t) = interpolation(values, f64_key, q)?;
    let (a, b) = (key_f64(a), key_f64(b));
    // Which zero numpy's partition leaves at a rank is its own business.
    if (a == 0.0 || b == 0.0) && mixed_zeros(values) {
        return None;
    }
    let diff = b - a;
    let result = lerp(a, b, diff, t);
    (a.is_finite() && b.is_finite() && diff.is_finite() && result.is_finite()).then_some(result)
}

/// `Series.quantile(q)` of int64 values.
pub fn quantile_i64(values: &[i64], q: f64) -> Option<f64> {
    let (a, b, t) = interpolation(values, i64_key, q)?;
    let (a, b) = (key_i64(a), key_i64(b));
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
    fn keys_preserve_order() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -1e-310,
            -0.0,
            0.0,
            1e-310,
            2.5,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(f64_key(w[0]).unwrap() < f64_key(w[1]).unwrap());
        }
        for &x in &xs {
            assert_eq!(key_f64(f64_key(x).unwrap()).to_bits(), x.to_bits());
        }
        assert_eq!(f64_key(f64::NAN), None);
        assert!(i64_key(-1) < i64_key(0) && i64_key(i64::MIN) < i64_key(i64::MAX));
        assert_eq!(key_i64(i64_key(-7).unwrap()), -7);
    }

    #[test]
    fn radix_select_matches_sorting() {
        let n = RADIX_MIN_LEN + 12_345;
        let floats: Vec<f64> = (0..n)
            .map(|i| match i % 97 {
                0 => f64::NAN,
                j => ((i * 7919) % 100_003) as f64 * 0.013 - (j as f64) * 3.0,
            })
            .collect();
        let ints: Vec<i64> = (0..n as i64)
            .map(|i| (i * 104_729) % 1_000_003 - 500_000)
            .collect();
        let mut sorted_ints = ints.clone();
        sorted_ints.sort();
        for q in [0.0, 1e-7, 0.25, 0.5, 0.9, 0.999_999, 1.0] {
            let got = quantile_f64(&floats, q).unwrap();
            assert_eq!(
                got.to_bits(),
                sorted_quantile(&floats, q).to_bits(),
                "q = {q}"
            );
            let (ka, kb, t) = neighbours(n, q).unwrap();
            let (a, b) = (sorted_ints[ka], sorted_ints[kb]);
            assert_eq!(
                quantile_i64(&ints, q),
                Some(lerp(a as f64, b as f64, (b - a) as f64, t))
            );
        }
        // One bucket holding everything, and the median of an even count.
        let same: Vec<f64> = (0..n).map(|i| 1.0 + (i % 1000) as f64 * 1e-9).collect();
        let mut sorted = same.clone();
        sorted.sort_by(f64::total_cmp);
        let want = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        assert_eq!(median_f64(&same), Some(want));
    }

    #[test]
    fn int_quantile_interpolates_in_float() {
        assert_eq!(quantile_i64(&[1, 2, 3, 4], 0.5), Some(2.5));
        assert_eq!(quantile_i64(&[10, 0], 0.25), Some(2.5));
        assert_eq!(quantile_i64(&[i64::MIN, i64::MAX], 0.5), None);
        assert_eq!(quantile_i64(&[], 0.5), None);
    }
}
