//! Greedy CTC decoding of the recognition model's per-step class probabilities.

/// Reads one line: the most likely class at each step, repeats merged, blanks (class 0)
/// dropped. The confidence is the mean probability of the characters kept.
pub fn decode(probs: &[f32], classes: usize, dictionary: &[String]) -> (String, f32) {
    let mut text = String::new();
    let mut kept = 0usize;
    let mut sum = 0f32;
    let mut previous = 0usize;
    for step in probs.chunks_exact(classes) {
        let (best, p) = step
            .iter()
            .enumerate()
            .fold((0usize, f32::MIN), |(bi, bp), (i, &p)| if p > bp { (i, p) } else { (bi, bp) });
        if best != 0
            && best != previous
            && let Some(ch) = dictionary.get(best)
        {
            text.push_str(ch);
            kept += 1;
            sum += p;
        }
        previous = best;
    }
    let confidence = if kept == 0 { 0.0 } else { sum / kept as f32 };
    (text, confidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_merge_and_blanks_separate_doubled_letters() {
        let dictionary: Vec<String> = ["blank", "a", "b"].iter().map(|s| (*s).to_owned()).collect();
        let step = |class: usize, p: f32| {
            let mut v = vec![(1.0 - p) / 2.0; 3];
            v[class] = p;
            v
        };
        let probs: Vec<f32> =
            [step(1, 0.9), step(1, 0.8), step(0, 0.9), step(1, 0.7), step(2, 0.6), step(0, 0.9)].concat();
        let (text, confidence) = decode(&probs, 3, &dictionary);
        assert_eq!(text, "aab");
        assert!((confidence - (0.9 + 0.7 + 0.6) / 3.0).abs() < 1e-6);
        assert_eq!(decode(&step(0, 0.9), 3, &dictionary), (String::new(), 0.0));
    }
}
