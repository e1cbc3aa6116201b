//! Points are shown to two decimals. Rounding each line on its own could make the explanation
//! miss its total by a few hundredths, so the lines are rounded together (largest remainder):
//! the shown lines always add up to the shown total.

/// Round `values` to hundredths so that they sum to the sum of the values, itself rounded.
pub fn round_together(values: &[f64]) -> Vec<f64> {
    let target = (values.iter().sum::<f64>() * 100.0).round() as i64;
    let floors: Vec<i64> = values.iter().map(|v| (v * 100.0).floor() as i64).collect();
    let mut missing = target - floors.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..values.len()).collect();
    // Largest fractional remainder first; index breaks ties so the result is deterministic.
    order.sort_by(|&a, &b| {
        let ra = values[a] * 100.0 - floors[a] as f64;
        let rb = values[b] * 100.0 - floors[b] as f64;
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let mut hundredths = floors;
    for i in order {
        if missing <= 0 {
            break;
        }
        hundredths[i] += 1;
        missing -= 1;
    }
    hundredths.into_iter().map(|h| h as f64 / 100.0).collect()
}

/// A value rounded to hundredths.
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounded_lines_add_up_to_the_rounded_sum() {
        let v = [10.004, 10.004, 10.004];
        let r = round_together(&v);
        assert_eq!(
            r.iter().map(|x| (x * 100.0).round() as i64).sum::<i64>(),
            3001
        );
        assert_eq!(r, vec![10.01, 10.0, 10.0]);
    }

    #[test]
    fn negative_lines_round_too() {
        let r = round_together(&[20.0, -20.0, 3.333, 3.333, 3.334]);
        assert_eq!(
            r.iter().map(|x| (x * 100.0).round() as i64).sum::<i64>(),
            1000
        );
    }

    #[test]
    fn empty_is_empty() {
        assert!(round_together(&[]).is_empty());
    }
}
